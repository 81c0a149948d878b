"""Writes. Each service is one transaction, takes the acting user, and leaves an audit record."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import audit, engine, selectors
from scoring.errors import (
    MSG_ALREADY_SUBMITTED,
    MSG_CANNOT_WITHDRAW,
    MSG_DEADLINE_PASSED,
    MSG_DIFFICULTIES_CHANGED,
    MSG_IMPORT_INVALID,
    MSG_IMPORT_STALE,
    MSG_INVALID_SET,
    MSG_NA_NOT_ALLOWED,
    MSG_NA_REASON_REQUIRED,
    MSG_NO_SET_FOR_KIND,
    MSG_NOT_A_LEAF,
    MSG_NOT_EDITABLE,
    MSG_NOT_READY,
    MSG_STALE_VERSION,
    MSG_SURVEY_NOT_SELF_SCORED,
    MSG_UNKNOWN_LINE,
    StaleVersion,
    StateConflict,
    ValidationFailed,
)
from scoring.models import (
    Assessment,
    AuditEntry,
    Cycle,
    CycleSet,
    IndexResult,
    Indicator,
    IndicatorSet,
    RankingGroup,
    ScoreLine,
    Unit,
    UnitKind,
)
from scoring.text import user_text

logger = logging.getLogger(__name__)

User = AbstractBaseUser

SELF_EDITABLE_STATES = {Assessment.State.DRAFT}
APPRAISABLE_STATES = {Assessment.State.SUBMITTED, Assessment.State.IN_APPRAISAL, Assessment.State.EXPLANATION}


# --- audit -------------------------------------------------------------------------------------------


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    unit: Unit | None = None,
    assessment: Assessment | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one audit entry. `changes` maps a field to {"old": …, "new": …}. The entry is chained to the
    previous one by hash (scoring/audit.py); the chain's tail is read under a lock so writers cannot fork it.
    Inside the caller's transaction when there is one (no savepoint: a failed entry fails the whole change)."""
    with transaction.atomic(savepoint=False):
        prev_hash = audit.chain_lock_and_tail()
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            unit=unit,
            assessment=assessment,
            changes=_json_safe(dict(changes or {})),
            reason=reason,
            prev_hash=prev_hash,
        )
        entry.hash = audit.entry_hash(entry)
        entry.save(force_insert=True)
        return entry


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _nfc(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value or "")).strip()


# --- indicator sets ----------------------------------------------------------------------------------


def _points(raw: Any, *, field: str, code: str, problems: list[str]) -> Decimal:
    try:
        value = Decimal(str(raw).replace(",", "."))
    except (InvalidOperation, ValueError):
        problems.append(
            _("%(code)s: %(field)s «%(raw)s» không phải là số.") % {"code": code, "field": field, "raw": raw}
        )
        return Decimal("0")
    if not value.is_finite():
        problems.append(_("%(code)s: %(field)s phải là số hữu hạn.") % {"code": code, "field": field})
        return Decimal("0")
    return value


