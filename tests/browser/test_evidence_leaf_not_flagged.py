"""During an explanation round, the library page's script says why evidence sent to a leaf the round does not flag
is refused (the server's 409 `not_flagged`), in the leaf's block, and stores nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evidence.models import EvidenceFile
from tests.appraisal.conftest import flagged_line, line_of, self_score
from tests.appraisal.conftest import submit as submit_assessment
from tests.appraisal.conftest import team as team  # the appraisal team fixture
from tests.browser.conftest import login
from tests.evidence import samples

pytestmark = pytest.mark.django_db(transaction=True)

NOT_FLAGGED = "Tiêu chí này không nằm trong yêu cầu giải trình."


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_an_upload_sent_for_a_leaf_not_flagged_is_refused_with_the_reason_on_the_page(
    page: Any, assessment: Any, unit_editor: Any, unit_head: Any, lead: Any, team: Any
) -> None:
    self_score(assessment, unit_editor)
    submit_assessment(assessment, unit_head)
    flagged = flagged_line(assessment, lead, "2.1.1")
    other = line_of(assessment, "2.1.2")
    login(page, "lan")
    page.goto(reverse("evidence:library", args=[assessment.pk]) + f"?tieu_chi={flagged.pk}")
    block = page.locator(f"form.evidence-upload-form:has(#evidence-upload-{flagged.pk})")
    # the leaf's upload form sent for another leaf (as a page left open across a change of the round would)
    block.locator("input[name=line_id]").evaluate(f"input => {{ input.value = '{other.pk}'; }}")
    block.locator("input[type=file]").set_input_files(
        [{"name": "Bổ sung.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("bo sung")}])
    block.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text(NOT_FLAGGED)
    assert EvidenceFile.objects.count() == 0
