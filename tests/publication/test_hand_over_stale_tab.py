"""The publish page's hand-over of the overdue drafts, sent from a tab opened before they were handed over (or before
the last one submitted): refused with 409, nothing changed, and the refusal said on the page even though the
hand-over form is no longer drawn (nothing left to hand over), as the API's `nothing_to_hand_over` says it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scoring.models import Assessment, AuditEntry, Cycle, Unit
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db

URL = "/ket-qua/quan-ly/2020/chuyen-tham-dinh/"
NOTHING_LEFT = "Không còn đơn vị nào quá hạn mà chưa gửi để chuyển cho Tổ thẩm định."


def _overdue_drafts(cycle: Cycle, codes: tuple[str, ...]) -> list[Assessment]:
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - timedelta(days=1))
    return [assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0] for code in codes]


def _alert(html: str) -> str:
    found = re.search(r'<p class="banner-error" id="hand-over-error" role="alert" data-hand-over-refused>(.*?)</p>',
                      html, re.S)
    assert found, "the refusal is not on the page"
    return found.group(1).strip()


def test_a_second_hand_over_from_a_stale_tab_says_there_is_nothing_left(signed_cycle: Cycle, admin_user: Any) -> None:
    # given: three overdue drafts handed over from tab A
    drafts = _overdue_drafts(signed_cycle, ("so-tai-chinh", "so-noi-vu", "so-giao-duc-dao-tao"))
    client = Client()
    client.force_login(admin_user)
    assert client.post(URL, {"count": "3", "reason": "Quá hạn", "confirmed": "1"}).status_code == 302
    handed = AuditEntry.objects.count()
    # when tab B sends the same form
    response = client.post(URL, {"count": "3", "reason": "Quá hạn", "confirmed": "1"})
    # then 409, the refusal said on the page though the form is gone, and nothing more done
    assert response.status_code == 409
    html = response.content.decode()
    assert "data-hand-over-all" not in html
    assert _alert(html) == NOTHING_LEFT
    assert AuditEntry.objects.count() == handed
    assert set(Assessment.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)) == {
        "submitted"}


def test_a_hand_over_when_every_unit_has_submitted_says_so_on_the_page(signed_cycle: Cycle, admin_user: Any) -> None:
    # given a tab drawn with one overdue draft, which its unit has submitted since (no blocker left at all)
    client = Client()
    client.force_login(admin_user)
    # when
    response = client.post(URL, {"count": "1", "reason": "Quá hạn", "confirmed": "1"})
    # then
    assert response.status_code == 409
    assert _alert(response.content.decode()) == NOTHING_LEFT


def test_a_refusal_with_the_form_still_drawn_is_said_once_beside_the_form(signed_cycle: Cycle, admin_user: Any) -> None:
    # given: three overdue drafts, a tab that saw two
    _overdue_drafts(signed_cycle, ("so-tai-chinh", "so-noi-vu", "so-giao-duc-dao-tao"))
    client = Client()
    client.force_login(admin_user)
    # when
    response = client.post(URL, {"count": "2", "reason": "Quá hạn", "confirmed": "1"})
    # then the form says it, and it is not repeated above the page
    html = response.content.decode()
    assert response.status_code == 409
    assert "data-hand-over-refused" not in html
    assert html.count('id="hand-over-error"') == 1 and "trang báo 2 đơn vị, nay là 3" in html
