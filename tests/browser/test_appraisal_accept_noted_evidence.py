"""The area's second bulk accept («Chấp nhận cả N tiêu chí thiếu tài liệu có ghi chú…») asks first, naming how many
leaves and that the team takes the unit's word for its paper evidence: refused, nothing is sent nor changed;
accepted, the noted leaf is accepted and the leaf without any text is not."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, Indicator, ScoreLine
from tests.appraisal.conftest import line_of, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paper(assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any) -> Assessment:
    """Sở Y tế sent no file for 2.1.2 and 2.2.1, both needing evidence; its note on 2.1.2 says it is on paper."""
    leaves = Indicator.objects.filter(indicator_set=assessment.indicator_set, is_leaf=True)
    leaves.update(evidence_required=False)
    leaves.filter(code__in=("2.1.2", "2.2.1")).update(evidence_required=True)
    self_score(assessment, unit_editor)
    ScoreLine.objects.filter(pk=line_of(assessment, "2.1.2").pk).update(
        self_note="Tài liệu kiểm chứng lưu tại Văn phòng Sở, đã gửi bản giấy.")
    return submit(assessment, unit_head)


def _open(new_page: Any, assessment: Assessment, answer: bool) -> tuple[Any, list[str], list[str]]:
    page = new_page()
    login(page, "tam")
    dialogs: list[str] = []
    posts: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        if answer:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(f"/tham-dinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    return page, dialogs, posts


def test_refusing_the_confirmation_sends_and_changes_nothing(new_page: Any, paper: Assessment) -> None:
    page, dialogs, posts = _open(new_page, paper, answer=False)
    page.get_by_role("button", name="Chấp nhận cả 1 tiêu chí thiếu tài liệu").click()
    page.wait_for_timeout(300)
    assert len(dialogs) == 1
    assert "1 tiêu chí «Cần tài liệu kiểm chứng»" in dialogs[0]
    assert "tin theo lời đơn vị về tài liệu kiểm chứng bản giấy" in dialogs[0]
    assert posts == []
    assert not ScoreLine.objects.filter(assessment=paper, appraised_score__isnull=False).exists()


def test_confirming_accepts_the_noted_leaf_and_not_the_one_without_text(new_page: Any, paper: Assessment) -> None:
    page, dialogs, _posts = _open(new_page, paper, answer=True)
    page.get_by_role("button", name="Chấp nhận cả 1 tiêu chí thiếu tài liệu").click()
    expect(page.get_by_text("theo ghi chú, giải trình của đơn vị").first).to_be_visible()
    assert len(dialogs) == 1
    assert line_of(paper, "2.1.2").appraised_score is not None
    assert line_of(paper, "2.2.1").appraised_score is None


def _watch(new_page: Any, assessment: Assessment) -> tuple[Any, list[tuple[str, str]], list[str]]:
    """The review page signed in as tam, with the dialogs it raised (kind, text), accepted but for a «leave the
    page?», and the POSTs it sent after loading."""
    page = new_page()
    login(page, "tam")
    dialogs: list[tuple[str, str]] = []
    posts: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append((dialog.type, dialog.message))
        if dialog.type == "beforeunload":
            dialog.dismiss()
        else:
            dialog.accept()

    page.on("dialog", on_dialog)
    page.goto(f"/tham-dinh/{assessment.pk}/")
    page.wait_for_load_state("networkidle")
    page.on("request", lambda r: posts.append(r.url.split("/tham-dinh/")[-1]) if r.method == "POST" else None)
    return page, dialogs, posts


def test_the_noted_accept_saves_an_unsaved_adjustment_first_and_answers_in_place(
    new_page: Any, paper: Assessment
) -> None:
    adjusted = line_of(paper, "2.1.1")
    area = paper.indicator_set.indicators.get(code="2", parent__isnull=True)
    page, dialogs, posts = _watch(new_page, paper)
    page.evaluate("window.notReloaded = true")
    page.fill(f'#line-{adjusted.pk} [name="a{adjusted.pk}-numerator"]', "90")
    page.fill(f"#note-{adjusted.pk}", "Sổ theo dõi cho thấy 90%.")
    page.get_by_role("button", name="Chấp nhận cả 1 tiêu chí thiếu tài liệu").click()
    result = page.locator(f"#area-{area.pk} [data-area-result]")
    expect(result).to_contain_text("theo ghi chú, giải trình của đơn vị")
    # one confirmation, naming how many, the adjustment saved first and the leaf without any text left out
    assert [kind for kind, _text in dialogs] == ["confirm"]
    confirm = dialogs[0][1]
    assert "1 tiêu chí «Cần tài liệu kiểm chứng»" in confirm
    assert "2.1.1" in confirm and "lưu trước" in confirm
    assert "không có ghi chú, giải trình nào (hãy quyết định từng tiêu chí): 2.2.1" in confirm
    assert posts == [f"{paper.pk}/dong/{adjusted.pk}/", f"{paper.pk}/linh-vuc/{area.pk}/chap-nhan/"]
    assert page.evaluate("window.notReloaded") is True
    saved = line_of(paper, "2.1.1")
    assert saved.appraised_score == Decimal("1.80") and saved.appraised_note == "Sổ theo dõi cho thấy 90%."
    assert line_of(paper, "2.1.2").appraised_score is not None
    assert line_of(paper, "2.2.1").appraised_score is None
    expect(page.locator(f"#line-{line_of(paper, '2.1.2').pk} [data-status]")).to_have_text("Đã thẩm định")
    # nothing left for either button: both gone
    expect(page.locator(f"#area-{area.pk} form[data-accept-area-noted]")).to_be_hidden()
    expect(page.locator(f"#area-{area.pk} form[data-accept-area-form]")).to_be_hidden()


def test_the_noted_count_follows_the_leaves_decided_one_by_one(new_page: Any, paper: Assessment) -> None:
    ScoreLine.objects.filter(pk=line_of(paper, "2.2.1").pk).update(self_note="Bản giấy lưu tại Phòng Nghiệp vụ.")
    first, second = line_of(paper, "2.1.2"), line_of(paper, "2.2.1")
    area = paper.indicator_set.indicators.get(code="2", parent__isnull=True)
    page, dialogs, _posts = _watch(new_page, paper)
    form = page.locator(f"#area-{area.pk} form[data-accept-area-noted]")
    expect(form.locator("[data-accept-area-noted-button]")).to_contain_text("Chấp nhận cả 2 tiêu chí")
    # the leaf decided on its own: one left, named
    page.click(f"#line-{second.pk} form[data-accept] button")
    expect(page.locator(f"#line-{second.pk} [data-status]")).to_have_text("Đã thẩm định")
    expect(form.locator("[data-accept-area-noted-button]")).to_contain_text("Chấp nhận cả 1 tiêu chí")
    expect(form.locator("[data-evidence-noted-codes]")).to_have_text("2.1.2")
    assert "1 tiêu chí «Cần tài liệu kiểm chứng»" in (form.get_attribute("data-confirm") or "")
    # the last one decided on its own: the button goes
    page.click(f"#line-{first.pk} form[data-accept] button")
    expect(page.locator(f"#line-{first.pk} [data-status]")).to_have_text("Đã thẩm định")
    expect(form).to_be_hidden()
    assert [kind for kind, _text in dialogs if kind == "beforeunload"] == []
