from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from scoring.models import (
    Assessment,
    AuditEntry,
    Cycle,
    IndexResult,
    Indicator,
    IndicatorSet,
    RoleAssignment,
    ScoreLine,
    Unit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager(settings: Any) -> Any:
    from celery import current_app

    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous


def _row_counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"scoring", "appraisal", "evidence", "auth"}
    }


def _load(django_capture_on_commit_callbacks: Any) -> str:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--allow-production", stdout=out)
    return out.getvalue()


def test_the_demo_loads_units_both_sets_a_cycle_users_and_results(
    eager: Any, django_capture_on_commit_callbacks: Any
) -> None:
    output = _load(django_capture_on_commit_callbacks)
    assert Unit.objects.count() == 35
    assert Unit.objects.filter(kind__code="department").count() == 19
    assert Unit.objects.filter(kind__code="vertical", ranking_group__code="nganh-doc").count() == 5
    assert Unit.objects.filter(kind__code="district").count() == 11
    for key in ("tg-2020-so", "tg-2020-huyen"):
        indicator_set = IndicatorSet.objects.get(key=key)
        assert indicator_set.status == IndicatorSet.Status.ACTIVE
        assert Indicator.objects.filter(indicator_set=indicator_set, level=1).count() == 7
        assert Indicator.objects.filter(indicator_set=indicator_set, level=2).count() == 39
    cycle = Cycle.objects.get(year=2020)
    assert cycle.assessments.count() == 35
    roles = set(RoleAssignment.objects.values_list("role", flat=True))
    assert roles == set(RoleAssignment.Role.values)
    for username in ("chuyenvien", "thutruong", "thamdinh", "totruong", "quantri"):
        assert username in output
    assert get_user_model().objects.get(username="quantri").is_superuser
    signed = Assessment.objects.filter(state=Assessment.State.SIGNED_OFF)
    assert signed.count() == 6
    results = IndexResult.objects.filter(assessment__in=signed)
    assert results.count() == 6 and not results.filter(rank=None).exists()
    dept_ranks = sorted(results.filter(assessment__unit__ranking_group__code="so-ban-nganh")
                        .values_list("rank", flat=True))
    assert dept_ranks[0] == 1 and len(dept_ranks) == 4
    draft = Assessment.objects.get(unit__code="so-y-te")
    assert draft.state == Assessment.State.DRAFT
    assert 0 < draft.lines.exclude(self_score=None).count() < draft.lines.count()
    # Some leaves are «không phát sinh», with a reason, only where the set allows it; the team accepted each.
    not_applicable = ScoreLine.objects.filter(not_applicable=True)
    assert not_applicable.filter(assessment__in=signed).exists() and not_applicable.filter(assessment=draft).exists()
    assert not not_applicable.filter(indicator__allow_not_applicable=False).exists()
    assert not not_applicable.filter(not_applicable_reason="").exists()
    assert not not_applicable.exclude(self_score=None, self_value=None).exists()
    accepted = AuditEntry.objects.filter(action="score_line.accept_not_applicable")
    assert sorted(accepted.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in not_applicable.filter(assessment__in=signed).values_list("pk", flat=True)
    )
    assert not not_applicable.filter(na_overruled=True).exists()


def test_running_the_demo_twice_changes_nothing(eager: Any, django_capture_on_commit_callbacks: Any) -> None:
    _load(django_capture_on_commit_callbacks)
    before = _row_counts()
    versions = dict(Assessment.objects.values_list("id", "version"))
    _load(django_capture_on_commit_callbacks)
    assert _row_counts() == before
    assert dict(Assessment.objects.values_list("id", "version")) == versions
