"""A file's inline preview on the review page is made when its «Xem» is opened (the page loads no frame with
itself), shown again when opened again, and the link to a new tab works without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment
from tests.appraisal.conftest import line_of, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_a_files_preview_is_made_when_its_view_is_opened(
    new_page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    from evidence.services import evidence_link, evidence_upload

    self_score(assessment, unit_editor)
    pdf = evidence_upload(unit=assessment.unit, cycle=assessment.cycle, actor=unit_editor,
                          uploaded_file=upload("ke-hoach.pdf", samples.pdf(), "application/pdf"))
    evidence_link(evidence_file=pdf, line=line_of(assessment, "2.1.1"), actor=unit_editor)
    submit(assessment, unit_head)
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "hoa")
    page.goto(f"/tham-dinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")
    # the page loads no frame of its own
    assert page.locator("iframe").count() == 0
    view = page.locator("details.inline-preview").first
    view.locator("summary").click()
    frame = view.locator("iframe")
    expect(frame).to_have_count(1)
    expect(frame).to_have_attribute("src", f"/tai-lieu/tep/{pdf.pk}/xem/")
    expect(frame).to_have_attribute("title", "ke-hoach.pdf")
    # closed and opened again: the same one frame
    view.locator("summary").click()
    view.locator("summary").click()
    expect(view.locator("iframe")).to_have_count(1)
    assert page.locator("iframe").count() == 1
    expect(view.get_by_role("link", name="Mở trong thẻ mới")).to_have_attribute("href", f"/tai-lieu/tep/{pdf.pk}/xem/")
    assert errors == []
