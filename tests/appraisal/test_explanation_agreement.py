"""The unit's «Đồng ý với kết quả thẩm định» on a flagged leaf: its answer for that leaf without any text (one leaf, or
every leaf still unanswered at once), recorded in the round apart from the explanations, shown to the team, audited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import ExplanationRound, LineHistory
from appraisal.services import explanation_request, explanation_resubmit, explanation_withdraw, line_explain
from scoring.models import Assessment, AuditEntry, ScoreLine
from tests.appraisal.conftest import later, line_of, refresh

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
AGREED = "Đơn vị đồng ý với kết quả thẩm định"


def _agreed_in(assessment: Any, number: int | None = None) -> set[int]:
    """The line ids the unit agreed with in the assessment's round `number` (stored), by default its last one."""
    rounds = ExplanationRound.objects.filter(assessment=assessment).order_by("-round")
    found = rounds.filter(round=number).first() if number is not None else rounds.first()
    assert found is not None
    return set(found.agreed_lines)


def _whole(assessment: Any, lead: Any) -> None:
    """«Yêu cầu giải trình toàn bộ», with the request-wide question every accepted leaf needs."""
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=None,
                        message="Đề nghị đơn vị rà soát lại toàn bộ kết quả.")


def _agree(client: Client, assessment: Any, line: ScoreLine, **extra: Any) -> Any:
    return client.post(reverse("appraisal:explain_line", args=[assessment.pk, line.pk]),
                       {"base_version": line.version, "agree": "1", "explanation": ""}, **extra)


def _agree_remaining(client: Client, assessment: Any) -> Any:
    return client.post(reverse("appraisal:explain", args=[assessment.pk]), {"agree_remaining": "1"})


def _checkbox(body: str, line: ScoreLine) -> str:
    found = re.search(rf'<input[^>]*id="agree-{line.pk}"[^>]*>', body)
    assert found, "no «Đồng ý với kết quả thẩm định» on the leaf"
    return found.group(0)


def test_a_whole_request_is_answered_by_explaining_some_leaves_and_agreeing_with_the_rest(
    client: Client, appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    # given the whole assessment returned (9 leaves) and one leaf explained
    _whole(appraised, lead)
    explained = line_of(appraised, "2.1.1")
    line_explain(line=explained, actor=unit_editor, base_version=explained.version,
                 explanation="Đã bổ sung báo cáo số 15.")
    client.force_login(unit_editor)
    # when the editor agrees with one leaf on its own, then with every leaf still unanswered at once
    one = line_of(appraised, "1.1.1")
    assert _agree(client, appraised, one).status_code == 302
    response = _agree_remaining(client, appraised)
    assert response.status_code == 302
    # then every flagged leaf has its answer: the explanation written stays, the others are agreements of the
    # round, no text written on them
    lines = {line.indicator.code: line for line in appraised.lines.select_related("indicator")}
    assert lines["2.1.1"].explanation == "Đã bổ sung báo cáo số 15."
    assert _agreed_in(appraised) == {line.pk for code, line in lines.items() if code != "2.1.1"}
    assert {line.explanation for code, line in lines.items() if code != "2.1.1"} == {""}
    # each agreement is audited on its leaf
    agreed_entries = AuditEntry.objects.filter(action="score_line.agree", assessment=appraised)
    assert sorted(int(e.object_id) for e in agreed_entries) == sorted(
        line.pk for code, line in lines.items() if code != "2.1.1")
    assert all(e.actor == unit_editor and e.changes == {"agreed": {"old": False, "new": True}}
               for e in agreed_entries)
    # and the head sends the round back without a word more
    client.force_login(unit_head)
    sent = client.post(reverse("appraisal:resubmit", args=[appraised.pk]))
    assert sent.status_code == 302
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL
    # the round's record keeps each answer: the explanation as written, the agreement as the round's fact
    recorded = {e.line_id: e.explanation for e in LineHistory.objects.filter(
        assessment=appraised, stage=LineHistory.Stage.EXPLANATION, round=1)}
    assert recorded[one.pk] == "" and recorded[explained.pk] == "Đã bổ sung báo cáo số 15."
    assert one.pk in _agreed_in(appraised, 1) and explained.pk not in _agreed_in(appraised, 1)


def test_an_agreement_is_the_leafs_answer_and_lets_the_head_send_the_round(
    appraised: Any, lead: Any, unit_head: Any, unit_editor: Any, client: Client
) -> None:
    line = line_of(appraised, "1.1.1")
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[line.pk],
                        message="Đề nghị xác nhận.")
    assert _agree(Client(), appraised, line).status_code == 302  # signed out: to the login page, nothing recorded
    assert line_of(appraised, "1.1.1").explanation == ""
    client.force_login(unit_editor)
    _agree(client, appraised, line)
    explanation_resubmit(assessment=appraised, actor=unit_head)
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL


def test_the_explanation_page_offers_the_agreement_and_shows_it_as_given(
    client: Client, appraised: Any, lead: Any, unit_editor: Any
) -> None:
    _whole(appraised, lead)
    line = line_of(appraised, "1.1.1")
    client.force_login(unit_editor)
    url = reverse("appraisal:explain", args=[appraised.pk])
    body = client.get(url).content.decode()
    assert 'name="agree"' in _checkbox(body, line) and "checked" not in _checkbox(body, line)
    assert "Đồng ý với kết quả thẩm định" in body
    # every leaf unanswered: the page offers to agree with all of them at once, and counts them
    assert 'name="agree_remaining"' in body
    assert "9 tiêu chí chưa giải trình" in body
    # the explanation is not demanded by the browser: the agreement needs none
    textarea = re.search(rf'<textarea[^>]*id="explanation-{line.pk}"[^>]*>', body)
    assert textarea and " required" not in textarea.group(0)

    _agree(client, appraised, line)
    body = client.get(url).content.decode()
    assert "checked" in _checkbox(body, line)
    # the agreement is not offered as a text to edit
    assert re.search(rf'id="explanation-{line.pk}"[^>]*></textarea>', body)
    assert "8 tiêu chí chưa giải trình" in body


def test_the_team_sees_the_agreement_on_the_leaf(
    client: Client, appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    _whole(appraised, lead)
    client.force_login(unit_editor)
    _agree_remaining(client, appraised)
    explanation_resubmit(assessment=appraised, actor=unit_head)
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[appraised.pk])).content.decode()
    # each leaf says it, and its history records it for the round
    assert body.count("data-agreed") == 9
    assert body.count("data-history-agreed") == 9
    assert "Đơn vị đồng ý với kết quả thẩm định vòng" not in body


def test_agreeing_while_an_explanation_is_typed_is_refused_and_changes_nothing(
    client: Client, appraised: Any, lead: Any, unit_editor: Any
) -> None:
    _whole(appraised, lead)
    line = line_of(appraised, "1.1.1")
    client.force_login(unit_editor)
    response = client.post(reverse("appraisal:explain_line", args=[appraised.pk, line.pk]),
                           {"base_version": line.version, "agree": "1", "explanation": "Đơn vị bổ sung văn bản."},
                           **JSON)
    assert response.status_code == 400 and response.json()["field"] == "explanation"
    assert "Đồng ý với kết quả thẩm định" in response.json()["message"]
    assert line_of(appraised, "1.1.1").explanation == "" and line_of(appraised, "1.1.1").version == line.version


def test_a_script_agreeing_gets_the_leaf_with_no_text_to_edit(
    client: Client, appraised: Any, lead: Any, unit_editor: Any
) -> None:
    _whole(appraised, lead)
    line = line_of(appraised, "1.1.1")
    client.force_login(unit_editor)
    answer = _agree(client, appraised, line, **JSON)
    assert answer.status_code == 200
    data = answer.json()
    assert data["ok"] and data["line"]["agreed"] is True and data["line"]["explanation"] == ""
    assert data["line"]["version"] == line.version + 1
    # the same agreement sent again from the page's old version (its answer lost) is no conflict
    again = _agree(client, appraised, line, **JSON)
    assert again.status_code == 200 and again.json()["line"]["version"] == line.version + 1
    # an explanation written afterwards replaces the agreement
    written = client.post(reverse("appraisal:explain_line", args=[appraised.pk, line.pk]),
                          {"base_version": line.version + 1, "explanation": "Đã có kế hoạch bổ sung."}, **JSON)
    assert written.status_code == 200 and written.json()["line"]["agreed"] is False
    assert line_of(appraised, "1.1.1").explanation == "Đã có kế hoạch bổ sung."


