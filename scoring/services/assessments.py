"""Cycles, assessments and score lines: open, lock, save self-scores and appraised scores, transitions."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Required, TypedDict, Unpack, cast

from django.db import connection, transaction
from django.db.models import F, Field
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import compiled, engine, selectors
from scoring.errors import (
    MSG_NA_NOT_ALLOWED,
    MSG_NA_REASON_REQUIRED,
    MSG_NA_REASON_WITHOUT_NA,
    MSG_NO_SET_FOR_KIND,
    MSG_NOT_A_LEAF,
    MSG_NOT_EDITABLE,
    MSG_STALE_VERSION,
    MSG_SURVEY_NOT_SELF_SCORED,
    StaleVersion,
    StateConflict,
    ValidationFailed,
    engine_failure,
)
from scoring.models import (
    Assessment,
    Cycle,
    CycleSet,
    Indicator,
    IndicatorSet,
    ScoreLine,
    Unit,
    UnitKind,
)
from scoring.services.common import APPRAISABLE_STATES, SELF_EDITABLE_STATES, _nfc, audit_record, audit_records
from scoring.text import normalize_line_breaks, user_text


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


def _lines_insert(cycle: Cycle) -> None:
    """One empty score line per leaf of its set for each of the cycle's assessments that has none (those just
    opened: an assessment is never left without its lines), in ONE `INSERT … SELECT`: a national cycle's
    430,000 lines took 26 s as model instances in bulk (a minute one assessment at a time). The other columns
    take the values a new line's fields give (defaults, the time stamp), each prepared by its field as `save()`
    would."""
    meta = ScoreLine._meta
    quote = connection.ops.quote_name
    blank = ScoreLine()
    columns = [f for f in meta.local_concrete_fields
               if not f.primary_key and not f.generated and f.name not in {"assessment", "indicator"}]
    values = [f.get_db_prep_save(f.pre_save(blank, True), connection) for f in columns]
    line, assessment, indicator = (quote(m._meta.db_table) for m in (ScoreLine, Assessment, Indicator))
    names = ", ".join(quote(f.column) for f in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {line} (assessment_id, indicator_id, {names}) "  # noqa: S608 - the models' own names
            f"SELECT a.id, i.id, {', '.join(['%s'] * len(columns))} FROM {assessment} a "
            f"JOIN {indicator} i ON i.indicator_set_id = a.indicator_set_id AND i.is_leaf "
            f"WHERE a.cycle_id = %s AND NOT EXISTS (SELECT 1 FROM {line} l WHERE l.assessment_id = a.id) "
            f"ORDER BY a.id, i.{quote('order')}",
            [*values, cycle.pk],
        )


NAMED_STOPPED = 5  # the stopped units a refused opening names; the rest are counted


def _refuse_stopped(stopped: list[Unit]) -> None:
    """Refused (`unit_inactive`, nothing opened): units stopped since the page that picked them was drawn."""
    if not stopped:
        return
    names = ", ".join(f"«{unit.name}»" for unit in stopped[:NAMED_STOPPED])
    more = len(stopped) - NAMED_STOPPED
    if len(stopped) == 1:
        message = _("Đơn vị %(names)s đã ngừng hoạt động nên không mở bản đánh giá cho đơn vị này được.") % {
            "names": names}
    else:
        message = _("%(n)s đơn vị đã ngừng hoạt động nên không mở bản đánh giá được: %(names)s%(more)s.") % {
            "n": len(stopped), "names": names,
            "more": _(" và %(m)s đơn vị khác") % {"m": more} if more > 0 else ""}
    raise ValidationFailed(
        message + " "
        + _("Chưa mở bản đánh giá nào: hãy chọn lại các đơn vị tham gia (không gồm đơn vị đã ngừng hoạt động)."),
        code="unit_inactive", details={"field": "units", "units": [unit.code for unit in stopped]},
    )


@transaction.atomic
def assessments_open(*, cycle: Cycle, units: Iterable[Unit], actor: Any) -> list[Assessment]:
    """Create each unit's assessment for the cycle with one empty score line per leaf. Existing ones are kept.

    The units' rows are locked first, in the order of their ids (as a stop or a merge locks them: no deadlock), and
    their state read under the lock: a unit stopped meanwhile is refused (`unit_inactive`, nothing opened), and a
    stop at the same moment waits for this opening and then finds the unit's assessment under way. Two openings of
    one unit run one after the other (the second finds it taken).

    In bulk, as a national cycle opens about 4,000 units in one request: the assessments in one insert, their
    lines in one more (`_lines_insert`), their audit entries chained at once."""
    units = list(units)
    locked = {
        pk: (is_active, group_id) for pk, is_active, group_id in
        Unit.objects.select_for_update().filter(pk__in=sorted({unit.pk for unit in units})).order_by("pk")
        .values_list("pk", "active", "ranking_group_id")
    }
    active = {pk: is_active for pk, (is_active, _group_id) in locked.items()}
    sets = {cs.unit_kind_id: cs.indicator_set for cs in cycle.cycle_sets.select_related("indicator_set")}
    taken = set(Assessment.objects.filter(cycle=cycle).values_list("unit_id", flat=True))
    fresh: list[Assessment] = []
    stopped: list[Unit] = []
    for unit in units:
        if unit.pk in taken:
            continue
        if not active.get(unit.pk, False):  # stopped (or gone) since the caller read it
            stopped.append(unit)
            taken.add(unit.pk)
            continue
        indicator_set = sets.get(unit.kind_id)
        if indicator_set is None:
            raise ValidationFailed(MSG_NO_SET_FOR_KIND % {"kind": unit.kind}, code="no_set_for_kind")
        taken.add(unit.pk)
        # ranked in the unit's group as it is now, under the lock (a move meanwhile is seen or waits)
        fresh.append(Assessment(cycle=cycle, unit=unit, indicator_set=indicator_set,
                                ranking_group_id=locked[unit.pk][1]))
    _refuse_stopped(stopped)
    if not fresh:
        return []
    created = Assessment.objects.bulk_create(fresh)
    _lines_insert(cycle)
    audit_records(actor=actor, entries=[
        {"action": "assessment.open", "object_type": "Assessment", "object_id": a.pk, "unit": a.unit,
         "assessment": a, "changes": {"state": {"old": None, "new": a.state}}}
        for a in created
    ])
    return created


def _assessment_lock(assessment_id: int) -> str:
    """Lock the assessment's row until the transaction ends; its state, as last committed."""
    ((state,),) = compiled.rows(
        "lock_assessment",
        lambda pk: Assessment.objects.select_for_update(of=("self",)).filter(pk=pk).order_by().values_list("state"),
        assessment_id,
    )
    return str(state)


