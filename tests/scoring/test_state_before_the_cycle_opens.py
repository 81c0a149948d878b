"""A unit opened in a cycle still in «Chuẩn bị» cannot self-score yet: wherever its state is shown to the unit, and
in the cycle's counts, it reads «Chưa mở — kỳ đang chuẩn bị», not «Đang tự đánh giá» (what the sheet's banner
says too). Once the cycle is opened, the state reads as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, Cycle, RoleAssignment, Unit
from scoring.services import assessments_open, cycle_create

pytestmark = pytest.mark.django_db

NOT_OPEN = "Chưa mở — kỳ đang chuẩn bị"


def _setup(assessment: Assessment) -> Assessment:
    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.SETUP)
    assessment.cycle.phase = Cycle.Phase.SETUP
    return assessment


def test_a_draft_of_a_cycle_in_setup_reads_not_open_yet(assessment: Assessment) -> None:
    from scoring.selectors.home import NOT_OPEN_YET, assessment_state_shown, state_shown

    assert str(NOT_OPEN_YET) == NOT_OPEN
    assert assessment_state_shown(_setup(assessment)) == NOT_OPEN
    assert state_shown(state=Assessment.State.DRAFT, phase=Cycle.Phase.SETUP) == NOT_OPEN


def test_a_draft_of_an_open_cycle_reads_self_assessing(assessment: Assessment) -> None:
    from scoring.selectors.home import assessment_state_shown, state_shown

    assert assessment_state_shown(assessment) == "Đang tự đánh giá"
    assert state_shown(state=Assessment.State.SUBMITTED, phase=Cycle.Phase.SETUP) == "Đã gửi"


def test_the_cycle_page_counts_the_drafts_of_a_cycle_in_setup_as_not_open(
    client: Client, assessment: Assessment, admin_user: Any
) -> None:
    _setup(assessment)
    client.force_login(admin_user)

    html = client.get(reverse("administration:cycle_detail", args=[assessment.cycle_id])).content.decode()

    counts = html[html.index('class="meta state-counts"'):]
    counts = counts[:counts.index("</p>")]
    assert f"{NOT_OPEN}: 1" in counts and "Đang tự đánh giá" not in counts
    row = html[html.index(f'id="participant-{assessment.pk}"'):]
    assert NOT_OPEN in row[:row.index("</tr>")]
    assert "Đang tự đánh giá" not in html[html.index('id="id_trang_thai"'):html.index("</select>",
                                                                                       html.index('id="id_trang_thai"'))]


def test_the_cycle_page_counts_drafts_as_self_assessing_once_the_cycle_is_open(
    client: Client, assessment: Assessment, admin_user: Any
) -> None:
    client.force_login(admin_user)

    html = client.get(reverse("administration:cycle_detail", args=[assessment.cycle_id])).content.decode()

    assert "Đang tự đánh giá: 1" in html and NOT_OPEN not in html


def test_the_home_page_lists_an_earlier_cycle_opened_in_setup_as_not_open(
    client: Client, assessment: Assessment, small_set: Any, unit_editor: Any
) -> None:
    # given: the 2020 assessment in a cycle taken back to setup, and a 2021 cycle open without Sở Y tế
    _setup(assessment)
    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={assessment.unit.kind: small_set}, actor=None)
    Cycle.objects.filter(pk=later.pk).update(phase=Cycle.Phase.SELF_ASSESSMENT)
    client.force_login(unit_editor)

    html = client.get(reverse("home")).content.decode()

    note = html[html.index("data-unit-situation"):]
    assert f"({NOT_OPEN})" in note[:note.index("</section>")]


def test_the_units_page_of_a_person_with_two_units_shows_not_open_for_a_cycle_in_setup(
    client: Client, small_set: Any, unit_editor: Any
) -> None:
    # given: a cycle in setup, both of the person's units opened in it
    second = Unit.objects.get(code="so-cong-thuong")
    RoleAssignment.objects.create(user=unit_editor, role="unit_editor", unit=second)
    setup = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={second.kind: small_set}, actor=None)
    assessments_open(cycle=setup, units=Unit.objects.filter(code__in=["so-y-te", "so-cong-thuong"]), actor=None)
    client.force_login(unit_editor)

    html = client.get(reverse("home")).content.decode()

    section = html[html.index("data-my-units"):]
    section = section[:section.index("</section>")]
    assert section.count(NOT_OPEN) == 2 and "Đang tự đánh giá" not in section
