"""The set-wise recompute (one SQL GROUP BY, then `appraisal.setwise.combine_cents`) equals the engine on the same
stored leaves: proved with hypothesis over random trees (nested bonus/penalty caps, set caps, negative floors,
not-applicable leaves, overruled ones, missing scores, points and percent modes)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraisal.selectors import group_sums, set_shapes
from appraisal.setwise import CentsResult, SetShape, combine_cents, points
from scoring import engine
from scoring.models import Assessment, Cycle, Indicator, IndicatorSet, ScoreLine, Unit, UnitKind
from scoring.services import assessment_compute, index_result_recompute

pytestmark = pytest.mark.django_db

QUARTERS = st.integers(min_value=1, max_value=20).map(lambda n: Decimal(n) / 4)


@dataclass
class Spec:
    code: str
    parent: str | None
    kind: str
    max_points: Decimal
    floor: Decimal = Decimal("0")
    leaf: bool = True


@st.composite
def trees(draw: Any) -> list[Spec]:
    nodes: list[Spec] = []

    def extra_subtree(parent: str | None, code: str, kind: str, depth: int) -> None:
        has_children = depth < 2 and draw(st.booleans())
        nodes.append(Spec(code, parent, kind, draw(QUARTERS), leaf=not has_children))
        if has_children:
            for i in range(draw(st.integers(1, 3))):
                extra_subtree(code, f"{code}.{i + 1}", kind, depth + 1)

    for a in range(draw(st.integers(1, 3))):
        area = str(a + 1)
        if draw(st.integers(0, 9)) == 0:  # an area that is itself a leaf
            nodes.append(Spec(area, None, "normal", draw(QUARTERS), floor=-draw(QUARTERS)))
            continue
        nodes.append(Spec(area, None, "normal", Decimal("0"), leaf=False))
        for c in range(draw(st.integers(1, 3))):
            criterion = f"{area}.{c + 1}"
            kind = draw(st.sampled_from(["normal", "normal", "bonus", "penalty"]))
            if kind != "normal":
                extra_subtree(area, criterion, kind, 1)
                continue
            nodes.append(Spec(criterion, area, "normal", Decimal("0"), leaf=False))
            for leaf in range(draw(st.integers(1, 3))):
                floor = -draw(QUARTERS) if draw(st.integers(0, 4)) == 0 else Decimal("0")
                nodes.append(Spec(f"{criterion}.{leaf + 1}", criterion, "normal", draw(QUARTERS), floor=floor))
    for t in range(draw(st.integers(0, 2))):  # top-level bonus/penalty nodes
        extra_subtree(None, f"T{t + 1}", draw(st.sampled_from(["bonus", "penalty"])), 1)
    return nodes


def leaf_scores(specs: list[Spec]) -> Any:
    leaves = [s for s in specs if s.leaf]

    def one(spec: Spec) -> Any:
        low = int((spec.floor - 3) * 100)
        high = int((spec.max_points + 2) * 100)
        score = st.none() | st.integers(low, high).map(lambda n: Decimal(n) / 100)
        # (score, the unit's «không phát sinh», the team overruled it)
        return st.tuples(score, st.integers(0, 5).map(lambda n: n == 0), st.integers(0, 2).map(lambda n: n == 0))

    return st.lists(st.fixed_dictionaries({s.code: one(s) for s in leaves}), min_size=1, max_size=3)


class Rollback(Exception):
    pass


def _examples(count: int) -> Any:
    return settings(max_examples=count, deadline=None, suppress_health_check=[
        HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])


MODES = st.sampled_from(["points", "percent"])
# One set drawn: its tree, its index mode and its caps (its sheets are drawn from the tree in the test).
A_SET = {"data": st.data(), "specs": trees(), "mode": MODES, "bonus_cap": st.none() | QUARTERS,
         "penalty_cap": st.none() | QUARTERS}


@_examples(60)
@given(**A_SET)
def test_the_set_wise_sums_equal_the_engine(
    catalogue: Any, data: Any, specs: list[Spec], mode: str, bonus_cap: Decimal | None, penalty_cap: Decimal | None
) -> None:
    sheets = data.draw(leaf_scores(specs))
    try:
        with transaction.atomic():
            _check(specs, sheets, mode, bonus_cap, penalty_cap)
            raise Rollback
    except Rollback:
        pass


@_examples(40)
@given(**A_SET, other=st.none() | st.tuples(trees(), MODES), intruders=st.booleans())
def test_the_cycles_recompute_stores_the_engines_results_and_ranks(
    catalogue: Any, data: Any, specs: list[Spec], mode: str, bonus_cap: Decimal | None, penalty_cap: Decimal | None,
    other: tuple[list[Spec], str] | None, intruders: bool,
) -> None:
    """The whole path a cycle's recompute takes on this database (on PostgreSQL one query that computes, ranks
    and compares; elsewhere the sums and `combine_cents`), with one set or two of different shapes in the
    cycle, and maybe other assessments of the same set outside the recompute (a draft of the cycle, another
    cycle's): every stored result is the engine's, each group is ranked as `engine.rank` ranks it, no other
    assessment gets a result, and a second recompute writes nothing."""
    sheets = data.draw(leaf_scores(specs))
    second = None if other is None else (other[0], data.draw(leaf_scores(other[0])), other[1])
    try:
        with transaction.atomic():
            _check_stored(specs, sheets, mode, bonus_cap, penalty_cap, second, intruders)
            raise Rollback
    except Rollback:
        pass


def _check_stored(specs: list[Spec], sheets: list[dict[str, tuple[Any, ...]]], mode: str,
                  bonus_cap: Decimal | None, penalty_cap: Decimal | None,
                  second: tuple[list[Spec], list[dict[str, tuple[Any, ...]]], str] | None,
                  intruders: bool = False) -> None:
    from django.db import connection

    from appraisal.selectors import changed_results
    from appraisal.services import cycle_results_recompute
    from scoring.models import IndexResult

    _set, assessments = _build(specs, sheets, mode, bonus_cap, penalty_cap)
    cycle_id = assessments[0].cycle_id
    if second is not None:  # another set in the same cycle, for other units (of the same ranking groups)
        units = list(Unit.objects.order_by("code")[3 : 3 + len(second[1])])
        assessments += _build(second[0], second[1], second[2], None, None, key="other", version=98,
                              cycle=assessments[0].cycle, units=units)[1]
    others = _intruders(assessments[0]) if intruders else []
    expected: dict[int, Any] = {}
    for assessment in assessments:
        try:
            expected[assessment.pk] = assessment_compute(assessment=assessment, basis="appraised")
        except engine.ScoringInputError as exc:
            assert exc.code == "nothing_applicable"
            with pytest.raises(engine.ScoringInputError) as caught:
                cycle_results_recompute(cycle_id=cycle_id)
            assert caught.value.code == "nothing_applicable"
            assert not IndexResult.objects.filter(assessment__cycle_id=cycle_id).exists()  # nothing half-written
            return
    shapes = set_shapes({a.indicator_set_id for a in assessments})
    if connection.vendor == "postgresql":  # the query's two forms (its sums filtered to the cycle or not) agree
        answers = [changed_results(cycle_id=cycle_id, shapes=shapes, filter_lines=f) for f in (True, False)]
        assert answers[0] == answers[1] and len(answers[0] or []) == len(assessments)
    assert cycle_results_recompute(cycle_id=cycle_id) == len(assessments)
    assert not IndexResult.objects.filter(assessment__in=others).exists()
    if connection.vendor == "postgresql":
        assert [changed_results(cycle_id=cycle_id, shapes=shapes, filter_lines=f) for f in (True, False)] == [[], []]
    stored = {r.assessment_id: r for r in IndexResult.objects.filter(assessment__cycle_id=cycle_id)}
    groups: dict[int | None, list[engine.RankEntry]] = {}
    for assessment in assessments:
        got, want = stored[assessment.pk], expected[assessment.pk]
        assert (got.normal_total, got.bonus, got.penalty, got.total, got.applicable_max, got.index,
                got.classification or None) == (
            want.normal_total, want.bonus, want.penalty, want.total, want.applicable_max, want.index,
            want.classification)
        assert got.area_totals == {code: str(points(round(v * 100))) for code, v in want.area_totals.items()}
        assert got.computed_from_version == assessment.version and not got.stale
        groups.setdefault(assessment.unit.ranking_group_id, []).append(
            engine.RankEntry(key=assessment.pk, name=assessment.unit.name, index=want.index))
    for group_id, entries in groups.items():
        for ranked in engine.rank(entries):
            assert stored[int(ranked.key)].rank == (ranked.rank if group_id is not None else None)
    times = {pk: r.computed_at for pk, r in stored.items()}
    assert cycle_results_recompute(cycle_id=cycle_id) == len(assessments)
    assert {r.assessment_id: r.computed_at for r in IndexResult.objects.filter(assessment__cycle_id=cycle_id)} == times
    # The sign-off task's path (one assessment) stores the very same figures and texts.
    IndexResult.objects.filter(assessment__cycle_id=cycle_id).update(stale=True)
    for assessment in assessments:
        index_result_recompute(assessment_id=assessment.pk)
    again = {r.assessment_id: r for r in IndexResult.objects.filter(assessment__cycle_id=cycle_id)}
    assert {pk: _stored(r) for pk, r in again.items()} == {pk: _stored(r) for pk, r in stored.items()}


def _intruders(model: Assessment) -> list[Assessment]:
    """Two more assessments of `model`'s set, each leaf at its maximum: a draft of the same cycle and a signed-off
    one of another cycle. The cycle's recompute must neither sum their lines nor give them a result."""
    lines = list(ScoreLine.objects.filter(assessment=model).select_related("indicator"))
    taken = Assessment.objects.filter(cycle=model.cycle).values_list("unit_id", flat=True)
    unit = Unit.objects.exclude(pk__in=taken).order_by("code").first()
    made = []
    other_cycle = Cycle.objects.create(year=2098, name="other")
    for cycle, owner, state in ((model.cycle, unit, Assessment.State.DRAFT),
                                (other_cycle, model.unit, Assessment.State.SIGNED_OFF)):
        assessment = Assessment.objects.create(cycle=cycle, unit=owner, indicator_set=model.indicator_set, state=state)
        ScoreLine.objects.bulk_create(
            ScoreLine(assessment=assessment, indicator=line.indicator, appraised_score=line.indicator.max_points)
            for line in lines
        )
        made.append(assessment)
    return made


def _stored(result: Any) -> tuple[Any, ...]:
    return (result.normal_total, result.bonus, result.penalty, result.total, result.applicable_max, result.index,
            result.area_totals, result.classification, result.rank, result.stale)


def _build(specs: list[Spec], sheets: list[dict[str, tuple[Any, ...]]], mode: str,
           bonus_cap: Decimal | None, penalty_cap: Decimal | None, *, key: str = "hypothesis", version: int = 99,
           cycle: Cycle | None = None, units: list[Unit] | None = None) -> tuple[IndicatorSet, list[Assessment]]:
    """A set from `specs` and one signed-off assessment per sheet of stored appraised scores."""
    kind = UnitKind.objects.get(code="department")
    indicator_set = IndicatorSet.objects.create(
        key=key, year=2020, version=version, unit_kind=kind, name="h", index_mode=mode,
        bonus_cap=bonus_cap, penalty_cap=penalty_cap,
        classification_bands=[{"min": "8", "label": "Tốt"}, {"min": "3", "label": "Khá"}, {"min": "0", "label": "TB"}],
    )
    by_code: dict[str, Indicator] = {}
    for order, spec in enumerate(specs, start=1):
        by_code[spec.code] = Indicator.objects.create(
            indicator_set=indicator_set, parent=by_code.get(spec.parent or ""), code=spec.code, name=spec.code,
            order=order, level=spec.code.count(".") + 1, is_leaf=spec.leaf, kind=spec.kind,
            max_points=spec.max_points, floor=spec.floor, method="manual" if spec.leaf else "",
        )
    cycle = cycle or Cycle.objects.create(year=2099, name="h")
    units = units or list(Unit.objects.order_by("code")[: len(sheets)])
    assessments = []
    for unit, sheet in zip(units, sheets, strict=False):
        assessment = Assessment.objects.create(cycle=cycle, unit=unit, indicator_set=indicator_set,
                                               state=Assessment.State.SIGNED_OFF)
        ScoreLine.objects.bulk_create(
            ScoreLine(assessment=assessment, indicator=by_code[code], appraised_score=score,
                      not_applicable=na, not_applicable_reason="n/a" if na else "",
                      na_overruled=na and bool(rest and rest[0]))
            for code, (score, na, *rest) in sheet.items()
        )
        assessments.append(assessment)
    return indicator_set, assessments


def _areas(shape: SetShape, cents: tuple[int, ...]) -> dict[str, Decimal]:
    return {code: points(v) for code, v in zip(shape.areas, cents, strict=True)}


def _figures(got: CentsResult) -> tuple[Decimal, ...]:
    return tuple(points(v) for v in (got.normal_total, got.bonus, got.penalty, got.applicable_max, got.total))


def _check(specs: list[Spec], sheets: list[dict[str, tuple[Any, ...]]], mode: str,
           bonus_cap: Decimal | None, penalty_cap: Decimal | None) -> None:
    indicator_set, assessments = _build(specs, sheets, mode, bonus_cap, penalty_cap)
    shapes = set_shapes([indicator_set.pk])
    sums = group_sums(assessment_ids=[a.pk for a in assessments], shapes=shapes)
    shape = shapes[indicator_set.pk][0]
    for assessment in assessments:
        try:
            expected: Any = assessment_compute(assessment=assessment, basis="appraised")
        except engine.ScoringInputError as exc:
            with pytest.raises(engine.ScoringInputError) as caught:
                combine_cents(shape, sums.get(assessment.pk))
            assert caught.value.code == exc.code
            continue
        got = combine_cents(shape, sums.get(assessment.pk))
        assert _areas(shape, got.area_totals) == expected.area_totals
        assert _areas(shape, got.area_max) == expected.area_max
        assert _figures(got) == (
            expected.normal_total, expected.bonus, expected.penalty, expected.applicable_max, expected.total
        )
        assert points(got.index) == expected.index
        assert got.classification == expected.classification


def test_the_set_wise_path_on_the_real_2020_department_set(catalogue: Any) -> None:
    """The real 105-leaf set with varied stored scores: one assessment, every field equal to the engine's."""
    import json
    import random

    from scoring.services import indicator_set_import
    from tests.conftest import ROOT

    data = json.loads((ROOT / "fixtures" / "sets" / "tg-2020-so.json").read_text(encoding="utf-8"))
    indicator_set = indicator_set_import(data=data, actor=None)
    cycle = Cycle.objects.create(year=2098, name="r")
    rng = random.Random(5)
    assessment = Assessment.objects.create(cycle=cycle, unit=Unit.objects.get(code="so-y-te"),
                                           indicator_set=indicator_set, state=Assessment.State.SIGNED_OFF)
    ScoreLine.objects.bulk_create(
        ScoreLine(assessment=assessment, indicator=leaf,
                  appraised_score=(leaf.max_points * Decimal(rng.randint(0, 4)) / 4).quantize(Decimal("0.01")))
        for leaf in indicator_set.indicators.filter(is_leaf=True)
    )
    shapes = set_shapes([indicator_set.pk])
    shape = shapes[indicator_set.pk][0]
    got = combine_cents(shape, group_sums(assessment_ids=[assessment.pk], shapes=shapes)[assessment.pk])
    expected = assessment_compute(assessment=assessment, basis="appraised")
    assert (points(got.index), points(got.total), points(got.bonus), points(got.penalty),
            _areas(shape, got.area_totals)) == (
        expected.index, expected.total, expected.bonus, expected.penalty, expected.area_totals
    )


def test_the_cents_column_follows_every_kind_of_write(catalogue: Any) -> None:
    """`ScoreLine.appraised_cents` (which the set-wise sum reads) is kept by the database: through save(),
    a queryset update() and raw SQL alike; exact for scores that floats cannot hold (0.29 × 100); NULL
    when the score is missing or the leaf is not applicable."""
    from django.db import connection

    kind = UnitKind.objects.get(code="department")
    indicator_set = IndicatorSet.objects.create(key="cents", year=2097, version=1, unit_kind=kind, name="c")
    leaf = Indicator.objects.create(indicator_set=indicator_set, code="1", name="1", order=1, level=1, is_leaf=True,
                                    kind="normal", max_points=Decimal("20"), method="manual")
    assessment = Assessment.objects.create(cycle=Cycle.objects.create(year=2097, name="c"),
                                           unit=Unit.objects.order_by("code").first(), indicator_set=indicator_set)
    line = ScoreLine.objects.create(assessment=assessment, indicator=leaf)

    def cents() -> int | None:
        return ScoreLine.objects.values_list("appraised_cents", flat=True).get(pk=line.pk)

    assert cents() is None
    line.appraised_score = Decimal("0.29")
    line.save(update_fields=["appraised_score"])
    assert cents() == 29
    ScoreLine.objects.filter(pk=line.pk).update(appraised_score=Decimal("-1.57"))
    assert cents() == -157
    ScoreLine.objects.filter(pk=line.pk).update(not_applicable=True, not_applicable_reason="x")
    assert cents() is None
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ScoreLine._meta.db_table} SET not_applicable = %s, appraised_score = %s "
                       "WHERE id = %s", [False, Decimal("12.35"), line.pk])
    assert cents() == 1235


