"""Published lists give equal indexes in Vietnamese alphabetical order (README: «equal indexes are listed by name,
in Vietnamese order»), whatever the file or page; and the PDF's averages compare a group with the units of its
own indicator set, never with an average across sets whose areas weigh differently."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cchc.collation import sort_key
from scoring.models import Cycle, ExportJob, Publication
from scoring.publication import downloads, exports, selectors
from scoring.publication.services import cycle_publish, export_file_now
from tests.publication.conftest import DOC_DATE, ON_TIME, finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db

# Four departments with the same scores (tied at rank 1): in Vietnamese order «Kế» comes before «Khoa» (e before
# h) and «Tài» before «Thông» (a before h); code points put the accented letters after «h», hence the other way.
VIETNAMESE = [
    "Sở Kế hoạch và Đầu tư",
    "Sở Khoa học và Công nghệ",
    "Sở Tài nguyên và Môi trường",
    "Sở Thông tin và Truyền thông",
]
CODE_POINT = sorted(VIETNAMESE, key=str.casefold)
TIED = ("so-thong-tin-truyen-thong", "so-tai-nguyen-moi-truong", "so-khoa-hoc-cong-nghe", "so-ke-hoach-dau-tu")


def _download(url: str) -> bytes:
    response = Client().get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def _tied_names(names: list[str]) -> list[str]:
    return [n for n in names if n in VIETNAMESE]


@pytest.fixture
def tied_publication(cycle: Cycle, admin_user: Any) -> Publication:
    for code in TIED:
        sign_off_unit(cycle, code, ON_TIME)
    return cycle_publish(cycle=finalisation_phase(cycle), document_number="Công văn số 4567/UBND-NC",
                         document_date=DOC_DATE, actor=admin_user)


def _as_published_before(publication: Publication) -> Publication:
    """The publication as the code before the fix stored it: ties in code-point order (the row is immutable to
    the model, so written with an update, as the stored row of an earlier year is)."""
    snapshot = copy.deepcopy(publication.snapshot)
    snapshot["rows"].sort(key=lambda r: (r["rank"], r["unit_name"].casefold()))
    Publication.objects.filter(pk=publication.pk).update(snapshot=snapshot)
    return Publication.objects.get(pk=publication.pk)


def test_the_names_are_in_the_projects_vietnamese_order_and_code_points_order_them_otherwise() -> None:
    # the premise of the tests below, held to the project's collation
    assert sorted(reversed(VIETNAMESE), key=sort_key) == VIETNAMESE
    assert CODE_POINT != VIETNAMESE


def test_a_new_publication_stores_ties_in_vietnamese_order(tied_publication: Publication) -> None:
    rows = tied_publication.snapshot["rows"]
    assert {r["rank"] for r in rows} == {1}
    assert [r["unit_name"] for r in rows] == VIETNAMESE


def test_the_results_page_pdf_workbook_and_open_data_list_ties_in_vietnamese_order(
    tied_publication: Publication,
) -> None:
    page = _download("/ket-qua/2020/").decode()
    assert _tied_names(re.findall(r">(Sở [^<]+)</a></th>", page)) == VIETNAMESE
    report = exports.report_html(tied_publication)
    # the ranking table (rank, name) and the areas' table (name first) of the PDF
    assert _tied_names(re.findall(r'<td class="num">1</td><th scope="row">([^<]+)</th>', report)) == VIETNAMESE
    assert _tied_names(re.findall(r'<tr><th scope="row">([^<]+)</th>', report)) == VIETNAMESE
    book = load_workbook(io.BytesIO(_download("/ket-qua/2020/ket-qua.xlsx")))
    ranking = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert _tied_names([r[1] for r in ranking[5:]]) == VIETNAMESE
    assert _tied_names([r[0] for r in book["Theo lĩnh vực"].iter_rows(values_only=True)]) == VIETNAMESE
    results = list(csv.reader(io.StringIO(_download("/ket-qua/2020/ket-qua.csv").decode("utf-8-sig"))))
    assert _tied_names([r[8] for r in results[1:]]) == VIETNAMESE
    doc = json.loads(_download("/ket-qua/2020/ket-qua.json"))
    assert _tied_names([r["unit_name"] for r in doc["results"]]) == VIETNAMESE
    api = Client().get(reverse("api:result", args=[2020])).json()
    assert _tied_names([r["unit_name"] for g in api["groups"] for r in g["rows"]]) == VIETNAMESE


def test_a_publication_stored_in_code_point_order_is_shown_in_vietnamese_order(
    tied_publication: Publication,
) -> None:
    # given a year published before the fix, its ties stored in code-point order
    old = _as_published_before(tied_publication)
    assert [r["unit_name"] for r in old.snapshot["rows"]] == CODE_POINT
    # then its page and its files list them in Vietnamese order
    page = _download("/ket-qua/2020/").decode()
    assert _tied_names(re.findall(r">(Sở [^<]+)</a></th>", page)) == VIETNAMESE
    results = list(csv.reader(io.StringIO(_download("/ket-qua/2020/ket-qua.csv").decode("utf-8-sig"))))
    assert _tied_names([r[8] for r in results[1:]]) == VIETNAMESE
    doc = json.loads(_download("/ket-qua/2020/ket-qua.json"))
    assert _tied_names([r["unit_name"] for r in doc["results"]]) == VIETNAMESE
    criteria = list(csv.reader(io.StringIO(_download("/ket-qua/2020/diem-tieu-chi.csv").decode("utf-8-sig"))))
    assert _tied_names(list(dict.fromkeys(r[3] for r in criteria[1:]))) == VIETNAMESE


def test_a_file_built_in_the_earlier_order_is_built_again_and_its_etag_changes(
    tied_publication: Publication, admin_user: Any
) -> None:
    # given a workbook the earlier code built and kept in the export store (its name without the format)
    old = _as_published_before(tied_publication)
    job = ExportJob.objects.create(publication=old, kind="xlsx", status=ExportJob.Status.DONE,
                                   file_name=exports.job_file_name(ExportJob(publication=old, kind="xlsx")))
    stale = exports.exports_root() / f"{job.pk}-{job.file_name}"
    stale.write_bytes(b"workbook in the earlier order")
    # when the workbook is asked for again
    built = export_file_now(publication=old, kind="xlsx", actor=admin_user)
    # then a new one is built, in Vietnamese order, under another ETag than the earlier bytes had
    assert built.pk != job.pk and exports.job_path(built).read_bytes() != stale.read_bytes()
    book = load_workbook(exports.job_path(built))
    assert _tied_names([r[1] for r in list(book[book.sheetnames[0]].iter_rows(values_only=True))[5:]]) == VIETNAMESE
    response = Client().get("/ket-qua/2020/ket-qua.json")
    assert response["ETag"] == f'W/"{downloads.FILE_FORMAT}-{old.pk}-{old.revision}-results.json"'
    assert downloads.FILE_FORMAT == exports.FILE_FORMAT > 2


def test_a_document_only_correction_of_a_year_stored_in_code_point_order_is_accepted(
    tied_publication: Publication, admin_user: Any
) -> None:
    # given a year published before the fix (ties stored in code-point order)
    old = _as_published_before(tied_publication)
    # when only the document is corrected: the order of the ties is no figure of the results
    fixed = cycle_publish(cycle=old.cycle, document_number="Công văn số 4568/UBND-NC", document_date=DOC_DATE,
                          reason="Sai số văn bản.", actor=admin_user, document_only=True)
    assert fixed.revision == 2 and fixed.snapshot["document_only"] is True
    assert [r["unit_name"] for r in fixed.snapshot["rows"]] == VIETNAMESE


# --- averages: per indicator set, never across sets ------------------------------------------------------------


def _different_maxima(publication: Publication) -> Publication:
    """The two-set publication with the districts' areas weighed otherwise than the departments' (area 1: 6 and 7
    points, area 2: 4 and 3, as Tiền Giang's sets weigh areas 4 and 6 differently)."""
    for ind in publication.snapshot["sets"]["test-set-huyen"]["indicators"]:
        if ind["parent"] is None and ind["kind"] == "normal":
            ind["max_points"] = {"1": "7.00", "2": "3.00"}[ind["code"]]
    return publication


def test_each_sets_average_counts_its_own_units_only(two_set_publication: Publication) -> None:
    snap = _different_maxima(two_set_publication).snapshot
    # departments: Sở Y tế 3.38, Sở Tư pháp 4.38 in area 1; districts: Cái Bè 2.38, Chợ Gạo 3.38
    assert selectors.set_area_average(snapshot=snap, set_key="test-set") == {
        "1": Decimal("3.88"), "2": Decimal("2.70")}
    assert selectors.set_area_average(snapshot=snap, set_key="test-set-huyen") == {
        "1": Decimal("2.88"), "2": Decimal("2.70")}


def test_a_unit_scored_zero_for_never_submitting_counts_in_the_averages(two_set_publication: Publication) -> None:
    # Its 0,00 is published and ranked: the averages count it as the ranking does.
    snap = two_set_publication.snapshot
    never = {**snap["rows"][0], "unit_code": "so-moi", "unit_name": "Sở Mới", "rank": 3,
             "area_totals": {"1": "0.00", "2": "0.00"}}
    snap["rows"].append(never)
    departments = selectors.set_area_average(snapshot=snap, set_key=never["set_key"])
    assert departments["1"] == Decimal("2.59")  # (3.38 + 4.38 + 0) / 3, half up
    assert selectors.group_area_average(snapshot=snap, group_code=never["group_code"])["1"] == Decimal("2.59")


def test_the_pdf_compares_each_group_with_its_own_sets_average_named_by_the_set(
    two_set_publication: Publication,
) -> None:
    from tests.publication.conftest import DISTRICT_SET_NAME

    context = exports.report_context(_different_maxima(two_set_publication))
    departments = next(t for t in context["tables"] if t.rows[0]["set_key"] == "test-set")
    districts = [t for t in context["tables"] if t.rows[0]["set_key"] == "test-set-huyen"]
    # the departments' area 1: their group's and their set's average 3,88; never 3,38, the mean of both sets
    assert departments.area_chart.count(">3,88/6<") == 2 and ">3,38/" not in departments.area_chart
    assert departments.average_sets == ["Bộ chỉ số thử nghiệm"]
    for t in districts:
        assert ">2,88/7<" in t.area_chart  # the districts' set's average of area 1, of its 7 points
        assert t.average_sets == [DISTRICT_SET_NAME]
    html = exports.report_html(two_set_publication)
    assert "Bình quân chung" in html and DISTRICT_SET_NAME in html


def test_a_group_with_units_of_two_sets_is_compared_set_by_set(two_set_publication: Publication) -> None:
    snap = _different_maxima(two_set_publication).snapshot
    for row in snap["rows"]:
        row["group_code"] = "so-ban-nganh"  # every unit in one group: its average is taken per set
    assert selectors.group_area_average(snapshot=snap, group_code="so-ban-nganh", set_key="test-set-huyen") == {
        "1": Decimal("2.88"), "2": Decimal("2.70")}
    context = exports.report_context(two_set_publication)
    (table,) = context["tables"]
    assert table.average_sets == ["Bộ chỉ số thử nghiệm", "Bộ chỉ số thử nghiệm cấp huyện, thị xã, thành phố"]
    assert ">3,38/" not in table.area_chart  # the mean across both sets is drawn nowhere


def test_a_units_group_average_counts_the_units_of_its_own_set_on_its_page_and_in_the_api(
    two_set_publication: Publication,
) -> None:
    # given a group whose units use two sets (every unit moved into the departments' group)
    snapshot = copy.deepcopy(two_set_publication.snapshot)
    for row in snapshot["rows"]:
        row["group_code"] = "so-ban-nganh"
    Publication.objects.filter(pk=two_set_publication.pk).update(snapshot=snapshot)
    # then Cái Bè's area 1 is compared with the districts' 2,88, not with 3,38, the mean across both sets
    api = Client().get(reverse("api:open_unit", args=[2020, "h-cai-be"])).json()
    assert [a["group_average"] for a in api["areas"]] == ["2.88", "2.70"]
    page = _download("/ket-qua/2020/don-vi/h-cai-be/").decode()
    assert ">2,88<" in page and ">3,38<" not in page
