"""The summary of an upload counts every file refused once, whether the browser refused it (too large, never sent)
or the server did (its type, its content), and gives each one's reason in the order the files were chosen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evidence.models import EvidenceLink
from tests.browser.conftest import login
from tests.evidence import samples

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 512 * 1024  # the page says «tối đa 0,5 MB mỗi tệp»
    return settings.MEDIA_ROOT


def _six() -> list[dict[str, Any]]:
    pdf = "application/pdf"
    return [
        {"name": "Quyết định lớn.pdf", "mimeType": pdf, "buffer": samples.pdf() + b"%" * (600 * 1024)},
        {"name": "ghi-chu.txt", "mimeType": "text/plain", "buffer": b"ghi chu"},
        {"name": "Kế hoạch.pdf", "mimeType": pdf, "buffer": samples.pdf("ke hoach")},
        {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" + b"\0" * 64},
        {"name": "Ảnh chụp.jpg", "mimeType": "image/jpeg", "buffer": samples.png()},
        {"name": "Báo cáo.pdf", "mimeType": pdf, "buffer": samples.pdf("bao cao")},
    ]


@pytest.mark.parametrize("per_request", [100, 3], ids=["one request", "in batches"])
def test_files_refused_before_sending_and_by_the_server_are_counted_together_each_with_its_reason(
    page: Any, assessment: Any, unit_editor: Any, settings: Any, per_request: int
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = per_request
    line = assessment.lines.get(indicator__code="1.1.1")
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, "lan")
    page.goto(reverse("scoring:assessment", args=[assessment.pk]))
    block = page.locator(f"#evidence-line-{line.pk}")

    page.set_input_files(f"#evidence-upload-{line.pk}", _six())
    block.locator(".evidence-upload-form button[type=submit]").click()

    expect(block.locator("[data-evidence-status]")).to_have_text(
        "Đã lưu 2 tệp. 4 tệp bị từ chối; các tệp hợp lệ khác vẫn được lưu. "
        "Tệp «Quyết định lớn.pdf» vượt quá dung lượng cho phép (0,5 MB). "
        "Tệp «ghi-chu.txt» không thuộc loại được nhận. Chỉ nhận PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, JPG, PNG. "
        "Tệp «setup.exe» không thuộc loại được nhận. Chỉ nhận PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, JPG, PNG. "
        "Tệp «Ảnh chụp.jpg» có nội dung PNG nhưng phần mở rộng là .jpg: hãy đổi tên thành «Ảnh chụp.png» rồi "
        "tải lên lại."
    )
    assert sorted(EvidenceLink.objects.filter(score_line=line).values_list("evidence_file__original_name", flat=True)) \
        == ["Báo cáo.pdf", "Kế hoạch.pdf"]
