"""A new account's first sign-in in a real browser: the password the administrator chose takes the user to «Đổi
mật khẩu», which explains why; another page leads back there; once the password is the user's own, the user goes on
to the page asked for and is told the change is done. The sign-in page says whom to ask for a forgotten password."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from scoring.administration import services
from scoring.models import RoleAssignment
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

INITIAL = "Khoi-Tao-2021!"


def test_a_new_account_changes_the_administrators_password_at_its_first_sign_in(
    page: Any, admin_user: Any
) -> None:
    # given: an appraiser's account an administrator has just made
    services.user_create(username="tran.van.an", full_name="Trần Văn An", email="", password=INITIAL,
                         role=RoleAssignment.Role.APPRAISER, unit=None, actor=admin_user)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/dang-nhap/?next=/ket-qua/")
    expect(page.locator("#forgotten-password")).to_contain_text("Quên mật khẩu?")

    # when: the appraiser signs in with it, asking for the published results
    page.fill("#id_username", "tran.van.an")
    page.fill("#id_password", INITIAL)
    page.click("form.form button[type=submit]")

    # then: the password change comes first, saying why
    expect(page.locator("h1")).to_have_text("Đổi mật khẩu")
    expect(page.locator("#password-change-required")).to_contain_text("do quản trị viên đặt")
    page.goto("/ket-qua/")
    expect(page).to_have_url(re.compile(r"/doi-mat-khau/\?next=%2Fket-qua%2F$"))

    # and the old password as the new one is refused
    page.fill("#id_old_password", INITIAL)
    page.fill("#id_new_password1", INITIAL)
    page.fill("#id_new_password2", INITIAL)
    page.get_by_role("button", name="Đổi mật khẩu").click()
    expect(page.locator(".error")).to_contain_text("trùng với mật khẩu hiện tại")

    # when: a password of the appraiser's own is set
    page.fill("#id_old_password", INITIAL)
    page.fill("#id_new_password1", "Rieng-Toi-2021!")
    page.fill("#id_new_password2", "Rieng-Toi-2021!")
    page.get_by_role("button", name="Đổi mật khẩu").click()

    # then: the page first asked for, with the change confirmed, and the other pages open again
    expect(page).to_have_url(re.compile(r"/ket-qua/$"))
    expect(page.locator(".messages")).to_contain_text("Mật khẩu của anh/chị đã được đổi.")
    page.goto("/")
    expect(page.locator("h1")).not_to_have_text("Đổi mật khẩu")
    assert errors == []


def test_a_named_user_signs_in_and_goes_on_as_before(page: Any, unit_editor: Any) -> None:
    login(page, unit_editor.username)
    expect(page.locator(".account-nav")).to_contain_text("Đăng xuất")
    expect(page.locator("h1")).not_to_have_text("Đổi mật khẩu")
