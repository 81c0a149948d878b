"""The guidance on a «không phát sinh» leaf offers to ask the unit for an explanation only to whom may: the lead. An
appraiser who is not the lead is told to ask the lead for it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import AppraisalAssignment
from scoring.models import Indicator

pytestmark = pytest.mark.django_db


def _declared_guidance(user: Any, assessment: Any) -> str:
    client = Client()
    client.force_login(user)
    page = client.get(reverse("appraisal:review", args=[assessment.pk])).content.decode()
    found = re.search(r'<p class="meta" data-na-state="declared">(.*?)</p>', page, re.S)
    assert found is not None, "the «không phát sinh» leaf shows the team's guidance"
    return found.group(1)


@pytest.fixture
def kps_for_appraiser(kps_submitted: Any, appraiser: Any) -> Any:
    """The appraiser appraises area 1 too, where the leaf declared «không phát sinh» is."""
    member = AppraisalAssignment.objects.get(cycle=kps_submitted.cycle, user=appraiser)
    member.areas.add(Indicator.objects.get(indicator_set=kps_submitted.indicator_set, code="1"))
    return kps_submitted


def test_an_appraiser_who_is_not_the_lead_is_told_the_lead_asks_for_explanations(
    kps_for_appraiser: Any, appraiser: Any
) -> None:
    guidance = _declared_guidance(appraiser, kps_for_appraiser)
    assert "yêu cầu đơn vị giải trình, hoặc" not in guidance
    assert "hãy đề nghị Tổ trưởng Tổ thẩm định: chỉ Tổ trưởng yêu cầu đơn vị giải trình" in guidance
    assert "chấp nhận, hoặc không chấp nhận và chấm điểm (nêu lý do)" in guidance


def test_the_lead_is_still_offered_to_ask_for_an_explanation(kps_for_appraiser: Any, lead: Any) -> None:
    # guards behaviour that must not change: passes before and after
    guidance = _declared_guidance(lead, kps_for_appraiser)
    assert "chấp nhận, yêu cầu đơn vị giải trình, hoặc không chấp nhận và chấm điểm (nêu lý do)." in guidance
