"""An account's full name and e-mail address are corrected on its page (a mistyped address means no notification
reaches the person): the create form's rules, the account's version against a stale page, an audit entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.errors import StaleVersion, ValidationFailed
from scoring.models import AuditEntry
from tests.administration.page_helpers import error_messages, form_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(catalogue: Any) -> Any:
    user = get_user_model().objects.create_user(
        username="vqbao", password="x-Secret-2020!", first_name="Võ Quốc", last_name="Bão", email="bao@exmaple.vn"
    )
    return user


def _page(client: Client, person: Any) -> str:
    return client.get(reverse("administration:user_detail", args=[person.pk])).content.decode()


def _edit(client: Client, person: Any, version: str, **data: str) -> Any:
    return client.post(reverse("administration:user_edit", args=[person.pk]), {"version": version, **data})


def test_the_account_page_offers_the_name_and_address_to_correct(
    client: Client, admin_user: Any, person: Any
) -> None:
    client.force_login(admin_user)
    page = _page(client, person)
    form = page.split('id="account-form"', 1)[1].split("</form>", 1)[0]
    assert 'name="full_name"' in form and 'value="Võ Quốc Bão"' in form
    assert 'name="email"' in form and 'value="bao@exmaple.vn"' in form
    assert 'name="version"' in form


def test_a_corrected_name_and_address_are_saved_as_typed_and_audited(
    client: Client, admin_user: Any, person: Any
) -> None:
    # given the account's page
    client.force_login(admin_user)
    version = form_version(_page(client, person))
    # when the administrator corrects the name and the address
    response = _edit(client, person, version, full_name="  Võ Quốc   Bảo ", email="bao@example.vn")
    # then both are saved, the name shown as typed (spaces collapsed), and the change audited
    assert response.status_code == 302
    assert response["Location"] == reverse("administration:user_detail", args=[person.pk])
    assert "Đã lưu thông tin tài khoản «vqbao»." in [str(m) for m in get_messages(response.wsgi_request)]
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.email) == ("Võ Quốc", "Bảo", "bao@example.vn")
    assert person.get_full_name() == "Võ Quốc Bảo"
    assert "Võ Quốc Bảo" in _page(client, person)
    entry = AuditEntry.objects.get(action="user.update")
    assert entry.object_id == str(person.pk)
    assert entry.changes == {
        "full_name": {"old": "Võ Quốc Bão", "new": "Võ Quốc Bảo"},
        "email": {"old": "bao@exmaple.vn", "new": "bao@example.vn"},
    }


def test_a_one_word_name_is_kept_whole(admin_user: Any, person: Any) -> None:
    services.user_update(user=person, full_name="Bảo", email="", actor=admin_user)
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.get_full_name()) == ("", "Bảo", "Bảo")


def test_a_save_that_changes_nothing_records_nothing(client: Client, admin_user: Any, person: Any) -> None:
    client.force_login(admin_user)
    version = form_version(_page(client, person))
    response = _edit(client, person, version, full_name="Võ Quốc Bão", email="bao@exmaple.vn")
    assert response.status_code == 302
    assert not AuditEntry.objects.filter(action="user.update").exists()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"full_name": "Võ Quốc Bảo", "email": "bao@"}, "Địa chỉ thư điện tử «bao@» không hợp lệ."),
        ({"full_name": "Võ Quốc Bảo", "email": "bao@example.vn\u200b"}, "ký tự ẩn"),
        ({"full_name": "Võ\u200b Quốc Bảo", "email": "bao@example.vn"}, "ký tự ẩn ở vị trí 3"),
        ({"full_name": "B" * 151, "email": "bao@example.vn"}, "150 ký tự"),
        ({"full_name": "", "email": "bao@example.vn"}, "Họ và tên"),
    ],
)
def test_a_refused_edit_keeps_what_was_typed_and_changes_nothing(
    client: Client, admin_user: Any, person: Any, data: dict[str, str], expected: str
) -> None:
    client.force_login(admin_user)
    version = form_version(_page(client, person))

    response = _edit(client, person, version, **data)

    assert response.status_code == 400
    assert expected in error_messages(response)
    if data["email"]:
        assert data["email"].split("\u200b")[0] in response.content.decode()
    person.refresh_from_db()
    assert (person.get_full_name(), person.email) == ("Võ Quốc Bão", "bao@exmaple.vn")
    assert not AuditEntry.objects.filter(action="user.update").exists()


def test_the_service_refuses_a_name_that_is_too_long_or_an_address_that_is_not_one(
    admin_user: Any, person: Any
) -> None:
    for full_name, email in (("Võ Quốc Bảo", "khong-phai-thu"), ("B" * 151, "")):
        with pytest.raises(ValidationFailed) as refused:
            services.user_update(user=person, full_name=full_name, email=email, actor=admin_user)
        assert refused.value.code == "invalid_account"


def test_an_edit_from_a_page_drawn_before_a_colleagues_change_is_refused_showing_the_stored_values(
    client: Client, admin_user: Any, person: Any
) -> None:
    # given two administrators on the account's page
    client.force_login(admin_user)
    version = form_version(_page(client, person))
    # when a colleague corrects the address, then the second saves from the page drawn before
    first = _edit(client, person, version, full_name="Võ Quốc Bão", email="bao@example.vn")
    second = _edit(client, person, version, full_name="Võ Quốc Bảo", email="bao@exmaple.vn")
    # then the second is refused, its typing kept, the stored address shown; nothing lost
    assert first.status_code == 302
    assert second.status_code == 409
    assert "đã được sửa ở nơi khác" in error_messages(second)
    page = second.content.decode()
    assert 'value="Võ Quốc Bảo"' in page
    stored = page.split('id="stored-values"', 1)[1].split("</div>", 1)[0]
    assert "bao@example.vn" in stored
    person.refresh_from_db()
    assert (person.get_full_name(), person.email) == ("Võ Quốc Bão", "bao@example.vn")
    # and the refused page carries the version now stored: saving again goes through
    assert _edit(client, person, form_version(page), full_name="Võ Quốc Bảo", email="bao@example.vn").status_code \
        == 302
    person.refresh_from_db()
    assert person.get_full_name() == "Võ Quốc Bảo"


def test_an_edit_without_the_version_is_refused(client: Client, admin_user: Any, person: Any) -> None:
    client.force_login(admin_user)
    for version in ("", None):
        data = {"full_name": "Võ Quốc Bảo", "email": "bao@example.vn"}
        if version is not None:
            data["version"] = version
        response = client.post(reverse("administration:user_edit", args=[person.pk]), data)
        assert response.status_code == 400
        assert "tải lại trang" in error_messages(response)
    person.refresh_from_db()
    assert person.email == "bao@exmaple.vn"


def test_a_password_reset_since_the_page_was_drawn_refuses_the_edit(admin_user: Any, person: Any) -> None:
    from scoring.administration.services.users import user_version

    version = user_version(person)
    services.user_set_password(user=get_user_model().objects.get(pk=person.pk), password="Mat-khau-moi-2021",
                               actor=admin_user)
    with pytest.raises(StaleVersion):
        services.user_update(user=person, full_name="Võ Quốc Bảo", email="", actor=admin_user,
                             expected_version=version)


def test_other_roles_cannot_edit_an_account(client: Client, unit_editor: Any, lead: Any, person: Any) -> None:
    for user in (unit_editor, lead):
        client.force_login(user)
        response = _edit(client, person, "x", full_name="Kẻ Lạ", email="la@example.vn")
        assert response.status_code == 403
    person.refresh_from_db()
    assert person.get_full_name() == "Võ Quốc Bão"
    assert not AuditEntry.objects.filter(action="user.update").exists()