@transaction.atomic
def indicator_set_import(*, data: Mapping[str, Any], actor: Any) -> IndicatorSet:
    """Create a set and its whole tree from the set file format (docs/scoring-methods.md).

    Validates every leaf's method with the engine and the tree's sums; writes nothing unless all is valid.
    """
    problems: list[str] = []
    key = _nfc(data.get("key"))
    if not key:
        problems.append(_("Thiếu mã bộ chỉ số (key)."))
    elif IndicatorSet.objects.filter(key=key).exists():
        problems.append(_("Bộ chỉ số mã «%(key)s» đã tồn tại.") % {"key": key})
    kind = UnitKind.objects.filter(code=data.get("unit_kind")).first()
    if kind is None:
        problems.append(_("Loại đơn vị «%(kind)s» không tồn tại.") % {"kind": data.get("unit_kind")})
    try:
        year = int(data.get("year", 0))
    except (TypeError, ValueError):
        year = 0
    if not 2000 <= year <= 2100:
        problems.append(_("Năm không hợp lệ."))
    try:
        version = int(data.get("version", 1))
    except (TypeError, ValueError):
        version = 0
    if version < 1:
        problems.append(_("Phiên bản không hợp lệ."))
    elif kind is not None and IndicatorSet.objects.filter(year=year, unit_kind=kind, version=version).exists():
        problems.append(
            _("Đã có bộ chỉ số năm %(year)s, phiên bản %(version)s cho loại đơn vị «%(kind)s».")
            % {"year": year, "version": version, "kind": kind}
        )

    flat: list[tuple[dict[str, Any], str | None, int]] = []

    def walk(nodes: Iterable[Mapping[str, Any]], parent_code: str | None, level: int, inherited: str) -> None:
        for raw in nodes:
            code = _nfc(raw.get("code"))
            children = list(raw.get("children") or [])
            dept = _nfc(raw.get("coordinating_department")) or inherited
            node: dict[str, Any] = {
                "code": code,
                "name": _nfc(raw.get("name")),
                "kind": raw.get("kind", "normal"),
                "max_points": _points(raw.get("max_points"), field="max_points", code=code, problems=problems),
                "floor": _points(raw.get("floor", "0"), field="floor", code=code, problems=problems),
                "is_leaf": not children,
                "method": raw.get("method", "") if not children else "",
                "params": raw.get("params") or {} if not children else {},
                "evidence_required": bool(raw.get("evidence_required", not children)),
                "allow_not_applicable": bool(raw.get("allow_not_applicable", False)),
                "guidance": _nfc(raw.get("guidance")),
                "source": raw.get("source", "self"),
                "coordinating_department": dept,
            }
            if not code:
                problems.append(_("Có tiêu chí thiếu mã."))
            if not node["name"]:
                problems.append(_("%(code)s: thiếu nội dung.") % {"code": code})
            if node["kind"] not in Indicator.Kind.values:
                problems.append(_("%(code)s: loại «%(kind)s» không hợp lệ.") % {"code": code, "kind": node["kind"]})
            if node["source"] not in Indicator.Source.values:
                problems.append(_("%(code)s: nguồn điểm không hợp lệ.") % {"code": code})
            if node["is_leaf"]:
                try:
                    engine.validate_params(
                        engine.LeafRule(
                            method=node["method"],
                            params=node["params"],
                            max_points=node["max_points"],
                            floor=node["floor"],
                            kind=node["kind"],
                        )
                    )
                except engine.EngineError as exc:
                    problems.append(f"{code}: {exc.message}")
            flat.append((node, parent_code, level))
            walk(children, code, level + 1, dept)

    walk(data.get("indicators") or [], None, 1, "")
    bands = data.get("classification_bands") or []
    rules = engine.SetRules(
        nodes=tuple(
            engine.Node(code=n["code"], parent_code=p, kind=n["kind"], max_points=n["max_points"], name=n["name"])
            for n, p, _lvl in flat
        ),
        standard_max=_points(data.get("standard_max", "100"), field="standard_max", code=key, problems=problems),
        index_mode=data.get("index_mode", "points"),
        bonus_cap=_points(data["bonus_cap"], field="bonus_cap", code=key, problems=problems)
        if data.get("bonus_cap") is not None
        else None,
        penalty_cap=_points(data["penalty_cap"], field="penalty_cap", code=key, problems=problems)
        if data.get("penalty_cap") is not None
        else None,
        classification_bands=tuple(
            engine.Band(min=_points(b.get("min"), field="min", code=key, problems=problems), label=_nfc(b.get("label")))
            for b in bands
        ),
    )
    if not flat:
        problems.append(_("Bộ chỉ số chưa có tiêu chí nào."))
    problems.extend(engine.validate_tree(rules))
    if problems:
        raise ValidationFailed(MSG_INVALID_SET, code="invalid_set", details=problems)

    assert kind is not None
    indicator_set = IndicatorSet.objects.create(
        key=key,
        year=year,
        version=version,
        unit_kind=kind,
        name=_nfc(data.get("name")),
        decision_ref=_nfc(data.get("decision_ref")),
        standard_max=rules.standard_max,
        index_mode=rules.index_mode,
        bonus_cap=rules.bonus_cap,
        penalty_cap=rules.penalty_cap,
        classification_bands=[{"min": str(b.min), "label": b.label} for b in rules.classification_bands],
        source_note=_nfc(data.get("source_note")),
        status=data.get("status", IndicatorSet.Status.DRAFT),
    )
    by_code: dict[str, Indicator] = {}
    for order, (node, parent_code, level) in enumerate(flat, start=1):
        by_code[node["code"]] = Indicator.objects.create(
            indicator_set=indicator_set,
            parent=by_code[parent_code] if parent_code else None,
            order=order,
            level=level,
            **node,
        )
    audit_record(
        actor=actor,
        action="indicator_set.import",
        object_type="IndicatorSet",
        object_id=indicator_set.pk,
        changes={"key": {"old": None, "new": key}, "indicators": {"old": 0, "new": len(flat)}},
    )
    logger.info("imported indicator set %s", key, extra={"indicator_set": key, "indicators": len(flat)})
    return indicator_set


