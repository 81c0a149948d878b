"""The library's files offered once per page: a leaf's «Gắn tài liệu có sẵn» opens one dialog, filtered by a name
typed without accents, ordered by name or newest first, where several files are linked at once; only that leaf
and the sheet's counts are drawn again (the sheet is not fetched again). The library page filters its table as a
name is typed and links the files ticked in it; a file uploaded again under its name replaces the old one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from evidence import services
from evidence.models import EvidenceFile, EvidenceLink
from tests.browser.conftest import login
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ["Quyết định 01.pdf", "Báo cáo quý 1.pdf", "Kế hoạch.pdf", "Quyết định 02.pdf", "Đề án.pdf", "Ảnh.pdf"]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def library(assessment: Any, unit_editor: Any) -> dict[str, EvidenceFile]:
    """Six files, uploaded in the order of NAMES, none linked."""
    return {
        name: services.evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                                       uploaded_file=upload(name, samples.pdf(name.encode().hex())), actor=unit_editor)
        for name in NAMES
    }


def test_a_leaf_links_two_files_found_by_a_name_typed_without_accents_and_only_the_leaf_is_drawn_again(
    page: Any, assessment: Any, unit_editor: Any, library: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.1.1")
    sheet = reverse("scoring:assessment", args=[assessment.pk])
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "lan")
    page.goto(sheet)
    page.wait_for_load_state("networkidle")
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if request.method == "GET" else None)
    page.evaluate("window.__stayed = true")
    missing = int(page.locator('[data-total="evidence_missing"]').inner_text())
    assert page.locator("select[id^='evidence-pick-']").count() == 0  # no library list in the leaves

    page.click(f"#evidence-pick-{line.pk}")
    dialog = page.locator("dialog.evidence-dialog")
    expect(dialog).to_be_visible()
    items = dialog.locator("[data-evidence-items] > li")
    expect(items).to_have_count(len(NAMES))
    # by name, in Vietnamese order
    assert [t.strip() for t in dialog.locator(".evidence-name").all_inner_texts()] == [
        "Ảnh.pdf", "Báo cáo quý 1.pdf", "Đề án.pdf", "Kế hoạch.pdf", "Quyết định 01.pdf", "Quyết định 02.pdf"]
    # newest first on request
    dialog.locator("[data-evidence-order]").select_option("moi-nhat")
    assert dialog.locator(".evidence-name").first.inner_text().strip() == "Ảnh.pdf"
    assert dialog.locator(".evidence-name").nth(1).inner_text().strip() == "Đề án.pdf"

    dialog.locator("[data-evidence-filter]").fill("quyet dinh")
    expect(dialog.locator("[data-evidence-items] > li:visible")).to_have_count(2)
    for checkbox in dialog.locator("[data-evidence-items] > li:visible input[type=checkbox]").all():
        checkbox.check()
    dialog.locator("button[type=submit]").click()

    expect(dialog).to_be_hidden()
    block = page.locator(f"#evidence-line-{line.pk}")
    expect(block.locator(".evidence-files")).to_contain_text("Quyết định 01.pdf")
    expect(block.locator(".evidence-files")).to_contain_text("Quyết định 02.pdf")
    expect(block.locator("[data-evidence-status]")).to_contain_text("Đã gắn 2 tệp vào tiêu chí 1.1.1")
    expect(page.locator('[data-total="evidence_missing"]')).to_have_text(str(missing - 1))
    assert set(EvidenceLink.objects.filter(score_line=line).values_list("evidence_file__original_name", flat=True)) \
        == {"Quyết định 01.pdf", "Quyết định 02.pdf"}
    assert page.evaluate("window.__stayed") is True
    assert not [url for url in fetched if url.split("#")[0].endswith(sheet)]  # the sheet was not fetched again

    # opened again, the files already linked are marked and not offered
    page.click(f"#evidence-pick-{line.pk}")
    expect(dialog).to_be_visible()
    linked = dialog.locator("[data-evidence-items] > li", has_text="Quyết định 01.pdf").locator("input")
    expect(linked).to_be_disabled()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert errors == []


def test_unlinking_on_the_sheet_draws_the_leaf_again_without_the_sheet(
    page: Any, assessment: Any, unit_editor: Any, library: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.2.1")
    services.evidence_link(evidence_file=library["Kế hoạch.pdf"], line=line, actor=unit_editor)
    sheet = reverse("scoring:assessment", args=[assessment.pk])
    login(page, "lan")
    page.goto(sheet)
    page.wait_for_load_state("networkidle")
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if request.method == "GET" else None)
    expect(page.locator(f"#req-{line.pk}")).to_be_hidden()

    page.click(f"#evidence-line-{line.pk} .evidence-unlink")

    expect(page.locator(f"#evidence-line-{line.pk} .evidence-none")).to_be_visible()
    expect(page.locator(f"#req-{line.pk}")).to_be_visible()  # no evidence left: an explanation is required
    assert not [url for url in fetched if url.split("#")[0].endswith(sheet)]
    assert [url for url in fetched if reverse("evidence:line", args=[assessment.pk, line.pk]) in url]


def test_the_library_filters_its_table_as_a_name_is_typed_and_links_the_ticked_files(
    page: Any, assessment: Any, unit_editor: Any, library: Any
) -> None:
    line = assessment.lines.get(indicator__code="2.1.1")
    login(page, "lan")
    page.goto(reverse("evidence:library", args=[assessment.pk]))
    rows = page.locator("#evidence-library tbody tr")
    expect(rows).to_have_count(len(NAMES))
    page.fill("#library-filter", "de an")
    expect(page.locator("#evidence-library tbody tr:visible")).to_have_count(1)
    page.fill("#library-filter", "quyết")
    expect(page.locator("#evidence-library tbody tr:visible")).to_have_count(2)
    for checkbox in page.locator("#evidence-library tbody tr:visible input[type=checkbox]").all():
        checkbox.check()
    page.select_option("#link-line", str(line.pk))
    page.click("#evidence-link-many button[type=submit]")

    expect(page.locator("#evidence-status")).to_contain_text("Đã gắn 2 tệp vào tiêu chí 2.1.1")
    for name in ("Quyết định 01.pdf", "Quyết định 02.pdf"):
        expect(page.locator(f"#evidence-file-{library[name].pk} .evidence-chip")).to_contain_text("2.1.1")
    # the filter typed stays after the table is drawn again
    expect(page.locator("#library-filter")).to_have_value("quyết")
    expect(page.locator("#evidence-library tbody tr:visible")).to_have_count(2)
    assert EvidenceLink.objects.filter(score_line=line).count() == 2


def test_a_corrected_scan_uploaded_under_its_name_replaces_the_old_one_from_the_summary(
    page: Any, assessment: Any, unit_editor: Any, library: Any
) -> None:
    old = library["Kế hoạch.pdf"]
    line = assessment.lines.get(indicator__code="1.2.1")
    services.evidence_link(evidence_file=old, line=line, actor=unit_editor)
    login(page, "lan")
    page.goto(reverse("evidence:library", args=[assessment.pk]))
    page.set_input_files("#evidence-files", [
        {"name": "Kế hoạch.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("ban da sua")},
    ])
    page.click("[data-dropzone] button[type=submit]")
    status = page.locator("#evidence-status")
    expect(status).to_contain_text("«Kế hoạch.pdf» trùng tên với «Kế hoạch.pdf»")
    status.locator("button", has_text="Thay tệp cũ").click()

    expect(status).to_contain_text("Đã thay «Kế hoạch.pdf»")
    expect(page.locator(f"#evidence-file-{old.pk}")).to_have_count(0)
    new = EvidenceFile.objects.get(original_name="Kế hoạch.pdf")
    assert new.pk != old.pk
    expect(page.locator(f"#evidence-file-{new.pk} .evidence-chip")).to_contain_text("1.2.1")


def test_without_javascript_a_leaf_links_library_files_through_the_library_page(
    browser: Any, live_server: Any, assessment: Any, unit_editor: Any, library: Any
) -> None:
    line = assessment.lines.get(indicator__code="1.2.3")
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, "lan")
        page.goto(reverse("scoring:assessment", args=[assessment.pk]))
        page.click(f"#evidence-pick-{line.pk}")
        page.wait_for_load_state()
        section = page.locator("#tieu-chi")
        expect(section).to_contain_text("Tiêu chí 1.2.3")
        section.locator("[data-evidence-picker] li", has_text="Đề án.pdf").locator("input").check()
        section.locator("[data-evidence-picker] li", has_text="Ảnh.pdf").locator("input").check()
        section.locator("[data-evidence-picker] button[type=submit]").click()
        page.wait_for_load_state()
        expect(page.locator(".messages")).to_contain_text("Đã gắn 2 tệp vào tiêu chí 1.2.3")
        expect(page.locator(f"#evidence-line-{line.pk} .evidence-files")).to_contain_text("Đề án.pdf")
        back = page.locator("#tieu-chi a", has_text="Quay lại trang trước")
        assert back.get_attribute("href").endswith(f"#line-{line.pk}")
        assert EvidenceLink.objects.filter(score_line=line).count() == 2
    finally:
        context.close()
