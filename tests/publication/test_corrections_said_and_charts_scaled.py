"""Published results that say what they are: a correction said on the corrected unit's page, its rows marked in
the ranking and its history, its reason in every file; charts on a fixed, stated scale; the PDF's captions true."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from scoring.models import Publication
from scoring.publication import charts, exports, selectors
from scoring.publication.services import cycle_publish
from tests.publication.conftest import date_results

pytestmark = pytest.mark.django_db

REASON = "Cắt điểm tiêu chí 1.1.1 của Sở Tư pháp"


def _correct_one_unit(publication: Publication, admin_user: Any) -> Publication:
    """Revision 2 cuts one leaf of Sở Tư pháp (7,58, rank 1 tied → 6,58, rank 2 tied), as the tester's lần 2."""
    from scoring.models import Assessment, IndexResult, ScoreLine
    from scoring.services import index_result_recompute

    assessment = Assessment.objects.get(cycle=publication.cycle, unit__code="so-tu-phap")
    ScoreLine.objects.filter(assessment=assessment, indicator__code="1.1.1").update(
        appraised_value={"option": "late"}, appraised_score=Decimal("0"))
    IndexResult.objects.filter(assessment=assessment).update(stale=True)
    index_result_recompute(assessment_id=assessment.pk)
    date_results(publication.cycle, assessment.pk)
    return cycle_publish(cycle=publication.cycle, document_number="Công văn số 5000/UBND-NC",
                         document_date=datetime.date(2020, 12, 20), reason=REASON, actor=admin_user)


@pytest.fixture
def corrected(publication: Publication, admin_user: Any) -> tuple[Publication, Publication]:
    first = selectors.publication_get(year=2020)
    second = _correct_one_unit(publication, admin_user)
    return first, second


def _row(snapshot: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in snapshot["rows"] if r["unit_code"] == code)


# --- 1. the corrected unit's page, the ranking table, the history --------------------------------------------


def test_the_corrected_units_current_page_says_what_it_replaced_and_why(
    corrected: tuple[Publication, Publication],
) -> None:
    first, second = corrected
    old, new = _row(first.snapshot, "so-tu-phap"), _row(second.snapshot, "so-tu-phap")
    assert (old["index"], old["rank"]) != (new["index"], new["rank"])  # the correction changed the unit
    html = Client().get("/ket-qua/2020/don-vi/so-tu-phap/").content.decode()
    notice = html.split('data-correction="2"')[1].split("</div>")[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", notice))
    old_index = f"{Decimal(old['index']):.2f}".replace(".", ",")
    assert "Đính chính (lần 2, Công văn số 5000/UBND-NC ngày 20/12/2020)" in text
    assert f"trước là {old_index} điểm, xếp loại {old['classification']}, hạng {old['rank']}" in text
    assert f"lý do: {REASON}" in text
    assert 'href="/ket-qua/2020/don-vi/so-tu-phap/?lan=1"' in notice


def test_a_unit_the_correction_did_not_change_says_nothing_and_a_first_revision_neither(
    corrected: tuple[Publication, Publication],
) -> None:
    client = Client()
    assert "data-correction" not in client.get("/ket-qua/2020/don-vi/so-xay-dung/").content.decode()
    assert "data-correction" not in client.get("/ket-qua/2020/don-vi/so-tu-phap/?lan=1").content.decode()


def test_the_ranking_table_marks_the_changed_rows_with_a_text_alternative_and_a_legend(
    corrected: tuple[Publication, Publication],
) -> None:
    first, second = corrected
    changed = {c.unit_code for c in selectors.revision_diff(published=first.snapshot, preview=second.snapshot).changes}
    assert "so-tu-phap" in changed and "so-xay-dung" not in changed
    html = Client().get("/ket-qua/2020/").content.decode()
    rows = re.findall(r"<tr><td class=\"num\">.*?</tr>", html, flags=re.S)
    marked = {re.search(r"/don-vi/([a-z-]+)/", r).group(1) for r in rows if "data-corrected" in r}  # type: ignore[union-attr]
    assert marked == changed
    mark = next(r for r in rows if "so-tu-phap" in r).split("data-corrected")[1]
    assert 'class="sr-only">đã đính chính ở lần công bố 2<' in mark
    assert "data-corrected-legend" in html
    # the first revision's table marks nothing
    assert "data-corrected" not in Client().get("/ket-qua/2020/?lan=1").content.decode()


def test_the_units_history_marks_the_corrected_year(corrected: tuple[Publication, Publication]) -> None:
    html = Client().get("/ket-qua/2020/don-vi/so-tu-phap/").content.decode()
    history = html.split('id="hist-title"')[1].split("</table>")[0]
    assert 'data-corrected="2"' in history and "đã đính chính (lần 2)" in history
    assert "data-corrected" not in Client().get("/ket-qua/2020/don-vi/so-xay-dung/").content.decode().split(
        'id="hist-title"')[1].split("</table>")[0]


# --- 2. the reason in the workbook, the CSV -------------------------------------------------------------------


def test_the_corrections_workbook_says_its_revision_and_reason_in_every_sheets_header(
    corrected: tuple[Publication, Publication], tmp_path: Any,
) -> None:
    from openpyxl import load_workbook

    _first, second = corrected
    path = tmp_path / "lan-2.xlsx"
    exports.official_workbook(second, path)
    wb = load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        head = " ".join(str(c) for row in ws.iter_rows(max_row=6, values_only=True) for c in row if c)
        assert "Lần công bố 2" in head and "đính chính" in head and REASON in head, ws.title


def test_the_first_revisions_workbook_has_no_correction_line(publication: Publication, tmp_path: Any) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "lan-1.xlsx"
    exports.official_workbook(publication, path)
    head = " ".join(str(c) for row in load_workbook(path, read_only=True).worksheets[0].iter_rows(
        max_row=6, values_only=True) for c in row if c)
    assert "đính chính" not in head


def test_the_results_csv_carries_the_correction_reason_in_its_own_column(
    corrected: tuple[Publication, Publication],
) -> None:
    client = Client()
    second = list(csv.DictReader(io.StringIO(
        b"".join(client.get("/ket-qua/2020/ket-qua.csv").streaming_content).decode("utf-8-sig"))))
    assert {r["lan_cong_bo"] for r in second} == {"2"}
    assert {r["ly_do_dinh_chinh"] for r in second} == {REASON}
    first = list(csv.DictReader(io.StringIO(
        b"".join(client.get("/ket-qua/2020/ket-qua.csv?lan=1").streaming_content).decode("utf-8-sig"))))
    assert {r["ly_do_dinh_chinh"] for r in first} == {""}


def test_the_file_format_is_raised_so_stored_files_are_built_again() -> None:
    assert exports.FILE_FORMAT >= 5


# --- 3. charts on a fixed scale --------------------------------------------------------------------------------


def _circle_ys(svg: str) -> list[float]:
    return [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)]


