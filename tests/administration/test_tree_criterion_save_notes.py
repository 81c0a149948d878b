"""After a criterion is saved, the editor says what the set's check report says of that criterion and of its parent
(its maximum out of the method's reach, the parent no longer the sum of its children), as warnings linking to the
report, taken from the report's own checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.selectors import indicator_set_report
from scoring.administration.services.tree import indicator_version
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="notes-2021", year=2021, actor=admin_user)


def _edit(client: Client, leaf: Indicator, **changes: str) -> Any:
    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False)}
    posted.update(changes, version=indicator_version(leaf))
    return client.post(reverse("administration:node_edit", args=[leaf.pk]), posted)


def _said(response: Any, level: str) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == level]


def test_a_save_that_breaks_the_parents_sum_and_the_reach_says_so_with_the_report_link(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    # given: 1.2.1 (yes/no, max 1) under 1.2 (max 3 = 1 + 1,5 + 0,5)
    leaf = draft.indicators.get(code="1.2.1")
    client.force_login(admin_user)
    # when: its maximum becomes 0,75 while «Có» gives 0,5
    response = _edit(client, leaf, max_points="0,75", p_yes_points="0,5")
    # then: saved, and the report's notes on 1.2.1 and 1.2 are shown
    assert response.status_code == 302
    leaf.refresh_from_db()
    assert leaf.max_points == Decimal("0.75")
    warnings = _said(response, "warning")
    report = indicator_set_report(indicator_set=draft)
    about = {leaf.pk, leaf.parent_id}
    expected = [n.text for n in (*report.items, *report.warnings) if n.indicator_id in about]
    assert len(expected) == 2  # the parent's sum and the out-of-reach maximum
    assert len(warnings) == 2
    for text in expected:
        assert any(text.replace("«", "&laquo;") in w or text in w for w in warnings), (text, warnings)
    assert any("«1.2»" in w for w in warnings) and any("«1.2.1»" in w for w in warnings)
    report_url = reverse("administration:set_report", args=[draft.pk])
    assert all(f'href="{report_url}"' in w for w in warnings)
    assert _said(response, "success") == ["Đã lưu tiêu chí 1.2.1."]


def test_the_notes_are_only_those_about_the_criterion_and_its_parent(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    # given: another branch already has a note (2.1.1's parent 2.1 no longer the sum of its children)
    other = draft.indicators.get(code="2.1.1")
    Indicator.objects.filter(pk=other.pk).update(max_points=Decimal("1"))
    leaf = draft.indicators.get(code="1.1.1")
    client.force_login(admin_user)
    # when: 1.1.1 is saved with its name changed only
    response = _edit(client, leaf, name="Ban hành kế hoạch CCHC năm (sửa)")
    # then: nothing about 2.1 is said on 1.1.1's save
    assert response.status_code == 302
    assert _said(response, "warning") == []


def test_a_new_criterion_breaking_its_parents_sum_says_so(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    parent = draft.indicators.get(code="1.1")
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_add", args=[draft.pk]), {
        "parent": parent.pk, "code": "1.1.3", "name": "Mới", "kind": "normal", "max_points": "1", "floor": "0",
        "method": "manual", "p_step": "0,25", "source": "self", "evidence_required": "on",
    })
    assert response.status_code == 302, response.content.decode()[:1500]
    warnings = _said(response, "warning")
    assert len(warnings) == 1 and "«1.1»" in warnings[0]
