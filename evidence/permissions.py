"""Who may see and change evidence. Built on ``scoring.permissions``; views and templates ask here.

- See a unit's files: the unit's own people, administrators, and the appraisal team once the unit's
  assessment for that cycle is submitted (``can_view_assessment``). Anyone else gets a 404.
- Upload and delete in the library: the unit's people while the assessment is editable (draft before the
  deadline) or during its explanation round.
- Link and unlink on a line: ``scoring.permissions.can_attach_evidence``; during an explanation round the
  links made before the round stay (only the round's own additions can be removed).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone

from evidence.models import EvidenceFile
from scoring.models import Assessment, ScoreLine
from scoring.permissions import (
    can_attach_evidence,
    can_edit_self_assessment,
    can_view_assessment,
    deadline_passed,
    is_administrator,
    is_unit_member,
)


def evidence_get_for_user(*, user: Any, file_id: int) -> EvidenceFile:
    """Fetch and authorize in one call: 404 when the file does not exist or the user may not see it."""
    evidence_file = EvidenceFile.objects.select_related("blob", "unit", "cycle").filter(pk=file_id).first()
    if evidence_file is None or not getattr(user, "is_authenticated", False):
        raise Http404
    if is_administrator(user) or is_unit_member(user, evidence_file.unit_id):
        return evidence_file
    assessment = (
        Assessment.objects.select_related("unit", "cycle")
        .filter(unit_id=evidence_file.unit_id, cycle_id=evidence_file.cycle_id)
        .first()
    )
    if assessment is not None and can_view_assessment(user, assessment):
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


def file_is_locked(*, has_links: bool, assessment: Assessment | None) -> bool:
    """A file linked to a submitted assessment cannot be deleted or replaced."""
    return has_links and assessment is not None and assessment.state != Assessment.State.DRAFT


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
]


def library_assessment(evidence_file: EvidenceFile) -> Assessment | None:
    """The assessment whose library holds the file (None before the unit's assessment is opened)."""
    return (
        Assessment.objects.select_related("unit", "cycle")
        .filter(unit_id=evidence_file.unit_id, cycle_id=evidence_file.cycle_id)
        .first()
    )
