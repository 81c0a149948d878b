"""The published files a reader prints and forwards: a correction's PDF and workbook mark the changed units with their
earlier figures; the workbook is set up for print and reading (print titles, orientation, frozen headers, widths,
whole-word sheet names, each set's maxima); the PDF's charts are titled and kept with their headings, area names
whole; the index's minus sign; the unit page's history heading; the ranking chart as wide as its column; a published
cycle's appraisal deadline no longer counted down."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appraisal import selectors as appraisal_selectors
from scoring.models import Cycle, Publication
from scoring.publication import charts, exports, selectors
from tests.publication.test_corrections_said_and_charts_scaled import REASON, _correct_one_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def corrected(publication: Publication, admin_user: Any) -> tuple[Publication, Publication]:
    first = selectors.publication_get(year=2020)
    return first, _correct_one_unit(publication, admin_user)


def _row(snapshot: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in snapshot["rows"] if r["unit_code"] == code)


def _book(publication: Publication) -> Any:
    out = io.BytesIO()
    exports.official_workbook(publication, out)
    return load_workbook(io.BytesIO(out.getvalue()))


def _earlier(first: Publication, code: str) -> str:
    old = _row(first.snapshot, code)
    index = f"{Decimal(old['index']):.2f}".replace(".", ",")
    return f"trước là {index} điểm, hạng {old['rank']}, xếp loại {old['classification']}"


# --- 3. a correction's files mark its changed units ----------------------------------------------------------


def test_the_corrections_workbook_notes_the_earlier_figures_of_each_changed_unit_and_lists_them(
    corrected: tuple[Publication, Publication],
) -> None:
    first, second = corrected
    book = _book(second)
    ranking = list(book.worksheets[0].iter_rows(values_only=True))
    notes = {r[1]: r[5] for r in ranking if len(r) > 5 and isinstance(r[0], int)}
    assert notes["Sở Tư pháp"] == f"Đính chính ở lần công bố 2: {_earlier(first, 'so-tu-phap')}"
    changed = {c.unit_name for c in selectors.revision_diff(published=first.snapshot, preview=second.snapshot).changes}
    assert {name for name, note in notes.items() if note} == changed
    # a sheet of the changes: before, after, reason
    assert "Các đơn vị được đính chính" in book.sheetnames
    sheet = list(book["Các đơn vị được đính chính"].iter_rows(values_only=True))
    header = next(n for n, r in enumerate(sheet) if r[0] == "Đơn vị")
    assert sheet[header][3:6] == ("Chỉ số trước", "Hạng trước", "Xếp loại trước")
    rows = {r[0]: r for r in sheet[header + 1:]}
    assert set(rows) == changed
    old, new = _row(first.snapshot, "so-tu-phap"), _row(second.snapshot, "so-tu-phap")
    tu_phap = rows["Sở Tư pháp"]
    assert (tu_phap[2], Decimal(str(tu_phap[3])), tu_phap[4]) == (2, Decimal(old["index"]), old["rank"])
    assert (Decimal(str(tu_phap[6])), tu_phap[7], tu_phap[9]) == (Decimal(new["index"]), new["rank"], REASON)


def test_a_first_revisions_workbook_and_report_mark_nothing(publication: Publication) -> None:
    book = _book(publication)
    assert "Các đơn vị được đính chính" not in book.sheetnames
    assert not [r for r in book.worksheets[0].iter_rows(values_only=True) if r and "Đính chính" in str(r[-1])]
    html = exports.report_html(publication)
    assert "data-corrections" not in html and "data-corrected" not in html


def test_the_corrections_report_marks_the_changed_rows_and_has_a_table_of_the_changes(
    corrected: tuple[Publication, Publication],
) -> None:
    first, second = corrected
    html = exports.report_html(second)
    changed = {c.unit_name for c in selectors.revision_diff(published=first.snapshot, preview=second.snapshot).changes}
    ranking = html.split("</div>", 1)[1]  # past the title page
    marked = set(re.findall(r'<th scope="row">([^<]+)<small class="corrected-note" data-corrected>', ranking))
    assert marked == changed
    assert f"Đính chính ở lần công bố 2: {_earlier(first, 'so-tu-phap')}" in html
    table = html.split("<section data-corrections>")[1].split("</section>")[0]
    assert "Các đơn vị được đính chính" in table and REASON in table
    assert len(re.findall(r'<tr data-corrected="2">', table)) == len(changed)


# --- 5. the PDF's charts: titled, kept with their heading and note, area names whole --------------------------


def test_every_chart_of_the_report_has_a_title_and_is_kept_with_it(two_set_publication: Publication) -> None:
    html = exports.report_html(two_set_publication)
    body = html.split("</style>", 1)[1]
    blocks = re.findall(r'<div class="chart-block"[^>]*>(.*?)</svg>', body, re.S)
    assert len(blocks) == body.count("<svg")  # every chart sits in a block of its own
    for block in blocks:
        heading = re.search(r"<h([23])>([^<]+)</h\1>", block)
        assert heading and heading.group(2).strip() and block.index(heading.group(0)) < block.index("<svg")
    assert "Biểu đồ xếp hạng theo chỉ số — " in body
    # the area heading opens its chart's block, the average's note inside it: never left at a page's foot
    area = re.search(r'<div class="chart-block" data-chart="areas">(.*?)</svg>', body, re.S)
    assert area and "<h2>Điểm theo lĩnh vực — " in area.group(1) and "data-average-caption" in area.group(1)
    css = html.split("</style>")[0]
    assert re.search(r"\.chart-block \{[^}]*break-inside: avoid", css)
    assert re.search(r"h2, h3 \{[^}]*break-after: avoid", css)


def test_an_area_name_wraps_in_the_chart_never_cut_off() -> None:
    name = "2. Xây dựng và tổ chức thực hiện văn bản quy phạm pháp luật tại cơ quan, đơn vị"
    for width in (charts.WIDTH, charts.PRINT_WIDTH):
        svg = charts.area_comparison([(name, Decimal(10), Decimal(7), Decimal(8))], title="Lĩnh vực",
                                     first="Khối", second="Chung", width=width)
        assert "…" not in svg
        areas = svg.split('fill="#a04a00"/>', 1)[1]  # after the note and the legend
        shown = (" ".join(re.findall(r">([^<>]+)</tspan>", areas))
                 or re.findall(r'fill="[^"]+">([^<]+)</text>', areas)[1])
        assert shown == name


# --- 8. the workbook set up for print and reading ----------------------------------------------------------------


def test_every_sheet_prints_its_header_on_each_page_and_keeps_it_in_view(two_set_publication: Publication) -> None:
    book = _book(two_set_publication)
    for ws in book.worksheets:
        assert ws.print_title_rows, ws.title
        assert ws.freeze_panes, ws.title
        assert ws.page_setup.orientation in ("portrait", "landscape"), ws.title
        # the frozen rows end at the table's header: its first row below them is a unit's or the maxima's
        frozen_row = int(re.sub(r"[A-Z]", "", ws.freeze_panes))
        assert int(ws.print_title_rows.split(":")[-1].lstrip("$")) == frozen_row - 1, ws.title
    areas = book["Theo lĩnh vực"]
    assert areas.page_setup.orientation == "landscape" and areas.sheet_properties.pageSetUpPr.fitToPage
    assert areas.page_setup.fitToWidth == 1 and areas.freeze_panes == "C5"
    assert areas.column_dimensions["C"].width >= 14 and areas.column_dimensions["A"].width >= 30
    matrix = book["Bộ chỉ số thử nghiệm"]
    assert matrix.page_setup.orientation == "landscape" and matrix.print_title_cols == "$A:$B"
    assert matrix.freeze_panes == "C7"  # codes, names and maxima above; the unit's code and name to the left


def test_the_area_sheet_gives_each_sets_maxima_above_its_own_units(two_set_publication: Publication) -> None:
    rows = list(_book(two_set_publication)["Theo lĩnh vực"].iter_rows(values_only=True))
    maxima = [n for n, r in enumerate(rows) if r[0] == "Điểm tối đa"]
    assert len(maxima) == 2
    snap = two_set_publication.snapshot
    for start, end in zip(maxima, [*maxima[1:], len(rows)], strict=True):
        set_name = rows[start][1]
        key = next(k for k, s in snap["sets"].items() if s["name"] == set_name)
        units = {r[0] for r in rows[start + 1:end]}
        assert units == {r["unit_name"] for r in snap["rows"] if r["set_key"] == key}
        own = selectors.areas({"sets": {key: snap["sets"][key]}})
        assert Decimal(str(rows[start][2])) == Decimal(str(next(a for a in own if a["code"] == "1")["max_points"]))


def test_a_long_sets_sheet_name_is_short_and_whole_words() -> None:
    departments = exports.set_sheet_name("Bộ Chỉ số CCHC của các sở, ban, ngành tỉnh")
    districts = exports.set_sheet_name("Bộ Chỉ số CCHC của UBND các huyện, thành phố, thị xã", kinds=["UBND cấp huyện"])
    assert departments == "Điểm các sở, ban, ngành tỉnh"
    used: set[str] = set()
    # «Điểm UBND các huyện, thành phố» lost «thị xã»: named after its units' kind instead
    assert exports._sheet_title(districts, used) == "Điểm UBND cấp huyện"
    assert exports.set_sheet_name("Bộ chỉ số thử nghiệm") == "Bộ chỉ số thử nghiệm"  # fits: kept as it is


# --- 9. small inconsistencies ----------------------------------------------------------------------------------


def test_a_negative_index_is_written_with_the_true_minus_sign() -> None:
    from scoring.templatetags.scoring_tags import index_score

    assert index_score(Decimal("-2")) == "\u22122,00"
    assert index_score("85.12") == "85,12"
    assert index_score(Decimal("-0.001")) == "0,00"
    assert index_score(None) == "—"
    svg = charts.ranking_bars([("Cục Thuế", Decimal("-2"))], title="Xếp hạng")
    assert ">\u22122,00<" in svg and ">-2,00<" not in svg


def test_the_unit_page_shows_a_negative_index_with_the_minus_sign_and_its_history_heading_says_index(
    publication: Publication,
) -> None:
    row = _row(publication.snapshot, "so-xay-dung")
    row["index"] = "-2.00"
    Publication.objects.filter(pk=publication.pk).update(snapshot=publication.snapshot)
    html = Client().get("/ket-qua/2020/don-vi/so-xay-dung/").content.decode()
    assert '<dd class="big">\u22122,00</dd>' in html
    assert '<h2 id="hist-title">Chỉ số và xếp hạng qua các năm</h2>' in html


def test_the_ranking_chart_on_the_page_spans_its_column_with_text_at_its_own_size(publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/").content.decode()
    figure = html.split('<figure class="chart-box wide">')[1].split("</figure>")[0]
    svg = figure[: figure.index("</svg>")]
    assert 'width="100%"' in svg and "viewBox" not in svg and 'font-size="13"' in svg
    widths = [float(w) for w in re.findall(r'<rect x="0" y="[\d.]+" width="([\d.]+)%"', svg)]
    assert widths and max(widths) <= float(charts.FLUID_BARS * 100)


def test_a_published_cycles_dashboard_no_longer_counts_down_the_appraisal_deadline(
    publication: Publication, lead: Any,
) -> None:
    Cycle.objects.filter(pk=publication.cycle_id).update(appraisal_deadline=timezone.now() + timedelta(days=45))
    cycle = Cycle.objects.get(pk=publication.cycle_id)
    assert cycle.phase == Cycle.Phase.PUBLISHED
    standing = appraisal_selectors.appraisal_deadline_standing(cycle=cycle)
    assert standing is not None and standing.published and not standing.passed
    client = Client()
    client.force_login(lead)
    body = client.get(reverse("appraisal:dashboard") + f"?ky={cycle.pk}").content.decode()
    line = body.split("data-appraisal-deadline>")[1].split("</p>")[0]
    assert "kết quả đã công bố" in line and "còn" not in line
    # before publication the same deadline is counted down
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.FINALISATION)
    assert "còn 45 ngày" in client.get(reverse("appraisal:dashboard") + f"?ky={cycle.pk}").content.decode()

