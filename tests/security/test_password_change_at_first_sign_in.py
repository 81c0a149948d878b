"""A user who signs in with a password an administrator set is sent to «Đổi mật khẩu» and kept there: every page
redirects to it (a GET with the page as ``next``), the API and the pages' scripts get a 403 in JSON naming the
reason, and nothing asked is done, until the password is changed; signing out, the language switch and static
files stay open. Changing it ends the hold and goes on to the page asked for. Accounts without the mark (the named
users, the demo's) sign in as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.services.users import password_change_required
from scoring.models import RoleAssignment

pytestmark = pytest.mark.django_db

INITIAL = "Khoi-Tao-2021!"
OWN = "Rieng-Toi-2021!"
CHANGE = "/doi-mat-khau/"


@pytest.fixture
def newcomer(admin_user: Any, catalogue: Any) -> Any:
    """An account an administrator has just made for a unit's editor."""
    from scoring.models import Unit

    return services.user_create(
        username="tran.van.an", full_name="Trần Văn An", email="an@example.invalid", password=INITIAL,
        role=RoleAssignment.Role.UNIT_EDITOR, unit=Unit.objects.get(code="so-y-te"), actor=admin_user,
    )


def _sign_in(client: Client, username: str, password: str, next_page: str = "") -> Any:
    data = {"username": username, "password": password}
    if next_page:
        data["next"] = next_page
    return client.post(reverse("login"), data)


def _change(client: Client, new: str = OWN, *, old: str = INITIAL, next_page: str = "") -> Any:
    data = {"old_password": old, "new_password1": new, "new_password2": new}
    if next_page:
        data["next"] = next_page
    return client.post(reverse("password_change"), data)


def test_signing_in_with_an_administrators_password_lands_on_the_password_change_page(
    client: Client, newcomer: Any
) -> None:
    response = _sign_in(client, "tran.van.an", INITIAL)
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == CHANGE
    body = response.content.decode()
    assert "do quản trị viên đặt" in body and 'id="password-change-required"' in body


def test_every_page_redirects_to_the_change_keeping_a_get_as_next(client: Client, newcomer: Any) -> None:
    _sign_in(client, "tran.van.an", INITIAL)
    for page in ("/quan-ly/", "/ket-qua/", reverse("open_data_docs")):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(CHANGE + "?next="), page
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == CHANGE


def test_a_post_elsewhere_does_nothing_and_lands_on_the_change(client: Client, admin_user: Any) -> None:
    # given: a second administrator, just made, who could make accounts once the password is theirs
    services.user_create(username="le.quan.tri", full_name="Lê Quản Trị", email="", password=INITIAL,
                         role=RoleAssignment.Role.ADMINISTRATOR, unit=None, actor=admin_user)
    _sign_in(client, "le.quan.tri", INITIAL)
    form = {"username": "ke.khac", "full_name": "Kẻ Khác", "email": "", "password": "Ke-Khac-2021!",
            "role": "appraiser", "unit": ""}
    # when: they make an account before changing the password
    response = client.post(reverse("administration:user_create"), form)
    # then: nothing is made, and the change comes first
    assert response.status_code == 302 and response["Location"] == CHANGE
    assert not get_user_model().objects.filter(username="ke.khac").exists()
    _change(client)
    client.post(reverse("administration:user_create"), form)
    assert get_user_model().objects.filter(username="ke.khac").exists()  # the same form, once changed


def test_the_api_and_the_pages_scripts_get_a_403_in_json_naming_the_reason(client: Client, newcomer: Any) -> None:
    _sign_in(client, "tran.van.an", INITIAL)
    api = client.get("/api/v1/cycles/")
    assert api.status_code == 403
    assert api.json()["code"] == "password_change_required"
    assert "phải đổi mật khẩu" in api.json()["message"] and CHANGE in api.json()["message"]
    script = client.post("/quan-ly/", data="{}", content_type="application/json")
    assert script.status_code == 403
    assert script.json()["code"] == "password_change_required" and script.json()["ok"] is False


def test_the_api_answers_in_english_for_a_user_who_chose_it(client: Client, newcomer: Any) -> None:
    _sign_in(client, "tran.van.an", INITIAL)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    api = client.get("/api/v1/cycles/")
    assert api.status_code == 403
    assert "must change it" in api.json()["message"]


def test_signing_out_stays_open(client: Client, newcomer: Any) -> None:
    _sign_in(client, "tran.van.an", INITIAL)
    assert client.get(CHANGE).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] != CHANGE
    assert client.get("/quan-ly/").status_code == 302  # the sign-in page now, not the change
    assert "_auth_user_id" not in client.session


def test_changing_the_password_ends_the_hold_and_goes_on_to_the_page_asked_for(
    client: Client, newcomer: Any
) -> None:
    _sign_in(client, "tran.van.an", INITIAL)
    asked = reverse("publication:index")
    response = _change(client, next_page=asked)
    assert response.status_code == 302 and response["Location"] == asked
    assert not password_change_required(newcomer)
    page = client.get(asked)
    assert page.status_code == 200
    assert "Mật khẩu của anh/chị đã được đổi." in page.content.decode()
    assert client.get("/api/v1/cycles/").status_code == 200


def test_a_next_to_another_site_is_not_followed(client: Client, newcomer: Any) -> None:
    _sign_in(client, "tran.van.an", INITIAL)
    response = _change(client, next_page="https://example.com/")
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_old_password_as_the_new_one_is_refused_and_the_hold_stays(client: Client, newcomer: Any) -> None:
    _sign_in(client, "tran.van.an", INITIAL)
    response = _change(client, INITIAL)
    assert response.status_code == 200
    assert "Mật khẩu mới trùng với mật khẩu hiện tại" in response.content.decode()
    assert password_change_required(newcomer)
    assert client.get("/ket-qua/").status_code == 302


def test_a_weak_password_is_refused_by_the_validators_and_the_hold_stays(client: Client, newcomer: Any) -> None:
    _sign_in(client, "tran.van.an", INITIAL)
    response = _change(client, "12345678901234")
    assert response.status_code == 200
    assert password_change_required(newcomer)


def test_signing_in_again_after_the_change_is_not_held(client: Client, newcomer: Any) -> None:
    _sign_in(client, "tran.van.an", INITIAL)
    _change(client)
    client.logout()
    response = _sign_in(client, "tran.van.an", OWN)
    assert client.get(response["Location"]).status_code == 200


def test_a_reset_by_an_administrator_holds_the_user_at_the_next_sign_in(
    client: Client, admin_user: Any, unit_editor: Any
) -> None:
    services.user_set_password(user=unit_editor, password="Dat-Lai-2021!", actor=admin_user)
    _sign_in(client, unit_editor.username, "Dat-Lai-2021!")
    assert client.get("/ket-qua/")["Location"].startswith(CHANGE)


def test_a_user_without_the_mark_goes_on_as_before(client: Client, unit_editor: Any) -> None:
    response = _sign_in(client, unit_editor.username, "x-Secret-2020!")
    assert client.get(response["Location"]).status_code == 200
    assert client.get(CHANGE).status_code == 200  # the page is there for anyone signed in
    assert 'id="password-change-required"' not in client.get(CHANGE).content.decode()
