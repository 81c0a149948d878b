"""What a QA round found on the public results pages and the publish page (citizen, journalist, administrator):
the open-data page without the maintainers' note; the ranking's index first on a phone and charts readable;
one sign for penalties on a unit's page with the bonus and penalty groups apart from the areas' totals; the
classification cut-offs published; the PDF headed with the province; the set list's counts as the product says
them; a correction that changes nothing said so, and the publish preview listing what a correction changes."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, Cycle, IndexResult, Publication, ScoreLine
from scoring.publication import charts, exports, selectors
from scoring.publication.services import cycle_publish
from tests.publication.conftest import date_results

pytestmark = pytest.mark.django_db


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- 1. the open-data page ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "note"), [
    ("vi", "dựng thẳng từ tệp này"), ("vi", "sửa tệp này thì sửa cả bản"),
    ("en", "built straight from this file"), ("en", "change both together"),
])
def test_the_open_data_page_leaves_out_the_note_for_maintainers(language: str, note: str) -> None:
    from django.conf import settings

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = client.get("/du-lieu-mo/").content.decode()

    assert note not in html
    assert "<!--" not in html[html.index("<article"):]  # not kept as a hidden comment either
    assert "cchc-ket-qua/1" in html  # the document itself is there


# --- 2. the ranking table on a phone, and the charts' text ---------------------------------------------------


def _header_cells(html: str) -> list[str]:
    table = html[html.index('<table class="grid ranking"'):]
    head = table[table.index("<thead>"):table.index("</thead>")]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", head)]


def test_the_ranking_gives_the_index_and_classification_right_after_the_unit(publication: Publication) -> None:
    html = _client().get("/ket-qua/2020/").content.decode()

    assert _header_cells(html)[:4] == ["Hạng", "Đơn vị", "Chỉ số", "Xếp loại"]
    # the areas, bonus and penalty follow, marked to be shown on request on a phone, with the toggle to show them
    # (an area's column says its full name after its number, `test_public_results_language_of_parts`)
    assert [c.split(" — ")[0] for c in _header_cells(html)[4:]] == ["Lĩnh vực 1", "Lĩnh vực 2", "Điểm cộng", "Điểm trừ"]
    assert html.count('class="num area-col detail-col"') >= 2 and "data-show-details" in html
    assert "css/publication.css" in html


def _svg_text_px(svg: str, column: int) -> float:
    """The size a chart's text is drawn at in a page column `column` px wide (the chart never enlarged)."""
    width = float(re.search(r'width="([\d.]+)"', svg).group(1))  # type: ignore[union-attr]
    view = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))  # type: ignore[union-attr]
    size = float(re.search(r'font-size="([\d.]+)"', svg).group(1))  # type: ignore[union-attr]
    shown = min(width, column)
    return size * shown / view


@pytest.mark.parametrize("column", [335, 720])  # a 375 px phone's column; the chart box on a desktop
def test_every_chart_reads_at_eleven_pixels_or_more_on_a_phone_and_a_desktop(column: int) -> None:
    names = [f"Sở số {n} có một cái tên rất dài để thử nhãn" for n in range(20)]
    values = [Decimal("60") + n * Decimal("2.37") for n in range(20)]
    drawn = [
        charts.ranking_bars(list(zip(names, values, strict=True)), title="Xếp hạng"),
        charts.area_comparison([(f"{n}. Lĩnh vực {n}", Decimal(10), Decimal(7), Decimal(8)) for n in range(7)],
                               title="Lĩnh vực", first="Đơn vị", second="Bình quân khối"),
        charts.distribution(values, title="Phân bố", step=Decimal(5)),
        charts.distribution(values, title="Phân bố", step=Decimal("2.5")),
        charts.trend([(str(2018 + n), v) for n, v in enumerate(values[:6])], title="Qua các năm"),
    ]
    for svg in drawn:
        assert _svg_text_px(svg, column) >= 11, svg[:200]


def test_the_histograms_labels_stay_in_the_chart(publication: Publication) -> None:
    values = [Decimal("40") + n * Decimal("3.1") for n in range(20)]
    svg = charts.distribution(values, title="Phân bố", step=Decimal(5))
    # one row per bin (its label at the left), so many bins widen nothing
    assert 'viewBox="0 0 340 ' in svg
    labels = re.findall(r"<text[^>]*>([^<]*dưới[^<]*)</text>", svg)
    assert labels == [b.label for b in charts.distribution_bins(values, step=Decimal(5))]


