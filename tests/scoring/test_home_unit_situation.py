"""The home page of a unit's person who has no assessment to land on (a unit just added, or the successor of a
merger, left out when the cycle's assessments were opened): it says so, names the unit and the cycle, and whom to
ask; it links the unit's assessments of earlier cycles. Nobody else sees that note."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, Cycle, Unit
from scoring.services import assessments_open, cycle_create

pytestmark = pytest.mark.django_db

CONTACT = "liên hệ quản trị viên của Sở Nội vụ"


def _home(client: Client, user: Any, query: str = "") -> str:
    client.force_login(user)
    response = client.get(reverse("home") + query)
    assert response.status_code == 200
    return response.content.decode()


def _note(html: str) -> str:
    assert "data-unit-situation" in html
    start = html.index("data-unit-situation")
    return html[start:html.index("</section>", start)]


def test_a_unit_editor_whose_unit_was_not_opened_in_the_cycle_is_told_so_and_whom_to_ask(
    client: Client, cycle: Cycle, unit_editor: Any
) -> None:
    # given: the 2020 cycle takes self-scores, but no assessment was opened for Sở Y tế
    assert not Assessment.objects.filter(unit__code="so-y-te").exists()

    # when
    note = _note(_home(client, unit_editor))

    # then
    assert "Đơn vị Sở Y tế chưa được mở bản đánh giá trong kỳ đánh giá năm 2020" in note
    assert CONTACT in note


def test_a_unit_head_with_no_cycle_open_is_told_that_no_cycle_is_open(client: Client, unit_head: Any) -> None:
    note = _note(_home(client, unit_head))

    assert "Chưa có kỳ đánh giá nào đang mở" in note
    assert "Sở Y tế" in note and CONTACT in note


def test_a_cycle_still_in_setup_is_not_an_open_cycle(client: Client, cycle: Cycle, unit_editor: Any) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.SETUP)

    note = _note(_home(client, unit_editor))

    assert "Chưa có kỳ đánh giá nào đang mở" in note
    assert "năm 2020" not in note


def test_a_published_cycle_is_not_one_to_be_opened_in(client: Client, cycle: Cycle, unit_editor: Any) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(phase=Cycle.Phase.PUBLISHED)

    note = _note(_home(client, unit_editor))

    assert "Chưa có kỳ đánh giá nào đang mở" in note
    assert "chưa được mở bản đánh giá" not in note


def test_the_note_links_the_units_assessment_of_an_earlier_cycle(
    client: Client, assessment: Assessment, small_set: Any, unit_editor: Any
) -> None:
    # given: Sở Y tế was assessed in 2020; the 2021 cycle is open without it
    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.PUBLISHED)
    kind = Unit.objects.get(code="so-y-te").kind
    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={kind: small_set}, actor=None)
    Cycle.objects.filter(pk=later.pk).update(phase=Cycle.Phase.SELF_ASSESSMENT)

    note = _note(_home(client, unit_editor))

    assert "Đơn vị Sở Y tế chưa được mở bản đánh giá trong kỳ đánh giá năm 2021" in note
    assert f'href="{reverse("scoring:assessment", args=[assessment.pk])}"' in note


def test_a_person_with_two_units_is_told_about_both(client: Client, cycle: Cycle, unit_editor: Any) -> None:
    from scoring.models import RoleAssignment

    RoleAssignment.objects.create(user=unit_editor, role="unit_editor", unit=Unit.objects.get(code="so-tu-phap"))

    note = _note(_home(client, unit_editor))

    assert "Sở Tư pháp" in note and "Sở Y tế" in note


def test_a_unit_person_with_an_assessment_still_lands_on_it(client: Client, assessment: Assessment,
                                                            unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:assessment", args=[assessment.pk])


def test_the_public_home_page_of_a_unit_person_with_an_assessment_has_no_note(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    assert "data-unit-situation" not in _home(client, unit_editor, "?cong-khai")


def test_another_units_open_assessment_is_not_this_units(
    client: Client, cycle: Cycle, unit_editor: Any
) -> None:
    # given: another department's assessment is open, not Sở Y tế's
    assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)

    assert "Đơn vị Sở Y tế chưa được mở bản đánh giá" in _note(_home(client, unit_editor))


def test_visitors_and_people_without_a_unit_see_no_note(client: Client, cycle: Cycle) -> None:
    from tests.conftest import _user

    assert "data-unit-situation" not in client.get(reverse("home")).content.decode()
    assert "data-unit-situation" not in _home(client, _user("khach", None))
