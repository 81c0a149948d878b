"""Login landing per role, password change in Vietnamese, logout by POST, and the unit people's nav."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from scoring.models import Assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(assessment: Assessment) -> Assessment:
    """The shared assessment, in a cycle open for self-assessment (a new cycle starts in setup)."""
    assessment.cycle.phase = "self_assessment"
    assessment.cycle.save()
    return assessment


def test_a_unit_editor_lands_on_the_units_assessment(client: Client, assessment: Assessment,
                                                     unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("scoring:assessment",
                                                                           args=[assessment.pk])


def test_login_through_the_form_lands_the_head_on_the_assessment(client: Client, assessment: Assessment,
                                                                 unit_head: Any) -> None:
    response = client.post(reverse("login"), {"username": "hung", "password": "x-Secret-2020!"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("scoring:assessment", args=[assessment.pk])


def test_a_cycle_still_in_setup_is_not_a_landing(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    assessment.cycle.phase = "setup"
    assessment.cycle.save()
    client.force_login(unit_editor)
    assert client.get(reverse("home")).status_code == 200


def test_an_appraiser_lands_on_the_queue_or_the_home_page(client: Client, cycle: Any, appraiser: Any) -> None:
    client.force_login(appraiser)
    response = client.get(reverse("home"))
    try:
        queue = reverse("appraisal:queue")
    except NoReverseMatch:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and response["Location"] == queue


def test_an_administrator_lands_in_the_administration(client: Client, cycle: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("administration:index")


def test_anonymous_visitors_see_the_public_home_page(client: Client, cycle: Any) -> None:
    assert client.get(reverse("home")).status_code == 200


def test_the_nav_links_a_unit_person_to_the_assessment_and_report(client: Client, assessment: Assessment,
                                                                 unit_editor: Any) -> None:
    client.force_login(unit_editor)
    body = client.get(reverse("scoring:check", args=[assessment.pk])).content.decode()
    assert f'href="{reverse("scoring:report", args=[assessment.pk])}"' in body
    assert f'href="{reverse("password_change")}"' in body


def test_the_password_change_page_is_in_vietnamese_and_works(client: Client, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    page = client.get(reverse("password_change")).content.decode()
    assert "Đổi mật khẩu" in page and "Mật khẩu hiện tại" in page
    response = client.post(reverse("password_change"), {
        "old_password": "x-Secret-2020!", "new_password1": "Tien-Giang-2021!", "new_password2": "Tien-Giang-2021!",
    })
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    unit_editor.refresh_from_db()
    assert unit_editor.check_password("Tien-Giang-2021!")
    assert "Đã đổi mật khẩu" in client.get(reverse("password_change_done")).content.decode()


def test_a_wrong_current_password_changes_nothing(client: Client, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.post(reverse("password_change"), {
        "old_password": "sai", "new_password1": "Tien-Giang-2021!", "new_password2": "Tien-Giang-2021!",
    })
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    unit_editor.refresh_from_db()
    assert unit_editor.check_password("x-Secret-2020!")


def test_anonymous_users_cannot_change_a_password(client: Client, db: Any) -> None:
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_logout_is_a_post(client: Client, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.get(reverse("logout"))  # the address typed: to the home page, still signed in
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "_auth_user_id" in client.session
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session
