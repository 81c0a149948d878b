"""The demo's units submit their own assessments: no signed-off demo unit reads as handed over by someone else."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, AuditEntry, RoleAssignment, ScoreLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager(settings: Any) -> Any:
    from celery import current_app

    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous


def test_no_demo_assessment_shows_the_handover_banner(
    eager: Any, django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--allow-production", stdout=out)
    submitted = Assessment.objects.exclude(submitted_by=None).select_related("unit", "submitted_by")
    assert submitted.count() == 6
    for assessment in submitted:  # each by a head of its own unit
        assert RoleAssignment.objects.filter(
            user=assessment.submitted_by, unit=assessment.unit, role=RoleAssignment.Role.UNIT_HEAD
        ).exists(), assessment.unit.code
    client.force_login(get_user_model().objects.get(username="quantri"))
    for assessment in submitted:
        body = client.get(reverse("appraisal:review", args=[assessment.pk])).content.decode()
        assert "Đơn vị gửi lúc" in body, assessment.unit.code
        assert "data-handover" not in body and "Đơn vị không gửi" not in body, assessment.unit.code
    # the five documented accounts stay as they were: Sở Y tế's head is still «thutruong»
    head = get_user_model().objects.get(username="thutruong")
    assert list(RoleAssignment.objects.filter(user=head).values_list("role", "unit__code")) == [
        ("unit_head", "so-y-te")
    ]
    assert all(u in out.getvalue() for u in ("chuyenvien", "thutruong", "thamdinh", "totruong", "quantri"))


def test_each_demo_unit_self_scores_its_own_sheet(eager: Any, django_capture_on_commit_callbacks: Any) -> None:
    """The audit record names a person of the unit for every self-score, never Sở Y tế's officer elsewhere."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--allow-production", stdout=StringIO())
    entries = AuditEntry.objects.filter(action="score_line.self").select_related("assessment__unit", "actor")
    scored = {e.assessment.unit.code for e in entries}
    assert scored == {"so-noi-vu", "so-tu-phap", "so-tai-chinh", "so-ke-hoach-dau-tu", "tp-my-tho", "h-cho-gao",
                      "so-y-te", "h-cai-be"}
    for entry in entries:
        assert entry.actor is not None
        assert RoleAssignment.objects.filter(
            user=entry.actor, unit=entry.assessment.unit,
            role__in=[RoleAssignment.Role.UNIT_EDITOR, RoleAssignment.Role.UNIT_HEAD],
        ).exists(), (entry.assessment.unit.code, entry.actor.username)
    actors = {code: {e.actor.username for e in entries if e.assessment.unit.code == code} for code in scored}
    assert actors["so-y-te"] == {"chuyenvien"}
    assert actors["h-cai-be"] == {"thutruong-h-cai-be"}
    assert actors["so-ke-hoach-dau-tu"] == {"thutruong-so-ke-hoach-dau-tu"}
    lines = ScoreLine.objects.exclude(self_score=None, not_applicable=False).select_related("assessment__unit")
    assert not lines.filter(updated_by__username="chuyenvien").exclude(assessment__unit__code="so-y-te").exists()
