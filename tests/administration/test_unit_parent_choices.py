"""The unit form's «Đơn vị cấp trên» drop-down: units in Vietnamese alphabetical order (as the merge list), never
the unit itself; a unit whose parent has stopped keeps it on save."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cchc.collation import sort_key
from scoring.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


def _parent_options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="parent"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no parent drop-down"
    return [(value, label) for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>',
                                                          select.group(1)) if value]


@pytest.fixture
def accented(catalogue: Any) -> list[Unit]:
    """Names that code-point order puts wrong: «Ủy ban …», «Đài …» sort after «Z…» there."""
    kind = UnitKind.objects.get(code="department")
    return [Unit.objects.create(code=code, name=name, kind=kind) for code, name in
            (("dai-ptth", "Đài Phát thanh"), ("uy-ban-mttq", "Ủy ban Mặt trận"), ("zz-cuoi", "Zô Cuối"),
             ("ban-dan-toc", "Ban Dân tộc"))]


def test_the_parent_list_is_in_vietnamese_order_without_the_unit_itself(
    client: Client, admin_user: Any, accented: Any
) -> None:
    unit = Unit.objects.get(code="so-y-te")
    client.force_login(admin_user)

    options = _parent_options(client.get(reverse("administration:unit_edit", args=[unit.pk])).content.decode())

    labels = [label for _value, label in options]
    assert str(unit.pk) not in [value for value, _label in options]
    assert labels == sorted(labels, key=sort_key)
    assert labels.index("Ban Dân tộc") < labels.index("Đài Phát thanh") < labels.index("Ủy ban Mặt trận") \
        < labels.index("Zô Cuối")


def test_the_new_unit_form_lists_every_active_unit_in_vietnamese_order(
    client: Client, admin_user: Any, accented: Any
) -> None:
    client.force_login(admin_user)

    options = _parent_options(client.get(reverse("administration:unit_list")).content.decode())

    labels = [label for _value, label in options]
    assert labels == sorted(labels, key=sort_key)
    assert len(options) == Unit.objects.filter(active=True).count()


def test_choosing_the_unit_itself_as_its_parent_is_refused(client: Client, admin_user: Any) -> None:
    unit = Unit.objects.get(code="so-y-te")
    client.force_login(admin_user)
    page = client.get(reverse("administration:unit_edit", args=[unit.pk]))
    version = re.search(r'name="version" value="([^"]*)"', page.content.decode()).group(1)

    response = client.post(reverse("administration:unit_edit", args=[unit.pk]), {
        "version": version, "code": unit.code, "name": unit.name, "short_name": unit.short_name,
        "kind": unit.kind_id, "parent": unit.pk,
    })

    assert response.status_code == 400
    unit.refresh_from_db()
    assert unit.parent_id is None


def test_a_unit_keeps_its_stopped_parent_when_saved(client: Client, admin_user: Any) -> None:
    unit = Unit.objects.get(code="so-y-te")
    parent = Unit.objects.exclude(pk=unit.pk).filter(active=True).first()
    Unit.objects.filter(pk=unit.pk).update(parent=parent)
    Unit.objects.filter(pk=parent.pk).update(active=False)
    client.force_login(admin_user)
    page = client.get(reverse("administration:unit_edit", args=[unit.pk])).content.decode()
    assert (str(parent.pk), f"{parent.name} (ngừng hoạt động)") in _parent_options(page)  # told from a namesake
    assert re.search(rf'<option value="{parent.pk}" selected>', page)
    version = re.search(r'name="version" value="([^"]*)"', page).group(1)

    response = client.post(reverse("administration:unit_edit", args=[unit.pk]), {
        "version": version, "code": unit.code, "name": unit.name + " mới", "short_name": unit.short_name,
        "kind": unit.kind_id, "parent": parent.pk,
    })

    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.parent_id == parent.pk and unit.name.endswith(" mới")
