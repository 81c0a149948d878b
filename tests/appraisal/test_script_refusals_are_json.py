"""A script request of the review page refused for permission (the assignment changed while the page was open, one's
own unit, a leaf or area of another appraiser) gets a JSON 403 with the reason, which the page shows; a signed-out one
a JSON 401; a plain form post keeps the site's 403 page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import AppraisalAssignment
from scoring.models import Indicator, Unit
from scoring.services import assessments_open
from tests.appraisal.conftest import line_of, self_score, submit

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def _appraise(client: Client, assessment: Any, code: str, **extra: Any) -> Any:
    line = line_of(assessment, code)
    return client.post(
        reverse("appraisal:appraise_line", args=[assessment.pk, line.pk]),
        {"base_version": line.version, f"a{line.pk}-numerator": "9", f"a{line.pk}-denominator": "10",
         "note": "Theo sổ theo dõi."},
        **extra,
    )


def _accept(client: Client, assessment: Any, code: str, **extra: Any) -> Any:
    line = line_of(assessment, code)
    return client.post(reverse("appraisal:accept_line", args=[assessment.pk, line.pk]),
                       {"base_version": line.version}, **extra)


def _refusal(response: Any) -> dict[str, Any]:
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["ok"] is False and data["message"]
    return data


def test_a_leaf_of_an_area_no_longer_assigned_is_refused_with_the_reason(
    client: Client, submitted: Any, appraiser: Any
) -> None:
    # given the page open, the administrator moves the appraiser from area 2 to area 1
    client.force_login(appraiser)
    assignment = AppraisalAssignment.objects.get(user=appraiser)
    assignment.areas.set(Indicator.objects.filter(indicator_set=submitted.indicator_set, code="1"))
    # when a leaf of area 2 is saved from that page
    data = _refusal(_appraise(client, submitted, "2.1.1", **JSON))
    # then the reason says it is the assignment, and what to do
    assert "phân công" in data["message"] and "2.1.1" in data["message"]
    assert "đăng nhập" not in data["message"].lower()
    assert line_of(submitted, "2.1.1").appraised_score is None


def test_accepting_a_leaf_of_a_unit_no_longer_assigned_is_refused_with_the_reason(
    client: Client, submitted: Any, appraiser: Any
) -> None:
    client.force_login(appraiser)
    AppraisalAssignment.objects.get(user=appraiser).units.set([Unit.objects.get(code="so-tai-chinh")])
    data = _refusal(_accept(client, submitted, "2.1.1", **JSON))
    assert "phân công" in data["message"]


def test_one_s_own_unit_is_refused_with_the_conflict_of_interest(
    client: Client, cycle: Any, appraiser: Any, team: Any, unit_editor: Any, unit_head: Any
) -> None:
    own = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]
    self_score(own, unit_editor)
    submit(own, unit_head)
    client.force_login(appraiser)
    data = _refusal(_accept(client, own, "2.1.1", **JSON))
    assert "xung đột lợi ích" in data["message"]


def test_the_area_accept_of_another_area_is_refused_with_the_reason(
    client: Client, submitted: Any, appraiser: Any
) -> None:
    client.force_login(appraiser)
    area = submitted.indicator_set.indicators.get(code="1", parent__isnull=True)
    data = _refusal(client.post(reverse("appraisal:accept_area", args=[submitted.pk, area.pk]), **JSON))
    assert "phân công" in data["message"]


def test_marking_an_explanation_seen_on_another_area_is_refused_with_the_reason(
    client: Client, submitted: Any, appraiser: Any
) -> None:
    client.force_login(appraiser)
    line = line_of(submitted, "1.1.1")
    data = _refusal(client.post(reverse("appraisal:explanation_seen_line", args=[submitted.pk, line.pk]), **JSON))
    assert "phân công" in data["message"]


def test_a_signed_out_script_request_is_a_json_401_not_a_403(client: Client, submitted: Any) -> None:
    area = submitted.indicator_set.indicators.get(code="2", parent__isnull=True)
    for response in (_accept(client, submitted, "2.1.1", **JSON),
                     client.post(reverse("appraisal:accept_area", args=[submitted.pk, area.pk]), **JSON)):
        assert response.status_code == 401
        assert response.json()["code"] == "signed_out"


def test_a_plain_form_post_keeps_the_site_s_403_page(client: Client, submitted: Any, appraiser: Any) -> None:
    client.force_login(appraiser)
    response = _accept(client, submitted, "1.1.1")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
