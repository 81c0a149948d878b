"""The team's question on each leaf it returns for an explanation: optional per leaf, beside the request's general
message; a leaf without an appraisal reason needs its own question or the general one. Stored with the round, read
by the unit beside that leaf, in the leaf's history (both sides), in the workbook and through the API; a question
refused (too long, on a leaf not returned) refuses the whole request, naming the leaf, and changes nothing."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from appraisal.models import ExplanationRound, LineHistory
from appraisal.services import (
    explanation_request,
    explanation_resubmit,
    line_accept_self,
    line_appraise,
    line_explain,
)
from appraisal.services.rounds import QUESTION_LIMIT, explanation_agree_remaining
from scoring.errors import ValidationFailed
from scoring.models import Assessment, AuditEntry, ScoreLine
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db
QUESTION = "Đề nghị nêu số văn bản ban hành kế hoạch và gửi kèm bản chụp."


def _post(client: Client, assessment: Any, codes: list[str], message: str = "", **questions: str) -> Any:
    """The request page sent with `questions` by leaf code («1_1_1» for 1.1.1)."""
    data: dict[str, Any] = {"deadline": later().date().isoformat(), "message": message, "confirm_undecided": "1",
                            "lines": [str(line_of(assessment, code).pk) for code in codes]}
    for code, text in questions.items():
        data[f"question-{line_of(assessment, code.replace('_', '.')).pk}"] = text
    return client.post(reverse("appraisal:request_explanation", args=[assessment.pk]), data)


def _nothing_returned(assessment: Any) -> None:
    assert refresh(assessment).state != Assessment.State.EXPLANATION
    assert not ExplanationRound.objects.filter(assessment=assessment).exists()
    assert not ScoreLine.objects.filter(assessment=assessment, explanation_requested=True).exists()
    assert not AuditEntry.objects.filter(action="assessment.explanation_request").exists()


def _leaf(body: str, line: ScoreLine) -> str:
    return body.split(f'id="line-{line.pk}"')[1].split("</article>")[0]


def test_a_leaf_without_a_reason_is_asked_by_its_own_question_without_a_general_message(
    client: Client, submitted: Any, lead: Any, unit_editor: Any
) -> None:
    # given 1.1.1 not appraised, 1.1.2 not appraised either
    client.force_login(lead)
    # when the lead asks a question on 1.1.1 only, without a general message: 1.1.2 says nothing to the unit
    refused = _post(client, submitted, ["1.1.1", "1.1.2"], **{"1_1_1": QUESTION})
    assert refused.status_code == 400
    error = refused.content.decode().split('role="alert">')[1].split("</p>")[0]
    assert "1.1.2" in error and "1.1.1" not in error and "câu hỏi cho từng tiêu chí" in error
    # the question typed comes back with the refusal
    assert QUESTION in refused.content.decode()
    _nothing_returned(submitted)
    # when 1.1.1 alone is returned with its question
    assert _post(client, submitted, ["1.1.1"], **{"1_1_1": QUESTION}).status_code == 302
    # then the round keeps it, and the unit reads it beside that leaf
    current = ExplanationRound.objects.get(assessment=submitted)
    one = line_of(submitted, "1.1.1")
    assert current.questions == {str(one.pk): QUESTION} and current.message == ""
    client.force_login(unit_editor)
    body = client.get(reverse("appraisal:explain", args=[submitted.pk])).content.decode()
    assert re.search(r'data-question>\s*' + re.escape(QUESTION), _leaf(body, one))
    # the audit record of the request keeps the question by the leaf's code
    entry = AuditEntry.objects.get(action="assessment.explanation_request")
    assert entry.changes["questions"] == {"old": None, "new": {"1.1.1": QUESTION}}


def test_a_leaf_reads_its_own_question_and_the_others_the_general_message_or_their_reason(
    client: Client, submitted: Any, lead: Any, appraiser: Any, unit_editor: Any
) -> None:
    # given 2.1.1 appraised with a reason; 1.1.1 and 1.1.2 not appraised
    reasoned = line_of(submitted, "2.1.1")
    line_appraise(line=reasoned, actor=appraiser, base_version=reasoned.version,
                  value={"numerator": 50, "denominator": 100}, note="Chỉ có 50% văn bản điện tử.")
    client.force_login(lead)
    response = _post(client, submitted, ["1.1.1", "1.1.2", "2.1.1"], message="Rà soát lại các tiêu chí.",
                     **{"1_1_1": QUESTION, "2_1_1": "Nêu số văn bản điện tử đã gửi."})
    assert response.status_code == 302
    client.force_login(unit_editor)
    body = client.get(reverse("appraisal:explain", args=[submitted.pk])).content.decode()
    assert QUESTION in _leaf(body, line_of(submitted, "1.1.1"))
    assert "Rà soát lại các tiêu chí." in _leaf(body, line_of(submitted, "1.1.2"))  # no question: the general one
    # a question on a leaf with a reason is read with the reason
    leaf = _leaf(body, reasoned)
    assert "Nêu số văn bản điện tử đã gửi." in leaf and "Chỉ có 50% văn bản điện tử." in leaf


def test_a_question_too_long_or_on_a_leaf_not_returned_refuses_the_request_and_changes_nothing(
    client: Client, submitted: Any, lead: Any
) -> None:
    client.force_login(lead)
    too_long = "x" * (QUESTION_LIMIT + 1)
    refused = _post(client, submitted, ["1.1.1"], message="Rà soát.", **{"1_1_1": too_long})
    assert refused.status_code == 400
    body = refused.content.decode()
    error = body.split('role="alert">')[1].split("</p>")[0]
    assert "1.1.1" in error and "quá dài" in error and "2001" in error and "2000" in error
    field = re.search(rf'<textarea[^>]*name="question-{line_of(submitted, "1.1.1").pk}"[^>]*>', body)
    assert field and 'aria-invalid="true"' in field.group(0)
    _nothing_returned(submitted)
    # a question typed on a leaf not chosen: said, so the lead ticks the leaf or removes the question
    refused = _post(client, submitted, ["1.1.1"], message="Rà soát.", **{"1_1_2": QUESTION})
    assert refused.status_code == 400
    error = refused.content.decode().split('role="alert">')[1].split("</p>")[0]
    assert "1.1.2" in error and "không được chọn" in error
    _nothing_returned(submitted)
    # exactly the limit is taken
    assert _post(client, submitted, ["1.1.1"], **{"1_1_1": "y" * QUESTION_LIMIT}).status_code == 302


def test_the_service_refuses_a_question_with_hidden_characters_or_for_another_assessments_leaf(
    submitted: Any, lead: Any
) -> None:
    one = line_of(submitted, "1.1.1")
    with pytest.raises(ValidationFailed) as hidden:
        explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[one.pk],
                            questions={one.pk: "Câu hỏi\u202e ẩn"})
    assert hidden.value.code == "question_invalid" and "1.1.1" in str(hidden.value.message)
    with pytest.raises(ValidationFailed) as unknown:
        explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[one.pk],
                            questions={999999: QUESTION})
    assert unknown.value.code == "unknown_line"
    _nothing_returned(submitted)


def test_the_question_stays_in_the_leafs_history_and_the_workbook_after_the_round(
    client: Client, submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    one = line_of(submitted, "1.1.1")
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[one.pk],
                        questions={one.pk: QUESTION})
    line_explain(line=one, actor=unit_editor, base_version=one.version, explanation="Kế hoạch số 12/KH-SYT.")
    explanation_resubmit(assessment=submitted, actor=unit_head)
    back = refresh(submitted)
    # the team's page: the leaf's history, next to the appraisal the question was about
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[back.pk])).content.decode()
    assert "data-question>" + QUESTION in _leaf(body, one).split('class="history"')[0]  # beside the explanation
    history = _leaf(body, one).split('class="history"')[1]
    assert re.search(r"data-history-question>" + re.escape(QUESTION), history)
    assert LineHistory.objects.filter(line=one, stage=LineHistory.Stage.APPRAISAL, round=1).exists()
    # the unit's page: the same history
    client.force_login(unit_editor)
    body = client.get(reverse("appraisal:explain", args=[back.pk])).content.decode()
    assert "data-history-question>" + QUESTION in _leaf(body, one)
    # the workbook, in the explanation's cell
    client.force_login(lead)
    response = client.get(reverse("appraisal:assessment_workbook", args=[back.pk]))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    header = next(row for row in rows if row and row[0] == "Mã")
    cell = next(row for row in rows if row and row[0] == "1.1.1")[header.index("Giải trình")]
    assert cell == f"Yêu cầu giải trình: đã giải trình\nCâu hỏi của Tổ thẩm định: {QUESTION}"


def test_the_api_takes_a_question_per_leaf_and_gives_it_back_with_the_round(
    submitted: Any, lead: Any, unit_editor: Any
) -> None:
    api = APIClient()
    api.force_login(lead)
    one, two = line_of(submitted, "1.1.1"), line_of(submitted, "1.1.2")
    url = f"/api/v1/assessments/{submitted.pk}/request-explanation/"
    body: dict[str, Any] = {"deadline": later().date().isoformat(), "line_ids": [one.pk, two.pk]}
    # 1.1.2 without a reason, a question or a general message: refused, naming it
    refused = api.post(url, {**body, "questions": [{"line_id": one.pk, "question": QUESTION}]}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "question_required"
    assert "1.1.2" in str(refused.json()) and "1.1.1" not in str(refused.json()["problem_details"])
    # too long, twice for one leaf, an unknown key: refused, nothing written
    too_long = api.post(url, {**body, "message": "?", "questions": [
        {"line_id": one.pk, "question": "x" * (QUESTION_LIMIT + 1)}]}, format="json")
    assert too_long.status_code == 400 and too_long.json()["code"] == "question_invalid"
    assert "1.1.1" in too_long.json()["message"]
    twice = api.post(url, {**body, "message": "?", "questions": [
        {"line_id": one.pk, "question": "a"}, {"line_id": one.pk, "question": "b"}]}, format="json")
    assert twice.status_code == 400 and "questions" in twice.json()["fields"]
    unknown = api.post(url, {**body, "message": "?", "questions": [
        {"line_id": one.pk, "question": "a", "leaf": "1.1.1"}]}, format="json")
    assert unknown.status_code == 400
    _nothing_returned(submitted)
    # both asked: taken
    answer = api.post(url, {**body, "questions": [{"line_id": one.pk, "question": QUESTION},
                                                  {"line_id": two.pk, "question": "Vì sao chưa tự chấm?"}]},
                      format="json")
    assert answer.status_code == 200, answer.json()
    # the round gives them back, by leaf, in the set's order, to the team and to the unit
    for user in (lead, unit_editor):
        api.force_login(user)
        rounds = api.get(f"/api/v1/assessments/{submitted.pk}/rounds/").json()
        assert rounds[0]["questions"] == [
            {"line_id": one.pk, "indicator": "1.1.1", "question": QUESTION},
            {"line_id": two.pk, "indicator": "1.1.2", "question": "Vì sao chưa tự chấm?"},
        ]
        assert rounds[0]["agreed"] == []


def test_the_api_round_names_the_leaves_agreed(submitted: Any, lead: Any, unit_editor: Any, appraiser: Any) -> None:
    one = line_of(submitted, "1.1.1")
    line_accept_self(line=one, actor=lead, base_version=one.version)  # a result for the unit to agree with
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[one.pk], message="?")
    explanation_agree_remaining(assessment=submitted, actor=unit_editor)
    api = APIClient()
    api.force_login(lead)
    assert api.get(f"/api/v1/assessments/{submitted.pk}/rounds/").json()[0]["agreed"] == ["1.1.1"]
