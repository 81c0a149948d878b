"""The API's merge holds the page's rule: units of one kind only; a change of ranking group goes through and is
audited."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from scoring.models import AuditEntry, Unit, UnitSuccession

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(admin_user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def test_a_merge_into_a_unit_of_another_kind_is_a_field_error_naming_both_kinds(admin_api: APIClient) -> None:
    response = admin_api.post("/api/v1/units/h-cai-be/merge/", {"into": "so-noi-vu", "reason": "NQ 1"},
                              format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "merge_other_kind"
    [message] = body["fields"]["into"]
    assert "«UBND cấp huyện»" in message and "«Sở, ban, ngành tỉnh»" in message
    assert Unit.objects.get(code="h-cai-be").active
    assert not UnitSuccession.objects.exists()


def test_a_merge_into_another_ranking_group_of_the_same_kind_goes_through_and_is_audited(
    admin_api: APIClient,
) -> None:
    response = admin_api.post("/api/v1/units/h-cai-be/merge/", {"into": "h-cai-lay", "reason": "NQ 1"},
                              format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["active"] is False
    assert AuditEntry.objects.get(action="unit.merge").changes["ranking_group"] == {
        "old": "huyen-cum-1", "new": "huyen-cum-2"
    }
