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


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def _guidance(html: str) -> dict[str, tuple[str, str]]:
    """Each draft blocker's guidance by the unit named in its link: (kind, the group's advice and the unit's line,
    without tags). The advice is said once per group of drafts."""
    found = {}
    for kind, group in re.findall(r'<section class="draft-group" data-draft-guidance="([a-z-]+)"[^>]*>(.*?)</section>',
                                  html, re.S):
        advice = _text(group[:group.index("<ul>")])
        for item in re.findall(r"<li[^>]*>(.*?)</li>", group, re.S):
            unit = re.search(r">([^<:]+): chưa được thông qua \((?:Đang tự đánh giá|Quá hạn, chưa gửi)\)\.</a>", item)
            assert unit, item
            found[unit.group(1)] = (kind, f"{advice} {_text(item)}")
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
    assert "Chưa đến hạn riêng của đơn vị" in text and f"(hạn riêng: {own:%d/%m/%Y %H:%M})" in text
    assert "bỏ hạn riêng" in text


def test_an_overdue_draft_is_told_to_be_handed_over_and_can_be(signed_cycle: Cycle, admin_user: Any) -> None:
    passed = timezone.now() - timedelta(days=1)
    Cycle.objects.filter(pk=signed_cycle.pk).update(self_assessment_deadline=passed)
    draft = _open(signed_cycle, "so-tai-chinh")
    client = Client()
    client.force_login(admin_user)

    kind, text = _guidance(_page(client, signed_cycle))["Sở Tài chính"]
    assert kind == "overdue" and "chuyển các bản đánh giá này cho Tổ thẩm định" in text

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


def _overdue_drafts(cycle: Cycle, codes: tuple[str, ...]) -> list[Assessment]:
    Cycle.objects.filter(pk=cycle.pk).update(self_assessment_deadline=timezone.now() - timedelta(days=1))
    return [_open(cycle, code) for code in codes]


OVERDUE = ("so-tai-chinh", "so-noi-vu", "so-giao-duc-dao-tao")


def test_the_overdue_drafts_advice_is_said_once_with_one_action_for_them_all(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    # given: three units past the cycle's deadline without a submission
    _overdue_drafts(signed_cycle, OVERDUE)
    client = Client()
    client.force_login(admin_user)
    # when
    html = _page(client, signed_cycle)
    # then: one group, its advice once, the three units listed, one form naming the count, with a reason
    guidance = _guidance(html)
    assert {unit: kind for unit, (kind, _text) in guidance.items()} == {
        "Sở Tài chính": "overdue", "Sở Nội vụ": "overdue", "Sở Giáo dục và Đào tạo": "overdue"}
    assert html.count("Đã quá hạn tự đánh giá mà chưa gửi") == 1
    form = re.search(r'<form method="post" action="/ket-qua/quan-ly/2020/chuyen-tham-dinh/"[^>]*>', html)
    # the confirmation is a box of the form (checked by the server), not a dialog of the browser
    assert form and "data-confirm" not in form.group(0)
    assert ('name="confirmed" value="1" required> Tôi xác nhận chuyển bản đánh giá của 3 đơn vị quá hạn chưa gửi cho '
            "Tổ thẩm định như hiện có") in html
    assert '<input type="hidden" name="count" value="3">' in html
    assert 'value="Đơn vị không gửi bản tự đánh giá đúng hạn"' in html
    assert "Chuyển 3 đơn vị quá hạn cho Tổ thẩm định" in html


def test_the_action_hands_them_all_over_each_audited_with_its_reason(signed_cycle: Cycle, admin_user: Any) -> None:
    from scoring.models import AuditEntry

    drafts = _overdue_drafts(signed_cycle, OVERDUE)
    client = Client()
    client.force_login(admin_user)
    response = client.post("/ket-qua/quan-ly/2020/chuyen-tham-dinh/",
                           {"count": "3", "reason": "Quá hạn 7 ngày", "confirmed": "1"})
    assert response.status_code == 302 and response["Location"] == "/ket-qua/quan-ly/2020/"
    ids = [d.pk for d in drafts]
    assert set(Assessment.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"submitted"}
    entries = AuditEntry.objects.filter(action="assessment.state", assessment_id__in=ids)
    assert sorted(entries.values_list("assessment_id", flat=True)) == sorted(ids)
    assert set(entries.values_list("reason", flat=True)) == {"Quá hạn 7 ngày"}
    assert "data-draft-guidance" not in _page(client, signed_cycle)


@pytest.mark.parametrize(("posted", "code_in_page"), [
    ({"count": "2", "reason": "Quá hạn", "confirmed": "1"}, "trang báo 2 đơn vị, nay là 3"),
    ({"count": "3", "reason": "  ", "confirmed": "1"}, "Hãy ghi lý do"),
    ({"count": "3", "reason": "Quá hạn"}, "hãy đánh dấu ô «Tôi xác nhận…»"),
])
def test_a_refused_hand_over_changes_nothing_and_keeps_what_was_typed(
    signed_cycle: Cycle, admin_user: Any, posted: dict[str, str], code_in_page: str
) -> None:
    drafts = _overdue_drafts(signed_cycle, OVERDUE)
    client = Client()
    client.force_login(admin_user)
    response = client.post("/ket-qua/quan-ly/2020/chuyen-tham-dinh/", posted)
    assert response.status_code in (400, 409)
    html = response.content.decode()
    assert code_in_page in html and f'name="reason" value="{posted["reason"]}"' in html
    assert set(Assessment.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)) == {"draft"}


def test_all_or_nothing_when_one_unit_is_refused(signed_cycle: Cycle, admin_user: Any, monkeypatch: Any) -> None:
    from scoring.administration.services import cycles
    from scoring.publication import services

    drafts = _overdue_drafts(signed_cycle, OVERDUE)
    real = cycles.assessment_close_unsubmitted
    calls = []

    def refuse_the_last(*, assessment: Assessment, actor: Any, reason: str, notify: bool = True) -> Assessment:
        calls.append(assessment.pk)
        if len(calls) == len(OVERDUE):
            raise StateConflict("refused", code="not_draft")
        return real(assessment=assessment, actor=actor, reason=reason, notify=notify)

    monkeypatch.setattr(services, "assessment_close_unsubmitted", refuse_the_last)
    with pytest.raises(StateConflict):
        services.cycle_overdue_drafts_hand_over(cycle=signed_cycle, actor=admin_user, reason="Quá hạn", expected=3)
    assert set(Assessment.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)) == {"draft"}


def test_the_hand_over_of_them_all_is_refused_to_a_non_administrator(signed_cycle: Cycle, unit_head: Any) -> None:
    drafts = _overdue_drafts(signed_cycle, OVERDUE)
    client = Client()
    client.force_login(unit_head)
    response = client.post("/ket-qua/quan-ly/2020/chuyen-tham-dinh/",
                           {"count": "3", "reason": "Quá hạn", "confirmed": "1"})
    assert response.status_code == 403
    assert set(Assessment.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)) == {"draft"}
