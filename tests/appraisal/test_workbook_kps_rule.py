"""The team's appraisal workbook counts a «không phát sinh» (KPS) leaf by the review's one rule
(`appraisal.selectors.review.credited_scores`), the rule the API's `credited_self_score` and
`credited_appraised_score` give: in either index mode, whatever the team's decision on it. A guard: the workbook
counted the same before it used the rule (its own copy), and must go on doing so."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from appraisal.selectors.review import credited_scores
from appraisal.services import assessment_sign_off, line_accept_self, line_appraise
from scoring.models import IndicatorSet
from tests.appraisal.conftest import KPS, line_of, refresh

pytestmark = pytest.mark.django_db

SELF, APPRAISED = 4, 5  # the workbook's columns


def _accept_all_but_kps(assessment: Any, lead: Any) -> None:
    for line in assessment.lines.select_related("indicator").exclude(indicator__code=KPS):
        line_accept_self(line=line, actor=lead, base_version=line.version)


def _decide(assessment: Any, lead: Any, decision: str) -> Any:
    """The KPS leaf waiting for the team, accepted, overruled with a score (0.75), or accepted and signed off."""
    _accept_all_but_kps(assessment, lead)
    line = line_of(assessment, KPS)
    if decision in ("accepted", "signed_off"):
        line_accept_self(line=line, actor=lead, base_version=line.version)
    elif decision == "overruled":
        line_appraise(line=line, actor=lead, base_version=line.version, value={"counts": {"a": 4, "b": 2, "c": 0}},
                      note="Có một cuộc kiểm tra trong năm")
    if decision == "signed_off":
        assessment_sign_off(assessment=refresh(assessment), actor=lead)
    return refresh(assessment)


def _workbook_kps_row(client: Client, assessment: Any) -> tuple[Any, Any]:
    response = client.get(reverse("appraisal:assessment_workbook", args=[assessment.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    row = next(r for r in ws.iter_rows(min_row=1) if r[0].value == KPS)
    return row[SELF - 1].value, row[APPRAISED - 1].value


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@pytest.mark.parametrize("index_mode", [IndicatorSet.IndexMode.POINTS, IndicatorSet.IndexMode.PERCENT])
@pytest.mark.parametrize("decision", ["waiting", "accepted", "overruled", "signed_off"])
def test_the_workbook_counts_a_kps_leaf_as_the_review_rule_and_the_api(
    kps_submitted: Any, lead: Any, index_mode: str, decision: str
) -> None:
    # given the set in `index_mode` and the team's `decision` on the unit's KPS
    IndicatorSet.objects.filter(pk=kps_submitted.indicator_set_id).update(index_mode=index_mode)
    assessment = _decide(refresh(kps_submitted), lead, decision)
    line = line_of(assessment, KPS)
    rule = credited_scores(line, state=assessment.state, index_mode=index_mode)
    client = Client()
    client.force_login(lead)
    api = APIClient()
    api.force_login(lead)

    # when the workbook and the API say what the leaf counts for
    workbook = _workbook_kps_row(client, assessment)
    lines = api.get(f"/api/v1/assessments/{assessment.pk}/lines/")
    assert lines.status_code == 200, lines.content
    body = lines.json()
    row = next(r for r in (body["results"] if isinstance(body, dict) else body) if r["indicator"] == KPS)

    # then both are the rule's figures
    assert tuple(_number(v) for v in workbook) == rule
    api_figures = (row["credited_self_score"], row["credited_appraised_score"])
    assert tuple(None if v is None else Decimal(v) for v in api_figures) == rule
    # and the rule says what the domain says: the maximum (points) or nothing (percent) for an accepted KPS,
    # nothing while it waits, the team's score once overruled
    credit = Decimal("1.5") if index_mode == IndicatorSet.IndexMode.POINTS else None
    expected_appraised = {"waiting": None, "accepted": credit, "signed_off": credit, "overruled": Decimal("0.75")}
    assert rule == (credit, expected_appraised[decision])
