"""The whole appraisal path in a real browser: the appraiser reviews, the lead returns a leaf for explanation,
the unit explains (with a new document) and resubmits, the appraiser finalises, the lead signs off, the
ranking appears. Then the review page without JavaScript."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from appraisal.models import LineHistory
from scoring.models import Assessment, IndexResult
from tests.appraisal.conftest import evidence_not_required, self_score, submit
from tests.appraisal.conftest import team as team  # the appraisal team fixture (tam: area 2; hoa: lead)
from tests.browser.conftest import login
from tests.evidence.samples import pdf

pytestmark = pytest.mark.django_db(transaction=True)

# A first decision on an assessment not yet started starts its appraisal: the leaf's status says so after «Đã lưu».
SAVED_AND_STARTED = re.compile(r"^Đã lưu — bản đánh giá chuyển sang «Đang thẩm định»")


@pytest.fixture
def submitted_assessment(assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any) -> Assessment:
    evidence_not_required(assessment)  # the area's bulk accept takes every leaf
    self_score(assessment, unit_editor)
    return submit(assessment, unit_head)


def _ids(assessment: Assessment) -> dict[str, int]:
    return {line.indicator.code: line.pk for line in assessment.lines.select_related("indicator")}


def _errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: dialog.accept())
    return errors


def _open(new_page: Any, username: str, url: str) -> tuple[Any, list[str]]:
    """A new page signed in as `username` on `url`, loaded; the script errors it meets are collected."""
    page = new_page()
    errors = _errors(page)
    login(page, username)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, errors


def test_review_explanation_round_sign_off_and_ranking(
    new_page: Any, submitted_assessment: Assessment, tmp_path: Any
) -> None:
    assessment = submitted_assessment
    ids = _ids(assessment)
    leaf = f"#line-{ids['2.1.1']}"

    # the appraiser (area 2) lands on the queue and opens Sở Y tế
    appraiser = new_page()
    appraiser_errors = _errors(appraiser)
    login(appraiser, "tam")
    assert appraiser.url.endswith("/tham-dinh/")
    # the area's progress: its code, its name for screen readers (visually hidden), the leaves decided
    expect(appraiser.locator("table.queue ul.area-progress li").first).to_have_text(re.compile(r"^2\b.*: 0/4$"))
    appraiser.click("text=Sở Y tế")
    expect(appraiser.locator("h1")).to_contain_text("Sở Y tế")
    # keyboard: J moves to the first leaf
    appraiser.wait_for_load_state("networkidle")  # the page's module script is loaded
    appraiser.keyboard.press("j")
    expect(appraiser.locator("[data-leaf]").first).to_be_focused()
    # a lower score without a reason is refused in place, then saved with a reason
    appraiser.fill(f'{leaf} [name="a{ids["2.1.1"]}-numerator"]', "50")
    appraiser.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(appraiser.locator(f"{leaf} [data-error]")).to_contain_text("hãy nêu lý do")
    appraiser.fill(f"#note-{ids['2.1.1']}", "Chỉ có 50% văn bản điện tử.")
    appraiser.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(appraiser.locator(f"{leaf} [data-save-status]")).to_have_text(SAVED_AND_STARTED)
    expect(appraiser.locator(f"{leaf} [data-appraised]")).to_have_text("0,00")
    expect(appraiser.locator(f"{leaf} [data-status]")).to_have_text("Đã điều chỉnh")
    # the rest of area 2 accepted in one action, in place
    appraiser.click("[data-accept-area]")
    expect(appraiser.locator("[data-area-result]:visible")).to_contain_text("đã chấp nhận 3 tiêu chí")

    # the lead accepts area 1 and returns the adjusted leaf for explanation
    lead = new_page()
    lead_errors = _errors(lead)
    login(lead, "hoa")
    lead.goto(f"/tham-dinh/{assessment.pk}/")
    lead.locator("[data-accept-area]").first.click()
    expect(lead.locator("[data-area-result]:visible")).to_contain_text("đã chấp nhận 5 tiêu chí")
    lead.click("text=Yêu cầu giải trình")
    expect(lead.locator(f'input[name="lines"][value="{ids["2.1.1"]}"]')).to_be_checked()
    lead.fill("#message", "Đề nghị bổ sung báo cáo về văn bản điện tử.")
    lead.click("text=Trả đơn vị giải trình")
    expect(lead.locator("[data-state]")).to_have_text("Đang giải trình")

    # the unit sees the reason, explains, adds a document; the head resubmits
    editor = new_page()
    editor_errors = _errors(editor)
    login(editor, "lan")
    editor.goto(f"/tham-dinh/giai-trinh/{assessment.pk}/")
    expect(editor.locator(leaf)).to_contain_text("Chỉ có 50% văn bản điện tử.")
    expect(editor.locator(".banner")).to_contain_text("Đề nghị bổ sung báo cáo")
    editor.fill(f"#explanation-{ids['2.1.1']}", "Đơn vị bổ sung báo cáo số 15/BC: tỷ lệ thực tế 85%.")
    editor.click(f"{leaf} form[data-explain-line] button[type=submit]")
    expect(editor.locator(f"{leaf} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    document = tmp_path / "bao-cao-15.pdf"
    document.write_bytes(pdf("Bao cao 15"))
    editor.set_input_files(f"#evidence-upload-{ids['2.1.1']}", str(document))
    editor.click(f"#line-{ids['2.1.1']} .evidence-upload-form button[type=submit]")
    expect(editor.locator(leaf)).to_contain_text("bao-cao-15.pdf")

    head = new_page()
    head_errors = _errors(head)
    login(head, "hung")
    head.goto(f"/tham-dinh/giai-trinh/{assessment.pk}/")
    head.click("text=Gửi giải trình")
    expect(head.locator(".messages")).to_contain_text("Đã gửi giải trình")

    # round 2: the appraiser sees the explanation and the new document, and restores the score
    appraiser.goto(f"/tham-dinh/{assessment.pk}/?linh-vuc=2")
    expect(appraiser.locator(leaf)).to_contain_text("tỷ lệ thực tế 85%")
    expect(appraiser.locator(leaf)).to_contain_text("bao-cao-15.pdf")
    appraiser.fill(f'{leaf} [name="a{ids["2.1.1"]}-numerator"]', "85")
    appraiser.fill(f"#note-{ids['2.1.1']}", "Đã đủ tài liệu sau giải trình.")
    appraiser.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(appraiser.locator(f"{leaf} [data-appraised]")).to_have_text("1,70")

    # the lead signs off; the result and the ranking appear
    lead.goto(f"/tham-dinh/{assessment.pk}/")
    lead.click("[data-sign-off]")
    expect(lead.locator(".result-status.ready")).to_contain_text("6,58")
    expect(lead.locator(".result-status.ready")).to_contain_text("Trung bình")
    lead.goto("/tham-dinh/tong-quan/")
    expect(lead.locator('table.ranking[data-group="so-ban-nganh"]')).to_contain_text("Sở Y tế")
    expect(lead.locator('table.ranking[data-group="so-ban-nganh"] tbody tr').first).to_contain_text("1")

    # the unit sees the final score and the reasons
    editor.goto(f"/tham-dinh/giai-trinh/{assessment.pk}/")
    expect(editor.locator(".result-status.ready")).to_contain_text("6,58")
    expect(editor.locator(leaf)).to_contain_text("Đã đủ tài liệu sau giải trình.")

    assert IndexResult.objects.get(assessment=assessment).rank == 1
    stages = list(LineHistory.objects.filter(line_id=ids["2.1.1"]).values_list("stage", "round"))
    assert stages == [("self", 1), ("appraisal", 1), ("explanation", 1), ("appraisal", 2), ("final", 2)]
    assert appraiser_errors == lead_errors == editor_errors == head_errors == []


def test_the_review_page_works_without_javascript(
    browser: Any, live_server: Any, submitted_assessment: Assessment
) -> None:
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, "tam")
        ids = _ids(submitted_assessment)
        page.goto(f"/tham-dinh/{submitted_assessment.pk}/#line-{ids['2.1.2']}")
        leaf = f"#line-{ids['2.1.2']}"
        page.fill(f'{leaf} [name="a{ids["2.1.2"]}-counts.late"]', "6")
        page.click(f"{leaf} form[data-appraise] button[type=submit]")
        expect(page.locator(f"{leaf} [data-error]")).to_contain_text("hãy nêu lý do")
        page.fill(f"#note-{ids['2.1.2']}", "Trễ 6 báo cáo.")
        page.click(f"{leaf} form[data-appraise] button[type=submit]")
        expect(page.locator(".messages")).to_contain_text("Đã lưu điểm thẩm định tiêu chí 2.1.2")
        expect(page.locator(f"{leaf} [data-appraised]")).to_have_text("0,00")
    finally:
        context.close()


def test_the_lead_overrules_a_not_applicable_leaf_in_place(
    new_page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    """A «không phát sinh» leaf: the overrule form opens from its summary, refuses a score without a reason in
    place, then saves it; the leaf shows the team's score and counts as adjusted."""
    from scoring.services import score_line_save_self

    self_score(assessment, unit_editor)
    line = assessment.lines.get(indicator__code="1.2.2")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None,
                         not_applicable=True, not_applicable_reason="Không có cuộc kiểm tra nào.")
    submit(assessment, unit_head)
    leaf = f"#line-{line.pk}"

    lead, errors = _open(new_page, "hoa", f"/tham-dinh/{assessment.pk}/")
    expect(lead.locator(f"{leaf} [data-self-score]")).to_have_text("KPS (tính 1,50 điểm)")
    expect(lead.locator(f"{leaf} [data-status]")).to_have_text("Chờ thẩm định")
    lead.click(f"{leaf} details.na-overrule summary")
    for name, value in (("a", "4"), ("b", "2"), ("c", "0")):
        lead.fill(f'{leaf} [name="a{line.pk}-counts.{name}"]', value)
    lead.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(lead.locator(f"{leaf} [data-error]")).to_contain_text("hãy nêu lý do")
    lead.fill(f"#note-{line.pk}", "Biên bản kiểm tra số 12 cho thấy có phát sinh.")
    lead.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(lead.locator(f"{leaf} [data-save-status]")).to_have_text(SAVED_AND_STARTED)
    expect(lead.locator(f"{leaf} [data-appraised]")).to_have_text("0,75")
    expect(lead.locator(f"{leaf} [data-status]")).to_have_text("Đã điều chỉnh")
    lead.reload()
    expect(lead.locator(f"{leaf} [data-na-overruled]")).to_be_visible()
    assert errors == []


