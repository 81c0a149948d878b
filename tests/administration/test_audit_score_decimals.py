"""The audit page writes a score or points field as the leaf's history writes a score: two decimals with the page's
decimal mark («0,50 → 1,00», «— → 1,00»); other numbers (a criterion's parameters, counts) keep dropping their
meaningless zeros."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from scoring.administration.audit_labels import NUMBER_FIELDS, change_rows
from scoring.services import audit_record, score_line_save_self
from scoring.views._common import score_text

pytestmark = pytest.mark.django_db


def _shown(changes: dict[str, Any], **kwargs: Any) -> dict[str, tuple[str, str]]:
    return {name: (old, new) for name, _label, old, new in change_rows(changes, labels={}, **kwargs)}


def test_scores_are_written_with_two_decimals() -> None:
    rows = _shown({
        "appraised_score": {"old": "0.50", "new": "1.00"},
        "self_score": {"old": None, "new": "1.00"},
        "max_points": {"old": "1.000", "new": "0.5"},
        "floor": {"old": 0, "new": Decimal("-1")},
        "bonus_cap": {"old": 3, "new": 2.5},
        "standard_max": {"old": "100", "new": "95.25"},
    })
    assert rows == {
        "appraised_score": ("0,50", "1,00"),
        "self_score": ("—", "1,00"),
        "max_points": ("1,00", "0,50"),
        "floor": ("0,00", "-1,00"),
        "bonus_cap": ("3,00", "2,50"),
        "standard_max": ("100,00", "95,25"),
    }


def test_scores_take_the_pages_decimal_mark_in_english() -> None:
    with translation.override("en"):
        assert _shown({"appraised_score": {"old": "0.5", "new": "1"}}) == {"appraised_score": ("0.50", "1.00")}


def test_an_index_recorded_with_more_decimals_keeps_them() -> None:
    assert _shown({"index": {"old": "87.1234", "new": "87.5"}}) == {"index": ("87,1234", "87,50")}


@pytest.mark.parametrize("recorded", ["0.5", "0.50", "1", "1.000", "12.25", "0"])
def test_a_score_reads_as_on_the_leafs_history(recorded: str) -> None:
    for field in ("self_score", "appraised_score"):
        [(_name, _label, _old, new)] = change_rows({field: {"old": None, "new": recorded}}, labels={})
        assert new == score_text(Decimal(recorded))


def test_every_score_field_is_written_with_two_decimals() -> None:
    for field in NUMBER_FIELDS:
        assert _shown({field: {"old": "1", "new": "0.5"}})[field] == ("1,00", "0,50"), field


def test_a_classification_bands_threshold_is_a_score() -> None:
    rows = _shown({"classification_bands": {"old": [{"min": "90", "label": "Xuất sắc"}],
                                            "new": [{"min": "85.5", "label": "Xuất sắc"}]}})
    old, new = rows["classification_bands"]
    assert "90,00" in old and "85,50" in new and "85.5" not in new


def test_other_numbers_keep_dropping_their_zeros() -> None:
    # a criterion's parameters, as the criterion editor writes them
    params = _shown({"params": {"old": {"step": "0.50"}, "new": {"step": "1.000"}}}, object_type="Indicator")
    assert params["params"] == ("Bước điểm: 0,5", "Bước điểm: 1")
    # counts
    assert _shown({"roles_moved": {"old": 0, "new": 2}})["roles_moved"] == ("0", "2")


def test_a_typed_points_input_takes_the_pages_decimal_mark() -> None:
    rows = _shown({"self_value": {"old": None, "new": {"points": "0.5"}}})
    assert rows["self_value"] == ("—", "điểm: 0,5")


def test_the_audit_page_and_the_leafs_history_write_a_score_alike(
    client: Client, assessment: Any, unit_editor: Any, admin_user: Any
) -> None:
    # given the unit scores 1.2.3 (of 0,5) a quarter point, then half a point
    line = assessment.lines.select_related("indicator").get(indicator__code="1.2.3")
    line = score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"points": "0.25"})
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"points": "0.5"})
    audit_record(actor=admin_user, action="indicator_set.update", object_type="IndicatorSet", object_id=1,
                 changes={"bonus_cap": {"old": "3.00", "new": "2.50"}})
    # when
    client.force_login(admin_user)
    audit = client.get(reverse("administration:audit_list")).content.decode()
    client.force_login(unit_editor)
    history = client.get(reverse("scoring:line_history", args=[assessment.pk, line.pk]) + "?partial=1")
    # then
    assert "Điểm tự chấm</span>: 0,25 → 0,50<" in audit and "Điểm tự chấm</span>: — → 0,25<" in audit
    assert "Điểm cộng tối đa</span>: 3,00 → 2,50<" in audit
    assert "Điểm tự chấm: <span class=\"old\">0,25</span> → <span class=\"new\">0,50</span>" in history.content.decode()
