"""The way forward from the cycle's page: drafts past their deadline keep the year from being published, and the page
says so and offers their hand-over to the appraisal team there (the publish page's service, its number, reason and
confirmation box), not only on the publish page. The confirmation is a box of the form, checked by the server."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scoring.models import Assessment, AuditEntry, Cycle, ExtensionRequest, Unit
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db

OVERDUE = ("so-tai-chinh", "so-noi-vu", "so-giao-duc-dao-tao")


def _overdue(cycle: Cycle, phase: str = Cycle.Phase.APPRAISAL) -> list[Assessment]:
    Cycle.objects.filter(pk=cycle.pk).update(phase=phase, self_assessment_deadline=timezone.now() - timedelta(days=1))
    return [assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0] for code in OVERDUE]


def _states(drafts: list[Assessment]) -> set[str]:
    return set(Assessment.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True))


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _box(html: str) -> str:
    found = re.search(r"<section [^>]*data-overdue-drafts>.*?</section>", html, re.S)
    assert found, "the overdue drafts are not said on the cycle's page"
    return found.group(0)


def test_the_cycle_page_says_the_overdue_drafts_block_publication_and_offers_their_hand_over(
    cycle: Cycle, admin_user: Any
) -> None:
    _overdue(cycle)
    html = _client(admin_user).get(f"/quan-ly/ky-danh-gia/{cycle.pk}/").content.decode()
    box = _box(html)
    assert "3 đơn vị đã quá hạn tự đánh giá mà chưa gửi" in box and "chưa công bố được" in box
    assert all(name in box for name in ("Sở Tài chính", "Sở Nội vụ", "Sở Giáo dục và Đào tạo"))
    form = re.search(r"<form [^>]*>", box)
    assert form and f'action="/quan-ly/ky-danh-gia/{cycle.pk}/chuyen-tham-dinh/"' in form.group(0)
    assert "data-confirm" not in form.group(0)
    assert '<input type="hidden" name="count" value="3">' in box
    assert 'name="reason" value="Đơn vị không gửi bản tự đánh giá đúng hạn"' in box
    assert 'name="confirmed" value="1" required> Tôi xác nhận chuyển bản đánh giá của 3 đơn vị' in box
    # the move to the next phase, which leaves them behind, points to it
    assert 'data-hand-over-link' in html and 'href="#qua-han"' in html


def test_the_hand_over_from_the_cycle_page_needs_its_box_and_then_hands_them_all_over(
    cycle: Cycle, admin_user: Any
) -> None:
    drafts = _overdue(cycle)
    client = _client(admin_user)
    url = f"/quan-ly/ky-danh-gia/{cycle.pk}/chuyen-tham-dinh/"
    audits = AuditEntry.objects.count()
    # when: sent without the box
    refused = client.post(url, {"count": "3", "reason": "Quá hạn 5 ngày"})
    # then: nothing done, said beside the form, the reason kept
    assert refused.status_code == 400 and _states(drafts) == {"draft"} and AuditEntry.objects.count() == audits
    box = _box(refused.content.decode())
    assert 'id="hand-over-error" role="alert">Chưa chuyển đơn vị nào: hãy đánh dấu ô «Tôi xác nhận…»' in box
    assert 'name="reason" value="Quá hạn 5 ngày"' in box
    # when: confirmed
    done = client.post(url, {"count": "3", "reason": "Quá hạn 5 ngày", "confirmed": "1"}, follow=True)
    # then: all handed over, each audited with the reason, back on the cycle's page with nothing left to hand over
    assert done.redirect_chain == [(f"/quan-ly/ky-danh-gia/{cycle.pk}/", 302)]
    assert _states(drafts) == {"submitted"}
    entries = AuditEntry.objects.filter(action="assessment.state", assessment_id__in=[d.pk for d in drafts])
    assert set(entries.values_list("reason", flat=True)) == {"Quá hạn 5 ngày"} and entries.count() == 3
    html = done.content.decode()
    assert "Đã chuyển bản đánh giá của 3 đơn vị quá hạn chưa gửi cho Tổ thẩm định." in html
    assert "data-overdue-drafts" not in html


def test_a_stale_count_is_refused_on_the_cycle_page(cycle: Cycle, admin_user: Any) -> None:
    drafts = _overdue(cycle)
    response = _client(admin_user).post(f"/quan-ly/ky-danh-gia/{cycle.pk}/chuyen-tham-dinh/",
                                        {"count": "2", "reason": "Quá hạn", "confirmed": "1"})
    assert response.status_code == 409 and _states(drafts) == {"draft"}
    assert "trang báo 2 đơn vị, nay là 3" in _box(response.content.decode())


def test_an_overdue_draft_waiting_for_its_extension_request_is_named_apart(cycle: Cycle, admin_user: Any) -> None:
    drafts = _overdue(cycle, Cycle.Phase.SELF_ASSESSMENT)
    ExtensionRequest.objects.create(assessment=drafts[0], requested_deadline=timezone.now() + timedelta(days=3),
                                    reason="Thiếu nhân sự", requested_by=admin_user)
    box = _box(_client(admin_user).get(f"/quan-ly/ky-danh-gia/{cycle.pk}/").content.decode())
    assert '<input type="hidden" name="count" value="2">' in box
    assert "data-overdue-waiting" in box and "1 đơn vị quá hạn chưa gửi đang có đề nghị gia hạn chờ quyết định" in box


def test_no_box_while_no_draft_is_past_its_deadline(cycle: Cycle, admin_user: Any) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() + timedelta(days=3))
    assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tai-chinh")], actor=None)
    html = _client(admin_user).get(f"/quan-ly/ky-danh-gia/{cycle.pk}/").content.decode()
    assert "data-overdue-drafts" not in html


def test_the_cycle_pages_hand_over_is_refused_to_a_non_administrator(cycle: Cycle, lead: Any) -> None:
    drafts = _overdue(cycle)
    response = _client(lead).post(f"/quan-ly/ky-danh-gia/{cycle.pk}/chuyen-tham-dinh/",
                                  {"count": "3", "reason": "Quá hạn", "confirmed": "1"})
    assert response.status_code == 403 and _states(drafts) == {"draft"}