def _area_ids(assessment: Assessment) -> dict[str, int]:
    from scoring.models import Indicator

    return dict(Indicator.objects.filter(indicator_set=assessment.indicator_set, parent=None)
                .values_list("code", "pk"))


def _summary(page: Any) -> list[str]:
    """The review page's summary as shown: state, each area's progress and appraised total, the totals."""
    return page.locator(
        "[data-state], [data-area-progress], [data-area-done], [data-area-appraised], [data-appraised-bonus], "
        "[data-appraised-penalty], [data-appraised-index], [data-total-progress]"
    ).all_text_contents()


def test_the_review_page_updates_its_summary_and_the_not_applicable_tag_in_place(
    new_page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any
) -> None:
    """After each per-leaf save the state, the progress and the appraised totals change without a reload, and
    so does the «không phát sinh» overrule tag: shown once overruled, gone (with its reason) once withdrawn."""
    from scoring.services import score_line_save_self

    self_score(assessment, unit_editor)
    na_line = assessment.lines.get(indicator__code="1.2.2")
    score_line_save_self(line=na_line, actor=unit_editor, base_version=na_line.version, value=None,
                         not_applicable=True, not_applicable_reason="Không có cuộc kiểm tra nào.")
    submit(assessment, unit_head)
    ids, areas = _ids(assessment), _area_ids(assessment)
    lead, errors = _open(new_page, "hoa", f"/tham-dinh/{assessment.pk}/")
    expect(lead.locator("[data-state]")).to_have_text("Đã gửi")
    # the «không phát sinh» leaf waits for the team: not counted, no points yet
    expect(lead.locator(f'[data-area-progress="{areas["1"]}"]')).to_have_text("0/5")
    expect(lead.locator(f"#line-{ids['1.2.2']} [data-status]")).to_have_text("Chờ thẩm định")

    # accepting one leaf starts the appraisal and counts it
    leaf = f"#line-{ids['1.1.2']}"
    lead.click(f"{leaf} form[data-accept] button")
    expect(lead.locator(f"{leaf} [data-save-status]")).to_have_text(SAVED_AND_STARTED)
    expect(lead.locator("[data-state]")).to_have_text("Đang thẩm định")
    expect(lead.locator(f'[data-area-progress="{areas["1"]}"]')).to_have_text("1/5")
    expect(lead.locator(f'[data-area-done="{areas["1"]}"]')).to_have_text("1/5")
    expect(lead.locator("[data-total-progress]")).to_have_text("1/9")
    expect(lead.locator(f'[data-area-appraised="{areas["1"]}"]')).to_have_text("1,00")  # the «không phát sinh» waits
    expect(lead.locator("[data-appraised-index]")).to_have_text("1,00 (tạm tính)")
    expect(lead.locator("form[data-start]")).to_have_count(0)
    shown = _summary(lead)
    lead.reload()
    assert _summary(lead) == shown

    # an overrule saved in place shows its tag; withdrawing it hides the tag and clears its score and reason
    leaf = f"#line-{ids['1.2.2']}"
    lead.wait_for_load_state("networkidle")
    expect(lead.locator(f"{leaf} [data-na-overruled]")).to_be_hidden()
    lead.click(f"{leaf} details.na-overrule summary")
    for name, value in (("a", "4"), ("b", "2"), ("c", "0")):
        lead.fill(f'{leaf} [name="a{ids["1.2.2"]}-counts.{name}"]', value)
    lead.fill(f"#note-{ids['1.2.2']}", "Biên bản kiểm tra số 12 cho thấy có phát sinh.")
    lead.click(f"{leaf} form[data-appraise] button[type=submit]")
    expect(lead.locator(f"{leaf} [data-na-overruled]")).to_be_visible()
    expect(lead.locator(f'{leaf} [data-na-state="declared"]')).to_be_hidden()
    expect(lead.locator(f'[data-area-appraised="{areas["1"]}"]')).to_have_text("1,75")
    lead.click(f"{leaf} form[data-accept] button")
    expect(lead.locator(f"{leaf} [data-na-overruled]")).to_be_hidden()
    # the declaration is accepted, not waiting again: no prompt to decide
    expect(lead.locator(f'{leaf} [data-na-state="declared"]')).to_be_hidden()
    expect(lead.locator(f'{leaf} [data-na-state="accepted"]')).to_be_visible()
    expect(lead.locator(f"#note-{ids['1.2.2']}")).to_have_value("")
    # withdrawing the overrule accepts the declaration: decided, credited its maximum as the unit side shows it
    expect(lead.locator(f"{leaf} [data-appraised]")).to_have_text("KPS (tính 1,50 điểm)")
    expect(lead.locator(f"{leaf} [data-status]")).to_have_text("Đã thẩm định")
    expect(lead.locator(f'[data-area-appraised="{areas["1"]}"]')).to_have_text("2,50")  # 1 + 1,5
    shown = _summary(lead)
    lead.reload()
    assert _summary(lead) == shown
    assert errors == []


