"""The sheet once the unit can no longer edit it (submitted, explaining): the deadline of the state it is in, fields
that look read-only, no «bắt buộc» warnings; and an empty sheet rated nothing until a leaf is scored."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.models import Assessment, Cycle
from scoring.templatetags.scoring_tags import dmy
from tests.appraisal.conftest import flagged_line, refresh, submitted  # noqa: F401  (submitted: a fixture)
from tests.scoring.test_css_contrast import _colour, _rules, contrast

pytestmark = pytest.mark.django_db

REQUIRED = "bắt buộc: chưa có tài liệu kiểm chứng"


def _page(client: Client, assessment: Assessment) -> str:
    response = client.get(reverse("scoring:assessment", args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _header_line(page: str) -> str:
    """The «Trạng thái: … · Hạn …» line under the sheet's title, its tags dropped."""
    head = page.split('<header class="sheet-head">', 1)[1].split("</p>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", head))


def _with_self_assessment_deadline(assessment: Assessment, days: int = 30) -> Assessment:
    Cycle.objects.filter(pk=assessment.cycle_id).update(self_assessment_deadline=timezone.now() + timedelta(days=days))
    return refresh(assessment)


def test_a_draft_sheet_shows_the_self_assessment_deadline(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    assessment = _with_self_assessment_deadline(assessment)
    client.force_login(unit_editor)
    header = _header_line(_page(client, assessment))
    assert f"Hạn tự đánh giá: {dmy(assessment.cycle.self_assessment_deadline)}" in header


def test_a_submitted_sheet_shows_no_self_assessment_deadline(
    client: Client, submitted: Assessment, unit_editor: Any  # noqa: F811
) -> None:
    assessment = _with_self_assessment_deadline(submitted)
    client.force_login(unit_editor)
    page = _page(client, assessment)
    assert "Hạn tự đánh giá" not in page
    assert "Hạn giải trình" not in _header_line(page)


def test_during_the_explanation_round_the_sheet_shows_the_explanation_deadline(
    client: Client, submitted: Assessment, unit_editor: Any, lead: Any  # noqa: F811
) -> None:
    # given the unit asked to explain a leaf, the self-assessment deadline still ahead
    flagged_line(submitted, lead)
    assessment = _with_self_assessment_deadline(submitted)
    assert assessment.state == Assessment.State.EXPLANATION and assessment.explanation_deadline
    client.force_login(unit_editor)

    # when one of the unit's people opens the sheet
    page = _page(client, assessment)

    # then the header and the explanation notice give the round's deadline, not the self-assessment's
    shown = dmy(assessment.explanation_deadline)
    assert "Hạn tự đánh giá" not in page
    assert f"Hạn giải trình: {shown}" in _header_line(page)
    notice = page.split("Tổ thẩm định đã yêu cầu đơn vị giải trình một số tiêu chí.", 1)[1].split("</p>", 1)[0]
    assert shown in re.sub(r"<[^>]+>", "", notice) and "Mở trang giải trình" in notice


def test_an_editable_sheet_still_marks_the_explanation_required(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    from tests.appraisal.conftest import self_score

    self_score(assessment, unit_editor)  # scored, no evidence: every leaf needs an explanation
    client.force_login(unit_editor)
    page = _page(client, assessment)
    visible = re.findall(r'<span class="req"[^>]*data-required(?! hidden)[^>]*>\(([^)]*)\)', page)
    assert visible and set(visible) == {REQUIRED}


@pytest.mark.parametrize("explaining", [False, True], ids=["submitted", "explaining"])
def test_a_sheet_the_unit_cannot_edit_has_no_required_warnings(
    client: Client, submitted: Assessment, unit_editor: Any, lead: Any, explaining: bool  # noqa: F811
) -> None:
    if explaining:
        flagged_line(submitted, lead)
    client.force_login(unit_editor)
    page = _page(client, refresh(submitted))
    assert REQUIRED not in page
    assert 'class="req"' not in page
    # the team still sees which leaves came without evidence, said neutrally
    neutral = re.findall(r'<span class="meta"[^>]*data-required(?! hidden)[^>]*>\(([^)]*)\)', page)
    assert neutral and set(neutral) == {"chưa có tài liệu kiểm chứng"}


def test_disabled_fields_of_the_sheet_look_read_only_and_stay_readable() -> None:
    rules = [(s, d) for s, d in _rules() if ":disabled" in s and ".sheet" in s]
    selectors = ",".join(s for s, _d in rules)
    assert re.search(r"\.sheet\s+input:disabled", selectors), selectors
    assert re.search(r"\.sheet\s+textarea:disabled", selectors), selectors
    for selector, declarations in rules:
        background = _colour(declarations.get("background", declarations.get("background-color", "")))
        text = _colour(declarations.get("color", ""))
        assert background and background != "#ffffff", selector  # greyed, not the white of an editable field
        assert text and contrast(text, background) >= 4.5, (selector, text, background)
        # the browsers' own dimming of a disabled field's text (Safari: its fill colour) is replaced
        assert _colour(declarations.get("-webkit-text-fill-color", "")) == text, selector
        assert declarations.get("opacity") == "1", selector


def test_an_empty_sheet_has_no_classification_until_a_leaf_is_scored(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    page = _page(client, assessment)
    [band] = re.findall(r'data-total="classification">([^<]*)<', page)
    assert band == "— (chưa chấm tiêu chí nào)"
    assert "Yếu" not in page

    # the first scored leaf: still no band (it comes with the last one), as the page drawn again says
    line = assessment.lines.select_related("indicator").get(indicator__code="1.2.1")
    answer = client.post(reverse("scoring:line_save", args=[assessment.pk, line.pk]),
                         {"version": line.version, f"l{line.pk}-value": "no"}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    assert answer.json()["totals"]["display"]["classification"] == "— (xếp loại khi đã chấm đủ các tiêu chí)"
    assert re.findall(r'data-total="classification">([^<]*)<', _page(client, assessment)) == [
        "— (xếp loại khi đã chấm đủ các tiêu chí)"]


def test_the_totals_of_an_empty_sheet_in_json_agree_with_the_page(assessment: Assessment) -> None:
    from scoring import selectors
    from scoring.views._common import totals_payload

    payload = totals_payload(selectors.assessment_totals(assessment=assessment))
    assert payload["display"]["classification"] == "— (chưa chấm tiêu chí nào)"
    assert payload["overall"]["classification"] == "— (chưa chấm tiêu chí nào)"