def line_lock(line_id: int, *, assessment_id: int | None = None) -> ScoreLine:
    """The line, locked until the transaction ends (and first its assessment's row, when `assessment_id` is
    given: the order submission takes them in, so a save never slips in after a submit).

    Only those rows are locked. A bare FOR UPDATE would also lock every row the query joins or orders by: the
    indicator's (shared by every unit scored on the set), the unit's and the cycle's, and all saves would queue.
    The unit is loaded too: the audit entry names it, and a lazy load would cost every save one more query.
    """
    if assessment_id is not None:  # the lock only: the state is read with the line, after both locks
        _assessment_lock(assessment_id)
    found = compiled.instances(  # each appraisal save runs it: compiled once, prepared once per connection
        "line_lock",
        lambda pk: ScoreLine.objects.select_for_update(of=("self",)).select_related("indicator", "assessment__unit")
        .filter(pk=pk).order_by(),
        line_id,
    )
    if not found:
        raise ScoreLine.DoesNotExist(f"line {line_id}")
    return found[0]


def _assessment_lock_and_bump(assessment_id: int) -> str:
    """A unit's save: the assessment's row locked and its version bumped by one statement; its state, as last
    committed (an UPDATE waits for a concurrent submit and reads the row it left)."""
    table = connection.ops.quote_name(Assessment._meta.db_table)
    sql = f"UPDATE {table} SET version = version + 1 WHERE id = %s RETURNING state"  # noqa: S608
    with connection.cursor() as cursor:
        compiled.execute_prepared(cursor, compiled.preparable("assessment_lock_and_bump", sql), sql, [assessment_id])
        ((state,),) = cursor.fetchall()
    return str(state)


