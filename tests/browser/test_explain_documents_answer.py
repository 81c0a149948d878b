"""The unit's explanation page on a leaf asked for evidence documents only: a document uploaded there answers it in
place («Đã bổ sung tài liệu» shown, «Còn N tiêu chí…» counts one less; removed, both come back), and the note
beside it, optional, saves itself when emptied (the server takes an empty note there) rather than being held as an
explanation left empty."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, ScoreLine
from tests.appraisal.conftest import appraise_all, later, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login
from tests.evidence import samples

pytestmark = pytest.mark.django_db(transaction=True)
DOCS, EXPLAIN = "2.1.1", "1.1.1"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def returned(assessment: Assessment, unit_editor: Any, unit_head: Any, lead: Any, team: Any) -> Assessment:
    """1.1.1 returned to explain, 2.1.1 for documents only, every leaf appraised."""
    from appraisal.services import explanation_request

    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    appraise_all(assessment, lead)
    docs = assessment.lines.get(indicator__code=DOCS)
    explain = assessment.lines.get(indicator__code=EXPLAIN)
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=[explain.pk, docs.pk],
                        documents=[docs.pk], message="Đề nghị đơn vị trả lời.")
    return assessment


def test_a_document_answers_the_leaf_in_place(page: Any, returned: Assessment) -> None:
    line = returned.lines.get(indicator__code=DOCS)
    leaf = f"#line-{line.pk}"
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "lan")
    page.goto(f"/tham-dinh/giai-trinh/{returned.pk}/")
    page.wait_for_load_state("networkidle")
    remaining = page.locator("[data-agree-remaining-text]")
    tag = page.locator(f"{leaf} [data-documented]")
    expect(remaining).to_contain_text("Còn 2 tiêu chí")
    expect(tag).to_be_hidden()

    # when a document is uploaded to the documents leaf
    page.set_input_files(f"#evidence-upload-{line.pk}", [
        {"name": "quyet-dinh.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("Quyet dinh")},
    ])
    page.evaluate("window.__stayed = true")  # gone if the page reloads
    page.click(f"{leaf} .evidence-upload-form button[type=submit]")

    # then, without a reload, it is said answered
    expect(page.locator(f"{leaf} .evidence-files")).to_contain_text("quyet-dinh.pdf")
    expect(tag).to_be_visible()
    expect(tag).to_have_text("Đã bổ sung tài liệu")
    expect(remaining).to_contain_text("Còn 1 tiêu chí")
    expect(page.locator("[data-agree-remaining-button]")).to_have_text(
        "Đồng ý với kết quả thẩm định ở 1 tiêu chí còn lại")

    # and removed again, it no longer is
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"{leaf} .evidence-unlink")
    expect(page.locator(f"{leaf} .evidence-files")).not_to_contain_text("quyet-dinh.pdf")
    expect(tag).to_be_hidden()
    expect(remaining).to_contain_text("Còn 2 tiêu chí")
    assert page.evaluate("window.__stayed === true")
    assert errors == []


def test_an_emptied_note_beside_documents_saves_itself(page: Any, returned: Assessment) -> None:
    line = returned.lines.get(indicator__code=DOCS)
    leaf, field = f"#line-{line.pk}", f"#explanation-{line.pk}"
    status = page.locator(f"{leaf} [data-save-status]")
    login(page, "lan")
    page.goto(f"/tham-dinh/giai-trinh/{returned.pk}/")
    page.wait_for_load_state("networkidle")
    page.fill(field, "Văn bản đang chờ ký.")
    expect(status).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    expect(page.locator("[data-agree-remaining-text]")).to_contain_text("Còn 1 tiêu chí")
    assert ScoreLine.objects.get(pk=line.pk).explanation == "Văn bản đang chờ ký."

    # when the note is emptied: saved by itself, not held as an explanation left empty
    page.fill(field, "")
    expect(status).not_to_have_text("Chưa lưu: giải trình còn trống.")
    expect(page.locator("[data-agree-remaining-text]")).to_contain_text("Còn 2 tiêu chí")
    expect(status).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    expect(page.locator(field)).to_have_value("")
    assert ScoreLine.objects.get(pk=line.pk).explanation == ""

    # a leaf asked to explain still holds an empty explanation
    other = returned.lines.get(indicator__code=EXPLAIN)
    page.fill(f"#explanation-{other.pk}", "Đã thực hiện.")
    expect(page.locator(f"#line-{other.pk} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    page.fill(f"#explanation-{other.pk}", "")
    expect(page.locator(f"#line-{other.pk} [data-save-status]")).to_have_text("Chưa lưu: giải trình còn trống.")
