"""An indicator set's information and a criterion carry, as `ETag`, the version their administration pages' forms
carry: a PATCH with `If-Match` is refused (412 `stale`, nothing written) when the page or another call changed them
since, as a unit's PATCH is; without `If-Match` the last edit wins, as before."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.administration.forms import IndicatorForm, SetMetaForm
from scoring.administration.services.sets import indicator_set_version
from scoring.administration.services.tree import indicator_version
from scoring.models import AuditEntry, Indicator, IndicatorSet

pytestmark = pytest.mark.django_db

NON_ADMINS = ["unit_editor", "unit_head", "appraiser", "lead"]
LEAF = "1.2.1"


@pytest.fixture
def admin_api(api: APIClient, admin_user: Any) -> APIClient:
    api.force_login(admin_user)
    return api


@pytest.fixture
def page(client: Client, admin_user: Any) -> Client:
    """A colleague on the administration pages."""
    client.force_login(admin_user)
    return client


def _set_url(indicator_set: IndicatorSet) -> str:
    return f"/api/v1/indicator-sets/{indicator_set.key}/"


def _criterion_url(indicator_set: IndicatorSet, code: str = LEAF) -> str:
    return f"/api/v1/indicator-sets/{indicator_set.key}/indicators/{code}/"


def _leaf(indicator_set: IndicatorSet, code: str = LEAF) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def _set_page_save(page: Client, indicator_set: IndicatorSet, **changes: str) -> Any:
    """The set's information form as its page draws it (with its version), changed and saved."""
    posted = {k: v for k, v in SetMetaForm.initial_for(indicator_set).items() if v is not None}
    posted["version"] = indicator_set_version(indicator_set)
    posted.update(changes)
    return page.post(reverse("administration:set_update", args=[indicator_set.pk]), posted)


def _criterion_page_save(page: Client, leaf: Indicator, **changes: str) -> Any:
    """The criterion's edit page as drawn (with its version), changed and saved."""
    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False)}
    posted["version"] = indicator_version(leaf)
    posted.update(changes)
    return page.post(reverse("administration:node_edit", args=[leaf.pk]), posted)


# --- the set's information --------------------------------------------------------------------------------


def test_a_set_answers_its_etag_and_a_patch_with_the_current_one_is_saved(
    admin_api: APIClient, small_set: IndicatorSet
) -> None:
    read = admin_api.get(_set_url(small_set))
    etag = read["ETag"]
    assert read.status_code == 200 and etag == f'"{indicator_set_version(small_set)}"'

    saved = admin_api.patch(_set_url(small_set), {"name": "Bộ chỉ số đã sửa", "standard_max": "10.00"},
                            format="json", HTTP_IF_MATCH=etag)

    assert saved.status_code == 200, saved.json()
    assert saved.json()["name"] == "Bộ chỉ số đã sửa"
    assert saved["ETag"] != etag
    assert admin_api.get(_set_url(small_set))["ETag"] == saved["ETag"]
    assert IndicatorSet.objects.get(pk=small_set.pk).name == "Bộ chỉ số đã sửa"


def test_a_set_patch_after_a_save_on_the_sets_page_is_refused_and_changes_nothing(
    admin_api: APIClient, page: Client, small_set: IndicatorSet
) -> None:
    # given: the script read the set, then a colleague saved its information on the page
    etag = admin_api.get(_set_url(small_set))["ETag"]
    assert _set_page_save(page, small_set, decision_ref="12/QĐ-UBND").status_code == 302
    audits = AuditEntry.objects.count()
    # when
    mine = admin_api.patch(_set_url(small_set), {"name": "Tên của tôi", "bonus_cap": "1"}, format="json",
                           HTTP_IF_MATCH=etag)
    # then
    assert mine.status_code == 412
    body = mine.json()
    assert body["code"] == "stale" and body["fields"] == {}
    assert "nơi khác" in body["message"] and "ETag" in body["message"]
    assert body["current"]["decision_ref"] == "12/QĐ-UBND"
    assert mine["ETag"] == admin_api.get(_set_url(small_set))["ETag"] != etag
    stored = IndicatorSet.objects.get(pk=small_set.pk)
    assert (stored.name, stored.decision_ref, stored.bonus_cap) == (small_set.name, "12/QĐ-UBND", Decimal("2"))
    assert AuditEntry.objects.count() == audits