def _self_line_lock(line: ScoreLine, base_version: int) -> tuple[ScoreLine, str, bool]:
    """A unit's save: the assessment's row locked (its version bumped), then the line as the save must start from.

    Every write of a line bumps its version, so a line the caller read at `base_version`, with the fields a save
    changes loaded, is the stored line for as long as the stored version is still `base_version`: the save writes
    it on that condition (`score_line_save_self`) instead of locking and reading it again. Otherwise the line is
    locked and read (its indicator and assessment are the caller's: a line never changes either), and its version
    checked. Returns the line, the assessment's state, and whether the write must be conditional."""
    state = _assessment_lock_and_bump(line.assessment_id)
    if _is_current(line, base_version):
        return copy.copy(line), state, True  # the caller's line is left as it was read
    (fresh,) = compiled.instances(
        "self_lock_line", lambda pk: ScoreLine.objects.select_for_update(of=("self",)).filter(pk=pk).order_by(),
        line.pk,
    )
    fresh.assessment = line.assessment
    fresh.indicator = line.indicator
    _check_version(fresh, base_version)
    return fresh, state, False


def _bump_assessment_version(assessment: Assessment) -> None:
    table = connection.ops.quote_name(Assessment._meta.db_table)
    with connection.cursor() as cursor:  # the ORM's update costs more to build than to run (each save does this)
        cursor.execute(f"UPDATE {table} SET version = version + 1 WHERE id = %s", [assessment.pk])  # noqa: S608


def _check_version(line: ScoreLine, base_version: int) -> None:
    if line.version != base_version:
        raise StaleVersion(MSG_STALE_VERSION, details=line)


# What a unit's save may change on its line, in the order the audit entry lists the changes.
_SELF_FIELDS = ("self_value", "self_score", "not_applicable", "not_applicable_reason", "self_note", "explanation")
_SELF_WRITTEN = (*_SELF_FIELDS, "version", "updated_at", "updated_by")  # what the save writes


class SelfScore(TypedDict, total=False):
    """What a unit sends for one leaf: the method's input (None clears the score; with not applicable, None leaves
    the figures typed before as they are: they count again once the declaration is withdrawn), a note, not applicable
    with its reason, an explanation (None for the note or the explanation leaves it as it is)."""

    value: Required[Mapping[str, Any] | None]
    note: str | None
    not_applicable: bool
    not_applicable_reason: str
    explanation: str | None


def score_line_save_self(*, line: ScoreLine, actor: Any, base_version: int, **given: Unpack[SelfScore]) -> ScoreLine:
    """The unit's self-score of one leaf (`SelfScore`). Optimistic lock on `base_version`; the engine computes the
    score. A reason sent without not applicable is refused (code `na_reason_without_na`) rather than dropped; a save
    that changes nothing writes nothing and returns the line at `base_version`.

    Side effects: bumps the line's and the assessment's version; writes an audit entry with old → new.
    """
    saved, _totals = _save_self(line, actor, base_version, _SelfInput(**given), totals=False)
    return saved


def score_line_save_self_with_totals(
    *, line: ScoreLine, actor: Any, base_version: int, **given: Unpack[SelfScore]
) -> tuple[ScoreLine, selectors.SheetTotals]:
    """As `score_line_save_self`, and the assessment's running totals as the save leaves them (what an autosave
    answers with), read by the save's own statements where it can (`_write_self`): one round trip less."""
    saved, totals = _save_self(line, actor, base_version, _SelfInput(**given), totals=True)
    assert totals is not None  # asked for
    return saved, totals


