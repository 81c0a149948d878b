"""Page actions that take only a POST (a form's target) and the page each belongs to. A refused form drawn in
place leaves the action's URL in the address bar; a GET of it (the language switch, Enter in the address bar)
leads a signed-in user to that page instead of an empty 405, and any other 405 on a page URL is a short page in
the site's language with its Allow header."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from scoring.models import Assessment, Unit
from scoring.services import assessments_open
from scoring.views._common import login_landing
from tests.administration.page_helpers import form_version
from tests.conftest import _user

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}  # a script's GET: the 405 itself, not a redirect
FILL = {"IntConverter": 1, "SlugConverter": "x", "StringConverter": "x", "PathConverter": "x"}
ADMIN_PARAMETERS = {"app_label": "auth", "object_id": "1", "content_type_id": "1"}


def _page_urls() -> Iterator[tuple[str, Any, str]]:
    """(name, view, url) of every named URL pattern of the project but the API's, its parameters filled."""

    def walk(patterns: list[Any], namespace: str, prefix: str) -> Iterator[tuple[str, Any, str]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith("api/"):
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner, route)
            elif isinstance(pattern, URLPattern) and pattern.name:
                if namespace.startswith("admin:"):  # the Django admin's regex routes
                    kwargs: dict[str, Any] = {key: ADMIN_PARAMETERS[key] for key in pattern.pattern.regex.groupindex}
                else:
                    kwargs = {key: FILL[type(conv).__name__] for key, conv in pattern.pattern.converters.items()}
                yield namespace + pattern.name, pattern.callback, reverse(namespace + pattern.name, kwargs=kwargs)

    yield from walk(get_resolver().url_patterns, "", "")


def test_every_page_action_that_refuses_a_get_names_its_page_and_a_get_lands_there(
    client: Client, unit_editor: Any, lead: Any, admin_user: Any
) -> None:
    """A new POST-only page view without ``lands_on`` fails here: a GET of it would answer a bare 405."""
    refused: dict[str, tuple[Any, str]] = {}
    for user in (unit_editor, lead, admin_user):  # some views check the role before the method
        client.force_login(user)
        for name, view, url in _page_urls():
            if name not in refused and client.get(url, **JSON).status_code == 405:
                refused[name] = (view, url)
    without = sorted(name for name, (view, _url) in refused.items() if getattr(view, "login_landing", None) is None)
    assert without == []
    client.force_login(admin_user)
    for name, (_view, url) in refused.items():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == login_landing(url) != url, name
        assert client.get(response["Location"]).status_code != 405, name
    # the ones the tester met, and the site's and the Django admin's logout
    assert {
        "administration:user_edit", "administration:role_add", "administration:user_toggle",
        "administration:cycle_deadlines", "administration:cycle_phase", "administration:cycle_participants",
        "administration:unit_merge", "administration:set_update", "administration:set_activate",
        "administration:node_move", "appraisal:sign_off", "logout", "admin:logout", "publication:publish",
    } <= set(refused)


