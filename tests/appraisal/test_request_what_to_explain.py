"""A request for explanation tells the unit what to explain on every leaf it returns: the leaf's appraised score
with its reason, or the request's question, shown next to the leaf. A request that gives neither is refused,
naming the leaves."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import ExplanationRound
from appraisal.services import explanation_request, line_appraise
from scoring.errors import ValidationFailed
from scoring.models import Assessment, ScoreLine
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db


def _post(client: Client, assessment: Any, codes: list[str] | None, message: str = "", **extra: str) -> Any:
    data: dict[str, Any] = {"deadline": later().date().isoformat(), "message": message, "confirm_undecided": "1",
                            **extra}
    if codes is None:
        data["all"] = "1"
    else:
        data["lines"] = [str(line_of(assessment, code).pk) for code in codes]
    return client.post(reverse("appraisal:request_explanation", args=[assessment.pk]), data)


def _nothing_returned(assessment: Any) -> None:
    assert refresh(assessment).state != Assessment.State.EXPLANATION
    assert not ExplanationRound.objects.filter(assessment=assessment).exists()
    assert not ScoreLine.objects.filter(assessment=assessment, explanation_requested=True).exists()


def _leaf(body: str, line: ScoreLine) -> str:
    return body.split(f'id="line-{line.pk}"')[1].split("</article>")[0]


def test_a_leaf_not_appraised_and_no_question_is_refused_naming_the_leaf(
    client: Client, submitted: Any, lead: Any, appraiser: Any
) -> None:
    # given 2.1.1 appraised with a reason, 1.1.1 not appraised at all
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=appraiser, base_version=line.version,
                  value={"numerator": 50, "denominator": 100}, note="Chỉ có 50% văn bản điện tử.")
    client.force_login(lead)
    # when the lead returns both without a question
    response = _post(client, submitted, ["2.1.1", "1.1.1"])
    # then the request is refused, naming the leaf that says nothing to the unit (not the one with its reason)
    assert response.status_code == 400
    body = response.content.decode()
    error = body.split('role="alert">')[1].split("</p>")[0]
    assert "1.1.1" in error and "2.1.1" not in error
    assert "Nội dung yêu cầu" in error
    assert re.search(r'<textarea[^>]*id="message"[^>]*aria-invalid="true"', body)
    # the leaf named is marked in the list, the choice kept
    row = body.split(f'id="flag-{line_of(submitted, "1.1.1").pk}"')[1].split("</tr>")[0]
    assert "Chưa thẩm định" in row
    _nothing_returned(submitted)


def test_a_leaf_appraised_with_a_reason_needs_no_question(
    client: Client, submitted: Any, lead: Any, appraiser: Any
) -> None:
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=appraiser, base_version=line.version,
                  value={"numerator": 50, "denominator": 100}, note="Chỉ có 50% văn bản điện tử.")
    client.force_login(lead)
    assert _post(client, submitted, ["2.1.1"]).status_code == 302
    assert refresh(submitted).state == Assessment.State.EXPLANATION


def test_a_leaf_accepted_without_a_reason_needs_a_question(client: Client, appraised: Any, lead: Any) -> None:
    client.force_login(lead)
    refused = _post(client, appraised, ["1.2.1"])
    assert refused.status_code == 400 and "1.2.1" in refused.content.decode()
    _nothing_returned(appraised)
    assert _post(client, appraised, ["1.2.1"], message="Đề nghị gửi kèm báo cáo đúng hạn.").status_code == 302


def test_the_whole_assessment_without_a_question_is_refused_naming_the_leaves(
    client: Client, appraised: Any, lead: Any
) -> None:
    client.force_login(lead)
    refused = _post(client, appraised, None)
    assert refused.status_code == 400
    assert "9 tiêu chí" in refused.content.decode()
    _nothing_returned(appraised)
    assert _post(client, appraised, None, message="Đề nghị rà soát toàn bộ.").status_code == 302


def test_the_service_names_each_leaf_without_a_reason_when_asked_to(submitted: Any, lead: Any) -> None:
    ids = [line_of(submitted, code).pk for code in ("1.1.1", "2.1.1")]
    with pytest.raises(ValidationFailed) as caught:
        explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=ids, require_questions=True)
    assert caught.value.code == "question_required"
    assert [str(d) for d in caught.value.details] == ["1.1.1", "2.1.1"]
    assert {d.line_id for d in caught.value.details} == set(ids)
    _nothing_returned(submitted)
    # a question (blank is none) answers for every leaf
    with pytest.raises(ValidationFailed):
        explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=ids, message="  ",
                            require_questions=True)
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=ids,
                        message="Đề nghị bổ sung.", require_questions=True)


def test_the_unit_sees_the_question_next_to_a_leaf_without_a_reason_and_the_reason_next_to_the_others(
    client: Client, submitted: Any, lead: Any, appraiser: Any, unit_editor: Any
) -> None:
    adjusted = line_of(submitted, "2.1.1")
    line_appraise(line=adjusted, actor=appraiser, base_version=adjusted.version,
                  value={"numerator": 50, "denominator": 100}, note="Chỉ có 50% văn bản điện tử.")
    client.force_login(lead)
    assert _post(client, submitted, ["2.1.1", "1.1.1"], message="Đề nghị gửi kế hoạch CCHC năm.").status_code == 302
    client.force_login(unit_editor)
    body = client.get(reverse("appraisal:explain", args=[submitted.pk])).content.decode()
    unappraised = _leaf(body, line_of(submitted, "1.1.1"))
    # not «—» with nothing: not appraised yet, and what the team asks
    assert "Chưa thẩm định" in unappraised
    assert "Nội dung cần giải trình" in unappraised and "Đề nghị gửi kế hoạch CCHC năm." in unappraised
    with_reason = _leaf(body, adjusted)
    assert "Chỉ có 50% văn bản điện tử." in with_reason
    assert "Nội dung cần giải trình" not in with_reason


def test_the_request_page_tells_which_leaves_need_the_question(client: Client, submitted: Any, lead: Any,
                                                               appraiser: Any) -> None:
    line = line_of(submitted, "2.1.1")
    line_appraise(line=line, actor=appraiser, base_version=line.version,
                  value={"numerator": 50, "denominator": 100}, note="Chỉ có 50% văn bản điện tử.")
    client.force_login(lead)
    body = client.get(reverse("appraisal:request_explanation", args=[submitted.pk])).content.decode()
    # the message is said to be what the unit reads next to the leaves without a reason
    assert "bên cạnh các tiêu chí" in body
    unappraised = body.split(f'id="flag-{line_of(submitted, "1.1.1").pk}"')[1].split("</tr>")[0]
    assert "Chưa thẩm định" in unappraised
    appraised_row = body.split(f'id="flag-{line.pk}"')[1].split("</tr>")[0]
    assert "Chỉ có 50% văn bản điện tử." in appraised_row and "Chưa thẩm định" not in appraised_row