@dataclass(frozen=True)
class _SelfInput:
    value: Mapping[str, Any] | None
    note: str | None = None
    not_applicable: bool = False
    not_applicable_reason: str = ""
    explanation: str | None = None


def _apply_self_input(line: ScoreLine, given: _SelfInput) -> None:
    """Check what the unit sent for the line's leaf and set it on the line (the engine scores it): no database."""
    indicator = line.indicator
    if not indicator.is_leaf:
        raise ValidationFailed(MSG_NOT_A_LEAF, code="not_a_leaf")
    if indicator.source == Indicator.Source.SURVEY:
        raise ValidationFailed(MSG_SURVEY_NOT_SELF_SCORED, code="survey_leaf")
    if not given.not_applicable:
        _refuse_reason_without_not_applicable(line, given)
    if given.not_applicable:
        if not indicator.allow_not_applicable:
            raise ValidationFailed(MSG_NA_NOT_ALLOWED, code="na_not_allowed")
        reason = user_text(given.not_applicable_reason, limit=2000, field="not_applicable_reason")
        if not reason:
            raise ValidationFailed(MSG_NA_REASON_REQUIRED, code="na_reason_required")
        line.not_applicable, line.not_applicable_reason = True, reason
        line.self_value, line.self_score = _kept_figures(line, given.value), None
    elif given.value is None:
        line.not_applicable, line.not_applicable_reason = False, ""
        line.self_value, line.self_score = None, None
    else:
        rule = selectors.leaf_rule(indicator)
        try:
            score, normalized = engine.score_and_normalize(rule, given.value)
        except engine.EngineError as exc:
            raise engine_failure(exc) from exc
        line.not_applicable, line.not_applicable_reason = False, ""
        line.self_value, line.self_score = normalized, score
    if given.note is not None:
        line.self_note = user_text(given.note, limit=5000, field="note")
    if given.explanation is not None:
        line.explanation = user_text(given.explanation, limit=5000, field="explanation")


def _kept_figures(line: ScoreLine, value: Mapping[str, Any] | None) -> Any:
    """The figures a leaf declared «không phát sinh» keeps: they do not count while it is declared, and withdrawing
    the declaration scores the leaf from them again (the sheet page greys its fields out without emptying them).

    Figures sent with the declaration that the engine takes (a file's row, an API request) are kept, normalised. None
    (the page's greyed-out fields are not sent), the stored figures sent back, or figures the engine refuses (a number
    left half typed in a field the declaration makes irrelevant: the declaration is saved all the same) leave the
    stored ones as they are."""
    if value is None or value == line.self_value:
        return line.self_value
    try:
        _score, normalized = engine.score_and_normalize(selectors.leaf_rule(line.indicator), value)
    except engine.EngineError:
        return line.self_value
    return normalized


def _refuse_reason_without_not_applicable(line: ScoreLine, given: _SelfInput) -> None:
    """A reason sent without «không phát sinh» would be dropped by the save (a leaf that counts has no reason): it
    is refused instead, so that nobody is told a text was saved that was not. The stored reason sent back as it is
    (a form that unticks the box still holds it) is the declaration being withdrawn, with its reason."""
    reason = user_text(given.not_applicable_reason, limit=2000, field="not_applicable_reason")
    if reason and reason != normalize_line_breaks(line.not_applicable_reason or "").strip():
        raise ValidationFailed(MSG_NA_REASON_WITHOUT_NA, code="na_reason_without_na",
                               details={"field": "not_applicable"})


