"""A unit published marked «Không gửi báo cáo tự đánh giá» in one of two years keeps the mark on the year-over-year
comparison and in its history, and its change from or to that year is not given as a change of points or places:
that year's index is the appraisal of what the unit left at its deadline (often a 0 for what it never scored), so
«0,00 → 89,21, +89,21, ↑5» would read as a unit that improved by 89 points."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from scoring.models import Assessment, Cycle, Publication, UnitKind
from scoring.publication.selectors import rank_history, year_over_year
from scoring.publication.services import cycle_publish
from scoring.services import cycle_create, indicator_set_import
from tests.conftest import small_set_data
from tests.publication.conftest import DOC_DATE, finalisation_phase, sign_off_unit
from tests.publication.test_not_submitted_marked import MARK, hand_over_recorded

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_years(signed_cycle: Cycle, admin_user: Any) -> tuple[Publication, Publication]:
    """2020 with Sở Xây dựng handed over (never submitted); 2021 with every unit submitting."""
    hand_over_recorded(Assessment.objects.get(cycle=signed_cycle, unit__code="so-xay-dung"), admin_user)
    earlier = cycle_publish(cycle=signed_cycle, document_number="Công văn số 1/UBND", document_date=DOC_DATE,
                            actor=admin_user)
    same = indicator_set_import(data=small_set_data(key="test-set-2021", year=2021), actor=None)
    kinds = UnitKind.objects.filter(code__in=["department"])
    cycle = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={k: same for k in kinds}, actor=None)
    for code in ("so-y-te", "so-tu-phap", "so-xay-dung"):
        sign_off_unit(cycle, code, {})
    later = cycle_publish(cycle=finalisation_phase(cycle), document_number="Công văn số 99/UBND",
                          document_date=datetime.date(2022, 3, 1), actor=admin_user)
    return earlier, later


def _row(html: str, code: str) -> str:
    return html[html.index(f'<th scope="row"><a href="/ket-qua/2021/don-vi/{code}/">'):].split("</tr>")[0]


def test_the_comparison_carries_the_mark_and_gives_no_change_for_a_year_not_submitted(
    two_years: tuple[Publication, Publication],
) -> None:
    earlier, later = two_years
    changes = {c.unit_code: c for c in year_over_year(earlier=earlier, later=later)}
    built = changes["so-xay-dung"]
    assert built.earlier_not_submitted and not built.later_not_submitted
    assert built.index_change is None and built.rank_change is None
    assert (built.earlier_index, built.later_index) == (Decimal("5.58"), Decimal("6.58"))  # both still given
    assert not changes["so-y-te"].not_submitted and changes["so-y-te"].index_change == 0

    html = Client().get("/ket-qua/2021/so-sanh/2020/").content.decode()
    row = _row(html, "so-xay-dung")
    assert f'<span class="tag" data-not-submitted="2020">{MARK} năm 2020</span>' in row
    assert "5,58" in row and "6,58" in row
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert "+1,00" not in cells and cells.count("—") == 2  # no change of points, none of places
    assert "data-change-withheld" in row
    assert "data-not-submitted-legend" in html and "không so sánh được" in html
    assert "data-not-submitted" not in _row(html, "so-y-te")


def test_the_comparison_without_a_unit_not_submitted_has_no_mark(
    two_years: tuple[Publication, Publication],
) -> None:
    html = Client().get("/ket-qua/2021/so-sanh/2020/").content.decode()
    assert html.count("data-not-submitted=") == 1


def test_the_units_history_marks_the_year_it_did_not_submit(two_years: tuple[Publication, Publication]) -> None:
    earlier, _later = two_years
    row = next(r for r in earlier.snapshot["rows"] if r["unit_code"] == "so-xay-dung")
    history = {h.year: h for h in rank_history(unit_id=row["unit_id"])}
    assert history[2020].not_submitted and not history[2021].not_submitted

    page = Client().get("/ket-qua/2021/don-vi/so-xay-dung/").content.decode()
    table = page[page.index('id="hist-title"'):page.index('id="detail-title"')]
    years = {m.group(1): m.group(0) for m in re.finditer(r'<tr><th scope="row"><a [^>]*>(\d{4})</a>.*?</tr>', table)}
    assert MARK in years["2020"] and "data-not-submitted" in years["2020"]
    assert "data-not-submitted" not in years["2021"]
    assert "data-not-submitted-legend" in table
    other = Client().get("/ket-qua/2021/don-vi/so-y-te/").content.decode()
    assert "data-not-submitted" not in other
