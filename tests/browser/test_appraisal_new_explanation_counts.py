"""The review page's «giải trình mới» counts follow what is done on the page without a reload: an acceptance of a
leaf whose explanation was new, a leaf's «Đã xem giải trình», an area's «Đã xem N giải trình mới»; the whole
assessment's note and mark, and each area's, show the server's new counts and go when nothing is left to mark. On a
page filtered to one area the assessment's count still counts the other areas' leaves (which the page does not
show)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from appraisal.services import explanation_request, explanation_resubmit, line_explain
from scoring.models import Assessment
from tests.appraisal.conftest import appraise_all, later, line_of, refresh, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
EXPLAINED = ("1.2.3", "2.1.1", "2.1.2")  # area 1: 1.2.3; area 2: 2.1.1, 2.1.2
NOTE = "form[data-explanations-seen] [data-new-explanations-note]"
MARK_ALL = "form[data-explanations-seen] button[type=submit]"


def _round_two(assessment: Assessment, lead: Any, editor: Any, head: Any) -> Assessment:
    self_score(assessment, editor)
    submit(assessment, head)
    appraise_all(assessment, lead)
    explanation_request(assessment=assessment, actor=lead, deadline=later(),
                        line_ids=[line_of(assessment, code).pk for code in EXPLAINED])
    for code in EXPLAINED:
        line = line_of(assessment, code)
        line_explain(line=line, actor=editor, base_version=line.version, explanation=f"Giải trình {code}.")
    return explanation_resubmit(assessment=refresh(assessment), actor=head)


def _open(page: Any, assessment: Assessment, query: str = "") -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "hoa")
    page.goto(f"/tham-dinh/{assessment.pk}/{query}")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.notReloaded = true")  # gone if the page reloads
    return errors


def _area_mark(assessment: Assessment, code: str) -> str:
    area = assessment.indicator_set.indicators.get(code=code, parent__isnull=True)
    return f'form[data-explanations-seen-area="{area.pk}"] button[type=submit]'


def test_the_counts_follow_an_acceptance_and_the_marks_made_in_place(
    page: Any, assessment: Assessment, lead: Any, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    round_two = _round_two(assessment, lead, unit_editor, unit_head)
    errors = _open(page, round_two)
    expect(page.locator(NOTE)).to_have_text("3 tiêu chí có giải trình mới chưa xem (đánh dấu «Giải trình mới»).")
    expect(page.locator(_area_mark(round_two, "2"))).to_have_text("Đã xem 2 giải trình mới của lĩnh vực này")

    # the self-score of 2.1.1 accepted again, in place: it is no longer new
    leaf = f"#line-{line_of(round_two, '2.1.1').pk}"
    page.click(f"{leaf} form[data-accept] button[type=submit]")
    expect(page.locator(f"{leaf} [data-new-explanation]")).to_have_count(0)
    expect(page.locator(NOTE)).to_have_text("2 tiêu chí có giải trình mới chưa xem (đánh dấu «Giải trình mới»).")
    expect(page.locator(MARK_ALL)).to_have_text("Đánh dấu đã xem 2 giải trình mới")
    expect(page.locator(_area_mark(round_two, "2"))).to_have_text("Đã xem 1 giải trình mới của lĩnh vực này")

    # 2.1.2's «Đã xem giải trình», in place: area 2 has nothing left to mark
    leaf = f"#line-{line_of(round_two, '2.1.2').pk}"
    page.click(f"{leaf} form[data-explanation-seen] button[type=submit]")
    expect(page.locator(f"{leaf} [data-new-explanation]")).to_have_count(0)
    expect(page.locator(f"{leaf} form[data-explanation-seen]")).to_have_count(0)
    expect(page.locator(_area_mark(round_two, "2"))).to_have_count(0)
    expect(page.locator(NOTE)).to_have_text("1 tiêu chí có giải trình mới chưa xem (đánh dấu «Giải trình mới»).")

    # area 1's mark: nothing is new any more, the assessment's note and mark go too
    page.click(_area_mark(round_two, "1"))
    expect(page.locator("form[data-explanations-seen]")).to_have_count(0)
    expect(page.locator(_area_mark(round_two, "1"))).to_have_count(0)
    expect(page.locator("[data-new-explanation]")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    assert errors == []


def test_on_a_page_filtered_to_one_area_the_assessments_count_keeps_the_other_areas(
    page: Any, assessment: Assessment, lead: Any, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    round_two = _round_two(assessment, lead, unit_editor, unit_head)
    errors = _open(page, round_two, "?linh-vuc=2")
    leaf = f"#line-{line_of(round_two, '2.1.1').pk}"
    page.click(f"{leaf} form[data-explanation-seen] button[type=submit]")
    expect(page.locator(f"{leaf} [data-new-explanation]")).to_have_count(0)
    # 2.1.2 here, and 1.2.3 of area 1, which this page does not show
    expect(page.locator(NOTE)).to_have_text("2 tiêu chí có giải trình mới chưa xem (đánh dấu «Giải trình mới»).")
    expect(page.locator(_area_mark(round_two, "2"))).to_have_text("Đã xem 1 giải trình mới của lĩnh vực này")
    page.click(MARK_ALL)
    expect(page.locator("form[data-explanations-seen]")).to_have_count(0)
    expect(page.locator("[data-new-explanation]")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    assert errors == []
