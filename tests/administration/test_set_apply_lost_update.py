"""«Áp dụng cho kỳ» on a set's check-report page carries the set each kind uses in each cycle as the page showed it:
a replacement based on a set a colleague (or another tab) has replaced since, or on none where one is applied now,
is refused (409, nothing changed) naming the set applied now; based on what is applied now, it is done."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.models import AuditEntry, Cycle, CycleSet, IndicatorSet, UnitKind

pytestmark = pytest.mark.django_db


def _shown(page: str, cycle: Cycle, kind: UnitKind) -> str:
    """The value the page's form carries for the set `kind` uses in `cycle`."""
    found = re.search(rf'name="applied_{cycle.pk}_{kind.pk}" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)


def test_a_replacement_based_on_a_set_replaced_since_is_refused_naming_the_set_applied_now(
    client: Client, small_set: IndicatorSet, cycle: Cycle, admin_user: Any
) -> None:
    # given two new sets of the year, and the report pages of both opened while the cycle uses the small set
    first = services.indicator_set_clone(source=small_set, key="test-set-b", year=2020, actor=admin_user)
    second = services.indicator_set_clone(source=small_set, key="test-set-c", year=2020, actor=admin_user)
    department = UnitKind.objects.get(code="department")
    client.force_login(admin_user)
    seen_first = _shown(client.get(reverse("administration:set_report", args=[first.pk])).content.decode(),
                        cycle, department)
    seen_second = _shown(client.get(reverse("administration:set_report", args=[second.pk])).content.decode(),
                         cycle, department)
    assert seen_first == seen_second == str(small_set.pk)
    key = f"applied_{cycle.pk}_{department.pk}"
    # when the first tab applies its set
    done = client.post(reverse("administration:set_activate", args=[first.pk]),
                       {"cycle": cycle.pk, "unit_kind": department.pk, key: seen_first})
    assert done.status_code == 302
    assert CycleSet.objects.get(cycle=cycle, unit_kind=department).indicator_set == first
    audited = AuditEntry.objects.filter(action="indicator_set.activate").count()
    # then the second, based on the small set, is refused: nothing changed, the set applied now named
    refused = client.post(reverse("administration:set_activate", args=[second.pk]),
                          {"cycle": cycle.pk, "unit_kind": department.pk, key: seen_second})
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "đã được đổi ở nơi khác" in page and "«test-set-b»" in page
    assert CycleSet.objects.get(cycle=cycle, unit_kind=department).indicator_set == first
    assert AuditEntry.objects.filter(action="indicator_set.activate").count() == audited
    second.refresh_from_db()
    assert second.status == IndicatorSet.Status.DRAFT
    # the page shows the choice kept and now carries the set applied now: sent again, it is done
    assert f'<option value="{cycle.pk}" selected>' in page
    assert _shown(page, cycle, department) == str(first.pk)
    again = client.post(reverse("administration:set_activate", args=[second.pk]),
                        {"cycle": cycle.pk, "unit_kind": department.pk, key: _shown(page, cycle, department)})
    assert again.status_code == 302
    assert CycleSet.objects.get(cycle=cycle, unit_kind=department).indicator_set == second


def test_a_form_that_saw_no_set_or_carries_none_changes_nothing(
    client: Client, small_set: IndicatorSet, cycle: Cycle, admin_user: Any
) -> None:
    other = services.indicator_set_clone(source=small_set, key="test-set-b", year=2020, actor=admin_user)
    department = UnitKind.objects.get(code="department")
    client.force_login(admin_user)
    url = reverse("administration:set_activate", args=[other.pk])
    # the page showed no set for the kind, one has been applied since
    refused = client.post(url, {"cycle": cycle.pk, "unit_kind": department.pk,
                                f"applied_{cycle.pk}_{department.pk}": services.APPLIED_NONE})
    assert refused.status_code == 409 and f"«{small_set.key}»" in refused.content.decode()
    # a form carrying nothing
    missing = client.post(url, {"cycle": cycle.pk, "unit_kind": department.pk}, follow=True)
    assert "không mang bộ chỉ số đang áp dụng" in missing.content.decode()
    assert CycleSet.objects.get(cycle=cycle, unit_kind=department).indicator_set == small_set
    assert not AuditEntry.objects.filter(action="indicator_set.activate").exists()