# --- cycles and assessments ----------------------------------------------------------------------------


@transaction.atomic
def cycle_create(
    *, year: int, name: str, sets: Mapping[UnitKind, IndicatorSet], actor: Any, **deadlines: Any
) -> Cycle:
    """Create a cycle and choose the set for each unit kind. The chosen sets become active."""
    if Cycle.objects.filter(year=year).exists():
        raise ValidationFailed(_("Đã có kỳ đánh giá năm %(year)s.") % {"year": year}, code="duplicate_cycle")
    cycle = Cycle.objects.create(year=year, name=_nfc(name), **deadlines)
    for kind, indicator_set in sets.items():
        CycleSet.objects.create(cycle=cycle, unit_kind=kind, indicator_set=indicator_set)
        if indicator_set.status != IndicatorSet.Status.ACTIVE:
            IndicatorSet.objects.filter(pk=indicator_set.pk).update(status=IndicatorSet.Status.ACTIVE)
    audit_record(
        actor=actor,
        action="cycle.create",
        object_type="Cycle",
        object_id=cycle.pk,
        changes={"year": {"old": None, "new": year}, "sets": {"old": None, "new": [s.key for s in sets.values()]}},
    )
    return cycle


@transaction.atomic
def cycle_set_phase(*, cycle: Cycle, phase: str, actor: Any) -> Cycle:
    if phase not in Cycle.Phase.values:
        raise ValidationFailed(_("Giai đoạn không hợp lệ."), code="invalid_phase")
    old = cycle.phase
    Cycle.objects.filter(pk=cycle.pk).update(phase=phase)
    cycle.phase = phase
    audit_record(
        actor=actor, action="cycle.phase", object_type="Cycle", object_id=cycle.pk,
        changes={"phase": {"old": old, "new": phase}},
    )
    return cycle


@transaction.atomic
def assessments_open(*, cycle: Cycle, units: Iterable[Unit], actor: Any) -> list[Assessment]:
    """Create each unit's assessment for the cycle with one empty score line per leaf. Existing ones are kept."""
    sets = {cs.unit_kind_id: cs.indicator_set for cs in cycle.cycle_sets.select_related("indicator_set")}
    leaves_by_set: dict[int, list[Indicator]] = {}
    created: list[Assessment] = []
    existing = set(Assessment.objects.filter(cycle=cycle).values_list("unit_id", flat=True))
    for unit in units:
        if unit.pk in existing:
            continue
        indicator_set = sets.get(unit.kind_id)
        if indicator_set is None:
            raise ValidationFailed(MSG_NO_SET_FOR_KIND % {"kind": unit.kind}, code="no_set_for_kind")
        if indicator_set.pk not in leaves_by_set:
            leaves_by_set[indicator_set.pk] = list(indicator_set.indicators.filter(is_leaf=True).order_by("order"))
        assessment = Assessment.objects.create(cycle=cycle, unit=unit, indicator_set=indicator_set)
        ScoreLine.objects.bulk_create(
            ScoreLine(assessment=assessment, indicator=leaf) for leaf in leaves_by_set[indicator_set.pk]
        )
        audit_record(
            actor=actor, action="assessment.open", object_type="Assessment", object_id=assessment.pk,
            unit=unit, assessment=assessment, changes={"state": {"old": None, "new": assessment.state}},
        )
        created.append(assessment)
    return created