def test_agreeing_with_every_remaining_leaf_leaves_the_explained_ones_and_is_audited_per_leaf(
    client: Client, appraised: Any, lead: Any, unit_editor: Any
) -> None:
    explanation_request(assessment=appraised, actor=lead, deadline=later(), message="Đề nghị rà soát.",
                        line_ids=[line_of(appraised, code).pk for code in ("1.1.1", "1.1.2", "2.1.1")])
    explained = line_of(appraised, "2.1.1")
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Có báo cáo.")
    before = AuditEntry.objects.count()
    client.force_login(unit_editor)
    response = _agree_remaining(client, appraised)
    assert response.status_code == 302
    follow = client.get(response["Location"]).content.decode()
    assert "2 tiêu chí" in follow
    assert AuditEntry.objects.count() == before + 2
    assert line_of(appraised, "2.1.1").explanation == "Có báo cáo."
    assert line_of(appraised, "1.2.1").explanation == ""  # not flagged: untouched
    # nothing left to agree with: said, nothing written
    again = _agree_remaining(client, appraised)
    assert again.status_code == 302 and AuditEntry.objects.count() == before + 2


def test_only_the_units_people_agree_and_only_while_the_round_is_open(
    client: Client, appraised: Any, lead: Any, appraiser: Any, unit_editor: Any
) -> None:
    _whole(appraised, lead)
    line = line_of(appraised, "1.1.1")
    for outsider in (lead, appraiser):
        client.force_login(outsider)
        assert _agree(client, appraised, line).status_code in (403, 404)
        assert _agree_remaining(client, appraised).status_code in (403, 404)
    assert not appraised.lines.exclude(explanation="").exists()
    # after the deadline, nothing more is recorded
    Assessment.objects.filter(pk=appraised.pk).update(explanation_deadline=timezone.now() - timezone.timedelta(hours=1))
    client.force_login(unit_editor)
    late = _agree_remaining(client, appraised)
    assert late.status_code == 302
    assert "Đã hết hạn giải trình." in client.get(late["Location"]).content.decode()
    assert _agree(client, appraised, line, **JSON).status_code == 409
    assert not appraised.lines.exclude(explanation="").exists()


def test_a_leaf_agreed_in_one_round_and_returned_again_is_agreed_again_for_the_new_round(
    client: Client, appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    line = line_of(appraised, "1.1.1")
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[line.pk], message="Xác nhận?")
    client.force_login(unit_editor)
    _agree(client, appraised, line)
    explanation_resubmit(assessment=appraised, actor=unit_head)
    # round 2 returns the same leaf: the earlier agreement is not this round's answer
    explanation_request(assessment=refresh(appraised), actor=lead, deadline=later(), line_ids=[line.pk],
                        message="Xác nhận lại?")
    with pytest.raises(Exception, match="chưa được giải trình"):
        explanation_resubmit(assessment=appraised, actor=unit_head)
    body = client.get(reverse("appraisal:explain", args=[appraised.pk])).content.decode()
    assert "checked" not in _checkbox(body, line)
    _agree(client, appraised, line_of(appraised, "1.1.1"))
    assert line.pk in _agreed_in(appraised) and line_of(appraised, "1.1.1").explanation == ""
    explanation_resubmit(assessment=appraised, actor=unit_head)
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL


def test_a_leaf_agreed_in_a_withdrawn_round_is_agreed_again_in_the_next_one(
    client: Client, appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    line = line_of(appraised, "1.1.1")
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[line.pk], message="Xác nhận?")
    client.force_login(unit_editor)
    _agree(client, appraised, line)
    explanation_withdraw(assessment=appraised, actor=lead, reason="Yêu cầu nhầm.")
    # the appraisal the withdrawn round interrupted goes on as round 1: asked again, the agreement is given again
    explanation_request(assessment=refresh(appraised), actor=lead, deadline=later(), line_ids=[line.pk],
                        message="Xác nhận?")
    assert line.pk not in _agreed_in(appraised)
    _agree(client, appraised, line_of(appraised, "1.1.1"))
    assert line.pk in _agreed_in(appraised)
    explanation_resubmit(assessment=appraised, actor=unit_head)
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL


def test_agreeing_with_the_rest_returns_to_the_page_as_it_was_shown(
    client: Client, appraised: Any, lead: Any, unit_editor: Any
) -> None:
    _whole(appraised, lead)
    client.force_login(unit_editor)
    shown = reverse("appraisal:explain", args=[appraised.pk]) + "?tat-ca=1"
    body = client.get(shown).content.decode()
    assert f'name="next" value="{shown}"' in body.split("data-agree-remaining")[1].split("</form>")[0]
    response = client.post(reverse("appraisal:explain", args=[appraised.pk]), {"agree_remaining": "1", "next": shown})
    assert response.status_code == 302 and response["Location"] == shown
    assert _agreed_in(appraised) == set(appraised.lines.values_list("pk", flat=True))