# --- 3. a unit's page: one sign for penalties, bonus and penalty apart ------------------------------------------


def _tbodies(html: str) -> list[str]:
    table = html[html.index('<table class="grid compact tree breakdown">'):]
    table = table[:table.index("</table>")]
    return re.findall(r"<tbody.*?</tbody>", table, flags=re.S)


def _row(tbody: str, code: str) -> str:
    return next(r for r in re.findall(r"<tr.*?</tr>", tbody, flags=re.S) if f"<td>{code}</td>" in r)


def test_a_units_breakdown_shows_the_penalty_negative_in_its_own_group_apart_from_the_area(
    publication: Publication,
) -> None:
    html = _client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()

    areas, bonus, penalty = _tbodies(html)
    # the areas' rows add up to their totals: no bonus/penalty row inside them
    assert "<td>2.2.1</td>" not in areas and "<td>2.3.1</td>" not in areas and "<td>2.1.1</td>" in areas
    assert 'data-group="bonus"' in bonus and "<td>2.2.1</td>" in bonus
    assert "Điểm cộng — không tính vào tổng lĩnh vực" in bonus and "+1,50" in bonus
    assert 'data-group="penalty"' in penalty and "Điểm trừ — không tính vào tổng lĩnh vực" in penalty
    # the penalty written as points deducted, as the summary and «Vì sao xếp ở vị trí này» write it
    assert ">−1,00<" in _row(penalty, "2.3.1") and ">−2,00<" in _row(penalty, "2.3.1")  # score, maximum
    assert "(trừ vào chỉ số: −1,00)" in penalty
    assert ">1,00<" not in _row(penalty, "2.3.1")


def test_the_ranking_table_writes_the_penalty_as_points_deducted(publication: Publication) -> None:
    html = _client().get("/ket-qua/2020/").content.decode()
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, flags=re.S) if "Sở Y tế" in r)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[-2:] == ["+1,50", "−1,00"]  # bonus, penalty


# --- 4. the classification cut-offs -------------------------------------------------------------------------


def test_the_cycle_page_publishes_the_classification_cut_offs(publication: Publication) -> None:
    html = _client().get("/ket-qua/2020/").content.decode()

    section = html[html.index("data-bands"):]
    section = re.sub(r"<[^>]+>", "", section[:section.index("</section>")])
    assert "Thang xếp loại" in section
    for said in ("Tốt: chỉ số từ 9,00 trở lên", "Khá: chỉ số từ 8,00 đến dưới 9,00",
                 "Trung bình: chỉ số từ 6,50 đến dưới 8,00", "Yếu: chỉ số dưới 6,50"):
        assert said in section


def test_sets_with_different_cut_offs_are_published_each_with_its_scale(two_set_publication: Publication) -> None:
    from scoring.models import IndicatorSet

    snapshot = dict(two_set_publication.snapshot)
    snapshot["sets"] = {k: dict(v) for k, v in snapshot["sets"].items()}
    snapshot["sets"]["test-set-huyen"]["classification_bands"] = [{"label": "Tốt", "min": "9.50"},
                                                                  {"label": "Khá", "min": "5.00"}]
    scales = selectors.classification_scales(snapshot)
    assert [s.set_names for s in scales] == [
        [IndicatorSet.objects.get(key="test-set").name], ["Bộ chỉ số thử nghiệm cấp huyện, thị xã, thành phố"]
    ]
    assert scales[1].unclassified_below == Decimal("5.00")

    # the two real sets agree: one scale, named for both
    assert [len(s.set_names) for s in selectors.classification_scales(two_set_publication.snapshot)] == [2]


def test_the_open_data_json_lists_each_sets_classification_bands(publication: Publication) -> None:
    data = json.loads(_client().get("/ket-qua/2020/ket-qua.json").content)

    assert data["indicator_sets"][0]["classification_bands"] == [
        {"label": "Tốt", "min": "9.00"}, {"label": "Khá", "min": "8.00"},
        {"label": "Trung bình", "min": "6.50"}, {"label": "Yếu", "min": "0.00"},
    ]


