"""An assessment the unit never submitted: the lead scores 0 what the unit did not score (each leaf audited), the
review page says how the assessment reached the team, and who can name another lead when the lead may not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal import services
from appraisal.services.review import zero_value
from scoring import engine
from scoring.administration.services import assessment_close_unsubmitted
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, Indicator, ScoreLine
from scoring.selectors import leaf_rule
from tests.appraisal.conftest import evidence_not_required, line_of, refresh, self_score
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db

REASON = "Đơn vị không gửi bản tự đánh giá đúng hạn"
SCORED = ("1.1.2", "2.1.1")  # what the unit had self-scored when its deadline passed


@pytest.fixture
def handed_over(assessment: Assessment, unit_editor: Any, admin_user: Any, team: Any) -> Assessment:
    """Sở Y tế self-scored two leaves, never submitted; past the deadline the administrator sent it to the team."""
    self_score(assessment, unit_editor, {code: SMALL_SET_VALUES[code] for code in SCORED})
    Cycle.objects.filter(pk=assessment.cycle_id).update(self_assessment_deadline=timezone.now() - dt.timedelta(days=1))
    assessment_close_unsubmitted(assessment=refresh(assessment), actor=admin_user, reason="Quá hạn, đơn vị không gửi")
    return refresh(assessment)


def _appraisals(line: ScoreLine) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="score_line.appraise", object_type="ScoreLine",
                                          object_id=str(line.pk)))


# --- the engine's 0 for every method and kind ------------------------------------------------------------------


def test_a_zero_value_is_found_for_every_method_of_the_small_set(small_set: Any) -> None:
    for leaf in Indicator.objects.filter(indicator_set=small_set, method__gt="").exclude(method="survey"):
        value = zero_value(leaf_rule(leaf))
        assert value is not None, leaf.code
        assert engine.score_leaf(leaf_rule(leaf), value) == 0, leaf.code
    levels = Indicator.objects.get(indicator_set=small_set, code="1.1.1")  # options 1, 0, −1: the 0, not the −1
    assert zero_value(leaf_rule(levels)) == {"option": "late"}
    deductions = Indicator.objects.get(indicator_set=small_set, code="2.1.2")  # base 2 less 0.25 or 0.5 per report
    assert engine.score_leaf(leaf_rule(deductions), zero_value(leaf_rule(deductions)) or {}) == 0
    for code in ("2.2.1", "2.3.1"):  # bonus and penalty: 0 is no bonus, no penalty
        assert zero_value(leaf_rule(Indicator.objects.get(indicator_set=small_set, code=code))) == {"counts": {}}


def test_a_leaf_whose_floor_is_above_zero_has_no_zero_value(small_set: Any) -> None:
    leaf = Indicator.objects.get(indicator_set=small_set, code="1.2.3")
    leaf.floor = Decimal("0.25")
    assert zero_value(leaf_rule(leaf)) is None


# --- the service ------------------------------------------------------------------------------------------------


def test_a_handed_over_assessment_zeroed_and_accepted_can_be_signed_off(handed_over: Assessment, lead: Any) -> None:
    # when
    done = services.assessment_zero_unscored(assessment=handed_over, actor=lead, reason=REASON)
    # then: every leaf the unit did not score has 0, the self-scored ones are untouched
    assert done == {"zeroed": 7, "skipped": []}
    for line in ScoreLine.objects.filter(assessment=handed_over).select_related("indicator"):
        if line.indicator.code in SCORED:
            assert line.appraised_score is None and line.self_score == SMALL_SET_VALUES[line.indicator.code][1]
            assert _appraisals(line) == []
        else:
            assert line.appraised_score == 0 and line.appraised_note == REASON and line.version == 2
            [entry] = _appraisals(line)  # one audit entry per leaf, with the reason
            assert entry.reason == REASON and entry.actor == lead
            assert Decimal(str(entry.changes["appraised_score"]["new"])) == 0
    assert refresh(handed_over).state == Assessment.State.IN_APPRAISAL
    evidence_not_required(handed_over)  # the two self-scored leaves taken by the areas' bulk accept
    for area in Indicator.objects.filter(indicator_set=handed_over.indicator_set, parent__isnull=True):
        services.area_accept_self(assessment=refresh(handed_over), area=area, actor=lead)
    signed = services.assessment_sign_off(assessment=refresh(handed_over), actor=lead)
    assert signed.state == Assessment.State.SIGNED_OFF


def test_zeroing_twice_changes_nothing_the_second_time(handed_over: Assessment, lead: Any) -> None:
    services.assessment_zero_unscored(assessment=handed_over, actor=lead, reason=REASON)
    entries = AuditEntry.objects.count()
    version = refresh(handed_over).version
    again = services.assessment_zero_unscored(assessment=refresh(handed_over), actor=lead, reason=REASON)
    assert again == {"zeroed": 0, "skipped": []}
    assert AuditEntry.objects.count() == entries and refresh(handed_over).version == version


def test_zeroing_without_a_reason_is_refused_and_changes_nothing(handed_over: Assessment, lead: Any) -> None:
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.assessment_zero_unscored(assessment=handed_over, actor=lead, reason="  ")
    assert refused.value.code == "reason_required"
    assert AuditEntry.objects.count() == entries
    assert refresh(handed_over).state == Assessment.State.SUBMITTED
    assert not ScoreLine.objects.filter(assessment=handed_over, appraised_score__isnull=False).exists()


@pytest.mark.parametrize("state", [Assessment.State.DRAFT, Assessment.State.EXPLANATION, Assessment.State.SIGNED_OFF])
def test_zeroing_is_refused_outside_the_appraisal(handed_over: Assessment, lead: Any, state: str) -> None:
    Assessment.objects.filter(pk=handed_over.pk).update(state=state)
    with pytest.raises(StateConflict):
        services.assessment_zero_unscored(assessment=refresh(handed_over), actor=lead, reason=REASON)
    assert not ScoreLine.objects.filter(assessment=handed_over, appraised_score__isnull=False).exists()


def test_zeroing_one_area_leaves_the_others(handed_over: Assessment, lead: Any) -> None:
    area = Indicator.objects.get(indicator_set=handed_over.indicator_set, code="2")
    done = services.assessment_zero_unscored(assessment=handed_over, actor=lead, reason=REASON, area=area)
    assert done == {"zeroed": 3, "skipped": []}  # 2.1.2, 2.2.1, 2.3.1 (2.1.1 was self-scored)
    zeroed = set(ScoreLine.objects.filter(assessment=handed_over, appraised_score__isnull=False)
                 .values_list("indicator__code", flat=True))
    assert zeroed == {"2.1.2", "2.2.1", "2.3.1"}


def test_not_applicable_appraised_and_impossible_leaves_are_left(handed_over: Assessment, lead: Any) -> None:
    # given: the unit declared 1.2.2 «không phát sinh», the team already scored 1.2.1, and 1.2.3 cannot be 0
    ScoreLine.objects.filter(assessment=handed_over, indicator__code="1.2.2").update(
        not_applicable=True, not_applicable_reason="Không có đợt kiểm tra")
    one = line_of(handed_over, "1.2.1")
    services.line_appraise(line=one, actor=lead, base_version=one.version, value={"value": True}, note="Có báo cáo")
    Indicator.objects.filter(indicator_set=handed_over.indicator_set, code="1.2.3").update(floor=Decimal("0.25"))
    # when
    done = services.assessment_zero_unscored(assessment=refresh(handed_over), actor=lead, reason=REASON)
    # then
    assert done == {"zeroed": 4, "skipped": ["1.2.3"]}
    assert line_of(handed_over, "1.2.1").appraised_score == 1
    assert line_of(handed_over, "1.2.2").appraised_score is None
    assert line_of(handed_over, "1.2.3").appraised_score is None


# --- the page and the API ---------------------------------------------------------------------------------------


def test_the_review_page_says_the_unit_never_submitted(client: Client, handed_over: Assessment, lead: Any) -> None:
    client.force_login(lead)
    page = client.get(reverse("appraisal:review", args=[handed_over.pk])).content.decode()
    assert "Đơn vị gửi lúc" not in page
    assert "Đơn vị không gửi: chuyển cho Tổ thẩm định lúc" in page and "Quá hạn, đơn vị không gửi" in page
    # the lead is offered the 0 for the 7 leaves, the reason suggested
    assert "Chấm 0 điểm 7 tiêu chí đơn vị không tự chấm" in page
    assert f'value="{REASON}"' in page


def test_the_review_page_of_a_submitted_assessment_still_says_when_the_unit_sent_it(
    client: Client, submitted: Assessment, lead: Any
) -> None:
    client.force_login(lead)
    page = client.get(reverse("appraisal:review", args=[submitted.pk])).content.decode()
    assert "Đơn vị gửi lúc" in page and "data-handover" not in page
    assert "data-zero-unscored" not in page  # the unit scored everything: nothing to offer


def test_the_lead_zeroes_through_the_page(client: Client, handed_over: Assessment, lead: Any) -> None:
    client.force_login(lead)
    url = reverse("appraisal:zero_unscored", args=[handed_over.pk])
    answer = client.post(url, {"reason": REASON}, follow=True)
    assert answer.status_code == 200
    assert "Đã chấm 0 điểm 7 tiêu chí đơn vị không tự chấm." in answer.content.decode()
    assert ScoreLine.objects.filter(assessment=handed_over, appraised_score=0).count() == 7
    again = client.post(url, {"reason": REASON}, follow=True)  # sent twice: nothing left
    assert "Không còn tiêu chí nào đơn vị không tự chấm mà chưa thẩm định." in again.content.decode()


def test_the_page_refuses_a_missing_reason_and_an_unknown_area(
    client: Client, handed_over: Assessment, lead: Any
) -> None:
    client.force_login(lead)
    url = reverse("appraisal:zero_unscored", args=[handed_over.pk])
    no_reason = client.post(url, {"reason": ""})
    assert no_reason.status_code == 400 and "Hãy ghi lý do chấm 0 điểm" in no_reason.content.decode()
    unknown = client.post(url, {"reason": REASON, "linh-vuc": "999999"})
    assert unknown.status_code == 400 and "Lĩnh vực không thuộc bộ chỉ số" in unknown.content.decode()
    leaf = Indicator.objects.get(indicator_set=handed_over.indicator_set, code="1.1.1")  # not an area
    not_area = client.post(url, {"reason": REASON, "linh-vuc": str(leaf.pk)})
    assert not_area.status_code == 400 and "data-zero-error" in not_area.content.decode()
    assert not ScoreLine.objects.filter(assessment=handed_over, appraised_score__isnull=False).exists()


def test_an_appraiser_may_not_zero(client: Client, handed_over: Assessment, appraiser: Any) -> None:
    client.force_login(appraiser)
    answer = client.post(reverse("appraisal:zero_unscored", args=[handed_over.pk]), {"reason": REASON})
    assert answer.status_code == 403
    assert not ScoreLine.objects.filter(assessment=handed_over, appraised_score__isnull=False).exists()


def test_the_api_zeroes_one_area(client: Client, handed_over: Assessment, lead: Any, appraiser: Any) -> None:
    area = Indicator.objects.get(indicator_set=handed_over.indicator_set, code="1")
    url = reverse("api:zero_unscored", args=[handed_over.pk])
    client.force_login(appraiser)
    assert client.post(url, {"reason": REASON}, content_type="application/json").status_code == 403
    client.force_login(lead)
    refused = client.post(url, {"reason": ""}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "reason_required"
    done = client.post(url, {"reason": REASON, "area": area.pk}, content_type="application/json")
    assert done.status_code == 200 and done.json() == {"zeroed": 4, "skipped": []}


def test_the_api_takes_an_area_by_its_code(client: Client, handed_over: Assessment, lead: Any) -> None:
    url = reverse("api:zero_unscored", args=[handed_over.pk])
    client.force_login(lead)
    unknown = client.post(url, {"reason": REASON, "area_code": "9"}, content_type="application/json")
    assert unknown.status_code == 400 and "area_code" in unknown.json()["fields"]
    area = Indicator.objects.get(indicator_set=handed_over.indicator_set, code="1")
    both = client.post(url, {"reason": REASON, "area": area.pk, "area_code": "1"}, content_type="application/json")
    assert both.status_code == 400 and "area_code" in both.json()["fields"]
    assert not handed_over.lines.filter(appraised_score__isnull=False).exists()
    done = client.post(url, {"reason": REASON, "area_code": "1"}, content_type="application/json")
    assert done.status_code == 200 and done.json() == {"zeroed": 4, "skipped": []}
    zeroed = set(handed_over.lines.filter(appraised_score__isnull=False).values_list("indicator__code", flat=True))
    assert zeroed and all(code.startswith("1.") for code in zeroed)


# --- who names another lead ------------------------------------------------------------------------------------


@pytest.fixture
def home_assessment(cycle: Cycle, team: Any) -> Assessment:
    """Sở Nội vụ's own assessment, submitted: its lead hoa may not appraise it."""
    from scoring.models import Unit
    from scoring.services import assessment_transition, assessments_open

    opened = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-noi-vu")], actor=None)[0]
    return assessment_transition(assessment=opened, to_state=Assessment.State.SUBMITTED, actor=None)


