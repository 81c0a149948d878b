from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from scoring.models import Cycle, ExportJob, Publication, Unit
from tests.publication.conftest import finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- visibility -------------------------------------------------------------------------------------------


def test_an_unpublished_cycle_is_a_404_for_the_public_and_for_another_unit(
    signed_cycle: Cycle, other_unit_editor: Any
) -> None:
    for client in (_client(), _client(other_unit_editor)):
        for url in ("/ket-qua/2020/", "/ket-qua/2020/don-vi/so-y-te/", "/ket-qua/2020/ket-qua.csv",
                    "/ket-qua/2020/ket-qua.json", "/ket-qua/2020/ket-qua.xlsx"):
            assert client.get(url).status_code == 404, url
    assert b"2020" not in _client().get("/ket-qua/").content.split(b"<main")[1]


def test_a_published_cycle_is_public_without_login(publication: Publication) -> None:
    response = _client().get("/ket-qua/2020/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Công văn số 4567/UBND-NC" in html and "08/12/2020" in html
    order = [html.index(name) for name in ("Sở Công Thương", "Sở Tư pháp", "Sở Y tế", "Sở Xây dựng")]
    assert order == sorted(order)
    assert "7,58" in html and "7.58" not in html
    assert '<th scope="col" class="num">Hạng</th>' in html


def test_the_ranking_page_filters_by_a_search_without_diacritics(publication: Publication) -> None:
    html = _client().get("/ket-qua/2020/", {"q": "xay dung"}).content.decode()
    assert "Sở Xây dựng" in html and "Sở Y tế</a>" not in html


def test_the_ranking_page_costs_a_fixed_number_of_queries(publication: Publication) -> None:
    client = _client()
    client.get("/ket-qua/2020/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/ket-qua/2020/")
    assert len(queries) <= 6


# --- the unit page and its notes ---------------------------------------------------------------------------


def test_the_unit_page_shows_the_breakdown_and_why_it_ranks_below(publication: Publication) -> None:
    html = _client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    assert "Ban hành kế hoạch CCHC năm" in html and "0,88" in html
    assert "Sở Tư pháp (hạng 1), cao hơn 1,00 điểm" in html
    assert "Kế hoạch ban hành trễ hạn" not in html


def test_the_units_own_people_see_the_appraisers_notes(publication: Publication, unit_editor: Any) -> None:
    html = _client(unit_editor).get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    assert "Kế hoạch ban hành trễ hạn" in html


def test_another_units_people_do_not_see_the_appraisers_notes(
    publication: Publication, other_unit_editor: Any
) -> None:
    html = _client(other_unit_editor).get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    assert "Kế hoạch ban hành trễ hạn" not in html and "hồ sơ tài liệu kiểm chứng" not in html


def test_an_unknown_unit_is_a_404(publication: Publication) -> None:
    assert _client().get("/ket-qua/2020/don-vi/cuc-thue/").status_code == 404


# --- administration ------------------------------------------------------------------------------------------


def test_the_administrator_previews_an_unpublished_cycle(signed_cycle: Cycle, admin_user: Any) -> None:
    response = _client(admin_user).get("/ket-qua/quan-ly/2020/")
    assert response.status_code == 200
    assert "Sở Công Thương" in response.content.decode()


def test_a_unit_editor_may_not_open_the_publish_page(signed_cycle: Cycle, unit_editor: Any) -> None:
    assert _client(unit_editor).get("/ket-qua/quan-ly/2020/").status_code == 403
    response = _client().get("/ket-qua/quan-ly/2020/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_the_administrator_publishes_with_a_plain_form_post(signed_cycle: Cycle, admin_user: Any) -> None:
    response = _client(admin_user).post("/ket-qua/quan-ly/2020/cong-bo/", {
        "confirmed": "on", "document_number": "Công văn số 4567/UBND-NC", "document_date": "08/12/2020"})
    assert response.status_code == 302 and response["Location"] == "/ket-qua/2020/"
    assert Publication.objects.get().document_date.isoformat() == "2020-12-08"


def test_a_non_administrator_cannot_publish(signed_cycle: Cycle, lead: Any) -> None:
    response = _client(lead).post("/ket-qua/quan-ly/2020/cong-bo/", {
        "confirmed": "on", "document_number": "Công văn số 1", "document_date": "08/12/2020"})
    assert response.status_code == 403 and not Publication.objects.exists()


def test_a_bad_date_is_refused_with_a_vietnamese_message_and_nothing_changes(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    response = _client(admin_user).post("/ket-qua/quan-ly/2020/cong-bo/", {
        "confirmed": "on", "document_number": "Công văn số 1", "document_date": "31/02/2020"})
    assert response.status_code == 400
    assert "Ngày không hợp lệ" in response.content.decode()
    assert not Publication.objects.exists()


def test_a_correction_without_a_reason_is_refused_on_the_page(publication: Publication, admin_user: Any) -> None:
    response = _client(admin_user).post("/ket-qua/quan-ly/2020/cong-bo/", {
        "confirmed": "on", "document_number": "Công văn số 2", "document_date": "10/12/2020"})
    assert response.status_code == 400
    assert "lý do" in response.content.decode()
    assert Publication.objects.count() == 1


def test_an_earlier_revision_stays_readable(publication: Publication, admin_user: Any, cycle: Cycle) -> None:
    from scoring.publication.services import cycle_publish

    sign_off_unit(cycle, "so-noi-vu", {})
    cycle_publish(cycle=cycle, document_number="Công văn số 4600/UBND", document_date=publication.document_date,
                  actor=admin_user, reason="Bổ sung Sở Nội vụ")
    assert "Sở Nội vụ" in _client().get("/ket-qua/2020/").content.decode()
    old = _client().get("/ket-qua/2020/", {"lan": 1}).content.decode()
    assert "Sở Nội vụ</a>" not in old and "Công văn số 4567/UBND-NC" in old


def test_an_earlier_revisions_unit_page_gives_that_revisions_figures_in_its_history_too(
    publication: Publication, admin_user: Any, cycle: Cycle
) -> None:
    """The history's row for the year shown is the revision shown: never two figures for one year on a page."""
    from scoring.publication.services import cycle_publish

    sign_off_unit(cycle, "so-noi-vu", {})
    cycle_publish(cycle=cycle, document_number="Công văn số 4600/UBND", document_date=publication.document_date,
                  actor=admin_user, reason="Bổ sung Sở Nội vụ")
    for revision in (1, 2):
        answer = _client().get("/api/v1/open-data/2020/units/so-y-te/", {"lan": revision}).json()
        (year_2020,) = [h for h in answer["history"] if h["year"] == 2020]
        assert year_2020["revision"] == revision
        assert (year_2020["index"], year_2020["rank"]) == (answer["result"]["index"], answer["result"]["rank"])
    page = _client().get("/ket-qua/2020/don-vi/so-y-te/", {"lan": 1})
    assert page.status_code == 200
    assert [h.revision for h in page.context["history"] if h.year == 2020] == [1]


# --- files ---------------------------------------------------------------------------------------------------


def test_the_pdf_is_built_in_the_background_and_downloadable_by_anyone(
    publication: Publication, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ket-qua/2020/tao-tep/pdf/")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ket-qua/tep/{job.pk}/"
    status = client.get(f"/ket-qua/tep/{job.pk}/", {"format": "json"}).json()
    assert status["status"] == "done" and status["progress"] == 100
    pdf = b"".join(client.get(status["download"]).streaming_content)
    assert pdf.startswith(b"%PDF")
    # asking again reuses the file built once
    client.post("/ket-qua/2020/tao-tep/pdf/")
    assert ExportJob.objects.count() == 1


def test_the_evidence_pack_is_for_the_units_own_people(
    publication: Publication, unit_editor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(unit_editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ket-qua/2020/don-vi/so-y-te/ho-so-minh-chung/")
    assert response.status_code == 302
    job = ExportJob.objects.get(kind="evidence")
    data = b"".join(client.get(f"/ket-qua/tep/{job.pk}/tai-ve/").streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        book = load_workbook(io.BytesIO(zf.read("tong-hop.xlsx")))
    rows = list(book.active.iter_rows(values_only=True))
    assert "Sở Y tế" in rows[0][0]
    assert [r[0] for r in rows[3:] if r[0]] == ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.2.3", "2.1.1", "2.1.2", "2.2.1",
                                        "2.3.1"]


def test_another_units_people_cannot_get_the_evidence_pack(
    publication: Publication, unit_editor: Any, other_unit_editor: Any
) -> None:
    assert _client(other_unit_editor).post("/ket-qua/2020/don-vi/so-y-te/ho-so-minh-chung/").status_code == 404
    _client(unit_editor).post("/ket-qua/2020/don-vi/so-y-te/ho-so-minh-chung/")
    job = ExportJob.objects.get(kind="evidence")
    assert _client(other_unit_editor).get(f"/ket-qua/tep/{job.pk}/").status_code == 404
    assert _client().get(f"/ket-qua/tep/{job.pk}/tai-ve/").status_code == 404


# --- year over year -----------------------------------------------------------------------------------------


def test_year_over_year_follows_a_renamed_unit(publication: Publication, admin_user: Any, small_set: Any) -> None:
    from scoring.models import UnitKind
    from scoring.publication.services import cycle_publish
    from scoring.services import cycle_create

    Unit.objects.filter(code="so-y-te").update(name="Sở Y tế tỉnh")
    kinds = UnitKind.objects.filter(code__in=["department"])
    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={k: small_set for k in kinds}, actor=None)
    sign_off_unit(later, "so-y-te", {"1.1.1": {"option": "on_time"}, "2.3.1": {"counts": {"disciplined": 0}}})
    sign_off_unit(later, "so-tu-phap", {})
    cycle_publish(cycle=finalisation_phase(later), document_number="Công văn số 99/UBND",
                  document_date=datetime.date(2022, 3, 1), actor=admin_user)
    html = _client().get("/ket-qua/2021/so-sanh/2020/").content.decode()
    assert "Sở Y tế tỉnh" in html and "(trước đây: Sở Y tế)" in html
    assert "năm 2020 (lần 1) và năm 2021 (lần 1)" in html  # which revisions are compared
    assert "+2,00" in html and "↑ 2" in html
    assert "Sở Xây dựng" not in html
    history = _client().get("/ket-qua/2021/don-vi/so-y-te/").content.decode()
    assert "2020" in history and "Sở Y tế</td>" in history


def test_year_over_year_and_history_follow_merged_units(
    publication: Publication, admin_user: Any, small_set: Any
) -> None:
    from scoring.models import UnitKind, UnitSuccession
    from scoring.publication.services import cycle_publish
    from scoring.services import cycle_create

    # Sở Xây dựng (5.58) and Sở Công Thương (7.58) are merged into Sở Nội vụ, which was not published in 2020
    successor = Unit.objects.get(code="so-noi-vu")
    for code in ("so-xay-dung", "so-cong-thuong"):
        UnitSuccession.objects.create(predecessor=Unit.objects.get(code=code), successor=successor)
    kinds = UnitKind.objects.filter(code__in=["department"])
    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={k: small_set for k in kinds}, actor=None)
    sign_off_unit(later, "so-noi-vu", {})
    sign_off_unit(later, "so-y-te", {})
    cycle_publish(cycle=finalisation_phase(later), document_number="Công văn số 99/UBND",
                  document_date=datetime.date(2022, 3, 1), actor=admin_user)
    html = _client().get("/ket-qua/2021/so-sanh/2020/").content.decode()
    row = html[html.index("Sở Nội vụ"):].split("</tr>")[0]
    assert "trước đây: Sở Công Thương + Sở Xây dựng" in row
    # 2020 (a detail column on a phone), 2021, the change
    assert '<td class="num detail-col">6,58</td><td class="num index">6,58</td><td class="num">0,00</td>' in row
    history = _client().get("/ket-qua/2021/don-vi/so-noi-vu/").content.decode()
    assert "Sở Công Thương</td>" in history and "Sở Xây dựng</td>" in history
    # a merged unit's own page shows its successor's later years, not its sibling's
    sibling = _client().get("/ket-qua/2020/don-vi/so-xay-dung/").content.decode()
    assert "Sở Nội vụ</td>" in sibling and "Sở Công Thương</td>" not in sibling


def test_publishing_from_the_page_is_refused_while_a_unit_is_not_signed_off(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    from scoring.services import assessments_open

    assessments_open(cycle=signed_cycle, units=[Unit.objects.get(code="cuc-thue")], actor=None)
    client = _client(admin_user)
    preview = client.get("/ket-qua/quan-ly/2020/").content.decode()
    assert "Cục Thuế tỉnh: chưa được thông qua" in preview
    response = client.post("/ket-qua/quan-ly/2020/cong-bo/", {
        "confirmed": "on", "document_number": "Công văn số 1", "document_date": "08/12/2020"})
    assert response.status_code == 409 and "Chưa thể công bố" in response.content.decode()
    assert not Publication.objects.exists()


def test_the_unit_page_explains_a_not_applicable_leaf_by_the_score_the_index_counts(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    from decimal import Decimal

    from scoring.models import ScoreLine
    from scoring.publication.services import cycle_publish
    from tests.publication.conftest import DOC_DATE

    ScoreLine.objects.filter(assessment__cycle=signed_cycle, assessment__unit__code="so-y-te",
                             indicator__code="1.2.2").update(not_applicable=True, not_applicable_reason="Không có",
                                                             appraised_score=Decimal("0"))
    cycle_publish(cycle=signed_cycle, document_number="Công văn số 1/UBND", document_date=DOC_DATE,
                  actor=admin_user)
    html = _client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    why = html[html.index('id="why"'):html.index('id="areas-title"')]
    assert "1.2.2 (+0,62, KPS)" in why  # 1,50 counted against Sở Tư pháp's 0,88, not 0,00
    assert "<td>1.2.2</td>" not in why


def test_the_ranking_page_counts_units_with_plural_forms_in_english(
    publication: Publication, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.utils.translation import trans_real

    # The translator's entry for the new plural message (locale/ is translated later).
    english = trans_real.translation("en")
    entries = {("%(n)s đơn vị", 0): "%(n)s unit", ("%(n)s đơn vị", 1): "%(n)s units"}
    real_plural = english.ngettext

    def ngettext(singular: str, plural: str, n: int) -> str:
        found = entries.get((singular, english.plural(n)))
        return found if found is not None else real_plural(singular, plural, n)

    monkeypatch.setattr(english, "ngettext", ngettext)
    client = _client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/ket-qua/2020/").content.decode()
    assert 'lang="en"' in html
    assert "(4 units)" in html and "(4 unit)" not in html


@pytest.mark.parametrize("raw", ["-1", "1.0", "²", "١", "abc", "9" * 25])
def test_a_revision_that_names_none_is_not_found_not_the_latest_shown_silently(
    publication: Publication, raw: str
) -> None:
    """`?lan=0` was a 404 and `?lan=-1` the latest revision shown as if asked for: every value that names no
    revision is now a 404, on the page and the downloads; no value (or an empty one) is the latest."""
    client = _client()
    for url in ("/ket-qua/2020/", "/ket-qua/2020/ket-qua.csv"):
        assert client.get(f"{url}?lan={raw}").status_code == 404, url
    assert client.get("/ket-qua/2020/?lan=").status_code == 200
    assert client.get(f"/ket-qua/2020/?lan={publication.revision}").status_code == 200


def test_a_year_is_not_compared_with_itself(publication: Publication) -> None:
    assert _client().get("/ket-qua/2020/so-sanh/2020/").status_code == 404


def test_the_area_legend_gives_each_sets_maximum_where_the_sets_differ() -> None:
    """Tiền Giang's departments' set gives area 4 ten points and the districts' eleven: the public page's legend
    said «tối đa 10,00» for both (the first set's). The downloads keep the first set's in their stable columns."""
    from django.template.loader import render_to_string

    from scoring.publication import selectors

    def area(maximum: str) -> dict[str, Any]:
        return {"code": "4", "parent": None, "kind": "normal", "name": "Cải cách tài chính công", "max_points": maximum}

    snap = {"sets": {"so": {"name": "Bộ chỉ số sở", "indicators": [area("10.00")]},
                     "huyen": {"name": "Bộ chỉ số huyện", "indicators": [area("11.00")]}}}
    (found,) = selectors.areas(snap)
    assert found["max_points"] == "10.00" and not found["same_max"]
    assert found["maxima"] == [("Bộ chỉ số sở", "10.00"), ("Bộ chỉ số huyện", "11.00")]
    same = selectors.areas({"sets": {"so": snap["sets"]["so"], "khac": {"name": "x", "indicators": [area("10")]}}})
    assert same[0]["same_max"]
    html = render_to_string("scoring/publication/_areas.html", {"areas": [found]})
    assert "10,00 — Bộ chỉ số sở; 11,00 — Bộ chỉ số huyện" in html


# --- publishing: typed text, a form sent again, co-ranked units --------------------------------------------


def test_a_document_number_with_a_direction_override_is_refused_on_the_page(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    response = _client(admin_user).post("/ket-qua/quan-ly/2020/cong-bo/", {
        "confirmed": "on", "document_number": "a\u202eb", "document_date": "08/12/2020"})
    assert response.status_code == 400
    assert "ký tự đảo chiều văn bản không được phép" in response.content.decode()
    assert not Publication.objects.exists()


def test_the_same_publish_form_sent_three_times_makes_one_revision(signed_cycle: Cycle, admin_user: Any) -> None:
    client = _client(admin_user)
    # as the first publication's form sends it (no reason)
    form = {"confirmed": "on", "document_number": "Công văn số 4567/UBND-NC", "document_date": "08/12/2020"}
    answers = [client.post("/ket-qua/quan-ly/2020/cong-bo/", form) for _ in range(3)]
    assert [a.status_code for a in answers] == [302, 409, 409]
    assert "không có gì để đính chính" in answers[1].content.decode()
    assert Publication.objects.count() == 1


def test_a_co_ranked_units_page_does_not_call_the_other_unit_ranked_above(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    from scoring.publication.services import cycle_publish
    from tests.publication.conftest import DOC_DATE

    # Sở Nội vụ reaches 7.58 without a discipline penalty, as Sở Công Thương does with 1.1.1 on time
    sign_off_unit(signed_cycle, "so-noi-vu", {"2.3.1": {"counts": {"disciplined": 0}}})
    cycle_publish(cycle=signed_cycle, document_number="Công văn số 1", document_date=DOC_DATE, actor=admin_user)
    html = _client().get("/ket-qua/2020/don-vi/so-noi-vu/").content.decode()
    assert "Đồng hạng với Sở Công Thương" in html
    assert "Các tiêu chí đơn vị đồng hạng Sở Công Thương đạt cao hơn" in html
    assert "Đơn vị đồng hạng" in html and "Đơn vị xếp trên" not in html


def test_the_unit_listed_first_of_a_tie_names_the_units_it_ties_with(signed_cycle: Cycle, admin_user: Any) -> None:
    from scoring.publication.services import cycle_publish
    from tests.publication.conftest import DOC_DATE

    sign_off_unit(signed_cycle, "so-noi-vu", {"2.3.1": {"counts": {"disciplined": 0}}})
    cycle_publish(cycle=signed_cycle, document_number="Công văn số 1", document_date=DOC_DATE, actor=admin_user)
    # Sở Công Thương is listed before Sở Nội vụ (equals by name): its page says whom it ties with too
    html = _client().get("/ket-qua/2020/don-vi/so-cong-thuong/").content.decode()
    assert "Đồng hạng với Sở Nội vụ" in html
    assert "Đồng hạng với Sở Công Thương" in _client().get("/ket-qua/2020/don-vi/so-noi-vu/").content.decode()


def test_a_publish_form_error_is_the_description_its_field_points_to(signed_cycle: Cycle, admin_user: Any) -> None:
    response = _client(admin_user).post("/ket-qua/quan-ly/2020/cong-bo/", {
        "confirmed": "on", "document_number": "Công văn số 1", "document_date": "không phải ngày"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-describedby="id_document_date_error"' in html and 'id="id_document_date_error"' in html
