"""A message after an action is said by a screen reader: an error (role=alert) takes the focus when the page it
lands on asks for no other element, so it is read at once and Tab goes on from there."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_error_message_takes_the_focus_on_the_page_it_lands_on(page: Any, admin_user: Any) -> None:
    # given: an administrator on the users page
    login(page, "bao")
    page.goto(reverse("administration:user_list"))

    # when: they lock their own account (refused), the form sent as the page would
    page.evaluate("""([action]) => {
        const form = document.createElement("form");
        form.method = "post";
        form.action = action;
        for (const [name, value] of [["active", "0"],
             ["csrfmiddlewaretoken", document.querySelector("[name=csrfmiddlewaretoken]").value]]) {
            const input = document.createElement("input");
            input.type = "hidden"; input.name = name; input.value = value;
            form.append(input);
        }
        document.body.append(form);
        form.submit();
    }""", [reverse("administration:user_toggle", args=[admin_user.pk])])
    page.wait_for_load_state("networkidle")

    # then: the error is an alert, and it has the focus
    alert = page.locator("ul.messages li.error [role=alert]")
    expect(alert).to_have_text("Không thể tự khoá tài khoản của chính mình.")
    expect(alert).to_be_focused()
