"""A cycle's phases: moved one step at a time by the Sở Nội vụ, except «Đã công bố», which publishing opens."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.administration.services import cycle_move_phase
from scoring.errors import ValidationFailed
from scoring.models import AuditEntry, Cycle

pytestmark = pytest.mark.django_db


def test_the_published_phase_is_opened_by_publishing_not_by_a_phase_move(cycle: Cycle, admin_user: Any) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.FINALISATION)
    cycle.refresh_from_db()
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        cycle_move_phase(cycle=cycle, phase=Cycle.Phase.PUBLISHED, actor=admin_user)
    assert refused.value.code == "publish_to_publish" and "công bố kết quả" in str(refused.value.message)
    cycle.refresh_from_db()
    assert cycle.phase == Cycle.Phase.FINALISATION and AuditEntry.objects.count() == entries
    cycle_move_phase(cycle=cycle, phase=Cycle.Phase.EXPLANATION, actor=admin_user)  # back one step: as before
    cycle.refresh_from_db()
    assert cycle.phase == Cycle.Phase.EXPLANATION


def test_the_cycle_page_offers_publishing_instead_of_a_move_to_published(
    client: Any, cycle: Cycle, admin_user: Any
) -> None:
    from django.urls import reverse

    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.FINALISATION)
    client.force_login(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()
    assert f'href="{reverse("publication:manage", args=[cycle.year])}"' in page
    assert 'value="published"' not in page


def test_leaving_the_self_assessment_says_how_many_units_have_not_submitted(
    client: Any, assessment: Any, admin_user: Any
) -> None:
    from django.urls import reverse

    from scoring.models import Cycle

    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.SELF_ASSESSMENT)
    client.force_login(admin_user)
    page = client.get(reverse("administration:cycle_detail", args=[assessment.cycle_id])).content.decode()
    # said on the page, linked to those units, confirmed with the count (tests/administration/
    # test_cycle_phase_move_confirmations.py checks the move)
    assert '<a href="?trang_thai=draft#participants" data-left-state="draft">Đang tự đánh giá: 1</a>' in page
    assert 'name="left_seen" value="draft:1" required' in page
