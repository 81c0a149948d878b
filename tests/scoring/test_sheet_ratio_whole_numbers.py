"""The self-assessment sheet on a ratio leaf whose terms are counts (`whole_numbers: true`): «3,5» documents is
refused with the engine's message, in the page's language, on the input concerned, and nothing is saved; «3,0» is
3. A ratio leaf without the parameter keeps its decimals (a money amount)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, AuditEntry, ScoreLine, Unit, UnitKind
from scoring.services import assessments_open, cycle_create, indicator_set_import
from tests.conftest import self_assessment_phase, small_set_data

pytestmark = pytest.mark.django_db

NUMERATOR_NOT_WHOLE = "Tử số phải là số nguyên (số văn bản, hồ sơ…), không có phần thập phân."
DENOMINATOR_NOT_WHOLE = "Mẫu số phải là số nguyên (số văn bản, hồ sơ…), không có phần thập phân."


@pytest.fixture
def counted_assessment(catalogue: Any) -> Assessment:
    """The small set with its ratio-bands leaf 1.1.2 counting documents; its proportional 2.1.1 left as it was."""
    data = small_set_data(key="whole-numbers-set")
    leaf = data["indicators"][0]["children"][0]["children"][1]
    assert leaf["code"] == "1.1.2" and leaf["method"] == "ratio_bands"
    leaf["params"]["whole_numbers"] = True
    indicator_set = indicator_set_import(data=data, actor=None)
    kinds = UnitKind.objects.filter(code__in=["department", "vertical"])
    cycle = self_assessment_phase(
        cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={k: indicator_set for k in kinds}, actor=None)
    )
    return assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-y-te")], actor=None)[0]


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _save_url(line: ScoreLine) -> str:
    return reverse("scoring:line_save", args=[line.assessment_id, line.pk])


def _autosave(client: Client, line: ScoreLine, fields: dict[str, str]) -> Any:
    """What the page's script sends for one leaf, answered in JSON."""
    data = {"version": str(line.version), **{f"l{line.pk}-{k}": v for k, v in fields.items()}}
    return client.post(_save_url(line), data, HTTP_ACCEPT="application/json")


def _unchanged(line: ScoreLine) -> None:
    version = line.version
    line.refresh_from_db()
    assert (line.self_value, line.self_score, line.version) == (None, None, version)
    assert not AuditEntry.objects.filter(action="score_line.self", object_id=str(line.pk)).exists()


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"numerator": "3,5", "denominator": "4"}, "numerator", NUMERATOR_NOT_WHOLE),
    ({"numerator": "8,7", "denominator": "10"}, "numerator", NUMERATOR_NOT_WHOLE),
    ({"numerator": "3", "denominator": "4,5"}, "denominator", DENOMINATOR_NOT_WHOLE),
])
def test_a_fractional_count_is_refused_in_vietnamese_and_nothing_is_saved(
    client: Client, counted_assessment: Assessment, unit_editor: Any, fields: dict[str, str], field: str,
    message: str,
) -> None:
    line = _line(counted_assessment, "1.1.2")
    client.force_login(unit_editor)

    response = _autosave(client, line, fields)

    assert response.status_code == 400, response.content
    assert response.json()["message"] == message
    assert response.json()["field"] == field
    _unchanged(line)


def test_the_refusal_is_in_english_on_an_english_page(
    client: Client, counted_assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(counted_assessment, "1.1.2")
    client.force_login(unit_editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _autosave(client, line, {"numerator": "3,5", "denominator": "4"})
    assert response.status_code == 400
    assert response.json()["message"] == (
        "The numerator must be a whole number (a count of documents, dossiers…), without decimals."
    )
    _unchanged(line)


def test_a_plain_form_post_shows_the_page_with_the_message_and_the_input_as_typed(
    client: Client, counted_assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(counted_assessment, "1.1.2")
    client.force_login(unit_editor)
    response = client.post(_save_url(line), {"version": line.version, f"l{line.pk}-numerator": "3,5",
                                              f"l{line.pk}-denominator": "4"})
    assert response.status_code == 400
    body = response.content.decode()
    assert NUMERATOR_NOT_WHOLE in body
    assert f'name="l{line.pk}-numerator" value="3,5"' in body
    _unchanged(line)


def test_a_whole_number_written_with_a_zero_decimal_is_saved_as_the_number(
    client: Client, counted_assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(counted_assessment, "1.1.2")
    client.force_login(unit_editor)
    response = _autosave(client, line, {"numerator": "46,0", "denominator": "50"})  # 92 %: above 90 %
    assert response.status_code == 200, response.content
    line.refresh_from_db()
    assert (line.self_value, line.self_score) == ({"numerator": "46", "denominator": "50"}, Decimal("2.00"))


def test_a_ratio_leaf_without_the_parameter_keeps_its_decimals(
    client: Client, counted_assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(counted_assessment, "2.1.1")  # proportional from 80 %, 2 points: billions disbursed of the plan
    client.force_login(unit_editor)
    response = _autosave(client, line, {"numerator": "3,5", "denominator": "4"})  # 87,5 %
    assert response.status_code == 200, response.content
    line.refresh_from_db()
    assert (line.self_value, line.self_score) == ({"numerator": "3.5", "denominator": "4"}, Decimal("1.75"))