def test_a_trend_is_drawn_on_a_fixed_0_to_100_scale_with_labelled_gridlines_and_says_so() -> None:
    small = charts.trend([("2020", Decimal("91.21")), ("2021", Decimal("89.71"))], title="Chỉ số")
    large = charts.trend([("2020", Decimal("91.21")), ("2021", Decimal("41.21"))], title="Chỉ số")
    # a drop of 1,50 points moves the line far less than a drop of 50 (a stretched scale made them alike)
    (a, b), (c, d) = _circle_ys(small), _circle_ys(large)
    assert abs(b - a) * 10 < abs(d - c)
    for tick in ("0", "25", "50", "75", "100"):
        assert re.search(rf'text-anchor="end"[^>]*>{tick}</text>', small), tick
    label = re.search(r'aria-label="([^"]+)"', small).group(1)  # type: ignore[union-attr]
    assert "0 đến 100" in label and "91,21" in label and "89,71" in label


def test_a_trend_above_100_extends_its_scale_to_the_largest_value() -> None:
    svg = charts.trend([("2020", Decimal("101.50")), ("2021", Decimal("99"))], title="Chỉ số")
    assert "0 đến 101,50" in re.search(r'aria-label="([^"]+)"', svg).group(1)  # type: ignore[union-attr]
    assert min(_circle_ys(svg)) >= 24  # the top point inside the chart


def _bar_widths(svg: str) -> list[float]:
    return [float(w) for w in re.findall(r'<rect x="0" y="[\d.]+" width="([\d.]+)"', svg)]


def test_every_groups_ranking_bars_share_one_scale_with_an_axis() -> None:
    strong = charts.ranking_bars([("Sở A", Decimal("91.21")), ("Sở B", Decimal("80"))], title="Khối 1")
    weak = charts.ranking_bars([("Huyện C", Decimal("60")), ("Huyện D", Decimal("50"))], title="Khối 2")
    # the top of each group no longer gets the same full-width bar
    assert _bar_widths(strong)[0] > _bar_widths(weak)[0] * 1.4
    assert _bar_widths(weak)[0] == pytest.approx(_bar_widths(strong)[0] * 60 / 91.21, rel=0.01)
    for tick in ("0", "25", "50", "75", "100"):
        assert f">{tick}</text>" in weak
    assert "0 đến 100" in re.search(r'aria-label="([^"]+)"', weak).group(1)  # type: ignore[union-attr]


def test_the_histogram_follows_the_pages_filter_and_says_what_it_covers(publication: Publication) -> None:
    client = Client()
    everyone = client.get("/ket-qua/2020/").content.decode()
    assert "Biểu đồ gồm tất cả 4 đơn vị." in everyone
    band = _row(publication.snapshot, "so-xay-dung")["classification"]
    only = client.get("/ket-qua/2020/", {"xep_loai": band}).content.decode()
    shown = sum(1 for r in publication.snapshot["rows"] if r["classification"] == band)
    assert shown < 4
    assert f"Biểu đồ chỉ gồm {shown} đơn vị khớp điều kiện lọc (trên tổng số 4 đơn vị)." in only
    table = only.split("data-distribution>")[1].split("</table>")[0]
    assert sum(int(n) for n in re.findall(r'<td class="num">(\d+)</td>', table)) == shown


# --- 4. the PDF's captions state only what is true ---------------------------------------------------------------


def test_the_pdfs_average_caption_claims_no_zero_scored_units_the_data_does_not_have(
    publication: Publication,
) -> None:
    html = exports.report_html(publication)
    assert "không tự đánh giá" not in html and "được chấm 0 điểm" not in html
    captions = re.findall(r"<p data-average-caption>(.*?)</p>", html, flags=re.S)
    assert captions and all("chỉ số 0" not in c for c in captions)


def test_the_pdfs_average_caption_counts_the_units_whose_index_is_0(publication: Publication) -> None:
    snap = publication.snapshot
    _row(snap, "so-xay-dung")["index"] = "0.00"
    Publication.objects.filter(pk=publication.pk).update(snapshot=snap)
    html = exports.report_html(selectors.publication_get(year=2020))
    assert "Trong đó 1 đơn vị có chỉ số 0, được tính vào bình quân." in html


