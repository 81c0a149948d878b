"""A year that is not published (a cycle not yet published, or no cycle at all), its files, a revision it does not
have, and a unit without a result in a published year: a 404 that says so, with the years that are published (and
the unit's own), as the comparison with an unpublished year already does — not the generic «Không tìm thấy
trang». The API keeps its JSON 404s."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from scoring.models import Publication, Unit, UnitKind
from tests.publication.conftest import finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db


def _publish_2021(admin_user: Any, small_set: Any) -> Publication:
    """2021 published with Sở Y tế and Sở Tư pháp only (Sở Xây dựng, published in 2020, has no 2021 result)."""
    from scoring.publication.services import cycle_publish
    from scoring.services import cycle_create

    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021",
                         sets={k: small_set for k in UnitKind.objects.filter(code="department")}, actor=None)
    sign_off_unit(later, "so-y-te", {})
    sign_off_unit(later, "so-tu-phap", {})
    return cycle_publish(cycle=finalisation_phase(later), document_number="Công văn số 99/UBND",
                         document_date=datetime.date(2022, 3, 1), actor=admin_user)


def _cycle_2022(small_set: Any) -> Any:
    from scoring.services import cycle_create

    return cycle_create(year=2022, name="Chỉ số CCHC năm 2022",
                        sets={k: small_set for k in UnitKind.objects.filter(code="department")}, actor=None)


def _main(response: Any) -> str:
    return response.content.decode().split("<main")[1].split("</main>")[0]


@pytest.mark.parametrize("url", [
    "/ket-qua/2022/", "/ket-qua/2019/", "/ket-qua/2019/ket-qua.xlsx", "/ket-qua/2019/ket-qua.csv",
    "/ket-qua/2019/ket-qua.json", "/ket-qua/2019/diem-tieu-chi.csv", "/ket-qua/2022/ket-qua.csv",
])
def test_an_unpublished_year_and_its_files_say_it_is_not_published_with_the_published_years(
    publication: Publication, small_set: Any, url: str
) -> None:
    # given 2020 published and a 2022 cycle that is not
    _cycle_2022(small_set)
    # when
    response = Client().get(url)
    # then
    assert response.status_code == 404
    main = _main(response)
    year = url.split("/")[2]
    assert f"Kết quả Chỉ số CCHC năm {year} chưa được công bố." in main
    assert "Không tìm thấy trang" not in main
    published = main.split("data-published-years>")[1].split("</ul>")[0]
    assert 'href="/ket-qua/2020/"' in published
    assert "Chỉ so sánh được" not in main  # that sentence is the comparison's
    assert "/ket-qua/quan-ly/" not in main  # the publish page is the administrators'


def test_an_administrator_is_pointed_to_the_preview_of_a_cycle_not_yet_published(
    publication: Publication, small_set: Any, admin_user: Any
) -> None:
    _cycle_2022(small_set)
    client = Client()
    client.force_login(admin_user)
    main = _main(client.get("/ket-qua/2022/"))
    assert 'href="/ket-qua/quan-ly/2022/"' in main
    assert "/ket-qua/quan-ly/2019/" not in _main(client.get("/ket-qua/2019/"))  # no cycle to publish


def test_a_unit_without_a_result_in_a_published_year_links_its_published_years(
    publication: Publication, admin_user: Any, small_set: Any
) -> None:
    # given 2021 published without Sở Xây dựng, which has a 2020 result
    _publish_2021(admin_user, small_set)
    # when
    response = Client().get("/ket-qua/2021/don-vi/so-xay-dung/")
    # then
    assert response.status_code == 404
    main = _main(response)
    assert "Sở Xây dựng chưa có kết quả công bố năm 2021." in main
    years = main.split("data-unit-years>")[1].split("</ul>")[0]
    assert 'href="/ket-qua/2020/don-vi/so-xay-dung/"' in years
    assert "/ket-qua/2021/don-vi/" not in years
    published = main.split("data-published-years>")[1].split("</ul>")[0]
    assert 'href="/ket-qua/2021/"' in published and 'href="/ket-qua/2020/"' in published


def test_a_unit_page_of_an_unpublished_year_says_the_year_is_not_published_and_links_the_units_years(
    publication: Publication, small_set: Any
) -> None:
    _cycle_2022(small_set)
    response = Client().get("/ket-qua/2022/don-vi/so-y-te/")
    assert response.status_code == 404
    main = _main(response)
    assert "Kết quả Chỉ số CCHC năm 2022 chưa được công bố." in main
    years = main.split("data-unit-years>")[1].split("</ul>")[0]
    assert 'href="/ket-qua/2020/don-vi/so-y-te/"' in years


def test_a_unit_never_published_is_not_named_and_an_unknown_code_is_the_generic_404(
    publication: Publication,
) -> None:
    # Cục Thuế exists but no publication has it: its name is not given away by its address
    assert Unit.objects.filter(code="cuc-thue").exists()
    for url in ("/ket-qua/2020/don-vi/cuc-thue/", "/ket-qua/2020/don-vi/khong-co-don-vi-nay/"):
        response = Client().get(url)
        assert response.status_code == 404
        main = _main(response)
        assert "Cục Thuế" not in main and "Không tìm thấy trang" in main


def test_a_revision_the_year_does_not_have_says_so_and_links_the_current_results(publication: Publication) -> None:
    response = Client().get("/ket-qua/2020/?lan=5")
    assert response.status_code == 404
    main = _main(response)
    assert "Kết quả Chỉ số CCHC năm 2020 không có lần công bố 5." in main
    assert 'href="/ket-qua/2020/"' in main
    assert "chưa được công bố" not in main


def test_the_api_keeps_its_json_404_for_a_year_or_a_unit_not_published(
    publication: Publication, admin_user: Any, small_set: Any
) -> None:
    _publish_2021(admin_user, small_set)
    for url in ("/api/v1/open-data/2019/results.json", "/api/v1/results/2019/",
                "/api/v1/open-data/2021/units/so-xay-dung/", "/api/v1/open-data/2020/rankings/"):
        response = Client().get(url)
        if url.endswith("/2020/rankings/"):
            assert response.status_code == 200
            continue
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/json"), url
        assert response.json()["code"] == "not_found", url
