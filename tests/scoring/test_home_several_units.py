"""A person with roles at several units lands on a page listing their units' assessments of the cycles under way
(the state as it is, the deadline, a link to each), and the header links that page; a person with one unit still
lands on its assessment. Nobody sees another person's units there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.models import Assessment, Cycle, RoleAssignment, Unit
from scoring.services import assessments_open, cycle_create

pytestmark = pytest.mark.django_db


def _second_unit(user: Any, code: str = "so-cong-thuong", role: str = "unit_editor") -> Unit:
    unit = Unit.objects.get(code=code)
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    return unit


def _overview_section(html: str) -> str:
    assert "data-my-units" in html, "no overview of the person's units"
    start = html.index("data-my-units")
    return html[start:html.index("</section>", start)]


def test_a_person_with_two_units_lands_on_the_list_of_both_units_assessments(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: chuyên viên of Sở Y tế is also chuyên viên of Sở Công Thương, both opened in the 2020 cycle
    other = assessments_open(cycle=assessment.cycle, units=[_second_unit(unit_editor)], actor=None)[0]
    deadline = timezone.now() + timedelta(days=10)
    Cycle.objects.filter(pk=assessment.cycle_id).update(self_assessment_deadline=deadline)
    client.force_login(unit_editor)

    # when
    response = client.get(reverse("home"))

    # then: no jump to one unit's sheet, a page naming both, each with its state, deadline and link
    assert response.status_code == 200
    section = _overview_section(response.content.decode())
    assert "Sở Công Thương" in section and "Sở Y tế" in section
    assert section.index("Sở Công Thương") < section.index("Sở Y tế")  # Vietnamese alphabetical order
    for a in (assessment, other):
        assert f'href="{reverse("scoring:assessment", args=[a.pk])}"' in section
    assert section.count("Đang tự đánh giá") == 2
    assert timezone.localtime(deadline).strftime("%d/%m/%Y") in section


def test_a_person_with_one_unit_still_lands_on_its_assessment(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:assessment", args=[assessment.pk])


def test_the_header_links_the_units_page_for_a_person_with_several_units_only(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    # given: the editor has two units, the head one
    assessments_open(cycle=assessment.cycle, units=[_second_unit(unit_editor)], actor=None)
    sheet = reverse("scoring:assessment", args=[assessment.pk])

    client.force_login(unit_editor)
    page = client.get(sheet).content.decode()
    header = page[page.index('<header class="topbar">'):page.index("</header>")]
    assert "data-units-link" in header and f'href="{reverse("home")}"' in header
    assert "Đơn vị của tôi" in header

    client.force_login(unit_head)
    page = client.get(sheet).content.decode()
    header = page[page.index('<header class="topbar">'):page.index("</header>")]
    assert "data-units-link" not in header


def test_the_list_names_a_unit_with_no_assessment_in_the_open_cycle(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: the second unit was not opened in the 2020 cycle
    _second_unit(unit_editor)
    client.force_login(unit_editor)

    section = _overview_section(client.get(reverse("home")).content.decode())

    assert "Sở Công Thương" in section
    assert "chưa được mở bản đánh giá" in section


def test_the_list_gives_the_explanation_deadline_of_a_unit_explaining(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    other = assessments_open(cycle=assessment.cycle, units=[_second_unit(unit_editor)], actor=None)[0]
    due = timezone.now() + timedelta(days=5)
    Assessment.objects.filter(pk=other.pk).update(state=Assessment.State.EXPLANATION, explanation_deadline=due)

    from scoring.selectors.home import units_overview

    overview = units_overview(unit_ids={assessment.unit_id, other.unit_id})

    assert overview is not None
    row = next(r for r in overview.current if r.assessment.pk == other.pk)
    assert row.state == "Đang giải trình"
    assert row.deadline == due and "giải trình" in row.deadline_label


def test_the_list_links_earlier_cycles_of_every_unit(
    client: Client, assessment: Assessment, small_set: Any, unit_editor: Any
) -> None:
    # given: both units were assessed in 2020 (now published), and 2021 is open for both
    other_unit = _second_unit(unit_editor)
    earlier_other = assessments_open(cycle=assessment.cycle, units=[other_unit], actor=None)[0]
    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.PUBLISHED)
    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={other_unit.kind: small_set}, actor=None)
    Cycle.objects.filter(pk=later.pk).update(phase=Cycle.Phase.SELF_ASSESSMENT)
    now = assessments_open(cycle=later, units=Unit.objects.filter(pk__in=[assessment.unit_id, other_unit.pk]),
                           actor=None)
    client.force_login(unit_editor)

    section = _overview_section(client.get(reverse("home")).content.decode())

    for a in (*now, assessment, earlier_other):
        assert f'href="{reverse("scoring:assessment", args=[a.pk])}"' in section
    assert "2020" in section and "2021" in section


def test_the_list_shows_only_the_persons_own_units(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    # given: a third unit's assessment the person has no role at
    assessments_open(cycle=assessment.cycle, units=[_second_unit(unit_editor)], actor=None)
    stranger = assessments_open(cycle=assessment.cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]
    client.force_login(unit_editor)

    section = _overview_section(client.get(reverse("home")).content.decode())

    assert "Sở Tư pháp" not in section
    assert reverse("scoring:assessment", args=[stranger.pk]) not in section


def test_the_public_home_page_stays_one_link_away(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    assessments_open(cycle=assessment.cycle, units=[_second_unit(unit_editor)], actor=None)
    client.force_login(unit_editor)

    html = client.get(reverse("home") + "?cong-khai").content.decode()

    assert "data-my-units" not in html and "Bộ chỉ số" in html


def test_the_overview_reads_in_a_fixed_number_of_queries(
    assessment: Assessment, unit_editor: Any, django_assert_max_num_queries: Any
) -> None:
    units = Unit.objects.filter(kind__code="department")[:6]
    assessments_open(cycle=assessment.cycle, units=units, actor=None)

    from scoring.selectors.home import units_overview

    with django_assert_max_num_queries(4):
        overview = units_overview(unit_ids={u.pk for u in units})
        assert overview is not None
        [(r.state, r.deadline, r.assessment.unit.name, r.assessment.cycle.year) for r in overview.current]
