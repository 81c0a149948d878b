"""Two administrators on one unit's (or one account's) page: the save made from a page drawn before a colleague's
save is refused with the reason, shows what was typed, and changes nothing; no lost update."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.models import AuditEntry, Unit
from tests.administration.page_helpers import error_messages as _errors
from tests.administration.page_helpers import form_version as _version

pytestmark = pytest.mark.django_db


def _unit_data(unit: Unit, **changes: Any) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind_id,
            "ranking_group": unit.ranking_group_id or "", "parent": unit.parent_id or "", **changes}


@pytest.fixture
def unit(catalogue: Any) -> Unit:
    return Unit.objects.get(code="so-y-te")


def test_the_second_save_from_one_drawn_unit_page_is_refused_and_the_first_is_kept(
    client: Client, admin_user: Any, unit: Unit
) -> None:
    # given two administrators who opened the unit's page at the same time
    client.force_login(admin_user)
    url = reverse("administration:unit_edit", args=[unit.pk])
    version = _version(client.get(url).content.decode())
    # when the first saves, then the second saves from the page drawn before
    first = client.post(url, _unit_data(unit, name="Sở Y tế (tên mới)", version=version))
    second = client.post(url, _unit_data(unit, name="Sở Y tế tỉnh", short_name="SYT-2", version=version))
    # then the second is refused, shown again as typed, with the stored name beside it
    assert first.status_code == 302
    assert second.status_code == 409
    assert "đã được sửa ở nơi khác (người khác hoặc một thẻ khác của anh/chị)" in _errors(second)
    page = second.content.decode()
    assert 'value="Sở Y tế tỉnh"' in page and 'value="SYT-2"' in page
    stored = page.split('id="stored-values"', 1)[1].split("</div>", 1)[0]
    assert "Sở Y tế (tên mới)" in stored and "SYT" in stored
    unit.refresh_from_db()
    assert (unit.name, unit.short_name) == ("Sở Y tế (tên mới)", "SYT")
    assert AuditEntry.objects.filter(action="unit.update", object_id=str(unit.pk)).count() == 1


def test_a_refused_unit_form_keeps_the_version_its_page_was_drawn_with(
    client: Client, admin_user: Any, unit: Unit
) -> None:
    """A typing mistake redraws the form; it stays based on the unit as first shown, not on the one now."""
    client.force_login(admin_user)
    url = reverse("administration:unit_edit", args=[unit.pk])
    version = _version(client.get(url).content.decode())
    assert client.post(url, _unit_data(unit, name="Sở Y tế (tên mới)", version=version)).status_code == 302

    mistyped = client.post(url, _unit_data(unit, code="", short_name="SYT-2", version=version))
    again = client.post(url, _unit_data(unit, short_name="SYT-2", version=_version(mistyped.content.decode())))

    assert mistyped.status_code == 400 and again.status_code == 409
    unit.refresh_from_db()
    assert (unit.name, unit.short_name) == ("Sở Y tế (tên mới)", "SYT")


def test_a_unit_saved_from_a_fresh_page_is_saved(client: Client, admin_user: Any, unit: Unit) -> None:
    client.force_login(admin_user)
    url = reverse("administration:unit_edit", args=[unit.pk])
    version = _version(client.get(url).content.decode())

    response = client.post(url, _unit_data(unit, short_name="SYT-2", version=version))

    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.short_name == "SYT-2"
    # and the page drawn after it carries the new version: a further save from it goes through
    again = _version(client.get(url).content.decode())
    assert again != version
    assert client.post(url, _unit_data(unit, short_name="S.Y.T", version=again)).status_code == 302
    unit.refresh_from_db()
    assert unit.short_name == "S.Y.T"


def test_a_unit_form_without_its_version_is_refused_not_taken_as_fresh(
    client: Client, admin_user: Any, unit: Unit
) -> None:
    client.force_login(admin_user)
    url = reverse("administration:unit_edit", args=[unit.pk])

    for data in (_unit_data(unit, short_name="SYT-2"), _unit_data(unit, short_name="SYT-2", version="")):
        response = client.post(url, data)
        assert response.status_code == 400
        assert "tải lại trang" in _errors(response)
        assert 'value="SYT-2"' in response.content.decode()
    unit.refresh_from_db()
    assert unit.short_name == "SYT"
    assert not AuditEntry.objects.filter(action="unit.update").exists()


def test_the_unit_page_version_is_the_api_etag(client: Client, admin_user: Any, unit: Unit) -> None:
    """The page and the API name one version of a unit: a tag read from one holds for the other."""
    from scoring.api.units import unit_etag

    client.force_login(admin_user)
    version = _version(client.get(reverse("administration:unit_edit", args=[unit.pk])).content.decode())
    assert f'"{version}"' == unit_etag(Unit.objects.select_related("kind", "ranking_group", "parent").get(pk=unit.pk))


def test_a_unit_changed_through_the_api_refuses_the_page_drawn_before(
    client: Client, admin_user: Any, unit: Unit
) -> None:
    from rest_framework.test import APIClient

    client.force_login(admin_user)
    url = reverse("administration:unit_edit", args=[unit.pk])
    version = _version(client.get(url).content.decode())
    api = APIClient()
    api.force_authenticate(admin_user)
    assert api.patch(reverse("api:unit", args=[unit.code]), {"short_name": "API"}, format="json").status_code == 200

    response = client.post(url, _unit_data(unit, name="Sở Y tế tỉnh", version=version))

    assert response.status_code == 409
    unit.refresh_from_db()
    assert (unit.name, unit.short_name) == ("Sở Y tế", "API")


PASSWORD_A, PASSWORD_B = "Mat-khau-moi-2021", "Mat-khau-khac-2022"


def test_the_second_password_reset_from_one_drawn_page_is_refused(
    client: Client, admin_user: Any, unit_editor: Any
) -> None:
    # given two administrators who opened the account's page at the same time
    client.force_login(admin_user)
    url = reverse("administration:user_detail", args=[unit_editor.pk])
    version = _version(client.get(url).content.decode())
    # when the first sets a password, then the second sets another from the page drawn before
    first = client.post(url, {"password1": PASSWORD_A, "password2": PASSWORD_A, "version": version})
    second = client.post(url, {"password1": PASSWORD_B, "password2": PASSWORD_B, "version": version})
    # then the second is refused and the first password stays (the one already handed to the person)
    assert first.status_code == 302
    assert second.status_code == 409
    assert "đã được sửa ở nơi khác (người khác hoặc một thẻ khác của anh/chị)" in _errors(second)
    assert PASSWORD_B not in second.content.decode()  # a password typed is never sent back
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(PASSWORD_A)
    assert AuditEntry.objects.filter(action="user.password_reset").count() == 1


def test_a_mistyped_reset_keeps_the_version_its_page_was_drawn_with(
    client: Client, admin_user: Any, unit_editor: Any
) -> None:
    """A typing mistake redraws the form; it stays based on the account as first shown, not on the one now."""
    from scoring.administration import services

    client.force_login(admin_user)
    url = reverse("administration:user_detail", args=[unit_editor.pk])
    version = _version(client.get(url).content.decode())
    colleague = get_user_model().objects.get(pk=unit_editor.pk)
    services.user_set_password(user=colleague, password=PASSWORD_A, actor=admin_user)

    mistyped = client.post(url, {"password1": PASSWORD_B, "password2": PASSWORD_B + "x", "version": version})
    again = client.post(url, {"password1": PASSWORD_B, "password2": PASSWORD_B,
                              "version": _version(mistyped.content.decode())})

    assert mistyped.status_code == 400 and again.status_code == 409
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(PASSWORD_A)


def test_a_password_reset_from_a_fresh_page_is_saved(client: Client, admin_user: Any, unit_editor: Any) -> None:
    client.force_login(admin_user)
    url = reverse("administration:user_detail", args=[unit_editor.pk])
    version = _version(client.get(url).content.decode())

    response = client.post(url, {"password1": PASSWORD_A, "password2": PASSWORD_A, "version": version})

    assert response.status_code == 302
    unit_editor.refresh_from_db()
    assert unit_editor.check_password(PASSWORD_A)


def test_a_password_form_without_its_version_is_refused(client: Client, admin_user: Any, unit_editor: Any) -> None:
    client.force_login(admin_user)
    url = reverse("administration:user_detail", args=[unit_editor.pk])

    for data in ({}, {"version": ""}):
        response = client.post(url, {"password1": PASSWORD_A, "password2": PASSWORD_A, **data})
        assert response.status_code == 400
        assert "tải lại trang" in _errors(response)
    unit_editor.refresh_from_db()
    assert unit_editor.check_password("x-Secret-2020!")
    assert not AuditEntry.objects.filter(action="user.password_reset").exists()


def test_an_account_locked_since_the_page_was_drawn_refuses_its_password_reset(
    client: Client, admin_user: Any, unit_editor: Any
) -> None:
    from scoring.administration import services

    client.force_login(admin_user)
    url = reverse("administration:user_detail", args=[unit_editor.pk])
    version = _version(client.get(url).content.decode())
    services.user_set_active(user=get_user_model().objects.get(pk=unit_editor.pk), active=False, actor=admin_user)

    response = client.post(url, {"password1": PASSWORD_A, "password2": PASSWORD_A, "version": version})

    assert response.status_code == 409
    unit_editor.refresh_from_db()
    assert unit_editor.check_password("x-Secret-2020!")


def test_the_account_version_does_not_show_the_password_hash(
    client: Client, admin_user: Any, unit_editor: Any
) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:user_detail", args=[unit_editor.pk])).content.decode()
    version = _version(page)
    assert version and version not in unit_editor.password and unit_editor.password.split("$")[-1] not in page
