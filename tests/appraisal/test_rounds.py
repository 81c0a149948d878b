"""Explanation rounds, sign-off and reopen: states, flags, each leaf's history, refusals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from appraisal.forms import deadline_from_post
from appraisal.models import ExplanationRound, LineHistory
from appraisal.services import (
    assessment_reopen,
    assessment_sign_off,
    explanation_close,
    explanation_request,
    explanation_resubmit,
    line_appraise,
    line_explain,
)
from scoring.errors import StaleVersion, StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, IndexResult, ScoreLine
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db


def _return(assessment: Any, lead: Any, codes: list[str], days: int = 7) -> ExplanationRound:
    ids = [line_of(assessment, code).pk for code in codes]
    return explanation_request(assessment=assessment, actor=lead, deadline=later(days), line_ids=ids,
                               message="Bổ sung tài liệu kiểm chứng.")


def test_returning_chosen_leaves_flags_them_and_records_the_round(submitted: Any, lead: Any, appraiser: Any) -> None:
    # given an appraised leaf with a reason
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=appraiser, base_version=line.version,
                  value={"numerator": 50, "denominator": 100}, note="Chưa có báo cáo.")
    # when the lead returns two leaves for explanation
    explanation_round = _return(submitted, lead, ["2.1.1", "1.1.1"])
    # then the assessment waits for the unit with a deadline; only those leaves are flagged
    assessment = refresh(submitted)
    assert assessment.state == Assessment.State.EXPLANATION
    assert assessment.explanation_deadline == explanation_round.deadline
    assert explanation_round.round == 1 and explanation_round.line_count == 2
    flagged = set(assessment.lines.filter(explanation_requested=True).values_list("indicator__code", flat=True))
    assert flagged == {"2.1.1", "1.1.1"}
    # and the round-1 appraisal of every leaf is recorded, with the reason
    entry = LineHistory.objects.get(line=line, stage=LineHistory.Stage.APPRAISAL, round=1)
    assert entry.score == Decimal("0") and entry.note == "Chưa có báo cáo."
    assert LineHistory.objects.filter(assessment=submitted, stage=LineHistory.Stage.APPRAISAL).count() == 9
    assert AuditEntry.objects.filter(action="assessment.explanation_request", assessment=submitted).exists()


def test_returning_the_whole_assessment_flags_every_leaf(submitted: Any, lead: Any) -> None:
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=None)
    assert not refresh(submitted).lines.filter(explanation_requested=False).exists()


@pytest.mark.parametrize(
    ("deadline", "codes", "error"),
    [
        (timedelta(days=-1), ["1.1.1"], "deadline_in_past"),
        (timedelta(days=3), [], "nothing_flagged"),
    ],
)
def test_returning_needs_a_future_deadline_and_a_leaf(
    submitted: Any, lead: Any, deadline: timedelta, codes: list[str], error: str
) -> None:
    ids = [line_of(submitted, c).pk for c in codes]
    with pytest.raises(ValidationFailed) as caught:
        explanation_request(assessment=submitted, actor=lead, deadline=timezone.now() + deadline, line_ids=ids)
    assert caught.value.code == error
    assert refresh(submitted).state == Assessment.State.SUBMITTED
    assert not ExplanationRound.objects.exists()


def test_returning_a_leaf_of_another_assessment_is_refused(submitted: Any, lead: Any, cycle: Any) -> None:
    from scoring.models import Unit
    from scoring.services import assessments_open

    other = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tai-chinh")], actor=None)[0]
    with pytest.raises(ValidationFailed):
        explanation_request(assessment=submitted, actor=lead, deadline=later(),
                            line_ids=[line_of(other, "1.1.1").pk])


def test_the_unit_explains_a_flagged_leaf_only(submitted: Any, lead: Any, unit_editor: Any) -> None:
    _return(submitted, lead, ["2.1.1"])
    flagged = line_of(submitted, "2.1.1")
    saved = line_explain(line=flagged, actor=unit_editor, base_version=flagged.version,
                         explanation="Đã bổ sung báo cáo số 12/BC.")
    assert saved.explanation == "Đã bổ sung báo cáo số 12/BC."
    other = line_of(submitted, "1.1.1")
    with pytest.raises(StateConflict):
        line_explain(line=other, actor=unit_editor, base_version=other.version, explanation="x")
    with pytest.raises(StaleVersion):
        line_explain(line=flagged, actor=unit_editor, base_version=flagged.version, explanation="y")
    with pytest.raises(ValidationFailed):
        line_explain(line=saved, actor=unit_editor, base_version=saved.version, explanation="   ")


def test_explaining_or_resubmitting_after_the_deadline_is_refused(submitted: Any, lead: Any, unit_editor: Any,
                                                                  unit_head: Any) -> None:
    _return(submitted, lead, ["2.1.1"])
    Assessment.objects.filter(pk=submitted.pk).update(explanation_deadline=timezone.now() - timedelta(minutes=1))
    line = line_of(submitted, "2.1.1")
    with pytest.raises(StateConflict) as caught:
        line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="muộn")
    assert caught.value.code == "deadline_passed"
    with pytest.raises(StateConflict):
        explanation_resubmit(assessment=submitted, actor=unit_head)


def test_resubmitting_needs_every_flagged_leaf_explained(submitted: Any, lead: Any, unit_head: Any) -> None:
    _return(submitted, lead, ["2.1.1", "1.2.3"])
    with pytest.raises(ValidationFailed) as caught:
        explanation_resubmit(assessment=submitted, actor=unit_head)
    assert caught.value.details == ["1.2.3", "2.1.1"]
    assert refresh(submitted).state == Assessment.State.EXPLANATION


def test_a_leaf_keeps_its_whole_history_through_two_rounds(
    submitted: Any, lead: Any, appraiser: Any, unit_editor: Any, unit_head: Any
) -> None:
    # round 1: the appraiser lowers 2.1.1 with a reason; the lead returns it
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=appraiser, base_version=line.version,
                  value={"numerator": 50, "denominator": 100}, note="Thiếu tài liệu.")
    _return(submitted, lead, ["2.1.1"])
    # the unit explains and resubmits
    line = line_of(submitted, "2.1.1")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung.")
    resubmitted = explanation_resubmit(assessment=submitted, actor=unit_head)
    assert resubmitted.state == Assessment.State.IN_APPRAISAL and resubmitted.appraisal_round == 2
    assert ExplanationRound.objects.get(assessment=submitted, round=1).resubmitted_by == unit_head
    # round 2: the appraiser restores the score; the lead signs off
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=appraiser, base_version=line.version,
                  value={"numerator": 85, "denominator": 100}, note="Đã đủ tài liệu.")
    appraise_all_remaining(submitted, lead)
    assessment_sign_off(assessment=submitted, actor=lead)
    # then the leaf's history reads self → appraisal 1 → explanation 1 → appraisal 2 → final
    steps = [(e.stage, e.round, e.score, e.note or e.explanation)
             for e in LineHistory.objects.filter(line=line).order_by("id")]
    assert steps == [
        ("self", 1, Decimal("1.7"), ""),
        ("appraisal", 1, Decimal("0"), "Thiếu tài liệu."),
        ("explanation", 1, Decimal("1.7"), "Đã bổ sung."),
        ("appraisal", 2, Decimal("1.7"), "Đã đủ tài liệu."),
        ("final", 2, Decimal("1.7"), "Đã đủ tài liệu."),
    ]


def appraise_all_remaining(assessment: Any, lead: Any) -> None:
    from appraisal.services import line_accept_self

    for line in assessment.lines.filter(appraised_score__isnull=True):
        line_accept_self(line=line, actor=lead, base_version=line.version)


def test_the_lead_closes_an_overdue_round_and_appraisal_goes_on(submitted: Any, lead: Any) -> None:
    _return(submitted, lead, ["1.1.1"])
    with pytest.raises(StateConflict) as caught:
        explanation_close(assessment=submitted, actor=lead)
    assert caught.value.code == "deadline_not_passed"
    Assessment.objects.filter(pk=submitted.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    closed = explanation_close(assessment=submitted, actor=lead)
    assert closed.state == Assessment.State.IN_APPRAISAL and closed.appraisal_round == 2
    assert ExplanationRound.objects.get(assessment=submitted).closed_by == lead


def test_sign_off_with_missing_leaves_is_refused(submitted: Any, lead: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.2")
    line_appraise(line=line, actor=appraiser, base_version=line.version, value=line.self_value)
    with pytest.raises(ValidationFailed) as caught:
        assessment_sign_off(assessment=submitted, actor=lead)
    assert caught.value.code == "missing_appraisal"
    assert "1.1.1" in caught.value.details and "2.1.2" not in caught.value.details
    assert refresh(submitted).state == Assessment.State.IN_APPRAISAL


def test_sign_off_counts_a_not_applicable_leaf_as_done_unless_the_team_overruled_it(
    submitted: Any, lead: Any
) -> None:
    """An accepted «không phát sinh» needs no appraised score; an overruled one does (it counts with its score)."""
    from scoring.models import ScoreLine

    appraise_all_remaining(submitted, lead)
    ScoreLine.objects.filter(pk=line_of(submitted, "1.2.2").pk).update(
        not_applicable=True, not_applicable_reason="Không có", appraised_score=None, appraised_value=None,
        na_accepted=True)
    ScoreLine.objects.filter(pk=line_of(submitted, "1.2.3").pk).update(
        not_applicable=True, not_applicable_reason="Không có", na_overruled=True, appraised_score=None,
        appraised_value=None)
    with pytest.raises(ValidationFailed) as caught:
        assessment_sign_off(assessment=submitted, actor=lead)
    assert caught.value.details == ["1.2.3"]


def test_sign_off_during_an_explanation_round_is_refused(appraised: Any, lead: Any) -> None:
    _return(appraised, lead, ["1.1.1"])
    with pytest.raises(StateConflict):
        assessment_sign_off(assessment=appraised, actor=lead)


def test_sign_off_enqueues_one_recompute_after_commit(
    appraised: Any, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from unittest import mock

    from appraisal.tasks import recompute_index_result_task

    with mock.patch("appraisal.tasks.recompute_index_result_task") as task:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            signed = assessment_sign_off(assessment=appraised, actor=lead)
        assert task.delay.call_count == 0  # never before the commit
        for callback in callbacks:  # the commit
            callback()
    task.delay.assert_called_once_with(appraised.pk)
    recompute_index_result_task(appraised.pk)  # what the worker runs
    assert signed.state == Assessment.State.SIGNED_OFF
    result = IndexResult.objects.get(assessment=appraised)
    assert result.index == Decimal("6.58") and result.classification == "Trung bình" and result.rank == 1
    assert LineHistory.objects.filter(assessment=appraised, stage=LineHistory.Stage.FINAL).count() == 9


def test_a_second_sign_off_is_refused_and_makes_no_second_result(
    appraised: Any, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    first = IndexResult.objects.get(assessment=appraised)
    with pytest.raises(StateConflict) as caught, django_capture_on_commit_callbacks(execute=True) as second:
        assessment_sign_off(assessment=appraised, actor=lead)
    assert caught.value.code == "already_signed_off"
    assert second == []
    assert IndexResult.objects.filter(assessment=appraised).count() == 1
    assert IndexResult.objects.get(assessment=appraised).computed_at == first.computed_at


def test_reopen_needs_a_reason_and_a_signed_off_assessment(appraised: Any, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed):
        assessment_reopen(assessment=appraised, actor=admin_user, reason="  ")
    with pytest.raises(StateConflict):
        assessment_reopen(assessment=appraised, actor=admin_user, reason="Phúc tra")


def test_reopen_marks_the_result_stale_and_takes_it_out_of_the_ranking(
    appraised: Any, lead: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=appraised, actor=lead)
    reopened = assessment_reopen(assessment=appraised, actor=admin_user, reason="Đơn vị khiếu nại tiêu chí 2.1.1.")
    assert reopened.state == Assessment.State.IN_APPRAISAL and reopened.appraisal_round == 2
    result = IndexResult.objects.get(assessment=appraised)
    assert result.stale and result.rank is None
    entry = AuditEntry.objects.filter(action="assessment.state", assessment=appraised).order_by("-id").first()
    assert entry is not None and entry.reason == "Đơn vị khiếu nại tiêu chí 2.1.1."
    assert AuditEntry.objects.filter(action="index_result.stale", assessment=appraised).exists()
    # signed off again, it gets a fresh, ranked result
    with django_capture_on_commit_callbacks(execute=True):
        assessment_sign_off(assessment=reopened, actor=lead)
    result.refresh_from_db()
    assert not result.stale and result.rank == 1
    assert result.computed_from_version == refresh(appraised).version


def test_an_explanation_or_an_appraisal_note_over_5000_characters_is_refused_as_on_the_unit_side(
    submitted: Any, lead: Any, appraiser: Any
) -> None:
    # an appraisal reason: 5000 characters are kept, one more is refused and nothing is saved
    line = line_of(submitted, "2.1.1")
    value = {"numerator": 50, "denominator": 100}
    with pytest.raises(ValidationFailed) as refused:
        line_appraise(line=line, actor=appraiser, base_version=line.version, value=value, note="x" * 5001)
    assert refused.value.code == "too_long" and refused.value.details == {"field": "note"}
    assert line_of(submitted, "2.1.1").appraised_score is None
    line_appraise(line=line, actor=appraiser, base_version=line.version, value=value, note="x" * 5000)

    # an explanation likewise
    _return(submitted, lead, ["2.1.1"])
    line = line_of(submitted, "2.1.1")
    with pytest.raises(ValidationFailed) as refused:
        line_explain(line=line, actor=lead, base_version=line.version, explanation="y" * 6000)
    assert refused.value.code == "too_long" and refused.value.details == {"field": "explanation"}
    assert line_of(submitted, "2.1.1").explanation == ""
    line_explain(line=line, actor=lead, base_version=line.version, explanation="y" * 5000)
    assert len(line_of(submitted, "2.1.1").explanation) == 5000


# --- an explanation is written in the round that asks for it ------------------------------------------------


def _explain(assessment: Any, actor: Any, code: str, text: str) -> Any:
    line = line_of(assessment, code)
    return line_explain(line=line, actor=actor, base_version=line.version, explanation=text)


def test_a_leaf_whose_self_assessment_explanation_is_kept_is_not_explained_for_the_round(
    submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    # given a leaf whose self-assessment already has an explanation
    ScoreLine.objects.filter(assessment=submitted, indicator__code="2.1.1").update(
        explanation="Giải trình khi tự chấm."
    )
    round_one = _return(submitted, lead, ["2.1.1", "1.1.1"])
    assert round_one.explanations_at_start[str(line_of(submitted, "2.1.1").pk)] == "Giải trình khi tự chấm."
    # when the unit head resubmits at once, then the refusal names both leaves and nothing moves
    with pytest.raises(ValidationFailed) as caught:
        explanation_resubmit(assessment=submitted, actor=unit_head)
    assert caught.value.code == "explanations_missing" and caught.value.details == ["1.1.1", "2.1.1"]
    assert refresh(submitted).state == Assessment.State.EXPLANATION
    # saving the earlier text again is not an explanation of this round either
    with pytest.raises(ValidationFailed) as unchanged:
        _explain(submitted, unit_editor, "2.1.1", "  Giải trình khi tự chấm.  ")
    assert unchanged.value.code == "explanation_unchanged"
    # once one leaf is explained only the other is missing; with both, the round ends
    _explain(submitted, unit_editor, "2.1.1", "Đã bổ sung báo cáo số 12/BC.")
    with pytest.raises(ValidationFailed) as caught:
        explanation_resubmit(assessment=submitted, actor=unit_head)
    assert caught.value.details == ["1.1.1"]
    _explain(submitted, unit_editor, "1.1.1", "Kế hoạch ban hành ngày 05/01.")
    assert explanation_resubmit(assessment=submitted, actor=unit_head).state == Assessment.State.IN_APPRAISAL


def test_a_leaf_flagged_again_in_round_two_needs_a_new_explanation(
    submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    _return(submitted, lead, ["2.1.1"])
    _explain(submitted, unit_editor, "2.1.1", "Vòng 1: đã bổ sung báo cáo.")
    explanation_resubmit(assessment=submitted, actor=unit_head)
    _return(submitted, lead, ["2.1.1"])
    with pytest.raises(ValidationFailed) as caught:
        explanation_resubmit(assessment=submitted, actor=unit_head)
    assert caught.value.details == ["2.1.1"]
    _explain(submitted, unit_editor, "2.1.1", "Vòng 2: bổ sung quyết định phê duyệt.")
    assert explanation_resubmit(assessment=submitted, actor=unit_head).appraisal_round == 3


def test_resubmitting_twice_says_the_explanations_were_already_sent(
    submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    _return(submitted, lead, ["2.1.1"])
    _explain(submitted, unit_editor, "2.1.1", "Đã bổ sung báo cáo.")
    explanation_resubmit(assessment=submitted, actor=unit_head)
    with pytest.raises(StateConflict) as caught:
        explanation_resubmit(assessment=submitted, actor=unit_head)
    assert caught.value.code == "already_resubmitted"
    assert "đã gửi giải trình" in str(caught.value.message)
    assert "không thẩm định được" not in str(caught.value.message)


def test_explaining_a_flagged_leaf_after_the_round_ended_says_the_round_has_ended(
    submitted: Any, lead: Any, unit_editor: Any
) -> None:
    _return(submitted, lead, ["2.1.1"])
    Assessment.objects.filter(pk=submitted.pk).update(explanation_deadline=timezone.now() - timedelta(minutes=1))
    explanation_close(assessment=submitted, actor=lead)
    with pytest.raises(StateConflict) as caught:
        _explain(submitted, unit_editor, "2.1.1", "Muộn.")
    assert caught.value.code == "round_ended"
    assert str(caught.value.message) == "Vòng giải trình đã kết thúc: không sửa hoặc gửi giải trình được nữa."
    # a leaf never flagged is still «not in the request»
    with pytest.raises(StateConflict) as other:
        _explain(submitted, unit_editor, "1.1.1", "x")
    assert other.value.code == "not_flagged"


def test_a_deadline_after_the_cycles_explanation_deadline_is_refused(submitted: Any, lead: Any, cycle: Any) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(explanation_deadline=later(10))
    with pytest.raises(ValidationFailed) as caught:
        _return(submitted, lead, ["2.1.1"], days=11)
    assert caught.value.code == "deadline_too_late" and caught.value.details == {"field": "deadline"}
    assert "hạn giải trình của kỳ đánh giá" in str(caught.value.message)
    assert not ExplanationRound.objects.exists()
    assert _return(submitted, lead, ["2.1.1"], days=10).round == 1  # the cycle's own day is allowed


def test_a_deadline_far_ahead_is_refused_when_the_cycle_has_no_explanation_deadline(
    submitted: Any, lead: Any
) -> None:
    ids = [line_of(submitted, "2.1.1").pk]
    with pytest.raises(ValidationFailed) as caught:
        explanation_request(assessment=submitted, actor=lead, deadline=deadline_from_post("31/12/9999"), line_ids=ids)
    assert caught.value.code == "deadline_too_late"
    assert refresh(submitted).state == Assessment.State.SUBMITTED


@pytest.mark.parametrize("bad", [-1, 0, "-1", "abc", "2.0", True])
def test_an_id_that_is_no_leaf_of_the_assessment_refuses_the_whole_request(
    submitted: Any, lead: Any, bad: Any
) -> None:
    ids = [bad, line_of(submitted, "2.1.1").pk]
    with pytest.raises(ValidationFailed) as caught:
        explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=ids)
    assert caught.value.code == "unknown_line"
    assert refresh(submitted).state == Assessment.State.SUBMITTED
    assert not ScoreLine.objects.filter(assessment=submitted, explanation_requested=True).exists()
