"""A form of the self-assessment pages refused by the server is drawn again with the focus on the field in error (or
on the message when no field is named), not on the page's <body>: the extension request, the withdrawal's reason,
a leaf posted without JavaScript."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scoring.models import Assessment, Cycle
from tests.appraisal.conftest import submit
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    """This year's draft, its self-assessment deadline at 17:00 in five days."""
    day = timezone.localdate() + dt.timedelta(days=5)
    Cycle.objects.filter(pk=assessment.cycle_id).update(
        year=timezone.localdate().year, phase="self_assessment",
        self_assessment_deadline=dt.datetime.combine(day, dt.time(17, 0), tzinfo=timezone.get_current_timezone()),
    )
    return Assessment.objects.get(pk=assessment.pk)


def test_a_refused_extension_request_puts_the_focus_on_the_date_in_error(
    page: Any, open_assessment: Assessment, unit_head: Any
) -> None:
    login(page, "hung")
    page.goto(f"/danh-gia/{open_assessment.pk}/gia-han/")
    too_early = timezone.localdate() + dt.timedelta(days=2)
    page.fill("#id_requested_date", f"{too_early:%Y-%m-%d}")
    page.fill("#id_reason", "Chờ số liệu quý IV.")
    page.click("form.form button[type=submit]")

    expect(page.locator("[data-extension-error]")).to_be_visible()
    expect(page.locator("#id_requested_date")).to_be_focused()
    date = page.locator("#id_requested_date")
    expect(date).to_have_attribute("aria-invalid", "true")
    expect(date).to_have_attribute("aria-describedby", "extension-error")
    expect(page.locator("#id_reason")).to_have_value("Chờ số liệu quý IV.")


def test_a_withdrawal_reason_over_its_limit_is_kept_whole_and_focused_with_the_message(
    page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    submit(open_assessment, unit_head)
    login(page, "hung")
    page.goto(f"/danh-gia/{open_assessment.pk}/")
    reason = page.locator("#withdraw-reason")
    assert reason.get_attribute("maxlength") is None
    text = "Cần bổ sung tài liệu. " * 50 + "KẾT THÚC"
    reason.fill(text)
    page.click("text=Rút lại để chỉnh sửa")

    expect(page.locator("#withdraw-error")).to_contain_text("1000")
    expect(reason).to_be_focused()
    expect(reason).to_have_value(text)
    open_assessment.refresh_from_db()
    assert open_assessment.state == Assessment.State.SUBMITTED


def test_without_javascript_a_refused_leaf_is_drawn_with_the_focus_on_its_field(
    browser: Any, live_server: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, "lan")
        line = open_assessment.lines.get(indicator__code="1.2.3")  # points, at most 0,5
        page.fill(f'[name="l{line.pk}-points"]', "0,75")
        page.click(f"#line-{line.pk} .leaf-actions button")
        expect(page.locator(f"#line-{line.pk} .leaf-error")).to_contain_text("vượt quá điểm tối đa")
        assert page.evaluate("document.activeElement.name") == f"l{line.pk}-points"
    finally:
        context.close()