def test_a_publication_made_before_the_bands_were_kept_gets_them_from_its_set(publication: Publication) -> None:
    snapshot = json.loads(json.dumps(publication.snapshot))
    for s in snapshot["sets"].values():
        s.pop("classification_bands", None)
    Publication.objects.filter(pk=publication.pk).update(snapshot=snapshot)

    data = exports.open_data(Publication.objects.get(pk=publication.pk))

    assert data["indicator_sets"][0]["classification_bands"][0] == {"label": "Tốt", "min": "9.00"}


def test_the_public_set_page_shows_its_classification_bands(small_set: Any, cycle: Any) -> None:
    html = _client().get(f"/bo-chi-so/{small_set.key}/").content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    assert "Thang xếp loại" in text and "Tốt: chỉ số từ 9,00 trở lên" in text and "Yếu: chỉ số dưới 6,50" in text


# --- 5. the PDF's heading -------------------------------------------------------------------------------------


def test_the_pdf_report_is_headed_with_the_province(publication: Publication, settings: Any) -> None:
    assert "UỶ BAN NHÂN DÂN TỈNH TIỀN GIANG" in exports.report_html(publication)

    settings.CCHC_PROVINCE_NAME = "Long An"
    assert "UỶ BAN NHÂN DÂN TỈNH LONG AN" in exports.report_html(publication)


# --- 6. the set list ------------------------------------------------------------------------------------------


def test_the_set_list_counts_criteria_and_sub_criteria(small_set: Any, admin_user: Any) -> None:
    html = _client(admin_user).get("/quan-ly/bo-chi-so/").content.decode()
    # the small set: 2 areas, 5 criteria, 9 sub-criteria (16 nodes, which is not a count anyone uses)
    assert "5 tiêu chí, 9 tiêu chí thành phần" in html
    assert '<td class="num">16</td>' not in html


# --- 7. a correction that changes nothing, and what a correction changes --------------------------------------

LATER = datetime.date(2020, 12, 20)


def test_a_correction_changing_no_figure_needs_the_document_only_confirmation(
    publication: Publication, admin_user: Any
) -> None:
    with pytest.raises(ValidationFailed) as err:
        cycle_publish(cycle=publication.cycle, document_number="Công văn số 9/UBND", document_date=LATER,
                      reason="Sai số văn bản", actor=admin_user)
    assert list(err.value.details) == ["document_only"]
    assert "chỉ đính chính thông tin văn bản" in err.value.details["document_only"]
    assert Publication.objects.count() == 1

    second = cycle_publish(cycle=publication.cycle, document_number="Công văn số 9/UBND", document_date=LATER,
                           reason="Sai số văn bản", actor=admin_user, document_only=True)

    assert second.snapshot["document_only"] is True
    entry = AuditEntry.objects.get(action="publication.correct")
    assert entry.changes["document_only"] == {"old": None, "new": True}


def _change_a_score(cycle: Cycle, unit_code: str = "so-y-te") -> None:
    """Sở Y tế's 1.1.1 appraised on time (+1: 6,58 → 7,58, tied first), as a reopened re-appraisal would."""
    from scoring.services import index_result_recompute

    line = ScoreLine.objects.get(assessment__cycle=cycle, assessment__unit__code=unit_code, indicator__code="1.1.1")
    ScoreLine.objects.filter(pk=line.pk).update(appraised_score=Decimal("1"))
    IndexResult.objects.filter(assessment_id=line.assessment_id).update(stale=True)
    index_result_recompute(assessment_id=line.assessment_id)
    date_results(cycle, line.assessment_id)  # recomputed before the correction's date


def test_the_document_only_confirmation_is_refused_when_figures_change(
    publication: Publication, admin_user: Any
) -> None:
    _change_a_score(publication.cycle)
    with pytest.raises(ValidationFailed) as err:
        cycle_publish(cycle=publication.cycle, document_number="Công văn số 9/UBND", document_date=LATER,
                      reason="Sai điểm 1.1.1", actor=admin_user, document_only=True)
    assert "Kết quả đã thay đổi" in err.value.details["document_only"]
    assert Publication.objects.count() == 1
    # the same correction, not said to be document-only, is published as a correction of results
    third = cycle_publish(cycle=publication.cycle, document_number="Công văn số 9/UBND", document_date=LATER,
                          reason="Sai điểm 1.1.1", actor=admin_user)
    assert "document_only" not in third.snapshot