@settings(max_examples=300, deadline=None)
@given(numerator=st.integers(-10**12, 10**12), denominator=st.integers(-10**8, 10**8).filter(bool))
def test_the_integer_half_up_division_equals_the_engines_decimal_rounding(numerator: int, denominator: int) -> None:
    """`_div_half_up` (the percent index in cents) equals the engine's truncate-at-28-digits-then-round-half-up."""
    from decimal import ROUND_DOWN, Context, localcontext

    from appraisal.setwise import _div_half_up

    with localcontext(Context(prec=28, rounding=ROUND_DOWN)):
        quotient = Decimal(numerator) / Decimal(denominator)
    expected = engine.round_half_up(quotient / 100)  # the engine's index in points
    assert Decimal(_div_half_up(numerator, denominator)) / 100 == expected


def test_the_integer_half_up_division_on_ties() -> None:
    from appraisal.setwise import _div_half_up

    assert [_div_half_up(n, 2) for n in (5, 3, 1, -1, -3, -5)] == [3, 2, 1, -1, -2, -3]  # ties away from zero
    assert _div_half_up(2, 3) == 1 and _div_half_up(1, 3) == 0 and _div_half_up(-2, 3) == -1


@given(cents=st.integers(-10**9, 10**9))
def test_points_text_is_the_decimal_text(cents: int) -> None:
    """The area totals a recompute stores and compares are written without a Decimal, as str() would."""
    from appraisal.setwise import points, points_text

    assert points_text(cents) == str(points(cents))


