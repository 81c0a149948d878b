from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_a_signed_in_user_lists_units_with_pagination(api: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    response = api.get("/api/v1/units/", {"page_size": 10})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= 35
    assert len(body["results"]) == 10


def test_an_anonymous_caller_may_not_list_units(api: Any, catalogue: Any) -> None:
    assert api.get("/api/v1/units/").status_code == 401


def test_units_can_be_filtered_by_kind(api: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    rows = api.get("/api/v1/units/", {"kind": "department", "page_size": 500}).json()["results"]
    assert rows and all(r["kind"] == "department" for r in rows)
    assert "so-y-te" in {r["code"] for r in rows}


def test_a_signed_in_user_lists_ranking_groups(api: Any, unit_editor: Any) -> None:
    api.force_login(unit_editor)
    response = api.get("/api/v1/ranking-groups/")
    assert response.status_code == 200
    assert response.json()["count"] >= 1


def test_an_anonymous_caller_may_not_list_ranking_groups(api: Any, catalogue: Any) -> None:
    assert api.get("/api/v1/ranking-groups/").status_code == 401


def test_an_indicator_set_is_read_with_its_whole_tree(api: Any, unit_editor: Any, small_set: Any) -> None:
    api.force_login(unit_editor)
    assert api.get("/api/v1/indicator-sets/").json()["results"][0]["key"] == "test-set"
    response = api.get("/api/v1/indicator-sets/test-set/")
    assert response.status_code == 200
    codes = [i["code"] for i in response.json()["indicators"]]
    assert codes[:3] == ["1", "1.1", "1.1.1"]
    assert len([i for i in response.json()["indicators"] if i["is_leaf"]]) == 9


def test_an_anonymous_caller_may_not_read_an_indicator_set(api: Any, small_set: Any) -> None:
    assert api.get("/api/v1/indicator-sets/test-set/").status_code == 401


def test_a_signed_in_user_lists_cycles(api: Any, unit_editor: Any, cycle: Any) -> None:
    api.force_login(unit_editor)
    assert [c["year"] for c in api.get("/api/v1/cycles/").json()["results"]] == [2020]


def test_an_anonymous_caller_may_not_list_cycles(api: Any, cycle: Any) -> None:
    assert api.get("/api/v1/cycles/").status_code == 401


@pytest.mark.parametrize("size", [" 1", "1 ", "+1"])
def test_a_page_size_with_anything_but_digits_is_refused(api: Any, unit_editor: Any, size: str) -> None:
    api.force_login(unit_editor)
    response = api.get("/api/v1/units/", {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()["fields"]
