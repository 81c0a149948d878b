"""The evidence library refuses a file over the size limit the page states before sending it (with the server's
words; the others chosen with it are sent), and its «Xoá» buttons are named with their file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evidence.models import EvidenceFile
from tests.browser.conftest import login
from tests.evidence import samples

pytestmark = pytest.mark.django_db(transaction=True)

TOO_LARGE = "Tệp «lon.pdf» vượt quá dung lượng cho phép (0,5 MB)."


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 512 * 1024  # the page says «tối đa 0,5 MB mỗi tệp»
    return settings.MEDIA_ROOT


def _big() -> dict[str, Any]:
    return {"name": "lon.pdf", "mimeType": "application/pdf", "buffer": samples.pdf() + b"%" * (600 * 1024)}


def _uploads(page: Any, assessment: Any) -> list[Any]:
    url = reverse("evidence:upload", args=[assessment.pk])
    sent: list[Any] = []
    page.on("request", lambda req: sent.append(req) if req.method == "POST" and url in req.url else None)
    # the names of the files each upload carries, as the page sends them
    page.add_init_script("""
      window.__sentFiles = [];
      const send = XMLHttpRequest.prototype.send;
      XMLHttpRequest.prototype.send = function (body) {
        if (body instanceof FormData) window.__sentFiles.push(body.getAll("files").map((file) => file.name));
        return send.call(this, body);
      };
    """)
    return sent


def test_a_file_over_the_stated_limit_is_refused_at_once_and_never_sent(
    page: Any, assessment: Any, unit_editor: Any
) -> None:
    login(page, "lan")
    page.goto(reverse("evidence:library", args=[assessment.pk]))
    expect(page.locator("[data-dropzone] .guidance")).to_contain_text("tối đa 0,5 MB mỗi tệp")
    sent = _uploads(page, assessment)

    page.set_input_files("#evidence-files", [_big()])
    page.click("[data-dropzone] button[type=submit]")

    # said as the server says a refused upload: the count, then the reason
    expect(page.locator("#evidence-status")).to_have_text(f"1 tệp bị từ chối, không tệp nào được lưu. {TOO_LARGE}")
    page.wait_for_timeout(300)
    assert sent == []
    assert EvidenceFile.objects.count() == 0


def test_with_a_file_too_large_the_others_are_sent_and_each_delete_button_names_its_file(
    page: Any, assessment: Any, unit_editor: Any
) -> None:
    sent = _uploads(page, assessment)
    login(page, "lan")
    page.goto(reverse("evidence:library", args=[assessment.pk]))

    page.set_input_files("#evidence-files", [
        _big(), {"name": "nho.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()},
    ])
    page.click("[data-dropzone] button[type=submit]")

    status = page.locator("#evidence-status")
    expect(status).to_contain_text("Đã lưu 1 tệp")
    expect(status).to_contain_text(TOO_LARGE)
    assert len(sent) == 1 and page.evaluate("window.__sentFiles") == [["nho.pdf"]]  # the large one was not sent
    assert list(EvidenceFile.objects.values_list("original_name", flat=True)) == ["nho.pdf"]
    # the library's «Xoá» says which file it deletes (as the leaf's «Gỡ» does)
    expect(page.get_by_role("button", name="Xoá «nho.pdf» khỏi thư viện", exact=True)).to_be_visible()
