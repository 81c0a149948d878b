"""Appraisal writes: sign-off and the recompute it triggers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment
from scoring.services import assessment_transition


def index_result_enqueue(*, assessment_id: int) -> None:
    """Ask the worker to recompute once the current transaction has committed (never before)."""
    from appraisal.tasks import recompute_index_result_task

    transaction.on_commit(lambda: recompute_index_result_task.delay(assessment_id))


@transaction.atomic
def assessment_sign_off(*, assessment: Assessment, actor: Any) -> Assessment:
    """Lock an assessment whose every leaf has an appraised score; the recompute runs after commit.

    Side effects: state → signed_off (audited), one recompute task enqueued on commit.
    """
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.state == Assessment.State.SIGNED_OFF:
        raise StateConflict(_("Bản đánh giá đã được thông qua."), code="already_signed_off")
    missing = list(
        locked.lines.filter(appraised_score__isnull=True, not_applicable=False)
        .order_by("indicator__order")
        .values_list("indicator__code", flat=True)
    )
    if missing:
        raise ValidationFailed(
            _("Còn %(n)s tiêu chí chưa có điểm thẩm định.") % {"n": len(missing)},
            code="missing_appraisal",
            details=missing,
        )
    signed = assessment_transition(assessment=locked, to_state=Assessment.State.SIGNED_OFF, actor=actor)
    index_result_enqueue(assessment_id=signed.pk)
    return signed
