"""Stopping a unit whose people still sign in: the page says who they are and the administrator confirms it; a
unit with nobody active stops as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.models import AuditEntry, RoleAssignment, Unit
from tests.administration.page_helpers import error_messages as _errors

pytestmark = pytest.mark.django_db


def _person(username: str, unit: Unit, *, active: bool = True, role: str = "unit_editor") -> Any:
    user = get_user_model().objects.create_user(username=username, password="x-Secret-2020!", is_active=active,
                                                first_name="Nguyễn Văn", last_name=username.title())
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def unit(catalogue: Any, unit_editor: Any, unit_head: Any) -> Unit:
    return Unit.objects.get(code="so-y-te")  # lan (editor) and hung (head), both active


def test_the_unit_page_warns_before_stopping_a_unit_with_active_accounts(
    client: Client, admin_user: Any, unit: Unit
) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:unit_edit", args=[unit.pk])).content.decode()
    assert "còn 2 tài khoản đang hoạt động" in page
    assert "(lan)" in page and "(hung)" in page
    assert f'{reverse("administration:user_list")}?don_vi={unit.code}' in page
    assert 'name="accounts_seen" value="2"' in page


def test_stopping_a_unit_with_active_accounts_unconfirmed_is_refused_and_names_them(
    client: Client, admin_user: Any, unit: Unit
) -> None:
    client.force_login(admin_user)

    response = client.post(reverse("administration:unit_toggle", args=[unit.pk]),
                           {"active": "0", "reason": "Giải thể theo quyết định 12/QĐ-UBND"})

    assert response.status_code == 409
    errors = _errors(response)
    assert "2 tài khoản đang hoạt động" in errors
    page = response.content.decode()
    assert "(lan)" in page and "(hung)" in page
    assert 'value="Giải thể theo quyết định 12/QĐ-UBND"' in page  # the reason typed, kept
    assert Unit.objects.get(pk=unit.pk).active
    assert not AuditEntry.objects.filter(action="unit.deactivate").exists()


def test_stopping_a_unit_with_active_accounts_confirmed_stops_it_and_keeps_their_roles(
    client: Client, admin_user: Any, unit: Unit
) -> None:
    client.force_login(admin_user)

    response = client.post(reverse("administration:unit_toggle", args=[unit.pk]),
                           {"active": "0", "reason": "Giải thể", "accounts_seen": "2"})

    assert response.status_code == 302
    assert not Unit.objects.get(pk=unit.pk).active
    assert AuditEntry.objects.filter(action="unit.deactivate", object_id=str(unit.pk)).count() == 1
    assert RoleAssignment.objects.filter(unit=unit).count() == 2


def test_a_confirmation_for_fewer_accounts_than_there_are_now_is_refused(
    client: Client, admin_user: Any, unit: Unit
) -> None:
    """Confirmed on a page drawn before a third account joined the unit: the administrator has not seen it."""
    client.force_login(admin_user)
    _person("mai", unit)

    response = client.post(reverse("administration:unit_toggle", args=[unit.pk]),
                           {"active": "0", "reason": "Giải thể", "accounts_seen": "2"})

    assert response.status_code == 409
    assert "3 tài khoản đang hoạt động" in _errors(response)
    assert Unit.objects.get(pk=unit.pk).active


@pytest.mark.parametrize("seen", ["", "abc", "-1", "0", "1e9"])
def test_a_malformed_confirmation_is_no_confirmation(client: Client, admin_user: Any, unit: Unit, seen: str) -> None:
    client.force_login(admin_user)

    response = client.post(reverse("administration:unit_toggle", args=[unit.pk]),
                           {"active": "0", "reason": "Giải thể", "accounts_seen": seen})

    assert response.status_code == 409
    assert Unit.objects.get(pk=unit.pk).active


def test_at_most_five_accounts_are_named_with_how_many_more(client: Client, admin_user: Any, unit: Unit) -> None:
    for name in ("an", "binh", "chi", "dung", "giang"):
        _person(name, unit)
    client.force_login(admin_user)

    response = client.post(reverse("administration:unit_toggle", args=[unit.pk]), {"active": "0", "reason": "x"})

    assert response.status_code == 409
    warning = response.content.decode().split('id="active-accounts"', 1)[1].split("</div>", 1)[0]
    assert warning.count('href="/quan-ly/nguoi-dung/') == 6  # five people and the filtered list
    assert "và 2 tài khoản khác" in warning


def test_locked_accounts_and_other_units_do_not_count(client: Client, admin_user: Any, catalogue: Any) -> None:
    unit = Unit.objects.get(code="so-tu-phap")
    _person("khoa", unit, active=False)
    _person("ngoc", Unit.objects.get(code="so-y-te"))
    client.force_login(admin_user)

    page = client.get(reverse("administration:unit_edit", args=[unit.pk])).content.decode()
    response = client.post(reverse("administration:unit_toggle", args=[unit.pk]), {"active": "0", "reason": "x"})

    assert "tài khoản đang hoạt động" not in page
    assert response.status_code == 302
    assert not Unit.objects.get(pk=unit.pk).active


def test_a_unit_with_nobody_stops_as_before(client: Client, admin_user: Any, catalogue: Any) -> None:
    unit = Unit.objects.get(code="so-tu-phap")
    client.force_login(admin_user)

    response = client.post(reverse("administration:unit_toggle", args=[unit.pk]), {"active": "0", "reason": "x"})

    assert response.status_code == 302
    assert not Unit.objects.get(pk=unit.pk).active
    assert AuditEntry.objects.filter(action="unit.deactivate", object_id=str(unit.pk)).count() == 1


def test_starting_a_unit_again_needs_no_confirmation(client: Client, admin_user: Any, unit: Unit) -> None:
    Unit.objects.filter(pk=unit.pk).update(active=False)
    client.force_login(admin_user)

    response = client.post(reverse("administration:unit_toggle", args=[unit.pk]), {"active": "1"})

    assert response.status_code == 302
    assert Unit.objects.get(pk=unit.pk).active
