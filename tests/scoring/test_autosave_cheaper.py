"""The autosave's cheaper paths: a leaf's plan kept by its value, the totals' leaf scores shared, the links counted
for the assessment's lines at once (PostgreSQL). Each gives exactly what the plain path gave."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from scoring import engine, selectors
from scoring.engine import params as engine_params
from scoring.engine.leaf import _score
from scoring.models import Assessment, ScoreLine

RULES = [  # equal values written differently are different rules: each keeps its own plan
    engine.LeafRule(method="yes_no", params={}, max_points=Decimal("1")),
    engine.LeafRule(method="yes_no", params={}, max_points=Decimal("1.00")),
    engine.LeafRule(method="yes_no", params={"yes_points": "0.5"}, max_points=Decimal("1")),
    engine.LeafRule(method="manual", params={"step": "0.25"}, max_points=Decimal("0.5")),
    engine.LeafRule(method="manual", params={"step": "0.25"}, max_points=Decimal("0.50")),
    engine.LeafRule(method="manual", params={"step": "0.25"}, max_points=Decimal("0.5"), floor=Decimal("-1")),
    engine.LeafRule(method="manual", params={"step": 0.25}, max_points=Decimal("0.5")),
]
VALUES = {"yes_no": [{"value": True}, {"value": False}], "manual": [{"points": "0.25"}, {"points": "0.5"}]}


def test_a_leaf_plan_is_kept_by_its_value() -> None:
    """Fails before the cache: every save compiled its leaf's rule again (about a fifth of the save's scoring)."""
    rule = engine.LeafRule(method="yes_no", params={"yes_points": "0.5"}, max_points=Decimal("1"))
    first = engine_params._compile(rule)
    again = engine.LeafRule(method="yes_no", params={"yes_points": "0.5"}, max_points=Decimal("1"))
    assert engine_params._compile(again) is first


def test_a_kept_plan_scores_as_a_fresh_one_and_is_never_served_for_another_rule() -> None:
    """Guard (behaviour that must not change): each rule, met in any order, scores and normalises as its own rule
    compiled afresh; a rule whose parameters changed in place scores by the new ones; a refused rule stays
    refused."""
    plans = set()
    for rule in [*RULES, *reversed(RULES)]:
        plan = engine_params._compile(rule)
        plans.add(id(plan))
        assert plan == engine_params._compile_rule(rule)
        for value in VALUES[rule.method]:
            assert repr(engine.score_and_normalize(rule, value)) == repr(
                _score(engine_params._compile_rule(rule), value))
    assert len(plans) == len(RULES)
    changing: dict[str, Any] = {"yes_points": "0.5"}
    rule = engine.LeafRule(method="yes_no", params=changing, max_points=Decimal("1"))
    assert engine.score_leaf(rule, {"value": True}) == Decimal("0.5")
    changing["yes_points"] = "0.75"
    assert engine.score_leaf(rule, {"value": True}) == Decimal("0.75")
    for _attempt in range(2):
        with pytest.raises(engine.ParamsError):
            engine.score_leaf(replace(rule, method="no_such_method"), {"value": True})
        with pytest.raises(engine.ParamsError):
            engine.score_leaf(replace(rule, max_points=Decimal("-1")), {"value": True})


def _totals_as_before(skeleton: Any, rows: list[tuple[Any, ...]]) -> tuple[str, Any, dict[int, int]]:
    """`totals_from_rows` as it was: a fresh leaf score per row."""
    files: dict[int, int] = {}
    scores: dict[str, engine.LeafScore] = {}
    total = scored = evidence_missing = explanation_missing = 0
    for line_id, indicator_id, score, not_applicable, explained, count in rows:
        if count:
            files[line_id] = count
        info = skeleton.leaves.get(indicator_id)
        if info is None:
            continue
        code, evidence_required, survey = info
        scores[code] = engine.LeafScore(score=score, not_applicable=not_applicable)
        if survey:
            continue
        total += 1
        scored += not_applicable or score is not None
        missing = evidence_required and not not_applicable and not files.get(line_id)
        evidence_missing += bool(missing)
        explanation_missing += bool(missing and not explained)
    computation = engine.compute_index(skeleton.rules, scores)
    return repr(computation), (total, scored, evidence_missing, explanation_missing), files


@pytest.mark.django_db
def test_the_totals_share_leaf_scores_and_give_what_fresh_ones_gave(assessment: Assessment) -> None:
    """Guard: the same computation (each figure as the engine gave it, 1 and 1.00 apart), progress and files."""
    skeleton = selectors.set_skeleton(assessment.indicator_set)
    lines = list(ScoreLine.objects.filter(assessment=assessment).order_by("id").values_list("id", "indicator_id"))
    shapes = [(Decimal("0.5"), False), (Decimal("0.50"), False), (None, False), (None, True), (Decimal("0"), False),
              (Decimal("0.5"), False), (Decimal("1.00"), False), (Decimal("1"), False)]
    for shift in range(len(shapes)):
        rows = [
            (line_id, indicator_id, *shapes[(n + shift) % len(shapes)], n % 3 == 0, n % 2)
            for n, (line_id, indicator_id) in enumerate(lines)
        ]
        found = selectors.totals_from_rows(skeleton, rows)
        progress = found.progress
        assert (repr(found.computation), (progress.total, progress.scored, progress.evidence_missing,
                                          progress.explanation_missing), found.files) == _totals_as_before(
            skeleton, rows)


@pytest.mark.django_db
def test_the_save_counts_linked_files_as_the_totals_query_does(
    assessment: Assessment, unit_editor: Any, settings: Any, tmp_path: Any
) -> None:
    """Guard, PostgreSQL: the rows the save's statement reads (the links counted for the assessment's lines at
    once) are those of `assessment_totals`' query, files included; the totals a save answers with are those
    `assessment_totals` then reads."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from evidence.services import evidence_link, evidence_upload
    from scoring import compiled
    from scoring.selectors.totals import _totals_query
    from scoring.services import score_line_save_self_with_totals
    from tests.conftest import need_service
    from tests.evidence import samples

    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings.MEDIA_ROOT = tmp_path / "media"
    lines = {line.indicator.code: line for line in ScoreLine.objects.filter(assessment=assessment)
             .select_related("indicator", "assessment__indicator_set")}
    for n, code in enumerate(("1.2.3", "1.2.3", "1.2.1")):
        stored = evidence_upload(unit=assessment.unit, cycle=assessment.cycle, actor=unit_editor,
                                 uploaded_file=SimpleUploadedFile(f"{n}.pdf", samples.pdf() + bytes([n]),
                                                                  "application/pdf"))
        evidence_link(evidence_file=stored, line=lines[code], actor=unit_editor)
    sql, params = selectors.totals_rows_sql(assessment_id=assessment.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = sorted(cursor.fetchall())
    expected = sorted(compiled.rows("assessment_totals", _totals_query, assessment.pk))
    assert rows == expected
    assert {row[0]: row[5] for row in rows if row[5]} == {lines["1.2.3"].pk: 2, lines["1.2.1"].pk: 1}
    line = ScoreLine.objects.select_related("assessment__indicator_set", "indicator").get(pk=lines["1.2.3"].pk)
    _saved, totals = score_line_save_self_with_totals(line=line, actor=unit_editor, base_version=line.version,
                                                      value={"points": "0.25"})
    again = selectors.assessment_totals(assessment=assessment)
    assert (repr(totals.computation), totals.progress, totals.files, totals.areas) == (
        repr(again.computation), again.progress, again.files, again.areas)
    assert totals.files == {lines["1.2.3"].pk: 2, lines["1.2.1"].pk: 1}
