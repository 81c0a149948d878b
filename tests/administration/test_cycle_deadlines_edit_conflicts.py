"""Two administrators (or two tabs) on one cycle's page: the deadlines saved from a page drawn before a colleague's
save are refused with the reason, show what was typed and what is stored, and change nothing; a save without the
page's version is refused too. The API's PATCH refuses a stale `If-Match` the same way (412). No lost update."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.administration import services
from scoring.models import AuditEntry, Cycle
from tests.administration.page_helpers import error_messages as _errors

pytestmark = pytest.mark.django_db


def _end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def dated(cycle: Cycle, admin_user: Any) -> Cycle:
    return services.cycle_update_deadlines(cycle=cycle, actor=admin_user, deadlines={
        "self_assessment_deadline": _end(dt.date(2020, 3, 31)), "appraisal_deadline": _end(dt.date(2020, 4, 30)),
    })


def _deadlines_version(page: str) -> str:
    """The version the deadlines' form carries (the first field of the form posting to …/han/)."""
    found = re.search(r'/han/"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">'
                      r'<input type="hidden" name="version" value="([^"]*)"', page)
    assert found, "the deadlines' form carries no version"
    return found.group(1)


def _form(**dates: str) -> dict[str, str]:
    return {"self_assessment_deadline": "", "appraisal_deadline": "", "explanation_deadline": "",
            "finalisation_deadline": "", **dates}


def test_the_deadlines_saved_from_a_page_drawn_before_a_colleagues_save_are_refused_and_the_first_kept(
    client: Client, dated: Cycle, admin_user: Any
) -> None:
    # given two tabs on the same cycle's page
    client.force_login(admin_user)
    page_url = reverse("administration:cycle_detail", args=[dated.pk])
    url = reverse("administration:cycle_deadlines", args=[dated.pk])
    tab_a = _deadlines_version(client.get(page_url).content.decode())
    tab_b = _deadlines_version(client.get(page_url).content.decode())
    audits = AuditEntry.objects.filter(action="cycle.deadlines").count()
    # when tab A moves the self-assessment deadline later, then tab B, still showing the old one, moves the appraisal
    first = client.post(url, _form(self_assessment_deadline="2020-04-15", appraisal_deadline="2020-04-30",
                                   version=tab_a))
    second = client.post(url, _form(self_assessment_deadline="2020-03-31", appraisal_deadline="2020-05-15",
                                    version=tab_b))
    # then A's save stands, B's is refused with the reason, B's dates kept in the form and A's shown as stored
    assert first.status_code == 302
    assert second.status_code == 409
    assert "Các hạn của kỳ đã được sửa ở nơi khác" in _errors(second)
    page = second.content.decode()
    assert 'name="appraisal_deadline" value="2020-05-15"' in page
    assert 'name="self_assessment_deadline" value="2020-03-31"' in page
    stored = page.split('id="stored-values"', 1)[1].split("</div>", 1)[0]
    assert "Hạn tự đánh giá" in stored and "15/04/2020" in stored
    assert "Hạn thẩm định" in stored and "30/04/2020" in stored
    saved = Cycle.objects.get(pk=dated.pk)
    assert saved.self_assessment_deadline == _end(dt.date(2020, 4, 15))
    assert saved.appraisal_deadline == _end(dt.date(2020, 4, 30))
    assert AuditEntry.objects.filter(action="cycle.deadlines").count() == audits + 1
    # and the refused page carries the version now stored: saving again, having seen A's date, goes through
    again = client.post(url, _form(self_assessment_deadline="2020-04-15", appraisal_deadline="2020-05-15",
                                   version=_deadlines_version(page)))
    assert again.status_code == 302
    saved = Cycle.objects.get(pk=dated.pk)
    assert saved.self_assessment_deadline == _end(dt.date(2020, 4, 15))
    assert saved.appraisal_deadline == _end(dt.date(2020, 5, 15))


def test_deadlines_posted_without_the_pages_version_change_nothing(
    client: Client, dated: Cycle, admin_user: Any
) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("administration:cycle_deadlines", args=[dated.pk]),
                           _form(self_assessment_deadline="2020-04-15", appraisal_deadline="2020-04-30"))
    assert response.status_code == 400
    assert "không mang phiên bản" in _errors(response)
    assert 'name="self_assessment_deadline" value="2020-04-15"' in response.content.decode()
    assert Cycle.objects.get(pk=dated.pk).self_assessment_deadline == _end(dt.date(2020, 3, 31))


