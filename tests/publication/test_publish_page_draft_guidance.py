"""A unit that has not submitted keeps the year from being published, and may be handed over to the appraisal team
only once its deadline has passed. The publish page says, for each such unit, what can be done now: hand it over
(overdue), decide its extension request, or wait for its deadline (named, the cycle's or its own) or bring that
deadline earlier; a cycle without a self-assessment deadline is told to set one."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scoring.administration.services.cycles import assessment_close_unsubmitted
from scoring.errors import StateConflict
from scoring.models import Assessment, Cycle, ExtensionRequest, Unit
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db


def _open(cycle: Cycle, code: str) -> Assessment:
    return assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]


def _guidance(html: str) -> dict[str, str]:
    """Each draft blocker's guidance by the unit named in its link: (kind, text without tags)."""
    found = {}
    for unit, kind, text in re.findall(
        r'>([^<:]+): chưa được thông qua \(Đang tự đánh giá\)\.</a>\s*<br><span class="meta" '
        r'data-draft-guidance="([a-z-]+)">(.*?)</span>', html, re.S):
        found[unit] = (kind, " ".join(re.sub(r"<[^>]+>", "", text).split()))
    return found


def _page(client: Client, cycle: Cycle) -> str:
    return client.get(f"/ket-qua/quan-ly/{cycle.year}/").content.decode()


def test_a_draft_before_the_cycles_deadline_is_told_to_wait_for_it_or_bring_it_earlier(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    # given: the cycle's self-assessment deadline five days ahead, one unit still drafting
    deadline = (timezone.localtime() + timedelta(days=5)).replace(hour=23, minute=59, second=0, microsecond=0)
    Cycle.objects.filter(pk=signed_cycle.pk).update(self_assessment_deadline=deadline)
    draft = _open(signed_cycle, "so-tai-chinh")
    client = Client()
    client.force_login(admin_user)

    # when
    html = _page(client, signed_cycle)

    # then: not «hand it over», which would be refused, but its deadline and how to bring it earlier
    kind, text = _guidance(html)["Sở Tài chính"]
    assert kind == "cycle-deadline"
    assert f"Chưa đến hạn tự đánh giá của kỳ ({deadline:%d/%m/%Y %H:%M})" in text
    assert "chỉ chuyển được cho Tổ thẩm định sau hạn đó" in text and "dời hạn tự đánh giá của kỳ sớm hơn" in text
    assert f'href="/quan-ly/ky-danh-gia/{signed_cycle.pk}/#cac-han"' in html
    assert 'id="cac-han"' in client.get(f"/quan-ly/ky-danh-gia/{signed_cycle.pk}/").content.decode()
    assert "Đơn vị quá hạn mà chưa gửi: trang kỳ đánh giá cho gia hạn hoặc chuyển" not in html
    # and the rule stands: it cannot be handed over before its deadline
    with pytest.raises(StateConflict) as refused:
        assessment_close_unsubmitted(assessment=draft, actor=admin_user, reason="Không gửi đúng hạn")
    assert refused.value.code == "deadline_not_passed"


def test_a_draft_on_its_own_later_deadline_is_told_that_deadline(signed_cycle: Cycle, admin_user: Any) -> None:
    Cycle.objects.filter(pk=signed_cycle.pk).update(self_assessment_deadline=timezone.now() - timedelta(days=2))
    own = (timezone.localtime() + timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0)
    draft = _open(signed_cycle, "so-noi-vu")
    Assessment.objects.filter(pk=draft.pk).update(deadline_override=own)
    client = Client()
    client.force_login(admin_user)

    kind, text = _guidance(_page(client, signed_cycle))["Sở Nội vụ"]

    assert kind == "own-deadline"
    assert f"Chưa đến hạn riêng của đơn vị ({own:%d/%m/%Y %H:%M})" in text and "bỏ hạn riêng" in text


def test_an_overdue_draft_is_told_to_be_handed_over_and_can_be(signed_cycle: Cycle, admin_user: Any) -> None:
    passed = timezone.now() - timedelta(days=1)
    Cycle.objects.filter(pk=signed_cycle.pk).update(self_assessment_deadline=passed)
    draft = _open(signed_cycle, "so-tai-chinh")
    client = Client()
    client.force_login(admin_user)

    kind, text = _guidance(_page(client, signed_cycle))["Sở Tài chính"]
    assert kind == "overdue" and "chuyển bản đánh giá cho Tổ thẩm định" in text

    # the cycle's page it links to offers the hand-over, and it is done
    cycle_page = client.get(f"/quan-ly/ky-danh-gia/{signed_cycle.pk}/?trang_thai=draft&q=so-tai-chinh")
    assert f"/quan-ly/ky-danh-gia/{signed_cycle.pk}/khong-gui/{draft.pk}/" in cycle_page.content.decode()
    assessment_close_unsubmitted(assessment=draft, actor=admin_user, reason="Không gửi đúng hạn")
    assert Assessment.objects.get(pk=draft.pk).state == Assessment.State.SUBMITTED


def test_a_draft_with_a_waiting_extension_request_is_told_to_decide_it_first(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    Cycle.objects.filter(pk=signed_cycle.pk).update(self_assessment_deadline=timezone.now() - timedelta(days=1))
    draft = _open(signed_cycle, "so-tai-chinh")
    request = ExtensionRequest.objects.create(assessment=draft, requested_deadline=timezone.now() + timedelta(days=3),
                                              reason="Thiếu nhân sự", requested_by=admin_user)
    client = Client()
    client.force_login(admin_user)

    html = _page(client, signed_cycle)

    kind, text = _guidance(html)["Sở Tài chính"]
    assert kind == "request" and "Đang có đề nghị gia hạn chờ quyết định" in text
    assert f'href="/quan-ly/ky-danh-gia/{signed_cycle.pk}/de-nghi-gia-han/#request-{request.pk}"' in html


def test_a_cycle_without_a_self_assessment_deadline_is_told_to_set_one(signed_cycle: Cycle, admin_user: Any) -> None:
    Cycle.objects.filter(pk=signed_cycle.pk).update(self_assessment_deadline=None)
    _open(signed_cycle, "so-tai-chinh")
    client = Client()
    client.force_login(admin_user)

    kind, text = _guidance(_page(client, signed_cycle))["Sở Tài chính"]

    assert kind == "no-deadline" and "đặt hạn tự đánh giá của kỳ" in text


def test_the_publish_page_is_refused_to_a_non_administrator(signed_cycle: Cycle, unit_head: Any) -> None:
    _open(signed_cycle, "so-tai-chinh")
    client = Client()
    client.force_login(unit_head)
    response = client.get(f"/ket-qua/quan-ly/{signed_cycle.year}/")
    assert response.status_code in (403, 404) and "data-draft-guidance" not in response.content.decode()
