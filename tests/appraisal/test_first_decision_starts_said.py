"""A submitted assessment not yet started: the team's first decision (anyone's, not only the lead's «Bắt đầu thẩm
định») starts the appraisal, which ends the unit's right to withdraw. The review page says so before it, the first
decision's answer says it did, and the unit's sheet says when and by whom."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from appraisal.models import AppraisalAssignment
from scoring.models import Indicator
from tests.appraisal.conftest import evidence_not_required, line_of, refresh

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
NOTICE = "data-start-notice"
STARTED = "quyết định này bắt đầu thẩm định, đơn vị không còn rút lại được"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_review_page_says_the_first_decision_starts_the_appraisal(submitted: Any, appraiser: Any,
                                                                      lead: Any) -> None:
    body = _client(appraiser).get(reverse("appraisal:review", args=[submitted.pk])).content.decode()
    notice = re.search(rf"<p[^>]*{NOTICE}[^>]*>(.*?)</p>", body, re.S)
    assert notice is not None
    assert "Quyết định đầu tiên của bất kỳ thành viên nào" in notice.group(1)
    assert "không còn rút lại được" in notice.group(1)
    # before the first leaf
    assert body.index(NOTICE) < body.index('id="line-')
    # started: no more notice
    _client(lead).post(reverse("appraisal:start", args=[submitted.pk]))
    assert NOTICE not in _client(appraiser).get(reverse("appraisal:review", args=[submitted.pk])).content.decode()


def test_a_members_first_acceptance_says_it_started_the_appraisal(submitted: Any, appraiser: Any) -> None:
    line = line_of(submitted, "2.1.1")
    response = _client(appraiser).post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                                       {"base_version": line.version})
    assert response.status_code == 302
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(said) == 1 and STARTED in said[0], said
    assert refresh(submitted).state == "in_appraisal"
    # the next decision says nothing of it
    other = line_of(submitted, "2.1.2")
    response = _client(appraiser).post(reverse("appraisal:accept_line", args=[submitted.pk, other.pk]),
                                       {"base_version": other.version})
    assert not any(STARTED in str(m) for m in get_messages(response.wsgi_request))


def test_a_first_save_in_place_and_an_area_accept_say_it(submitted: Any, appraiser: Any, lead: Any) -> None:
    line = line_of(submitted, "2.1.1")
    answer = _client(appraiser).post(
        reverse("appraisal:appraise_line", args=[submitted.pk, line.pk]),
        {"base_version": line.version, f"a{line.pk}-numerator": "85", f"a{line.pk}-denominator": "100"}, **JSON)
    assert answer.status_code == 200, answer.json()
    assert STARTED in answer.json()["started"]
    other = line_of(submitted, "2.1.2")
    again = _client(appraiser).post(
        reverse("appraisal:accept_line", args=[submitted.pk, other.pk]), {"base_version": other.version}, **JSON)
    assert again.json()["started"] == ""


def test_an_area_accept_that_starts_says_it(submitted: Any, appraiser: Any) -> None:
    evidence_not_required(submitted)
    area = Indicator.objects.get(indicator_set_id=submitted.indicator_set_id, code="2")
    response = _client(appraiser).post(reverse("appraisal:accept_area", args=[submitted.pk, area.pk]))
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(STARTED in text for text in said), said


def test_the_units_sheet_says_when_and_by_whom_the_appraisal_started(submitted: Any, appraiser: Any,
                                                                     unit_head: Any) -> None:
    assert AppraisalAssignment.objects.filter(user=appraiser).exists()
    line = line_of(submitted, "2.1.1")
    _client(appraiser).post(reverse("appraisal:accept_line", args=[submitted.pk, line.pk]),
                            {"base_version": line.version})
    body = _client(unit_head).get(reverse("scoring:assessment", args=[submitted.pk])).content.decode()
    started = re.search(r"<span data-appraisal-started>(.*?)</span>", body, re.S)
    assert started is not None
    assert appraiser.get_full_name() in started.group(1)
    assert "bắt đầu thẩm định lúc" in started.group(1)
