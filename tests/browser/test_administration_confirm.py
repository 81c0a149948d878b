"""The administration pages ask before a destructive form is sent, once: a dismissed question sends nothing."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.models import IndicatorSet
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_deleting_a_draft_set_asks_once_and_a_dismissed_question_deletes_nothing(
    page: Any, small_set: Any, admin_user: Any
) -> None:
    from scoring.administration.services import indicator_set_clone

    draft = indicator_set_clone(source=small_set, key="test-set-2021", year=2021, actor=None)
    questions: list[str] = []
    answer = {"accept": False}
    errors: list[str] = []

    def on_dialog(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "bao")
    page.goto(f"/quan-ly/bo-chi-so/{draft.pk}/")

    # when the administrator asks to delete the draft and answers no
    page.get_by_role("button", name="Xoá bộ chỉ số dự thảo").click()
    page.wait_for_timeout(500)
    assert questions == ["Xoá bộ chỉ số dự thảo này?"]
    assert IndicatorSet.objects.filter(pk=draft.pk).exists()

    # and then yes
    answer["accept"] = True
    page.get_by_role("button", name="Xoá bộ chỉ số dự thảo").click()
    page.wait_for_load_state("networkidle")
    assert questions == ["Xoá bộ chỉ số dự thảo này?"] * 2
    assert not IndicatorSet.objects.filter(pk=draft.pk).exists()
    assert errors == []
