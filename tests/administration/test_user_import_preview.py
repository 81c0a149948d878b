"""A previewed users file waits for its confirmation in a private file on the server, never in the session (its
rows hold the initial passwords): the session keeps only the preview's random key; the file is removed when the
preview is confirmed, replaced, or left unconfirmed past the sweep's limit. Once confirmed and run, the import's
page says what it did: accounts created, roles added, accounts locked and unlocked."""

from __future__ import annotations

import datetime
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring import tasks
from scoring.administration.services import USER_COLUMNS
from scoring.administration.services.imports import user_import_confirm
from scoring.administration.views.users import PENDING_IMPORT
from scoring.errors import ValidationFailed
from scoring.models import RoleAssignment, UserImport
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db

PASSWORD = "x-Secret-2021!"
NEW_ACCOUNTS = [
    ("an", "Lê An", "", PASSWORD, "unit_head", "so-y-te", ""),
    ("binh", "Trần Bình", "", PASSWORD, "appraiser", "", ""),
]


def _post_file(client: Client, rows: list[tuple[Any, ...]]) -> Any:
    return client.post(reverse("administration:user_import"),
                       {"file": upload(xlsx_bytes(USER_COLUMNS, rows), "nguoi-dung.xlsx")})


def _confirm(client: Client, key: str, callbacks: Any) -> Any:
    with callbacks(execute=True):  # the commit hands the rows to the worker (eager here)
        return client.post(reverse("administration:user_import"), {"confirm": key})


