"""A criterion whose code does not start with its parent's (1.5.3 moved under 1.4 keeps «1.5.3») is reported by
the set check as a warning: codes are the decision's numbering and free-form by design (the editor and the import
take any unique code), so it does not block activation, but the administrator sees it, with a link to the
criterion. The move itself says so, and proposes the next free code under the new parent."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.selectors import indicator_set_report
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _recode(indicator_set: IndicatorSet, code: str, new_code: str) -> Indicator:
    node = indicator_set.indicators.get(code=code)
    Indicator.objects.filter(pk=node.pk).update(code=new_code)
    node.refresh_from_db()
    return node


def test_a_moved_criterion_keeping_its_old_code_is_reported(draft: IndicatorSet, admin_user: Any) -> None:
    # given: 1.2.3 moved under 1.1, keeping its code
    node = draft.indicators.get(code="1.2.3")
    services.indicator_reparent(indicator=node, new_parent=draft.indicators.get(code="1.1"), actor=admin_user)
    # when
    report = indicator_set_report(indicator_set=draft)
    # then
    [warning] = report.warnings
    assert warning.indicator_id == node.pk and warning.code == "1.2.3"
    assert "«1.2.3»" in warning.text and "«1.1»" in warning.text
    assert not any("1.2.3" in p and "«1.1»" in p for p in report.problems)  # a warning, not a blocking problem


def test_a_code_off_its_parents_alone_does_not_block_activation(draft: IndicatorSet) -> None:
    _recode(draft, "1.2.3", "1.3.9")
    report = indicator_set_report(indicator_set=draft)
    assert report.ok
    assert [w.code for w in report.warnings] == ["1.3.9"]


@pytest.mark.parametrize(
    ("code", "new_code", "flagged"),
    [("1.1.2", "1.10", True), ("1.2", "12", True), ("1.1.2", "1.1a", False), ("1.2", "1b", False),
     ("1.1.2", "1.1.9", False)],
)
def test_the_parents_code_must_end_where_a_part_of_the_code_ends(
    draft: IndicatorSet, code: str, new_code: str, flagged: bool
) -> None:
    # «1.10» under «1.1» or «12» under «1» only look like their parent's code; «1.1a» under «1.1» is its part a
    _recode(draft, code, new_code)
    warned = [w.code for w in indicator_set_report(indicator_set=draft).warnings]
    assert (new_code in warned) is flagged, warned


def test_a_sound_set_has_no_warning(draft: IndicatorSet) -> None:
    assert indicator_set_report(indicator_set=draft).warnings == []


def test_the_report_page_shows_the_warning_with_a_link_to_the_criterion(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    node = _recode(draft, "1.2.3", "1.3.9")
    client.force_login(admin_user)
    page = client.get(reverse("administration:set_report", args=[draft.pk])).content.decode()
    assert "Bộ chỉ số hợp lệ, có thể áp dụng." in page
    assert "«1.3.9»" in page
    assert reverse("administration:node_edit", args=[node.pk]) in page


def test_moving_a_criterion_proposes_the_next_free_code_under_its_new_parent(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    node = draft.indicators.get(code="1.2.3")
    response = client.post(reverse("administration:node_move", args=[draft.pk, node.pk]),
                           {"parent": draft.indicators.get(code="1.1").pk}, follow=True)
    page = response.content.decode()
    assert "«1.1.3»" in page and "«1.2.3»" in page
    node.refresh_from_db()
    assert node.code == "1.2.3"  # proposed, not changed behind the administrator's back


def test_a_move_that_keeps_the_code_matching_says_nothing_of_codes(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    node = draft.indicators.get(code="1.2.3")
    response = client.post(reverse("administration:node_move", args=[draft.pk, node.pk]),
                           {"parent": draft.indicators.get(code="1.2").pk}, follow=True)
    assert "không bắt đầu bằng mã" not in response.content.decode()
