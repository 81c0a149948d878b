"""Deleting a library file linked to leaves, in a real browser: the question names the leaves (and those left with no
evidence), the answer too; without JavaScript the delete goes through a confirmation page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from evidence import services
from evidence.models import EvidenceFile
from tests.browser.conftest import login
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def linked_plan(assessment: Any, unit_editor: Any) -> Any:
    plan = services.evidence_upload(
        unit=assessment.unit, cycle=assessment.cycle, uploaded_file=upload("Kế hoạch CCHC.pdf", samples.pdf()),
        actor=unit_editor,
    )
    for code in ("1.1.1", "1.2.1"):
        services.evidence_link(evidence_file=plan, line=assessment.lines.get(indicator__code=code), actor=unit_editor)
    return plan


def test_the_confirm_dialog_names_the_leaves_and_the_delete_says_what_it_took(
    page: Any, assessment: Any, unit_editor: Any, linked_plan: Any
) -> None:
    login(page, "lan")
    page.goto(reverse("evidence:library", args=[assessment.pk]))
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.click(f"#evidence-file-{linked_plan.pk} .evidence-ops button.danger")

    status = page.locator("#evidence-status")
    status.get_by_text("Đã xoá").wait_for()
    assert asked == [
        "Xoá «Kế hoạch CCHC.pdf» khỏi thư viện? Tệp đang gắn với 2 tiêu chí: 1.1.1, 1.2.1 và sẽ được gỡ khỏi các tiêu "
        "chí này. Các tiêu chí 1.1.1, 1.2.1 sẽ không còn tài liệu kiểm chứng nào."
    ]
    assert status.inner_text() == (
        "Đã xoá «Kế hoạch CCHC.pdf» khỏi thư viện và gỡ khỏi tiêu chí 1.1.1, 1.2.1. "
        "Các tiêu chí 1.1.1, 1.2.1 nay không còn tài liệu kiểm chứng nào."
    )
    assert not EvidenceFile.objects.exists()


def test_a_dismissed_dialog_deletes_nothing(page: Any, assessment: Any, unit_editor: Any, linked_plan: Any) -> None:
    # guards behaviour that must not change: passes before and after
    login(page, "lan")
    page.goto(reverse("evidence:library", args=[assessment.pk]))
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.click(f"#evidence-file-{linked_plan.pk} .evidence-ops button.danger")
    page.wait_for_timeout(300)
    assert EvidenceFile.objects.filter(pk=linked_plan.pk).exists()


def test_without_javascript_the_delete_asks_on_a_page_listing_the_leaves(
    browser: Any, live_server: Any, assessment: Any, unit_editor: Any, linked_plan: Any
) -> None:
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, "lan")
        library = reverse("evidence:library", args=[assessment.pk])
        page.goto(library)
        page.click(f"#evidence-file-{linked_plan.pk} .evidence-ops button.danger")

        # a page of its own: the leaves, each said to be left without evidence; nothing deleted yet
        assert "1.1.1" in page.inner_text("main") and "1.2.1" in page.inner_text("main")
        assert page.locator("text=sẽ không còn tài liệu kiểm chứng nào").count() == 2
        assert EvidenceFile.objects.filter(pk=linked_plan.pk).exists()

        page.click("main form button[type=submit]")
        assert page.url.endswith(library)
        said = page.inner_text(".messages")
        assert "Đã xoá «Kế hoạch CCHC.pdf» khỏi thư viện và gỡ khỏi tiêu chí 1.1.1, 1.2.1." in said
        assert not EvidenceFile.objects.exists()
    finally:
        context.close()
