"""Two administrators (or two tabs) on the units page: a unit kind's or a ranking group's rename typed on a page
drawn before a colleague's rename is refused with the reason, keeps the name typed in its row, shows the name
stored, and changes nothing; a rename without the page's version is refused too. No lost update."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import AuditEntry, RankingGroup, UnitKind
from tests.administration.page_helpers import error_messages as _errors

pytestmark = pytest.mark.django_db

CASES = [
    ("kind", UnitKind, "district", "administration:kind_rename", "unit_kind.rename"),
    ("group", RankingGroup, None, "administration:group_rename", "ranking_group.rename"),
]


def _row_version(page: str, url: str) -> str:
    """The version the rename form posting to `url` carries."""
    found = re.search(re.escape(f'action="{url}"') + r'[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" '
                      r'value="[^"]*"><input type="hidden" name="version" value="([^"]*)"', page)
    assert found, "the rename form carries no version"
    return found.group(1)


@pytest.mark.parametrize(("what", "model", "code", "url_name", "action"), CASES, ids=["kind", "group"])
def test_a_rename_typed_on_a_page_drawn_before_a_colleagues_rename_is_refused_and_the_first_kept(
    client: Client, catalogue: Any, admin_user: Any, what: str, model: Any, code: str | None, url_name: str,
    action: str,
) -> None:
    # given two tabs on the units page
    row = model.objects.get(code=code) if code else model.objects.order_by("pk").first()
    client.force_login(admin_user)
    url = reverse(url_name, args=[row.pk])
    list_url = reverse("administration:unit_list")
    tab_a = _row_version(client.get(list_url).content.decode(), url)
    tab_b = _row_version(client.get(list_url).content.decode(), url)
    audits = AuditEntry.objects.filter(action=action).count()
    # when tab A renames it, then tab B, still showing the old name, renames it otherwise
    first = client.post(url, {"name": "Tên của thẻ A", "version": tab_a})
    second = client.post(url, {"name": "Tên của thẻ B", "version": tab_b})
    # then A's name stands, B's rename is refused with the reason, B's typing kept in its row, A's name shown
    assert first.status_code == 302
    assert second.status_code == 409
    assert "đã được đổi tên ở nơi khác" in _errors(second)
    page = second.content.decode()
    assert f'id="id_{what}_name_{row.pk}" name="name" value="Tên của thẻ B"' in page
    stored = page.split("data-stored-name>", 1)[1].split("</p>", 1)[0]
    assert "Tên của thẻ A" in stored
    assert model.objects.get(pk=row.pk).name == "Tên của thẻ A"
    assert AuditEntry.objects.filter(action=action).count() == audits + 1
    # and the refused row carries the version now stored: renaming again, having seen A's name, goes through
    again = client.post(url, {"name": "Tên của thẻ B", "version": _row_version(page, url)})
    assert again.status_code == 302
    assert model.objects.get(pk=row.pk).name == "Tên của thẻ B"


@pytest.mark.parametrize(("what", "model", "code", "url_name", "action"), CASES, ids=["kind", "group"])
def test_a_rename_posted_without_the_pages_version_changes_nothing(
    client: Client, catalogue: Any, admin_user: Any, what: str, model: Any, code: str | None, url_name: str,
    action: str,
) -> None:
    row = model.objects.get(code=code) if code else model.objects.order_by("pk").first()
    client.force_login(admin_user)
    response = client.post(reverse(url_name, args=[row.pk]), {"name": "Tên mới"})
    assert response.status_code == 400
    assert "không mang phiên bản" in _errors(response)
    assert f'id="id_{what}_name_{row.pk}" name="name" value="Tên mới"' in response.content.decode()
    assert model.objects.get(pk=row.pk).name == row.name
