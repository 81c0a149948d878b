"""On a phone over a slow line, an upload says how far it is as its bytes go (announced, per batch), can be
cancelled, and leaving the page while it goes on asks first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evidence.models import EvidenceFile, EvidenceLink
from tests.browser.conftest import login
from tests.evidence import samples

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 740}
SLOW = 256 * 1024  # bytes a second sent up: a slow mobile line

# every text the leaf's status showed, in order (its live region is what a screen reader announces)
WATCH_STATUS = """
  window.__statuses = [];
  new MutationObserver((changes) => {
    for (const change of changes) {
      const status = (change.target.nodeType === 1 ? change.target : change.target.parentElement)
        ?.closest("[data-evidence-status]");
      if (status) window.__statuses.push(status.textContent);
    }
  }).observe(document, { childList: true, characterData: true, subtree: true });
"""


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _big_pdf(name: str, megabytes: float) -> dict[str, Any]:
    """A real PDF made large by a comment after its header (its trailer stays at the end)."""
    content = samples.pdf(name.encode().hex())
    header, rest = content.split(b"\n", 1)
    padding = b"%" + b" " * int(megabytes * 1024 * 1024) + b"\n"
    return {"name": name, "mimeType": "application/pdf", "buffer": header + b"\n" + padding + rest}


def _phone_on_a_slow_line(new_page: Any) -> Any:
    page = new_page()
    page.set_viewport_size(PHONE)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 40, "downloadThroughput": -1, "uploadThroughput": SLOW})
    return page


def _open_sheet(page: Any, assessment: Any) -> None:
    login(page, "lan")
    page.goto(reverse("scoring:assessment", args=[assessment.pk]))
    page.wait_for_load_state("networkidle")


def test_a_slow_upload_shows_and_announces_its_bytes_and_percent_as_they_go(
    new_page: Any, assessment: Any, unit_editor: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.1.1")
    page = _phone_on_a_slow_line(new_page)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.add_init_script(WATCH_STATUS)
    _open_sheet(page, assessment)
    block = page.locator(f"#evidence-line-{line.pk}")

    page.set_input_files(f"#evidence-upload-{line.pk}", [
        _big_pdf("Báo cáo lớn.pdf", 1.2), {"name": "Nhỏ.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()},
    ])
    block.get_by_role("button", name="Tải lên các tệp đã chọn cho tiêu chí 1.1.1").click()

    # at once, in the leaf's status (a live region): what is sent, how much of it and its share, and a bar
    status = block.locator("[data-evidence-status]")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_contain_text("Đang tải lên 2 tệp: đã gửi")
    expect(status.locator("progress")).to_be_visible()
    expect(block.get_by_role("button", name="Huỷ tải lên")).to_be_visible()
    expect(status).to_contain_text("Đã lưu 2 tệp.", timeout=20_000)

    said = page.evaluate("window.__statuses")
    moving = [text.strip() for text in said if text.startswith("Đang tải lên 2 tệp: đã gửi")]
    assert "Đang tải lên 2 tệp: đã gửi 0\u00a0KB/1,2\u00a0MB (0%)…" in moving
    # the share moves between the start and the end, and is said again only now and then
    assert any(" (0%)" not in text and " (100%)" not in text for text in moving), moving
    assert len(set(moving)) <= 12
    assert block.get_by_role("button", name="Huỷ tải lên").count() == 0  # gone with the upload
    assert EvidenceLink.objects.filter(score_line=line).count() == 2
    assert errors == []


def test_cancelling_an_upload_sends_nothing_more_and_keeps_the_files_chosen(
    new_page: Any, assessment: Any, unit_editor: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.1.1")
    page = _phone_on_a_slow_line(new_page)
    _open_sheet(page, assessment)
    block = page.locator(f"#evidence-line-{line.pk}")
    page.set_input_files(f"#evidence-upload-{line.pk}", [_big_pdf("Báo cáo lớn.pdf", 2), _big_pdf("Phụ lục.pdf", 1)])
    block.locator(".evidence-upload-form button[type=submit]").click()
    status = block.locator("[data-evidence-status]")
    expect(status).to_contain_text("Đang tải lên 2 tệp")

    cancel = block.get_by_role("button", name="Huỷ tải lên")
    expect(cancel).to_be_focused()  # the button pressed waits disabled: the focus is on the one that stops it
    cancel.click()

    expect(status).to_have_text(
        "Đã huỷ tải lên: 2 tệp chưa được gửi (vẫn đang được chọn trong ô chọn tệp).")
    expect(status).not_to_have_class("evidence-status error")
    expect(cancel).to_have_count(0)
    expect(block.locator(".evidence-upload-form button[type=submit]")).to_be_enabled()
    names = page.locator(f"#evidence-upload-{line.pk}").evaluate("input => [...input.files].map((f) => f.name)")
    assert names == ["Báo cáo lớn.pdf", "Phụ lục.pdf"]
    page.wait_for_timeout(500)
    assert EvidenceFile.objects.count() == 0


def test_leaving_the_page_while_an_upload_goes_on_asks_first(
    new_page: Any, assessment: Any, unit_editor: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.1.1")
    page = _phone_on_a_slow_line(new_page)
    _open_sheet(page, assessment)
    block = page.locator(f"#evidence-line-{line.pk}")
    asked: list[str] = []

    def stay(dialog: Any) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.set_input_files(f"#evidence-upload-{line.pk}", [_big_pdf("Báo cáo lớn.pdf", 1)])
    block.locator(".evidence-upload-form button[type=submit]").click()
    expect(block.locator("[data-evidence-status]")).to_contain_text("Đang tải lên 1 tệp")

    page.close(run_before_unload=True)

    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert not page.is_closed()  # stayed: the upload goes on to its end
    expect(block.locator("[data-evidence-status]")).to_contain_text("Đã lưu 1 tệp.", timeout=20_000)

    # once it is over, nothing is asked
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert asked == ["beforeunload"]
