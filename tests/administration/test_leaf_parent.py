"""A criterion put under a leaf (added as its child or moved there) turns the leaf into a group and drops its
scoring method: refused unless the administrator confirms it, and then the audit keeps the dropped method."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, IndicatorSet

pytestmark = pytest.mark.django_db

CHILD = {"code": "1.2.3.1", "name": "Gửi đúng hạn", "max_points": "0,5", "method": "yes_no", "params": {}}


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def test_adding_a_child_to_a_leaf_is_refused_without_confirmation_naming_the_leaf_and_its_method(
    draft: IndicatorSet, admin_user: Any
) -> None:
    leaf = draft.indicators.get(code="1.2.3")
    with pytest.raises(ValidationFailed) as refused:
        services.indicator_create(indicator_set=draft, parent=leaf, data=CHILD, actor=admin_user)
    assert refused.value.code == "parent_is_leaf"
    assert "1.2.3" in str(refused.value.message) and "Chấm điểm trực tiếp" in str(refused.value.message)
    leaf.refresh_from_db()
    assert (leaf.is_leaf, leaf.method, leaf.params) == (True, "manual", {"step": "0.25"})
    assert not draft.indicators.filter(code="1.2.3.1").exists()


def test_moving_under_a_leaf_is_refused_without_confirmation(draft: IndicatorSet, admin_user: Any) -> None:
    leaf = draft.indicators.get(code="1.2.3")
    node = draft.indicators.get(code="2.1.1")
    with pytest.raises(ValidationFailed):
        services.indicator_reparent(indicator=node, new_parent=leaf, actor=admin_user)
    leaf.refresh_from_db()
    node.refresh_from_db()
    assert leaf.method == "manual" and node.parent.code == "2.1"


def test_a_confirmed_move_under_a_leaf_records_the_dropped_method_and_params(
    draft: IndicatorSet, admin_user: Any
) -> None:
    leaf = draft.indicators.get(code="1.2.3")
    node = draft.indicators.get(code="2.1.1")
    services.indicator_reparent(indicator=node, new_parent=leaf, actor=admin_user, leaf_parent_confirmed=True)
    leaf.refresh_from_db()
    assert (leaf.is_leaf, leaf.method) == (False, "")
    entry = AuditEntry.objects.filter(action="indicator.reparent").latest("pk")
    assert entry.changes["parent_method"] == {"old": "manual", "new": ""}
    assert entry.changes["parent_params"] == {"old": {"step": "0.25"}, "new": {}}


def test_the_editor_pages_refuse_then_accept_with_the_confirmation_box(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    leaf = draft.indicators.get(code="1.2.3")
    node = draft.indicators.get(code="2.1.1")
    url = reverse("administration:node_move", args=[draft.pk, node.pk])
    page = client.post(url, {"parent": leaf.pk}, follow=True).content.decode()
    assert "1.2.3" in page and "Chấm điểm trực tiếp" in page
    leaf.refresh_from_db()
    assert leaf.is_leaf
    # «Thêm con» on a leaf: the page warns and offers the box; a post without it is refused
    add = reverse("administration:node_add", args=[draft.pk])
    assert 'name="leaf_parent_confirmed"' in client.get(add + f"?cha={leaf.pk}").content.decode()
    form = {"parent": leaf.pk, "code": "1.2.3.1", "name": "Con", "kind": "normal", "max_points": "0,5",
            "floor": "0", "method": "yes_no", "source": "self", "save": "1"}
    assert client.post(add, form).status_code == 400
    assert client.post(add, {**form, "leaf_parent_confirmed": "1"}).status_code == 302
    leaf.refresh_from_db()
    assert not leaf.is_leaf