@transaction.atomic
def _save_self(
    line: ScoreLine, actor: Any, base_version: int, given: _SelfInput, *, totals: bool
) -> tuple[ScoreLine, selectors.SheetTotals | None]:
    current = _is_current(line, base_version)
    work = copy.copy(line)  # the caller's line is left as it was read
    old = {name: getattr(work, name) for name in _SELF_FIELDS}
    if current:  # what is sent is checked and scored before any statement
        _apply_self_input(work, given)
        if {name: getattr(work, name) for name in _SELF_FIELDS} == old:
            # Nothing changes: nothing is written, no version moves (a colleague's open copy stays current, the
            # results stay up to date), no entry is recorded; the state is still one a unit may edit.
            _check_self_editable(Assessment.objects.values_list("state", flat=True).get(pk=line.assessment_id))
            return line, selectors.assessment_totals(assessment=line.assessment) if totals else None
    elif _sent_again(work, given, old):
        # What is sent is what is stored, from an older version: a save sent again after its answer was lost (or a
        # colleague's same value). No conflict with oneself: nothing is written, the stored line is the answer.
        _check_self_editable(Assessment.objects.values_list("state", flat=True).get(pk=line.assessment_id))
        return line, selectors.assessment_totals(assessment=line.assessment) if totals else None
    in_one = current and connection.vendor == "postgresql"  # the state is checked by the write
    conditional = False
    if not in_one:
        locked, state, conditional = _self_line_lock(line, base_version)
        _check_self_editable(state)
        if not current:  # the line as stored, locked: what is sent applies to it
            work = locked
            old = {name: getattr(work, name) for name in _SELF_FIELDS}
            _apply_self_input(work, given)
    line = work
    line.version = base_version + 1
    line.updated_by = actor if getattr(actor, "pk", None) else None
    rows: list[tuple[Any, ...]] = []
    if in_one:
        state, written, rows = _write_self(line, base_version, totals=totals)
        _check_self_editable(state)
    else:
        written = bool(compiled.update(  # as save(update_fields=…); the assessment's version is already bumped
            line, list(_SELF_WRITTEN), when={"version": base_version} if conditional else None,
        ))
    if not written:  # changed by another writer since the caller read it
        raise StaleVersion(MSG_STALE_VERSION, details=ScoreLine.objects.get(pk=line.pk))
    new = {name: getattr(line, name) for name in _SELF_FIELDS}
    audit_record(
        actor=actor, action="score_line.self", object_type="ScoreLine", object_id=line.pk,
        unit_id=line.assessment.unit_id, assessment=line.assessment,
        changes={k: {"old": old[k], "new": new[k]} for k in new if old[k] != new[k]},
    )
    if not totals:
        return line, None
    if in_one:
        return line, selectors.totals_from_rows(selectors.set_skeleton(line.assessment.indicator_set), rows)
    return line, selectors.assessment_totals(assessment=line.assessment)


def _sent_again(stored: ScoreLine, given: _SelfInput, old: dict[str, Any]) -> bool:
    """Whether `given`, applied to the line as the caller read it from the database (`stored`, all the fields a save
    changes loaded), changes none of them. Input the save would refuse is not «the same»: it goes on to the version
    check, which refuses it as stale."""
    if stored.get_deferred_fields().intersection(_SELF_FIELDS):
        return False
    try:
        _apply_self_input(stored, given)
    except ValidationFailed:
        return False
    return {name: getattr(stored, name) for name in _SELF_FIELDS} == old


def _check_self_editable(state: str) -> None:
    if state not in SELF_EDITABLE_STATES:
        raise StateConflict(MSG_NOT_EDITABLE % {"state": Assessment.State(state).label}, code="not_editable")


def _is_current(line: ScoreLine, base_version: int) -> bool:
    """The caller's line is the stored one as long as its version is `base_version` (see `_self_line_lock`): the
    save may start from it (on PostgreSQL, without reading or locking it again)."""
    return line.version == base_version and not line.get_deferred_fields().intersection(_SELF_FIELDS)


_SELF_WRITES: dict[bool, str] = {}


