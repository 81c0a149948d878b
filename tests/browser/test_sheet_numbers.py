"""Numbers typed on the sheet in a real browser: in English and in Vietnamese a number that may hold a thousands
separator is refused at once, nothing saved, and a decimal is read as typed; «Đã lưu HH:MM» is the server's time
of the save, in Vietnam, whatever the PC's clock and time zone say. A count is a text input: «1,5» reaches the
server as typed and is refused (a number box read it as 15); after an edit conflict the leaf's score and the totals
are those stored; on a phone the Excel import's preview rows are cards, nothing wider than the screen."""

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


def test_a_count_typed_with_a_decimal_comma_is_refused_as_typed_and_nothing_is_saved(
    open_context: Any, points_assessment: Assessment, unit_editor: Any
) -> None:
    # given the penalty count of 2.3.1 and the formula counts of 1.2.2 (a number box read «1,5» as 15)
    penalty = points_assessment.lines.get(indicator__code="2.3.1")
    formula = points_assessment.lines.get(indicator__code="1.2.2")
    page = open_context(locale="vi-VN").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "lan")
    page.goto(f"/danh-gia/{points_assessment.pk}/")
    count = page.locator(f'[name="l{penalty.pk}-counts.disciplined"]')
    leaf = page.locator(f"#line-{penalty.pk}")
    score = page.locator(f'[data-score-for="{penalty.pk}"]')
    before = score.inner_text()

    # when «1,5» is typed
    count.press_sequentially("1,5")
    # then it is kept as typed, refused with the import's words, the input marked, the score as it was, nothing saved
    expect(leaf.locator(".leaf-error")).to_have_text("«Số người» phải là số nguyên không âm (0, 1, 2…).")
    expect(count).to_have_value("1,5")
    expect(count).to_have_attribute("aria-invalid", "true")
    expect(score).to_have_text(before)
    penalty.refresh_from_db()
    assert (penalty.self_value, penalty.self_score) == (None, None)

    # a formula's count the same, whichever of its counts it is
    for key, typed in (("a", "4"), ("b", "1,5"), ("c", "1")):
        page.locator(f'[name="l{formula.pk}-counts.{key}"]').press_sequentially(typed)
    expect(page.locator(f"#line-{formula.pk} .leaf-error")).to_have_text(
        "«b: Đã xử lý xong» phải là số nguyên không âm (0, 1, 2…).")
    expect(page.locator(f'[name="l{formula.pk}-counts.b"]')).to_have_attribute("aria-invalid", "true")
    formula.refresh_from_db()
    assert formula.self_value is None

    # a whole count is saved as typed
    count.fill("2")
    expect(leaf.locator(".save-status")).to_contain_text("Đã lưu")
    expect(score).to_have_text("−2,00")  # a penalty: the amount deducted, with its sign
    penalty.refresh_from_db()
    assert penalty.self_value == {"counts": {"disciplined": 2}}
    assert errors == []


def test_an_edit_conflict_shows_the_stored_score_and_totals_at_once(
    open_context: Any, points_assessment: Assessment, unit_editor: Any
) -> None:
    # given one leaf open in two tabs of the same person
    line = _points(points_assessment)
    context = open_context(locale="vi-VN")
    first, second = context.new_page(), context.new_page()
    login(first, "lan")
    for page in (first, second):
        page.goto(f"/danh-gia/{points_assessment.pk}/")
    index = '[data-total="index"]'
    stale_index = second.locator(index).first.inner_text()

    # when the first tab saves 0,5 and the second, still on the old version, types 0,25
    first.locator(f'[name="l{line.pk}-points"]').fill("0,5")
    expect(first.locator(f"#line-{line.pk} .save-status")).to_contain_text("Đã lưu")
    expect(first.locator(index).first).not_to_have_text(stale_index)
    second.locator(f'[name="l{line.pk}-points"]').fill("0,25")

    # then the conflict panel shows both values, and the leaf's score and the totals are those stored
    conflict = second.locator(f"#line-{line.pk} .js-conflict")
    expect(conflict).to_be_visible()
    expect(conflict.locator("[data-stored]")).to_contain_text("0,5")
    expect(second.locator(f'[data-score-for="{line.pk}"]')).to_have_text("0,50")
    for key in ("index", "normal_total", "area:1", "scored"):
        expect(second.locator(f'[data-total="{key}"]').first).to_have_text(
            first.locator(f'[data-total="{key}"]').first.inner_text()
        )
    # what the second tab typed is still there, nothing of it saved until the user chooses
    expect(second.locator(f'[name="l{line.pk}-points"]')).to_have_value("0,25")
    line.refresh_from_db()
    assert line.self_value == {"points": "0.5"}


def test_on_a_phone_the_import_preview_rows_are_cards_and_nothing_is_wider_than_the_screen(
    browser: Any, live_server: Any, points_assessment: Assessment, unit_editor: Any, tmp_path: Any
) -> None:
    import io

    from django.test import Client
    from django.urls import reverse
    from openpyxl import load_workbook

    from scoring.exports import FIRST_DATA_ROW, sheet_columns

    # given the downloaded sheet with a refused count, an empty ratio term and a changed leaf
    client = Client()
    client.force_login(unit_editor)
    workbook = load_workbook(io.BytesIO(client.get(reverse("scoring:sheet_xlsx", args=[points_assessment.pk])).content))
    ws = workbook.active
    keys = [key for key, _header in sheet_columns(3)]
    rows = {ws.cell(row=r, column=keys.index("code") + 1).value: r for r in range(FIRST_DATA_ROW, ws.max_row + 1)}
    for code, key, value in (("2.3.1", "count1", "1,5"), ("1.1.2", "numerator", "45"), ("1.2.3", "points", "0,5")):
        ws.cell(row=rows[code], column=keys.index(key) + 1, value=value)
    path = tmp_path / "phieu.xlsx"
    workbook.save(path)
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        login(page, "lan")
        # when it is uploaded on a phone
        page.goto(f"/danh-gia/{points_assessment.pk}/nhap-excel/")
        page.set_input_files("#id_file", str(path))
        page.locator("form.form button[type=submit]").last.click()
        table = page.locator("table.preview")
        expect(table).to_be_visible()
        # then nothing is wider than the phone: each row is a card, its changes and errors on screen, labelled
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        wider = page.evaluate(
            # the header row is kept for screen readers only (clipped to nothing), each cell says its column instead
            "() => Array.from(document.querySelectorAll('main *')).filter((el) => !el.closest('thead'))"
            ".filter((el) => el.getBoundingClientRect().right > 391)"
            ".map((el) => el.tagName + '.' + el.className)"
        )
        assert wider == []
        refused = table.locator("tbody tr", has_text="2.3.1")
        for label, text in (("Thay đổi", "Điểm"), ("Lỗi", "«Số người» phải là số nguyên không âm (0, 1, 2…).")):
            cell = refused.locator(f'td[data-label="{label}"]')
            cell.scroll_into_view_if_needed()
            expect(cell).to_be_in_viewport(ratio=1)
            expect(cell).to_contain_text(text)
            assert cell.evaluate("(el) => getComputedStyle(el, '::before').content") == f'"{label}"'
        expect(table.locator("tbody tr", has_text="1.1.2").locator('td[data-label="Lỗi"]')).to_have_text(
            "Hãy nhập «Mẫu số».")
    finally:
        context.close()
