"""«English» on a page drawn in place by a refused form (the address bar then shows the POST-only action's URL)
lands on the page itself in English, not on a browser's «HTTP ERROR 405»."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from scoring.administration.services import user_update
from scoring.administration.services.users import user_version
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_english_after_a_refused_user_edit_lands_on_the_users_page(page: Any, admin_user: Any) -> None:
    # given an account's page, and a colleague's save since it was drawn
    person = get_user_model().objects.create_user(username="vqbao", first_name="Võ Quốc", last_name="Bão",
                                                  email="bao@exmaple.vn")
    login(page, "bao")
    page.goto(f"/quan-ly/nguoi-dung/{person.pk}/")
    user_update(user=person, full_name="Võ Quốc Bão", email="bao@example.vn", actor=admin_user,
                expected_version=user_version(person))
    # when the administrator saves from the page drawn before: refused, drawn in place at the action's address
    page.fill("#account-form input[name=full_name]", "Võ Quốc Bảo")
    page.locator("#account-form").get_by_role("button", name="Lưu").click()
    expect(page.locator("#stored-values")).to_be_visible()
    assert page.url.endswith(f"/quan-ly/nguoi-dung/{person.pk}/sua/")
    # and switches to English
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="English").click()
    # then the account's page opens, in English
    assert navigation.value.status == 200
    assert page.url.endswith(f"/quan-ly/nguoi-dung/{person.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#account-form")).to_be_visible()