def test_a_deadline_changed_through_the_api_refuses_the_page_drawn_before_and_the_other_way_round(
    client: Client, dated: Cycle, admin_user: Any
) -> None:
    client.force_login(admin_user)
    api = APIClient()
    api.force_authenticate(admin_user)
    api_url = f"/api/v1/cycles/{dated.year}/"
    version = _deadlines_version(client.get(reverse("administration:cycle_detail", args=[dated.pk])).content.decode())
    etag = api.get(api_url)["ETag"]
    assert etag == f'"{version}"'  # one version, the page's and the API's
    # the API's client moves the self-assessment deadline, with the tag it read
    moved = api.patch(api_url, {"self_assessment_deadline": "2020-04-15T23:59:59+07:00"}, format="json",
                      HTTP_IF_MATCH=etag)
    assert moved.status_code == 200 and moved["ETag"] != etag
    # the page drawn before is refused
    response = client.post(reverse("administration:cycle_deadlines", args=[dated.pk]),
                           _form(self_assessment_deadline="2020-03-31", appraisal_deadline="2020-05-15",
                                 version=version))
    assert response.status_code == 409
    # a second PATCH with the tag read before the first is refused (412), naming the deadlines stored now
    stale = api.patch(api_url, {"appraisal_deadline": "2020-05-15T23:59:59+07:00"}, format="json",
                      HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale"
    assert stale.json()["current"]["self_assessment_deadline"].startswith("2020-04-15")
    assert stale["ETag"] == moved["ETag"]
    saved = Cycle.objects.get(pk=dated.pk)
    assert saved.self_assessment_deadline == _end(dt.date(2020, 4, 15))
    assert saved.appraisal_deadline == _end(dt.date(2020, 4, 30))


def _own_version(page: str, url: str) -> str:
    """The version of the unit's own deadline its row's extension form (posting to `url`) carries."""
    found = re.search(re.escape(f'action="{url}"') + r'.*?name="version" value="([^"]*)"', page, re.S)
    assert found, "the extension form carries no version"
    return found.group(1)


def test_an_own_deadline_given_from_a_page_drawn_before_a_colleagues_extension_is_refused_and_the_first_kept(
    client: Client, assessment: Any, admin_user: Any
) -> None:
    # given the cycle's deadline ten days away and two tabs on the cycle's page
    today = timezone.localdate()
    services.cycle_update_deadlines(cycle=assessment.cycle, actor=admin_user,
                                    deadlines={"self_assessment_deadline": _end(today + dt.timedelta(days=10))})
    client.force_login(admin_user)
    page_url = reverse("administration:cycle_detail", args=[assessment.cycle_id])
    url = reverse("administration:assessment_extend", args=[assessment.cycle_id, assessment.pk])
    tab_a = _own_version(client.get(page_url).content.decode(), url)
    tab_b = _own_version(client.get(page_url).content.decode(), url)
    later, sooner = today + dt.timedelta(days=30), today + dt.timedelta(days=20)
    # when tab A extends the unit to 30 days, then tab B, still showing no own deadline, gives it 20 days
    first = client.post(url, {"deadline": later.isoformat(), "reason": "Mất điện", "version": tab_a})
    second = client.post(url, {"deadline": sooner.isoformat(), "reason": "Thiếu người", "version": tab_b})
    # then A's extension stands; B's is refused with the reason, B's typing kept in the row, A's date shown in it
    assert first.status_code == 302
    assert second.status_code == 409
    assert "Hạn riêng của đơn vị đã được đổi ở nơi khác" in _errors(second)
    page = second.content.decode()
    row = page.split(f'id="participant-{assessment.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f'value="{sooner.isoformat()}"' in row and 'value="Thiếu người"' in row
    assert f"{later:%d/%m/%Y}" in row
    saved = type(assessment).objects.get(pk=assessment.pk)
    assert saved.deadline_override == _end(later)
    assert AuditEntry.objects.filter(action="assessment.extend_deadline").count() == 1
    # and the row now carries the version stored: giving 20 days again, having seen A's 30, goes through
    again = client.post(url, {"deadline": sooner.isoformat(), "reason": "Thiếu người",
                              "version": _own_version(page, url)})
    assert again.status_code == 302
    assert type(assessment).objects.get(pk=assessment.pk).deadline_override == _end(sooner)
