"""A session that ended while an appraisal page stayed open: the page's script gets a JSON 401 (never the login
page), and a login whose ``next`` is a POST-only appraisal action lands on that action's page, not on a 405."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Indicator
from tests.appraisal.conftest import flagged_line, line_of

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
PASSWORD = "x-Secret-2020!"


@pytest.mark.parametrize("action", ["appraise_line", "accept_line", "explain_line"])
def test_a_signed_out_script_save_gets_a_json_401_and_changes_nothing(
    client: Client, submitted: Any, lead: Any, action: str
) -> None:
    # given a leaf returned for explanation (so that the unit could explain it) and nobody signed in
    line = flagged_line(submitted, lead)

    # when the page's script saves
    response = client.post(
        reverse(f"appraisal:{action}", args=[submitted.pk, line.pk]),
        {"base_version": line.version, "explanation": "Giải trình.", "note": "Lý do.", f"a{line.pk}-numerator": "1"},
        **JSON,
    )

    # then it gets a 401 it can read, with the login page's address
    assert response.status_code == 401
    data = response.json()
    assert data["code"] == "signed_out" and "Phiên đăng nhập đã hết hạn" in data["message"]
    assert data["login_url"] == reverse("login")
    after = line_of(submitted, "2.1.1")
    assert after.version == line.version and after.explanation == ""


def test_a_signed_out_plain_form_post_is_still_sent_to_the_login_page(client: Client, submitted: Any) -> None:
    line = line_of(submitted, "2.1.1")
    url = reverse("appraisal:accept_line", args=[submitted.pk, line.pk])
    response = client.post(url, {"base_version": line.version})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def _login_to(client: Client, user: Any, next_url: str) -> str:
    response = client.post(f"{reverse('login')}?next={next_url}", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    client.logout()
    return response["Location"]


def test_a_login_whose_next_is_a_post_only_appraisal_action_lands_on_its_page(
    client: Client, submitted: Any, lead: Any, unit_editor: Any, admin_user: Any, cycle: Any
) -> None:
    pk = submitted.pk
    line = line_of(submitted, "2.1.1")
    area = Indicator.objects.get(indicator_set=submitted.indicator_set, code="2")
    review = reverse("appraisal:review", args=[pk])
    explain = reverse("appraisal:explain", args=[pk])
    expected = {
        reverse("appraisal:appraise_line", args=[pk, line.pk]): f"{review}#line-{line.pk}",
        reverse("appraisal:accept_line", args=[pk, line.pk]): f"{review}#line-{line.pk}",
        reverse("appraisal:accept_area", args=[pk, area.pk]): f"{review}#area-{area.pk}",
        reverse("appraisal:start", args=[pk]): review,
        reverse("appraisal:close_explanation", args=[pk]): review,
        reverse("appraisal:sign_off", args=[pk]): review,
    }
    for action, landing in expected.items():
        assert _login_to(client, lead, action) == landing, action

    assert _login_to(client, unit_editor, reverse("appraisal:explain_line", args=[pk, line.pk])) == (
        f"{explain}#line-{line.pk}"
    )
    assert _login_to(client, unit_editor, reverse("appraisal:resubmit", args=[pk])) == explain

    administration = {
        reverse("appraisal:assignment_delete", args=[cycle.pk, 7]): reverse("appraisal:assignments", args=[cycle.pk]),
        reverse("appraisal:cycle_recompute", args=[cycle.pk]): f"{reverse('appraisal:dashboard')}?ky={cycle.pk}",
        reverse("appraisal:survey_apply", args=[3]): reverse("appraisal:survey_preview", args=[3]),
    }
    for action, landing in administration.items():
        assert _login_to(client, admin_user, action) == landing, action

    # a page that answers a GET stays as it is
    assert _login_to(client, lead, review) == review
    assert _login_to(client, lead, reverse("appraisal:request_explanation", args=[pk])) == reverse(
        "appraisal:request_explanation", args=[pk]
    )


def test_every_post_only_appraisal_view_names_the_page_a_login_lands_on(client: Client, admin_user: Any) -> None:
    """A new POST-only action without ``lands_on`` would send a login ``next`` to a bare 405 again."""
    from django.urls import URLPattern, get_resolver

    from appraisal import urls

    client.force_login(admin_user)
    post_only = []
    for pattern in get_resolver(urls).url_patterns:
        assert isinstance(pattern, URLPattern)
        kwargs = {name: 1 for name in pattern.pattern.converters}
        # asked as a script: a page's GET of the action is redirected to its landing (cchc.middleware)
        url = reverse(f"appraisal:{pattern.name}", kwargs=kwargs)
        if client.get(url, HTTP_ACCEPT="application/json").status_code == 405:
            post_only.append(pattern.name)
            assert getattr(pattern.callback, "login_landing", None) is not None, pattern.name
    assert len(post_only) >= 11
