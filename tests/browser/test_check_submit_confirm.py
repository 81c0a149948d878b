"""The check page asks the head before «Gửi bản tự đánh giá»: colleagues' unsaved typing will be refused."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.models import Assessment
from tests.browser.conftest import login
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_head_is_asked_before_submitting_and_a_dismissed_question_submits_nothing(
    page: Any, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    from scoring.services import score_line_save_self

    for line in assessment.lines.select_related("indicator"):  # every leaf scored, missing evidence explained
        value, _score = SMALL_SET_VALUES[line.indicator.code]
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value,
                             explanation="Tài liệu đang được số hóa.")
    questions: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    login(page, "hung")
    page.goto(f"/danh-gia/{assessment.pk}/kiem-tra/")

    # when the head presses «Gửi bản tự đánh giá» and answers no
    page.click("text=Gửi bản tự đánh giá")
    page.wait_for_timeout(500)
    assert len(questions) == 1 and "chưa lưu sẽ bị từ chối" in questions[0]
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.DRAFT

    # and then yes
    answer["accept"] = True
    page.click("text=Gửi bản tự đánh giá")
    page.wait_for_load_state("networkidle")
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.SUBMITTED
