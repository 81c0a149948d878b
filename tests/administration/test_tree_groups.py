"""Editing a criterion that has children (an area or a group): only the fields its page shows are posted."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.services.tree import indicator_version
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


def test_a_group_is_saved_from_its_page_without_the_leaf_only_fields_and_keeps_them(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given a group of a draft set, whose page shows no method, source nor evidence fields
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    group = draft.indicators.get(code="1.2")
    Indicator.objects.filter(pk=group.pk).update(source="survey", evidence_required=True)
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[group.pk])
    page = client.get(url).content.decode()
    assert 'name="source"' not in page and 'name="evidence_required"' not in page
    # when the administrator changes its text and saves what the page posts
    response = client.post(url, {
        "code": "1.2", "kind": "normal", "max_points": "3", "floor": "0", "name": "Báo cáo CCHC (sửa)",
        "coordinating_department": "", "method": "", "guidance": "", "save": "1",
        "version": indicator_version(Indicator.objects.get(pk=group.pk)),  # the page's: drawn after the update
    })
    # then it is saved, still a group, with its leaf-only settings untouched
    assert response.status_code == 302, response.content.decode()[:2000]
    group.refresh_from_db()
    assert group.name == "Báo cáo CCHC (sửa)"
    assert (group.is_leaf, group.method, group.params) == (False, "", {})
    assert (group.source, group.evidence_required) == ("survey", True)


def test_a_leaf_still_needs_its_source(client: Client, small_set: IndicatorSet, admin_user: Any) -> None:
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    leaf = draft.indicators.get(code="1.2.3")
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_edit", args=[leaf.pk]), {
        "code": "1.2.3", "kind": "normal", "max_points": "0,5", "floor": "0", "name": "Đổi tên",
        "method": "manual", "p_step": "0,25",
    })
    assert response.status_code == 400
    leaf.refresh_from_db()
    assert leaf.name != "Đổi tên"


def test_a_formulas_limits_are_edited_one_per_line_and_checked(
    client: Client, small_set: IndicatorSet, admin_user: Any
) -> None:
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    leaf = draft.indicators.get(code="1.2.3")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    fields = {
        "code": "1.2.3", "kind": "normal", "max_points": "0,5", "floor": "0", "name": "Kiến nghị đã thực hiện",
        "method": "formula", "source": "self", "p_variables": "a | Số kiến nghị\nb | Số đã thực hiện",
        "p_expression": "b / a * 0.5", "p_on_zero_division": "0,5", "save": "1",
        "version": indicator_version(leaf),
    }
    refused = client.post(url, {**fields, "p_limits": "b <= x"})
    assert refused.status_code == 400 and "chưa khai báo" in refused.content.decode()
    leaf.refresh_from_db()
    assert leaf.method != "formula"
    saved = client.post(url, {**fields, "p_limits": "b <= a\n\n"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    leaf.refresh_from_db()
    assert leaf.params["limits"] == ["b <= a"]
    assert "b &lt;= a" in client.get(url).content.decode()  # shown back in its box, one per line
