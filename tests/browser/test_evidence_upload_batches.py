"""A choice of more files than one request may carry is sent in batches under the limit, with each batch's progress
shown, and said in one summary at the end: nothing refused for the number, nothing lost."""

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

# every text the page's message line showed, in order (the progress is only shown while the upload goes on)
WATCH_STATUS = """
  window.__statuses = [];
  document.addEventListener("DOMContentLoaded", () => {
    const status = document.querySelector("[data-evidence-status-global]");
    if (!status) return;
    new MutationObserver(() => window.__statuses.push(status.textContent))
      .observe(status, { childList: true, characterData: true, subtree: true });
  });
"""


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# the names of the files each request of the page's script carried
WATCH_SENT = """
  window.__sentFiles = [];
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    if (body instanceof FormData) window.__sentFiles.push(body.getAll("files").map((file) => file.name));
    return send.call(this, body);
  };
"""


def test_a_choice_over_the_request_limit_is_sent_in_batches_with_the_progress_and_one_summary(
    page: Any, assessment: Any, unit_editor: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.add_init_script(WATCH_STATUS)
    page.add_init_script(WATCH_SENT)
    login(page, "lan")
    page.goto(reverse("evidence:library", args=[assessment.pk]))
    chosen = [
        {"name": f"Bản quét {i:02d}.pdf", "mimeType": "application/pdf", "buffer": samples.pdf(f"scan {i}")}
        for i in range(7)
    ]
    # the last one is the first one's content again under another name: a copy within the same choice
    chosen.append({"name": "Bản quét 00 (bản sao).pdf", "mimeType": "application/pdf", "buffer": samples.pdf("scan 0")})

    page.set_input_files("#evidence-files", chosen)
    page.click("[data-dropzone] button[type=submit]")

    status = page.locator("#evidence-status")
    expect(status).to_contain_text("Đã lưu 7 tệp.")
    expect(status).to_contain_text(
        "«Bản quét 00 (bản sao).pdf» trùng nội dung với «Bản quét 00.pdf» cũng được chọn trong lần tải lên này")
    assert "bị từ chối" not in status.inner_text()
    sent = page.evaluate("window.__sentFiles")
    assert [len(names) for names in sent] == [3, 3, 2]  # every request under the limit
    assert sorted(name for names in sent for name in names) == sorted(f["name"] for f in chosen)  # each sent once
    assert EvidenceFile.objects.count() == 7
    expect(page.locator("#evidence-library tbody tr")).to_have_count(7)
    statuses = page.evaluate("window.__statuses")
    # each batch said as it starts: which one, its files, its bytes and share, the files done before it
    assert any(text.startswith("Đang tải lên đợt 1/3 (3 tệp): đã gửi 0\u00a0KB/") and "(0%); đã xong 0/8 tệp…" in text
               for text in statuses), statuses
    assert any(text.startswith("Đang tải lên đợt 2/3 (3 tệp)") and "đã xong 3/8 tệp…" in text for text in statuses)
    assert any(text.startswith("Đang tải lên đợt 3/3 (2 tệp)") and "đã xong 6/8 tệp…" in text for text in statuses)
    assert page.locator("#evidence-files").evaluate("input => input.files.length") == 0  # all sent: cleared
    assert errors == []


def test_a_batch_that_does_not_arrive_stops_the_upload_and_keeps_the_files_not_sent(
    page: Any, assessment: Any, unit_editor: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    login(page, "lan")
    page.goto(reverse("evidence:library", args=[assessment.pk]))
    calls = {"n": 0}

    def second_fails(route: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            route.abort()
        else:
            route.continue_()

    page.route("**/tai-len/", second_fails)
    page.set_input_files("#evidence-files", [
        {"name": f"Tệp {i}.pdf", "mimeType": "application/pdf", "buffer": samples.pdf(f"tep {i}")} for i in range(5)
    ])
    page.click("[data-dropzone] button[type=submit]")

    status = page.locator("#evidence-status")
    expect(status).to_contain_text("Đã lưu 2 tệp.")
    expect(status).to_contain_text("3 tệp chưa được gửi")
    assert EvidenceFile.objects.count() == 2
    # the three not sent are still chosen: «Tải lên» again sends them
    names = page.locator("#evidence-files").evaluate("input => [...input.files].map((f) => f.name)")
    assert names == ["Tệp 2.pdf", "Tệp 3.pdf", "Tệp 4.pdf"]
    page.unroute("**/tai-len/")
    page.click("[data-dropzone] button[type=submit]")
    expect(status).to_contain_text("Đã lưu 3 tệp.")
    assert EvidenceFile.objects.count() == 5
