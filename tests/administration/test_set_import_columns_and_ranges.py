"""The set tree import: the column descriptions follow the page's language, and a criterion's wrong range is
reported once per row, in either language."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from scoring.administration import services
from scoring.administration.resources import COLUMN_LABELS, COLUMNS
from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db

VIETNAMESE_LABELS = [
    "Mã tiêu chí (1, 1.1, 1.1.1 …)",
    "Nội dung",
    "Loại: Thường / Điểm cộng / Điểm trừ (chọn trong danh sách)",
    "Hướng dẫn",
]


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def test_the_import_pages_column_descriptions_are_translated(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    # given: a catalogue that knows an English wording of each description (the lead fills the real one)
    real = translation._trans.gettext

    def english(message: str) -> str:
        if translation.get_language() == "en" and message in VIETNAMESE_LABELS:
            return f"EN {message}"
        return real(message)

    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # when
    with mock.patch.object(translation._trans, "gettext", english):
        page = client.get(reverse("administration:set_import", args=[draft.pk])).content.decode()
    # then
    for label in VIETNAMESE_LABELS:
        assert f"EN {label}" in page


def test_every_column_has_a_description() -> None:
    assert len(COLUMN_LABELS) == len(COLUMNS)


def _row(**cells: Any) -> dict[str, Any]:
    row = {
        "row": 2, "code": "1", "parent_code": "", "name": "Lĩnh vực", "kind": "normal", "max_points": "10",
        "floor": "", "method": "manual", "params": json.dumps({"step": "0.25"}),
    }
    row.update(cells)
    return row


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(
    "cells",
    [
        {"max_points": "-2.5"},
        {"max_points": "-2.5", "kind": "penalty", "method": "per_occurrence",
         "params": json.dumps({"items": [{"key": "a", "points": "1"}]})},
        {"max_points": "1", "floor": "2"},
    ],
    ids=["negative maximum", "negative maximum of a penalty leaf", "floor above the maximum"],
)
def test_a_wrong_range_is_reported_once(
    draft: IndicatorSet, admin_user: Any, language: str, cells: dict[str, Any]
) -> None:
    # given
    rows = [_row(**cells)]
    # when
    with translation.override(language):
        outcome = services.indicator_set_tree_import(indicator_set=draft, rows=rows, actor=admin_user, dry_run=True)
    # then
    assert [e["row"] for e in outcome.row_errors] == [2]
    assert len(outcome.row_errors[0]["messages"]) == 1, outcome.row_errors[0]["messages"]


def test_a_negative_maximum_is_said_in_the_forms_words(draft: IndicatorSet, admin_user: Any) -> None:
    outcome = services.indicator_set_tree_import(
        indicator_set=draft, rows=[_row(max_points="-2.5")], actor=admin_user, dry_run=True
    )
    assert outcome.row_errors[0]["messages"] == ["Điểm tối đa không được âm."]