def test_a_set_patch_after_another_calls_patch_is_refused(admin_api: APIClient, small_set: IndicatorSet) -> None:
    etag = admin_api.get(_set_url(small_set))["ETag"]
    colleague = admin_api.patch(_set_url(small_set), {"name": "Tên của đồng nghiệp"}, format="json",
                                HTTP_IF_MATCH=etag)
    assert colleague.status_code == 200

    mine = admin_api.patch(_set_url(small_set), {"name": "Tên của tôi"}, format="json", HTTP_IF_MATCH=etag)

    assert mine.status_code == 412 and mine.json()["code"] == "stale"
    assert mine.json()["current"]["name"] == "Tên của đồng nghiệp"
    assert mine["ETag"] == colleague["ETag"]
    assert IndicatorSet.objects.get(pk=small_set.pk).name == "Tên của đồng nghiệp"


def test_a_save_through_the_api_makes_the_sets_page_stale(
    admin_api: APIClient, page: Client, small_set: IndicatorSet
) -> None:
    drawn = IndicatorSet.objects.get(pk=small_set.pk)  # the page as it was opened
    assert admin_api.patch(_set_url(small_set), {"name": "Tên qua API"}, format="json").status_code == 200

    refused = _set_page_save(page, drawn, decision_ref="99/QĐ-UBND")

    assert refused.status_code == 409
    stored = IndicatorSet.objects.get(pk=small_set.pk)
    assert (stored.name, stored.decision_ref) == ("Tên qua API", small_set.decision_ref)


