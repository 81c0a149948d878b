"""The public results read on a phone and on paper: the tables keep their header row and first column in view
when they scroll sideways (and say they scroll), the print stylesheet puts every column of a ranking on the page
with the areas' names (a closed <details> prints closed, so the legend has a print-only copy); a unit of a large
tie reads how many units share its rank and why the tied group sits below the rank before it; the «Bình quân khối»
says which units it averages, those at 0 included; the results page offers one Excel workbook."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from scoring.models import Publication, Unit
from scoring.publication import selectors, views

pytestmark = pytest.mark.django_db

AREA_NAMES = {
    "3": "Cải cách thủ tục hành chính",
    "4": "Cải cách tổ chức bộ máy hành chính nhà nước",
    "5": "Xây dựng và nâng cao chất lượng đội ngũ cán bộ, công chức, viên chức",
    "6": "Cải cách tài chính công",
    "7": "Xây dựng và phát triển Chính phủ điện tử, Chính phủ số",
}


def big_tie(publication: Publication) -> Publication:
    """The publication as Tiền Giang's departments could have it: seven areas, 19 units in one group, ranks 1–5
    then 14 units tied at rank 6 (7,00). Written with an update (the row is immutable to the model)."""
    snap = copy.deepcopy(publication.snapshot)
    (indicator_set,) = snap["sets"].values()
    for n, (code, name) in enumerate(AREA_NAMES.items()):
        indicator_set["indicators"].append({"id": 9000 + n, "origins": [], "code": code, "parent": None, "name": name,
                                            "level": 1, "kind": "normal", "max_points": "1.00", "is_leaf": False})
    template = snap["rows"][0]
    units = list(Unit.objects.filter(kind__code="department").order_by("code")[:19])
    assert len(units) == 19
    rows = []
    for n, unit in enumerate(units):
        index = Decimal("9.50") - Decimal("0.5") * n if n < 5 else Decimal("7.00")
        row = dict(template, unit_id=unit.pk, unit_code=unit.code, unit_name=unit.name, unit_short_name="",
                   rank=n + 1 if n < 5 else 6, index=str(index), total=str(index), classification="Trung bình",
                   area_totals={str(a): "0.50" for a in range(1, 8)}, bonus="0.25", penalty="0.50")
        rows.append(row)
    snap["rows"] = rows
    Publication.objects.filter(pk=publication.pk).update(snapshot=selectors.in_published_order(snap))
    publication.refresh_from_db()
    return publication


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _why(html: str) -> str:
    return _text(html.split('aria-labelledby="why"')[1].split("</section>")[0])


def _english() -> Client:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


# --- 3. a large tie -----------------------------------------------------------------------------------------


def _third_of_the_tie(publication: Publication) -> dict[str, Any]:
    rows = selectors.group_rows(snapshot=publication.snapshot, group_code="so-ban-nganh")
    tied = [r for r in rows if r["rank"] == 6]
    assert len(tied) == 14
    return tied[2]


def test_a_unit_of_fourteen_tied_units_says_fourteen_and_why_the_group_sits_below_rank_five(
    publication: Publication,
) -> None:
    publication = big_tie(publication)
    row = _third_of_the_tie(publication)
    fifth = selectors.group_rows(snapshot=publication.snapshot, group_code="so-ban-nganh")[4]
    why = selectors.rank_explanation(snapshot=publication.snapshot, scores=publication.scores, row=row)
    assert why.tied and why.tied_count == 14 and why.tied_more == 8
    assert why.group_above is not None and why.group_above["unit_code"] == fifth["unit_code"]
    assert why.group_gap == Decimal("0.50")
    said = _why(Client().get(f"/ket-qua/2020/don-vi/{row['unit_code']}/").content.decode())
    assert "Hai đơn vị" not in said
    assert "14 đơn vị cùng hạng 6;" in said
    assert "và 8 đơn vị khác" in said
    assert f"Cả 14 đơn vị đồng hạng xếp sau {fifth['unit_name']} (hạng 5), đơn vị có chỉ số cao hơn 0,50 điểm." in said


def test_the_english_page_of_a_large_tie_counts_the_units_in_the_plural(publication: Publication) -> None:
    publication = big_tie(publication)
    row = _third_of_the_tie(publication)
    said = _why(_english().get(f"/ket-qua/2020/don-vi/{row['unit_code']}/").content.decode())
    assert "The two units" not in said
    assert "14 units share rank 6;" in said
    assert "and 8 other units" in said
    assert "All 14 tied units are ranked below" in said


def test_two_tied_units_read_two(publication: Publication) -> None:
    said = _why(Client().get("/ket-qua/2020/don-vi/so-tu-phap/").content.decode())
    assert "2 đơn vị cùng hạng 1;" in said
    # the pair leads the group: no unit above it to explain
    assert "xếp sau" not in said


# --- 5. the group average ------------------------------------------------------------------------------------


def test_the_group_average_says_how_many_units_it_takes_and_that_those_at_zero_count(
    publication: Publication,
) -> None:
    snap = copy.deepcopy(publication.snapshot)
    for row in snap["rows"]:
        if row["unit_code"] == "so-xay-dung":
            row.update(index="0.00", total="0.00", area_totals={"1": "0.00", "2": "0.00"}, not_submitted=True)
    Publication.objects.filter(pk=publication.pk).update(snapshot=snap)
    html = Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    scope = _text(re.search(r"<p class=\"meta\" data-average-scope>(.*?)</p>", html, re.S).group(1))
    assert scope == ("Bình quân khối: bình quân của 4 đơn vị cùng khối đánh giá theo «Bộ chỉ số thử nghiệm». "
                     "Trong đó 1 đơn vị có chỉ số 0, được tính vào bình quân.")
    english = _english().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    scope = _text(re.search(r"<p class=\"meta\" data-average-scope>(.*?)</p>", english, re.S).group(1))
    assert "4 units" in scope and "1 unit has an index of 0" in scope, scope


def test_without_a_unit_at_zero_the_group_average_names_only_its_units(publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    scope = _text(re.search(r"<p class=\"meta\" data-average-scope>(.*?)</p>", html, re.S).group(1))
    assert scope == "Bình quân khối: bình quân của 4 đơn vị cùng khối đánh giá theo «Bộ chỉ số thử nghiệm»."


# --- 4. one Excel link -----------------------------------------------------------------------------------------


def _downloads(html: str) -> str:
    return html.split('aria-labelledby="dl-title"')[1].split("</section>")[0]


def test_the_results_page_offers_one_excel_workbook_downloaded_at_once_when_small(publication: Publication) -> None:
    box = _downloads(Client().get("/ket-qua/2020/").content.decode())
    assert box.count("Excel") == 1
    assert 'href="/ket-qua/2020/ket-qua.xlsx?lan=1"' in box
    assert "/tao-tep/xlsx/" not in box


def test_a_large_publications_excel_link_builds_it_in_the_background_and_says_so(
    publication: Publication, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views, "LARGE_WORKBOOK_UNITS", 3)  # four units: «large»
    box = _downloads(Client().get("/ket-qua/2020/").content.decode())
    assert box.count("Excel") == 1
    assert 'action="/ket-qua/2020/tao-tep/xlsx/?lan=1"' in box
    assert "ket-qua.xlsx" not in box
    assert "tệp lớn: được tạo nền, trang báo khi tệp sẵn sàng" in _text(box)
    # on the English page the button's own name says the file is in Vietnamese, as the small one's link does
    english = Client()
    english.post("/i18n/setlang/", {"language": "en", "next": "/"})
    button = _downloads(english.get("/ket-qua/2020/").content.decode()).split("data-xlsx>")[1].split("</button>")[0]
    assert "(in Vietnamese)" in _text(button)


# --- 1 and 2. print and phone -------------------------------------------------------------------------------------


def test_the_ranking_page_prints_the_areas_names_and_hides_its_controls(publication: Publication) -> None:
    publication = big_tie(publication)
    html = Client().get("/ket-qua/2020/").content.decode()
    # the legend: closed on screen (not printed), its print-only copy with every area's name
    assert re.search(r'<details class="card no-print" data-areas-legend>', html)
    printed = re.search(r'<section class="print-only areas-print" data-areas-print>(.*?)</section>', html, re.S)
    assert printed, "no print-only copy of the areas' legend"
    for code, name in AREA_NAMES.items():
        assert f"Lĩnh vực {code} {name}" in _text(printed.group(1))
    # the search, the downloads and the links away are not printed; what the print has is said
    assert re.search(r'<form method="get" class="filters card no-print"', html)
    assert 'class="card downloads no-print"' in html
    assert "Bản in của trang luôn có đủ các cột của bảng xếp hạng" in html
    # every ranking table scrolls in a box that keeps its header row and first columns
    assert html.count('class="table-scroll sticky-cols"') == html.count('<table class="grid ranking"') == 1


def test_the_unit_pages_tables_keep_their_header_and_first_column(publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    boxes = re.findall(r'<div class="table-scroll[^"]*"', html)
    assert len(boxes) == 4 and all("sticky-cols" in b for b in boxes), boxes


def test_the_stylesheet_prints_every_column_and_keeps_headers_in_view() -> None:
    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/publication.css")).read_text(encoding="utf-8")
    screen, _at, printed = css.partition("@media print {")
    assert "@page ranking { size:A4 landscape;" in css
    assert ".sticky-cols > table.grid thead th { position:sticky; top:0;" in screen
    assert ".sticky-cols > table.grid tr > :first-child { position:sticky; left:0;" in screen
    assert ".sticky-cols > table.ranking:not(.changes) tr > :nth-child(2) { position:sticky;" in screen
    assert ".group-table .ranking .detail-col { display:table-cell !important; }" in printed
    assert ".table-scroll, .sticky-cols { overflow:visible !important;" in printed
    assert ".detail-toggle, .filters, .downloads" in printed
