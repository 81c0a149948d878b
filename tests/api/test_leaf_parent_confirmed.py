"""A criterion added or moved under a leaf over the API, as in the set editor: refused unless the administrator
confirms that the leaf becomes a group and loses its method (`leaf_parent_confirmed`), then recorded."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from scoring.administration import services
from scoring.models import AuditEntry, Indicator, IndicatorSet

pytestmark = pytest.mark.django_db

NEW_CHILD = {"parent": "1.2.1", "code": "1.2.1.1", "name": "Tiêu chí con", "max_points": "1", "method": "yes_no"}


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="test-set-2021", year=2021, actor=admin_user)


@pytest.fixture
def admin_api(api: APIClient, admin_user: Any) -> APIClient:
    api.force_login(admin_user)
    return api


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def _base(indicator_set: IndicatorSet) -> str:
    return f"/api/v1/indicator-sets/{indicator_set.key}/indicators"


def test_a_child_under_a_leaf_without_confirmation_is_refused_saying_how_to_confirm(
    admin_api: APIClient, draft: IndicatorSet
) -> None:
    before = (draft.indicators.count(), AuditEntry.objects.count())
    response = admin_api.post(f"{_base(draft)}/", NEW_CHILD, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parent_is_leaf" and list(body["fields"]) == ["parent"]
    assert "«1.2.1»" in body["message"] and "«leaf_parent_confirmed»: true" in body["message"]
    assert "ô xác nhận" not in body["message"]
    assert (draft.indicators.count(), AuditEntry.objects.count()) == before
    assert _node(draft, "1.2.1").method == "yes_no"


def test_a_confirmed_child_under_a_leaf_makes_it_a_group_and_records_the_method_dropped(
    admin_api: APIClient, draft: IndicatorSet, admin_user: Any
) -> None:
    response = admin_api.post(f"{_base(draft)}/", {**NEW_CHILD, "leaf_parent_confirmed": True}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["parent"], response.json()["level"]) == ("1.2.1", 4)
    group = _node(draft, "1.2.1")
    assert (group.is_leaf, group.method, group.params) == (False, "", {})
    entry = AuditEntry.objects.get(action="indicator.create", object_id=str(response.json()["id"]))
    assert entry.actor_id == admin_user.pk
    assert entry.changes["parent_method"] == {"old": "yes_no", "new": ""}


def test_a_criterion_moved_under_a_leaf_needs_the_same_confirmation(
    admin_api: APIClient, draft: IndicatorSet
) -> None:
    move = f"{_base(draft)}/1.2.3/move/"
    refused = admin_api.post(move, {"parent": "1.2.1"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "parent_is_leaf"
    assert _node(draft, "1.2.3").parent.code == "1.2"
    moved = admin_api.post(move, {"parent": "1.2.1", "leaf_parent_confirmed": True}, format="json")
    assert moved.status_code == 200, moved.json()
    assert _node(draft, "1.2.3").parent.code == "1.2.1"
    assert not _node(draft, "1.2.1").is_leaf


def test_the_confirmation_gives_nobody_else_the_right_to_add(
    api: APIClient, unit_editor: Any, draft: IndicatorSet
) -> None:
    before = draft.indicators.count()
    api.force_login(unit_editor)
    response = api.post(f"{_base(draft)}/", {**NEW_CHILD, "leaf_parent_confirmed": True}, format="json")
    assert response.status_code == 403
    assert draft.indicators.count() == before and _node(draft, "1.2.1").is_leaf