def _held(media: Path) -> list[Path]:
    return sorted((media / "private" / "imports").glob("users-preview-*"))


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_preview_keeps_the_passwords_in_a_private_file_not_in_the_session_and_confirming_removes_it(
    client: Client, admin_user: Any, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given an administrator's upload of two new accounts
    client.force_login(admin_user)

    # when it is previewed
    preview = _post_file(client, NEW_ACCOUNTS)

    # then the session holds the preview's key only, the rows wait in a file only the server's account reads
    assert preview.status_code == 200
    key = preview.context["import_preview"]["key"]
    assert client.session[PENDING_IMPORT] == {"key": key}
    assert PASSWORD not in json.dumps(dict(client.session.items()))
    assert PASSWORD not in preview.content.decode()
    [held] = _held(media)
    assert key in held.name and PASSWORD in held.read_text(encoding="utf-8")
    assert stat.S_IMODE(held.stat().st_mode) == 0o600

    # when it is confirmed: the accounts are made, the preview's file is gone, the session forgets the key
    response = _confirm(client, key, django_capture_on_commit_callbacks)
    job = UserImport.objects.get()
    assert response.status_code == 302 and job.status == UserImport.Status.DONE and job.created == 2
    assert get_user_model().objects.get(username="an").check_password(PASSWORD)
    assert _held(media) == []
    assert PENDING_IMPORT not in client.session

    # and the same confirmation again starts nothing
    again = _confirm(client, key, django_capture_on_commit_callbacks)
    assert again.status_code == 400 and "Không còn bản xem trước" in again.content.decode()
    assert UserImport.objects.count() == 1


def test_a_new_upload_removes_the_preview_it_replaces(
    client: Client, admin_user: Any, media: Path
) -> None:
    client.force_login(admin_user)
    first = _post_file(client, NEW_ACCOUNTS[:1]).context["import_preview"]["key"]
    second = _post_file(client, NEW_ACCOUNTS[1:]).context["import_preview"]["key"]
    [held] = _held(media)
    assert second in held.name and first not in held.name
    assert client.session[PENDING_IMPORT] == {"key": second}


def test_a_file_that_changes_nothing_holds_no_preview(client: Client, admin_user: Any, media: Path) -> None:
    client.force_login(admin_user)
    preview = _post_file(client, [("bao", "", "", "", "", "", "")])
    assert preview.status_code == 200 and preview.context["import_preview"]["rows"] == []
    assert _held(media) == [] and PENDING_IMPORT not in client.session


def test_a_confirmation_after_the_data_changed_is_refused_forgets_the_preview_and_starts_nothing(
    client: Client, admin_user: Any, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(admin_user)
    key = _post_file(client, NEW_ACCOUNTS).context["import_preview"]["key"]
    get_user_model().objects.create_user(username="binh", password="x-Other-2021!")  # taken meanwhile

    response = _confirm(client, key, django_capture_on_commit_callbacks)

    # the preview no longer describes what confirming would do: refused, forgotten, upload again
    assert response.status_code == 409
    assert "Dữ liệu đã được sửa từ lúc xem trước" in response.context["import_refused"]
    assert not UserImport.objects.exists()
    assert _held(media) == []


def test_a_preview_confirmed_twice_at_once_starts_one_import(
    admin_user: Any, client: Client, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(admin_user)
    key = _post_file(client, NEW_ACCOUNTS).context["import_preview"]["key"]
    with django_capture_on_commit_callbacks():
        user_import_confirm(key=key, actor=admin_user)
    with pytest.raises(ValidationFailed) as refused:  # the second request of a double click
        user_import_confirm(key=key, actor=admin_user)
    assert refused.value.code == "preview_gone"
    assert UserImport.objects.count() == 1


def test_a_key_that_is_no_preview_is_refused(admin_user: Any, media: Path) -> None:
    for key in ("", "../../settings", "a" * 200, None):
        with pytest.raises(ValidationFailed):
            user_import_confirm(key=key, actor=admin_user)


def test_an_abandoned_preview_is_removed_by_the_periodic_sweep(
    client: Client, admin_user: Any, media: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # given a preview never confirmed
    client.force_login(admin_user)
    key = _post_file(client, NEW_ACCOUNTS).context["import_preview"]["key"]
    [held] = _held(media)

    # when the sweep runs before the limit: kept
    tasks.worker_jobs_sweep_task()
    assert held.exists()

    # when it runs once the preview is older than the limit: removed, passwords and all
    old = (timezone.now() - datetime.timedelta(minutes=settings.WORKER_JOB_TIMEOUT_MINUTES + 1)).timestamp()
    os.utime(held, (old, old))
    tasks.worker_jobs_sweep_task()
    assert _held(media) == []

    # then a late confirmation is refused and makes nothing
    response = _confirm(client, key, django_capture_on_commit_callbacks)
    assert response.status_code == 400 and "Không còn bản xem trước" in response.content.decode()
    assert not UserImport.objects.exists() and not get_user_model().objects.filter(username="an").exists()


def test_the_import_page_says_how_many_accounts_were_created_locked_unlocked_and_roles_added(
    client: Client, admin_user: Any, unit_editor: Any, unit_head: Any, media: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given lan gains a role, hung is locked, nghi (locked) is unlocked, an is created with two roles
    nghi = get_user_model().objects.create_user(username="nghi", password=PASSWORD, is_active=False)
    client.force_login(admin_user)
    key = _post_file(client, [
        ("lan", "", "", "", "appraiser", "", ""),
        ("hung", "", "", "", "", "", "0"),
        ("nghi", "", "", "", "", "", "1"),
        ("an", "Lê An", "", PASSWORD, "unit_head", "so-y-te", ""),
        ("an", "", "", "", "appraiser", "", ""),
    ]).context["import_preview"]["key"]

    # when it is confirmed and the worker has run
    response = _confirm(client, key, django_capture_on_commit_callbacks)

    # then the job records each kind of change, and its page says them
    job = UserImport.objects.get()
    assert (job.status, job.created, job.roles_added, job.locked, job.unlocked) == (UserImport.Status.DONE, 1, 2, 1, 1)
    unit_head.refresh_from_db()
    nghi.refresh_from_db()
    assert not unit_head.is_active and nghi.is_active
    assert RoleAssignment.objects.filter(user=unit_editor, role="appraiser").exists()
    page = client.get(response["Location"]).content.decode()
    for said in ("Đã tạo 1 tài khoản.", "Đã thêm 2 vai trò.", "Đã khoá 1 tài khoản.", "Đã mở khoá 1 tài khoản."):
        assert said in page


def test_the_import_page_is_for_administrators_only(client: Client, admin_user: Any, unit_editor: Any) -> None:
    job = UserImport.objects.create(rows=1, requested_by=admin_user, status=UserImport.Status.DONE, locked=1)
    url = reverse("administration:user_import_job", args=[job.pk])
    client.force_login(unit_editor)
    assert client.get(url).status_code == 403
    client.force_login(admin_user)
    assert "Đã khoá 1 tài khoản." in client.get(url).content.decode()
