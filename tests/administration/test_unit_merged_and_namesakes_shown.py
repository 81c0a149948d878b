"""A merged unit is shown as merged, with a link to the unit it went to, on the units list and on its page. A unit
in activity may carry a stopped unit's name (a department re-established after a reorganisation keeps its official
name, and the old unit its own in the results published under it): the lists mark the stopped one, and the
administrator who saves such a name is told."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


def _compact(response: Any) -> str:
    return " ".join(response.content.decode().split())


def test_the_units_list_and_page_show_where_a_merged_unit_went(client: Client, admin_user: Any) -> None:
    # given TX Gò Công merged into TP Mỹ Tho, and Sở Ngoại vụ simply stopped
    old, into = Unit.objects.get(code="tx-go-cong"), Unit.objects.get(code="tp-my-tho")
    services.unit_merge(unit=old, into=into, reason="NQ 1", actor=admin_user)
    Unit.objects.filter(code="so-ngoai-vu").update(active=False)
    client.force_login(admin_user)
    link = f'Đã sáp nhập vào <a href="{reverse("administration:unit_edit", args=[into.pk])}">UBND thành phố Mỹ Tho</a>'
    # when the list and the unit's page are opened
    listed = _compact(client.get(reverse("administration:unit_list"), {"q": "tx-go-cong"}))
    page = _compact(client.get(reverse("administration:unit_edit", args=[old.pk])))
    stopped = _compact(client.get(reverse("administration:unit_list"), {"q": "so-ngoai-vu"}))
    # then both say where it went, linked; a unit stopped without a merge is still «Ngừng hoạt động»
    assert link in listed, listed[listed.find("<tbody>"):listed.find("</tbody>")]
    assert link in page
    assert "Đã sáp nhập vào" not in stopped and "<td>Ngừng hoạt động</td>" in stopped


def test_a_new_unit_may_take_a_stopped_units_name_and_the_administrator_is_told(
    client: Client, admin_user: Any
) -> None:
    # given Sở Ngoại vụ stopped
    Unit.objects.filter(code="so-ngoai-vu").update(active=False)
    client.force_login(admin_user)
    # when a unit of the same name is created (the department re-established)
    response = client.post(reverse("administration:unit_create"), {
        "code": "so-ngoai-vu-2025", "name": "Sở Ngoại vụ", "kind": UnitKind.objects.get(code="department").pk,
    })
    # then it is created, with a note that the stopped one is marked in the lists
    assert response.status_code == 302
    assert Unit.objects.filter(code="so-ngoai-vu-2025", active=True).exists()
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("«Sở Ngoại vụ» (mã so-ngoai-vu) đã ngừng hoạt động cũng mang tên này" in n for n in notes)


def test_an_active_units_name_is_still_refused(admin_user: Any, catalogue: Any) -> None:
    from scoring.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        services.unit_create(data={"code": "so-ngoai-vu-2", "name": "sở  ngoại vụ",
                                   "kind": UnitKind.objects.get(code="department")}, actor=admin_user)
    assert refused.value.code == "duplicate_unit_name"


def test_the_parent_list_tells_a_stopped_parent_from_its_namesake(client: Client, admin_user: Any) -> None:
    # given a unit below Sở Ngoại vụ, which then stopped, and a new Sở Ngoại vụ
    parent = Unit.objects.get(code="so-ngoai-vu")
    child = Unit.objects.get(code="thanh-tra-tinh")
    child.parent = parent
    child.save()
    Unit.objects.filter(pk=parent.pk).update(active=False)
    new = services.unit_create(data={"code": "so-ngoai-vu-2025", "name": "Sở Ngoại vụ",
                                     "kind": UnitKind.objects.get(code="department")}, actor=admin_user)
    client.force_login(admin_user)
    # when the child's page is opened
    page = _compact(client.get(reverse("administration:unit_edit", args=[child.pk])))
    # then the parent list names the two apart, and so does the units list's parent column
    assert f'<option value="{parent.pk}" selected>Sở Ngoại vụ (ngừng hoạt động)</option>' in page
    assert f'<option value="{new.pk}">Sở Ngoại vụ</option>' in page
    listed = _compact(client.get(reverse("administration:unit_list"), {"q": "thanh-tra-tinh"}))
    assert "<td>Sở Ngoại vụ (ngừng hoạt động)</td>" in listed