def line_lock(line_id: int, *, assessment_id: int | None = None) -> ScoreLine:
    """The line, locked until the transaction ends (and first its assessment's row, when `assessment_id` is
    given: the order submission takes them in, so a save never slips in after a submit).

    Only those rows are locked. A bare FOR UPDATE would also lock every row the query joins or orders by: the
    indicator's (shared by every unit scored on the set), the unit's and the cycle's, and all saves would queue.
    The unit is loaded too: the audit entry names it, and a lazy load would cost every save one more query.
    """
    if assessment_id is not None:  # the lock only: the state is read with the line, after both locks
        list(Assessment.objects.select_for_update(of=("self",)).filter(pk=assessment_id).order_by().values_list("pk"))
    return (
        ScoreLine.objects.select_for_update(of=("self",))
        .select_related("indicator", "assessment__unit")
        .get(pk=line_id)
    )


def _bump_assessment_version(assessment: Assessment) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(version=F("version") + 1)


def _check_version(line: ScoreLine, base_version: int) -> None:
    if line.version != base_version:
        raise StaleVersion(MSG_STALE_VERSION, details=line)


@transaction.atomic
def score_line_save_self(
    *,
    line: ScoreLine,
    actor: Any,
    base_version: int,
    value: Mapping[str, Any] | None,
    note: str | None = None,
    not_applicable: bool = False,
    not_applicable_reason: str = "",
    explanation: str | None = None,
) -> ScoreLine:
    """The unit's self-score of one leaf. Optimistic lock on `base_version`; the engine computes the score.

    Side effects: bumps the line's and the assessment's version; writes an audit entry with old → new.
    """
    line = line_lock(line.pk, assessment_id=line.assessment_id)
    _check_version(line, base_version)
    assessment = line.assessment
    if assessment.state not in SELF_EDITABLE_STATES:
        raise StateConflict(MSG_NOT_EDITABLE % {"state": assessment.get_state_display()}, code="not_editable")
    indicator = line.indicator
    if not indicator.is_leaf:
        raise ValidationFailed(MSG_NOT_A_LEAF, code="not_a_leaf")
    if indicator.source == Indicator.Source.SURVEY:
        raise ValidationFailed(MSG_SURVEY_NOT_SELF_SCORED, code="survey_leaf")
    old = {
        "self_value": line.self_value,
        "self_score": line.self_score,
        "not_applicable": line.not_applicable,
        "not_applicable_reason": line.not_applicable_reason,
        "self_note": line.self_note,
        "explanation": line.explanation,
    }
    if not_applicable:
        if not indicator.allow_not_applicable:
            raise ValidationFailed(MSG_NA_NOT_ALLOWED, code="na_not_allowed")
        reason = user_text(not_applicable_reason, limit=2000, field="not_applicable_reason")
        if not reason:
            raise ValidationFailed(MSG_NA_REASON_REQUIRED, code="na_reason_required")
        line.not_applicable, line.not_applicable_reason = True, reason
        line.self_value, line.self_score = None, None
    elif value is None:
        line.not_applicable, line.not_applicable_reason = False, ""
        line.self_value, line.self_score = None, None
    else:
        rule = selectors.leaf_rule(indicator)
        try:
            normalized = engine.normalize_value(rule, value)
            score = engine.score_leaf(rule, value)
        except engine.EngineError as exc:
            raise ValidationFailed(exc.message, code=exc.code, details={"field": exc.field}) from exc
        line.not_applicable, line.not_applicable_reason = False, ""
        line.self_value, line.self_score = normalized, score
    if note is not None:
        line.self_note = user_text(note, limit=5000, field="note")
    if explanation is not None:
        line.explanation = user_text(explanation, limit=5000, field="explanation")
    line.version += 1
    line.updated_by = actor if getattr(actor, "pk", None) else None
    line.save(update_fields=[
        "self_value", "self_score", "self_note", "explanation", "not_applicable", "not_applicable_reason",
        "version", "updated_at", "updated_by",
    ])
    _bump_assessment_version(assessment)
    new = {
        "self_value": line.self_value,
        "self_score": line.self_score,
        "not_applicable": line.not_applicable,
        "not_applicable_reason": line.not_applicable_reason,
        "self_note": line.self_note,
        "explanation": line.explanation,
    }
    audit_record(
        actor=actor, action="score_line.self", object_type="ScoreLine", object_id=line.pk,
        unit=assessment.unit, assessment=assessment,
        changes={k: {"old": old[k], "new": new[k]} for k in new if old[k] != new[k]},
    )
    return line


