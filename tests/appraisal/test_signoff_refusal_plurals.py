"""The sign-off refusal names two counts — the leaves not yet appraised and, among them, the «không phát sinh» claims
nobody decided — and each count takes its own plural: in English «9 criteria have not been appraised yet, including 1
where the unit chose “not applicable” that has been neither accepted nor scored», never the second clause put in
the plural of the first count."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real
from rest_framework.test import APIClient

from appraisal.services import assessment_sign_off, line_accept_self
from scoring.errors import ValidationFailed
from scoring.models import Assessment
from tests.appraisal.conftest import line_of, refresh

pytestmark = pytest.mark.django_db
KPS = "1.2.2"  # the small set's leaf a unit may declare «không phát sinh»

UNDECIDED = "Còn %(n)s tiêu chí chưa được thẩm định"
CLAIMS = "trong đó %(k)s tiêu chí đơn vị chọn «không phát sinh» chưa được chấp nhận hoặc chấm điểm"
ADVICE = "hãy chấp nhận «không phát sinh», hoặc không chấp nhận và chấm điểm (nêu lý do)."
# English entries for the pieces, as the translator will write them (the catalogue is updated after this change):
# the test puts them in the English catalogue for its own run, and takes them out after.
ENGLISH = {
    (UNDECIDED, 0): "%(n)s criterion has not been appraised yet",
    (UNDECIDED, 1): "%(n)s criteria have not been appraised yet",
    (CLAIMS, 0): "including %(k)s where the unit chose “not applicable” that has been neither accepted nor scored",
    (CLAIMS, 1): "including %(k)s where the unit chose “not applicable” that have been neither accepted nor scored",
    ADVICE: "accept “not applicable”, or overrule it and score the criterion (with a reason).",
}


@pytest.fixture
def english_pieces() -> Iterator[None]:
    catalog = trans_real.translation("en")._catalog._catalogs[0]
    missing = object()
    before = {key: catalog.get(key, missing) for key in ENGLISH}
    catalog.update(ENGLISH)
    yield
    for key, value in before.items():
        if value is missing:
            del catalog[key]
        else:
            catalog[key] = value


@pytest.fixture
def in_appraisal_with_a_claim(kps_submitted: Any, lead: Any) -> Any:
    """Sở Y tế in appraisal: one leaf accepted, the other nine undecided, one of them the undecided KPS claim."""
    line = line_of(kps_submitted, "1.1.1")
    line_accept_self(line=line, actor=lead, base_version=line.version)
    assessment = refresh(kps_submitted)
    assert assessment.state == Assessment.State.IN_APPRAISAL
    return assessment


def _refusal(assessment: Any, lead: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        assessment_sign_off(assessment=assessment, actor=lead)
    return caught.value


def test_each_count_of_the_refusal_takes_its_own_plural_in_english(
    english_pieces: None, in_appraisal_with_a_claim: Any, lead: Any
) -> None:
    undecided = in_appraisal_with_a_claim.lines.count() - 1
    assert undecided > 1
    with translation.override("en"):
        text = str(_refusal(in_appraisal_with_a_claim, lead).message)
    assert text == (
        f"{undecided} criteria have not been appraised yet, including 1 where the unit chose “not applicable” that "
        "has been neither accepted nor scored: accept “not applicable”, or overrule it and score the criterion "
        "(with a reason)."
    )


@pytest.mark.parametrize(("undecided", "claims", "expected"), [
    (1, 1, "1 criterion has not been appraised yet, including 1 where the unit chose “not applicable” that has been"),
    (5, 1, "5 criteria have not been appraised yet, including 1 where the unit chose “not applicable” that has been"),
    (5, 2, "5 criteria have not been appraised yet, including 2 where the unit chose “not applicable” that have been"),
])
def test_the_two_counts_choose_their_plurals_independently(
    english_pieces: None, undecided: int, claims: int, expected: str
) -> None:
    from appraisal.services.signoff import undecided_with_claims_message

    with translation.override("en"):
        assert undecided_with_claims_message(undecided=undecided, claims=claims).startswith(expected + " ")


def test_the_api_refusal_in_english_agrees_with_each_count(
    english_pieces: None, in_appraisal_with_a_claim: Any, lead: Any
) -> None:
    api = APIClient()
    api.force_login(lead)
    response = api.post(f"/api/v1/assessments/{in_appraisal_with_a_claim.pk}/sign-off/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "missing_appraisal"
    assert "criteria have not been appraised yet, including 1 where" in body["message"]
    assert "that has been neither accepted nor scored" in body["message"]
    assert refresh(in_appraisal_with_a_claim).state == Assessment.State.IN_APPRAISAL


def test_the_sign_off_page_in_english_agrees_with_each_count(
    english_pieces: None, client: Client, in_appraisal_with_a_claim: Any, lead: Any
) -> None:
    client.force_login(lead)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(reverse("appraisal:sign_off", args=[in_appraisal_with_a_claim.pk]))
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("including 1 where the unit chose “not applicable” that has been" in t for t in texts), texts
    assert refresh(in_appraisal_with_a_claim).state == Assessment.State.IN_APPRAISAL


def test_the_vietnamese_refusal_reads_as_before(in_appraisal_with_a_claim: Any, lead: Any) -> None:
    # guards the Vietnamese wording, which the split must not change
    undecided = in_appraisal_with_a_claim.lines.count() - 1
    text = str(_refusal(in_appraisal_with_a_claim, lead).message)
    assert text == (
        f"Còn {undecided} tiêu chí chưa được thẩm định, trong đó 1 tiêu chí đơn vị chọn «không phát sinh» chưa được "
        "chấp nhận hoặc chấm điểm: hãy chấp nhận «không phát sinh», hoặc không chấp nhận và chấm điểm (nêu lý do)."
    )