def test_a_get_of_a_user_edit_action_leads_to_the_users_page(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.get(f"/quan-ly/nguoi-dung/{admin_user.pk}/sua/")
    assert response.status_code == 302
    assert response["Location"] == reverse("administration:user_detail", args=[admin_user.pk])
    assert client.get(response["Location"]).status_code == 200


def test_the_landing_of_another_units_action_says_nothing_of_it_and_its_page_stays_a_404(
    client: Client, assessment: Assessment, unit_head: Any
) -> None:
    # given an assessment of another unit, and an id that names none
    other = assessments_open(cycle=assessment.cycle, units=[Unit.objects.get(code="so-tai-chinh")], actor=None)[0]
    missing = Assessment.objects.order_by("-pk").first().pk + 100
    client.force_login(unit_head)
    # when the unit's head opens their submit actions
    answers = {pk: client.get(f"/danh-gia/{pk}/gui/") for pk in (other.pk, missing)}
    # then both answer alike, and the page each leads to is a 404
    for pk, response in answers.items():
        assert response.status_code == 302 and response["Location"] == f"/danh-gia/{pk}/"
        assert client.get(response["Location"]).status_code == 404
    other.refresh_from_db()
    assert other.state == Assessment.State.DRAFT


def test_a_get_is_no_way_to_act(client: Client, admin_user: Any) -> None:
    person = _user("vqbao", None)
    client.force_login(admin_user)
    assert client.get(reverse("administration:user_toggle", args=[person.pk])).status_code == 302
    assert get_user_model().objects.get(pk=person.pk).is_active


def test_the_language_switch_of_a_refused_form_drawn_in_place_leads_to_its_page(
    client: Client, admin_user: Any
) -> None:
    client.force_login(admin_user)
    page = reverse("administration:user_detail", args=[admin_user.pk])
    version = form_version(client.get(page).content.decode())
    edit = reverse("administration:user_edit", args=[admin_user.pk])
    response = client.post(edit, {"version": version, "full_name": "Bảo", "email": "khong-phai-dia-chi"})
    assert response.status_code == 400
    switch = re.search(r'<input type="hidden" name="next" value="([^"]*)">', response.content.decode())
    assert switch is not None and switch[1] == page


def test_the_language_switch_of_an_ordinary_page_keeps_its_address_and_query(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    page = client.get(reverse("administration:user_list") + "?q=b%C3%A1o&trang=1").content.decode()
    assert 'name="next" value="/quan-ly/nguoi-dung/?q=b%C3%A1o&amp;trang=1"' in page


@pytest.mark.parametrize(
    ("method", "url"),
    [("put", "/danh-gia/22/dong/2216/"), ("delete", "/danh-gia/22/gui/"), ("patch", "/tai-lieu/tep/2/xoa/")],
)
def test_a_method_a_page_url_does_not_take_gets_a_page_saying_so(
    client: Client, unit_editor: Any, method: str, url: str
) -> None:
    client.force_login(unit_editor)
    response = getattr(client, method)(url)
    assert response.status_code == 405 and response["Allow"] == "POST"
    body = response.content.decode()
    assert "Không mở trực tiếp được địa chỉ này" in body and 'class="topbar"' in body and 'lang="vi"' in body


def test_the_405_page_speaks_english_when_english_is_chosen(client: Client, unit_editor: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(unit_editor)
    response = client.delete("/danh-gia/22/gui/")
    assert response.status_code == 405 and 'lang="en"' in response.content.decode()


def test_an_anonymous_get_of_an_action_is_sent_to_sign_in_then_to_the_actions_page(
    client: Client, admin_user: Any
) -> None:
    # given an anonymous visitor
    action = f"/quan-ly/nguoi-dung/{admin_user.pk}/sua/"
    page = reverse("administration:user_detail", args=[admin_user.pk])
    # when they open the address of a POST-only action
    response = client.get(action)
    # then they are sent to sign in, with the action's page to go to afterwards
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(page)}"
    signed_in = client.post(response["Location"], {"username": admin_user.username, "password": "x-Secret-2020!"})
    assert signed_in.status_code == 302 and signed_in["Location"] == page
    assert client.get(page).status_code == 200


def test_an_anonymous_get_of_any_page_action_leads_through_sign_in_to_its_page(client: Client, db: Any) -> None:
    """Whichever answers first (the view's sign-in check, or the method's refusal), the visitor signs in and
    lands on the action's page, never on a bare 405."""
    for name, view, url in _page_urls():
        if getattr(view, "login_landing", None) is None or name.startswith("admin:"):
            continue
        response = client.get(url)
        assert response.status_code == 302, (name, response.status_code)
        location = urlsplit(response["Location"])
        assert location.path == reverse("login"), name
        assert login_landing(parse_qs(location.query)["next"][0]) == login_landing(url), name


def test_an_anonymous_put_of_an_action_still_gets_the_page_with_a_link_to_the_actions_page(
    client: Client, db: Any
) -> None:
    response = client.put("/quan-ly/nguoi-dung/7/sua/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert 'href="/quan-ly/nguoi-dung/7/"' in response.content.decode()


def test_a_scripts_405_on_a_page_url_is_json(client: Client, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.get("/danh-gia/22/gui/", **JSON)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response.json()["code"] == "method_not_allowed"


def test_the_api_keeps_its_own_405(client: Client, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.delete("/api/v1/units/")
    assert response.status_code == 405 and response["Content-Type"].startswith("application/json")
    assert "Không mở trực tiếp được" not in response.content.decode()
