"""The year-to-year comparison reads like the ranking page: one table per ranking group of the later year, the
unit's name linked to its page, the later year's index, the change in points, the later rank and the change in rank
first on a phone, the earlier year's figures behind a toggle named for its group, each table in a focusable,
labelled scroll region."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from scoring.models import IndicatorSet, Publication, UnitKind
from tests.publication.conftest import ON_TIME, finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def compared(two_set_publication: Publication, admin_user: Any) -> Publication:
    """2021 published with the same two sets: Sở Y tế 7,58 (+1,00), Sở Tư pháp 6,58 (−1,00), huyện Cái Bè and
    huyện Chợ Gạo 6,58."""
    from scoring.publication.services import cycle_publish
    from scoring.services import cycle_create

    sets = {UnitKind.objects.get(code="department"): IndicatorSet.objects.get(key="test-set"),
            UnitKind.objects.get(code="district"): IndicatorSet.objects.get(key="test-set-huyen")}
    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets=sets, actor=None)
    for code, overrides in (("so-y-te", ON_TIME), ("so-tu-phap", {}), ("h-cai-be", {}), ("h-cho-gao", {})):
        sign_off_unit(later, code, overrides)
    return cycle_publish(cycle=finalisation_phase(later), document_number="Công văn số 99/UBND",
                         document_date=datetime.date(2022, 3, 1), actor=admin_user)


def _sections(html: str) -> list[str]:
    return re.findall(r'<section [^>]*class="group-table"[^>]*>.*?</section>', html, re.S)


def test_the_comparison_has_one_table_per_ranking_group_with_linked_names(compared: Publication) -> None:
    html = Client().get("/ket-qua/2021/so-sanh/2020/").content.decode()
    sections = _sections(html)
    headings = [re.sub(r"<[^>]+>|\s+\(.*", "", re.search(r"<h2[^>]*>(.*?)</h2>", s, re.S).group(1)).strip()
                for s in sections]
    assert len(sections) == 2 and len(set(headings)) == 2, headings
    departments = next(s for s in sections if "so-y-te" in s)
    districts = next(s for s in sections if "h-cai-be" in s)
    assert "h-cai-be" not in departments and "so-y-te" not in districts
    # each unit's name links to its page of the later year
    assert '<th scope="row"><a href="/ket-qua/2021/don-vi/so-y-te/">Sở Y tế</a>' in departments
    assert '<a href="/ket-qua/2021/don-vi/h-cho-gao/">UBND huyện Chợ Gạo</a>' in districts
    # the group is the section's heading, not a column
    assert '<th scope="col">Khối</th>' not in html


def test_the_comparison_puts_the_earlier_years_figures_behind_a_toggle_named_for_its_group(
    compared: Publication,
) -> None:
    html = Client().get("/ket-qua/2021/so-sanh/2020/").content.decode()
    labels = []
    for section in _sections(html):
        table_id = re.search(r'<table [^>]*id="([^"]+)"', section).group(1)
        toggle = re.search(r'<label class="detail-toggle">(.*?)</label>', section, re.S).group(1)
        assert f'aria-controls="{table_id}"' in toggle
        labels.append(" ".join(re.sub(r"<[^>]+>", " ", toggle).split()))
        # a scroll region a keyboard reaches, named by its table's caption (the group's name is marked Vietnamese
        # there on the English page, which an aria-label could not be)
        named = re.search(r'<div class="table-scroll[^"]*" tabindex="0" role="region" aria-labelledby="([^"]+)">',
                          section)
        assert named and re.search(rf'<caption class="sr-only" id="{named.group(1)}">[^<]+ — ', section)
        head = section.split("<thead>")[1].split("</thead>")[0]
        columns = re.findall(r"<th ([^>]*)>(.*?)</th>", head, re.S)
        details = [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for attrs, text in columns if "detail-col" in attrs]
        shown = [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for attrs, text in columns
                 if "detail-col" not in attrs]
        assert details == ["Chỉ số 2020", "Hạng 2020"], details
        assert shown == ["Đơn vị", "Chỉ số 2021", "Thay đổi điểm", "Hạng 2021", "Thay đổi hạng"], shown
    assert len(set(labels)) == 2 and all("Hiện chỉ số và hạng năm 2020" in label for label in labels), labels
    # the figures, in the columns' order: 2020, 2021, change; rank 2020, rank 2021, change
    row = html[html.index('href="/ket-qua/2021/don-vi/so-y-te/"'):].split("</tr>")[0]
    cells = re.findall(r"<td [^>]*>(.*?)</td>", row, re.S)
    assert cells == ["6,58", "7,58", "+1,00", "2", "1", "↑ 1"], cells
