"""«Cách tính chỉ số»: a public page, for a published year, that explains how the index is computed from the
publication's snapshot (areas and maxima, the standard maximum, bonus and penalty with the sets' caps, «không phát
sinh» by the index mode, rounding, a unit's index worked out, ranking and ties, the bands, what «Không gửi báo cáo
tự đánh giá» means), linked from the results page, each unit's page and the open-data page, as the set's page is."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from scoring.models import IndicatorSet, Publication

pytestmark = pytest.mark.django_db

URL = "/ket-qua/2020/cach-tinh-chi-so/"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1])).strip()


def _section(html: str, marker: str) -> str:
    start = html.index(marker)
    return _text(html[start:html.index("</section>", start)])


def test_the_page_explains_the_index_from_the_published_snapshot(publication: Publication) -> None:
    response = Client().get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(html)
    assert "Cách tính Chỉ số CCHC năm 2020" in text
    assert "Công văn số 4567/UBND-NC ngày 08/12/2020 (lần công bố 1)" in text
    method = _section(html, 'data-method-set="test-set"')
    # the areas and their maxima, the standard maximum (the small set: 6 + 4 = 10)
    assert "1. Công tác chỉ đạo, điều hành CCHC 6,00" in method and "2. Hiện đại hóa hành chính 4,00" in method
    assert "Điểm chuẩn (tổng điểm tối đa các lĩnh vực) 10,00" in method
    assert "Chỉ số = tổng điểm các lĩnh vực + điểm cộng − điểm trừ." in method
    # bonus and penalty: the criteria counted, each within its maximum, and the set's caps (2 and 2)
    assert ("Điểm cộng: tổng điểm các tiêu chí điểm cộng (2.2 Sáng kiến CCHC, tối đa 2,00), mỗi tiêu chí từ 0 đến "
            "điểm tối đa của nó; tổng điểm cộng không quá 2,00 điểm (mức trần của bộ chỉ số). Được cộng nhiều nhất "
            "2,00 điểm.") in method
    assert "2.3 Kỷ luật, tối đa 2,00" in method and "tổng điểm trừ không quá 2,00 điểm" in method
    # «không phát sinh» in points mode: the leaf's maximum; a bonus or penalty leaf: 0
    assert "được tính bằng điểm tối đa của tiêu chí" in method
    assert "Tiêu chí điểm cộng hoặc điểm trừ không phát sinh được tính 0 điểm." in method
    assert "làm tròn nửa lên" in method and "một lần, ở bước cuối" in method
    # above the standard maximum with the bonus: 10 + 2
    assert "chỉ số có thể vượt điểm chuẩn 10,00: cao nhất 12,00." in method
    # the first unit in the published order worked out: Sở Công Thương, 4,38 + 2,70, +1,50 bonus, −1,00 penalty
    assert "Ví dụ: Sở Công Thương" in method
    assert "4,38 + 2,70 = 7,08." in method and "7,08 + 1,50 (điểm cộng) − 1,00 (điểm trừ) = 7,58 ." in method
    # each criterion's method is on the page, as published (not the set's live page)
    assert 'href="#tieu-chi-test-set"' in html and 'data-method-criteria="1"' in html
    # ranking and ties, with the year's groups
    ranking = _section(html, "data-method-ranking")
    assert "(1, 2, 2, 4)" in ranking and "theo tên, thứ tự chữ cái tiếng Việt" in ranking
    assert "Sở, ban, ngành tỉnh: 4 đơn vị" in ranking
    # the classification bands, as the set has them
    bands = _section(html, "data-bands")
    assert "Tốt : chỉ số từ 9,00 trở lên" in bands and "Yếu : chỉ số dưới 6,50" in bands
    # what «Không gửi báo cáo tự đánh giá» means, and that nobody was in that case this year
    missing = _section(html, "data-method-not-submitted")
    assert "các tiêu chí đơn vị không chấm được thẩm định 0 điểm" in missing
    assert "Năm 2020 mọi đơn vị đều gửi báo cáo tự đánh giá." in missing


def test_the_caps_are_the_published_ones_not_the_sets_current_values(publication: Publication) -> None:
    IndicatorSet.objects.filter(key="test-set").update(bonus_cap="1.25", penalty_cap="0.75")
    method = _section(Client().get(URL).content.decode(), 'data-method-set="test-set"')
    assert "tổng điểm cộng không quá 2,00 điểm" in method and "1,25" not in method and "0,75" not in method


def test_a_snapshot_stored_before_it_kept_the_caps_reads_them_from_the_set(publication: Publication) -> None:
    for key in ("bonus_cap", "penalty_cap"):
        del publication.snapshot["sets"]["test-set"][key]
    Publication.objects.filter(pk=publication.pk).update(snapshot=publication.snapshot)
    IndicatorSet.objects.filter(key="test-set").update(bonus_cap="1.5")
    method = _section(Client().get(URL).content.decode(), 'data-method-set="test-set"')
    assert "tổng điểm cộng không quá 1,50 điểm" in method and "Được cộng nhiều nhất 1,50 điểm." in method
    assert "cao nhất 11,50." in method


def test_a_set_in_percent_mode_says_its_formula_and_that_kps_leaves_the_maximum(publication: Publication) -> None:
    snapshot = publication.snapshot
    snapshot["sets"]["test-set"]["index_mode"] = "percent"
    Publication.objects.filter(pk=publication.pk).update(snapshot=snapshot)
    method = _section(Client().get(URL).content.decode(), 'data-method-set="test-set"')
    assert ("Chỉ số = (tổng điểm các lĩnh vực + điểm cộng − điểm trừ) × 100 / tổng điểm tối đa của các tiêu chí có "
            "phát sinh.") in method
    assert "được bỏ ra khỏi cả điểm đạt được lẫn tổng điểm tối đa" in method
    assert "được tính bằng điểm tối đa của tiêu chí" not in method
    assert "(7,08 + 1,50 − 1,00) × 100 / 10,00 = 7,58 ." in method
    assert "chỉ số có thể vượt 100." in method


def test_units_that_did_not_submit_are_counted(publication: Publication) -> None:
    snapshot = publication.snapshot
    snapshot["rows"][-1]["not_submitted"] = True
    Publication.objects.filter(pk=publication.pk).update(snapshot=snapshot)
    missing = _section(Client().get(URL).content.decode(), "data-method-not-submitted")
    assert "Năm 2020 có 1 đơn vị không gửi báo cáo tự đánh giá." in missing


def test_the_page_costs_a_fixed_number_of_queries(publication: Publication) -> None:
    client = Client()
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200 and "data-method-set" in response.content.decode()
    assert len(queries) <= 4


def test_a_year_not_published_is_a_404_that_says_so(signed_cycle: Any) -> None:
    response = Client().get(URL)
    assert response.status_code == 404
    assert "2020" in response.content.decode()
    assert "data-method-set" not in response.content.decode()
    assert Client().get("/ket-qua/2020/cach-tinh-chi-so/?lan=7").status_code == 404


def test_the_page_in_english(publication: Publication) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = _text(client.get(URL).content.decode())
    assert "How the 2020 PAR Index is computed" in text
    assert "Index = sum of the areas' points + bonus − penalty." in text
    assert "Cách tính" not in text


# --- the links -------------------------------------------------------------------------------------------------


def test_the_results_page_links_the_method_and_the_sets_page(publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/").content.decode()
    links = re.search(r"<p class=\"meta\" data-method-links>(.*?)</p>", html, re.S).group(1)  # type: ignore[union-attr]
    assert f'href="{URL}"' in links and 'href="/bo-chi-so/test-set/"' in links
    assert "Bộ chỉ số: Bộ chỉ số thử nghiệm" in _text(links)


def test_a_draft_set_is_not_linked(publication: Publication) -> None:
    IndicatorSet.objects.filter(key="test-set").update(status=IndicatorSet.Status.DRAFT)
    client = Client()
    for url in ("/ket-qua/2020/", "/ket-qua/2020/don-vi/so-y-te/", URL):
        html = client.get(url).content.decode()
        assert "/bo-chi-so/test-set/" not in html, url
        assert "data-method-links" in html or "data-method-set" in html, url  # the method is still linked or shown
    # the unit page still names its set, as plain text
    assert "Bộ chỉ số thử nghiệm (689/QĐ-UBND" in client.get("/ket-qua/2020/don-vi/so-y-te/").content.decode()


def test_the_unit_page_links_its_set_and_the_method(publication: Publication) -> None:
    html = Client().get("/ket-qua/2020/don-vi/so-y-te/").content.decode()
    assert '<a href="/bo-chi-so/test-set/" data-set-link>Bộ chỉ số thử nghiệm</a> (689/QĐ-UBND' in html
    assert f'<a href="{URL}">Cách tính chỉ số</a>' in html


def test_an_earlier_revisions_pages_link_the_method_of_that_revision(publication: Publication,
                                                                       admin_user: Any) -> None:
    import datetime

    from scoring.publication.services import cycle_publish

    cycle_publish(cycle=publication.cycle, document_number="Công văn số 9999/UBND-NC",
                  document_date=datetime.date(2020, 12, 20), reason="Sửa số văn bản", actor=admin_user,
                  document_only=True)
    html = Client().get("/ket-qua/2020/?lan=1").content.decode()
    assert f'href="{URL}?lan=1"' in html
    text = _text(Client().get(f"{URL}?lan=1").content.decode())
    assert "Công văn số 4567/UBND-NC ngày 08/12/2020 (lần công bố 1)" in text


def test_the_open_data_page_links_each_published_years_method(publication: Publication) -> None:
    html = Client().get("/du-lieu-mo/").content.decode()
    assert f'<a href="{URL}">năm 2020</a>' in html