def test_a_document_only_correction_says_so_on_the_public_pages(publication: Publication, admin_user: Any) -> None:
    cycle_publish(cycle=publication.cycle, document_number="Công văn số 9/UBND", document_date=LATER,
                  reason="Sai số văn bản", actor=admin_user, document_only=True)

    latest = _client().get("/ket-qua/2020/").content.decode()
    earlier = _client().get("/ket-qua/2020/?lan=1").content.decode()
    unit = _client().get("/ket-qua/2020/don-vi/so-y-te/?lan=1").content.decode()

    assert "lần công bố 2 · <span data-document-only>đính chính thông tin văn bản, kết quả không thay đổi" in latest
    for html in (earlier, unit):
        assert "kết quả không thay đổi" in html and "Kết quả này đã được đính chính" not in html
    assert "đính chính thông tin văn bản, kết quả không thay đổi" in exports.report_html(
        Publication.objects.get(revision=2))


def test_an_earlier_revision_still_says_its_results_were_corrected_by_a_results_correction(
    publication: Publication, admin_user: Any
) -> None:
    _change_a_score(publication.cycle)
    cycle_publish(cycle=publication.cycle, document_number="Công văn số 9/UBND", document_date=LATER,
                  reason="Sai điểm 1.1.1", actor=admin_user)

    earlier = _client().get("/ket-qua/2020/?lan=1").content.decode()

    assert "Kết quả này đã được đính chính bởi lần công bố 2" in earlier


def test_the_publish_preview_lists_the_units_a_correction_changes(publication: Publication, admin_user: Any) -> None:
    _change_a_score(publication.cycle)

    html = _client(admin_user).get("/ket-qua/quan-ly/2020/").content.decode()

    section = html[html.index("data-revision-changes"):]
    section = section[:section.index("</section>")]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    assert "Thay đổi so với lần công bố 1" in text
    assert "1 đơn vị thay đổi" in text
    assert "Sở Y tế Sở, ban, ngành tỉnh 6,58 → 7,58 3 → 1 Trung bình " in text  # the class stays (under 8,00)
    # the others keep their index, rank and class (Sở Xây dựng stays 4th): not listed
    assert "Sở Xây dựng" not in text and "Sở Tư pháp" not in text
    assert 'name="document_only"' not in html  # results change: no document-only confirmation offered


def test_the_publish_preview_says_when_nothing_changes_and_asks_for_the_confirmation(
    publication: Publication, admin_user: Any
) -> None:
    client = _client(admin_user)
    html = client.get("/ket-qua/quan-ly/2020/").content.decode()

    assert "data-nothing-changes" in html and "Không đơn vị nào thay đổi chỉ số, thứ hạng hay xếp loại" in html
    assert 'name="document_only"' in html

    form = {"confirmed": "on",
        "document_number": "Công văn số 9/UBND", "document_date": "20/12/2020", "reason": "Sai số văn bản"}
    refused = client.post("/ket-qua/quan-ly/2020/cong-bo/", form)
    assert refused.status_code == 400 and "Hãy đánh dấu xác nhận" in refused.content.decode()
    assert Publication.objects.count() == 1

    done = client.post("/ket-qua/quan-ly/2020/cong-bo/", {**form, "document_only": "on"}, follow=True)
    assert done.status_code == 200
    assert "đính chính thông tin văn bản, kết quả không thay đổi" in done.content.decode()
    assert Publication.objects.get(revision=2).snapshot["document_only"] is True


def test_the_api_asks_for_the_same_confirmation(publication: Publication, admin_user: Any) -> None:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin_user)
    body = {"document_number": "Công văn số 9/UBND", "document_date": "20/12/2020", "reason": "Sai số văn bản"}

    refused = api.post("/api/v1/publications/2020/publish/", body, format="json")
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["document_only"]

    done = api.post("/api/v1/publications/2020/publish/", {**body, "document_only": True}, format="json")
    assert done.status_code == 201 and done.json()["revision"] == 2
