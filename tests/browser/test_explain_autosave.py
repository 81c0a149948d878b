"""The unit's explanation page saves each explanation by itself as the self-assessment sheet does: after a pause in
typing («Đã lưu hh:mm», a status), and keeps what is typed and not saved in the browser, restored on return."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, ScoreLine
from tests.appraisal.conftest import team as team  # the appraisal team fixture
from tests.browser.conftest import login
from tests.browser.test_explain_page_keeps_typing import explaining as explaining  # the round, two leaves

pytestmark = pytest.mark.django_db(transaction=True)


def _open(page: Any, assessment: Assessment) -> None:
    login(page, "lan")
    page.goto(f"/tham-dinh/giai-trinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")


def test_an_explanation_typed_is_saved_after_a_pause_and_is_there_after_a_reload(
    page: Any, explaining: Assessment
) -> None:
    line = explaining.lines.get(indicator__code="1.1.1")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _open(page, explaining)
    # when the unit types and waits, never pressing «Lưu giải trình»
    page.fill(f"#explanation-{line.pk}", "Đã ban hành kế hoạch số 12/KH.")
    status = page.locator(f"#line-{line.pk} [data-save-status]")
    expect(status).to_have_attribute("role", "status")
    # then it is saved, said with the server's time
    expect(status).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    assert ScoreLine.objects.get(pk=line.pk).explanation == "Đã ban hành kế hoạch số 12/KH."
    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.locator(f"#explanation-{line.pk}")).to_have_value("Đã ban hành kế hoạch số 12/KH.")
    assert errors == []


def test_an_explanation_not_saved_is_restored_from_the_browser_and_saved(page: Any, explaining: Assessment) -> None:
    line = explaining.lines.get(indicator__code="2.1.1")
    _open(page, explaining)
    # given text typed and the page left before any save could be made (the server unreachable)
    page.route(re.compile(r".*/giai-trinh/.*/\d+/$"), lambda route: route.abort())
    page.fill(f"#explanation-{line.pk}", "Bổ sung báo cáo số 15/BC.")
    page.wait_for_timeout(300)
    page.unroute(re.compile(r".*/giai-trinh/.*/\d+/$"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/")
    assert ScoreLine.objects.get(pk=line.pk).explanation != "Bổ sung báo cáo số 15/BC."
    # when the unit comes back
    page.goto(f"/tham-dinh/giai-trinh/{explaining.pk}/")
    # then the text is back, and saved
    expect(page.locator(f"#explanation-{line.pk}")).to_have_value("Bổ sung báo cáo số 15/BC.")
    expect(page.locator(f"#line-{line.pk} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    assert ScoreLine.objects.get(pk=line.pk).explanation == "Bổ sung báo cáo số 15/BC."
