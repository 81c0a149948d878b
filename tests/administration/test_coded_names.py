"""Unit kinds and ranking groups are renamed in place (the code stays), audited; bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from scoring.administration.services.units import coded_version
from scoring.models import AuditEntry, RankingGroup, UnitKind

pytestmark = pytest.mark.django_db


def test_an_administrator_renames_a_ranking_group_and_the_change_is_audited(client: Client, admin_user: Any) -> None:
    group = RankingGroup.objects.order_by("pk").first()
    assert group is not None
    old, code = group.name, group.code
    client.force_login(admin_user)

    response = client.post(f"/quan-ly/khoi-xep-hang/{group.pk}/doi-ten/", {"name": "  Khối các sở, ban, ngành  ",
                                                                          "version": coded_version(group)})

    assert response.status_code == 302 and response["Location"].endswith("/quan-ly/don-vi/#kinds-and-groups")
    group.refresh_from_db()
    assert (group.name, group.code) == ("Khối các sở, ban, ngành", code)
    entry = AuditEntry.objects.get(action="ranking_group.rename", object_id=str(group.pk))
    assert entry.changes == {"name": {"old": old, "new": "Khối các sở, ban, ngành"}}
    page = client.get(response["Location"]).content.decode()
    assert "Đã đổi tên khối xếp hạng: Khối các sở, ban, ngành." in page
    assert 'value="Khối các sở, ban, ngành"' in page  # the list shows the new name in its rename box


def test_an_empty_name_is_refused_and_nothing_changes(client: Client, admin_user: Any) -> None:
    kind = UnitKind.objects.get(code="district")
    client.force_login(admin_user)

    response = client.post(f"/quan-ly/loai-don-vi/{kind.pk}/doi-ten/", {"name": "   ", "version": coded_version(kind)},
                           follow=True)

    assert "Hãy nhập tên." in response.content.decode()
    assert UnitKind.objects.get(pk=kind.pk).name == kind.name
    assert not AuditEntry.objects.filter(action="unit_kind.rename").exists()


def test_only_administrators_rename_and_an_unknown_one_is_404(client: Client, unit_head: Any, admin_user: Any) -> None:
    kind = UnitKind.objects.get(code="district")
    client.force_login(unit_head)
    assert client.post(f"/quan-ly/loai-don-vi/{kind.pk}/doi-ten/", {"name": "Cấp huyện"}).status_code == 403
    assert client.get(f"/quan-ly/loai-don-vi/{kind.pk}/doi-ten/").status_code == 302  # to the units page
    assert UnitKind.objects.get(pk=kind.pk).name == kind.name
    client.force_login(admin_user)
    assert client.post("/quan-ly/khoi-xep-hang/999999/doi-ten/", {"name": "X"}).status_code == 404