def test_one_recompute_serves_sets_of_different_shapes(catalogue: Any) -> None:
    """One cycle, two sets: a small one (one area and a bonus leaf) and a wider one (three areas, nested bonus
    and a penalty, not-applicable leaves). The one SQL row per assessment is as wide as the widest set, and a
    column may hold the small set's bonus and the wide set's second area; each result the cycle's recompute
    stores equals the engine's for its own set."""
    from appraisal.services import cycle_results_recompute
    from scoring.models import IndexResult

    d = Decimal
    small = [Spec("1", None, "normal", d(0), leaf=False), Spec("1.1", "1", "normal", d("4")),
             Spec("1.2", "1", "normal", d("6")), Spec("B1", None, "bonus", d("2"))]
    wide = [
        Spec("1", None, "normal", d(0), leaf=False), Spec("1.1", "1", "normal", d("10")),
        Spec("2", None, "normal", d(0), leaf=False), Spec("2.1", "2", "normal", d("5")),
        Spec("2.2", "2", "normal", d("5"), floor=d("-2")),
        Spec("3", None, "normal", d(0), leaf=False), Spec("3.1", "3", "normal", d("8")),
        Spec("3.2", "3", "bonus", d("3"), leaf=False), Spec("3.2.1", "3.2", "bonus", d("2")),
        Spec("3.2.2", "3.2", "bonus", d("2")), Spec("T1", None, "penalty", d("2")),
    ]
    cycle = Cycle.objects.create(year=2099, name="shapes")
    units = list(Unit.objects.order_by("code")[:4])
    _small, first = _build(small, [{"1.1": (d("3.5"), False), "1.2": (d("6.75"), False), "B1": (d("1.5"), False)},
                                   {"1.1": (None, False), "1.2": (d("2"), True), "B1": (d("3"), False)}],
                           "points", None, None, key="small", version=97, cycle=cycle, units=units[:2])
    _wide, second = _build(wide, [
        {"1.1": (d("9.25"), False), "2.1": (d("5"), True), "2.2": (d("-1.5"), False), "3.1": (d("7"), False),
         "3.2.1": (d("2"), False), "3.2.2": (d("1.75"), False), "T1": (d("0.5"), False)},
        {"1.1": (d("10"), False), "2.1": (d("4.25"), False), "2.2": (d("5"), True), "3.1": (d("8"), True),
         "3.2.1": (None, False), "3.2.2": (d("2"), False), "T1": (d("3"), False)},
    ], "percent", d("2.5"), None, key="wide", version=98, cycle=cycle, units=units[2:])

    assert cycle_results_recompute(cycle_id=cycle.pk) == 4
    for assessment in first + second:
        stored = IndexResult.objects.get(assessment=assessment)
        expected = assessment_compute(assessment=assessment, basis="appraised")
        assert (stored.normal_total, stored.bonus, stored.penalty, stored.total, stored.applicable_max,
                stored.index, stored.classification or None) == (
            expected.normal_total, expected.bonus, expected.penalty, expected.total, expected.applicable_max,
            expected.index, expected.classification)
        assert {code: Decimal(v) for code, v in stored.area_totals.items()} == expected.area_totals


