"""The round numbers people see. A round's stored number (`ExplanationRound.round`, `LineHistory.round`,
`Assessment.appraisal_round`) is its key: the appraisal round it belongs to, which every explanation round ends
(the appraisal goes on in the next stored round) and an administrator's reopen raises too. Two numbers are shown,
each counting what its label says:

- an appraisal round («Thẩm định vòng N», the review page's header and the queue outside a round, the e-mail to the
  team after a resubmission, the appraisal workbook): its stored number minus the withdrawn explanation rounds
  stored before it. The appraisal that went on after a withdrawal thus keeps the number of the appraisal the
  withdrawn request interrupted; a reopen starts the next appraisal round.
- an explanation round («Vòng giải trình N», «Giải trình vòng N»: the review page's list of rounds and its header
  during a round, the lead's round page, a leaf's history, the API's `number`): its place among the assessment's
  explanation rounds not withdrawn. A withdrawn round takes no number and is shown as withdrawn («đã rút»). Without
  a reopen, explanation round N ends appraisal round N; after one, the first explanation round since is still
  «vòng giải trình 1» when there was none before (not the appraisal round's 2), «2» after one real round.

Appraisal round shown of stored round n: n minus the withdrawn rounds stored before n. Explanation round shown of
stored round n (not withdrawn): the rounds stored up to n minus the withdrawn ones among them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from appraisal.models import WITHDRAWN_ROUND, ExplanationRound
from appraisal.selectors.changes import APPRAISAL_WRITES
from scoring.models import Assessment, AuditEntry


def shown_number(stored: int, withdrawn: Iterable[int]) -> int:
    """The appraisal round shown for stored round `stored`, given the stored numbers of the withdrawn rounds."""
    return stored - sum(1 for w in withdrawn if w < stored)


def number_rounds(rounds: list[ExplanationRound]) -> list[ExplanationRound]:
    """Set `number` on each of an assessment's explanation rounds (all of them, any order): its place among the
    rounds not withdrawn, oldest first; None for a withdrawn round. No query."""
    count = 0
    for r in sorted(rounds, key=lambda r: r.round):
        if r.withdrawn:
            r.number = None  # type: ignore[attr-defined]
        else:
            count += 1
            r.number = count  # type: ignore[attr-defined]
    return rounds


def withdrawn_before(*, assessment_id: int, stored: int) -> int:
    """How many of the assessment's rounds stored before `stored` were withdrawn. One query."""
    return ExplanationRound.objects.filter(WITHDRAWN_ROUND, assessment_id=assessment_id, round__lt=stored).count()


def appraisal_round_shown(assessment: Assessment) -> int:
    """The number shown for the assessment's current appraisal round. One query."""
    return assessment.appraisal_round - withdrawn_before(assessment_id=assessment.pk,
                                                         stored=assessment.appraisal_round)


def round_number(explanation_round: ExplanationRound) -> int | None:
    """The number shown for one explanation round (`number_rounds`); None when it was withdrawn. One query (none
    for a withdrawn round)."""
    if explanation_round.withdrawn:
        return None
    counts = ExplanationRound.objects.filter(
        assessment_id=explanation_round.assessment_id, round__lte=explanation_round.round
    ).aggregate(every=Count("pk"), withdrawn=Count("pk", filter=WITHDRAWN_ROUND))
    return int(counts["every"]) - int(counts["withdrawn"])


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


def explanation_number_expression(*, assessment: str, stored: str) -> Any:
    """A query expression: the explanation round number shown for the row's round (field `stored` of assessment
    `assessment`), as `round_number` counts it, for a round not withdrawn. For lists that show a number per row in
    the same query (a leaf's history)."""
    every = (
        ExplanationRound.objects.filter(assessment_id=OuterRef(assessment), round__lte=OuterRef(stored))
        .order_by().values("assessment_id").annotate(n=Count("pk")).values("n")
    )
    return (Coalesce(Subquery(every, output_field=IntegerField()), Value(0))
            - withdrawn_before_expression(assessment=assessment, stored=stored))


@dataclass(frozen=True)
class DecidedSince:
    """The leaves (line ids) the team decided or changed since the start of the current appraisal, and that start:
    an administrator's reopen (`reopened`) or the end of the explanation round `round_shown`, at `at`."""

    line_ids: set[int]
    at: datetime
    reopened: bool
    round_shown: int | None = None


def decided_since_last_request(*, assessment: Assessment) -> DecidedSince | None:
    """What the lead's request page ticks by default on an assessment asked before: the leaves the team decided (or
    changed) since the latest reopen or the end of the latest explanation round (a withdrawn round asked nothing and
    is passed over), whichever is later; the earlier decisions were asked about then, or signed off. None when the
    appraisal is its first (no reopen, no round ended): every decision is new. At most four queries."""
    if assessment.appraisal_round <= 1:
        return None
    reopen = (AuditEntry.objects.filter(assessment_id=assessment.pk, action="assessment.state",
                                        object_type="Assessment", changes__state__old="signed_off")
              .order_by("-id").values_list("id", "at").first())
    last = (ExplanationRound.objects.filter(assessment_id=assessment.pk)
            .exclude(resubmitted_at__isnull=True, closed_at__isnull=True).exclude(WITHDRAWN_ROUND)
            .order_by("-round").first())
    ended = None
    if last is not None:
        # the round's end moved the assessment to the next stored round (`assessment.round`)
        ended = (AuditEntry.objects.filter(assessment_id=assessment.pk, action="assessment.round",
                                           changes__appraisal_round__old=last.round)
                 .order_by("-id").values_list("id", "at").first())
    if reopen is None and ended is None:
        return None
    if ended is not None and (reopen is None or ended[0] > reopen[0]):
        start, reopened = ended, False
    else:
        assert reopen is not None
        start, reopened = reopen, True
    line_ids = {int(object_id) for object_id in AuditEntry.objects.filter(
        assessment_id=assessment.pk, object_type="ScoreLine", action__in=APPRAISAL_WRITES, id__gt=start[0],
    ).values_list("object_id", flat=True).distinct() if object_id.isdigit()}
    return DecidedSince(line_ids=line_ids, at=start[1], reopened=reopened,
                        round_shown=None if reopened or last is None else round_number(last))
