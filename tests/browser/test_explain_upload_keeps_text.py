"""The unit's explanation page: uploading a document to a leaf keeps the explanation typed and not yet saved."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from evidence.models import EvidenceLink
from scoring.models import Assessment, ScoreLine
from tests.appraisal.conftest import later, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login
from tests.evidence import samples

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def explaining(assessment: Assessment, unit_editor: Any, unit_head: Any, lead: Any, team: Any) -> Assessment:
    from appraisal.services import explanation_request

    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    ids = list(assessment.lines.filter(indicator__code__in=["1.1.1", "2.1.1"]).values_list("pk", flat=True))
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=ids)
    return assessment


def test_uploading_a_document_keeps_the_typed_explanation_and_shows_the_result_at_the_leaf(
    page: Any, explaining: Assessment
) -> None:
    line = explaining.lines.get(indicator__code="2.1.1")
    leaf, field = f"#line-{line.pk}", f"#explanation-{line.pk}"
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "lan")
    page.goto(f"/tham-dinh/giai-trinh/{explaining.pk}/")
    page.wait_for_load_state("networkidle")

    # given an explanation typed (saved by itself after the pause: the upload does not race it)
    page.fill(field, "Đơn vị bổ sung báo cáo số 15/BC.")
    expect(page.locator(f"{leaf} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    # when a document is uploaded to the same leaf with «Tải lên và gắn»
    page.set_input_files(f"#evidence-upload-{line.pk}", [
        {"name": "bao-cao-15.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("Bao cao 15")},
    ])
    page.evaluate("window.__stayed = true")  # gone if the page reloads
    page.click(f"{leaf} .evidence-upload-form button[type=submit]")

    # then the file is listed at the leaf with the result beside it, and the typed text is still there
    expect(page.locator(f"{leaf} .evidence-files")).to_contain_text("bao-cao-15.pdf")
    expect(page.locator(f"{leaf} [data-evidence-status]")).to_contain_text("Đã lưu 1 tệp")
    expect(page.locator(field)).to_have_value("Đơn vị bổ sung báo cáo số 15/BC.")
    assert page.evaluate("window.__stayed === true")
    assert EvidenceLink.objects.filter(score_line=line, evidence_file__original_name="bao-cao-15.pdf").exists()

    assert ScoreLine.objects.get(pk=line.pk).explanation == "Đơn vị bổ sung báo cáo số 15/BC."
    assert errors == []


def test_uploading_with_no_file_chosen_says_so_at_the_leaf_and_keeps_the_typed_explanation(
    page: Any, explaining: Assessment
) -> None:
    line = explaining.lines.get(indicator__code="2.1.1")
    leaf, field = f"#line-{line.pk}", f"#explanation-{line.pk}"
    login(page, "lan")
    page.goto(f"/tham-dinh/giai-trinh/{explaining.pk}/")
    page.wait_for_load_state("networkidle")
    page.fill(field, "Đơn vị bổ sung báo cáo số 16/BC.")
    page.evaluate("window.__stayed = true")
    # «Tải lên» with no file chosen
    page.click(f"{leaf} .evidence-upload-form button[type=submit]")
    expect(page.locator(f"{leaf} [data-evidence-status]")).to_contain_text("Hãy chọn ít nhất một tệp")
    expect(page.locator(field)).to_have_value("Đơn vị bổ sung báo cáo số 16/BC.")
    assert page.evaluate("window.__stayed === true")
