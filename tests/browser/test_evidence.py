"""Evidence library in a real browser: upload several files, drag and drop, link and unlink, preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from evidence.models import EvidenceFile, EvidenceLink
from tests.browser.conftest import login
from tests.evidence import samples

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _library(assessment: Any) -> str:
    return reverse("evidence:library", args=[assessment.pk])


def test_the_editor_uploads_two_files_links_one_to_a_leaf_and_previews_the_pdf(
    page: Any, assessment: Any, unit_editor: Any
) -> None:
    login(page, "lan")
    page.goto(_library(assessment))

    # upload two files at once with the file picker
    page.set_input_files("#evidence-files", [
        {"name": "Kế hoạch CCHC năm 2020.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()},
        {"name": "Bảng số liệu.xlsx", "mimeType": "application/octet-stream", "buffer": samples.xlsx()},
    ])
    page.click("[data-dropzone] button[type=submit]")
    page.wait_for_selector("#evidence-library tbody tr:nth-child(2)")
    table = page.locator("#evidence-library")
    assert "Kế hoạch CCHC năm 2020.pdf" in table.inner_text()
    assert "Bảng số liệu.xlsx" in table.inner_text()
    assert "Đã lưu 2 tệp" in page.locator("#evidence-status").inner_text()
    assert EvidenceFile.objects.count() == 2

    # link the PDF to leaf 1.1.1 (updated in place, no reload)
    pdf = EvidenceFile.objects.get(original_name="Kế hoạch CCHC năm 2020.pdf")
    line = assessment.lines.get(indicator__code="1.1.1")
    page.evaluate("window.__noReload = true")
    page.check(f"#evidence-file-{pdf.pk} input[type=checkbox]")  # ticked in the table
    page.select_option("#link-line", str(line.pk))
    page.click(".evidence-link-global button[type=submit]")
    chip = page.locator(f"#evidence-file-{pdf.pk} .evidence-chip")
    chip.wait_for()
    assert chip.inner_text().startswith("1.1.1")
    assert page.evaluate("window.__noReload") is True
    assert "Đã gắn «Kế hoạch CCHC năm 2020.pdf» vào tiêu chí 1.1.1" in page.locator("#evidence-status").inner_text()
    assert EvidenceLink.objects.filter(evidence_file=pdf, score_line=line).exists()

    # preview the PDF: it opens inline, sandboxed
    preview_url = reverse("evidence:preview", args=[pdf.pk])
    with page.expect_popup() as popup_info, page.context.expect_event(
        "response", lambda r: r.url.endswith(preview_url)
    ) as response_info:
        page.click(f"#evidence-file-{pdf.pk} [data-preview]")
    response = response_info.value
    headers = response.all_headers()
    assert response.status == 200
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"].startswith("inline;")
    assert headers["content-security-policy"] == "sandbox"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    popup_info.value.close()

    # the office file has no preview, only a download
    sheet = EvidenceFile.objects.get(original_name="Bảng số liệu.xlsx")
    assert page.locator(f"#evidence-file-{sheet.pk} [data-preview]").count() == 0

    # unlink from the chip
    chip.locator("button").click()
    chip.wait_for(state="detached")
    assert not EvidenceLink.objects.exists()


def test_a_file_dropped_on_the_dropzone_is_uploaded_and_a_bad_one_is_explained(
    page: Any, assessment: Any, unit_editor: Any
) -> None:
    login(page, "lan")
    page.goto(_library(assessment))
    page.evaluate(
        """() => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array([0x89,0x50,0x4e,0x47,0x0d,0x0a,0x1a,0x0a,0,0,0,0])],
                                      'Ảnh chụp.png', {type: 'image/png'}));
          transfer.items.add(new File(['<html><script>alert(1)</script></html>'], 'gia-mao.pdf',
                                      {type: 'application/pdf'}));
          const zone = document.querySelector('[data-dropzone]');
          zone.dispatchEvent(new DragEvent('dragenter', {dataTransfer: transfer, bubbles: true}));
          zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true}));
        }"""
    )
    page.wait_for_selector("#evidence-library tbody tr")
    status = page.locator("#evidence-status")
    status.wait_for()
    assert "Đã lưu 1 tệp" in status.inner_text()
    assert "gia-mao.pdf" in status.inner_text() and "không phải là tệp PDF" in status.inner_text()
    assert list(EvidenceFile.objects.values_list("original_name", flat=True)) == ["Ảnh chụp.png"]


def test_the_library_works_without_javascript(
    browser: Any, live_server: Any, assessment: Any, unit_editor: Any
) -> None:
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, "lan")
        page.goto(_library(assessment))
        page.set_input_files("#evidence-files", [
            {"name": "Báo cáo.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()},
        ])
        page.click("[data-dropzone] button[type=submit]")
        page.wait_for_load_state()
        assert "Đã lưu 1 tệp" in page.locator(".messages").inner_text()
        evidence_file = EvidenceFile.objects.get()
        line = assessment.lines.get(indicator__code="1.2.1")

        # pick the leaf, then link through the leaf's picker (a plain form of the library's files)
        page.goto(_library(assessment) + f"?tieu_chi={line.pk}")
        page.check(f"#tieu-chi [data-evidence-picker] input[value='{evidence_file.pk}']")
        page.click("#tieu-chi [data-evidence-picker] button[type=submit]")
        page.wait_for_load_state()
        assert "Báo cáo.pdf" in page.locator(f"#evidence-line-{line.pk} .evidence-files").inner_text()
        assert EvidenceLink.objects.filter(score_line=line).count() == 1

        page.click(f"#evidence-line-{line.pk} .evidence-unlink")
        page.wait_for_load_state()
        assert "Chưa có tài liệu kiểm chứng" in page.locator(f"#evidence-line-{line.pk}").inner_text()
        assert not EvidenceLink.objects.exists()
    finally:
        context.close()


def test_the_leaf_partial_uploads_links_and_unlinks_in_place(page: Any, assessment: Any, unit_editor: Any) -> None:
    line = assessment.lines.get(indicator__code="2.1.1")
    login(page, "lan")
    page.goto(_library(assessment) + f"?tieu_chi={line.pk}")
    region = page.locator(f"#evidence-line-{line.pk}")
    assert "Chưa có tài liệu kiểm chứng" in region.inner_text()

    page.set_input_files(f"#evidence-upload-{line.pk}", [
        {"name": "Văn bản điện tử.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()},
    ])
    page.click(f"#evidence-line-{line.pk} .evidence-upload-form button")
    page.locator(f"#evidence-line-{line.pk} .evidence-files >> text=Văn bản điện tử.pdf").wait_for()
    assert "Đã lưu 1 tệp" in page.locator(f"#evidence-line-{line.pk} [data-evidence-status]").inner_text()
    assert EvidenceLink.objects.filter(score_line=line).count() == 1
    # the library table above was refreshed by the same action
    assert "2.1.1" in page.locator("#evidence-library").inner_text()

    page.click(f"#evidence-line-{line.pk} .evidence-unlink")
    page.locator(f"#evidence-line-{line.pk} .evidence-none").wait_for()
    assert not EvidenceLink.objects.exists()
    assert EvidenceFile.objects.count() == 1  # unlinking keeps the file in the library


def test_after_a_file_is_unlinked_by_keyboard_the_focus_stays_at_the_leaf(
    page: Any, assessment: Any, unit_editor: Any
) -> None:
    line = assessment.lines.get(indicator__code="2.1.1")
    login(page, "lan")
    page.goto(_library(assessment) + f"?tieu_chi={line.pk}")
    page.set_input_files(f"#evidence-upload-{line.pk}", [
        {"name": "Kế hoạch.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()},
    ])
    page.click(f"#evidence-line-{line.pk} .evidence-upload-form button")
    page.locator(f"#evidence-line-{line.pk} .evidence-files >> text=Kế hoạch.pdf").wait_for()
    # the «Bỏ gắn» button pressed from the keyboard: the region is drawn again without it
    page.focus(f"#evidence-line-{line.pk} .evidence-unlink")
    page.keyboard.press("Enter")
    page.locator(f"#evidence-line-{line.pk} .evidence-none").wait_for()
    focused = page.evaluate(
        f"document.activeElement && document.getElementById('evidence-line-{line.pk}')"
        ".contains(document.activeElement)"
    )
    assert focused, "the focus went back to the top of the page"
