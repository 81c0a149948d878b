"""Part III of the report (difficulties and recommendations): a refused save keeps what was typed and says why;
no save without the text it was based on. The pre-submit check once the assessment is submitted."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, AuditEntry
from scoring.services import assessment_difficulties_save, assessment_submit, score_line_save_self
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


def _url(name: str, assessment: Assessment) -> str:
    return reverse(f"scoring:{name}", args=[assessment.pk])


def _post(client: Client, assessment: Assessment, **data: str) -> Any:
    return client.post(_url("difficulties", assessment), data)


def _textarea(body: str, name: str = "difficulties") -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', body, re.S)
    assert match, "the form's textarea"
    return unescape(match.group(1))


def _previous(body: str) -> str:
    match = re.search(r'<input type="hidden" name="previous" value="(.*?)">', body, re.S)
    assert match, "the form's base text"
    return unescape(match.group(1))


def _stored(assessment: Assessment) -> str:
    assessment.refresh_from_db()
    return assessment.difficulties


def _submitted(assessment: Assessment, editor: Any, head: Any) -> Assessment:
    for line in assessment.lines.select_related("indicator"):
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=editor, base_version=line.version, value=value,
                             explanation="Tài liệu đang được số hóa.")
    return assessment_submit(assessment=assessment, actor=head)


# --- a refused save keeps the text ------------------------------------------------------------------------------


def test_a_too_long_text_is_shown_again_with_the_reason_and_kept(client: Client, assessment: Assessment,
                                                                  unit_editor: Any) -> None:
    # given
    assessment_difficulties_save(assessment=assessment, text="Bản cũ", actor=unit_editor)
    client.force_login(unit_editor)
    typed = "Đầu đoạn. " + "x" * 20_000
    # when
    response = _post(client, assessment, previous="Bản cũ", difficulties=typed)
    # then
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nội dung quá dài" in body and "tối đa 20000" in body.replace(".", "")
    assert _textarea(body) == typed
    assert _previous(body) == "Bản cũ"  # still the text the user started from: a colleague's save is not lost
    assert _stored(assessment) == "Bản cũ"


def test_line_breaks_count_as_one_character_as_the_browser_counts_them(client: Client, assessment: Assessment,
                                                                        unit_editor: Any) -> None:
    # 19,991 characters and 9 line breaks: 20,000 in the textarea, 20,009 as the browser posts them (CR+LF)
    lines = ["y" * 1999] * 10
    typed = "\r\n".join(lines) + "z"
    assert len(typed) > 20_000 and len(typed.replace("\r\n", "\n")) == 20_000
    client.force_login(unit_editor)
    response = _post(client, assessment, previous="", difficulties=typed)
    assert response.status_code == 302
    assert _stored(assessment) == typed.replace("\r\n", "\n")  # stored with "\n"


def test_hidden_characters_are_refused_with_the_text_kept(client: Client, assessment: Assessment,
                                                          unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = _post(client, assessment, previous="", difficulties="Khó khăn A\u202e")
    assert response.status_code == 400
    body = response.content.decode()
    assert "ký tự điều khiển hoặc ký tự đảo chiều" in body
    assert _textarea(body) == "Khó khăn A\u202e"
    assert _stored(assessment) == ""
    assert not AuditEntry.objects.filter(action="assessment.difficulties").exists()


def test_a_save_after_submission_shows_the_report_with_the_state_and_the_text(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    _submitted(assessment, unit_editor, unit_head)
    client.force_login(unit_editor)
    response = _post(client, assessment, previous="", difficulties="Thiếu biên chế,\r\nthiếu kinh phí.")
    assert response.status_code == 409  # not a redirect to the sheet page that loses the text
    body = response.content.decode()
    assert "Đã gửi" in body and "nên không thể sửa" in body
    unsaved = re.search(r'<textarea id="id_difficulties_unsaved"[^>]*>(.*?)</textarea>', body, re.S)
    assert unsaved and unescape(unsaved.group(1)) == "Thiếu biên chế,\r\nthiếu kinh phí."
    assert 'name="difficulties"' not in body  # no form: the text is there to copy
    assert _stored(assessment) == ""


def test_an_appraiser_is_still_refused_with_403(team: Any, client: Client, assessment: Assessment, unit_editor: Any,
                                               unit_head: Any, appraiser: Any) -> None:
    _submitted(assessment, unit_editor, unit_head)
    client.force_login(appraiser)
    assert _post(client, assessment, previous="", difficulties="x").status_code == 403
    assert _stored(assessment) == ""


# --- no lost update ---------------------------------------------------------------------------------------------


def test_a_save_without_the_base_text_is_refused_and_changes_nothing(client: Client, assessment: Assessment,
                                                                     unit_editor: Any, unit_head: Any) -> None:
    # given: a colleague's text
    assessment_difficulties_save(assessment=assessment, text="Bản của thủ trưởng", actor=unit_head)
    audits = AuditEntry.objects.filter(action="assessment.difficulties").count()
    client.force_login(unit_editor)
    # when: the form posts no «previous»
    response = _post(client, assessment, difficulties="x")
    # then
    assert response.status_code == 400
    body = response.content.decode()
    assert "Thiếu nội dung ban đầu" in body
    assert "Bản của thủ trưởng" in body and _textarea(body) == "x"
    assert _stored(assessment) == "Bản của thủ trưởng"
    assert AuditEntry.objects.filter(action="assessment.difficulties").count() == audits
    # and saving again from the page shown (now based on the stored text) goes through
    response = _post(client, assessment, previous=_previous(body), difficulties="x")
    assert response.status_code == 302 and _stored(assessment) == "x"


def test_the_base_text_posted_with_cr_lf_is_the_same_text(client: Client, assessment: Assessment,
                                                          unit_editor: Any) -> None:
    assessment_difficulties_save(assessment=assessment, text="Dòng 1\nDòng 2", actor=unit_editor)
    client.force_login(unit_editor)
    # a browser posts the hidden field's line breaks as CR+LF
    response = _post(client, assessment, previous="Dòng 1\r\nDòng 2", difficulties="Dòng 1\r\nDòng 2\r\nDòng 3")
    assert response.status_code == 302
    assert _stored(assessment) == "Dòng 1\nDòng 2\nDòng 3"


# --- the pre-submit check once submitted ------------------------------------------------------------------------


def test_the_check_of_a_submitted_assessment_says_when_it_was_sent(client: Client, assessment: Assessment,
                                                                   unit_editor: Any, unit_head: Any) -> None:
    submitted = _submitted(assessment, unit_editor, unit_head)
    client.force_login(unit_head)
    response = client.get(_url("check", assessment))
    assert response.status_code == 200
    body = response.content.decode()
    from scoring.templatetags.scoring_tags import dmy

    assert f"đã được gửi lúc {dmy(submitted.submitted_at)}" in body
    assert "sẵn sàng để gửi" not in body


def test_a_second_submit_is_refused_without_saying_ready(client: Client, assessment: Assessment,
                                                          unit_editor: Any, unit_head: Any) -> None:
    _submitted(assessment, unit_editor, unit_head)
    client.force_login(unit_head)
    response = client.post(_url("submit", assessment), follow=True)  # redirected to the check page (PRG)
    assert response.redirect_chain == [(_url("check", assessment), 302)]
    body = response.content.decode()
    assert "không cần gửi lại" in body and "đã được gửi lúc" in body
    assert "sẵn sàng để gửi" not in body
