"""While a unit is in an explanation round («Đang giải trình»), the team goes on with the leaves the round did not
flag: appraise them, accept them one by one or by area; the flagged ones wait for the unit's explanation (refused
with `awaiting_explanation`), and the review page shows which are which. Sign-off stays refused until the round
ends."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.services import (
    area_accept_self,
    assessment_sign_off,
    explanation_request,
    explanation_resubmit,
    line_accept_self,
    line_appraise,
    line_explain,
)
from scoring.errors import StateConflict
from scoring.models import Assessment, Indicator
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
FLAGGED = "2.1.1"


@pytest.fixture
def explaining(submitted: Any, lead: Any) -> Any:
    """Sở Y tế returned to the unit for an explanation of 2.1.1 only; no leaf needs evidence here."""
    Indicator.objects.filter(indicator_set=submitted.indicator_set).update(evidence_required=False)
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[line_of(submitted, FLAGGED).pk])
    return refresh(submitted)


def test_an_appraiser_appraises_a_leaf_the_round_did_not_flag(explaining: Any, appraiser: Any) -> None:
    assert explaining.state == Assessment.State.EXPLANATION
    line = line_of(explaining, "2.1.2")
    saved = line_appraise(line=line, actor=appraiser, base_version=line.version,
                          value={"counts": {"late": 4, "missing": 1}}, note="Thêm hai báo cáo trễ hạn.")
    assert saved.appraised_score is not None
    other = line_of(explaining, "2.2.1")
    assert line_accept_self(line=other, actor=appraiser, base_version=other.version).appraised_score is not None
    assert refresh(explaining).state == Assessment.State.EXPLANATION  # the round goes on


def test_a_flagged_leaf_waits_for_the_unit_s_explanation(explaining: Any, appraiser: Any) -> None:
    line = line_of(explaining, FLAGGED)
    for attempt in (
        lambda: line_accept_self(line=line, actor=appraiser, base_version=line.version),
        lambda: line_appraise(line=line, actor=appraiser, base_version=line.version,
                              value={"numerator": 9, "denominator": 10}, note="Theo sổ theo dõi."),
    ):
        with pytest.raises(StateConflict) as refused:
            attempt()
        assert refused.value.code == "awaiting_explanation"
        assert "giải trình" in str(refused.value.message)
    assert line_of(explaining, FLAGGED).appraised_score is None


def test_the_area_accept_leaves_the_flagged_leaf_for_the_explanation(explaining: Any, appraiser: Any) -> None:
    area = explaining.indicator_set.indicators.get(code="2", parent__isnull=True)
    done = area_accept_self(assessment=explaining, area=area, actor=appraiser)
    assert done["accepted"] == 3 and done["awaiting_explanation"] == [FLAGGED]
    assert line_of(explaining, FLAGGED).appraised_score is None
    assert line_of(explaining, "2.3.1").appraised_score is not None


def test_sign_off_stays_refused_while_the_round_is_open(explaining: Any, lead: Any) -> None:
    with pytest.raises(StateConflict) as refused:
        assessment_sign_off(assessment=explaining, actor=lead)
    assert refused.value.code == "not_in_appraisal"


def test_the_unit_s_explanation_is_not_met_by_a_conflict(
    explaining: Any, appraiser: Any, unit_editor: Any, unit_head: Any
) -> None:
    other = line_of(explaining, "2.2.1")
    line_accept_self(line=other, actor=appraiser, base_version=other.version)
    line = line_of(explaining, FLAGGED)
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung sổ theo dõi.")
    back = explanation_resubmit(assessment=refresh(explaining), actor=unit_head)
    assert back.state == Assessment.State.IN_APPRAISAL
    assert line_of(explaining, "2.2.1").appraised_score is not None  # kept through the round's end


def test_the_review_page_lets_the_team_work_on_the_leaves_not_flagged(
    client: Client, explaining: Any, appraiser: Any
) -> None:
    client.force_login(appraiser)
    body = unescape(client.get(reverse("appraisal:review", args=[explaining.pk])).content.decode())
    flagged, free = line_of(explaining, FLAGGED), line_of(explaining, "2.1.2")
    flagged_html = body.split(f'id="line-{flagged.pk}"')[1].split("</article>")[0]
    free_html = body.split(f'id="line-{free.pk}"')[1].split("</article>")[0]
    # the flagged leaf says it waits for the unit, and offers no save
    assert "Chờ đơn vị giải trình" in flagged_html
    assert "Lưu điểm thẩm định" not in flagged_html and "Chấp nhận điểm tự chấm" not in flagged_html
    # the others are saved as in the appraisal
    assert "Lưu điểm thẩm định" in free_html and "Chấp nhận điểm tự chấm" in free_html
    assert "Chấp nhận điểm tự chấm cho 3 tiêu chí chưa thẩm định" in body
    # the page says so
    assert "vẫn thẩm định được các tiêu chí không yêu cầu giải trình" in body


def test_the_lead_s_decisions_on_the_whole_assessment_wait_for_the_round_s_end(
    client: Client, explaining: Any, lead: Any
) -> None:
    from appraisal.services import assessment_zero_unscored
    from scoring.models import ScoreLine

    # a leaf the unit never scored: the lead's «chấm 0 điểm» waits for the round's end too
    ScoreLine.objects.filter(pk=line_of(explaining, "1.1.1").pk).update(self_value=None, self_score=None)
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[explaining.pk])).content.decode()
    assert "data-signoff-form" not in body and "data-zero-unscored" not in body
    with pytest.raises(StateConflict):
        assessment_zero_unscored(assessment=explaining, actor=lead, reason="Đơn vị không tự chấm.")


def test_a_script_save_of_a_free_leaf_answers_as_in_the_appraisal(
    client: Client, explaining: Any, appraiser: Any
) -> None:
    client.force_login(appraiser)
    line = line_of(explaining, "2.2.1")
    response = client.post(reverse("appraisal:accept_line", args=[explaining.pk, line.pk]),
                           {"base_version": line.version}, **JSON)
    assert response.status_code == 200 and response.json()["line"]["done"] is True
    flagged = line_of(explaining, FLAGGED)
    refused = client.post(reverse("appraisal:accept_line", args=[explaining.pk, flagged.pk]),
                          {"base_version": flagged.version}, **JSON)
    assert refused.status_code == 409 and refused.json()["code"] == "awaiting_explanation"


def test_the_api_appraises_a_free_leaf_and_refuses_a_flagged_one(explaining: Any, appraiser: Any) -> None:
    api = APIClient()
    api.force_login(appraiser)
    line = line_of(explaining, "2.2.1")
    base = f"/api/v1/assessments/{explaining.pk}/lines/"
    assert api.post(f"{base}{line.pk}/accept/", {"version": line.version}, format="json").status_code == 200
    flagged = line_of(explaining, FLAGGED)
    refused = api.post(f"{base}{flagged.pk}/accept/", {"version": flagged.version}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "awaiting_explanation"
