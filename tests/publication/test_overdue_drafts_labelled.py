"""A draft whose self-assessment deadline has passed is no longer being self-assessed: the unit can no longer edit it
and never submitted it. The cycle's page and the publish page both call it «Quá hạn, chưa gửi», not «Đang tự đánh
giá» (as the cycle moves past «Tự đánh giá» it is what the remaining drafts usually are); a draft still within a
unit's own later deadline keeps «Đang tự đánh giá». Past «Tự đánh giá», the cycle's page counts the drafts together
as «Chưa gửi»."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scoring.models import Assessment, Cycle, Unit
from scoring.publication.services import publication_unit_blockers
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db


def _appraisal_with_drafts(cycle: Cycle) -> tuple[Assessment, Assessment]:
    """The cycle in «Thẩm định», its deadline passed; Sở Tài chính overdue, Sở Nội vụ within its own deadline."""
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.APPRAISAL,
                                             self_assessment_deadline=timezone.now() - timedelta(days=2))
    overdue, own = (assessments_open(cycle=cycle, units=[Unit.objects.get(code=code)], actor=None)[0]
                    for code in ("so-tai-chinh", "so-noi-vu"))
    Assessment.objects.filter(pk=own.pk).update(deadline_override=timezone.now() + timedelta(days=2))
    return overdue, own


def _row_state(html: str, assessment: Assessment) -> str:
    row = re.search(rf'<tr id="participant-{assessment.pk}"><th scope="row">[^<]*</th><td>([^<]*)</td>', html)
    assert row, "the participant's row is not on the page"
    return row.group(1)


def test_the_cycle_page_labels_an_overdue_draft_past_the_self_assessment_as_overdue(
    signed_cycle: Cycle, admin_user: Any
) -> None:
    overdue, own = _appraisal_with_drafts(signed_cycle)
    client = Client()
    client.force_login(admin_user)
    html = client.get(f"/quan-ly/ky-danh-gia/{signed_cycle.pk}/").content.decode()
    assert _row_state(html, overdue) == "Quá hạn, chưa gửi"
    assert _row_state(html, own) == "Đang tự đánh giá"
    assert '?trang_thai=draft#participants">Chưa gửi: 2</a>' in html
    assert "Đang tự đánh giá: 2" not in html


def test_the_publish_page_says_the_same(signed_cycle: Cycle, admin_user: Any) -> None:
    _appraisal_with_drafts(signed_cycle)
    blockers = [str(b) for b in publication_unit_blockers(cycle=signed_cycle)]
    assert "Sở Tài chính: chưa được thông qua (Quá hạn, chưa gửi)." in blockers
    assert "Sở Nội vụ: chưa được thông qua (Đang tự đánh giá)." in blockers
    client = Client()
    client.force_login(admin_user)
    html = client.get(f"/ket-qua/quan-ly/{signed_cycle.year}/").content.decode()
    assert "Sở Tài chính: chưa được thông qua (Quá hạn, chưa gửi)." in html
