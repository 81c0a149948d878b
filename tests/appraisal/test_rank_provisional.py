"""Before the year is published, a signed-off unit's rank in its group is provisional: the result on the review page,
the result page, the unit's explanation page and the workbook say «tạm thời (n/N đơn vị trong khối đã thông qua)»,
and the sign-off e-mail does not promise a rank."""

from __future__ import annotations

import io
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.services import assessment_sign_off
from scoring.models import Assessment, IndexResult, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import appraise_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(submitted: Any, lead: Any, cycle: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Sở Y tế signed off (its result computed) while the other units of its group are not."""
    group_id = submitted.unit.ranking_group_id
    assert group_id is not None
    others = list(Unit.objects.filter(ranking_group_id=group_id, active=True).exclude(pk=submitted.unit_id)[:3])
    assessments_open(cycle=cycle, units=others, actor=None)
    appraise_all(submitted, lead)
    with django_capture_on_commit_callbacks(execute=True):
        signed = assessment_sign_off(assessment=submitted, actor=lead)
    assert IndexResult.objects.get(assessment=signed).rank == 1
    return signed


def _total(assessment: Any) -> int:
    return Assessment.objects.filter(cycle_id=assessment.cycle_id,
                                     unit__ranking_group_id=assessment.unit.ranking_group_id).count()


def test_the_pages_call_the_rank_provisional_with_how_many_of_the_group_are_signed_off(
    client: Client, signed: Any, lead: Any, unit_head: Any
) -> None:
    said = f"tạm thời (1/{_total(signed)} đơn vị trong khối đã thông qua)"
    assert _total(signed) > 1
    client.force_login(lead)
    for url in (reverse("appraisal:review", args=[signed.pk]), reverse("appraisal:result", args=[signed.pk])):
        body = unescape(client.get(url).content.decode())
        assert "Thứ hạng trong khối: <strong>1</strong>" in body
        assert said in body, url
    client.force_login(unit_head)
    body = unescape(client.get(reverse("appraisal:explain", args=[signed.pk])).content.decode())
    assert said in body
    answer = client.get(reverse("appraisal:result", args=[signed.pk]), HTTP_ACCEPT="application/json").json()
    assert answer["rank_provisional"] is True and answer["rank_signed_off"] == 1


def test_the_workbook_marks_the_rank_provisional(client: Client, signed: Any, lead: Any) -> None:
    client.force_login(lead)
    response = client.get(reverse("appraisal:assessment_workbook", args=[signed.pk]))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(content)).active
    row = next(r for r in ws.iter_rows() if any(c.value == "Thứ hạng trong khối" for c in r))
    values = [c.value for c in row if c.value is not None]
    assert 1 in values
    assert f"tạm thời (1/{_total(signed)} đơn vị trong khối đã thông qua)" in values


def test_the_sign_off_mail_does_not_promise_a_final_rank(signed: Any) -> None:
    from appraisal.models import Notification

    body = "\n".join(Notification.objects.filter(assessment=signed, kind=Notification.Kind.SIGNED_OFF)
                     .values_list("body", flat=True))
    assert body
    assert "Chỉ số và thứ hạng được tính ngay sau đó" not in body
    assert "Thứ hạng trong khối là tạm thời" in body
