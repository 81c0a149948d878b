"""An appraised score saved back equal to the self-score, its reason box still holding the reason stored for the
other score, leaves the leaf as «Chấp nhận điểm tự chấm» does: no reason. A reason typed in that save is kept (a
comment), and so is a comment stored with the self-score already."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.services import line_accept_self, line_appraise
from tests.appraisal.conftest import line_of

pytestmark = pytest.mark.django_db
OLD = "Chưa có kế hoạch kiểm tra."
CODE = "1.2.1"  # yes/no, self-scored «Có» (1 point)


def _appraise(assessment: Any, lead: Any, answer: bool, note: str) -> Any:
    line = line_of(assessment, CODE)
    return line_appraise(line=line, actor=lead, base_version=line.version, value={"value": answer}, note=note)


def _record(line: Any) -> tuple[Any, ...]:
    return (line.appraised_value, line.appraised_score, line.appraised_note)


def test_back_to_the_self_score_with_the_old_reason_leaves_what_the_accept_leaves(submitted: Any, lead: Any) -> None:
    _appraise(submitted, lead, False, OLD)
    saved = _appraise(submitted, lead, True, OLD)
    assert saved.appraised_score == saved.self_score and saved.appraised_note == ""
    line = line_of(submitted, CODE)
    accepted = line_accept_self(line=line, actor=lead, base_version=line.version)
    assert _record(accepted) == _record(saved)


def test_a_reason_typed_in_that_save_is_kept_as_a_comment(submitted: Any, lead: Any) -> None:
    _appraise(submitted, lead, False, OLD)
    saved = _appraise(submitted, lead, True, "Đã xem bản giấy kế hoạch kiểm tra.")
    assert saved.appraised_note == "Đã xem bản giấy kế hoạch kiểm tra."


def test_a_comment_stored_with_the_self_score_is_kept_when_saved_again(submitted: Any, lead: Any) -> None:
    _appraise(submitted, lead, True, "Đã xem bản giấy.")
    assert _appraise(submitted, lead, True, "Đã xem bản giấy.").appraised_note == "Đã xem bản giấy."


def test_the_lowered_score_keeps_its_reason(submitted: Any, lead: Any) -> None:
    _appraise(submitted, lead, False, OLD)
    assert _appraise(submitted, lead, False, OLD).appraised_note == OLD


def test_the_page_save_drops_the_old_reason_the_workbook_and_the_request_form_follow(
    client: Client, submitted: Any, lead: Any
) -> None:
    _appraise(submitted, lead, False, OLD)
    line = line_of(submitted, CODE)
    client.force_login(lead)
    response = client.post(reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]),
                           {"base_version": line.version, f"a{line.pk}-value": "yes", "note": OLD})
    assert response.status_code == 302
    saved = line_of(submitted, CODE)
    assert saved.appraised_score == saved.self_score and saved.appraised_note == ""
    # the request form no longer ticks it as a question kept at the self-score
    page = client.get(reverse("appraisal:request_explanation", args=[submitted.pk])).content.decode()
    assert f'value="{line.pk}" id="flag-{line.pk}" checked' not in page
    assert OLD not in page
    # the workbook prints no reason beside full marks
    book = client.get(reverse("appraisal:assessment_workbook", args=[submitted.pk]))
    ws = load_workbook(filename=io.BytesIO(book.content)).worksheets[0]
    assert OLD not in {cell.value for row in ws.iter_rows() for cell in row}

