"""A set replaced in a cycle that no cycle uses any more goes back to draft (it was never scored: a replacement is
refused once an assessment has work), audited, said by the replacement's message, and can then be edited or
deleted; one still used (by another kind of the cycle) stays active. The set list names the cycles using each set."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.audit_labels import action_label, change_rows
from scoring.models import AuditEntry, Cycle, IndicatorSet, Unit, UnitKind
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def replacement(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="test-set-v2", year=2020, actor=admin_user)


def _replace_everywhere(cycle: Cycle, new: IndicatorSet, actor: Any) -> None:
    for code in ("department", "vertical"):  # the cycle scores both kinds on the small set
        services.indicator_set_activate(indicator_set=new, cycle=cycle, actor=actor,
                                        unit_kind=UnitKind.objects.get(code=code))


def test_a_set_no_cycle_uses_after_its_replacement_goes_back_to_draft_audited(
    small_set: IndicatorSet, cycle: Cycle, replacement: IndicatorSet, admin_user: Any
) -> None:
    # given: the departments' assessments opened on the old set, untouched
    assessments_open(cycle=cycle, units=list(Unit.objects.filter(kind__code="department")), actor=None)
    # when: both kinds move to the new set
    _replace_everywhere(cycle, replacement, admin_user)
    # then
    small_set.refresh_from_db()
    assert small_set.status == IndicatorSet.Status.DRAFT
    assert not services.set_is_frozen(small_set)
    entry = AuditEntry.objects.get(action="indicator_set.back_to_draft")
    assert entry.object_id == str(small_set.pk) and entry.actor == admin_user
    assert entry.changes["status"] == {"old": "active", "new": "draft"}
    assert entry.changes["replaced"] == {"old": small_set.key, "new": replacement.key}
    assert action_label("indicator_set.back_to_draft") != "indicator_set.back_to_draft"
    assert "replaced" in {name for name, *_rest in change_rows(entry.changes, object_type="IndicatorSet")}
    # and: it can now be deleted like any draft
    services.indicator_set_delete(indicator_set=small_set, actor=admin_user)
    assert not IndicatorSet.objects.filter(pk=small_set.pk).exists()


def test_a_set_another_kind_of_the_cycle_still_uses_stays_active(
    small_set: IndicatorSet, cycle: Cycle, replacement: IndicatorSet, admin_user: Any
) -> None:
    services.indicator_set_activate(indicator_set=replacement, cycle=cycle, actor=admin_user,
                                    unit_kind=UnitKind.objects.get(code="department"))
    small_set.refresh_from_db()
    assert small_set.status == IndicatorSet.Status.ACTIVE  # the vertical agencies are still scored on it
    assert not AuditEntry.objects.filter(action="indicator_set.back_to_draft").exists()


def test_the_replacements_message_says_the_old_set_is_a_draft_again(
    client: Client, small_set: IndicatorSet, cycle: Cycle, replacement: IndicatorSet, admin_user: Any
) -> None:
    services.indicator_set_activate(indicator_set=replacement, cycle=cycle, actor=admin_user,
                                    unit_kind=UnitKind.objects.get(code="vertical"))
    client.force_login(admin_user)
    department = UnitKind.objects.get(code="department")
    response = client.post(reverse("administration:set_activate", args=[replacement.pk]),
                           {"cycle": cycle.pk, "unit_kind": department.pk,
                            f"applied_{cycle.pk}_{department.pk}": str(small_set.pk)})
    assert response.status_code == 302
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert f"«{small_set.key}»" in said and "trở lại dự thảo" in said
    small_set.refresh_from_db()
    assert small_set.status == IndicatorSet.Status.DRAFT


def test_the_set_list_names_the_cycles_using_each_set(
    client: Client, small_set: IndicatorSet, cycle: Cycle, replacement: IndicatorSet, admin_user: Any
) -> None:
    services.indicator_set_activate(indicator_set=replacement, cycle=cycle, actor=admin_user,
                                    unit_kind=UnitKind.objects.get(code="vertical"))
    client.force_login(admin_user)
    page = client.get(reverse("administration:set_list")).content.decode()
    rows = {key: page.split(f">{key}</a>", 1)[1].split("</tr>", 1)[0] for key in (small_set.key, replacement.key)}
    vertical = UnitKind.objects.get(code="vertical").name
    department = UnitKind.objects.get(code="department").name
    assert cycle.name in rows[small_set.key] and department in rows[small_set.key]
    assert vertical not in rows[small_set.key]
    assert cycle.name in rows[replacement.key] and vertical in rows[replacement.key]
    assert reverse("administration:cycle_detail", args=[cycle.pk]) in rows[small_set.key]


def test_a_set_no_cycle_uses_is_listed_as_such(client: Client, small_set: IndicatorSet, admin_user: Any) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:set_list")).content.decode()
    assert "Chưa kỳ nào dùng" in page.split(f">{small_set.key}</a>", 1)[1].split("</tr>", 1)[0]