def test_ctrl_enter_saves_an_assigned_leaf_and_does_nothing_on_a_read_only_one(
    new_page: Any, submitted_assessment: Assessment
) -> None:
    ids = _ids(submitted_assessment)
    appraiser = new_page()
    errors = _errors(appraiser)
    posts: list[str] = []
    appraiser.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    login(appraiser, "tam")  # area 2 only
    posts.clear()
    # every area shown (opened bare, the page shows only the appraiser's own): a leaf of another area is read-only
    appraiser.goto(f"/tham-dinh/{submitted_assessment.pk}/?linh-vuc=tat-ca")
    appraiser.wait_for_load_state("networkidle")

    read_only = f"#line-{ids['1.1.2']}"
    appraiser.locator(read_only).focus()
    appraiser.keyboard.press("Control+Enter")
    appraiser.wait_for_timeout(500)
    assert posts == []
    expect(appraiser.locator(read_only)).not_to_have_class("has-error")
    expect(appraiser.locator(f"{read_only} [data-error]")).to_be_hidden()

    mine = f"#line-{ids['2.1.1']}"  # the same score as the self-score: no reason needed
    appraiser.locator(mine).focus()
    appraiser.keyboard.press("Control+Enter")
    expect(appraiser.locator(f"{mine} [data-save-status]")).to_have_text(SAVED_AND_STARTED)
    assert len(posts) == 1
    assert errors == []


