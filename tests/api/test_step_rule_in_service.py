"""A direct-points leaf's maximum the step cannot reach is refused by the criterion-saving service, as the editor
refuses it: through the API (add or edit a node) and the Excel tree import, on `max_points`, with the editor's
message; nothing is stored."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from scoring.administration import services
from scoring.administration.services.tree_excel import indicator_set_tree_import
from scoring.administration.validators import step_problem
from scoring.models import AuditEntry, Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="step-api-2021", year=2021, actor=admin_user)


@pytest.fixture
def admin_api(admin_user: Any) -> APIClient:
    api = APIClient()
    api.force_login(admin_user)
    return api


def test_editing_a_leafs_maximum_off_its_step_is_refused_on_the_maximum(
    admin_api: APIClient, draft: IndicatorSet
) -> None:
    base = f"/api/v1/indicator-sets/{draft.key}/indicators"
    before = AuditEntry.objects.count()
    response = admin_api.patch(f"{base}/1.2.3/", {"max_points": "0.7"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "step_unreachable"
    expected = step_problem(max_points=Decimal("0.7"), floor=Decimal("0"), step="0.25")
    assert body["fields"] == {"max_points": [expected]}
    leaf = Indicator.objects.get(indicator_set=draft, code="1.2.3")
    assert leaf.max_points == Decimal("0.5") and AuditEntry.objects.count() == before
    # a step that divides the maximum is taken
    ok = admin_api.patch(f"{base}/1.2.3/", {"max_points": "0.7", "params": {"step": "0.1"}}, format="json")
    assert ok.status_code == 200, ok.json()


def test_adding_a_manual_leaf_off_the_default_step_is_refused(admin_api: APIClient, draft: IndicatorSet) -> None:
    base = f"/api/v1/indicator-sets/{draft.key}/indicators"
    response = admin_api.post(f"{base}/", {"parent": "1.2", "code": "1.2.9", "name": "Tiêu chí mới",
                                           "max_points": "0.3", "method": "manual"}, format="json")
    assert response.status_code == 400
    assert "bội số của bước điểm 0,25" in response.json()["fields"]["max_points"][0]
    assert not draft.indicators.filter(code="1.2.9").exists()


def test_the_excel_tree_import_refuses_such_a_leaf_too(admin_user: Any, draft: IndicatorSet) -> None:
    row = {"row": 2, "code": "1", "parent_code": "", "name": "Công tác chỉ đạo", "kind": "normal",
           "max_points": "0.7", "floor": "0", "method": "manual", "params": '{"step": "0.25"}',
           "evidence_required": "1", "allow_not_applicable": "0", "source": "self", "guidance": "",
           "coordinating_department": ""}
    outcome = indicator_set_tree_import(indicator_set=draft, rows=[row], actor=admin_user, dry_run=True)
    assert outcome.row_errors
    assert "không phải là bội số của bước điểm" in " ".join(outcome.row_errors[0]["messages"])
