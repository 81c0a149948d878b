"""«Đánh số lại» over the API: a preview of the codes the criteria of a branch (or of the whole set) would take,
writing nothing, and its confirmation, applied by the set editor's service with the editor's refusals (a set in use,
a tree changed since the preview, a new code held outside the branch), for administrators only."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.administration import services
from scoring.administration.services.tree import renumber_digest, renumber_plan
from scoring.models import AuditEntry, Indicator, IndicatorMapping, IndicatorSet

pytestmark = pytest.mark.django_db

NON_ADMINS = ["unit_editor", "unit_head", "appraiser", "lead"]
AREA_ONE_RENUMBERED = [("1.2", "1.1"), ("1.2.1", "1.1.1"), ("1.2.2", "1.1.2"), ("1.2.3", "1.1.3")]


def _clone(small_set: IndicatorSet, admin_user: Any, key: str = "test-set-2021") -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key=key, year=2021, actor=admin_user)


@pytest.fixture
def clone(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    """A 2021 draft cloned from the 2020 set, its group «1.1» deleted: the codes of area «1» leave a gap."""
    indicator_set = _clone(small_set, admin_user)
    services.indicator_delete(indicator=_node(indicator_set, "1.1"), actor=admin_user)
    return indicator_set


@pytest.fixture
def admin_api(api: APIClient, admin_user: Any) -> APIClient:
    api.force_login(admin_user)
    return api


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def _url(indicator_set: IndicatorSet) -> str:
    return f"/api/v1/indicator-sets/{indicator_set.key}/renumber/"


def _tree(indicator_set: IndicatorSet) -> list[tuple[str, str]]:
    return list(indicator_set.indicators.order_by("order").values_list("code", "name"))


def _mappings(source: IndicatorSet, indicator_set: IndicatorSet) -> list[tuple[str, str]]:
    return sorted(IndicatorMapping.objects.filter(from_set=source, to_set=indicator_set)
                  .values_list("from_code", "to_code"))


def _code_changes(indicator_set: IndicatorSet) -> list[tuple[str, str, str]]:
    ids = [str(pk) for pk in indicator_set.indicators.values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(action="indicator.update", object_id__in=ids)
    return sorted((e.changes["code"]["old"], e.changes["code"]["new"], e.reason) for e in entries)


def _preview(api: APIClient, indicator_set: IndicatorSet, root: str | None = None) -> dict[str, Any]:
    response = api.get(_url(indicator_set), {"root": root} if root else {})
    assert response.status_code == 200, response.json()
    return response.json()


def test_an_administrator_previews_the_codes_of_a_branch_and_nothing_is_written(
    admin_api: APIClient, small_set: IndicatorSet, clone: IndicatorSet
) -> None:
    # given
    tree, audits, mappings = _tree(clone), AuditEntry.objects.count(), _mappings(small_set, clone)
    # when
    body = _preview(admin_api, clone, "1")
    # then
    assert body["root"] == "1"
    assert [(c["old"], c["new"]) for c in body["changes"]] == AREA_ONE_RENUMBERED
    assert body["changes"][0] == {"id": _node(clone, "1.2").pk, "old": "1.2", "new": "1.1", "name": "Báo cáo CCHC",
                                  "level": 2}
    assert body["refusal"] is None and body["mappings_follow_from"] == small_set.key and body["plan"]
    assert (_tree(clone), AuditEntry.objects.count(), _mappings(small_set, clone)) == (tree, audits, mappings)


def test_applying_the_preview_renumbers_as_the_set_editor_does(
    admin_api: APIClient, client: Client, admin_user: Any, small_set: IndicatorSet, clone: IndicatorSet
) -> None:
    # given: a twin of the clone, renumbered through the set editor's page
    twin = _clone(small_set, admin_user, key="test-set-2021-twin")
    services.indicator_delete(indicator=_node(twin, "1.1"), actor=admin_user)
    client.force_login(admin_user)
    page = reverse("administration:set_detail", args=[twin.pk])
    scope = str(_node(twin, "1").pk)
    digest = client.get(page, {"danh-so-lai": scope}).context["renumber"]["digest"]
    assert client.post(page, {"action": "renumber", "scope": scope, "plan": digest}).status_code == 302
    # when: the clone renumbered through the API
    plan = _preview(admin_api, clone, "1")["plan"]
    response = admin_api.post(_url(clone), {"root": "1", "plan": plan}, format="json")
    # then: the same codes, mappings and audit records as the page's
    assert response.status_code == 200, response.json()
    assert [(c["old"], c["new"]) for c in response.json()["changes"]] == AREA_ONE_RENUMBERED
    assert _tree(clone) == _tree(twin)
    assert _tree(clone)[:5] == [("1", "Công tác chỉ đạo, điều hành CCHC"), ("1.1", "Báo cáo CCHC"),
                                ("1.1.1", "Báo cáo đúng hạn"), ("1.1.2", "Xử lý vấn đề phát hiện qua kiểm tra"),
                                ("1.1.3", "Gửi báo cáo tự đánh giá đúng hạn")]
    assert _mappings(small_set, clone) == _mappings(small_set, twin) == sorted(AREA_ONE_RENUMBERED)
    assert _code_changes(clone) == _code_changes(twin)
    assert _code_changes(clone) == sorted(
        (old, new, "Đánh số lại các tiêu chí trong «1».") for old, new in AREA_ONE_RENUMBERED)
    assert AuditEntry.objects.filter(action="indicator.update", actor=admin_user).count() == 8


def test_the_whole_set_is_renumbered_when_no_root_is_sent(admin_api: APIClient, clone: IndicatorSet) -> None:
    plan = _preview(admin_api, clone)["plan"]
    response = admin_api.post(_url(clone), {"root": None, "plan": plan}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["root"] is None
    assert [code for code, _name in _tree(clone)][:5] == ["1", "1.1", "1.1.1", "1.1.2", "1.1.3"]
    assert _code_changes(clone)[0][2] == "Đánh số lại toàn bộ bộ chỉ số."


def test_a_plan_previewed_before_the_tree_changed_is_refused_and_changes_nothing(
    admin_api: APIClient, clone: IndicatorSet
) -> None:
    # given: a preview, then a criterion moved before the confirmation
    plan = _preview(admin_api, clone, "1")["plan"]
    moved = admin_api.post(f"/api/v1/indicator-sets/{clone.key}/indicators/1.2.3/move/", {"direction": "up"},
                           format="json")
    assert moved.status_code == 200
    tree, audits = _tree(clone), AuditEntry.objects.count()
    # when
    response = admin_api.post(_url(clone), {"root": "1", "plan": plan}, format="json")
    # then
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "set_changed"
    assert "đã thay đổi từ lúc xem trước" in body["message"] and "plan" in body["fields"]
    assert (_tree(clone), AuditEntry.objects.count()) == (tree, audits)


def test_a_preview_applies_once(admin_api: APIClient, clone: IndicatorSet) -> None:
    plan = _preview(admin_api, clone, "1")["plan"]
    assert admin_api.post(_url(clone), {"root": "1", "plan": plan}, format="json").status_code == 200
    again = admin_api.post(_url(clone), {"root": "1", "plan": plan}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "set_changed"


def test_an_unknown_branch_is_a_field_error_and_changes_nothing(admin_api: APIClient, clone: IndicatorSet) -> None:
    tree, audits = _tree(clone), AuditEntry.objects.count()
    previewed = admin_api.get(_url(clone), {"root": "9.9"})
    plan = _preview(admin_api, clone)["plan"]
    applied = admin_api.post(_url(clone), {"root": "9.9", "plan": plan}, format="json")
    for response in (previewed, applied):
        assert response.status_code == 400
        assert response.json()["fields"]["root"] == ["Bộ chỉ số không có tiêu chí mã «9.9»."]
    assert (_tree(clone), AuditEntry.objects.count()) == (tree, audits)


def test_a_confirmation_without_its_plan_is_refused(admin_api: APIClient, clone: IndicatorSet) -> None:
    tree = _tree(clone)
    response = admin_api.post(_url(clone), {"root": "1"}, format="json")
    assert response.status_code == 400 and "plan" in response.json()["fields"]
    assert _tree(clone) == tree


def test_a_new_code_held_outside_the_branch_is_said_in_the_preview_and_refused_on_root(
    admin_api: APIClient, admin_user: Any, clone: IndicatorSet
) -> None:
    # given: 2.1.1 holds 1.1.1, a code area «1» would give
    node = _node(clone, "2.1.1")
    data = {name: getattr(node, name) for name in services.INDICATOR_FIELDS}
    services.indicator_update(indicator=node, data={**data, "code": "1.1.1"}, actor=admin_user)
    tree, audits = _tree(clone), AuditEntry.objects.count()
    # when
    preview = _preview(admin_api, clone, "1")
    response = admin_api.post(_url(clone), {"root": "1", "plan": preview["plan"]}, format="json")
    # then
    assert "1.1.1" in preview["refusal"]
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "duplicate_code" and body["message"] == preview["refusal"]
    assert list(body["fields"]) == ["root"]
    assert (_tree(clone), AuditEntry.objects.count()) == (tree, audits)


def test_a_set_in_use_is_neither_previewed_nor_renumbered(
    admin_api: APIClient, small_set: IndicatorSet, cycle: Any
) -> None:
    tree = _tree(small_set)
    previewed = admin_api.get(_url(small_set))
    applied = admin_api.post(_url(small_set), {"plan": "0" * 32}, format="json")
    for response in (previewed, applied):
        assert response.status_code == 409
        assert response.json()["code"] == "set_frozen"
        assert "nhân bản" in response.json()["message"]
    assert _tree(small_set) == tree


@pytest.mark.parametrize("who", NON_ADMINS)
def test_nobody_else_previews_or_renumbers(
    api: APIClient, request: Any, who: str, clone: IndicatorSet, admin_user: Any
) -> None:
    plan = renumber_digest(renumber_plan(indicator_set=clone, root=None))
    tree, audits = _tree(clone), AuditEntry.objects.count()
    api.force_login(request.getfixturevalue(who))
    for response in (api.get(_url(clone)), api.post(_url(clone), {"plan": plan}, format="json")):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert (_tree(clone), AuditEntry.objects.count()) == (tree, audits)


def test_an_anonymous_caller_is_refused_with_401(api: APIClient, clone: IndicatorSet) -> None:
    tree = _tree(clone)
    assert api.get(_url(clone)).status_code == 401
    assert api.post(_url(clone), {"plan": "0" * 32}, format="json").status_code == 401
    assert _tree(clone) == tree


def test_an_unknown_set_is_a_404(admin_api: APIClient, catalogue: Any) -> None:
    response = admin_api.get("/api/v1/indicator-sets/khong-co/renumber/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_schema_documents_the_preview_and_the_confirmation_with_examples(api: APIClient) -> None:
    operations = yaml.safe_load(api.get("/api/schema/").content)["paths"]["/api/v1/indicator-sets/{key}/renumber/"]
    preview, confirm = operations["get"], operations["post"]
    assert [p["name"] for p in preview["parameters"] if p["in"] == "query"] == ["root"]
    assert preview["responses"]["200"]["content"]["application/json"]["examples"]
    assert confirm["requestBody"]["content"]["application/json"]["examples"]
    assert {"200", "400", "403", "404", "409"} <= set(confirm["responses"])
