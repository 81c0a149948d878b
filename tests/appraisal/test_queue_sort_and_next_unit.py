"""The queue as it first loads (no filters) still gives its review pages «Đơn vị tiếp theo →»; the queue sorts by
name, by the user's undecided leaves and by submission time, the sort carried by its pager, its filters and the
review pages' «next»; a unit whose explanation deadline has passed is highlighted."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.selectors.queue import queue_for_user
from scoring.models import Assessment, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import line_of, self_score, submit

pytestmark = pytest.mark.django_db
QUEUE = reverse("appraisal:queue")


@pytest.fixture
def three(submitted: Any, cycle: Any, unit_editor: Any, unit_head: Any) -> list[Assessment]:
    """Sở Tài chính, Sở Xây dựng, Sở Y tế (by name), all submitted; submitted in the order Y tế, Xây dựng, Tài chính."""
    others = [assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
              for code in ("so-tai-chinh", "so-xay-dung")]
    for other in others:
        self_score(other, unit_editor)
        submit(other, unit_head)
    now = timezone.now()
    for assessment, hours in ((submitted, 30), (others[1], 20), (others[0], 10)):
        Assessment.objects.filter(pk=assessment.pk).update(submitted_at=now - timedelta(hours=hours))
    return [*others, submitted]


def _review_links(body: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'<a href="(/tham-dinh/\d+/[^"]*)"', body)]


def _next(client: Client, url: str) -> list[str]:
    body = client.get(url).content.decode()
    return [unescape(h) for h in re.findall(r'<a href="([^"]*)"[^>]*data-next-unit', body)]


def _accept(assessment: Any, actor: Any, *codes: str) -> None:
    from appraisal.services import line_accept_self

    for code in codes:
        line = line_of(assessment, code)
        line_accept_self(line=line, actor=actor, base_version=line.version)


def test_a_review_page_opened_from_the_queue_as_it_first_loads_has_next(
    client: Client, three: list[Assessment], lead: Any, cycle: Any
) -> None:
    # given the queue as it first loads: no filter chosen
    client.force_login(lead)
    links = _review_links(client.get(QUEUE).content.decode())
    assert len(links) == 3
    # when its first unit is opened, then «Đơn vị tiếp theo →» leads along the queue to its last unit
    first, second, last = three
    assert links[0].startswith(f"/tham-dinh/{first.pk}/?")
    following = _next(client, links[0])
    assert len(following) == 1 and following[0].startswith(f"/tham-dinh/{second.pk}/?")
    following = _next(client, following[0])
    assert len(following) == 1 and following[0].startswith(f"/tham-dinh/{last.pk}/?")
    assert _next(client, following[0]) == []  # the queue's end


def test_the_queue_sorts_by_the_user_s_undecided_leaves(three: list[Assessment], lead: Any, appraiser: Any,
                                                         cycle: Any) -> None:
    _tai_chinh, xay_dung, y_te = three
    _accept(y_te, lead, "2.1.1", "2.1.2", "2.2.1")  # area 2: 1 left
    _accept(xay_dung, lead, "2.1.1")  # area 2: 3 left
    names = [r.assessment.unit.name for r in queue_for_user(user=appraiser, cycle=cycle, sort="con-nhieu").rows]
    assert names == ["Sở Tài chính", "Sở Xây dựng", "Sở Y tế"]  # 4, 3, 1 undecided in area 2
    names = [r.assessment.unit.name for r in queue_for_user(user=appraiser, cycle=cycle, sort="con-it").rows]
    assert names == ["Sở Y tế", "Sở Xây dựng", "Sở Tài chính"]


def test_the_queue_sorts_by_submission_time(three: list[Assessment], lead: Any, cycle: Any) -> None:
    names = [r.assessment.unit.name for r in queue_for_user(user=lead, cycle=cycle, sort="gui-som").rows]
    assert names == ["Sở Y tế", "Sở Xây dựng", "Sở Tài chính"]
    names = [r.assessment.unit.name for r in queue_for_user(user=lead, cycle=cycle, sort="gui-muon").rows]
    assert names == ["Sở Tài chính", "Sở Xây dựng", "Sở Y tế"]


def test_the_sort_is_carried_by_the_pager_the_filters_and_the_review_pages(
    client: Client, three: list[Assessment], lead: Any, cycle: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from appraisal.views import review as review_views

    monkeypatch.setattr(review_views, "QUEUE_PER_PAGE", 2)
    client.force_login(lead)
    body = unescape(client.get(QUEUE, {"sap-xep": "gui-som"}).content.decode())
    # the sort chosen in its select, so «Lọc» keeps it
    assert re.search(r'<option value="gui-som"[^>]* selected', body)
    # the pager keeps it
    assert f"?ky={cycle.pk}&sap-xep=gui-som&trang=2" in body
    # the review pages opened from here carry it to their «next», across the queue's pages
    links = _review_links(body)
    y_te, tai_chinh = three[2], three[0]
    assert links[0].startswith(f"/tham-dinh/{y_te.pk}/?")
    assert parse_qs(parse_qs(urlsplit(links[0]).query)["tu"][0])["sap-xep"] == ["gui-som"]
    following = _next(client, links[1])
    assert len(following) == 1 and following[0].startswith(f"/tham-dinh/{tai_chinh.pk}/?")
    assert parse_qs(parse_qs(urlsplit(following[0]).query)["tu"][0])["trang"] == ["2"]
    # and the back link returns to the queue sorted so
    back = re.findall(r'<a href="([^"]*)" data-back', unescape(client.get(links[0]).content.decode()))
    assert "sap-xep=gui-som" in back[0]


def test_an_unknown_sort_is_the_queue_s_default_order(client: Client, three: list[Assessment], lead: Any) -> None:
    client.force_login(lead)
    response = client.get(QUEUE, {"sap-xep": "<script>"})
    assert response.status_code == 200
    names = [r.assessment.unit.name for r in response.context["queue"].rows]
    assert names == ["Sở Tài chính", "Sở Xây dựng", "Sở Y tế"]


def test_a_unit_past_its_explanation_deadline_is_highlighted(
    client: Client, three: list[Assessment], lead: Any
) -> None:
    from appraisal.services import explanation_request
    from tests.appraisal.conftest import later

    y_te = three[2]
    explanation_request(assessment=y_te, actor=lead, deadline=later(), line_ids=[line_of(y_te, "2.1.1").pk])
    client.force_login(lead)
    assert "quá hạn giải trình" not in client.get(QUEUE).content.decode()
    Assessment.objects.filter(pk=y_te.pk).update(explanation_deadline=timezone.now() - timedelta(hours=1))
    body = client.get(QUEUE).content.decode()
    row = next(r for r in body.split("<tr") if "Sở Y tế" in r)
    assert "overdue" in row and "quá hạn giải trình" in row