def test_the_unit_sees_why_an_explanation_was_not_saved_and_settles_a_conflict(
    new_page: Any, submitted_assessment: Assessment, lead: Any, unit_head: Any
) -> None:
    """Only spaces: the server's message under the field. Saved by someone else meanwhile: the stored
    explanation, with «keep mine» and «take the stored one»."""
    from appraisal.services import explanation_request, line_explain
    from tests.appraisal.conftest import later

    assessment = submitted_assessment
    line = assessment.lines.get(indicator__code="2.1.1")
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=[line.pk])
    leaf, field = f"#line-{line.pk}", f"#explanation-{line.pk}"
    editor, errors = _open(new_page, "lan", f"/tham-dinh/giai-trinh/{assessment.pk}/")

    editor.fill(field, "   ")
    editor.click(f"{leaf} form[data-explain-line] button[type=submit]")
    expect(editor.locator(f"{leaf} [data-error]")).to_have_text("Hãy nhập nội dung giải trình.")
    expect(editor.locator(field)).to_have_attribute("aria-invalid", "true")

    # the head saves meanwhile: taking the stored explanation puts it in the field, and the next save goes through
    line.refresh_from_db()
    line_explain(line=line, actor=unit_head, base_version=line.version, explanation="Bản của Thủ trưởng.")
    editor.fill(field, "Bản của chuyên viên.")
    editor.click(f"{leaf} form[data-explain-line] button[type=submit]")
    box = editor.locator(f"{leaf} .js-conflict")
    expect(box).to_be_visible()
    expect(box).to_contain_text(
        "Giải trình của tiêu chí này vừa được lưu ở nơi khác (người khác hoặc một thẻ khác của anh/chị)."
    )
    expect(box.locator("[data-stored]")).to_have_text("Giá trị đang lưu: Bản của Thủ trưởng.")
    expect(editor.locator(f"{leaf} [data-error]")).to_be_hidden()
    box.locator("text=Lấy giá trị đang lưu").click()
    expect(editor.locator(field)).to_have_value("Bản của Thủ trưởng.")
    expect(box).to_be_hidden()

    # again, and this time the editor keeps theirs
    line.refresh_from_db()
    line_explain(line=line, actor=unit_head, base_version=line.version, explanation="Bản thứ hai của Thủ trưởng.")
    editor.fill(field, "Bản cuối của chuyên viên.")
    editor.click(f"{leaf} form[data-explain-line] button[type=submit]")
    expect(box).to_be_visible()
    box.locator("text=Giữ giá trị của tôi").click()
    expect(editor.locator(f"{leaf} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu \d\d:\d\d$"))
    line.refresh_from_db()
    assert line.explanation == "Bản cuối của chuyên viên."
    assert errors == []


