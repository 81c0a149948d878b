"""The unit's own pages of an assessment opened while its cycle is still in «Chuẩn bị» read «Chưa mở — kỳ đang chuẩn
bị» where they name its state (the sheet, with its «Các năm khác», the check page, the report, the extension
request, the evidence library), as the sheet's banner says the cycle has not opened; «Đang tự đánh giá» once it has."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Assessment, Cycle
from scoring.services import assessments_open, cycle_create

pytestmark = pytest.mark.django_db

NOT_OPEN = "Chưa mở — kỳ đang chuẩn bị"


def _state_line(html: str, label: str = "Trạng thái") -> str:
    start = html.index(label)
    return html[start:html.index("</p>", start)]


@pytest.mark.parametrize("page", ["scoring:assessment", "scoring:check", "scoring:report", "scoring:extension_request"])
def test_a_unit_page_of_a_draft_in_setup_reads_not_open(
    client: Client, assessment: Assessment, unit_head: Any, page: str
) -> None:
    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.SETUP)
    client.force_login(unit_head)

    html = client.get(reverse(page, args=[assessment.pk])).content.decode()

    line = _state_line(html)
    assert NOT_OPEN in line and "Đang tự đánh giá" not in line


def test_the_evidence_library_of_a_draft_in_setup_reads_not_open(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.SETUP)
    client.force_login(unit_editor)

    html = client.get(reverse("evidence:library", args=[assessment.pk])).content.decode()

    assert NOT_OPEN in _state_line(html, "Trạng thái:")


def test_the_sheet_reads_self_assessing_once_the_cycle_is_open(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)

    html = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()

    assert "Đang tự đánh giá" in _state_line(html) and NOT_OPEN not in html


def test_other_years_name_a_draft_of_a_cycle_in_setup_not_open(
    client: Client, assessment: Assessment, small_set: Any, unit_editor: Any
) -> None:
    # given: the 2021 cycle is being prepared and Sở Y tế already opened in it
    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021", sets={assessment.unit.kind: small_set}, actor=None)
    assessments_open(cycle=later, units=[assessment.unit], actor=None)
    client.force_login(unit_editor)

    html = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()

    others = html[html.index('class="other-years'):]
    assert f"2021</a> ({NOT_OPEN})" in others[:others.index("</nav>")]


def test_the_oversight_dashboard_counts_the_drafts_of_a_cycle_in_setup_as_not_open(
    client: Client, assessment: Assessment, admin_user: Any
) -> None:
    from appraisal.selectors.oversight import dashboard

    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.SETUP)
    assessment.cycle.refresh_from_db()

    states = {value: (label, n) for value, label, n in dashboard(cycle=assessment.cycle).states}

    assert states["draft"] == (NOT_OPEN, 1)
