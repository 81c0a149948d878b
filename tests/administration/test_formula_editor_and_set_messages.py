"""The criteria editor takes a formula written as its hint promises (× − ÷, a decimal comma) and stores it in the
engine's notation; its refusals name the editor's fields; deleting a set in use says why it cannot be deleted."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring import engine
from scoring.administration import services
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, Indicator, IndicatorSet
from tests.administration.page_helpers import error_messages as _errors
from tests.administration.page_helpers import form_version as _version

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _formula_post(leaf: Indicator, expression: str, version: str) -> dict[str, Any]:
    return {
        "code": leaf.code, "kind": "normal", "max_points": "1,5", "floor": "0", "name": leaf.name,
        "method": "formula", "source": "self", "allow_not_applicable": "on",
        "p_variables": "a | Số vấn đề phát hiện\nb | Đã xử lý xong\nc | Đang xử lý",
        "p_expression": expression, "version": version, "save": "1",
    }


@pytest.mark.parametrize(("typed", "stored"), [
    ("b / a × 1 + c / a × 0,5", "b / a * 1 + c / a * 0.5"),
    ("(a − b) / a", "(a - b) / a"),
    ("b ÷ a × 1,5", "b / a * 1.5"),
])
def test_a_formula_typed_as_the_hint_promises_is_saved_in_the_engines_notation(
    client: Client, admin_user: Any, draft: IndicatorSet, typed: str, stored: str
) -> None:
    leaf = draft.indicators.get(code="1.2.2")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    response = client.post(url, _formula_post(leaf, typed, _version(client.get(url).content.decode())))
    assert response.status_code == 302, _errors(response)
    leaf.refresh_from_db()
    assert leaf.params["expression"] == stored
    rule = engine.LeafRule(method="formula", params=leaf.params, max_points=leaf.max_points)
    typed_rule = engine.LeafRule(method="formula", params={**leaf.params, "expression": typed},
                                 max_points=leaf.max_points)
    counts = {"counts": {"a": 4, "b": 2, "c": 1}}
    assert engine.score_leaf(rule, counts) == engine.score_leaf(typed_rule, counts)


def test_the_set_formula_stored_before_keeps_its_scores(draft: IndicatorSet, admin_user: Any) -> None:
    leaf = draft.indicators.get(code="1.2.2")
    assert leaf.params["expression"] == "(b / a) * 1.5 + (c / a) * 0.5"
    rule = engine.LeafRule(method="formula", params=leaf.params, max_points=leaf.max_points)
    assert engine.score_leaf(rule, {"counts": {"a": 4, "b": 2, "c": 1}}) == Decimal("0.88")
    # saved again unchanged through the service, the expression stays as it was
    services.indicator_update(indicator=leaf, data={
        "code": leaf.code, "name": leaf.name, "kind": leaf.kind, "max_points": leaf.max_points, "floor": leaf.floor,
        "method": leaf.method, "params": leaf.params, "allow_not_applicable": True, "source": "self",
    }, actor=admin_user)
    leaf.refresh_from_db()
    assert leaf.params["expression"] == "(b / a) * 1.5 + (c / a) * 0.5"


@pytest.mark.parametrize(("typed", "says"), [
    ("b / a * 1 + c / a, 5", "dấu phẩy không nằm giữa hai chữ số"),
    ("(b / a × 1", "Thiếu dấu ngoặc đóng"),
    ("b / a × z", "Công thức dùng biến «z» chưa được khai báo"),
])
def test_a_wrong_formula_is_refused_in_the_administrators_terms_and_changes_nothing(
    client: Client, admin_user: Any, draft: IndicatorSet, typed: str, says: str
) -> None:
    leaf = draft.indicators.get(code="1.2.2")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    response = client.post(url, _formula_post(leaf, typed, _version(client.get(url).content.decode())))
    assert response.status_code == 400
    errors = _errors(response)
    assert says in errors
    assert not re.search(r"SyntaxError|Tuple|cú pháp", errors)
    assert f'value="{typed}"' in response.content.decode()  # kept as typed
    leaf.refresh_from_db()
    assert leaf.params["expression"] == "(b / a) * 1.5 + (c / a) * 0.5"


def test_the_live_preview_accepts_the_hints_notation_and_words_refusals_with_the_labels(
    client: Client, admin_user: Any
) -> None:
    client.force_login(admin_user)
    url = reverse("administration:node_preview")
    ok = client.post(url, {"method": "formula", "max_points": "1,5", "p_variables": "a | A\nb | B",
                           "p_expression": "(a − b) / a × 0,5"})
    assert ok.status_code == 200, ok.content.decode()
    duplicate = client.post(url, {"method": "levels", "max_points": "1",
                                  "p_options": "dat | Đạt | 1\ndat | Không đạt | 0"})
    assert duplicate.status_code == 400
    assert "Mã «dat» bị trùng trong «Các mức»" in duplicate.content.decode()
    assert "options" not in duplicate.content.decode().split("method-preview", 1)[-1]


def test_a_duplicate_level_code_is_refused_naming_the_levels_field(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    leaf = draft.indicators.get(code="1.1.1")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    response = client.post(url, {
        "code": leaf.code, "kind": "normal", "max_points": "1", "floor": "-1", "name": leaf.name, "method": "levels",
        "source": "self", "p_options": "on_time | Đúng hạn | 1\non_time | Trễ hạn | 0",
        "version": _version(client.get(url).content.decode()), "save": "1",
    })
    assert response.status_code == 400
    errors = _errors(response)
    assert "Mã «on_time» bị trùng trong «Các mức»" in errors and "«options»" not in errors
    leaf.refresh_from_db()
    assert [o["key"] for o in leaf.params["options"]] == ["on_time", "late", "none"]


def test_a_level_entry_refusal_names_the_field_and_its_line(draft: IndicatorSet, admin_user: Any) -> None:
    leaf = draft.indicators.get(code="1.1.1")
    with pytest.raises(ValidationFailed) as caught:
        services.indicator_update(indicator=leaf, data={
            "code": leaf.code, "name": leaf.name, "kind": "normal", "max_points": "1", "floor": "-1",
            "method": "levels", "params": {"options": [{"key": "a", "points": "1"}, {"key": "b", "points": "x"}]},
        }, actor=admin_user)
    message = str(caught.value.message)
    assert "«Các mức», dòng 2" in message and "options" not in message


def test_deleting_a_set_in_use_says_why_it_cannot_be_deleted_and_what_to_do(
    client: Client, admin_user: Any, cycle: Any, small_set: IndicatorSet
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_delete", args=[small_set.pk]))
    assert response.status_code == 302
    errors = _errors(response)
    assert "Không xoá được bộ chỉ số «test-set»" in errors
    assert cycle.name in errors  # the cycle it is applied to
    assert "không sửa trực tiếp được" not in errors  # not the editing message
    assert IndicatorSet.objects.filter(pk=small_set.pk).exists()
    assert not AuditEntry.objects.filter(action="indicator_set.delete").exists()


def test_a_draft_set_nothing_uses_is_deleted(client: Client, admin_user: Any, draft: IndicatorSet) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:set_delete", args=[draft.pk]))
    assert response.status_code == 302
    assert not IndicatorSet.objects.filter(pk=draft.pk).exists()
