"""The unit form's «Đơn vị cấp trên» drop-down leaves out the units below the unit edited (its children and theirs,
which would make a cycle), still in Vietnamese order and still keeping a stopped current parent; such a unit posted
anyway is refused with a clear message, and the service refuses it too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cchc.collation import sort_key
from scoring.administration import services
from scoring.errors import ValidationFailed
from scoring.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


def _parent_options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="parent"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no parent drop-down"
    return [(value, label) for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>',
                                                          select.group(1)) if value]


@pytest.fixture
def family(catalogue: Any) -> dict[str, Unit]:
    """The Sở Y tế with a child (Đài …, named so that code-point order would put it last) and a grandchild; a
    department beside them."""
    kind = UnitKind.objects.get(code="department")
    top = Unit.objects.get(code="so-y-te")
    child = Unit.objects.create(code="dai-con", name="Đài Con", kind=kind, parent=top)
    grandchild = Unit.objects.create(code="ban-chau", name="Ban Cháu", kind=kind, parent=child)
    beside = Unit.objects.create(code="uy-ban-ben", name="Ủy ban Bên", kind=kind)
    return {"top": top, "child": child, "grandchild": grandchild, "beside": beside}


def _edit_page(client: Client, unit: Unit) -> str:
    return client.get(reverse("administration:unit_edit", args=[unit.pk])).content.decode()


def test_the_parent_list_leaves_out_the_units_below_in_vietnamese_order(
    client: Client, admin_user: Any, family: dict[str, Unit]
) -> None:
    client.force_login(admin_user)

    options = _parent_options(_edit_page(client, family["top"]))

    values = [value for value, _label in options]
    labels = [label for _value, label in options]
    assert str(family["child"].pk) not in values
    assert str(family["grandchild"].pk) not in values
    assert str(family["top"].pk) not in values
    assert str(family["beside"].pk) in values
    assert labels == sorted(labels, key=sort_key)
    assert len(options) == Unit.objects.filter(active=True).count() - 3


def test_a_child_is_offered_its_parent_and_not_its_own_child(
    client: Client, admin_user: Any, family: dict[str, Unit]
) -> None:
    client.force_login(admin_user)

    values = [value for value, _label in _parent_options(_edit_page(client, family["child"]))]

    assert str(family["top"].pk) in values
    assert str(family["grandchild"].pk) not in values


def test_a_stopped_current_parent_stays_offered_while_the_units_below_are_left_out(
    client: Client, admin_user: Any, family: dict[str, Unit]
) -> None:
    # the stopped parent is still kept (the rule already there) while the units below are left out (the fix)
    Unit.objects.filter(pk=family["top"].pk).update(active=False)
    client.force_login(admin_user)

    page = _edit_page(client, family["child"])

    values = [value for value, _label in _parent_options(page)]
    assert str(family["top"].pk) in values and str(family["grandchild"].pk) not in values
    assert re.search(rf'<option value="{family["top"].pk}" selected>', page)


def test_a_unit_below_posted_as_the_parent_is_refused_with_a_clear_message(
    client: Client, admin_user: Any, family: dict[str, Unit]
) -> None:
    top = family["top"]
    client.force_login(admin_user)
    version = re.search(r'name="version" value="([^"]*)"', _edit_page(client, top)).group(1)

    response = client.post(reverse("administration:unit_edit", args=[top.pk]), {
        "version": version, "code": top.code, "name": top.name, "short_name": top.short_name,
        "kind": top.kind_id, "parent": family["grandchild"].pk,
    })

    assert response.status_code == 400
    said = " ".join(str(m) for m in response.context["messages"])
    assert "không phải chính đơn vị đang sửa hay một đơn vị cấp dưới của nó" in said
    top.refresh_from_db()
    assert top.parent_id is None


def test_the_service_still_refuses_a_unit_below_as_the_parent(admin_user: Any, family: dict[str, Unit]) -> None:
    # guards behaviour that must not change
    top = family["top"]

    with pytest.raises(ValidationFailed) as refused:
        services.unit_update(unit=top, actor=admin_user, data={
            "code": top.code, "name": top.name, "short_name": top.short_name, "kind": top.kind,
            "ranking_group": top.ranking_group, "parent": family["grandchild"]})

    assert refused.value.code == "invalid_parent"
    top.refresh_from_db()
    assert top.parent_id is None
