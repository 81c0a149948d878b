"""The whole self-assessment path in a real browser: fill every method, evidence, totals, a validation error,
the pre-submit check, the head's submission; two people on the same leaf; the page without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.models import Assessment, ScoreLine
from tests.browser.conftest import login
from tests.evidence.samples import pdf

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_assessment(assessment: Assessment) -> Assessment:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def _ids(assessment: Assessment) -> dict[str, int]:
    return {line.indicator.code: line.pk for line in assessment.lines.select_related("indicator")}


def _saved(page: Any, line_id: int) -> None:
    expect(page.locator(f"#line-{line_id} .save-status")).to_contain_text("Đã lưu")


def _score(page: Any, line_id: int) -> Any:
    return expect(page.locator(f'[data-score-for="{line_id}"]'))


def _field(page: Any, line_id: int, name: str) -> Any:
    return page.locator(f'#line-{line_id} [name="l{line_id}-{name}"]')


def test_an_editor_fills_every_method_with_evidence_and_the_head_submits(
    new_page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    ids = _ids(open_assessment)
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "lan")
    assert page.url.endswith(f"/danh-gia/{open_assessment.pk}/")  # the editor lands on the unit's assessment
    expect(page.locator('[data-total="index"]')).to_have_text("0,00 (tạm tính)")  # provisional until all are scored

    # levels, yes/no
    page.check(f'#line-{ids["1.1.1"]} input[value="on_time"]')
    _saved(page, ids["1.1.1"])
    _score(page, ids["1.1.1"]).to_have_text("1,00")
    page.check(f'#line-{ids["1.2.1"]} input[value="yes"]')
    _saved(page, ids["1.2.1"])
    _score(page, ids["1.2.1"]).to_have_text("1,00")

    # ratio bands: a validation error first, then fixed
    _field(page, ids["1.1.2"], "numerator").fill("60")
    _field(page, ids["1.1.2"], "denominator").fill("50")
    error = page.locator(f'#line-{ids["1.1.2"]} .leaf-error')
    expect(error).to_have_text(
        "Tử số không được lớn hơn mẫu số. Nếu mẫu số là chỉ tiêu, kế hoạch và kết quả đã vượt chỉ tiêu, hãy ghi tử số "
        "bằng mẫu số.")
    expect(_field(page, ids["1.1.2"], "numerator")).to_have_attribute("aria-invalid", "true")
    _field(page, ids["1.1.2"], "numerator").fill("45")
    _saved(page, ids["1.1.2"])
    expect(error).to_be_hidden()
    _score(page, ids["1.1.2"]).to_have_text("1,00")

    # formula counts, manual points with a decimal comma, proportional, per-occurrence (normal, bonus, penalty)
    for key, value in (("a", "4"), ("b", "2"), ("c", "1")):
        _field(page, ids["1.2.2"], f"counts.{key}").fill(value)
    _saved(page, ids["1.2.2"])
    _score(page, ids["1.2.2"]).to_have_text("0,88")
    _field(page, ids["1.2.3"], "points").fill("0,5")
    _saved(page, ids["1.2.3"])
    _score(page, ids["1.2.3"]).to_have_text("0,50")
    _field(page, ids["2.1.1"], "numerator").fill("85")
    _field(page, ids["2.1.1"], "denominator").fill("100")
    _saved(page, ids["2.1.1"])
    _score(page, ids["2.1.1"]).to_have_text("1,70")
    _field(page, ids["2.1.2"], "counts.late").fill("2")
    _field(page, ids["2.1.2"], "counts.missing").fill("1")
    _saved(page, ids["2.1.2"])
    _score(page, ids["2.1.2"]).to_have_text("1,00")
    _field(page, ids["2.2.1"], "counts.initiative").fill("3")
    _saved(page, ids["2.2.1"])
    _field(page, ids["2.3.1"], "counts.disciplined").fill("1")
    _saved(page, ids["2.3.1"])

    # running totals, computed by the server's engine
    expect(page.locator('[data-total="area:1"]').first).to_have_text("4,38")
    expect(page.locator('[data-total="bonus"]')).to_have_text("+1,50")  # written with their signs, as counted
    expect(page.locator('[data-total="penalty"]')).to_have_text("−1,00")
    _score(page, ids["2.3.1"]).to_have_text("−1,00")  # a penalty leaf's amount, deducted
    expect(page.locator('[data-total="index"]')).to_have_text("7,58")
    expect(page.locator('[data-total="scored"]')).to_have_text("9")

    # evidence: upload to one leaf, link the same library file to a second one
    first, second = ids["1.1.1"], ids["1.1.2"]
    page.set_input_files(f"#evidence-upload-{first}", files=[
        {"name": "Kế hoạch CCHC 2020.pdf", "mimeType": "application/pdf", "buffer": pdf()}])
    page.click(f"#evidence-line-{first} .evidence-upload-form button[type=submit]")
    expect(page.locator(f"#evidence-line-{first} .evidence-files")).to_contain_text("Kế hoạch CCHC 2020.pdf")
    expect(page.locator(f"#req-{first}")).to_be_hidden()  # evidence present: no explanation required
    page.click(f"#evidence-pick-{second}")  # the page's one picker of the library's files
    picker = page.locator("dialog.evidence-dialog")
    picker.locator("li", has_text="Kế hoạch CCHC 2020.pdf").locator("input[type=checkbox]").check()
    picker.locator("button[type=submit]").click()
    expect(page.locator(f"#evidence-line-{second} .evidence-files")).to_contain_text("Kế hoạch CCHC 2020.pdf")
    expect(page.locator('[data-total="evidence_missing"]')).to_have_text("7")

    # explanations for the leaves still without evidence
    for code, line_id in ids.items():
        if code in {"1.1.1", "1.1.2"}:
            continue
        page.fill(f"#l{line_id}-explanation", "Tài liệu lưu bản giấy tại đơn vị.")
        _saved(page, line_id)
    expect(page.locator('[data-total="explanation_missing"]')).to_have_text("0")

    # the pre-submit check is clean; an editor cannot submit
    page.goto(f"/danh-gia/{open_assessment.pk}/kiem-tra/")
    expect(page.locator(".ok-box")).to_be_visible()
    expect(page.locator("text=Chỉ thủ trưởng đơn vị được gửi")).to_be_visible()

    # the head submits
    head = new_page()
    login(head, "hung")
    head.goto(f"/danh-gia/{open_assessment.pk}/kiem-tra/")
    head.on("dialog", lambda dialog: dialog.accept())  # «Gửi» asks for confirmation first
    head.click("text=Gửi bản tự đánh giá")
    expect(head.locator(".state")).to_have_text("Đã gửi")
    open_assessment.refresh_from_db()
    assert open_assessment.state == "submitted"

    # the editor can no longer edit
    page.goto(f"/danh-gia/{open_assessment.pk}/")
    expect(page.locator(".leaf-actions")).to_have_count(0)
    expect(_field(page, ids["1.2.3"], "points")).to_be_disabled()
    assert errors == []


def test_two_people_on_the_same_leaf_see_the_conflict_and_nothing_is_lost(
    new_page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    unit_editor.first_name, unit_editor.last_name = "Nguyễn Thị", "Lan"
    unit_editor.save()
    unit_head.first_name, unit_head.last_name = "Trần Văn", "Hùng"
    unit_head.save()
    line_id = _ids(open_assessment)["1.1.1"]
    lan, hung = new_page(), new_page()
    login(lan, "lan")
    login(hung, "hung")
    for page in (lan, hung):
        page.goto(f"/danh-gia/{open_assessment.pk}/")

    lan.check(f'#line-{line_id} input[value="on_time"]')
    _saved(lan, line_id)
    hung.check(f'#line-{line_id} input[value="none"]')  # based on the version before Lan's save
    conflict = hung.locator(f"#line-{line_id} .js-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Nguyễn Thị Lan")
    expect(conflict.locator("[data-yours]")).to_contain_text("Không ban hành")
    expect(conflict.locator("[data-stored]")).to_contain_text("Đúng hạn, đầy đủ")
    assert ScoreLine.objects.get(pk=line_id).self_value == {"option": "on_time"}  # Lan's value kept

    hung.click(f"#line-{line_id} .keep-mine")  # Hùng keeps his, knowingly, on the new version
    _saved(hung, line_id)
    _score(hung, line_id).to_have_text("\u22121,00")
    assert ScoreLine.objects.get(pk=line_id).self_value == {"option": "none"}

    # Lan's page is now stale in turn: her note clashes with nothing Hùng changed, so it is saved beside his value,
    # which her page now shows, and a note says so
    lan.fill(f"#l{line_id}-note", "ghi chú của Lan")
    _saved(lan, line_id)
    expect(lan.locator(f"#line-{line_id} .js-conflict")).to_be_hidden()
    expect(lan.locator(f"#line-{line_id} [data-merged]")).to_contain_text("Trần Văn Hùng")
    expect(lan.locator(f'#line-{line_id} input[value="none"]')).to_be_checked()
    stored = ScoreLine.objects.get(pk=line_id)
    assert stored.self_value == {"option": "none"} and stored.self_note == "ghi chú của Lan"


def test_without_javascript_a_leaf_is_saved_by_a_plain_form_post(
    browser: Any, live_server: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, "lan")
        line_id = _ids(open_assessment)["1.2.3"]
        _field(page, line_id, "points").fill("0,75")
        page.click(f"#line-{line_id} .leaf-actions button")
        expect(page.locator(f"#line-{line_id} .leaf-error")).to_contain_text("vượt quá điểm tối đa")
        expect(_field(page, line_id, "points")).to_have_value("0,75")  # what was typed is kept
        _field(page, line_id, "points").fill("0,25")
        page.click(f"#line-{line_id} .leaf-actions button")
        expect(page.locator(".messages")).to_contain_text("Đã lưu tiêu chí 1.2.3")
        _score(page, line_id).to_have_text("0,25")
        expect(page.locator('[data-total="index"]')).to_have_text("0,25 (tạm tính)")
    finally:
        context.close()


def test_an_expired_session_keeps_what_was_typed_and_saving_resumes_after_signing_in_again(
    new_page: Any, open_assessment: Assessment, unit_editor: Any, settings: Any, tmp_path: Any
) -> None:
    from django.contrib.sessions.models import Session

    from evidence.models import EvidenceLink

    settings.MEDIA_ROOT = tmp_path / "media"
    line_id = _ids(open_assessment)["1.2.3"]
    sheet = f"/danh-gia/{open_assessment.pk}/"
    page = new_page()
    login(page, "lan")
    assert page.url.endswith(sheet)

    # given the session ended on the server while the page stayed open
    Session.objects.all().delete()

    # when the editor types a note
    page.fill(f"#l{line_id}-note", "Dòng 1\nDòng 2")

    # then the page stays, keeps the text, marks it unsaved and offers to sign in again
    error = page.locator(f"#line-{line_id} .leaf-error")
    expect(error).to_contain_text("Phiên đăng nhập đã hết hạn")
    expect(page.locator(f"#line-{line_id} .save-status")).to_contain_text("Chưa lưu")
    assert page.url.endswith(sheet)
    expect(page.locator(f"#l{line_id}-note")).to_have_value("Dòng 1\nDòng 2")
    link = error.locator("a.sign-in-again")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href") == f"/dang-nhap/?next=%2Fdanh-gia%2F{open_assessment.pk}%2F"

    # an upload on the leaf says the same and keeps the chosen file
    upload = page.locator(f"#evidence-line-{line_id}")
    page.set_input_files(f"#evidence-upload-{line_id}", [
        {"name": "Báo cáo.pdf", "mimeType": "application/pdf", "buffer": pdf()},
    ])
    upload.locator(".evidence-upload-form button").click()
    expect(upload.locator("[data-evidence-status]")).to_contain_text("Phiên đăng nhập đã hết hạn")
    assert page.url.endswith(sheet)
    assert page.eval_on_selector(f"#evidence-upload-{line_id}", "el => el.files.length") == 1

    # signing in again in the new tab lands on the sheet, not on a POST-only address
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    # the new tab's own saves fail here (it would restore and save the kept draft: the page would then show it saved
    # by itself, tests/browser/test_sheet_saved_after_signing_in_again.py), so the page's «Lưu lại» is what saves
    tab.route("**/dong/**", lambda route: route.abort())
    tab.fill("#id_username", "lan")
    tab.fill("#id_password", "x-Secret-2020!")
    tab.click("form.form button[type=submit]")
    tab.wait_for_url(f"**{sheet}")

    # back on the page, saving resumes (the sign-in rotated the CSRF token: the page sends the new one)
    error.locator(".retry-save").click()
    _saved(page, line_id)
    expect(error).to_be_hidden()
    assert ScoreLine.objects.get(pk=line_id).self_note == "Dòng 1\nDòng 2"
    upload.locator(".evidence-upload-form button").click()
    expect(page.locator(f"#evidence-line-{line_id} [data-evidence-status]")).to_contain_text("Đã lưu 1 tệp")
    assert EvidenceLink.objects.filter(score_line_id=line_id).count() == 1


def test_signing_in_again_as_somebody_who_may_not_edit_is_said_once_not_retried_forever(
    new_page: Any, open_assessment: Assessment, unit_editor: Any, appraiser: Any
) -> None:
    from django.contrib.sessions.models import Session

    line_id = _ids(open_assessment)["1.2.3"]
    page = new_page()
    login(page, "lan")
    Session.objects.all().delete()
    page.fill(f"#l{line_id}-note", "Ghi chú")
    error = page.locator(f"#line-{line_id} .leaf-error")
    expect(error).to_contain_text("Phiên đăng nhập đã hết hạn")
    # the appraiser signs in in the new tab: the page's cookie is now theirs
    with page.context.expect_page() as opened:
        error.locator("a.sign-in-again").click()
    tab = opened.value
    tab.wait_for_load_state()
    tab.fill("#id_username", "tam")
    tab.fill("#id_password", "x-Secret-2020!")
    tab.click("form.form button[type=submit]")
    tab.wait_for_load_state("networkidle")
    saves: list[str] = []
    page.on("request", lambda r: saves.append(r.url) if r.method == "POST" and "/dong/" in r.url else None)
    error.locator(".retry-save").click()
    expect(error).to_contain_text("không được sửa bản đánh giá này")
    page.wait_for_timeout(6000)  # longer than the retry delay: no retry follows
    assert len(saves) == 1
    expect(page.locator(f"#l{line_id}-note")).to_have_value("Ghi chú")
    assert ScoreLine.objects.get(pk=line_id).self_note == ""


def test_on_a_phone_long_names_and_text_stay_inside_the_pages_and_a_linked_leaf_is_not_under_the_header(
    browser: Any, live_server: Any, open_assessment: Assessment, unit_editor: Any, settings: Any, tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.services import evidence_upload
    from scoring.services import score_line_save_self

    settings.MEDIA_ROOT = tmp_path / "media"
    long_name = (
        "Quyết định ban hành kế hoạch cải cách hành chính năm 2020 của Sở Y tế tỉnh Tiền Giang số 12-SYT bản chính.pdf"
    )
    assert len(long_name) >= 100
    evidence_upload(unit=open_assessment.unit, cycle=open_assessment.cycle,
                    uploaded_file=SimpleUploadedFile(long_name, pdf(), "application/pdf"), actor=unit_editor)
    line = open_assessment.lines.get(indicator__code="1.2.3")
    unbroken = "x" * 5000
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None, note=unbroken,
                         explanation=unbroken)
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        login(page, "lan")
        width = "document.documentElement.scrollWidth"
        for path in ("", "bao-cao/", f"dong/{line.pk}/lich-su/"):
            page.goto(f"/danh-gia/{open_assessment.pk}/{path}")
            assert page.evaluate(width) <= 390, path

        # the pre-submit check links a leaf: it is shown below its area's sticky header, not under it
        page.goto(f"/danh-gia/{open_assessment.pk}/kiem-tra/")
        first = page.locator(".problems a").first
        target = first.get_attribute("href").split("#")[1]
        first.click()
        page.wait_for_url(f"**#{target}")
        page.wait_for_timeout(300)
        leaf_top = page.evaluate(f"document.getElementById('{target}').getBoundingClientRect().top")
        head_bottom = page.evaluate(
            f"document.getElementById('{target}').closest('details.area').querySelector('summary')"
            ".getBoundingClientRect().bottom"
        )
        assert leaf_top >= head_bottom - 1
    finally:
        context.close()


def test_taking_the_stored_value_refreshes_the_totals_and_a_not_applicable_leaf_shows_no_points(
    new_page: Any, open_assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    from scoring.services import score_line_save_self

    line = open_assessment.lines.get(indicator__code="1.2.2")
    page = new_page()
    login(page, "lan")
    expect(page.locator('[data-total="index"]')).to_have_text("0,00 (tạm tính)")

    # given the head marks the leaf not applicable after the page was loaded
    score_line_save_self(line=line, actor=unit_head, base_version=line.version, value=None, not_applicable=True,
                         not_applicable_reason="Không có văn bản nào trong năm")

    # when the editor scores the leaf, sees the conflict and takes the stored value
    for key, value in (("a", "4"), ("b", "2"), ("c", "1")):
        page.fill(f'[name="l{line.pk}-counts.{key}"]', value)
    conflict = page.locator(f"#line-{line.pk} .js-conflict")
    expect(conflict).to_be_visible()
    stored = conflict.locator("[data-stored]")
    expect(stored).to_have_text("Không phát sinh")
    conflict.locator(".take-theirs").click()
    _score(page, line.pk).to_have_text("KPS (tính 1,50 điểm)")  # the stored KPS with the points it counts for

    # then the totals are those stored, as a fresh page shows them
    fresh = new_page()
    login(fresh, "lan")
    for key in ("index", "normal_total", "scored"):
        expect(page.locator(f'[data-total="{key}"]').first).to_have_text(
            fresh.locator(f'[data-total="{key}"]').first.inner_text()
        )
    expect(page.locator('[data-total="index"]')).not_to_have_text("0,00 (tạm tính)")


def test_a_leaf_toggled_to_and_from_not_applicable_shows_the_points_it_counts_for(
    new_page: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    line_id = _ids(open_assessment)["1.2.2"]
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "lan")
    _score(page, line_id).to_have_text("—")

    # KPS: the leaf shows the points the engine credits it (its maximum in points mode), as the area's total counts.
    # The reason typed first waits for the box (it is saved with it, not before).
    page.fill(f"#l{line_id}-na-reason", "Không có đợt kiểm tra nào trong năm")
    expect(page.locator(f"#line-{line_id} .save-status")).to_contain_text("chưa được lưu")
    page.check(f"#l{line_id}-na")
    _saved(page, line_id)
    _score(page, line_id).to_have_text("KPS (tính 1,50 điểm)")
    expect(page.locator('[data-total="area:1"]').first).to_have_text("1,50")

    # scored again: its own score, not the credit
    page.uncheck(f"#l{line_id}-na")
    for key, value in (("a", "4"), ("b", "2"), ("c", "1")):
        _field(page, line_id, f"counts.{key}").fill(value)
    _score(page, line_id).to_have_text("0,88")
    expect(page.locator('[data-total="area:1"]').first).to_have_text("0,88")

    # and a fresh page says the same
    page.reload()
    _score(page, line_id).to_have_text("0,88")
    assert errors == []


def test_arrow_keys_through_a_leafs_options_save_only_the_one_chosen(
    new_page: Any, open_assessment: Assessment, unit_editor: Any
) -> None:
    from scoring.models import AuditEntry

    line_id = _ids(open_assessment)["1.1.1"]
    page = new_page()
    login(page, "lan")
    radios = page.locator(f'#line-{line_id} input[type="radio"]')
    radios.nth(0).click()  # a click saves at once
    _saved(page, line_id)
    # the keyboard walks on through «Trễ hạn» to «Không ban hành»
    radios.nth(0).focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(radios.nth(2)).to_be_checked()
    _saved(page, line_id)
    expect(page.locator(f"#line-{line_id} .save-status")).to_contain_text("Đã lưu")
    page.wait_for_timeout(1500)  # well past the typing delay: nothing else is on its way
    saves = AuditEntry.objects.filter(object_type="ScoreLine", object_id=str(line_id), action="score_line.self")
    assert saves.count() == 2  # the click and the option the keyboard stopped on, not «Trễ hạn» between them
    assert ScoreLine.objects.get(pk=line_id).self_value == {"option": "none"}
