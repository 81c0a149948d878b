"""One-line names (units, kinds, groups, sets, criteria, people's full names) hold no character a reader cannot
see (a zero-width space) and no line break or tab: refused with the position, nothing stored, on the pages, the API
and the imports alike. Multi-line texts (a criterion's guidance) keep their line breaks."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.administration import services
from scoring.administration.services.tree_excel import indicator_set_tree_import
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, IndicatorSet, RoleAssignment, Unit
from scoring.services import indicator_set_import
from scoring.text import visible_text
from tests.administration.page_helpers import form_version as _version
from tests.conftest import small_set_data

pytestmark = pytest.mark.django_db

ZWSP = "\u200b"


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="names-2021", year=2021, actor=admin_user)


@pytest.fixture
def admin_api(admin_user: Any) -> APIClient:
    api = APIClient()
    api.force_login(admin_user)
    return api


def _said(response: Any) -> str:
    return response.content.decode() + " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("text", ["Sở KH\nCN", "Sở KH\tCN", "Sở KH\r\nCN"])
def test_a_line_break_or_tab_inside_a_name_is_refused_with_its_position(text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        visible_text(text, field="name")
    assert refused.value.code == "line_break"
    assert "vị trí 6" in str(refused.value.message) and "một dòng" in str(refused.value.message)
    assert refused.value.details == {"field": "name"}
    assert visible_text("  Sở KH&CN \n") == "Sở KH&CN"  # around the name: trimmed as before


def test_a_unit_name_with_a_line_break_is_refused_by_the_api_and_the_page(
    admin_api: APIClient, client: Client, admin_user: Any
) -> None:
    before = AuditEntry.objects.count()
    response = admin_api.patch("/api/v1/units/so-y-te/", {"name": "Sở Y\ntế"}, format="json")
    assert response.status_code == 400
    assert "một dòng" in response.json()["fields"]["name"][0]
    created = admin_api.post("/api/v1/units/", {"code": "so-moi", "name": "Sở\tmới", "kind": "department"},
                             format="json")
    assert created.status_code == 400 and "name" in created.json()["fields"]
    unit = Unit.objects.get(code="so-y-te")
    client.force_login(admin_user)
    url = reverse("administration:unit_edit", args=[unit.pk])
    version = _version(client.get(url).content.decode())
    page = client.post(url, {"code": unit.code, "name": "Sở Y\r\ntế", "short_name": "SYT", "kind": unit.kind_id,
                             "ranking_group": unit.ranking_group_id or "", "parent": "", "version": version})
    assert page.status_code in (200, 400) and "một dòng" in _said(page)
    assert Unit.objects.get(code="so-y-te").name == "Sở Y tế"
    assert not Unit.objects.filter(code="so-moi").exists()
    assert AuditEntry.objects.count() == before


def test_a_kind_a_group_and_a_persons_name_refuse_a_tab(admin_user: Any) -> None:
    with pytest.raises(ValidationFailed, match="một dòng"):
        services.unit_kind_create(code="xa", name="UBND\tcấp xã", actor=admin_user)
    with pytest.raises(ValidationFailed, match="một dòng"):
        services.ranking_group_create(code="khoi-x", name="Khối\nX", actor=admin_user)
    with pytest.raises(ValidationFailed, match="một dòng"):
        services.user_create(username="nguoi-moi", full_name="Nguyễn\nVăn A", email="a@example.com",
                             password="Mk-rat-dai-2026!", role=RoleAssignment.Role.APPRAISER, unit=None,
                             actor=admin_user)
    assert not get_user_model().objects.filter(username="nguoi-moi").exists()


def test_a_set_name_with_a_zero_width_space_or_a_line_break_is_refused_on_the_page_and_the_api(
    client: Client, admin_user: Any, admin_api: APIClient, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    version = _version(client.get(reverse("administration:set_detail", args=[draft.pk])).content.decode())
    response = client.post(reverse("administration:set_update", args=[draft.pk]), {
        "name": f"Bộ{ZWSP}2021", "decision_ref": "", "standard_max": "10", "index_mode": "points", "bonus_cap": "2",
        "penalty_cap": "2", "bands": "9 | Tốt\n8 | Khá\n6,5 | Trung bình\n0 | Yếu", "source_note": "",
        "version": version,
    })
    assert response.status_code in (200, 400) and "ký tự ẩn ở vị trí 3" in _said(response)
    api = admin_api.patch(f"/api/v1/indicator-sets/{draft.key}/", {"name": "Bộ\n2021"}, format="json")
    assert api.status_code == 400 and "một dòng" in api.json()["fields"]["name"][0]
    draft.refresh_from_db()
    assert draft.name == IndicatorSet.objects.get(key="test-set").name
    with pytest.raises(ValidationFailed):
        services.indicator_set_clone(source=draft, key="names-2022", year=2022, actor=admin_user, name=f"Bộ{ZWSP}")


def test_a_criterion_name_with_a_zero_width_space_or_a_tab_is_refused_but_guidance_keeps_its_lines(
    admin_api: APIClient, draft: IndicatorSet
) -> None:
    base = f"/api/v1/indicator-sets/{draft.key}/indicators"
    hidden = admin_api.patch(f"{base}/1.2.3/", {"name": f"Xử lý{ZWSP} tồn tại"}, format="json")
    assert hidden.status_code == 400 and "ký tự ẩn" in hidden.json()["fields"]["name"][0]
    tab = admin_api.post(f"{base}/", {"parent": "1.2", "code": "1.2.9", "name": "Xử lý\ttồn tại",
                                      "max_points": "0.5", "method": "yes_no"}, format="json")
    assert tab.status_code == 400 and "một dòng" in tab.json()["fields"]["name"][0]
    assert not draft.indicators.filter(code="1.2.9").exists()
    guidance = admin_api.patch(f"{base}/1.2.3/", {"guidance": "Dòng một\nDòng hai"}, format="json")
    assert guidance.status_code == 200, guidance.json()
    assert draft.indicators.get(code="1.2.3").guidance == "Dòng một\nDòng hai"


def test_the_criterion_page_refuses_a_hidden_character_in_the_name(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    leaf = draft.indicators.get(code="1.2.3")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    version = _version(client.get(url).content.decode())
    response = client.post(url, {
        "code": leaf.code, "kind": leaf.kind, "max_points": "0,5", "floor": "0", "name": f"Xử lý{ZWSP} tồn tại",
        "coordinating_department": "", "method": "manual", "p_step": "0,25", "source": "self",
        "evidence_required": "on", "guidance": "", "save": "1", "version": version,
    })
    assert response.status_code in (200, 400) and "ký tự ẩn ở vị trí 6" in _said(response)
    leaf.refresh_from_db()
    assert ZWSP not in leaf.name


def test_the_imports_hold_names_to_the_same_rule(admin_user: Any, draft: IndicatorSet) -> None:
    # the set file (JSON): a criterion's name and the set's name
    data = small_set_data(key="names-json", year=2031)
    data["indicators"][0]["name"] = "Công tác\nchỉ đạo"
    with pytest.raises(ValidationFailed) as refused:
        indicator_set_import(data=data, actor=admin_user)
    assert [str(p) for p in refused.value.details if "một dòng" in str(p)] != []
    assert len(refused.value.details) == 1  # that name only
    with pytest.raises(ValidationFailed) as refused:
        indicator_set_import(data=small_set_data(key="names-json", year=2031, name=f"Bộ{ZWSP}thử"), actor=admin_user)
    assert len(refused.value.details) == 1 and "ký tự ẩn" in str(refused.value.details[0])
    assert not IndicatorSet.objects.filter(key="names-json").exists()
    assert indicator_set_import(data=small_set_data(key="names-json", year=2031), actor=admin_user).pk
    # the tree from Excel
    row = {"row": 2, "code": "1", "parent_code": "", "name": f"Công tác{ZWSP} chỉ đạo", "kind": "normal",
           "max_points": "1", "floor": "0", "method": "yes_no", "params": "", "evidence_required": "1",
           "allow_not_applicable": "0", "source": "self", "guidance": "", "coordinating_department": ""}
    outcome = indicator_set_tree_import(indicator_set=draft, rows=[row], actor=admin_user, dry_run=True)
    assert outcome.row_errors and "ký tự ẩn" in " ".join(outcome.row_errors[0]["messages"])
