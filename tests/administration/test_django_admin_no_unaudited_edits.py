"""The Django admin (/quan-tri/) changes nothing without an audit entry: a cycle, its name included, is read-only
there (its name was saved with no trace); the one field still edited there, a unit kind's or ranking group's
order, is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from scoring.models import AuditEntry, Cycle, RankingGroup, UnitKind

pytestmark = pytest.mark.django_db


def _change_url(obj: Any) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_a_cycle_s_name_cannot_be_changed_in_the_django_admin(client: Client, admin_user: Any, cycle: Cycle) -> None:
    client.force_login(admin_user)
    name, audits = cycle.name, AuditEntry.objects.count()

    response = client.post(_change_url(cycle), {"name": "Kỳ đổi tên không ghi nhật ký"})

    assert response.status_code == 403
    cycle.refresh_from_db()
    assert cycle.name == name and AuditEntry.objects.count() == audits
    page = client.get(_change_url(cycle))
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()  # shown, read-only


@pytest.mark.parametrize(
    ("model", "action"), [(UnitKind, "unit_kind.reorder"), (RankingGroup, "ranking_group.reorder")]
)
def test_reordering_a_kind_or_a_group_in_the_django_admin_is_audited(
    client: Client, admin_user: Any, catalogue: Any, model: Any, action: str
) -> None:
    client.force_login(admin_user)
    obj = model.objects.order_by("pk").first()
    old = obj.order

    response = client.post(_change_url(obj), {"order": old + 5})

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=action)
    assert entry.actor == admin_user and entry.object_id == str(obj.pk)
    assert entry.changes == {"order": {"old": old, "new": old + 5}}
    # saved again unchanged: nothing to record
    client.post(_change_url(obj), {"order": old + 5})
    assert AuditEntry.objects.filter(action=action).count() == 1


def test_every_registered_model_admin_of_the_apps_writes_nothing_but_an_audited_order(
    rf: Any, admin_user: Any
) -> None:
    """Of every ModelAdmin of scoring, appraisal and evidence, only the kinds' and groups' may change a record (and
    only its order, audited); none adds or deletes."""
    request = rf.get("/quan-tri/")
    request.user = admin_user
    editable = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"scoring", "appraisal", "evidence"}:
            continue
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        if model_admin.has_change_permission(request):
            editable.append(model)
            fields = model_admin.get_fields(request)
            readonly = set(model_admin.get_readonly_fields(request))
            assert [f for f in fields if f not in readonly] == ["order"], model
    assert set(editable) == {UnitKind, RankingGroup}
