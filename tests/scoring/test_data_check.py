"""`manage.py data_check`: stored data held to today's rules, after an upgrade (reads only; exit code 1)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from scoring.models import Assessment, IndexResult, ScoreLine, Unit, UnitSuccession
from scoring.services.results import index_result_recompute
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[int, list[dict[str, Any]]]:
    out = StringIO()
    try:
        call_command("data_check", "--json", *args, stdout=out)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    return code, [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def _signed_off(assessment: Assessment) -> IndexResult:
    for line in ScoreLine.objects.filter(assessment=assessment).select_related("indicator"):
        line.appraised_score = SMALL_SET_VALUES[line.indicator.code][1]
        line.save(update_fields=["appraised_score"])
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.SIGNED_OFF)
    result = index_result_recompute(assessment_id=assessment.pk)
    assert result is not None
    return result


def test_clean_data_passes_with_every_topic_checked(assessment: Assessment) -> None:
    # given: a set in use, a cycle, a signed-off assessment whose result the worker wrote
    _signed_off(assessment)
    out = StringIO()
    # when
    call_command("data_check", stdout=out)
    # then
    assert "OK" in out.getvalue()
    assert "results" in out.getvalue()


def test_a_stored_result_that_differs_from_the_engine_is_listed(assessment: Assessment) -> None:
    result = _signed_off(assessment)
    IndexResult.objects.filter(pk=result.pk).update(index=result.index + Decimal("0.01"))

    code, problems = _run("--only", "results")

    assert code == 1
    assert [p["topic"] for p in problems] == ["results"]
    assert "index" in problems[0]["message"]
    assert problems[0]["where"] == f"/tham-dinh/{assessment.pk}/ket-qua/"


def test_a_result_waiting_for_its_recompute_is_not_a_problem(assessment: Assessment) -> None:
    result = _signed_off(assessment)
    IndexResult.objects.filter(pk=result.pk).update(stale=True, index=Decimal("1"))

    assert _run("--only", "results") == (0, [])


def test_deadlines_stored_before_the_rules_are_listed(assessment: Assessment) -> None:
    tz = timezone.get_current_timezone()
    type(assessment.cycle).objects.filter(pk=assessment.cycle_id).update(
        self_assessment_deadline=dt.datetime(2019, 6, 1, tzinfo=tz))
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=dt.datetime(9999, 1, 1, tzinfo=tz))

    code, problems = _run("--only", "cycles")

    assert code == 1
    records = [p["record"] for p in problems]
    assert records == ["2020", f"2020 · {assessment.unit.name}"]
    assert "01/01/2020" in problems[0]["message"]
    assert "01/01/9999" in problems[1]["message"]


def test_units_that_today_s_rules_would_refuse_are_listed(assessment: Assessment) -> None:
    health = assessment.unit
    other = Unit.objects.exclude(pk=health.pk).filter(active=True, parent__isnull=True).first()
    assert other is not None
    # a merged unit active again; a unit still self-assessing stopped (both were possible before the checks)
    UnitSuccession.objects.create(predecessor=other, successor=health, reason="Sáp nhập")
    Unit.objects.filter(pk=health.pk).update(active=False)

    code, problems = _run("--only", "units")

    assert code == 1
    messages = " ".join(p["message"] for p in problems)
    assert f"«{other.name}» đã sáp nhập" in messages
    assert f"«{health.name}» đã ngừng hoạt động nhưng bản đánh giá năm 2020" in messages


def test_names_with_hidden_characters_or_that_look_empty_are_listed(assessment: Assessment) -> None:
    Unit.objects.filter(pk=assessment.unit_id).update(name="Sở Y\u202e tế")
    other = Unit.objects.exclude(pk=assessment.unit_id).first()
    assert other is not None
    Unit.objects.filter(pk=other.pk).update(name="\u200b\u200b")

    code, problems = _run("--only", "names")

    assert code == 1
    by_record = {p["record"]: p for p in problems}
    assert "vị trí 5" in by_record[f"đơn vị #{assessment.unit_id}"]["message"]
    assert "trông như để trống" in by_record[f"đơn vị #{other.pk}"]["message"]
    assert by_record[f"đơn vị #{other.pk}"]["where"] == f"/quan-ly/don-vi/{other.pk}/"


def test_set_and_criterion_names_with_hidden_characters_and_names_on_two_lines_are_listed(
    assessment: Assessment,
) -> None:
    from scoring.models import Indicator, IndicatorSet

    IndicatorSet.objects.filter(pk=assessment.indicator_set_id).update(name="Bộ\u200b2020")
    leaf = Indicator.objects.filter(indicator_set_id=assessment.indicator_set_id).order_by("pk").first()
    assert leaf is not None
    Indicator.objects.filter(pk=leaf.pk).update(name="Xử lý\ttồn tại")
    Unit.objects.filter(pk=assessment.unit_id).update(name="Sở KH\nCN")

    code, problems = _run("--only", "names")

    assert code == 1
    messages = " ".join(p["message"] for p in problems)
    records = {p["record"] for p in problems}
    assert f"bộ chỉ số #{assessment.indicator_set_id}" in records
    assert f"đơn vị #{assessment.unit_id}" in records and any(r.endswith(f"#{leaf.pk}") for r in records)
    assert "ký tự ẩn ở vị trí 3" in messages and "xuống dòng hoặc có ký tự tab ở vị trí" in messages


def test_a_set_in_use_with_bands_today_s_rules_refuse_is_listed(assessment: Assessment) -> None:
    indicator_set = assessment.indicator_set
    type(indicator_set).objects.filter(pk=indicator_set.pk).update(
        classification_bands=[{"min": "0", "label": "Yếu"}, {"min": "9", "label": "Tốt"}])

    code, problems = _run("--only", "sets")

    assert code == 1
    assert any("từ ngưỡng cao xuống ngưỡng thấp" in p["message"] for p in problems)
    assert problems[0]["where"] == f"/quan-ly/bo-chi-so/{indicator_set.pk}/kiem-tra/"


def test_a_stored_input_with_more_decimals_than_one_may_type_is_listed(assessment: Assessment) -> None:
    lines = ScoreLine.objects.filter(assessment=assessment).select_related("indicator")
    ratio = lines.get(indicator__code="1.1.2")
    ScoreLine.objects.filter(pk=ratio.pk).update(self_value={"numerator": "8.123456789012", "denominator": 10})
    typed = lines.get(indicator__code="2.1.1")  # six decimals, as a person may type: no problem
    ScoreLine.objects.filter(pk=typed.pk).update(self_value={"numerator": "85.123456", "denominator": 100})

    code, problems = _run("--only", "scores")

    assert code == 1
    assert [(p["topic"], p["record"].rsplit(" · ", 1)[-1]) for p in problems] == [("scores", "1.1.2")]
    assert problems[0]["where"].endswith(f"#line-{ratio.pk}")
    # once signed off, nothing is appraised again: not listed
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.SIGNED_OFF)
    assert _run("--only", "scores") == (0, [])