def _self_write_sql(totals: bool) -> str:
    """The unit's save as one statement after the assessment's row is locked and its version bumped: the line
    written while its version is the one read and the assessment's state one a unit may edit; then the state,
    the line's new version (NULL when it was not written) and, with `totals`, the rows of the running totals
    (`selectors.totals_rows_sql`). The statement's snapshot has the written line as it was: its new values come
    from the write. Without `totals`, one row."""
    sql = _SELF_WRITES.get(totals)
    if sql is None:
        quote = connection.ops.quote_name
        meta = ScoreLine._meta
        columns = [cast(Field, meta.get_field(name)).column for name in _SELF_WRITTEN]
        sets = ", ".join(f"{quote(column)} = %s" for column in columns)
        table, assessments = quote(meta.db_table), quote(Assessment._meta.db_table)
        editable = ", ".join(f"'{state.value}'" for state in sorted(SELF_EDITABLE_STATES))  # the model's choices
        # The models' own table and column names, quoted, and their state values; every other value a parameter.
        write = (
            f"WITH w AS (UPDATE {table} SET {sets} WHERE id = %s AND version = %s "  # noqa: S608
            f"AND (SELECT state FROM {assessments} WHERE id = %s) IN ({editable}) "
            "RETURNING id, self_score, not_applicable, explanation, version) "
            f"SELECT (SELECT state FROM {assessments} WHERE id = %s), (SELECT version FROM w)"
        )
        if totals:
            sql = (
                f"{write}, t.id, t.indicator_id, CASE WHEN w.id IS NULL THEN t.self_score ELSE w.self_score END, "
                "COALESCE(w.not_applicable, t.not_applicable), "
                "CASE WHEN w.id IS NULL THEN t.explained ELSE w.explanation <> '' END, t.files "
                "FROM ({rows}) AS t LEFT JOIN w ON w.id = t.id"
            )
        else:
            sql = write
        sql = _SELF_WRITES[totals] = sql
    return sql


def _write_self(
    line: ScoreLine, base_version: int, *, totals: bool
) -> tuple[str, bool, list[tuple[Any, ...]]]:
    """PostgreSQL: the assessment's row locked and its version bumped, then `_self_write_sql`, in one round trip.
    Returns the assessment's state, whether the line was written, and the totals' rows (with `totals`)."""
    columns = [cast(Field, ScoreLine._meta.get_field(name)) for name in _SELF_WRITTEN]
    values = [column.get_db_prep_save(column.pre_save(line, False), connection) for column in columns]
    assessment_id = line.assessment_id
    params = [*values, line.pk, base_version, assessment_id, assessment_id]
    sql = _self_write_sql(totals)
    if totals:
        rows_sql, rows_params = selectors.totals_rows_sql(assessment_id=assessment_id)
        sql = sql.replace("{rows}", rows_sql)
        params += rows_params
    table = connection.ops.quote_name(Assessment._meta.db_table)
    bump = f"UPDATE {table} SET version = version + 1 WHERE id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        compiled.execute_batch(cursor, [
            (compiled.preparable("assessment_bump", bump), bump, [assessment_id]),
            (compiled.preparable(f"self_write_{'totals' if totals else 'line'}", sql), sql, params),
        ])
        found = cursor.fetchall()
    state, version = found[0][0], found[0][1]
    return str(state), version is not None, [row[2:] for row in found] if totals else []


def _appraisal_line_lock(line: ScoreLine, base_version: int) -> tuple[ScoreLine, Assessment]:
    """The line locked and re-read, its version checked, its assessment in a state the team may change."""
    line = line_lock(line.pk)
    _check_version(line, base_version)
    assessment = line.assessment
    if assessment.state not in APPRAISABLE_STATES:
        raise StateConflict(MSG_NOT_EDITABLE % {"state": assessment.get_state_display()}, code="not_appraisable")
    return line, assessment


