"""A save refused because the unit, criterion or set changed since its page was drawn does not blame a colleague:
the change may come from the same person's other tab. The refusal and the stored values' heading say «ở nơi khác
(người khác hoặc một thẻ khác của anh/chị)»."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.models import IndicatorSet, Unit
from tests.administration.page_helpers import form_version as _version

pytestmark = pytest.mark.django_db

NEUTRAL = "ở nơi khác (người khác hoặc một thẻ khác của anh/chị)"
STORED_HEADING = "vừa được sửa ở nơi khác: người khác hoặc một thẻ khác của anh/chị"


def _check(response: Any) -> None:
    assert response.status_code == 409
    errors = " ".join(str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error")
    page = response.content.decode()
    assert NEUTRAL in errors and "từ khi trang này được mở" in errors
    assert STORED_HEADING in page
    assert "người khác sửa" not in errors + page and "do người khác vừa sửa" not in page


def test_one_person_in_two_tabs_of_a_unit_is_not_told_of_someone_else(client: Client, admin_user: Any) -> None:
    unit = Unit.objects.get(code="so-y-te")
    client.force_login(admin_user)
    url = reverse("administration:unit_edit", args=[unit.pk])
    version = _version(client.get(url).content.decode())
    data = {"code": unit.code, "short_name": unit.short_name, "kind": unit.kind_id,
            "ranking_group": unit.ranking_group_id or "", "parent": "", "version": version}
    assert client.post(url, {**data, "name": "Sở Y tế (thẻ 1)"}).status_code == 302
    _check(client.post(url, {**data, "name": "Sở Y tế (thẻ 2)"}))


def test_one_person_in_two_tabs_of_a_criterion_and_a_set(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    draft = services.indicator_set_clone(source=small_set, key="tabs-2021", year=2021, actor=admin_user)
    leaf = draft.indicators.get(code="1.2.3")
    client.force_login(admin_user)
    url = reverse("administration:node_edit", args=[leaf.pk])
    version = _version(client.get(url).content.decode())
    data = {"code": leaf.code, "kind": leaf.kind, "max_points": "0,5", "floor": "0", "coordinating_department": "",
            "method": "manual", "p_step": "0,25", "source": "self", "evidence_required": "on", "guidance": "",
            "save": "1", "version": version}
    assert client.post(url, {**data, "name": "Tên ở thẻ 1"}).status_code == 302
    _check(client.post(url, {**data, "name": "Tên ở thẻ 2"}))

    version = _version(client.get(reverse("administration:set_detail", args=[draft.pk])).content.decode())
    url = reverse("administration:set_update", args=[draft.pk])
    data = {"decision_ref": "", "standard_max": "10", "index_mode": "points", "bonus_cap": "2", "penalty_cap": "2",
            "bands": "9 | Tốt\n8 | Khá\n6,5 | Trung bình\n0 | Yếu", "source_note": "", "version": version}
    assert client.post(url, {**data, "name": "Bộ ở thẻ 1"}).status_code == 302
    _check(client.post(url, {**data, "name": "Bộ ở thẻ 2"}))
