"""Until sign-off, the appraisal workbook and the cycle's preliminary table give no classification while leaves
are unappraised («Chưa xếp loại (còn N tiêu chí chưa thẩm định)»): a leaf not appraised counts 0, so a class
would only mislead. Once every leaf is appraised the provisional classification shows, marked «tạm tính»."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.services import assessment_sign_off, line_accept_self
from scoring.models import IndexResult, Unit
from scoring.services import assessment_compute, assessments_open
from scoring.templatetags.scoring_tags import band, score
from tests.appraisal.conftest import KPS, appraise_all, line_of, refresh, self_score, submit

pytestmark = pytest.mark.django_db

APPRAISED = 5  # the unit workbook's column of the appraised figures
LEAVES = 9  # the small set's leaves


def _accept(assessment: Any, lead: Any, codes: list[str]) -> None:
    for code in codes:
        line = line_of(assessment, code)
        line_accept_self(line=line, actor=lead, base_version=line.version)


def _unit_class(client: Client, assessment: Any) -> Any:
    response = client.get(reverse("appraisal:assessment_workbook", args=[assessment.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    row = next(row for row in ws.iter_rows() if any(cell.value == "Xếp loại (tạm tính)" for cell in row))
    return row[APPRAISED - 1].value


def test_the_unit_workbook_gives_no_class_while_leaves_are_unappraised(
    client: Client, submitted: Any, lead: Any
) -> None:
    # given one leaf appraised of nine (the engine counts the others 0 and would say «Yếu»)
    _accept(submitted, lead, ["1.1.1"])
    client.force_login(lead)
    # then
    assert _unit_class(client, refresh(submitted)) == f"Chưa xếp loại (còn {LEAVES - 1} tiêu chí chưa thẩm định)"


def test_an_undecided_kps_counts_as_unappraised(client: Client, kps_submitted: Any, lead: Any) -> None:
    # given every leaf accepted but the unit's «không phát sinh», which the team has not decided
    _accept(kps_submitted, lead, [c for c in ("1.1.1", "1.1.2", "1.2.1", "1.2.3", "2.1.1", "2.1.2", "2.2.1", "2.3.1")])
    client.force_login(lead)
    assert _unit_class(client, refresh(kps_submitted)) == "Chưa xếp loại (còn 1 tiêu chí chưa thẩm định)"
    assert line_of(kps_submitted, KPS).appraised_score is None


def test_the_unit_workbook_gives_the_provisional_class_once_every_leaf_is_appraised(
    client: Client, appraised: Any, lead: Any
) -> None:
    # guards behaviour that must not change (passes before and after the fix): the engine's class, in the row
    # labelled «Xếp loại (tạm tính)»
    client.force_login(lead)
    expected = assessment_compute(assessment=appraised, basis="appraised").classification
    assert expected and _unit_class(client, appraised) == band(expected)


@pytest.fixture
def mixed_cycle(cycle: Any, submitted: Any, lead: Any, unit_editor: Any, unit_head: Any,
                django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    """Sở Y tế: two leaves appraised; Sở Tài chính: submitted, none appraised; Sở Xây dựng: every leaf appraised,
    not signed off; Sở Công Thương: every leaf appraised, signed off; Sở Tư pháp: a draft."""
    _accept(submitted, lead, ["1.1.1", "2.1.1"])
    out = {"so-y-te": refresh(submitted)}
    for code in ("so-tai-chinh", "so-xay-dung", "so-cong-thuong", "so-tu-phap"):
        assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
        if code != "so-tu-phap":
            self_score(assessment, unit_editor)
            submit(assessment, unit_head)
        if code in ("so-xay-dung", "so-cong-thuong"):
            appraise_all(assessment, lead)
        if code == "so-cong-thuong":
            with django_capture_on_commit_callbacks(execute=True):
                assessment_sign_off(assessment=refresh(assessment), actor=lead)
        out[code] = refresh(assessment)
    return out


def _cycle_classes(client: Client, cycle: Any) -> dict[str, Any]:
    response = client.get(reverse("appraisal:cycle_workbook", args=[cycle.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Sở, ban, ngành tỉnh"]
    header = next(row for row in ws.iter_rows() if row[0].value == "STT")
    column = [cell.value for cell in header].index("Xếp loại")
    return {row[1].value: row[column].value for row in ws.iter_rows() if str(row[1].value or "").startswith("so-")}


def test_the_cycle_table_gives_no_class_to_an_assessment_with_unappraised_leaves(
    client: Client, cycle: Any, mixed_cycle: Any, lead: Any
) -> None:
    client.force_login(lead)
    classes = _cycle_classes(client, cycle)
    assert classes["so-y-te"] == f"Chưa xếp loại (còn {LEAVES - 2} tiêu chí chưa thẩm định)"
    assert classes["so-tai-chinh"] == f"Chưa xếp loại (còn {LEAVES} tiêu chí chưa thẩm định)"


def test_the_cycle_table_marks_the_class_of_a_wholly_appraised_assessment_provisional(
    client: Client, cycle: Any, mixed_cycle: Any, lead: Any
) -> None:
    client.force_login(lead)
    classes = _cycle_classes(client, cycle)
    computed = assessment_compute(assessment=mixed_cycle["so-xay-dung"], basis="appraised")
    # the index column holds signed-off results only: the provisional class names the index it grades
    assert computed.classification and classes["so-xay-dung"] == (
        f"{band(computed.classification)} (tạm tính, chỉ số thẩm định {score(computed.index)})"
    )


def test_the_cycle_table_keeps_the_signed_off_class_and_leaves_drafts_blank(
    client: Client, cycle: Any, mixed_cycle: Any, lead: Any
) -> None:
    # guards behaviour that must not change (passes before and after the fix)
    client.force_login(lead)
    classes = _cycle_classes(client, cycle)
    result = IndexResult.objects.get(assessment=mixed_cycle["so-cong-thuong"])
    assert classes["so-cong-thuong"] == band(result.classification)
    assert classes["so-tu-phap"] is None
