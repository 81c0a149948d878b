"""The round numbers people see. A round's stored number (`ExplanationRound.round`, `LineHistory.round`,
`Assessment.appraisal_round`) is its key and counts every round, a withdrawn one too (the appraisal goes on in
the next stored round). The number shown counts only the rounds not withdrawn: after a real round and a withdrawn
one, the next round reads «vòng 2», and the withdrawn round is shown as withdrawn («đã rút»), without a number.

Shown number of stored round n: n minus the withdrawn rounds stored before n. The appraisal that went on after a
withdrawal thus keeps the number of the appraisal the withdrawn request interrupted."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from appraisal.models import WITHDRAWN_ROUND, ExplanationRound
from scoring.models import Assessment


def shown_number(stored: int, withdrawn: Iterable[int]) -> int:
    """The number shown for stored round `stored`, given the stored numbers of the withdrawn rounds."""
    return stored - sum(1 for w in withdrawn if w < stored)


def number_rounds(rounds: list[ExplanationRound]) -> list[ExplanationRound]:
    """Set `number` on each of an assessment's rounds (all of them, any order): the number shown, None for a
    withdrawn round. No query."""
    withdrawn = [r.round for r in rounds if r.withdrawn]
    for r in rounds:
        r.number = None if r.withdrawn else shown_number(r.round, withdrawn)  # type: ignore[attr-defined]
    return rounds


def withdrawn_before(*, assessment_id: int, stored: int) -> int:
    """How many of the assessment's rounds stored before `stored` were withdrawn. One query."""
    return ExplanationRound.objects.filter(WITHDRAWN_ROUND, assessment_id=assessment_id, round__lt=stored).count()


def appraisal_round_shown(assessment: Assessment) -> int:
    """The number shown for the assessment's current appraisal round. One query."""
    return assessment.appraisal_round - withdrawn_before(assessment_id=assessment.pk,
                                                         stored=assessment.appraisal_round)


def round_number(explanation_round: ExplanationRound) -> int | None:
    """The number shown for one round; None when it was withdrawn. One query (none for a withdrawn round)."""
    if explanation_round.withdrawn:
        return None
    return explanation_round.round - withdrawn_before(assessment_id=explanation_round.assessment_id,
                                                      stored=explanation_round.round)


def withdrawn_before_expression(*, assessment: str, stored: str) -> Any:
    """A query expression: the withdrawn rounds of the row's assessment (field `assessment`) stored before the
    row's round (field `stored`); 0 when none. For lists that show a number per row in the same query."""
    counted = (
        ExplanationRound.objects.filter(WITHDRAWN_ROUND, assessment_id=OuterRef(assessment), round__lt=OuterRef(stored))
        .order_by().values("assessment_id").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def round_withdrawn_expression(*, assessment: str, stored: str) -> Exists:
    """A query expression: the row's round (field `stored` of assessment `assessment`) was withdrawn."""
    return Exists(ExplanationRound.objects.filter(WITHDRAWN_ROUND, assessment_id=OuterRef(assessment),
                                                  round=OuterRef(stored)))


def appraisal_round_shown_expression() -> Any:
    """A query expression on assessments: the number shown for their current appraisal round."""
    return F("appraisal_round") - withdrawn_before_expression(assessment="pk", stored="appraisal_round")
