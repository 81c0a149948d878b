"""In a new appraisal round (after the unit's explanation) a leaf's reason box starts empty, the previous round's
reason shown beside it, read-only and labelled with its round; a score changed in this round needs a reason written
in this round (the previous one, which argued for the old score, is refused), and a score kept keeps its reason."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import explanation_request, explanation_resubmit, line_appraise, line_explain
from scoring.errors import ValidationFailed
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
CODE = "2.1.1"  # proportional: 85/100 → 1.70 as the unit scored it
OLD_REASON = "Chỉ 50 văn bản điện tử có số liệu kiểm chứng."


@pytest.fixture
def round_two(submitted: Any, lead: Any, unit_editor: Any, unit_head: Any) -> Any:
    """Round 1: the lead lowered 2.1.1 to 50/100 (0.00, under the 80 % threshold) with a reason, asked the unit to
    explain; the unit explained and resubmitted: round 2 is being appraised."""
    line = line_of(submitted, CODE)
    line_appraise(line=line, actor=lead, base_version=line.version,
                  value={"numerator": 50, "denominator": 100}, note=OLD_REASON)
    explanation_request(assessment=refresh(submitted), actor=lead, deadline=later(), line_ids=[line.pk])
    line = line_of(submitted, CODE)
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung 35 văn bản.")
    explanation_resubmit(assessment=refresh(submitted), actor=unit_head)
    assessment = refresh(submitted)
    assert assessment.appraisal_round == 2 and assessment.state == "in_appraisal"
    return assessment


def _card(client: Client, assessment: Any, line_pk: int) -> str:
    body = client.get(reverse("appraisal:review", args=[assessment.pk])).content.decode()
    return body.split(f'id="line-{line_pk}"')[1].split("</article>")[0]


def _box(card: str, line_pk: int) -> str:
    found = re.search(rf'<textarea id="note-{line_pk}"[^>]*>(.*?)</textarea>', card, re.S)
    assert found is not None
    return found.group(1)


def test_the_reason_box_starts_empty_with_the_previous_rounds_reason_beside_it(round_two: Any, lead: Any) -> None:
    client = Client()
    client.force_login(lead)
    line = line_of(round_two, CODE)
    card = _card(client, round_two, line.pk)
    assert _box(card, line.pk) == ""
    previous = re.search(r"<p[^>]*data-previous-reason[^>]*>(.*?)</p>", card, re.S)
    assert previous is not None
    assert "vòng 1" in previous.group(1)
    assert OLD_REASON in previous.group(1)


def test_a_score_changed_in_the_new_round_needs_a_reason_of_this_round(round_two: Any, lead: Any) -> None:
    line = line_of(round_two, CODE)
    raised = {"numerator": 80, "denominator": 100}
    for note in ("", OLD_REASON, f"  {OLD_REASON} "):
        with pytest.raises(ValidationFailed) as refused:
            line_appraise(line=line, actor=lead, base_version=line.version, value=raised, note=note)
        assert refused.value.details == {"field": "note"}
        assert "vòng này" in str(refused.value.message)
    assert line_of(round_two, CODE).appraised_score == Decimal("0")  # nothing saved
    saved = line_appraise(line=line, actor=lead, base_version=line.version, value=raised,
                          note="Đơn vị bổ sung đủ văn bản: 80/100.")
    assert saved.appraised_score == Decimal("1.6")
    assert saved.appraised_note == "Đơn vị bổ sung đủ văn bản: 80/100."


def test_the_page_refuses_the_old_reason_with_a_changed_score(round_two: Any, lead: Any) -> None:
    client = Client()
    client.force_login(lead)
    line = line_of(round_two, CODE)
    answer = client.post(reverse("appraisal:appraise_line", args=[round_two.pk, line.pk]),
                         {"base_version": line.version, f"a{line.pk}-numerator": "80",
                          f"a{line.pk}-denominator": "100", "note": OLD_REASON}, **JSON)
    assert answer.status_code == 400
    assert answer.json()["field"] == "note"
    assert line_of(round_two, CODE).appraised_score == Decimal("0")


def test_a_score_kept_keeps_the_previous_reason(round_two: Any, lead: Any) -> None:
    client = Client()
    client.force_login(lead)
    line = line_of(round_two, CODE)
    saved = line_appraise(line=line, actor=lead, base_version=line.version,
                          value={"numerator": 50, "denominator": 100}, note="")
    assert saved.appraised_score == Decimal("0")
    assert saved.appraised_note == OLD_REASON


def test_a_reason_written_in_this_round_is_shown_in_the_box(round_two: Any, lead: Any) -> None:
    client = Client()
    client.force_login(lead)
    line = line_of(round_two, CODE)
    line_appraise(line=line, actor=lead, base_version=line.version, value={"numerator": 80, "denominator": 100},
                  note="Đã đủ văn bản.")
    assert _box(_card(client, round_two, line.pk), line.pk) == "Đã đủ văn bản."


def test_the_first_round_box_keeps_its_reason(submitted: Any, lead: Any) -> None:
    client = Client()
    client.force_login(lead)
    line = line_of(submitted, CODE)
    line_appraise(line=line, actor=lead, base_version=line.version, value={"numerator": 50, "denominator": 100},
                  note=OLD_REASON)
    card = _card(client, refresh(submitted), line.pk)
    assert _box(card, line.pk) == OLD_REASON
    assert "data-previous-reason" not in card


def test_a_save_in_place_that_keeps_the_score_leaves_the_box_empty(round_two: Any, lead: Any) -> None:
    client = Client()
    client.force_login(lead)
    line = line_of(round_two, CODE)
    answer = client.post(reverse("appraisal:appraise_line", args=[round_two.pk, line.pk]),
                         {"base_version": line.version, f"a{line.pk}-numerator": "50",
                          f"a{line.pk}-denominator": "100", "note": ""}, **JSON)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["line"]["note"] == ""
    assert line_of(round_two, CODE).appraised_note == OLD_REASON


def test_the_api_refuses_the_old_reason_with_a_changed_score(round_two: Any, lead: Any) -> None:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(lead)
    line = line_of(round_two, CODE)
    response = api.post(reverse("api:appraise_line", args=[round_two.pk, line.pk]),
                        {"version": line.version, "value": {"numerator": 80, "denominator": 100},
                         "note": OLD_REASON}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "round_reason_required"
    assert line_of(round_two, CODE).appraised_score == Decimal("0")


def test_a_leaf_undecided_when_the_round_ended_needs_only_the_usual_reason(
    submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    # round 1 asked about 2.1.1 before deciding it; in round 2 its self-score is taken with no reason
    line = line_of(submitted, CODE)
    explanation_request(assessment=refresh(submitted), actor=lead, deadline=later(), line_ids=[line.pk],
                        message="Đề nghị gửi số liệu.", undecided_ok=True)
    line = line_of(submitted, CODE)
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã gửi số liệu.")
    explanation_resubmit(assessment=refresh(submitted), actor=unit_head)
    line = line_of(submitted, CODE)
    client = Client()
    client.force_login(lead)
    card = _card(client, refresh(submitted), line.pk)
    assert "so với vòng trước" not in card and "data-previous-reason" not in card
    saved = line_appraise(line=line, actor=lead, base_version=line.version, value=line.self_value, note="")
    assert saved.appraised_score == Decimal("1.7")
    assert saved.appraised_note == ""