@transaction.atomic
def score_line_appraise(
    *,
    line: ScoreLine,
    actor: Any,
    base_version: int,
    value: Mapping[str, Any],
    note: str = "",
) -> ScoreLine:
    """The appraisal team's score of one leaf (the engine computes it). Same locking and audit as self-scores."""
    line = line_lock(line.pk)
    _check_version(line, base_version)
    assessment = line.assessment
    if assessment.state not in APPRAISABLE_STATES:
        raise StateConflict(MSG_NOT_EDITABLE % {"state": assessment.get_state_display()}, code="not_appraisable")
    rule = selectors.leaf_rule(line.indicator)
    try:
        normalized = engine.normalize_value(rule, value)
        score = engine.score_leaf(rule, value)
    except engine.EngineError as exc:
        raise ValidationFailed(exc.message, code=exc.code, details={"field": exc.field}) from exc
    old = {"appraised_value": line.appraised_value, "appraised_score": line.appraised_score}
    appraised_note = user_text(note, limit=5000, field="note")
    line.appraised_value, line.appraised_score, line.appraised_note = normalized, score, appraised_note
    line.version += 1
    line.updated_by = actor if getattr(actor, "pk", None) else None
    line.save(update_fields=["appraised_value", "appraised_score", "appraised_note", "version", "updated_at",
                             "updated_by"])
    _bump_assessment_version(assessment)
    audit_record(
        actor=actor, action="score_line.appraise", object_type="ScoreLine", object_id=line.pk,
        unit=assessment.unit, assessment=assessment,
        changes={
            "appraised_value": {"old": old["appraised_value"], "new": normalized},
            "appraised_score": {"old": old["appraised_score"], "new": score},
        },
        reason=line.appraised_note,
    )
    return line


@transaction.atomic
def assessment_transition(*, assessment: Assessment, to_state: str, actor: Any, reason: str = "") -> Assessment:
    """Move an assessment along its state machine (the only place states change)."""
    allowed = {
        Assessment.State.DRAFT: {Assessment.State.SUBMITTED},
        Assessment.State.SUBMITTED: {Assessment.State.DRAFT, Assessment.State.IN_APPRAISAL},
        Assessment.State.IN_APPRAISAL: {Assessment.State.EXPLANATION, Assessment.State.SIGNED_OFF},
        Assessment.State.EXPLANATION: {Assessment.State.IN_APPRAISAL, Assessment.State.SIGNED_OFF},
        Assessment.State.SIGNED_OFF: {Assessment.State.IN_APPRAISAL},
    }
    locked = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    if to_state not in allowed.get(Assessment.State(locked.state), set()):
        raise StateConflict(
            _("Không thể chuyển từ «%(old)s» sang «%(new)s».")
            % {"old": locked.get_state_display(), "new": Assessment.State(to_state).label},
            code="invalid_transition",
        )
    old = locked.state
    now = timezone.now()
    updates: dict[str, Any] = {"state": to_state, "version": F("version") + 1}
    if to_state == Assessment.State.SUBMITTED:
        updates.update(submitted_at=now, submitted_by=actor)
    if to_state == Assessment.State.SIGNED_OFF:
        updates.update(signed_off_at=now, signed_off_by=actor)
    Assessment.objects.filter(pk=locked.pk).update(**updates)
    audit_record(
        actor=actor, action="assessment.state", object_type="Assessment", object_id=locked.pk,
        unit=locked.unit, assessment=locked, changes={"state": {"old": old, "new": to_state}}, reason=reason,
    )
    locked.refresh_from_db()
    return locked


