"""The year-to-year comparison: it says when a unit's indicator set changed between the two years, and a year
not published yet is a styled page that says so and links to the published years."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
from django.test import Client

from scoring.models import Publication, UnitKind
from scoring.publication.selectors import set_differences, year_over_year
from scoring.publication.services import cycle_publish
from scoring.services import cycle_create, indicator_set_import
from tests.conftest import small_set_data
from tests.publication.conftest import finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db


def _publish_2021(admin_user: Any, indicator_set: Any) -> Publication:
    kinds = UnitKind.objects.filter(code__in=["department"])
    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={k: indicator_set for k in kinds}, actor=None)
    sign_off_unit(later, "so-y-te", {})
    sign_off_unit(later, "so-tu-phap", {})
    return cycle_publish(cycle=finalisation_phase(later), document_number="Công văn số 99/UBND",
                         document_date=datetime.date(2022, 3, 1), actor=admin_user)


def test_a_set_cloned_unchanged_for_the_next_year_is_not_flagged(publication: Publication, admin_user: Any) -> None:
    same = indicator_set_import(data=small_set_data(key="test-set-2021", year=2021), actor=None)
    later = _publish_2021(admin_user, same)
    changes = year_over_year(earlier=publication, later=later)
    assert len(changes) == 2
    assert all(c.set_changes == () for c in changes)
    html = Client().get("/ket-qua/2021/so-sanh/2020/").content.decode()
    assert "data-set-changes" not in html and "data-set-changed" not in html


def test_a_unit_scored_with_a_changed_set_is_flagged_on_the_comparison_page(
    publication: Publication, admin_user: Any
) -> None:
    # given 2021's set issued by another decision, with one criterion reworded
    data = small_set_data(key="test-set-2021", year=2021, decision_ref="123/QĐ-UBND ngày 1/3/2021")
    data["indicators"][0]["children"][0]["children"][0]["name"] = "Ban hành kế hoạch CCHC năm đúng hạn"
    changed = indicator_set_import(data=data, actor=None)
    later = _publish_2021(admin_user, changed)
    # when
    changes = year_over_year(earlier=publication, later=later)
    # then every unit compared says how its set changed
    assert {c.set_changes for c in changes} == {("văn bản ban hành bộ chỉ số khác", "1 tiêu chí đổi nội dung")}
    html = Client().get("/ket-qua/2021/so-sanh/2020/").content.decode()
    summary = html.split("data-set-changes>")[1].split("</section>")[0]
    assert "Bộ chỉ số đã thay đổi giữa hai năm" in summary
    assert "(năm 2020, phiên bản 1) → «Bộ chỉ số thử nghiệm» (năm 2021, phiên bản 1)" in summary
    assert f"Khối: {changes[0].group_name}" in summary
    assert "2 đơn vị" in summary
    row = html[html.index('<th scope="row"><a href="/ket-qua/2021/don-vi/so-y-te/">Sở Y tế'):].split("</tr>")[0]
    assert "Bộ chỉ số khác" in row and "1 tiêu chí đổi nội dung" in row


def test_set_differences_name_the_maximum_the_method_and_the_criteria() -> None:
    earlier: dict[str, Any] = {
        "key": "a", "version": 1, "year": 2020, "name": "A", "decision_ref": "1/QĐ", "standard_max": "100.00",
        "index_mode": "points",
        "indicators": [
            {"code": "1", "parent": None, "name": "Lĩnh vực 1", "level": 1, "kind": "normal", "max_points": "60.00",
             "is_leaf": False},
            {"code": "1.1", "parent": "1", "name": "Tiêu chí", "level": 2, "kind": "normal", "max_points": "60.00",
             "is_leaf": True},
            {"code": "2", "parent": None, "name": "Lĩnh vực 2", "level": 1, "kind": "normal", "max_points": "40.00",
             "is_leaf": True},
        ],
    }
    assert set_differences(earlier, copy.deepcopy(earlier)) == []
    later = copy.deepcopy(earlier)
    later.update(standard_max="110.00", index_mode="percent", version=2)
    later["indicators"][1]["max_points"] = "70.00"
    later["indicators"].pop(2)
    later["indicators"].append({"code": "3", "parent": None, "name": "Lĩnh vực 3", "level": 1, "kind": "normal",
                                "max_points": "40.00", "is_leaf": True})
    assert set_differences(earlier, later) == [
        "điểm chuẩn 100.00 → 110.00", "cách tính chỉ số theo điểm → theo phần trăm", "1 tiêu chí mới",
        "1 tiêu chí bỏ", "1 tiêu chí đổi điểm tối đa, loại hoặc vị trí",
    ]


@pytest.mark.parametrize("url", ["/ket-qua/2020/so-sanh/2021/", "/ket-qua/2021/so-sanh/2020/"])
def test_comparing_with_a_year_not_published_says_so_and_links_the_published_years(
    publication: Publication, url: str
) -> None:
    response = Client().get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "<main" in html  # the site's layout
    assert "Kết quả Chỉ số CCHC năm 2021 chưa được công bố." in html
    published = html.split("data-published-years>")[1].split("</ul>")[0]
    assert 'href="/ket-qua/2020/"' in published
    assert "năm 2020 chưa được công bố" not in html
