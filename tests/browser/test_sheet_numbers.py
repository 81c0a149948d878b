"""Numbers typed on the sheet in a real browser: in English and in Vietnamese a number that may hold a thousands
separator is refused at once, nothing saved, and a decimal is read as typed; «Đã lưu HH:MM» is the server's time
of the save, in Vietnam, whatever the PC's clock and time zone say."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from scoring.models import Assessment, ScoreLine, Unit, UnitKind
from scoring.services import assessments_open, cycle_create, indicator_set_import
from tests.browser.conftest import login
from tests.conftest import self_assessment_phase, small_set_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def points_assessment(catalogue: Any) -> Assessment:
    """The small set with 1.2.1 scored as points typed from 0 to 1 (step 0.25): «1,000» read as 1 fits in it."""
    data = small_set_data(key="numbers-set")
    report = data["indicators"][0]["children"][1]["children"][0]
    assert report["code"] == "1.2.1"
    report.update(method="manual", params={"step": "0.25"})
    indicator_set = indicator_set_import(data=data, actor=None)
    kinds = UnitKind.objects.filter(code__in=["department", "vertical"])
    cycle = self_assessment_phase(
        cycle_create(year=2020, name="Chỉ số CCHC năm 2020", sets={k: indicator_set for k in kinds}, actor=None)
    )
    return assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-y-te")], actor=None)[0]


@pytest.fixture
def open_context(browser: Any, live_server: Any) -> Iterator[Any]:
    """A factory of browser contexts on the live server (options as Playwright takes them)."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _points(assessment: Assessment) -> ScoreLine:
    return assessment.lines.get(indicator__code="1.2.1")


@pytest.mark.parametrize(("language", "grouped", "decimal", "shown", "saved"), [
    ("en", "1,000", "0.75", "0.75", "Saved"),
    ("vi", "1.000", "0,75", "0,75", "Đã lưu"),
])
def test_a_number_that_may_group_thousands_is_refused_and_a_decimal_is_read_as_typed(
    open_context: Any, live_server: Any, points_assessment: Assessment, unit_editor: Any,
    language: str, grouped: str, decimal: str, shown: str, saved: str,
) -> None:
    line = _points(points_assessment)
    context = open_context(locale="vi-VN")
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "lan")
    page.goto(f"/danh-gia/{points_assessment.pk}/")
    leaf = page.locator(f"#line-{line.pk}")
    points = leaf.locator(f'[name="l{line.pk}-points"]')
    score = page.locator(f'[data-score-for="{line.pk}"]')
    before = score.inner_text()

    # a number that may hold a thousands separator: refused, the input marked, the score as it was, nothing saved
    points.fill(grouped)
    expect(leaf.locator(".leaf-error")).to_contain_text(f"«{grouped}»")
    expect(points).to_have_attribute("aria-invalid", "true")
    expect(score).to_have_text(before)
    line.refresh_from_db()
    assert (line.self_value, line.self_score) == (None, None)

    # a decimal: read as typed, the score the server computed
    points.fill(decimal)
    expect(leaf.locator(".save-status")).to_contain_text(saved)
    expect(score).to_have_text(shown)
    expect(leaf.locator(".leaf-error")).to_be_hidden()
    line.refresh_from_db()
    assert line.self_value == {"points": "0.75"}
    assert errors == []


def test_saved_at_is_the_servers_time_of_the_save_in_vietnam_not_the_pcs_clock(
    open_context: Any, points_assessment: Assessment, unit_editor: Any
) -> None:
    line = _points(points_assessment)
    # given a PC in another time zone (Newfoundland: half-hour offset) whose clock is 2 h 37 min fast
    context = open_context(locale="vi-VN", timezone_id="America/St_Johns")
    page = context.new_page()
    page.clock.install(time=datetime.now(UTC) + timedelta(hours=2, minutes=37))
    login(page, "lan")
    page.goto(f"/danh-gia/{points_assessment.pk}/")
    status = page.locator(f"#line-{line.pk} .save-status")
    # when
    page.locator(f'[name="l{line.pk}-points"]').fill("0,5")
    expect(status).to_contain_text("Đã lưu")
    # then the time the server stored for the save, in Vietnam
    line.refresh_from_db()
    server_time = timezone.localtime(line.updated_at, timezone.get_default_timezone()).strftime("%H:%M")
    expect(status).to_have_text(f"Đã lưu {server_time}")
    pc_time = page.evaluate("new Date().toLocaleTimeString('vi-VN', {hour: '2-digit', minute: '2-digit'})")
    assert pc_time != server_time  # what the page said before: the PC's clock
