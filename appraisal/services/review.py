"""Review: start the appraisal, appraise a leaf, accept the self-score of a leaf or a whole area."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from appraisal import selectors as appraisal_selectors
from appraisal.models import LineHistory
from appraisal.services.common import (
    MSG_NA_OVERRULE_REASON,
    MSG_NOT_APPRAISING,
    MSG_NOT_SELF_SCORED,
    MSG_REASON_REQUIRED,
    MSG_SURVEY_IMPORT_ONLY,
    MSG_VALUE_REQUIRED,
    _engine_score,
    _lock,
    _nfc,
    _require_appraising,
)
from appraisal.services.history import _snapshot
from scoring.errors import MSG_STALE_VERSION, StaleVersion, StateConflict, ValidationFailed
from scoring.models import Assessment, Indicator, ScoreLine
from scoring.services import (
    assessment_transition,
    score_line_accept_not_applicable,
    score_line_appraise,
)


def _start(assessment: Assessment, actor: Any) -> Assessment:
    started = assessment_transition(assessment=assessment, to_state=Assessment.State.IN_APPRAISAL, actor=actor)
    _snapshot(assessment=started, stage=LineHistory.Stage.SELF, round_no=started.appraisal_round, actor=actor)
    return started


@transaction.atomic
def appraisal_start(*, assessment: Assessment, actor: Any) -> Assessment:
    """submitted → in_appraisal (the unit can no longer withdraw); records every leaf's self-score."""
    locked = _lock(assessment.pk)
    if locked.state != Assessment.State.SUBMITTED:
        raise StateConflict(MSG_NOT_APPRAISING % {"state": locked.get_state_display()}, code="not_submitted")
    return _start(locked, actor)


def _fresh_line(line: ScoreLine, base_version: int) -> ScoreLine:
    fresh = ScoreLine.objects.select_related("indicator").get(pk=line.pk)
    if fresh.version != base_version:
        raise StaleVersion(MSG_STALE_VERSION, details=fresh)
    return fresh


@transaction.atomic
def line_appraise(
    *, line: ScoreLine, actor: Any, base_version: int, value: Mapping[str, Any] | None, note: str = ""
) -> ScoreLine:
    """The appraiser's input for one leaf; the engine computes the appraised score.

    A score that differs from the self-score needs a reason (the note). On a leaf the unit declared «không
    phát sinh», a score means the team does not accept that declaration (the leaf counts with the score):
    the reason is always required. The first appraisal of a submitted assessment starts the appraisal.
    Side effects: line and assessment versions bumped, audited.
    """
    assessment = _lock(line.assessment_id)
    _require_appraising(assessment)
    fresh = _fresh_line(line, base_version)
    if fresh.indicator.source == Indicator.Source.SURVEY:
        raise ValidationFailed(MSG_SURVEY_IMPORT_ONLY, code="survey_leaf")
    if not value:
        raise ValidationFailed(MSG_VALUE_REQUIRED, code="missing_value")
    score = _engine_score(fresh.indicator, value)
    reason = _nfc(note, field="note")
    if fresh.not_applicable and not reason:
        raise ValidationFailed(MSG_NA_OVERRULE_REASON, code="reason_required", details={"field": "note"})
    if score != fresh.self_score and not reason:
        raise ValidationFailed(MSG_REASON_REQUIRED, code="reason_required", details={"field": "note"})
    if assessment.state == Assessment.State.SUBMITTED:
        _start(assessment, actor)
    return score_line_appraise(line=fresh, actor=actor, base_version=base_version, value=value, note=reason,
                               na_overruled=fresh.not_applicable)


@transaction.atomic
def line_accept_self(*, line: ScoreLine, actor: Any, base_version: int) -> ScoreLine:
    """Accept the unit's self-score as the appraised score (audited like any appraisal). On a «không phát sinh»
    leaf, accept the declaration, withdrawing the team's overrule if there was one."""
    assessment = _lock(line.assessment_id)
    _require_appraising(assessment)
    fresh = _fresh_line(line, base_version)
    if fresh.indicator.source == Indicator.Source.SURVEY:
        raise ValidationFailed(MSG_SURVEY_IMPORT_ONLY, code="survey_leaf")
    if assessment.state == Assessment.State.SUBMITTED:
        _start(assessment, actor)
    if fresh.not_applicable:
        return score_line_accept_not_applicable(line=fresh, actor=actor, base_version=base_version)
    if fresh.self_value is None:
        raise ValidationFailed(MSG_NOT_SELF_SCORED, code="not_self_scored")
    return score_line_appraise(line=fresh, actor=actor, base_version=base_version, value=fresh.self_value, note="")


@transaction.atomic
def area_accept_self(
    *, assessment: Assessment, area: Indicator, actor: Any, leaf_ids: set[int] | None = None
) -> dict[str, int]:
    """Accept what the unit declared for every leaf of an area the team has not decided yet, in one action: the
    self-score as the appraised score, or the unit's «không phát sinh» (as `line_accept_self` accepts one).

    `leaf_ids` limits it to those leaves (an appraiser assigned some criteria of the area only). Leaves already
    decided (appraised, or «không phát sinh» accepted) are left as they are; survey and unscored leaves are skipped,
    and so is an overruled «không phát sinh» still without its score (accepting it would withdraw the overrule: a
    decision for that leaf alone). Each accepted leaf is audited on its own. Returns {"accepted": n, "skipped": m,
    "not_applicable": k}, the k «không phát sinh» among the n accepted.
    """
    locked = _lock(assessment.pk)
    _require_appraising(locked)
    if area.indicator_set_id != locked.indicator_set_id or area.parent_id is not None:
        raise ValidationFailed(_("Lĩnh vực không thuộc bộ chỉ số của bản đánh giá."), code="wrong_area")
    tree = appraisal_selectors.set_tree(locked.indicator_set_id)
    leaves = [leaf for leaf in tree.leaves_by_area.get(area.pk, []) if leaf_ids is None or leaf in leaf_ids]
    lines = list(
        ScoreLine.objects.filter(assessment=locked, indicator_id__in=leaves, appraised_score__isnull=True)
        .exclude(not_applicable=True, na_overruled=False, na_accepted=True)
        .select_related("indicator")
        .order_by("indicator__order")
    )
    if locked.state == Assessment.State.SUBMITTED:
        _start(locked, actor)
    accepted = skipped = not_applicable = 0
    for line in lines:
        if line.indicator.source == Indicator.Source.SURVEY or line.na_overruled:
            skipped += 1
        elif line.not_applicable:
            score_line_accept_not_applicable(line=line, actor=actor, base_version=line.version)
            accepted += 1
            not_applicable += 1
        elif line.self_value is None:
            skipped += 1
        else:
            score_line_appraise(line=line, actor=actor, base_version=line.version, value=line.self_value, note="")
            accepted += 1
    return {"accepted": accepted, "skipped": skipped, "not_applicable": not_applicable}