def test_the_lead_of_the_unit_is_told_to_ask_an_administrator(
    client: Client, home_assessment: Assessment, lead: Any
) -> None:
    client.force_login(lead)
    answer = client.get(reverse("appraisal:review", args=[home_assessment.pk]))
    text = answer.content.decode()
    assert answer.status_code == 403
    assert "quản trị viên hoặc Tổ trưởng" not in text
    assert "Chỉ quản trị viên phân công thẩm định" in text and "đề nghị quản trị viên" in text


def test_an_administrator_is_shown_where_to_name_another_lead(
    client: Client, home_assessment: Assessment, admin_user: Any, appraiser: Any
) -> None:
    assignments = reverse("appraisal:assignments", args=[home_assessment.cycle_id])
    client.force_login(admin_user)
    page = client.get(reverse("appraisal:review", args=[home_assessment.pk])).content.decode()
    assert "data-no-lead" in page and f'href="{assignments}"' in page
    # once tam (Sở Tư pháp) leads too, somebody can: no note
    from appraisal.models import AppraisalAssignment

    AppraisalAssignment.objects.filter(user=appraiser).update(is_lead=True)
    page = client.get(reverse("appraisal:review", args=[home_assessment.pk])).content.decode()
    assert "data-no-lead" not in page


def test_the_queue_says_a_handed_over_unit_s_time_is_the_hand_over(handed_over: Assessment, lead: Any,
                                                                   unit_head: Any) -> None:
    """«Gửi lúc» of a unit that never submitted is when the administrators handed it over: the queue says so, and
    says nothing of the kind for a unit that sent its own."""
    client = Client()
    client.force_login(lead)
    html = client.get(reverse("appraisal:queue")).content.decode()
    cell = html.split("data-submitted-at>")[1].split("</td>")[0]
    assert "data-handed-over" in cell and "quản trị chuyển, đơn vị không gửi" in cell
    # the same unit submitted by its head: no mark
    Assessment.objects.filter(pk=handed_over.pk).update(state=Assessment.State.DRAFT)
    from scoring.services import assessment_transition
    assessment_transition(assessment=refresh(handed_over), to_state=Assessment.State.SUBMITTED, actor=unit_head)
    html = client.get(reverse("appraisal:queue")).content.decode()
    assert "data-handed-over" not in html.split("data-submitted-at>")[1].split("</td>")[0]
