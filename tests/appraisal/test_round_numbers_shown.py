"""A withdrawn explanation round takes no number among the rounds shown to people: after one real round and one
withdrawn round, the next round reads «vòng 2» (review page, queue, the lead's round page, the unit's page, the
e-mail to the team, the API, the appraisal workbook), and the withdrawn round is shown as withdrawn («đã rút»).
The stored numbers (the rounds' keys, and their history) are unchanged."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from appraisal.models import ExplanationRound, Notification
from appraisal.services import (
    explanation_close,
    explanation_request,
    explanation_resubmit,
    explanation_withdraw,
    line_explain,
)
from scoring.models import Assessment
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db


def _request(assessment: Any, lead: Any, code: str = "2.1.1") -> ExplanationRound:
    return explanation_request(assessment=assessment, actor=lead, deadline=later(),
                               line_ids=[line_of(assessment, code).pk], message="Bổ sung tài liệu.")


def _explain_and_resubmit(assessment: Any, editor: Any, head: Any, text: str, code: str = "2.1.1") -> None:
    line = line_of(assessment, code)
    line_explain(line=line, actor=editor, base_version=line.version, explanation=text)
    explanation_resubmit(assessment=refresh(assessment), actor=head)


@pytest.fixture
def real_then_withdrawn(submitted: Any, lead: Any, unit_editor: Any, unit_head: Any) -> Any:
    """Round 1 explained and resubmitted; round 2 asked, then withdrawn by the lead: the appraisal goes on in stored
    round 3, shown as round 2."""
    _request(submitted, lead)
    _explain_and_resubmit(submitted, unit_editor, unit_head, "Đã bổ sung quyết định.")
    _request(refresh(submitted), lead)
    explanation_withdraw(assessment=refresh(submitted), actor=lead, reason="Yêu cầu nhầm.")
    assessment = refresh(submitted)
    assert assessment.appraisal_round == 3  # the stored number is unchanged: it counts the withdrawn round
    return assessment


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _review(client: Client, assessment: Any, user: Any) -> str:
    client.force_login(user)
    response = client.get(reverse("appraisal:review", args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- the review page -------------------------------------------------------------------------------------------


def test_after_a_real_and_a_withdrawn_round_the_review_page_reads_round_2(
    client: Client, real_then_withdrawn: Any, lead: Any
) -> None:
    body = _review(client, real_then_withdrawn, lead)
    header = re.search(r"<span data-round>(.*?)</span>", body)
    assert header is not None and header.group(1) == "Thẩm định vòng 2"
    assert "Vòng 3" not in body


def test_the_round_list_numbers_real_rounds_only_and_shows_the_withdrawn_one_as_withdrawn(
    client: Client, real_then_withdrawn: Any, lead: Any
) -> None:
    # when the lead asks again
    _request(real_then_withdrawn, lead)
    text = _text(_review(client, refresh(real_then_withdrawn), lead))
    # then the list reads round 1, the withdrawn round (no number), round 2
    assert re.search(r"Vòng 1: .*?Vòng đã rút: .*?rút lại yêu cầu lúc .*?Vòng 2: ", text)
    assert "Vòng 3" not in text


def test_the_lead_sees_the_open_round_after_a_withdrawn_one_as_round_2(
    client: Client, real_then_withdrawn: Any, lead: Any
) -> None:
    _request(real_then_withdrawn, lead)
    client.force_login(lead)
    body = client.get(reverse("appraisal:request_explanation", args=[real_then_withdrawn.pk])).content.decode()
    assert "Vòng giải trình 2 đang mở" in body
    assert "Vòng giải trình 3" not in body


def test_the_leafs_history_shows_the_withdrawn_round_as_withdrawn_without_a_number(
    client: Client, real_then_withdrawn: Any, lead: Any
) -> None:
    _request(real_then_withdrawn, lead)  # records the appraisal of (stored) round 3
    body = _review(client, refresh(real_then_withdrawn), lead)
    card = body.split(f'id="line-{line_of(real_then_withdrawn, "2.1.1").pk}"')[1].split("</article>")[0]
    history = _text(card.split('class="history-list"')[1].split("</ol>")[0])
    labels = re.findall(r"Tự chấm|Thẩm định vòng \d|Giải trình vòng \d|Thẩm định \(vòng đã rút\)", history)
    assert labels == ["Tự chấm", "Thẩm định vòng 1", "Giải trình vòng 1", "Thẩm định (vòng đã rút)",
                      "Thẩm định vòng 2"]
    assert "vòng 3" not in history.lower()


def test_a_round_the_lead_closes_when_overdue_keeps_its_number(
    client: Client, submitted: Any, lead: Any
) -> None:
    # guards behaviour that must not change (passes before and after the fix): only withdrawn rounds drop out
    _request(submitted, lead)
    past = timezone.now() - timedelta(hours=1)
    Assessment.objects.filter(pk=submitted.pk).update(explanation_deadline=past)
    ExplanationRound.objects.filter(assessment=submitted).update(deadline=past)
    explanation_close(assessment=refresh(submitted), actor=lead)
    text = _text(_review(client, refresh(submitted), lead))
    assert "Đang thẩm định · Thẩm định vòng 2 " in text
    assert "Vòng 1: " in text and "Vòng đã rút" not in text


# --- the queue, the unit's page, the e-mail, the API, the workbook ---------------------------------------------


def test_the_queue_shows_round_2_after_a_withdrawn_round(client: Client, real_then_withdrawn: Any, lead: Any) -> None:
    client.force_login(lead)
    text = _text(client.get(reverse("appraisal:queue") + f"?ky={real_then_withdrawn.cycle_id}").content.decode())
    assert "vòng 2" in text and "vòng 3" not in text


def test_a_single_withdrawn_round_leaves_the_queue_row_without_a_round(
    client: Client, submitted: Any, lead: Any
) -> None:
    _request(submitted, lead)
    explanation_withdraw(assessment=refresh(submitted), actor=lead, reason="Yêu cầu nhầm.")
    client.force_login(lead)
    text = _text(client.get(reverse("appraisal:queue") + f"?ky={submitted.cycle_id}").content.decode())
    assert "Đang thẩm định" in text and "vòng 2" not in text  # still the first round as people count them


def test_the_units_page_names_the_appraisal_of_the_round_after_a_withdrawn_one_round_2(
    client: Client, real_then_withdrawn: Any, lead: Any, unit_editor: Any
) -> None:
    _request(real_then_withdrawn, lead)
    client.force_login(unit_editor)
    text = _text(client.get(reverse("appraisal:explain", args=[real_then_withdrawn.pk])).content.decode())
    assert "Thẩm định vòng 2" in text and "Thẩm định (vòng đã rút)" in text
    assert "vòng 3" not in text.lower()


def test_the_resubmission_e_mail_names_the_round_as_shown(
    submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    # given a withdrawn first round, then a real one (stored 2, shown 1) the unit resubmits
    _request(submitted, lead)
    explanation_withdraw(assessment=refresh(submitted), actor=lead, reason="Yêu cầu nhầm.")
    _request(refresh(submitted), lead)
    _explain_and_resubmit(submitted, unit_editor, unit_head, "Đã bổ sung quyết định.")
    # then the team is told the appraisal goes on in round 2 (stored 3)
    assert refresh(submitted).appraisal_round == 3
    bodies = list(Notification.objects.filter(kind=Notification.Kind.RESUBMITTED).values_list("body", flat=True))
    assert bodies and all("thẩm định vòng 2." in body for body in bodies)


def test_the_api_gives_each_round_its_shown_number_and_marks_the_withdrawn_one(
    real_then_withdrawn: Any, lead: Any
) -> None:
    _request(real_then_withdrawn, lead)
    api = APIClient()
    api.force_login(lead)
    response = api.get(f"/api/v1/assessments/{real_then_withdrawn.pk}/rounds/")
    assert response.status_code == 200
    assert [(r["round"], r["number"], r["withdrawn"]) for r in response.json()] == [
        (1, 1, False), (2, None, True), (3, 2, False)]


def test_the_appraisal_workbook_names_the_round_as_shown(
    client: Client, real_then_withdrawn: Any, lead: Any
) -> None:
    client.force_login(lead)
    response = client.get(reverse("appraisal:assessment_workbook", args=[real_then_withdrawn.pk]))
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    state = next(row[1].value for row in ws.iter_rows(max_row=10) if row[0].value == "Trạng thái")
    assert state == "Đang thẩm định, thẩm định vòng 2"
