"""Messages that said the wrong thing: adding a unit already taking part in a cycle (a success «0 đơn vị»), the
phase button pressed twice (a rule about adjacent phases), a units file with a blank kind cell («Loại đơn vị «»
không tồn tại»)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.administration.services.imports import units_import_plan
from scoring.errors import ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, Unit

pytestmark = pytest.mark.django_db


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_adding_a_unit_already_taking_part_says_so_instead_of_opening_zero(
    client: Client, admin_user: Any, assessment: Assessment
) -> None:
    client.force_login(admin_user)
    url = reverse("administration:cycle_participants", args=[assessment.cycle_id])
    before = (Assessment.objects.count(), AuditEntry.objects.count())

    response = client.post(url, {"units": [assessment.unit_id]})

    assert response.status_code == 302
    assert _messages(response) == [
        ("warning", "Đơn vị «Sở Y tế» đã tham gia kỳ đánh giá này; không mở thêm bản đánh giá.")
    ]
    assert (Assessment.objects.count(), AuditEntry.objects.count()) == before


def test_adding_new_and_taking_part_units_says_both(client: Client, admin_user: Any, assessment: Assessment) -> None:
    client.force_login(admin_user)
    url = reverse("administration:cycle_participants", args=[assessment.cycle_id])
    justice, health = Unit.objects.get(code="so-tu-phap"), Unit.objects.get(code="so-y-te")

    response = client.post(url, {"units": [justice.pk, health.pk]})

    shown = _messages(response)
    assert ("success", "Đã mở bản đánh giá cho 1 đơn vị.") in shown
    assert ("warning", "Đơn vị «Sở Y tế» đã tham gia kỳ đánh giá này; không mở thêm bản đánh giá.") in shown
    assert Assessment.objects.filter(cycle_id=assessment.cycle_id, unit=justice).exists()


def test_many_units_already_taking_part_are_named_up_to_five(
    client: Client, admin_user: Any, cycle: Cycle
) -> None:
    from scoring.services import assessments_open

    units = list(Unit.objects.filter(active=True, kind__code="department").order_by("name")[:7])
    assessments_open(cycle=cycle, units=units, actor=None)
    client.force_login(admin_user)

    response = client.post(reverse("administration:cycle_participants", args=[cycle.pk]),
                           {"units": [u.pk for u in units]})

    [(level, text)] = _messages(response)
    assert level == "warning"
    assert text.startswith("7 đơn vị đã tham gia kỳ đánh giá này nên không mở thêm bản đánh giá: ")
    assert text.endswith(" và 2 đơn vị khác.") and f"«{units[0].name}»" in text


def test_pressing_the_phase_button_twice_says_the_cycle_is_already_there(
    client: Client, admin_user: Any, cycle: Cycle
) -> None:
    client.force_login(admin_user)
    url = reverse("administration:cycle_phase", args=[cycle.pk])
    audits = AuditEntry.objects.count()

    first = client.post(url, {"phase": "appraisal"})
    second = client.post(url, {"phase": "appraisal"})

    assert first.status_code == second.status_code == 302
    assert _messages(second)[-1] == ("info", "Kỳ đánh giá đã ở giai đoạn «Thẩm định»; không cần chuyển nữa.")
    assert not any(level == "error" for level, _text in _messages(second))
    cycle.refresh_from_db()
    assert cycle.phase == "appraisal" and AuditEntry.objects.count() == audits + 1


def test_the_api_says_the_same_for_a_phase_sent_twice(admin_user: Any, cycle: Cycle) -> None:
    api = APIClient()
    api.force_login(admin_user)
    response = api.post(f"/api/v1/cycles/{cycle.year}/phase/", {"phase": cycle.phase}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["phase"] == ["Kỳ đánh giá đã ở giai đoạn «Tự đánh giá»; không cần chuyển nữa."]


def test_a_units_file_row_with_a_blank_kind_says_the_kind_is_missing(catalogue: Any, admin_user: Any) -> None:
    rows = [{"row": 2, "code": "so-moi", "name": "Sở Mới", "kind": ""},
            {"row": 3, "code": "so-moi-2", "name": "Sở Mới Hai", "kind": "hanh-tinh"}]
    with pytest.raises(ValidationFailed) as refused:
        units_import_plan(rows=rows, actor=admin_user)
    messages = {p["row"]: p["messages"] for p in refused.value.details}
    assert messages[2] == ["Thiếu loại đơn vị."]
    assert len(messages[3]) == 1 and messages[3][0].startswith("Loại đơn vị «hanh-tinh» không tồn tại.")
    assert not Unit.objects.filter(code__startswith="so-moi").exists()
