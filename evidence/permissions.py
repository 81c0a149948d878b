"""Who may see and change evidence. Built on ``scoring.permissions``; views and templates ask here.

- See a unit's files: the unit's own people and administrators, the whole library; the appraisal team, once the
  unit's assessment for that cycle is submitted (``can_view_assessment``), only the assessment's evidence: the
  files linked to its leaves, not the unit's working drafts (``sees_whole_library``). Anyone else gets a 404.
- Upload and delete in the library: the unit's people while the assessment is editable (draft before the
  deadline) or during its explanation round; a file stays once one of its links is locked (``file_is_locked``):
  during a round only the files whose every link was added in that round can go, their links with them.
- Link and unlink on a line: ``scoring.permissions.can_attach_evidence``; during an explanation round the
  links made before the round stay (only the round's own additions can be removed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404
from django.utils import timezone

from evidence.models import EvidenceFile, EvidenceLink
from scoring.models import Assessment, ScoreLine
from scoring.permissions import (
    can_attach_evidence,
    can_edit_self_assessment,
    can_view_assessment,
    deadline_passed,
    is_administrator,
    is_unit_member,
)


def sees_whole_library(user: Any, unit_id: int) -> bool:
    """The unit's own people and the administrators see every file of the unit's library. Anyone else who may see
    the assessment (the appraisal team) sees its evidence only, the files linked to its leaves: a file linked to
    no leaf is the unit's working draft, not part of what it submitted."""
    return is_administrator(user) or is_unit_member(user, unit_id)


def evidence_get_for_user(*, user: Any, file_id: int) -> EvidenceFile:
    """Fetch and authorize in one call: 404 when the file does not exist or the user may not see it (for the
    appraisal team, a file linked to none of the assessment's leaves, see ``sees_whole_library``)."""
    evidence_file = EvidenceFile.objects.select_related("blob", "unit", "cycle").filter(pk=file_id).first()
    if evidence_file is None or not getattr(user, "is_authenticated", False):
        raise Http404
    if sees_whole_library(user, evidence_file.unit_id):
        return evidence_file
    assessment = (
        Assessment.objects.select_related("unit", "cycle")
        .filter(unit_id=evidence_file.unit_id, cycle_id=evidence_file.cycle_id)
        .first()
    )
    if (
        assessment is not None
        and can_view_assessment(user, assessment)
        # a file's links are to its own library's assessment (services refuse any other)
        and EvidenceLink.objects.filter(evidence_file=evidence_file, score_line__assessment=assessment).exists()
    ):
        return evidence_file
    raise Http404


def explanation_open(assessment: Assessment) -> bool:
    deadline = assessment.explanation_deadline
    return assessment.state == Assessment.State.EXPLANATION and (deadline is None or timezone.now() <= deadline)


def can_manage_library(user: Any, assessment: Assessment) -> bool:
    """Upload to (and delete from) the unit's library of the assessment's cycle."""
    if not is_unit_member(user, assessment.unit_id):
        return False
    return can_edit_self_assessment(user, assessment) or explanation_open(assessment)


def library_accepts_changes(assessment: Assessment | None) -> bool:
    """The state rule behind ``can_manage_library``, without the user (services check it)."""
    if assessment is None:
        return True  # a library before its assessment is opened belongs to nobody's submission yet
    if assessment.state == Assessment.State.DRAFT:
        return not deadline_passed(assessment)
    return explanation_open(assessment)


def line_accepts_evidence(line: ScoreLine) -> bool:
    """The state rule behind ``can_attach_evidence``, without the user (services check it)."""
    assessment = line.assessment
    if assessment.state == Assessment.State.DRAFT:
        return not deadline_passed(assessment)
    return explanation_open(assessment) and line.explanation_requested


def link_is_locked(*, explanation_round: int | None, assessment: Assessment) -> bool:
    """A link made before the assessment left the draft state (or in an earlier round) stays as submitted."""
    if assessment.state == Assessment.State.DRAFT:
        return False
    return explanation_round is None or explanation_round != assessment.appraisal_round


def file_is_locked(*, link_rounds: Iterable[int | None], assessment: Assessment | None) -> bool:
    """A file with a link that stays as submitted (``link_is_locked``: made before the assessment left the draft
    state, or in an earlier round) cannot be deleted or replaced. ``link_rounds``: the explanation round of each of
    the file's links. A file whose every link was added in the explanation round now open is not locked: the round's
    own additions can be removed, the file with its links as well as a link alone."""
    if assessment is None:
        return False
    return any(link_is_locked(explanation_round=r, assessment=assessment) for r in link_rounds)


def can_unlink(user: Any, line: ScoreLine, *, explanation_round: int | None) -> bool:
    return can_attach_evidence(user, line) and not link_is_locked(
        explanation_round=explanation_round, assessment=line.assessment
    )


__all__ = [
    "can_attach_evidence",
    "can_manage_library",
    "can_unlink",
    "evidence_get_for_user",
    "file_is_locked",
    "library_accepts_changes",
    "line_accepts_evidence",
    "link_is_locked",
    "sees_whole_library",
]


def library_assessment(evidence_file: EvidenceFile) -> Assessment | None:
    """The assessment whose library holds the file (None before the unit's assessment is opened)."""
    return (
        Assessment.objects.select_related("unit", "cycle")
        .filter(unit_id=evidence_file.unit_id, cycle_id=evidence_file.cycle_id)
        .first()
    )