def test_the_appraisal_pages_fit_a_phone_screen(
    browser: Any, live_server: Any, submitted_assessment: Assessment, admin_user: Any
) -> None:
    """At 390 px no appraisal page scrolls sideways: selects shrink, wide tables scroll in their own box."""
    from scoring.models import Indicator

    # the real sets' long names: an area and a group name as long as theirs
    Indicator.objects.filter(indicator_set=submitted_assessment.indicator_set, parent=None, code="1").update(
        name="Công tác chỉ đạo, điều hành cải cách hành chính, kiểm tra, tuyên truyền và khắc phục các hạn chế")
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        login(page, "hoa")
        for url in (f"/tham-dinh/{submitted_assessment.pk}/", "/tham-dinh/", "/tham-dinh/tong-quan/"):
            page.goto(url)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, (url, width)
    finally:
        context.close()


def _sign_in_in_new_tab(page: Any, link: Any, username: str, landing: str) -> None:
    """Follow the «sign in again» link (a new tab) and sign in: the tab lands on the page, not on a 405."""
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    tab.fill("#id_username", username)
    tab.fill("#id_password", "x-Secret-2020!")
    tab.click("form.form button[type=submit]")
    tab.wait_for_url(f"**{landing}")
    tab.close()


def test_an_expired_session_on_the_explanation_page_keeps_the_text_and_saves_after_signing_in_again(
    new_page: Any, submitted_assessment: Assessment, lead: Any
) -> None:
    from django.contrib.sessions.models import Session

    from appraisal.services import explanation_request
    from scoring.models import ScoreLine
    from tests.appraisal.conftest import later

    assessment = submitted_assessment
    line = assessment.lines.get(indicator__code="2.1.1")
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=[line.pk])
    url = f"/tham-dinh/giai-trinh/{assessment.pk}/"
    leaf, field = f"#line-{line.pk}", f"#explanation-{line.pk}"
    editor, errors = _open(new_page, "lan", url)

    # given the session ended on the server while the page stayed open
    Session.objects.all().delete()

    # when the editor saves an explanation
    editor.fill(field, "Dòng 1\nDòng 2")
    editor.click(f"{leaf} form[data-explain-line] button[type=submit]")

    # then the page keeps the text, says the session ended and offers to sign in (new tab) and to save again
    box = editor.locator(f"{leaf} [data-error]")
    expect(box).to_contain_text("Phiên đăng nhập đã hết hạn")
    expect(editor.locator(f"{leaf} [data-save-status]")).to_contain_text("Chưa lưu")
    assert editor.url.endswith(url)
    expect(editor.locator(field)).to_have_value("Dòng 1\nDòng 2")
    link = box.locator("a.sign-in-again")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href") == f"/dang-nhap/?next=%2Ftham-dinh%2Fgiai-trinh%2F{assessment.pk}%2F"
    _sign_in_in_new_tab(editor, link, "lan", url)

    # back on the page, «Lưu lại» saves (with the CSRF token the new sign-in set); the page may be saving it already
    # (its autosave, the focus back): the button then waits, disabled, and is not needed
    # (once that save, if any, has answered: «Lưu lại» sent beside it would be a second save of the same text)
    editor.wait_for_load_state("networkidle")
    if not (editor.locator(f"{leaf} [data-save-status]").text_content() or "").startswith("Đã lưu"):
        editor.evaluate("sel => document.querySelector(sel)?.click()", f"{leaf} [data-error] .retry-save")
    # saved: with its time, or without when a second save found the text already stored
    expect(editor.locator(f"{leaf} [data-save-status]")).to_have_text(re.compile(r"^Đã lưu( \d\d:\d\d)?$"))
    expect(box).to_be_hidden()
    assert ScoreLine.objects.get(pk=line.pk).explanation == "Dòng 1\nDòng 2"
    assert errors == []