@pytest.mark.parametrize("mode", ["points", "percent"])
def test_a_negative_index_gets_the_lowest_band_on_every_recompute_path(catalogue: Any, mode: str) -> None:
    """A unit below 0 (a negative option, a penalty: a unit handed over with nothing scored, then penalised) is
    classified in the lowest band, at 0, by the engine, by `combine_cents` and by the cycle's recompute (on
    PostgreSQL its one query, which classifies in SQL), and by the sign-off's recompute: all alike, never blank."""
    from appraisal.services import cycle_results_recompute
    from scoring.models import IndexResult

    specs = [Spec("1", None, "normal", Decimal("0"), leaf=False),
             Spec("1.1", "1", "normal", Decimal("0"), leaf=False),
             Spec("1.1.1", "1.1", "normal", Decimal("10"), floor=Decimal("-1")),
             Spec("1.2", "1", "penalty", Decimal("2"))]
    sheets = [{"1.1.1": (Decimal("-1"), False), "1.2": (Decimal("1.5"), False)},  # −2.50 points (−25 % in percent)
              {"1.1.1": (Decimal("10"), False), "1.2": (Decimal("0"), False)}]  # at the top
    indicator_set, assessments = _build(specs, sheets, mode, None, Decimal("2"))
    shapes = set_shapes([indicator_set.pk])
    shape = shapes[indicator_set.pk][0]
    sums = group_sums(assessment_ids=[a.pk for a in assessments], shapes=shapes)
    low, high = assessments
    expected = assessment_compute(assessment=low, basis="appraised")
    assert expected.index < 0 and expected.classification == "TB"
    assert combine_cents(shape, sums[low.pk]).classification == "TB"
    assert combine_cents(shape, sums[high.pk]).classification == "Tốt"

    assert cycle_results_recompute(cycle_id=low.cycle_id) == 2
    stored = IndexResult.objects.get(assessment=low)
    assert (stored.index, stored.classification) == (expected.index, "TB")
    assert IndexResult.objects.get(assessment=high).classification == "Tốt"
    IndexResult.objects.filter(assessment=low).update(classification="", stale=True)
    index_result_recompute(assessment_id=low.pk)
    assert IndexResult.objects.get(assessment=low).classification == "TB"
