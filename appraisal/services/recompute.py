"""Recompute: one assessment's result and its group's ranks, or a whole cycle set-wise in one GROUP BY."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from appraisal import selectors as appraisal_selectors
from appraisal.services.common import logger
from appraisal.setwise import CentsResult, combine_cents, nothing_applicable, points, points_text
from scoring import engine
from scoring.models import Assessment, IndexResult, RankingGroup


def _enqueue_recompute(assessment_id: int) -> None:
    from celery import current_app
    from kombu.exceptions import OperationalError as BrokerError

    from appraisal.tasks import recompute_index_result_task

    if current_app.conf.task_always_eager:
        recompute_index_result_task.delay(assessment_id)
        return
    try:
        recompute_index_result_task.delay(assessment_id)
    except (BrokerError, OSError):
        # The sign-off is committed; the periodic reconciler finds the missing result and computes it.
        logger.warning(
            "could not enqueue the recompute of %s; the reconciler will", assessment_id,
            exc_info=True, extra={"assessment_id": assessment_id},
        )


def index_result_enqueue(*, assessment_id: int) -> None:
    """Ask the worker to recompute once the current transaction has committed (never before).

    A broker outage at that moment is logged, not raised: the committed sign-off stands and the
    reconciler (beat) recomputes every result that is missing or older than its assessment.
    """
    transaction.on_commit(lambda: _enqueue_recompute(assessment_id))


RESULT_FIELDS = [
    "normal_total", "bonus", "penalty", "total", "applicable_max", "index", "area_totals", "classification",
    "computed_at", "computed_from_version", "stale", "rank",
]


_ARRAY_TYPES = {"assessment_id": "integer[]", "area_totals": "text[]", "classification": "text[]",
                "computed_at": "timestamptz[]", "computed_from_version": "integer[]", "stale": "boolean[]",
                "rank": "integer[]"}  # the rest are the figures: numeric[]


def _results_upsert(rows: list[tuple[Any, ...]]) -> None:
    """Insert or update many results in one statement; `rows` are (assessment_id, *RESULT_FIELDS) with
    area_totals as a dict. On PostgreSQL each column goes to the driver as one array and the statement
    unnests them: adapting 13 arrays costs a fraction of adapting 4,000 rows one by one (and compiling them
    through the ORM costs more than the GROUP BY that produced them)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        results = [IndexResult(assessment_id=row[0], **dict(zip(RESULT_FIELDS, row[1:], strict=True))) for row in rows]
        IndexResult.objects.bulk_create(
            results, batch_size=500, update_conflicts=True, unique_fields=["assessment"], update_fields=RESULT_FIELDS
        )
        return
    table = IndexResult._meta.db_table
    columns = ["assessment_id", *RESULT_FIELDS]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    updates = ", ".join(f"{connection.ops.quote_name(c)} = EXCLUDED.{connection.ops.quote_name(c)}"
                        for c in RESULT_FIELDS)
    arrays = [list(column) for column in zip(*rows, strict=True)]
    at = RESULT_FIELDS.index("area_totals") + 1
    arrays[at] = [json.dumps(value) for value in arrays[at]]
    casts = ", ".join(f"%s::{_ARRAY_TYPES.get(c, 'numeric[]')}" for c in columns)
    selected = ", ".join("area_totals::jsonb" if c == "area_totals" else c for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({quoted}) SELECT {selected} FROM unnest({casts}) AS r({', '.join(columns)}) "  # noqa: S608
            f"ON CONFLICT (assessment_id) DO UPDATE SET {updates}",
            arrays,
        )


_CENTS_FIELDS = ["normal_total", "bonus", "penalty", "total", "applicable_max", "index"]
_STORED_SQL = (
    "SELECT r.assessment_id, {cents}, r.area_totals, r.classification, r.computed_from_version, r.stale, r.rank "
    "FROM {result} r JOIN {assessment} a ON a.id = r.assessment_id WHERE a.cycle_id = %s"
)


def _stored_results(cycle_id: int) -> dict[int, tuple[Any, ...]]:
    """The cycle's stored results, by assessment, as `_comparable` makes them: what a recompute compares with,
    so that it rewrites only the results that differ (a national cycle is 4,000 rows; after one sign-off,
    one result and some ranks change). The figures come as integer cents (they are stored with two
    decimals: exact), so that a result that did not change costs no Decimal at all."""
    sql = _STORED_SQL.format(
        cents=", ".join(f"CAST(ROUND(r.{connection.ops.quote_name(f)} * 100) AS BIGINT)" for f in _CENTS_FIELDS),
        result=IndexResult._meta.db_table,
        assessment=Assessment._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [cycle_id])
        rows = cursor.fetchall()
    at = len(_CENTS_FIELDS) + 1  # area_totals: JSON text from a raw cursor
    return {
        row[0]: (
            *row[1:at],
            json.loads(row[at]) if isinstance(row[at], str) else row[at],
            row[at + 1],
            row[at + 2],
            bool(row[at + 3]),
            row[at + 4],
        )
        for row in rows
    }