def test_an_expired_session_on_the_review_page_keeps_the_input_and_saves_after_signing_in_again(
    new_page: Any, submitted_assessment: Assessment
) -> None:
    from django.contrib.sessions.models import Session

    from scoring.models import ScoreLine

    assessment = submitted_assessment
    ids = _ids(assessment)
    url = f"/tham-dinh/{assessment.pk}/"
    leaf, other = f"#line-{ids['2.1.1']}", f"#line-{ids['2.1.2']}"
    appraiser, errors = _open(new_page, "tam", url)
    Session.objects.all().delete()

    # an appraisal score with its reason: kept, with the session-ended message
    appraiser.fill(f'{leaf} [name="a{ids["2.1.1"]}-numerator"]', "50")
    appraiser.fill(f"#note-{ids['2.1.1']}", "Chỉ có 50% văn bản điện tử.")
    appraiser.click(f"{leaf} form[data-appraise] button[type=submit]")
    box = appraiser.locator(f"{leaf} form[data-appraise] [data-error]")
    expect(box).to_contain_text("Phiên đăng nhập đã hết hạn")
    expect(appraiser.locator(f"{leaf} [data-save-status]")).to_contain_text("Chưa lưu")
    expect(appraiser.locator(f'{leaf} [name="a{ids["2.1.1"]}-numerator"]')).to_have_value("50")
    expect(appraiser.locator(f"#note-{ids['2.1.1']}")).to_have_value("Chỉ có 50% văn bản điện tử.")
    # an acceptance says the same
    appraiser.click(f"{other} form[data-accept] button")
    expect(appraiser.locator(f"{other} form[data-accept] [data-error]")).to_contain_text("Phiên đăng nhập đã hết hạn")
    assert appraiser.url.endswith(url)

    link = box.locator("a.sign-in-again")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href") == f"/dang-nhap/?next=%2Ftham-dinh%2F{assessment.pk}%2F"
    _sign_in_in_new_tab(appraiser, link, "tam", url)

    box.locator(".retry-save").click()
    expect(appraiser.locator(f"{leaf} [data-save-status]")).to_have_text(SAVED_AND_STARTED)
    expect(appraiser.locator(f"{leaf} [data-appraised]")).to_have_text("0,00")
    expect(box).to_be_hidden()
    appraiser.locator(f"{other} form[data-accept] .retry-save").click()
    expect(appraiser.locator(f"{other} [data-status]")).to_have_text("Đã thẩm định")
    saved = ScoreLine.objects.get(pk=ids["2.1.1"])
    assert saved.appraised_note == "Chỉ có 50% văn bản điện tử." and saved.appraised_score == 0
    assert ScoreLine.objects.get(pk=ids["2.1.2"]).appraised_score is not None
    assert errors == []