# --- submission, withdrawal, the report's free text and the Excel round trip ----------------------------


def _locked_assessment(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("unit", "cycle", "indicator_set")
        .get(pk=assessment.pk)
    )


def _self_deadline_passed(assessment: Assessment) -> bool:
    deadline = assessment.deadline_override or assessment.cycle.self_assessment_deadline
    return deadline is not None and timezone.now() > deadline


@transaction.atomic
def assessment_submit(*, assessment: Assessment, actor: Any) -> Assessment:
    """The unit head submits the self-assessment; the unit can no longer edit it.

    Refused (nothing changes) when it is not a draft (a double submit: StateConflict), after the deadline,
    or while the pre-submit check finds problems (ValidationFailed, `details` = the problems).
    Side effects: state draft → submitted with submitted_at/by, one audit entry.
    """
    locked = _locked_assessment(assessment)
    if locked.state != Assessment.State.DRAFT:
        raise StateConflict(MSG_ALREADY_SUBMITTED % {"state": locked.get_state_display()}, code="already_submitted")
    if _self_deadline_passed(locked):
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    problems = selectors.self_assessment_problems(sheet=selectors.assessment_sheet(assessment=locked))
    if problems:
        raise ValidationFailed(MSG_NOT_READY % {"n": len(problems)}, code="not_ready", details=problems)
    return assessment_transition(
        assessment=locked, to_state=Assessment.State.SUBMITTED, actor=actor,
        reason=_("Thủ trưởng đơn vị gửi bản tự đánh giá."),
    )


@transaction.atomic
def assessment_withdraw(*, assessment: Assessment, actor: Any, reason: str = "") -> Assessment:
    """The unit head takes a submitted self-assessment back to edit it, before the appraisal starts.

    Refused after the deadline (the unit could not submit again) and once the appraisal has started.
    Side effects: state submitted → draft, one audit entry with the reason.
    """
    locked = _locked_assessment(assessment)
    if locked.state != Assessment.State.SUBMITTED:
        raise StateConflict(MSG_CANNOT_WITHDRAW % {"state": locked.get_state_display()}, code="cannot_withdraw")
    if _self_deadline_passed(locked):
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    return assessment_transition(
        assessment=locked, to_state=Assessment.State.DRAFT, actor=actor,
        reason=_nfc(reason) or _("Thủ trưởng đơn vị rút lại bản tự đánh giá để chỉnh sửa."),
    )


@transaction.atomic
def assessment_difficulties_save(
    *, assessment: Assessment, text: str, actor: Any, expected_old: str | None = None
) -> Assessment:
    """Part III of the report (difficulties and recommendations), editable by the unit while it is a draft.

    `expected_old` is the text the user started from: when somebody changed it meanwhile, the save is
    refused (StaleVersion, `details` = the stored text) so no update is lost.
    Side effects: one audit entry with old → new (none when the text is unchanged).
    """
    locked = _locked_assessment(assessment)
    if locked.state != Assessment.State.DRAFT:
        raise StateConflict(MSG_NOT_EDITABLE % {"state": locked.get_state_display()}, code="not_editable")
    if _self_deadline_passed(locked):
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    old = locked.difficulties
    if expected_old is not None and _nfc(expected_old) != _nfc(old):
        raise StaleVersion(MSG_DIFFICULTIES_CHANGED, details=old)
    new = user_text(text, limit=20_000, field="difficulties")
    if new != old:
        Assessment.objects.filter(pk=locked.pk).update(difficulties=new)
        locked.difficulties = new
        audit_record(
            actor=actor, action="assessment.difficulties", object_type="Assessment", object_id=locked.pk,
            unit=locked.unit, assessment=locked, changes={"difficulties": {"old": old, "new": new}},
        )
    return locked


