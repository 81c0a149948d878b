"""The per-row controls of the cycle page's participants and of the assignments page name their row: a screen
reader's list of controls says which unit an extension or a removal applies to, and whose assignment «Xoá»
deletes; the row's unit (or member) is its row header."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, Unit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_participants_extension_and_removal_controls_name_their_unit(
    page: Any, assessment: Assessment, admin_user: Any
) -> None:
    from scoring.services import assessments_open

    assessments_open(cycle=assessment.cycle, units=Unit.objects.filter(code="so-tu-phap"), actor=None)
    login(page, "bao")
    page.goto(f"/quan-ly/ky-danh-gia/{assessment.cycle_id}/")
    row = page.locator(f"#participant-{assessment.pk}")
    expect(row.get_by_role("rowheader")).to_have_text("Sở Y tế")
    for role, name in (("textbox", "Lý do gia hạn cho Sở Y tế"), ("button", "Gia hạn cho Sở Y tế")):
        expect(page.get_by_role(role, name=name, exact=True)).to_have_count(1)
    expect(page.get_by_label("Hạn mới của Sở Y tế", exact=True)).to_have_count(1)
    # the other unit's controls are told apart
    expect(page.get_by_role("button", name="Gia hạn cho Sở Tư pháp", exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="Gia hạn", exact=True)).to_have_count(0)

    # the removal of a participant opened by mistake names its unit too
    summary = row.locator("details.remove-participant summary")
    expect(summary).to_have_attribute("aria-label", "Gỡ khỏi kỳ (mở nhầm): Sở Y tế…")
    summary.click()
    expect(page.get_by_label("Lý do gỡ Sở Y tế khỏi kỳ", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Gỡ Sở Y tế khỏi kỳ", exact=True)).to_be_visible()


def test_each_assignments_delete_button_names_its_member(
    page: Any, assessment: Assessment, admin_user: Any, team: Any
) -> None:
    login(page, "bao")
    page.goto(f"/tham-dinh/phan-cong/{assessment.cycle_id}/")
    members = page.locator("table.grid tbody th[scope=row]").all_text_contents()
    assert len(members) >= 2
    for member in members:
        expect(page.get_by_role("button", name=f"Xoá phân công của {member}", exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="Xoá", exact=True)).to_have_count(0)
