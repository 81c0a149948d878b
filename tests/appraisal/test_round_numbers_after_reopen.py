"""After an administrator reopens a signed-off assessment, the explanation rounds keep their own count: the first
explanation round after the reopen reads «vòng giải trình 1» when there was none before (it read 2: the number
shown was the appraisal round's, which the reopen raises), «2» after one real round, and «1» after a withdrawn one
(withdrawn rounds take no number). Every place that names an explanation round says the same: the review page (its
header and its list of rounds), the lead's round page, the leaf's history on the review page and the unit's page,
the API's `number`. The appraisal rounds keep counting the appraisals (the reopen starts a new one) and are labelled
as such («Thẩm định vòng N»), as is the e-mail to the team after a resubmission."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.models import ExplanationRound, Notification
from appraisal.services import (
    assessment_reopen,
    assessment_sign_off,
    explanation_request,
    explanation_resubmit,
    explanation_withdraw,
    line_explain,
)
from scoring.models import Assessment
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
CODE = "2.1.1"


def _request(assessment: Any, lead: Any) -> ExplanationRound:
    return explanation_request(assessment=refresh(assessment), actor=lead, deadline=later(),
                               line_ids=[line_of(assessment, CODE).pk], message="Bổ sung tài liệu.")


def _explain_and_resubmit(assessment: Any, editor: Any, head: Any, text: str) -> None:
    line = line_of(assessment, CODE)
    line_explain(line=line, actor=editor, base_version=line.version, explanation=text)
    explanation_resubmit(assessment=refresh(assessment), actor=head)


def _sign_off_and_reopen(assessment: Any, lead: Any, admin: Any) -> Assessment:
    signed = assessment_sign_off(assessment=refresh(assessment), actor=lead, unread_confirmed=True)
    return assessment_reopen(assessment=signed, actor=admin, reason="Đơn vị khiếu nại tiêu chí 2.1.1.")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _page(client: Client, user: Any, name: str, assessment: Any) -> str:
    client.force_login(user)
    response = client.get(reverse(name, args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _header(body: str) -> str:
    found = re.search(r"<span data-round>(.*?)</span>", body)
    assert found is not None
    return found.group(1)


def _history_labels(body: str, assessment: Any) -> list[str]:
    card = body.split(f'id="line-{line_of(assessment, CODE).pk}"')[1].split("</article>")[0]
    history = _text(card.split('class="history-list"')[1].split("</ol>")[0])
    return re.findall(r"Tự chấm|Thẩm định vòng \d|Giải trình vòng \d|Kết quả cuối cùng|"
                      r"Thẩm định \(vòng đã rút\)|Giải trình \(vòng đã rút\)", history)


def _api_rounds(user: Any, assessment: Any) -> list[tuple[int, int | None, bool]]:
    api = APIClient()
    api.force_login(user)
    response = api.get(f"/api/v1/assessments/{assessment.pk}/rounds/")
    assert response.status_code == 200
    return [(r["round"], r["number"], r["withdrawn"]) for r in response.json()]


@pytest.fixture
def appraised(submitted: Any, lead: Any) -> Any:
    appraise_all(submitted, lead)
    return refresh(submitted)


# --- no explanation round before the reopen ---------------------------------------------------------------------


@pytest.fixture
def reopened_without_round(appraised: Any, lead: Any, admin_user: Any) -> Any:
    reopened = _sign_off_and_reopen(appraised, lead, admin_user)
    assert reopened.appraisal_round == 2  # the reopen starts the second appraisal
    _request(reopened, lead)
    return refresh(reopened)


def test_the_first_explanation_round_after_a_reopen_reads_round_1_on_the_team_s_pages(
    client: Client, reopened_without_round: Any, lead: Any
) -> None:
    assessment = reopened_without_round
    body = _page(client, lead, "appraisal:review", assessment)
    assert _header(body) == "Giải trình vòng 1"
    text = _text(body)
    assert "Vòng 1: " in text and "Vòng 2: " not in text
    rounds_page = _text(_page(client, lead, "appraisal:request_explanation", assessment))
    assert "Vòng giải trình 1 đang mở" in rounds_page and "Vòng giải trình 2" not in rounds_page


def test_the_api_numbers_the_first_explanation_round_after_a_reopen_1(
    reopened_without_round: Any, lead: Any, unit_editor: Any
) -> None:
    # `round` stays the stored key (the appraisal round it was asked in); `number` counts explanation rounds
    assert _api_rounds(lead, reopened_without_round) == [(2, 1, False)]
    assert _api_rounds(unit_editor, reopened_without_round) == [(2, 1, False)]


def test_after_the_resubmission_the_history_reads_explanation_1_between_appraisals_2_and_3(
    client: Client, reopened_without_round: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    _explain_and_resubmit(reopened_without_round, unit_editor, unit_head, "Đã bổ sung quyết định.")
    assessment = refresh(reopened_without_round)
    review = _page(client, lead, "appraisal:review", assessment)
    assert _header(review) == "Thẩm định vòng 3"
    expected = ["Tự chấm", "Thẩm định vòng 1", "Thẩm định vòng 2", "Giải trình vòng 1"]
    # round 1's appraisal, its final result and round 2's appraisal are the same: one entry, «không đổi đến» the
    # last of them (`history_shown`)
    assert _history_labels(review, assessment) == expected
    unit_page = _page(client, unit_editor, "appraisal:explain", assessment)
    assert _history_labels(unit_page, assessment) == expected
    assert "Giải trình vòng 2" not in _text(unit_page)
    # the team is told the appraisal goes on in its third round, named as an appraisal round
    bodies = list(Notification.objects.filter(kind=Notification.Kind.RESUBMITTED).values_list("body", flat=True))
    assert bodies and all("thẩm định vòng 3." in body for body in bodies)


# --- one explanation round before the reopen -------------------------------------------------------------------


@pytest.fixture
def reopened_after_one_round(appraised: Any, lead: Any, admin_user: Any, unit_editor: Any, unit_head: Any) -> Any:
    _request(appraised, lead)
    _explain_and_resubmit(appraised, unit_editor, unit_head, "Giải trình lần đầu.")
    reopened = _sign_off_and_reopen(appraised, lead, admin_user)
    assert reopened.appraisal_round == 3
    _request(reopened, lead)
    return refresh(reopened)


def test_after_one_round_and_a_reopen_the_next_explanation_round_reads_round_2_everywhere(
    client: Client, reopened_after_one_round: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    assessment = reopened_after_one_round
    body = _page(client, lead, "appraisal:review", assessment)
    assert _header(body) == "Giải trình vòng 2"
    assert re.search(r"Vòng 1: .*?Vòng 2: ", _text(body)) and "Vòng 3: " not in _text(body)
    assert "Vòng giải trình 2 đang mở" in _page(client, lead, "appraisal:request_explanation", assessment)
    assert _api_rounds(lead, assessment) == [(1, 1, False), (3, 2, False)]
    _explain_and_resubmit(assessment, unit_editor, unit_head, "Giải trình lần hai.")
    labels = _history_labels(_page(client, unit_editor, "appraisal:explain", refresh(assessment)), assessment)
    assert labels == ["Tự chấm", "Thẩm định vòng 1", "Giải trình vòng 1", "Thẩm định vòng 2", "Thẩm định vòng 3",
                      "Giải trình vòng 2"]


# --- a withdrawn round before the reopen -----------------------------------------------------------------------


@pytest.fixture
def reopened_after_a_withdrawn_round(appraised: Any, lead: Any, admin_user: Any) -> Any:
    _request(appraised, lead)
    explanation_withdraw(assessment=refresh(appraised), actor=lead, reason="Yêu cầu nhầm.")
    reopened = _sign_off_and_reopen(appraised, lead, admin_user)
    assert reopened.appraisal_round == 3
    _request(reopened, lead)
    return refresh(reopened)


def test_after_a_withdrawn_round_and_a_reopen_the_next_explanation_round_reads_round_1(
    client: Client, reopened_after_a_withdrawn_round: Any, lead: Any, unit_editor: Any
) -> None:
    assessment = reopened_after_a_withdrawn_round
    body = _page(client, lead, "appraisal:review", assessment)
    assert _header(body) == "Giải trình vòng 1"
    text = _text(body)
    assert re.search(r"Vòng đã rút: .*?Vòng 1: ", text) and "Vòng 2: " not in text
    assert "Vòng giải trình 1 đang mở" in _page(client, lead, "appraisal:request_explanation", assessment)
    assert _api_rounds(unit_editor, assessment) == [(1, None, True), (3, 1, False)]
    # the appraisal rounds: the withdrawn request's, unchanged until the reopen's (2: the one it interrupted, and
    # went on in, is 1)
    labels = _history_labels(body, assessment)
    assert labels == ["Tự chấm", "Thẩm định (vòng đã rút)", "Thẩm định vòng 2"]
    assert "vòng 3" not in _text(body).lower()


def test_without_a_reopen_the_numbers_are_as_before(
    client: Client, submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    # guards behaviour that must not change: without a reopen, explanation round k follows appraisal round k
    _request(submitted, lead)
    _explain_and_resubmit(submitted, unit_editor, unit_head, "Giải trình lần đầu.")
    _request(submitted, lead)
    assessment = refresh(submitted)
    body = _page(client, lead, "appraisal:review", assessment)
    assert _header(body) == "Giải trình vòng 2"
    assert _api_rounds(lead, assessment) == [(1, 1, False), (2, 2, False)]
    assert "Vòng giải trình 2 đang mở" in _page(client, lead, "appraisal:request_explanation", assessment)
