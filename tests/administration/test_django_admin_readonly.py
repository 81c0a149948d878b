"""The Django admin (/quan-tri/) must not bypass the services: records with computed, audited or workflow state
are read-only there (a POST to their change page is refused), a set in use is frozen, and the reference data
whose rules live on /quan-ly/ keep those rules (their checked fields are read-only in the admin)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.test import Client
from django.urls import NoReverseMatch, reverse

from appraisal.models import AppraisalAssignment
from evidence.models import EvidenceBlob, EvidenceFile
from scoring.administration import services
from scoring.models import (
    Assessment,
    AuditEntry,
    Cycle,
    CycleSet,
    IndexResult,
    IndicatorMapping,
    IndicatorSet,
    RankingGroup,
    RoleAssignment,
    ScoreLine,
    Unit,
    UnitKind,
)

pytestmark = pytest.mark.django_db


def change_url(obj: Model) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


@pytest.fixture
def staff(client: Client, admin_user: Any) -> Client:
    client.force_login(admin_user)
    return client


def test_a_score_line_cannot_be_changed_in_the_admin(staff: Client, assessment: Assessment) -> None:
    line = ScoreLine.objects.filter(assessment=assessment, indicator__method="yes_no").first()
    response = staff.post(change_url(line), {"self_value": '{"value": true}', "assessment": assessment.pk,
                                             "indicator": line.indicator_id})
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.self_value is None and line.self_score is None
    assert staff.get(change_url(line)).status_code == 200  # still shown, read-only


def test_an_assessment_cannot_be_signed_off_in_the_admin(staff: Client, assessment: Assessment) -> None:
    response = staff.post(change_url(assessment), {
        "cycle": assessment.cycle_id, "unit": assessment.unit_id, "indicator_set": assessment.indicator_set_id,
        "state": Assessment.State.SIGNED_OFF,
    })
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.DRAFT
    delete = reverse("admin:scoring_assessment_delete", args=[assessment.pk])
    assert staff.post(delete, {"post": "yes"}).status_code == 403
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_a_set_and_its_criteria_are_read_only_in_the_admin_drafts_included(
    staff: Client, cycle: Cycle, small_set: IndicatorSet, admin_user: Any
) -> None:
    """A set in use is frozen; a draft is edited on the administration's sets pages, which check each change
    and audit it: here a draft could be made active with no criteria, or given a criterion of another set."""
    small_set.refresh_from_db()
    assert small_set.status != IndicatorSet.Status.DRAFT
    standard = small_set.standard_max
    response = staff.post(change_url(small_set), {"standard_max": "99", "bonus_cap": "50"})
    assert response.status_code == 403
    small_set.refresh_from_db()
    assert small_set.standard_max == standard
    page = staff.get(change_url(small_set)).content.decode()
    assert 'name="standard_max"' not in page  # every field shown read-only
    draft = services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)
    assert 'name="standard_max"' not in staff.get(change_url(draft)).content.decode()
    assert staff.post(change_url(draft), {"status": "active"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == IndicatorSet.Status.DRAFT
    assert staff.get(reverse("admin:scoring_indicatorset_add")).status_code == 403
    assert staff.get(reverse("admin:scoring_indicator_add")).status_code == 403
    node = draft.indicators.order_by("order").first()
    assert staff.post(reverse("admin:scoring_indicator_delete", args=[node.pk]), {"post": "yes"}).status_code == 403
    assert draft.indicators.filter(pk=node.pk).exists()


def test_a_cycle_phase_and_its_sets_cannot_be_changed_in_the_admin(staff: Client, cycle: Cycle) -> None:
    page = staff.get(change_url(cycle))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="phase"' not in html and 'name="self_assessment_deadline_0"' not in html
    assert 'name="name"' not in html  # the name too: a change here had no audit entry
    inline = page.context["inline_admin_formsets"][0]
    assert not inline.has_add_permission and not inline.has_change_permission and not inline.has_delete_permission
    phase = cycle.phase
    staff.post(change_url(cycle), {"name": cycle.name, "phase": Cycle.Phase.PUBLISHED, "year": 1999})
    cycle.refresh_from_db()
    assert cycle.phase == phase and cycle.year == 2020
    cycle_set = CycleSet.objects.filter(cycle=cycle).first()
    assert staff.post(change_url(cycle_set), {"cycle": cycle.pk}).status_code == 403


@pytest.mark.parametrize("model", [IndexResult, AuditEntry, RoleAssignment, CycleSet, IndicatorMapping])
def test_computed_or_audited_records_are_read_only_in_the_admin(
    staff: Client, assessment: Assessment, model: type[Model]
) -> None:
    admin_site = __import__("django.contrib.admin", fromlist=["site"]).site
    model_admin = admin_site._registry[model]
    request = staff.get("/quan-tri/").wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, None)
    assert not model_admin.has_delete_permission(request, None)


def test_a_role_cannot_be_given_in_the_admin(staff: Client, unit_editor: Any) -> None:
    role = RoleAssignment.objects.get(user=unit_editor)
    response = staff.post(change_url(role), {"user": unit_editor.pk, "role": "administrator", "unit": ""})
    assert response.status_code == 403
    role.refresh_from_db()
    assert role.role == "unit_editor"


def test_an_appraisal_assignment_and_evidence_are_read_only_in_the_admin(staff: Client, cycle: Cycle) -> None:
    from django.contrib import admin as django_admin

    request = staff.get("/quan-tri/").wsgi_request
    for model in (AppraisalAssignment, EvidenceFile, EvidenceBlob):
        model_admin = django_admin.site._registry[model]
        assert not model_admin.has_change_permission(request, None), model
        assert not model_admin.has_add_permission(request), model


def test_a_unit_edit_in_the_admin_is_refused_and_points_to_the_administration_pages(
    staff: Client, catalogue: Any
) -> None:
    unit = Unit.objects.get(code="so-y-te")
    other = Unit.objects.get(code="so-tu-phap")
    page = staff.get(change_url(unit))
    assert "/quan-ly/don-vi/" in page.content.decode()
    response = staff.post(change_url(unit), {
        "code": "Sở Y Tế!", "name": other.name, "short_name": "", "kind": unit.kind_id, "active": "on",
    })
    assert response.status_code == 403
    unit.refresh_from_db()
    assert unit.code == "so-y-te" and unit.name != other.name


def test_a_unit_kind_keeps_its_code_and_name_rules_in_the_admin(staff: Client, catalogue: Any) -> None:
    kind = UnitKind.objects.get(code="department")
    other = UnitKind.objects.exclude(pk=kind.pk).first()
    staff.post(change_url(kind), {"code": "X Y", "name": other.name, "order": 7})
    kind.refresh_from_db()
    assert kind.code == "department" and kind.name != other.name
    assert kind.order == 7  # the order stays editable here
    group = RankingGroup.objects.first()
    code = group.code
    staff.post(change_url(group), {"code": "zzz", "name": group.name, "order": group.order})
    group.refresh_from_db()
    assert group.code == code


def test_a_role_cannot_be_added_in_the_admin(staff: Client) -> None:
    # the users page is where accounts and roles are made; the admin's role list offers no "add"
    assert staff.get(reverse("admin:scoring_roleassignment_add")).status_code == 403
    assert get_user_model().objects.count() >= 1


def test_an_account_cannot_be_made_staff_or_changed_in_the_admin(staff: Client, unit_editor: Any) -> None:
    """The admin site (is_staff) and superuser come with the administrator role, given on the users page (audited):
    Django's user admin would flip them, or the account's password, with no audit entry."""
    entries = AuditEntry.objects.count()
    response = staff.post(change_url(unit_editor), {
        "username": unit_editor.username, "is_active": "on", "is_staff": "on", "is_superuser": "on",
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2020-01-01", "date_joined_1": "00:00:00",
    })
    assert response.status_code == 403
    unit_editor.refresh_from_db()
    assert not unit_editor.is_staff and not unit_editor.is_superuser
    assert AuditEntry.objects.count() == entries
    assert staff.get(reverse("admin:auth_user_add")).status_code == 403
    with pytest.raises(NoReverseMatch):  # no password form here: the users page sets passwords
        reverse("admin:auth_user_password_change", args=[unit_editor.pk])
    page = staff.get(change_url(unit_editor))  # still shown, read-only, with where to change it
    assert page.status_code == 200
    assert "/quan-ly/nguoi-dung/" in page.content.decode()
    assert "password" not in page.context["adminform"].form.fields
