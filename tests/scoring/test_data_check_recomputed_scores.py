"""`manage.py data_check`, topic `scores`: a leaf's stored score (self or appraised) that differs from what the engine
gives today for its stored input is listed, naming the unit, the cycle, the criterion, both scores and the
assessment's state, with the page that mends it. Before formulas were computed exactly an exact tie could be rounded
down: 1.2.2 of the small set, (b / a) · 1,5 + (c / a) · 0,5 with a = 28, b = 2, c = 15, is 10,5 / 28 = 0,375 exactly,
which the engine before the fix (Decimal steps) scored 0,37; it now gives 0,38. Reads only."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from scoring.models import Assessment, AuditEntry, ScoreLine
from scoring.selectors.data_check import data_problems
from scoring.services import score_line_save_self

pytestmark = pytest.mark.django_db

TIE = {"counts": {"a": 28, "b": 2, "c": 15}}  # the old engine gave 0.37
OLD, NEW = Decimal("0.37"), Decimal("0.38")


def _run(*args: str) -> tuple[int, list[dict[str, Any]]]:
    out = StringIO()
    try:
        call_command("data_check", "--json", *args, stdout=out)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return code, [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def _line(assessment: Assessment, code: str = "1.2.2") -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _self_scored_with_the_old_rounding(assessment: Assessment, actor: Any) -> ScoreLine:
    """1.2.2 self-scored from the tie's counts, its score then stored as the engine gave it before the fix."""
    line = _line(assessment)
    saved = score_line_save_self(line=line, actor=actor, base_version=line.version, value=TIE)
    assert saved.self_score == NEW  # what the engine gives today
    ScoreLine.objects.filter(pk=line.pk).update(self_score=OLD)
    return _line(assessment)


def _recomputed(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for p in problems if p["topic"] == "scores" and "tính lại từ số liệu" in p["message"]]


def test_a_self_score_stored_a_cent_low_is_listed_with_unit_cycle_criterion_scores_and_state(
    assessment: Assessment, unit_editor: Any
) -> None:
    # given: a draft whose 1.2.2 was stored with the old rounding
    line = _self_scored_with_the_old_rounding(assessment, unit_editor)
    # when
    code, problems = _run("--only", "scores")
    # then
    assert code == 1
    (problem,) = _recomputed(problems)
    assert problem["record"] == f"2020 · {assessment.unit.name} · 1.2.2"
    assert "Điểm tự chấm đã lưu là 0.37" in problem["message"] and "là 0.38" in problem["message"]
    assert "«Đang tự đánh giá»" in problem["message"] and "bấm «Lưu»" in problem["message"]
    assert problem["where"] == reverse("scoring:assessment", args=[assessment.pk]) + f"#line-{line.pk}"


def test_an_appraised_score_of_a_signed_off_assessment_is_listed_with_what_mends_it(
    assessment: Assessment, unit_editor: Any
) -> None:
    # given: appraised from the same counts, stored with the old rounding, then signed off
    line = _line(assessment)
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=TIE)
    ScoreLine.objects.filter(pk=line.pk).update(appraised_value=TIE, appraised_score=OLD)
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.SIGNED_OFF)
    # when
    problems = [p for p in data_problems(topics=("scores",)) if "tính lại từ số liệu" in p.message]
    # then: the appraised score only (the self-score is right), named with its state
    (problem,) = problems
    assert "Điểm thẩm định đã lưu là 0.37" in problem.message and "là 0.38" in problem.message
    assert "«Đã thông qua»" in problem.message and "mở lại thẩm định" in problem.message
    assert problem.where == reverse("appraisal:review", args=[assessment.pk]) + f"#line-{line.pk}"


def test_both_scores_of_a_line_are_listed_each_with_its_own_mend(assessment: Assessment, unit_editor: Any) -> None:
    line = _self_scored_with_the_old_rounding(assessment, unit_editor)
    ScoreLine.objects.filter(pk=line.pk).update(appraised_value=TIE, appraised_score=OLD)
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.IN_APPRAISAL)
    problems = [p for p in data_problems(topics=("scores",)) if "tính lại từ số liệu" in p.message]
    assert [p.message.split(" đã lưu")[0] for p in problems] == ["Điểm tự chấm", "Điểm thẩm định"]
    assert "«Đang thẩm định»" in problems[0].message and "không còn sửa được" in problems[0].message
    assert "thẩm định lại tiêu chí này" in problems[1].message
    assert {p.where for p in problems} == {reverse("appraisal:review", args=[assessment.pk]) + f"#line-{line.pk}"}


def test_scores_the_engine_gives_today_and_kps_leaves_are_not_listed(assessment: Assessment, unit_editor: Any) -> None:
    # given: 1.2.2 scored from the tie as the engine does today, 1.2.3 scored, 2.1.1 declared nothing
    for code, value in (("1.2.2", TIE), ("1.2.3", {"points": "0.5"}), ("2.1.1", {"numerator": 85, "denominator": 100})):
        line = _line(assessment, code)
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    # and an appraised score written without an input (as the survey's older rows), not comparable
    ScoreLine.objects.filter(pk=_line(assessment, "1.1.1").pk).update(appraised_score=Decimal("1"))
    # when
    code, problems = _run("--only", "scores")
    # then
    assert (code, problems) == (0, [])


def test_the_check_reads_only(assessment: Assessment, unit_editor: Any) -> None:
    line = _self_scored_with_the_old_rounding(assessment, unit_editor)
    entries = AuditEntry.objects.count()
    _run("--only", "scores")
    _run()
    stored = _line(assessment)
    assert (stored.self_score, stored.version) == (OLD, line.version)
    assert AuditEntry.objects.count() == entries


def test_the_plain_output_names_the_topic_and_the_page(assessment: Assessment, unit_editor: Any) -> None:
    _self_scored_with_the_old_rounding(assessment, unit_editor)
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("data_check", "--only", "scores", stdout=out)
    assert raised.value.returncode == 1
    text = out.getvalue()
    assert text.startswith(f"[scores] 2020 · {assessment.unit.name} · 1.2.2: Điểm tự chấm đã lưu là 0.37")
    assert f"→ {reverse('scoring:assessment', args=[assessment.pk])}#line-" in text
