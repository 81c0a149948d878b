"""The running totals an autosave returns: one query, over a skeleton of the set kept per process."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Field, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL

from scoring import compiled, engine
from scoring.models import Assessment, Indicator, IndicatorSet, RoleAssignment, ScoreLine
from scoring.selectors.rules import _bands
from scoring.selectors.sheet import Progress, _evidence_reader, subtree_total


@dataclass
class SheetTotals:
    """The running totals of a self-assessment, read lighter than the whole sheet (for each autosave)."""

    areas: list[tuple[str, Decimal, Decimal]]  # (area code, self-score subtotal, applicable maximum)
    computation: engine.IndexComputation
    progress: Progress
    files: dict[int, int]  # line id → number of linked files


@dataclass(frozen=True)
class Skeleton:
    """What the running totals need of a set: the engine's rules and, per leaf, its code and flags."""

    rules: engine.SetRules
    areas: tuple[str, ...]  # the top-level codes, in order
    leaves: dict[int, tuple[str, bool, bool]]  # indicator id → (code, evidence required, survey-scored)
    # indicator id → the leaf's row, read-only: a save reads its method and flags here, not from the database
    indicators: dict[int, Indicator]


_SKELETONS: dict[tuple[Any, ...], Skeleton] = {}
_SKELETONS_KEPT = 64


def set_skeleton(indicator_set: IndicatorSet) -> Skeleton:
    """The set's skeleton, read once per process for a set in use (a set that is no longer a draft cannot change:
    services refuse, and so does the admin site); a draft's is read each time. The key holds the set row's own
    fields, which come with the assessment, so a changed cap or band is never served from the cache."""
    key = (
        indicator_set.pk, indicator_set.created_at, indicator_set.standard_max, indicator_set.index_mode,
        indicator_set.bonus_cap, indicator_set.penalty_cap, repr(indicator_set.classification_bands),
    )
    cacheable = indicator_set.status != IndicatorSet.Status.DRAFT
    if cacheable and (found := _SKELETONS.get(key)) is not None:
        return found
    rows = list(indicator_set.indicators.order_by("order"))
    nodes = [
        (ind.pk, ind.code, ind.parent_id, ind.kind, ind.max_points, ind.is_leaf, ind.evidence_required, ind.source)
        for ind in rows
    ]
    code_of = {row[0]: row[1] for row in nodes}
    skeleton = Skeleton(
        rules=engine.SetRules(
            nodes=tuple(
                engine.Node(code=code, parent_code=code_of.get(parent) if parent else None, kind=kind, max_points=mx)
                for _id, code, parent, kind, mx, *_rest in nodes
            ),
            standard_max=indicator_set.standard_max,
            index_mode=indicator_set.index_mode,
            bonus_cap=indicator_set.bonus_cap,
            penalty_cap=indicator_set.penalty_cap,
            classification_bands=_bands(indicator_set.classification_bands),
        ),
        areas=tuple(code for _id, code, parent, *_rest in nodes if parent is None),
        leaves={
            pk: (code, evidence, source == Indicator.Source.SURVEY)
            for pk, code, _parent, _kind, _mx, leaf, evidence, source in nodes
            if leaf
        },
        indicators={ind.pk: ind for ind in rows if ind.is_leaf},
    )
    if cacheable:
        if len(_SKELETONS) >= _SKELETONS_KEPT:
            _SKELETONS.clear()
        _SKELETONS[key] = skeleton
    return skeleton


# What `line_for_save` leaves unread of a line: what a unit's save neither checks nor changes.
_NOT_SAVED = ("appraised_value", "appraised_score", "appraised_note", "explanation_requested", "na_overruled",
              "updated_at", "updated_by", "appraised_cents")


def _roles_json(user_id: Any) -> RawSQL:
    """The roles `user_id` holds, as JSON text ([[role, unit id], …]), read by a scalar subquery."""
    meta = RoleAssignment._meta
    quote = connection.ops.quote_name
    role, unit, user = (quote(cast(Field, meta.get_field(name)).column) for name in ("role", "unit", "user"))
    table = quote(meta.db_table)
    if connection.vendor == "postgresql":
        rows = f"COALESCE(json_agg(json_build_array({role}, {unit}))::text, '[]')"
    else:  # SQLite
        rows = f"json_group_array(json_array({role}, {unit}))"
    # Column and table names of the model, quoted; the user id is a parameter.
    return RawSQL(f"SELECT {rows} FROM {table} WHERE {user} = %s", (user_id,), output_field=TextField())  # noqa: S608, S611


def line_for_save(*, assessment_id: int, line_id: int, user_id: int) -> ScoreLine | None:
    """The line to save, with its assessment (its unit, cycle and set) and the roles `user_id` holds (as JSON text,
    in `roles_json`: the permission check needs them) read by the same query; None when it is not one of the
    assessment's. The line's fields are those a unit's save checks and changes (the others load if asked for);
    its indicator is taken from the set's skeleton (no join). The save writes the line only while its stored
    version is still the one read here, so it need not lock and read it again.

    Not authorised: `permissions.line_get_for_save` is the caller's way in."""
    found = compiled.instances(
        "line_for_save",
        lambda pk, assessment_pk, user_pk: ScoreLine.objects.filter(pk=pk, assessment_id=assessment_pk).order_by()
        .select_related("assessment__unit", "assessment__cycle", "assessment__indicator_set").defer(*_NOT_SAVED)
        .annotate(roles_json=_roles_json(user_pk)),
        line_id, assessment_id, user_id,
    )
    if not found:
        return None
    line = found[0]
    indicator = set_skeleton(line.assessment.indicator_set).indicators.get(line.indicator_id)
    if indicator is not None:
        line.indicator = indicator
    return line