def test_on_a_phone_long_unbroken_text_stays_inside_the_leaf_and_line_breaks_are_kept(
    browser: Any, live_server: Any, assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any, lead: Any,
    settings: Any, tmp_path: Any,
) -> None:
    """A unit note with a long URL, an explanation without spaces, a file name without spaces: at 390 px neither
    the review page nor the explanation page scrolls sideways; notes typed on several lines show on several."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from appraisal.services import explanation_request
    from evidence.services import evidence_link, evidence_upload
    from scoring.services import score_line_save_self
    from tests.appraisal.conftest import later

    settings.MEDIA_ROOT = tmp_path / "media"
    self_score(assessment, unit_editor)
    line = assessment.lines.get(indicator__code="1.2.3")
    url = "https://tiengiang.gov.vn/" + "van-ban-chi-dao-dieu-hanh-cai-cach-hanh-chinh" * 8
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=line.self_value,
                         note=f"Dòng 1\nDòng 2 {url}", explanation="x" * 400)
    name = "Bao_cao_ket_qua_thuc_hien_cong_tac_cai_cach_hanh_chinh_nam_2020_cua_So_Y_te_tinh_Tien_Giang_ban_chinh.pdf"
    stored = evidence_upload(unit=assessment.unit, cycle=assessment.cycle,
                             uploaded_file=SimpleUploadedFile(name, pdf(), "application/pdf"), actor=unit_editor)
    line.refresh_from_db()
    evidence_link(evidence_file=stored, line=line, actor=unit_editor)
    submit(assessment, unit_head)
    flagged = assessment.lines.get(indicator__code="2.1.1")
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=[flagged.pk],
                        message="Đề nghị:\n- bổ sung báo cáo")
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        login(page, "hoa")
        page.goto(f"/tham-dinh/{assessment.pk}/")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert page.locator(f"#line-{line.pk} .unit-side .user-text").first.inner_text().startswith("Dòng 1\nDòng 2")

        login(page, "lan")
        page.goto(f"/tham-dinh/giai-trinh/{assessment.pk}/?tat-ca=1")
        expect(page.locator(f"#line-{line.pk} .review-files")).to_contain_text(name[:40])
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        assert page.locator(".banner .user-text").inner_text() == "Đề nghị:\n- bổ sung báo cáo"
    finally:
        context.close()


def test_the_first_accept_shows_the_lead_the_sign_off_and_its_hint_without_a_reload(
    new_page: Any, submitted_assessment: Assessment
) -> None:
    ids = _ids(submitted_assessment)
    lead, errors = _open(new_page, "hoa", f"/tham-dinh/{submitted_assessment.pk}/")
    expect(lead.locator("[data-sign-off]")).to_be_hidden()
    expect(lead.locator("[data-signoff-hint]")).to_be_hidden()

    leaf = f"#line-{ids['1.1.2']}"
    lead.click(f"{leaf} form[data-accept] button")
    expect(lead.locator("[data-state]")).to_have_text("Đang thẩm định")
    expect(lead.locator("[data-sign-off]")).to_be_visible()
    expect(lead.locator("[data-signoff-hint]")).to_be_visible()
    expect(lead.locator("[data-signoff-count]")).to_have_text("Đã thẩm định 1/9 tiêu chí: chỉ thông qua được khi đủ.")
    expect(lead.locator("[data-first-pending]")).to_have_attribute("href", f"#line-{ids['1.1.1']}")
    assert lead.locator("[data-sign-off]").get_attribute("aria-describedby") == "signoff-hint"
    lead.click(f"#line-{ids['1.1.1']} form[data-accept] button")
    expect(lead.locator("[data-signoff-hint]")).to_contain_text("2/9")
    shown = lead.locator("[data-signoff-hint]").text_content()
    lead.reload()
    assert lead.locator("[data-signoff-hint]").text_content() == shown
    assert errors == []
