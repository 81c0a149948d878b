"""What changed in an assessment since a version a person saw (a page loaded, an API read): the leaves, by whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scoring.models import Assessment, AuditEntry, ScoreLine

# The audited writes that move an assessment's version by one each: a leaf's save (the unit's or the team's), the
# unit's explanation or agreement, a change of state, a new explanation deadline. Marking an explanation read moves
# no version and is not counted.
LINE_ACTIONS = (
    "score_line.self", "score_line.appraise", "score_line.accept_not_applicable", "score_line.explain",
    "score_line.agree",
)
VERSION_ACTIONS = (*LINE_ACTIONS, "assessment.state", "assessment.explanation_deadline")
CHANGES_READ = 200  # the most recent writes looked at; a page older than that is named by its latest changes only


@dataclass(frozen=True)
class LeafChange:
    line_id: int
    code: str
    by: Any  # the user, or None for the system
    at: datetime

    @property
    def by_name(self) -> str:
        return str(self.by.get_full_name() or self.by.get_username()) if self.by is not None else ""


def changes_since(*, assessment: Assessment, base_version: int) -> list[LeafChange]:
    """The writes of the assessment's leaves after `base_version`, newest first: the latest audited writes, one per
    version moved (`VERSION_ACTIONS`), those on leaves kept. A version ahead of the stored one (none such was ever
    given out) names nothing. Two queries."""
    moved = min(assessment.version - base_version, CHANGES_READ)
    if moved <= 0:
        return []
    entries = list(
        AuditEntry.objects.filter(assessment_id=assessment.pk, action__in=VERSION_ACTIONS)
        .select_related("actor").order_by("-id")[:moved]
    )
    line_ids = {int(e.object_id) for e in entries if e.action in LINE_ACTIONS and e.object_id.isdigit()}
    codes = dict(ScoreLine.objects.filter(pk__in=line_ids, assessment_id=assessment.pk)
                 .values_list("pk", "indicator__code"))
    return [
        LeafChange(line_id=int(e.object_id), code=codes[int(e.object_id)], by=e.actor, at=e.at)
        for e in entries if e.action in LINE_ACTIONS and e.object_id.isdigit() and int(e.object_id) in codes
    ]


APPRAISAL_WRITES = ("score_line.appraise", "score_line.accept_not_applicable")


def last_line_write(*, line: ScoreLine, appraisal_hidden: bool) -> AuditEntry | None:
    """The audited write that made the leaf's stored version (who saved it, when, which kind of write), with its
    actor: what a stale write's 409 names. The team's writes are left out for a reader the appraisal in progress is
    hidden from: the unit's people then hear of the latest write they may know of. One query."""
    actions = tuple(a for a in LINE_ACTIONS if not (appraisal_hidden and a in APPRAISAL_WRITES))
    return (AuditEntry.objects.filter(object_type="ScoreLine", object_id=str(line.pk), action__in=actions)
            .select_related("actor").order_by("-id").first())