def _totals_query(assessment_id: int) -> QuerySet[Any]:
    counter = _evidence_reader("files_per_line")  # as `_evidence_by_line`: none until the evidence app is there
    return (
        ScoreLine.objects.filter(assessment_id=assessment_id).order_by()
        .annotate(files=counter() if counter is not None else Value(0),
                  # whether it has one, not the text (up to 5,000 characters a line); stored texts are trimmed
                  explained=ExpressionWrapper(~Q(explanation=""), output_field=BooleanField()))
        .values_list("id", "indicator_id", "self_score", "not_applicable", "explained", "files")
    )


def assessment_totals(*, assessment: Assessment) -> SheetTotals:
    """Totals and progress from plain rows: one query (the lines with their file counts), no model instances,
    the engine once; the set's skeleton is read once per process (one query more the first time)."""
    rows = compiled.rows("assessment_totals", _totals_query, assessment.pk)
    return totals_from_rows(set_skeleton(assessment.indicator_set), rows)


_ROWS_SQL: dict[str, str] = {}  # vendor → the rows' SQL with the links counted by a join (`_rows_sql`)


def totals_rows_sql(*, assessment_id: int) -> tuple[str, list[Any]]:
    """The SQL (and its parameters) of the rows `totals_from_rows` reads, for a statement that reads them with a
    write: (line id, indicator id, self-score, not applicable, whether it has an explanation, linked files), named
    id, indicator_id, self_score, not_applicable, explained, files. On PostgreSQL the same rows as
    `assessment_totals` reads, with the links counted for the assessment's lines at once (`_rows_sql`)."""
    sql = _rows_sql()
    if sql is None:
        return compiled.sql_of("assessment_totals", _totals_query, assessment_id)
    return sql, [assessment_id, assessment_id]


def _rows_sql() -> str | None:
    """PostgreSQL, with the evidence app's joinable counter: `_totals_query`'s rows by hand, the linked files
    counted by a LEFT JOIN to the counts of the assessment's lines (`files_per_line_sql`) instead of a subquery run
    per line. None elsewhere (the query of `_totals_query` serves)."""
    if connection.vendor != "postgresql":
        return None
    sql = _ROWS_SQL.get(connection.vendor)
    if sql is None:
        counter = _evidence_reader("files_per_line_sql")
        if counter is None:
            return None
        quote = connection.ops.quote_name
        meta = ScoreLine._meta
        line, indicator, score, flag, explanation, assessment = (
            quote(cast(Field, meta.get_field(name)).column)
            for name in ("id", "indicator", "self_score", "not_applicable", "explanation", "assessment")
        )
        # The model's own table and column names, quoted; both ids (the counter's and the lines') are parameters.
        sql = _ROWS_SQL[connection.vendor] = (
            f"SELECT s.{line} AS id, s.{indicator} AS indicator_id, s.{score} AS self_score, "  # noqa: S608
            f"s.{flag} AS not_applicable, s.{explanation} <> '' AS explained, COALESCE(f.n, 0) AS files "
            f"FROM {quote(meta.db_table)} s LEFT JOIN ({counter()}) f ON f.score_line_id = s.{line} "
            f"WHERE s.{assessment} = %s"
        )
    return sql


def totals_from_rows(skeleton: Skeleton, rows: Iterable[Sequence[Any]]) -> SheetTotals:
    """The totals and progress of an assessment from its lines' rows: (line id, indicator id, self-score, not
    applicable, whether it has an explanation, linked files), in any order."""
    rules = skeleton.rules
    files: dict[int, int] = {}
    scores: dict[str, engine.LeafScore] = {}
    # A leaf score is immutable, and a sheet's scores are a few values over and over (0.00, 1.00, none…): one
    # instance per (score, not applicable) serves them all (building 105 frozen dataclasses cost about as much as
    # the engine). Each with its type, and the number by its text: 1.0 and 1.00 (or 1 and True) stay apart.
    made: dict[tuple[Any, ...], engine.LeafScore] = {}
    leaves = skeleton.leaves
    total = scored = evidence_missing = explanation_missing = 0
    for line_id, indicator_id, score, not_applicable, explained, count in rows:
        if count:
            files[line_id] = count
        info = leaves.get(indicator_id)
        if info is None:
            continue
        code, evidence_required, survey = info
        key = (score.__class__, str(score), not_applicable.__class__, not_applicable)
        leaf = made.get(key)
        if leaf is None:
            leaf = made[key] = engine.LeafScore(score=score, not_applicable=not_applicable)
        scores[code] = leaf
        if survey:
            continue
        total += 1
        if not_applicable or score is not None:
            scored += 1
        if evidence_required and not not_applicable and not files.get(line_id):
            evidence_missing += 1
            if not explained:
                explanation_missing += 1
    computation = engine.compute_index(rules, scores)
    areas: list[tuple[str, Decimal, Decimal]] = []
    for code in skeleton.areas:
        if code in computation.area_totals:
            areas.append((code, computation.area_totals[code], computation.area_max[code]))
        else:
            areas.append((code, *subtree_total(rules, code, scores)))
    return SheetTotals(
        areas=areas, computation=computation,
        progress=Progress(total=total, scored=scored, evidence_missing=evidence_missing,
                          explanation_missing=explanation_missing),
        files=files,
    )