@transaction.atomic
def score_lines_import_self(*, assessment: Assessment, rows: Iterable[Mapping[str, Any]], actor: Any) -> int:
    """Write the rows of an uploaded self-assessment sheet: all of them in one transaction, or none.

    Each row: `line_id`, `version` (the line's version when the sheet was downloaded), `value` (engine value
    or None), `note`, `explanation`, `not_applicable`, `not_applicable_reason`. Every row is saved through
    `score_line_save_self` (engine validation, audit). Raises StaleVersion (code "stale_rows", `details` =
    the stale leaves' codes) when any version is no longer current, ValidationFailed (code "import_invalid",
    `details` = {code: message}) when any row is refused; nothing is written then.
    Returns the number of rows written.
    """
    locked = _locked_assessment(assessment)
    if locked.state != Assessment.State.DRAFT:
        raise StateConflict(MSG_NOT_EDITABLE % {"state": locked.get_state_display()}, code="not_editable")
    if _self_deadline_passed(locked):
        raise StateConflict(MSG_DEADLINE_PASSED, code="deadline_passed")
    rows = list(rows)
    lines = {line.pk: line for line in locked.lines.select_related("indicator").order_by("indicator__order")}
    unknown = [row for row in rows if row.get("line_id") not in lines]
    if unknown:
        raise ValidationFailed(MSG_UNKNOWN_LINE, code="unknown_line", details=[row.get("line_id") for row in unknown])
    stale = [lines[row["line_id"]].indicator.code for row in rows if lines[row["line_id"]].version != row["version"]]
    if stale:
        raise StaleVersion(MSG_IMPORT_STALE % {"n": len(stale)}, code="stale_rows", details=stale)
    errors: dict[str, str] = {}
    for row in rows:
        line = lines[row["line_id"]]
        try:
            score_line_save_self(
                line=line, actor=actor, base_version=row["version"], value=row.get("value"),
                note=row.get("note", ""), explanation=row.get("explanation", ""),
                not_applicable=bool(row.get("not_applicable")),
                not_applicable_reason=row.get("not_applicable_reason", ""),
            )
        except ValidationFailed as exc:  # raised before anything of that row is written
            errors[line.indicator.code] = str(exc.message)
    if errors:
        raise ValidationFailed(MSG_IMPORT_INVALID % {"n": len(errors)}, code="import_invalid", details=errors)
    if rows:
        audit_record(
            actor=actor, action="assessment.import_self", object_type="Assessment", object_id=locked.pk,
            unit=locked.unit, assessment=locked, changes={"rows": {"old": None, "new": len(rows)}},
        )
    return len(rows)


# --- results and ranking -------------------------------------------------------------------------------


def _leaf_scores(lines: Iterable[ScoreLine], basis: str) -> dict[str, engine.LeafScore]:
    field = "appraised_score" if basis == "appraised" else "self_score"
    return {
        line.indicator.code: engine.LeafScore(score=getattr(line, field), not_applicable=line.not_applicable)
        for line in lines
    }


def assessment_compute(*, assessment: Assessment, basis: str = "self") -> engine.IndexComputation:
    """The engine's computation of an assessment from stored leaf scores (a read; writes nothing)."""
    indicators = list(selectors.indicators_of_set(indicator_set=assessment.indicator_set))
    lines = list(selectors.score_lines_of_assessment(assessment=assessment))
    return engine.compute_index(
        selectors.set_rules(assessment.indicator_set, indicators), _leaf_scores(lines, basis)
    )


