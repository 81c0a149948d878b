"""The Excel import's preview applies once. Sent several times at the same moment (a double click), one request
applies it and the others hear that this file was just applied — not that rows were changed on the system and
nothing was written, which would tell the person that the import failed when it did not. A later resend hears that
the preview was applied or has expired. Nothing is written twice, and the session keeps what the applying request
stored (the import remembered)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, AuditEntry, ScoreLine
from scoring.views import workbook as workbook_views
from tests.scoring.test_workbook import _as_upload, _col, _download, _row_of, _upload

JUST_APPLIED = "Tệp này vừa được áp dụng"
GONE = "Bản xem trước đã hết hiệu lực hoặc đã được áp dụng"
STALE = "đã được sửa trên hệ thống sau khi tải tệp Excel về"


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.get(indicator__code=code)


def _previewed(client: Client, assessment: Assessment) -> str:
    """1.2.3 given 0,5 points in the downloaded sheet, uploaded: the preview's token."""
    workbook = _download(client, assessment)
    workbook.active.cell(row=_row_of(workbook.active, "1.2.3"), column=_col("points")).value = 0.5
    response = _upload(client, assessment, _as_upload(workbook))
    assert response.status_code == 200 and [row.code for row in response.context["preview"].rows] == ["1.2.3"]
    return str(response.context["token"])


def _apply(client: Client, assessment: Assessment, token: str) -> Any:
    return client.post(reverse("scoring:sheet_apply", args=[assessment.pk]), {"token": token})


@pytest.mark.django_db
def test_a_second_apply_that_read_its_session_before_the_first_was_applied_hears_it_was_just_applied(
    client: Client, assessment: Assessment, unit_editor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(unit_editor)
    token = _previewed(client, assessment)
    first: dict[str, Any] = {}
    read_permission = workbook_views.permissions.assessment_get_for_user

    def first_applies_meanwhile(**kwargs: Any) -> Any:
        # the second request has read its session (signed in: the preview in it); the first one is applied now
        if not first:
            first["sent"] = True
            first["answer"] = _apply(client, assessment, token)
        return read_permission(**kwargs)

    monkeypatch.setattr(workbook_views.permissions, "assessment_get_for_user", first_applies_meanwhile)
    second = _apply(client, assessment, token)
    assert first["answer"].status_code == 302
    assert second.status_code == 409
    text = second.content.decode()
    assert JUST_APPLIED in text and STALE not in text and "không ghi dòng nào" not in text
    line = _line(assessment, "1.2.3")
    assert (line.self_value, line.version) == ({"points": "0.5"}, 2)  # written once
    # the session keeps what the first request stored: the preview gone; the import remembered, once, with it
    assert f"cchc-import-{assessment.pk}" not in client.session
    assert AuditEntry.objects.filter(action="assessment.import_self", object_id=str(assessment.pk)).count() == 1
    monkeypatch.undo()
    # and a later resend hears that the preview was applied or has expired
    later = _apply(client, assessment, token)
    assert later.status_code == 409 and GONE in later.content.decode()
    assert _line(assessment, "1.2.3").version == 2


@pytest.mark.django_db
def test_a_preview_refused_for_a_row_changed_elsewhere_still_says_so(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    from scoring.services import score_line_save_self

    client.force_login(unit_editor)
    token = _previewed(client, assessment)
    line = _line(assessment, "1.2.3")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"points": "0.25"})
    refused = _apply(client, assessment, token)
    assert refused.status_code == 409 and STALE in refused.content.decode()
    assert _line(assessment, "1.2.3").self_value == {"points": "0.25"}
    assert GONE in _apply(client, assessment, token).content.decode()  # the preview is spent


@pytest.fixture
def real_database(transactional_db: Any) -> None:
    from django.conf import settings

    from tests.conftest import need_service

    need_service(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "PostgreSQL (DATABASE_URL)")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_three_applies_sent_at_the_same_moment_write_once_on_postgresql(
    real_database: None, assessment: Assessment, unit_editor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    client.force_login(unit_editor)
    token = _previewed(client, assessment)
    cookies = client.cookies
    senders = 3
    ready = threading.Barrier(senders, timeout=30)
    claim = workbook_views._claim_preview

    def claim_together(*args: Any, **kwargs: Any) -> Any:
        ready.wait()  # every request has read its session, the preview in it, before any claims it
        return claim(*args, **kwargs)

    monkeypatch.setattr(workbook_views, "_claim_preview", claim_together)
    answers: list[Any] = []

    def send() -> None:
        try:
            same_session = Client()
            same_session.cookies = cookies
            answers.append(_apply(same_session, assessment, token))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answer.status_code for answer in answers) == [302, 409, 409]
    for answer in answers:
        if answer.status_code == 409:
            text = answer.content.decode()
            assert JUST_APPLIED in text and STALE not in text
    line = _line(assessment, "1.2.3")
    assert (line.self_value, line.version) == ({"points": "0.5"}, 2)
    assert AuditEntry.objects.filter(action="assessment.import_self", object_id=str(assessment.pk)).count() == 1