def _comparable(c: CentsResult, areas: dict[str, str], version: int, rank: int | None) -> tuple[Any, ...]:
    return (
        c.normal_total,
        c.bonus,
        c.penalty,
        c.total,
        c.applicable_max,
        c.index,
        areas,
        c.classification or "",
        version,
        False,
        rank,
    )


@transaction.atomic
def cycle_results_recompute(*, cycle_id: int) -> int:
    """Set-wise recompute of every signed-off assessment of a cycle and the ranking of every group.

    On PostgreSQL, ONE read-only query sums the stored appraised leaf scores, computes every result and rank,
    compares them with the stored ones and answers only those that differ (see `appraisal.setwise_sql`); on
    other databases one `GROUP BY` (see `appraisal.setwise`) and the rest in memory in integer cents. Then one
    bulk upsert of the results that differ (a result that comes out the same keeps its row and its
    `computed_at`: the time its figures were computed). Locks the cycle's ranking groups and signed-off
    assessments, as the per-assessment recompute does, so the two never interleave. Returns the number of
    results computed.
    """
    in_cycle = Assessment.objects.filter(cycle_id=cycle_id, ranking_group__isnull=False)
    list(  # the cycle's ranking groups, locked in one statement
        RankingGroup.objects.select_for_update(of=("self",))
        .filter(pk__in=in_cycle.values("ranking_group_id"))
        .order_by("pk")
        .values_list("pk")
    )
    signed_off = (
        Assessment.objects.select_for_update(of=("self",))
        .filter(cycle_id=cycle_id, state=Assessment.State.SIGNED_OFF)
        .order_by("pk")
    )
    if connection.vendor == "postgresql":
        locked = list(signed_off.values_list("indicator_set_id", flat=True))
        if not locked:
            return 0
        shapes = appraisal_selectors.set_shapes(set(locked))
        changed_rows = appraisal_selectors.changed_results(cycle_id=cycle_id, shapes=shapes)
        if changed_rows is not None:
            _changed_write(cycle_id, len(locked), changed_rows)
            return len(locked)
    assessments = list(
        signed_off.values_list("pk", "indicator_set_id", "version", "ranking_group_id", "unit__name")
    )
    if not assessments:
        return 0
    shapes = appraisal_selectors.set_shapes({a[1] for a in assessments})
    sums = appraisal_selectors.group_sums(cycle_id=cycle_id, shapes=shapes)
    computed: dict[int, CentsResult] = {}
    by_group: dict[int, list[engine.RankEntry]] = {}
    for pk, set_id, _version, group_id, name in assessments:
        c = computed[pk] = combine_cents(shapes[set_id][0], sums.get(pk))
        if group_id is not None:
            by_group.setdefault(group_id, []).append(engine.RankEntry(key=pk, name=name, index=points(c.index)))
    rank_of: dict[int | str, int | None] = {}
    for entries in by_group.values():
        rank_of.update((entry.key, entry.rank) for entry in engine.rank(entries))
    stored = _stored_results(cycle_id)
    now = timezone.now()
    changed = []
    for pk, set_id, version, _group_id, _name in assessments:
        c, rank = computed[pk], rank_of.get(pk)
        areas = {code: points_text(v) for code, v in zip(shapes[set_id][0].areas, c.area_totals, strict=True)}
        if stored.get(pk) != _comparable(c, areas, version, rank):
            changed.append(
                (
                    pk,
                    *(points(getattr(c, f)) for f in _CENTS_FIELDS),
                    areas,
                    c.classification or "",
                    now,
                    version,
                    False,
                    rank,
                )
            )
    if changed:
        _results_upsert(changed)
    _logged(cycle_id, len(assessments), len(changed))
    return len(assessments)


def _logged(cycle_id: int, results: int, changed: int) -> None:
    logger.info(
        "set-wise recompute of cycle %s: %s results, %s changed",
        cycle_id,
        results,
        changed,
        extra={"cycle_id": cycle_id, "results": results, "changed": changed},
    )


def _changed_write(cycle_id: int, results: int, rows: list[tuple[Any, ...]]) -> None:
    """Write what PostgreSQL's one query found changed (`setwise_sql.CHANGED_COLUMNS`, figures in cents)."""
    if any(row[6] is None for row in rows):  # a percent-mode set with nothing applicable: as the engine, refuse
        raise nothing_applicable()
    now = timezone.now()
    _results_upsert([
        (pk, points(nt), points(bo), points(pe), points(tot), points(am), points(idx),
         {code: points_text(v) for code, v in zip(codes, totals, strict=True)}, cls, now, version, False, rank)
        for pk, nt, bo, pe, tot, am, idx, codes, totals, cls, version, rank in rows
    ])
    _logged(cycle_id, results, len(rows))