@transaction.atomic
def index_result_recompute(*, assessment_id: int) -> IndexResult | None:
    """Compute the signed-off assessment's result from its appraised scores and re-rank its group.

    Idempotent: a result already computed from the assessment's current version is returned unchanged.
    Returns None when the assessment is gone or not signed off (nothing to compute).
    """
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("unit", "indicator_set", "cycle")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None or assessment.state != Assessment.State.SIGNED_OFF:
        return None
    group_id = assessment.unit.ranking_group_id
    if group_id is not None:
        # One re-ranking of a group at a time, so concurrent recomputes never miss each other's rows.
        RankingGroup.objects.select_for_update(of=("self",)).filter(pk=group_id).first()
    current = IndexResult.objects.filter(assessment=assessment).first()
    if current and not current.stale and current.computed_from_version == assessment.version:
        return current
    comp = assessment_compute(assessment=assessment, basis="appraised")
    result, _created = IndexResult.objects.update_or_create(
        assessment=assessment,
        defaults={
            "normal_total": comp.normal_total,
            "bonus": comp.bonus,
            "penalty": comp.penalty,
            "total": comp.total,
            "applicable_max": comp.applicable_max,
            "index": comp.index,
            "area_totals": {code: str(v) for code, v in comp.area_totals.items()},
            "classification": comp.classification or "",
            "computed_at": timezone.now(),
            "computed_from_version": assessment.version,
            "stale": False,
        },
    )
    if group_id is not None:
        ranking_group_rerank(cycle_id=assessment.cycle_id, ranking_group_id=group_id)
        result.refresh_from_db()
    logger.info("recomputed %s", assessment.pk, extra={"assessment_id": assessment.pk, "index": str(comp.index)})
    return result


def ranking_group_rerank(*, cycle_id: int, ranking_group_id: int) -> None:
    """Competition ranking of the group's fresh results in a cycle (ties share a rank; equals by name)."""
    results = list(
        IndexResult.objects.filter(
            assessment__cycle_id=cycle_id,
            assessment__unit__ranking_group_id=ranking_group_id,
            assessment__state=Assessment.State.SIGNED_OFF,
            stale=False,
        ).select_related("assessment__unit")
    )
    ranked = engine.rank(
        engine.RankEntry(key=r.pk, name=r.assessment.unit.name, index=r.index) for r in results
    )
    ranks = {r.key: r.rank for r in ranked}
    changed = [r for r in results if r.rank != ranks[r.pk]]
    for r in changed:
        r.rank = ranks[r.pk]
    IndexResult.objects.bulk_update(changed, ["rank"])


# --- units -------------------------------------------------------------------------------------------------


@transaction.atomic
def unit_catalogue_load(*, data: Mapping[str, Any], actor: Any) -> dict[str, int]:
    """Create the unit kinds, ranking groups and units of a catalogue file that do not exist yet (by code).

    Existing rows are left as an administrator may have changed them. Returns counts of created rows.
    """
    created = {"unit_kinds": 0, "ranking_groups": 0, "units": 0}
    for row in data.get("unit_kinds", []):
        _kind, new = UnitKind.objects.get_or_create(
            code=row["code"], defaults={"name": _nfc(row["name"]), "order": row.get("order", 0)}
        )
        created["unit_kinds"] += new
    for row in data.get("ranking_groups", []):
        _group, new = RankingGroup.objects.get_or_create(
            code=row["code"], defaults={"name": _nfc(row["name"]), "order": row.get("order", 0)}
        )
        created["ranking_groups"] += new
    kinds = {k.code: k for k in UnitKind.objects.all()}
    groups = {g.code: g for g in RankingGroup.objects.all()}
    for row in data.get("units", []):
        if row["kind"] not in kinds:
            raise ValidationFailed(_("Loại đơn vị «%(kind)s» không tồn tại.") % {"kind": row["kind"]})
        unit, new = Unit.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": _nfc(row["name"]),
                "short_name": _nfc(row.get("short_name", "")),
                "kind": kinds[row["kind"]],
                "ranking_group": groups.get(row.get("group", "")),
            },
        )
        if new:
            created["units"] += 1
            audit_record(
                actor=actor, action="unit.create", object_type="Unit", object_id=unit.pk, unit=unit,
                changes={"name": {"old": None, "new": unit.name}},
            )
    return created