def test_a_set_patch_without_if_match_or_with_a_star_still_saves(
    admin_api: APIClient, small_set: IndicatorSet
) -> None:
    assert admin_api.patch(_set_url(small_set), {"name": "A"}, format="json").status_code == 200
    star = admin_api.patch(_set_url(small_set), {"name": "B"}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 200
    assert IndicatorSet.objects.get(pk=small_set.pk).name == "B"


def test_the_weak_or_unquoted_tag_of_a_set_works_as_if_match(admin_api: APIClient, small_set: IndicatorSet) -> None:
    weak = admin_api.patch(_set_url(small_set), {"name": "Nén"}, format="json", HTTP_IF_MATCH='"old"',
                           HTTP_ACCEPT_ENCODING="gzip")
    assert weak.status_code == 412
    assert weak["Content-Encoding"] == "gzip" and weak["ETag"].startswith('W/"')
    retried = admin_api.patch(_set_url(small_set), {"name": "Nén"}, format="json",
                              HTTP_IF_MATCH=f'"elsewhere", {weak["ETag"]}')
    assert retried.status_code == 200
    bare = retried["ETag"].strip('"')
    again = admin_api.patch(_set_url(small_set), {"name": "Không ngoặc"}, format="json", HTTP_IF_MATCH=bare)
    assert again.status_code == 200
    assert IndicatorSet.objects.get(pk=small_set.pk).name == "Không ngoặc"


def test_the_current_etag_does_not_lift_the_freeze_of_a_set_in_use(
    admin_api: APIClient, small_set: IndicatorSet, cycle: Any
) -> None:
    etag = admin_api.get(_set_url(small_set))["ETag"]
    refused = admin_api.patch(_set_url(small_set), {"name": "X"}, format="json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 409 and refused.json()["code"] == "set_frozen"
    assert IndicatorSet.objects.get(pk=small_set.pk).name == small_set.name


@pytest.mark.parametrize("role", NON_ADMINS)
def test_a_set_patch_by_anyone_else_than_an_administrator_is_refused_with_the_current_etag(
    api: APIClient, small_set: IndicatorSet, role: str, request: pytest.FixtureRequest
) -> None:
    api.force_login(request.getfixturevalue(role))
    read = api.get(_set_url(small_set))
    assert read.status_code == 200 and read["ETag"]
    refused = api.patch(_set_url(small_set), {"name": "X"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert IndicatorSet.objects.get(pk=small_set.pk).name == small_set.name


# --- a criterion --------------------------------------------------------------------------------------------


def test_a_criterion_answers_its_etag_and_a_patch_with_the_current_one_is_saved(
    admin_api: APIClient, small_set: IndicatorSet
) -> None:
    leaf = _leaf(small_set)
    read = admin_api.get(_criterion_url(small_set))
    assert read.status_code == 200 and read.json()["code"] == LEAF
    etag = read["ETag"]
    assert etag == f'"{indicator_version(leaf)}"'

    saved = admin_api.patch(_criterion_url(small_set), {"name": "Báo cáo gửi đúng hạn", "max_points": "1.00"},
                            format="json", HTTP_IF_MATCH=etag)

    assert saved.status_code == 200, saved.json()
    assert saved["ETag"] != etag
    assert admin_api.get(_criterion_url(small_set))["ETag"] == saved["ETag"]
    assert _leaf(small_set).name == "Báo cáo gửi đúng hạn"


def test_a_criterion_patch_after_a_save_on_its_page_is_refused_and_changes_nothing(
    admin_api: APIClient, page: Client, small_set: IndicatorSet
) -> None:
    # given: the script read the criterion, then a colleague saved it on its edit page
    etag = admin_api.get(_criterion_url(small_set))["ETag"]
    assert _criterion_page_save(page, _leaf(small_set), guidance="Hướng dẫn mới").status_code == 302
    audits = AuditEntry.objects.count()
    # when
    mine = admin_api.patch(_criterion_url(small_set), {"name": "Tên của tôi", "max_points": "1.5"}, format="json",
                           HTTP_IF_MATCH=etag)
    # then
    assert mine.status_code == 412
    body = mine.json()
    assert body["code"] == "stale" and body["fields"] == {}
    assert "nơi khác" in body["message"] and "ETag" in body["message"]
    assert body["current"]["guidance"] == "Hướng dẫn mới"
    assert mine["ETag"] == admin_api.get(_criterion_url(small_set))["ETag"] != etag
    leaf = _leaf(small_set)
    assert (leaf.name, leaf.max_points, leaf.guidance) == ("Báo cáo đúng hạn", Decimal("1"), "Hướng dẫn mới")
    assert AuditEntry.objects.count() == audits


def test_a_criterion_patch_after_another_calls_patch_is_refused(
    admin_api: APIClient, small_set: IndicatorSet
) -> None:
    etag = admin_api.get(_criterion_url(small_set))["ETag"]
    colleague = admin_api.patch(_criterion_url(small_set), {"name": "Tên của đồng nghiệp"}, format="json",
                                HTTP_IF_MATCH=etag)
    assert colleague.status_code == 200

    mine = admin_api.patch(_criterion_url(small_set), {"name": "Tên của tôi"}, format="json", HTTP_IF_MATCH=etag)

    assert mine.status_code == 412 and mine.json()["code"] == "stale"
    assert mine.json()["current"]["name"] == "Tên của đồng nghiệp"
    assert mine["ETag"] == colleague["ETag"]
    assert _leaf(small_set).name == "Tên của đồng nghiệp"


def test_a_save_through_the_api_makes_the_criterions_page_stale(
    admin_api: APIClient, page: Client, small_set: IndicatorSet
) -> None:
    drawn = _leaf(small_set)  # the edit page as it was opened
    assert admin_api.patch(_criterion_url(small_set), {"name": "Tên qua API"}, format="json").status_code == 200

    refused = _criterion_page_save(page, drawn, guidance="Hướng dẫn của trang")

    assert refused.status_code == 409
    leaf = _leaf(small_set)
    assert (leaf.name, leaf.guidance) == ("Tên qua API", drawn.guidance)


def test_a_child_added_under_a_criterion_makes_its_etag_stale(
    admin_api: APIClient, small_set: IndicatorSet
) -> None:
    """The criterion became a group: its page shows other fields, and so a script's edit of the leaf is refused."""
    etag = admin_api.get(_criterion_url(small_set))["ETag"]
    added = admin_api.post(f"/api/v1/indicator-sets/{small_set.key}/indicators/", {
        "code": f"{LEAF}.1", "name": "Tiêu chí con", "max_points": "1", "method": "manual", "parent": LEAF,
        "leaf_parent_confirmed": True,
    }, format="json")
    assert added.status_code == 201, added.json()

    mine = admin_api.patch(_criterion_url(small_set), {"name": "Tên của tôi"}, format="json", HTTP_IF_MATCH=etag)

    assert mine.status_code == 412 and mine.json()["current"]["is_leaf"] is False
    assert _leaf(small_set).name == "Báo cáo đúng hạn"


def test_a_criterion_patch_without_if_match_or_with_a_star_still_saves(
    admin_api: APIClient, small_set: IndicatorSet
) -> None:
    assert admin_api.patch(_criterion_url(small_set), {"name": "A"}, format="json").status_code == 200
    star = admin_api.patch(_criterion_url(small_set), {"name": "B"}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 200
    assert _leaf(small_set).name == "B"


def test_the_weak_tag_of_a_criterion_works_as_if_match(admin_api: APIClient, small_set: IndicatorSet) -> None:
    weak = admin_api.patch(_criterion_url(small_set), {"name": "Nén"}, format="json", HTTP_IF_MATCH='"old"',
                           HTTP_ACCEPT_ENCODING="gzip")
    assert weak.status_code == 412 and weak["ETag"].startswith('W/"')
    retried = admin_api.patch(_criterion_url(small_set), {"name": "Nén"}, format="json",
                              HTTP_IF_MATCH=weak["ETag"])
    assert retried.status_code == 200
    assert _leaf(small_set).name == "Nén"


def test_moving_or_deleting_a_criterion_takes_no_version_as_on_the_sets_page(
    admin_api: APIClient, small_set: IndicatorSet
) -> None:
    moved = admin_api.post(_criterion_url(small_set) + "move/", {"direction": "up"}, format="json",
                           HTTP_IF_MATCH='"old"')
    assert moved.status_code == 200 and "ETag" not in moved
    deleted = admin_api.delete(_criterion_url(small_set), HTTP_IF_MATCH='"old"')
    assert deleted.status_code == 204
    assert not Indicator.objects.filter(indicator_set=small_set, code=LEAF).exists()


@pytest.mark.parametrize("role", NON_ADMINS)
def test_a_criterion_is_read_by_everyone_but_edited_or_deleted_by_administrators_only(
    api: APIClient, small_set: IndicatorSet, role: str, request: pytest.FixtureRequest
) -> None:
    api.force_login(request.getfixturevalue(role))
    read = api.get(_criterion_url(small_set))
    assert read.status_code == 200 and read["ETag"]
    refused = api.patch(_criterion_url(small_set), {"name": "X"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert "quản trị viên" in refused.json()["message"]
    assert api.delete(_criterion_url(small_set)).status_code == 403
    assert _leaf(small_set).name == "Báo cáo đúng hạn"


def test_a_criterion_is_not_read_without_signing_in(api: APIClient, small_set: IndicatorSet) -> None:
    assert api.get(_criterion_url(small_set)).status_code == 401


# --- the schema ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/indicator-sets/{key}/", "/api/v1/indicator-sets/{key}/indicators/{code}/"])
def test_the_schema_documents_the_etag_and_if_match_of_sets_and_criteria(api: APIClient, path: str) -> None:
    schema = yaml.safe_load(api.get("/api/schema/").content)
    item = schema["paths"][path]
    headers = [p for p in item["patch"]["parameters"] if p["in"] == "header"]
    assert [(p["name"], p.get("required", False)) for p in headers] == [("If-Match", False)]
    stale = item["patch"]["responses"]["412"]
    ref = stale["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"code", "message", "fields", "current"} <= set(body["properties"])
    assert "ETag" in stale["headers"]
    assert "ETag" in item["patch"]["responses"]["200"]["headers"]
    assert "ETag" in item["get"]["responses"]["200"]["headers"]
