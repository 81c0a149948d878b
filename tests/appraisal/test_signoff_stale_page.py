"""The sign-off carries the assessment's version the signer saw: a leaf someone else changed since refuses it (409
`changed_since_seen`, naming the leaf, who changed it and when), on the review page and in the API; the signer's own
saves do not."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.services import assessment_sign_off, line_appraise
from scoring.errors import StateConflict
from scoring.models import Assessment
from tests.appraisal.conftest import appraise_all, line_of, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(team: Any, submitted: Any, lead: Any) -> Any:
    appraise_all(submitted, lead)
    return refresh(submitted)


def _change_2_1_1(assessment: Any, appraiser: Any) -> None:
    line = line_of(assessment, "2.1.1")
    value = dict(line.self_value or {})
    line_appraise(line=line, actor=appraiser, base_version=line.version, value=_other_value(line, value),
                  note="Hồ sơ thiếu văn bản chỉ đạo")


def _other_value(line: Any, value: dict[str, Any]) -> dict[str, Any]:
    # a value the leaf's rule scores differently from the self-score: the first number lowered to zero
    changed = dict(value)
    for key, item in changed.items():
        if isinstance(item, (int, float, str)) and str(item).replace(".", "", 1).isdigit():
            changed[key] = 0
            return changed
    changed["score"] = 0
    return changed


def test_a_leaf_changed_by_another_appraiser_since_the_page_was_read_refuses_the_sign_off(
    decided: Any, lead: Any, appraiser: Any
) -> None:
    # given the lead read the assessment at this version
    seen = decided.version
    # when an appraiser changes 2.1.1
    _change_2_1_1(decided, appraiser)
    # then the sign-off based on the old version is refused, naming the leaf and the appraiser
    with pytest.raises(StateConflict) as refused:
        assessment_sign_off(assessment=refresh(decided), actor=lead, base_version=seen)
    assert refused.value.code == "changed_since_seen"
    assert refused.value.status == 409
    message = str(refused.value.message)
    assert "2.1.1" in message
    assert appraiser.get_full_name() in message
    assert [str(problem) for problem in refused.value.details] == ["2.1.1"]
    assert refresh(decided).state == Assessment.State.IN_APPRAISAL


def test_the_current_version_or_the_signers_own_saves_let_the_sign_off_through(decided: Any, lead: Any) -> None:
    seen = decided.version
    line = line_of(decided, "1.1.1")
    line_appraise(line=line, actor=lead, base_version=line.version, value=_other_value(line, line.self_value or {}),
                  note="Điều chỉnh của Tổ trưởng")
    signed = assessment_sign_off(assessment=refresh(decided), actor=lead, base_version=seen)
    assert signed.state == Assessment.State.SIGNED_OFF


def test_the_review_page_sends_its_version_and_a_stale_one_lands_back_with_the_change_named(
    client: Client, decided: Any, lead: Any, appraiser: Any
) -> None:
    client.force_login(lead)
    page = client.get(reverse("appraisal:review", args=[decided.pk])).content.decode()
    assert f'name="base_version" value="{decided.version}" data-signoff-version' in page
    _change_2_1_1(decided, appraiser)
    url = reverse("appraisal:sign_off", args=[decided.pk])
    response = client.post(url, {"base_version": decided.version}, follow=True)
    body = unescape(response.content.decode())
    assert "người khác thay đổi" in body
    assert "2.1.1" in body and appraiser.get_full_name() in body
    assert "Hãy tải lại bản đánh giá" in body
    assert refresh(decided).state == Assessment.State.IN_APPRAISAL
    # the page it landed on is the current one: signing off from it goes through
    fresh = refresh(decided)
    assert f'name="base_version" value="{fresh.version}"' in body
    client.post(url, {"base_version": fresh.version})
    assert refresh(decided).state == Assessment.State.SIGNED_OFF


def test_the_api_sign_off_takes_the_version_and_answers_409_naming_the_leaf(
    decided: Any, lead: Any, appraiser: Any
) -> None:
    api = APIClient()
    api.force_authenticate(lead)
    seen = decided.version
    _change_2_1_1(decided, appraiser)
    url = f"/api/v1/assessments/{decided.pk}/sign-off/"
    response = api.post(url, {"version": seen}, format="json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "changed_since_seen"
    assert [p["indicator_code"] for p in body["problem_details"]] == ["2.1.1"]
    assert refresh(decided).state == Assessment.State.IN_APPRAISAL
    response = api.post(url, {"version": refresh(decided).version}, format="json")
    assert response.status_code == 200, response.content