@transaction.atomic
def score_line_appraise(
    *,
    line: ScoreLine,
    actor: Any,
    base_version: int,
    value: Mapping[str, Any],
    note: str = "",
    na_overruled: bool | None = None,
    audit_reason: str = "",
) -> ScoreLine:
    """The appraisal team's score of one leaf (the engine computes it). Same locking and audit as self-scores.

    `na_overruled=True` records that the team does not accept the unit's «không phát sinh» (the leaf then
    counts with this score); None leaves that mark as it is. `audit_reason`: the audit entry's reason when the
    team's note gives none (a note is the reason), e.g. why a bulk accept took a leaf missing its evidence."""
    line, assessment = _appraisal_line_lock(line, base_version)
    rule = selectors.leaf_rule(line.indicator)
    try:
        score, normalized = engine.score_and_normalize(rule, value)
    except engine.EngineError as exc:
        raise engine_failure(exc) from exc
    old = {"appraised_value": line.appraised_value, "appraised_score": line.appraised_score,
           "na_overruled": line.na_overruled}
    appraised_note = user_text(note, limit=5000, field="note")
    line.appraised_value, line.appraised_score, line.appraised_note = normalized, score, appraised_note
    if na_overruled is not None:
        line.na_overruled = na_overruled
        if na_overruled:  # the overrule replaces an earlier acceptance of the declaration
            line.na_accepted = False
    line.version += 1
    line.updated_by = actor if getattr(actor, "pk", None) else None
    line.save(update_fields=["appraised_value", "appraised_score", "appraised_note", "na_overruled", "na_accepted",
                             "version", "updated_at", "updated_by"])
    _bump_assessment_version(assessment)
    changes = {
        "appraised_value": {"old": old["appraised_value"], "new": normalized},
        "appraised_score": {"old": old["appraised_score"], "new": score},
    }
    if line.na_overruled != old["na_overruled"]:
        changes["na_overruled"] = {"old": old["na_overruled"], "new": line.na_overruled}
    audit_record(
        actor=actor, action="score_line.appraise", object_type="ScoreLine", object_id=line.pk,
        unit=assessment.unit, assessment=assessment, changes=changes, reason=line.appraised_note or audit_reason,
    )
    return line


@transaction.atomic
def score_line_accept_not_applicable(
    *, line: ScoreLine, actor: Any, base_version: int, again: bool = False
) -> ScoreLine:
    """The appraisal team accepts the unit's «không phát sinh» of a leaf: the declaration is decided (until then it
    waits for the team and sign-off is refused). Where the team had overruled it, the overrule and its appraised
    score are withdrawn (the leaf is not applicable again). A new version either way, audited; accepting an
    accepted declaration again changes and records nothing, unless `again` (the team took the decision anew,
    having read an explanation the unit sent since: a new version and an entry, as the first acceptance)."""
    line, assessment = _appraisal_line_lock(line, base_version)
    if line.na_accepted and not line.na_overruled and not again:
        return line
    changes: dict[str, Any] = {"not_applicable": {"old": True, "new": True}}
    fields = ["na_accepted", "version", "updated_at", "updated_by"]
    if line.na_overruled:
        changes = {
            "na_overruled": {"old": True, "new": False},
            "appraised_value": {"old": line.appraised_value, "new": None},
            "appraised_score": {"old": line.appraised_score, "new": None},
        }
        line.na_overruled, line.appraised_value, line.appraised_score, line.appraised_note = False, None, None, ""
        fields += ["na_overruled", "appraised_value", "appraised_score", "appraised_note"]
    line.na_accepted = True
    line.version += 1
    line.updated_by = actor if getattr(actor, "pk", None) else None
    line.save(update_fields=fields)
    _bump_assessment_version(assessment)
    audit_record(
        actor=actor, action="score_line.accept_not_applicable", object_type="ScoreLine", object_id=line.pk,
        unit=assessment.unit, assessment=assessment, changes=changes,
    )
    return line


@transaction.atomic
def assessment_transition(
    *, assessment: Assessment, to_state: str, actor: Any, reason: str = "", handed_over: bool = False
) -> Assessment:
    """Move an assessment along its state machine (the only place states change). `handed_over`: a draft sent to
    the team without the unit (recorded in the audit entry, `scoring.selectors.handover`)."""
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
    handed = {"handed_over": True} if handed_over else {}
    audit_record(
        actor=actor, action="assessment.state", object_type="Assessment", object_id=locked.pk,
        unit=locked.unit, assessment=locked, changes={"state": {"old": old, "new": to_state}, **handed}, reason=reason,
    )
    locked.refresh_from_db()
    return locked
