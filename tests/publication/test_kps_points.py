"""An accepted «không phát sinh» (KPS) leaf shows the points the engine credits it in the published workbook's
criteria matrix (a number on a tinted cell, «1.50 KPS», with a legend) and on the public unit page, so that a
unit's leaves add up to its published total."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from scoring.exports import KPS_FILL
from scoring.models import Cycle, IndexResult, IndicatorSet, Publication, ScoreLine
from scoring.publication import exports
from scoring.publication.services import cycle_publish
from scoring.selectors import not_applicable_credit
from scoring.services import index_result_recompute
from tests.publication.conftest import DOC_DATE, date_results

pytestmark = pytest.mark.django_db

MATRIX = "Bộ chỉ số thử nghiệm"


def _publish_with_kps(cycle: Cycle, admin_user: Any, *, index_mode: str = "points") -> Publication:
    """Sở Y tế's 1.2.2 (a normal leaf, maximum 1.50; appraised 0.88 before) declared «không phát sinh» and accepted
    by the team, its result recomputed by the engine, then published."""
    if index_mode != "points":
        IndicatorSet.objects.filter(cycle_sets__cycle=cycle).update(index_mode=index_mode)
    lines = ScoreLine.objects.filter(assessment__cycle=cycle, assessment__unit__code="so-y-te")
    lines.filter(indicator__code="1.2.2").update(not_applicable=True, not_applicable_reason="Không có đợt kiểm tra",
                                                 na_overruled=False, self_score=None, appraised_score=None)
    IndexResult.objects.filter(assessment__cycle=cycle).update(stale=True)  # as a set-wise recompute would
    for assessment_id in IndexResult.objects.filter(assessment__cycle=cycle).values_list("assessment_id", flat=True):
        index_result_recompute(assessment_id=assessment_id)
    date_results(cycle)  # recomputed before the decision's date
    return cycle_publish(cycle=cycle, document_number="Công văn số 1/UBND", document_date=DOC_DATE, actor=admin_user)


def _matrix(publication: Publication) -> Any:
    buffer = io.BytesIO()
    exports.official_workbook(publication, buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))[MATRIX]


def _row_of(ws: Any, unit_code: str) -> list[Any]:
    return next(list(r) for r in ws.iter_rows() if r[0].value == unit_code)


def test_the_workbook_shows_a_kps_leaf_as_its_credited_points_marked(signed_cycle: Cycle, admin_user: Any) -> None:
    # given
    publication = _publish_with_kps(signed_cycle, admin_user)
    # when
    ws = _matrix(publication)
    # then: 1.2.2 (the fifth column's neighbour: codes start at column C) holds the engine's credit, marked KPS
    header = [c.value for c in next(r for n, r in enumerate(ws.iter_rows()) if n == 3)]
    cell = _row_of(ws, "so-y-te")[header.index("1.2.2")]
    assert Decimal(str(cell.value)) == not_applicable_credit(kind="normal", max_points=Decimal("1.5"),
                                                             index_mode="points") == Decimal("1.5")
    assert cell.number_format == '0.00" KPS"'
    assert cell.fill.fgColor.rgb.endswith(KPS_FILL.fgColor.rgb[-6:])
    # an ordinary score is neither tinted nor marked
    plain = _row_of(ws, "so-tu-phap")[header.index("1.2.2")]
    assert Decimal(str(plain.value)) == Decimal("0.88") and "KPS" not in plain.number_format
    # and the sheet says what the tint means
    texts = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert any(t.startswith("Ô tô nền vàng, ghi «KPS»") for t in texts)


def test_a_units_leaves_in_the_workbook_add_up_to_its_published_total(signed_cycle: Cycle, admin_user: Any) -> None:
    publication = _publish_with_kps(signed_cycle, admin_user)
    ws = _matrix(publication)
    header = [c.value for c in next(r for n, r in enumerate(ws.iter_rows()) if n == 3)]
    indicators = {i["code"]: i for i in publication.snapshot["sets"]["test-set"]["indicators"]}
    published = next(r for r in publication.snapshot["rows"] if r["unit_code"] == "so-y-te")
    cells = _row_of(ws, "so-y-te")
    sums = {"normal": Decimal(0), "bonus": Decimal(0), "penalty": Decimal(0)}
    for n, code in enumerate(header):
        if code in indicators and cells[n].value is not None:
            sums[indicators[code]["kind"]] += Decimal(str(cells[n].value))
    # the 0.88 appraised before became the 1.50 credited: 6.58 − 0.88 + 1.50
    assert Decimal(published["total"]) == Decimal("7.20")
    assert sums["normal"] == Decimal(published["normal_total"])
    # a penalty criterion's cells are deductions (negative): the row adds up as written
    assert sums["penalty"] == -Decimal(published["penalty"]) < 0
    assert sums["normal"] + sums["bonus"] + sums["penalty"] == Decimal(published["total"])


def test_in_percent_mode_a_kps_cell_is_marked_and_left_blank(signed_cycle: Cycle, admin_user: Any) -> None:
    publication = _publish_with_kps(signed_cycle, admin_user, index_mode="percent")
    ws = _matrix(publication)
    header = [c.value for c in next(r for n, r in enumerate(ws.iter_rows()) if n == 3)]
    cell = _row_of(ws, "so-y-te")[header.index("1.2.2")]
    assert cell.value is None and cell.fill.fgColor.rgb.endswith(KPS_FILL.fgColor.rgb[-6:])
    texts = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert any(t.startswith("Ô tô nền vàng để trống") for t in texts)


def test_a_workbook_without_kps_has_no_legend(publication: Publication) -> None:
    ws = _matrix(publication)
    assert not any(isinstance(c.value, str) and c.value.startswith("Ô tô nền vàng") for r in ws.iter_rows() for c in r)


def test_the_public_unit_page_shows_the_points_a_kps_leaf_counts_for(signed_cycle: Cycle, admin_user: Any) -> None:
    _publish_with_kps(signed_cycle, admin_user)
    html = Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    detail = html[html.index('id="detail-title"'):]
    row = detail[detail.index("<td>1.2.2</td>"):].split("</tr>")[0]
    assert "KPS (tính 1,50 điểm)" in row


def test_in_percent_mode_the_unit_page_says_the_kps_leaf_is_left_out(signed_cycle: Cycle, admin_user: Any) -> None:
    _publish_with_kps(signed_cycle, admin_user, index_mode="percent")
    html = Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    detail = html[html.index('id="detail-title"'):]
    row = detail[detail.index("<td>1.2.2</td>"):].split("</tr>")[0]
    assert "KPS (không tính vào điểm tối đa)" in row


@pytest.mark.parametrize("index_mode", ["points", "percent"])
def test_the_criteria_csvs_counted_points_add_up_to_each_area_column(
    signed_cycle: Cycle, admin_user: Any, index_mode: str
) -> None:
    """`diem_tinh_chi_so` of the criteria CSV summed per unit and area gives the results CSV's `linh_vuc_<code>`, a
    «không phát sinh» leaf included (its `diem_tham_dinh` stays empty, as before)."""
    import csv

    # given
    publication = _publish_with_kps(signed_cycle, admin_user, index_mode=index_mode)
    indicators = {i["code"]: i for i in publication.snapshot["sets"]["test-set"]["indicators"]}

    def area_of(code: str) -> str:
        while indicators[code]["parent"] is not None:
            code = indicators[code]["parent"]
        return code

    def read(rows: Any) -> list[dict[str, str]]:
        return list(csv.DictReader("".join(b.decode("utf-8") for b in exports.csv_stream(publication, rows))
                                   .lstrip("\ufeff").splitlines()))

    # when
    criteria = read(exports.criteria_rows)
    results = read(exports.csv_rows)
    # then
    kps = next(r for r in criteria if r["ma_don_vi"] == "so-y-te" and r["ma_tieu_chi"] == "1.2.2")
    assert (kps["diem_tham_dinh"], kps["khong_phat_sinh"]) == ("", "1")
    assert kps["diem_tinh_chi_so"] == ("1.50" if index_mode == "points" else "0.00")
    sums: dict[tuple[str, str], Decimal] = {}
    for r in criteria:
        if r["loai"] == "normal":
            key = (r["ma_don_vi"], area_of(r["ma_tieu_chi"]))
            sums[key] = sums.get(key, Decimal(0)) + Decimal(r["diem_tinh_chi_so"])
    areas = [c.removeprefix("linh_vuc_") for c in results[0] if c.startswith("linh_vuc_")]
    assert areas
    for row in results:
        for area in areas:
            assert sums[(row["ma_don_vi"], area)] == Decimal(row[f"linh_vuc_{area}"]), (row["ma_don_vi"], area)


def test_the_apis_unit_breakdown_gives_each_leafs_counted_points(signed_cycle: Cycle, admin_user: Any) -> None:
    """The JSON of a unit's result (`/api/v1/open-data/<year>/units/<code>/`) says what each leaf counts for: a
    «không phát sinh» its credited points (its `score` stays null); the normal leaves add up to the area totals."""
    # given
    publication = _publish_with_kps(signed_cycle, admin_user)
    # when
    body = Client().get("/api/v1/open-data/2020/units/so-y-te/").json()
    # then
    nodes = {n["code"]: n for n in body["breakdown"]}
    assert (nodes["1.2.2"]["score"], nodes["1.2.2"]["counted"]) == (None, "1.50")
    assert nodes["1"]["counted"] is None  # an area: its total is `score`
    indicators = {i["code"]: i for i in publication.snapshot["sets"]["test-set"]["indicators"]}
    for area in body["areas"]:
        leaves = [n for n in body["breakdown"] if n["is_leaf"] and n["kind"] == "normal"
                  and n["code"].split(".")[0] == area["code"] and indicators[n["code"]]["is_leaf"]]
        assert sum(Decimal(n["counted"]) for n in leaves) == Decimal(area["score"])
