"""A unit that never submitted its self-assessment (handed over to the appraisal team by an administrator once its
deadline passed, the leaves it did not score appraised 0) is published marked «Không gửi báo cáo tự đánh giá», so
that its index does not read as one a unit scored itself: in the public ranking, on its page, in the workbook and
the PDF, and in open data (`khong_gui_tu_danh_gia`, `not_submitted`). A unit submitted by its own people is not."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from scoring.models import Assessment, Cycle, Publication
from scoring.publication import exports
from scoring.publication.services import cycle_publish
from scoring.services import audit_record
from tests.publication.conftest import DOC_DATE

pytestmark = pytest.mark.django_db

MARK = "Không gửi báo cáo tự đánh giá"


def hand_over_recorded(assessment: Assessment, admin: Any) -> None:
    """What the administrator's «Quá hạn, chưa gửi: chuyển Tổ thẩm định» records of the state change
    (`assessment_close_unsubmitted`), on an assessment the fixture has already taken further."""
    Assessment.objects.filter(pk=assessment.pk).update(submitted_by=admin)
    audit_record(actor=admin, action="assessment.state", object_type="Assessment", object_id=assessment.pk,
                 unit=assessment.unit, assessment=assessment,
                 changes={"state": {"old": "draft", "new": "submitted"}, "handed_over": True},
                 reason="Quá hạn, đơn vị không gửi")


@pytest.fixture
def handed_over(signed_cycle: Cycle, admin_user: Any, unit_head: Any) -> Publication:
    """Sở Xây dựng sent on by the administrator; Sở Y tế submitted by its own head."""
    hand_over_recorded(Assessment.objects.get(cycle=signed_cycle, unit__code="so-xay-dung"), admin_user)
    Assessment.objects.filter(cycle=signed_cycle, unit__code="so-y-te").update(submitted_by=unit_head)
    return cycle_publish(cycle=signed_cycle, document_number="Công văn số 1/UBND", document_date=DOC_DATE,
                         actor=admin_user)


def _rows(publication: Publication, rows: Any) -> list[dict[str, str]]:
    text = "".join(b.decode("utf-8") for b in exports.csv_stream(publication, rows)).lstrip("\ufeff")
    return list(csv.DictReader(text.splitlines()))


def test_the_snapshot_marks_only_the_unit_handed_over(handed_over: Publication) -> None:
    marked = {r["unit_code"] for r in handed_over.snapshot["rows"] if r.get("not_submitted")}
    assert marked == {"so-xay-dung"}


def test_the_public_ranking_and_the_units_page_say_it(handed_over: Publication) -> None:
    ranking = Client().get("/ket-qua/2020/").content.decode()
    row = next(tr for tr in ranking.split("<tr>") if "Sở Xây dựng" in tr)
    assert f'<span class="tag" data-not-submitted>{MARK}</span>' in row
    assert ranking.count("data-not-submitted>") == 1 and "data-not-submitted-legend" in ranking
    page = Client().get("/ket-qua/2020/don-vi/so-xay-dung/").content.decode()
    assert "data-not-submitted" in page and MARK in page
    assert "data-not-submitted" not in Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()


def test_open_data_has_the_mark(handed_over: Publication) -> None:
    rows = {r["ma_don_vi"]: r["khong_gui_tu_danh_gia"] for r in _rows(handed_over, exports.csv_rows)}
    assert rows == {"so-xay-dung": "1", "so-y-te": "0", "so-tu-phap": "0", "so-cong-thuong": "0"}
    results = json.loads(exports.open_data_bytes(handed_over))["results"]
    assert {r["unit_code"]: r["not_submitted"] for r in results}["so-xay-dung"] is True
    assert sum(r["not_submitted"] for r in results) == 1
    body = Client().get("/api/v1/open-data/2020/units/so-xay-dung/").json()
    assert body["result"]["not_submitted"] is True
    assert Client().get("/api/v1/open-data/2020/units/so-y-te/").json()["result"]["not_submitted"] is False


def test_the_workbook_and_the_report_say_it(handed_over: Publication) -> None:
    buffer = io.BytesIO()
    exports.official_workbook(handed_over, buffer)
    ws = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    notes = {r[1]: r[5] for r in ws.iter_rows(values_only=True) if len(r) > 5 and r[1] and r[1].startswith("Sở")}
    assert notes["Sở Xây dựng"] == MARK and not notes["Sở Y tế"]
    html = exports.report_html(handed_over)
    # one row marked, and the marker's legend under its ranking (as the page's)
    assert html.count("data-not-submitted>") == 1 and MARK in html
    assert html.count("data-not-submitted-legend") == 1


def test_the_open_data_page_documents_the_mark() -> None:
    html = Client().get("/du-lieu-mo/").content.decode()
    assert "<code>khong_gui_tu_danh_gia</code>" in html and "<code>not_submitted</code>" in html


def test_a_head_who_submitted_and_left_the_post_does_not_make_the_unit_one_that_never_submitted(
    signed_cycle: Cycle, admin_user: Any, unit_head: Any
) -> None:
    """The mark is the audit's record of the hand-over, not the sender's roles now: Sở Y tế's head submitted, then
    lost the role before the results were published."""
    from scoring.models import RoleAssignment
    from scoring.selectors.handover import handover_entries

    assessment = Assessment.objects.get(cycle=signed_cycle, unit__code="so-y-te")
    Assessment.objects.filter(pk=assessment.pk).update(submitted_by=unit_head)
    RoleAssignment.objects.filter(user=unit_head).delete()
    assert handover_entries([assessment.pk]) == {}
    publication = cycle_publish(cycle=signed_cycle, document_number="Công văn số 2/UBND", document_date=DOC_DATE,
                                actor=admin_user)
    assert not any(r.get("not_submitted") for r in publication.snapshot["rows"])


def test_the_legend_fits_a_unit_handed_over_with_a_high_index_too(handed_over: Publication) -> None:
    """A unit that self-scored everything and never submitted is handed over, appraised as it left it and may rank
    first: the legend says where its index comes from, not that it is low or unrelated to its own scoring."""
    ranking = Client().get("/ket-qua/2020/").content.decode()
    legend = ranking.split("data-not-submitted-legend>")[1].split("</p>")[0]
    assert "thấp" not in legend and "không phải là kết quả của việc tự chấm" not in legend
    assert "được tính từ bản đánh giá đơn vị để lại khi quá hạn" in legend
    assert "tiêu chí đơn vị không chấm được 0 điểm" in legend
