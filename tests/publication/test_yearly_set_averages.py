"""The PDF report's average index over the years is taken per indicator set (departments and districts apart, each
line named by its set), never over every unit of every set together: the sets weigh areas differently and their
indexes are not one measure."""

from __future__ import annotations

import copy
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from scoring.models import Cycle, Publication
from scoring.publication import exports, selectors
from tests.publication.conftest import DISTRICT_SET_NAME

pytestmark = pytest.mark.django_db

DEPARTMENTS_2021 = "Bộ chỉ số thử nghiệm năm 2021"
DISTRICTS_2021 = "Bộ chỉ số cấp huyện năm 2021"
TREND_TITLE = "<h2>Chỉ số bình quân qua các năm</h2>"


@pytest.fixture
def two_years(two_set_publication: Publication) -> Publication:
    """2020 (`two_set_publication`) and 2021, each with departments and districts on their own sets (2021's cloned
    from 2020's under new keys and names); the departments' indexes one point higher in 2021."""
    from scoring.services import indicator_set_import
    from tests.conftest import small_set_data

    renamed = {"test-set": ("test-set-2021", DEPARTMENTS_2021, "department"),
               "test-set-huyen": ("test-set-huyen-2021", DISTRICTS_2021, "district")}
    for new_key, name, kind in renamed.values():
        indicator_set_import(data=small_set_data(key=new_key, unit_kind=kind, name=name, year=2021), actor=None)
    snapshot = copy.deepcopy(two_set_publication.snapshot)
    snapshot["sets"] = {renamed[k][0]: {**s, "key": renamed[k][0], "name": renamed[k][1], "year": 2021}
                        for k, s in snapshot["sets"].items()}
    for row in snapshot["rows"]:
        if row["set_key"] == "test-set":
            row["index"] = str(Decimal(row["index"]) + 1)
        row["set_key"] = renamed[row["set_key"]][0]
    cycle = Cycle.objects.create(year=2021, name="Chỉ số CCHC năm 2021", phase=Cycle.Phase.PUBLISHED)
    snapshot["cycle"] = {"id": cycle.pk, "year": 2021, "name": cycle.name}
    return Publication.objects.create(
        cycle=cycle, revision=1, document_number="Công văn số 99/UBND", document_date=datetime.date(2022, 3, 1),
        snapshot=snapshot, scores=two_set_publication.scores, published_at=timezone.now(),
    )


def _indexes(publication: Publication, set_key: str) -> list[Decimal]:
    return [Decimal(r["index"]) for r in publication.snapshot["rows"] if r["set_key"] == set_key]


def test_the_premise_the_two_sets_averages_differ(two_set_publication: Publication) -> None:
    departments, districts = _indexes(two_set_publication, "test-set"), _indexes(two_set_publication, "test-set-huyen")
    assert sum(departments) / len(departments) == Decimal("7.08")  # Sở Y tế 6.58, Sở Tư pháp 7.58
    assert sum(districts) / len(districts) == Decimal("6.08")  # Cái Bè 5.58, Chợ Gạo 6.58
    # the mean across both sets, which measures nothing: 6.58
    assert sum(departments + districts) / 4 == Decimal("6.58")


def test_each_set_has_its_own_yearly_average_followed_across_years(two_years: Publication) -> None:
    series = selectors.yearly_set_averages(up_to=2021)
    assert [(s.label, [(p.year, p.average, p.units) for p in s.points]) for s in series] == [
        (DEPARTMENTS_2021, [(2020, Decimal("7.08"), 2), (2021, Decimal("8.08"), 2)]),
        (DISTRICTS_2021, [(2020, Decimal("6.08"), 2), (2021, Decimal("6.08"), 2)]),
    ]
    # each year's point names the set of that year
    assert [p.set_name for p in series[1].points] == [DISTRICT_SET_NAME, DISTRICTS_2021]


def test_the_average_is_rounded_half_up_at_the_end(two_years: Publication) -> None:
    snapshot = copy.deepcopy(two_years.snapshot)
    # the departments of 2021: 8.56 and 8.57 → 8.565, half up 8.57 (banker's rounding gives 8.56)
    rows = [r for r in snapshot["rows"] if r["set_key"] == "test-set-2021"]
    rows[0]["index"], rows[1]["index"] = "8.56", "8.57"
    Publication.objects.filter(pk=two_years.pk).update(snapshot=snapshot)
    (departments, _districts) = selectors.yearly_set_averages(up_to=2021)
    assert departments.points[-1].average == Decimal("8.57")
    assert str(departments.points[-1].average) == "8.57"


def test_only_years_up_to_the_publication_count(two_years: Publication) -> None:
    assert [[p.year for p in s.points] for s in selectors.yearly_set_averages(up_to=2020)] == [[2020], [2020]]


def test_the_pdf_draws_one_trend_per_set_never_the_mean_across_sets(two_years: Publication) -> None:
    context = exports.report_context(two_years)
    assert [t["series"].label for t in context["trends"]] == [DEPARTMENTS_2021, DISTRICTS_2021]
    departments, districts = (t["chart"] for t in context["trends"])
    assert ">7,08<" in departments and ">8,08<" in departments and DEPARTMENTS_2021 in departments
    assert departments.count(">6,08<") == 0 and districts.count(">6,08<") == 2
    html = exports.report_html(two_years)
    trend = html[html.index(TREND_TITLE):]
    assert ">6,58<" not in trend and ">7,08<" in trend  # 6,58: the mean across both sets of 2020
    # each line named by its set, each year's figure in a table with the set, the number of units and the average
    assert f"<h3>{DEPARTMENTS_2021}</h3>" in trend and f"<h3>{DISTRICTS_2021}</h3>" in trend
    assert (f'<th scope="row">2020</th><td>{DISTRICT_SET_NAME} (phiên bản 1)</td><td class="num">2</td>'
            '<td class="num">6,08</td>') in trend


def test_a_single_year_draws_no_trend(two_set_publication: Publication) -> None:
    assert exports.report_context(two_set_publication)["trends"] == []
    assert TREND_TITLE not in exports.report_html(two_set_publication)


def test_the_pdf_format_is_raised_so_a_pdf_built_with_the_mean_across_sets_is_built_again() -> None:
    assert exports.FILE_FORMAT >= 4
