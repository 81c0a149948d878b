"""Signing off while the unit's new explanations have not been looked at (neither decided again nor marked read) asks
for an explicit confirmation: the service refuses without it (`unread_explanations`, naming the leaves), the API
takes it as `confirm_unread_explanations`, and the review page's sign-off form names the count and the leaves with
the checkbox «Tôi đã đọc / vẫn thông qua»."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.models import ExplanationSeen
from appraisal.services import (
    assessment_sign_off,
    explanation_request,
    explanation_resubmit,
    explanations_mark_seen,
    line_explain,
)
from scoring.errors import ValidationFailed
from scoring.models import Assessment, AuditEntry
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
EXPLAINED = ("1.2.3", "2.1.1")


@pytest.fixture
def round_two(submitted: Any, lead: Any, unit_editor: Any, unit_head: Any) -> Any:
    """Every leaf appraised, two returned for an explanation, explained and resubmitted: nothing undecided, two new
    explanations nobody has looked at."""
    appraise_all(submitted, lead)
    explanation_request(assessment=submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, code).pk for code in EXPLAINED])
    for code in EXPLAINED:
        line = line_of(submitted, code)
        line_explain(line=line, actor=unit_editor, base_version=line.version, explanation=f"Giải trình {code}.")
    return explanation_resubmit(assessment=refresh(submitted), actor=unit_head)


def test_the_sign_off_is_refused_while_new_explanations_are_unread(round_two: Any, lead: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        assessment_sign_off(assessment=round_two, actor=lead)
    assert refused.value.code == "unread_explanations"
    assert "2 tiêu chí có giải trình mới chưa xem" in str(refused.value.message)
    assert [str(problem) for problem in refused.value.details] == list(EXPLAINED)
    assert [problem.line_id for problem in refused.value.details] == [line_of(round_two, c).pk for c in EXPLAINED]
    assert refresh(round_two).state == Assessment.State.IN_APPRAISAL


def test_confirmed_the_sign_off_goes_through_and_records_the_explanations_read(round_two: Any, lead: Any) -> None:
    signed = assessment_sign_off(assessment=round_two, actor=lead, unread_confirmed=True)
    assert signed.state == Assessment.State.SIGNED_OFF
    assert ExplanationSeen.objects.filter(line__assessment=round_two).count() == 2
    assert AuditEntry.objects.filter(assessment=round_two, action="score_line.explanation_seen").count() == 2


def test_explanations_marked_read_need_no_confirmation(round_two: Any, lead: Any) -> None:
    explanations_mark_seen(assessment=round_two, actor=lead)
    assert assessment_sign_off(assessment=round_two, actor=lead).state == Assessment.State.SIGNED_OFF


def test_undecided_leaves_are_still_refused_first(round_two: Any, lead: Any) -> None:
    from scoring.models import ScoreLine

    ScoreLine.objects.filter(pk=line_of(round_two, "1.1.1").pk).update(appraised_score=None, appraised_value=None)
    with pytest.raises(ValidationFailed) as refused:
        assessment_sign_off(assessment=round_two, actor=lead, unread_confirmed=True)
    assert refused.value.code == "missing_appraisal"


def test_the_sign_off_form_names_the_unread_explanations_with_a_checkbox(
    client: Client, round_two: Any, lead: Any
) -> None:
    client.force_login(lead)
    body = unescape(client.get(reverse("appraisal:review", args=[round_two.pk])).content.decode())
    form = body.split("data-signoff-form")[1].split("</form>")[0]
    assert "2 tiêu chí có giải trình mới chưa xem" in form
    for code in EXPLAINED:
        assert f'href="#line-{line_of(round_two, code).pk}"' in form and code in form
    assert 'type="checkbox"' in form and "Tôi đã đọc / vẫn thông qua" in form
    assert "required" in form.split('type="checkbox"')[1].split(">")[0]


def test_without_unread_explanations_the_form_has_no_checkbox(client: Client, round_two: Any, lead: Any) -> None:
    explanations_mark_seen(assessment=round_two, actor=lead)
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[round_two.pk])).content.decode()
    form = body.split("data-signoff-form")[1].split("</form>")[0]
    assert 'type="checkbox"' not in form


def test_the_api_refuses_without_the_confirmation_and_signs_off_with_it(round_two: Any, lead: Any) -> None:
    api = APIClient()
    api.force_login(lead)
    url = f"/api/v1/assessments/{round_two.pk}/sign-off/"
    refused = api.post(url, format="json")
    assert refused.status_code == 400, refused.content
    assert refused.json()["code"] == "unread_explanations"
    assert refresh(round_two).state == Assessment.State.IN_APPRAISAL
    done = api.post(url, {"confirm_unread_explanations": True}, format="json")
    assert done.status_code == 200, done.content
    assert refresh(round_two).state == Assessment.State.SIGNED_OFF
