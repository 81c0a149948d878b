"""A maximum no longer the sum of the criteria under it, or areas no longer adding up to the set's standard, is said
after every change of the tree (a deletion, a move, an area's maximum edited, an addition), not only after a leaf's
maximum is edited; and the set's tree page marks those rows, with a text, while they remain."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.services.tree import indicator_version
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="sums-2021", year=2021, actor=admin_user)


def _warnings(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def test_deleting_a_criterion_says_its_parent_is_no_longer_the_sum(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    # given: 1.2 (max 3) = 1.2.1 (1) + 1.2.2 (1,5) + 1.2.3 (0,5)
    client.force_login(admin_user)
    # when: 1.2.3 is deleted
    leaf = draft.indicators.get(code="1.2.3")
    response = client.post(reverse("administration:node_delete", args=[draft.pk, leaf.pk]))
    # then
    assert response.status_code == 302
    warnings = _warnings(response)
    assert any("Điểm tối đa của «1.2» là 3" in w and "2,5" in w for w in warnings), warnings


def test_deleting_an_area_says_the_areas_no_longer_add_up_to_the_standard(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:node_delete", args=[draft.pk, draft.indicators.get(code="2").pk]))
    assert any("Tổng điểm tối đa các lĩnh vực là 6" in w for w in _warnings(response)), _warnings(response)


def test_moving_a_criterion_says_both_parents_are_off(client: Client, draft: IndicatorSet, admin_user: Any) -> None:
    client.force_login(admin_user)
    leaf = draft.indicators.get(code="1.2.3")
    response = client.post(reverse("administration:node_move", args=[draft.pk, leaf.pk]),
                           {"parent": draft.indicators.get(code="1.1").pk})
    warnings = _warnings(response)
    assert any("«1.2»" in w and "là 3" in w for w in warnings), warnings
    assert any("«1.1»" in w and "là 3" in w for w in warnings), warnings


def test_editing_an_areas_maximum_says_the_areas_no_longer_add_up(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    area = draft.indicators.get(code="2")
    client.force_login(admin_user)
    posted = {k: v for k, v in IndicatorForm.initial_for(area).items() if v not in (None, False)}
    posted.update(max_points="5", version=indicator_version(area))
    response = client.post(reverse("administration:node_edit", args=[area.pk]), posted)
    assert response.status_code == 302
    warnings = _warnings(response)
    assert any("Tổng điểm tối đa các lĩnh vực là 11" in w for w in warnings), warnings
    assert any("Điểm tối đa của «2» là 5" in w for w in warnings), warnings


def test_the_tree_page_marks_the_mismatched_rows_with_a_text_while_they_remain(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    url = reverse("administration:set_detail", args=[draft.pk])
    assert "sum-mismatch" not in client.get(url).content.decode()
    Indicator.objects.filter(indicator_set=draft, code="1.2.3").delete()
    page = client.get(url).content.decode()
    row = page.split(f'id="node-{draft.indicators.get(code="1.2").pk}"')[1].split("</tr>")[0]
    assert "khác tổng các tiêu chí con (2,50)" in row
    area = page.split(f'id="node-{draft.indicators.get(code="1").pk}"')[1].split("</tr>")[0]
    assert "khác tổng các tiêu chí con" not in area  # 1 (6) is still 1.1 (3) + 1.2 (3)
    assert "Tổng điểm tối đa các lĩnh vực" not in page
    Indicator.objects.filter(indicator_set=draft, code="2").update(max_points=5)
    page = client.get(url).content.decode()
    assert "Tổng điểm tối đa các lĩnh vực là 11,00, khác điểm chuẩn 10,00." in page
