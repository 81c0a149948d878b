"""The unit's «Đồng ý với kết quả thẩm định» is a fact of its round (`ExplanationRound.agreed_lines`), not a sentence
stored as the leaf's explanation: a unit typing that sentence explains, an agreement keeps the leaf's own text, every
reader (the explanation page, the review page, the leaf's history, the queue's counts, the workbook) reads the fact,
and the data written the old way is converted."""

from __future__ import annotations

import importlib
import io
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.models import ExplanationRound, LineHistory
from appraisal.selectors.queue import unseen_explanations
from appraisal.services import explanation_request, explanation_resubmit, line_explain
from appraisal.services.rounds import explanation_agree_remaining, line_agree
from scoring.models import Assessment, AuditEntry, ScoreLine
from tests.appraisal.conftest import evidence_not_required, later, line_of, refresh

pytestmark = pytest.mark.django_db
OLD_SENTENCE = "Đơn vị đồng ý với kết quả thẩm định vòng 1."
migration = importlib.import_module("appraisal.migrations.0008_explanation_round_agreed_questions")


def _round(assessment: Any, stored: int | None = None) -> ExplanationRound:
    rounds = ExplanationRound.objects.filter(assessment=assessment).order_by("-round")
    found = rounds.filter(round=stored).first() if stored is not None else rounds.first()
    assert found is not None
    return found


def _explanation_cells(client: Client, user: Any, assessment: Any) -> dict[str, Any]:
    """Each leaf's «Giải trình» cell of the assessment's appraisal workbook, by code."""
    client.force_login(user)
    response = client.get(reverse("appraisal:assessment_workbook", args=[assessment.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    header = next(row for row in rows if row and row[0] == "Mã")
    column = header.index("Giải trình")
    return {str(row[0]): row[column] for row in rows if row and row[0]}


def test_a_unit_typing_the_old_agreement_sentence_explains_and_the_team_reads_it_as_new(
    appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    line = line_of(appraised, "2.1.1")
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[line.pk], message="Vì sao?")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation=OLD_SENTENCE)
    assert line.pk not in _round(appraised).agreed_lines
    explanation_resubmit(assessment=appraised, actor=unit_head)
    # an explanation like any other: new to the team, listed as explained
    assert unseen_explanations(assessments=[appraised.pk]) == {appraised.pk: [line.indicator_id]}


def test_agreeing_keeps_the_leafs_own_text_and_an_explanation_written_after_it_replaces_it(
    appraised: Any, lead: Any, unit_editor: Any
) -> None:
    # given a leaf whose self-assessment had an explanation, returned with another leaf
    ScoreLine.objects.filter(pk=line_of(appraised, "1.1.1").pk).update(explanation="Đã có quyết định số 12.")
    line = line_of(appraised, "1.1.1")
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[line.pk], message="Vì sao?")
    # the unit first writes an explanation in the round, then agrees instead
    written = line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đang bổ sung.")
    agreed = line_agree(line=written, actor=unit_editor, base_version=written.version)
    # the leaf's text is again the one it had when the round began, the agreement is the round's
    assert agreed.explanation == line_of(appraised, "1.1.1").explanation == "Đã có quyết định số 12."
    assert _round(appraised).agreed_lines == [line.pk]
    entry = AuditEntry.objects.get(action="score_line.agree", object_id=str(line.pk))
    assert entry.changes == {"agreed": {"old": False, "new": True},
                             "explanation": {"old": "Đang bổ sung.", "new": "Đã có quyết định số 12."}}
    # an explanation written afterwards is the answer: the agreement is withdrawn, and audited so
    again = line_explain(line=agreed, actor=unit_editor, base_version=agreed.version, explanation="Bổ sung văn bản.")
    assert again.explanation == "Bổ sung văn bản." and _round(appraised).agreed_lines == []
    last = AuditEntry.objects.filter(action="score_line.explain", object_id=str(line.pk)).latest("id")
    assert last.changes["agreed"] == {"old": True, "new": False}


def test_agreeing_with_the_rest_answers_only_the_unanswered_leaves(
    appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    codes = ("1.1.1", "1.1.2", "2.1.1")
    explanation_request(assessment=appraised, actor=lead, deadline=later(), message="Rà soát.",
                        line_ids=[line_of(appraised, code).pk for code in codes])
    explained = line_of(appraised, "2.1.1")
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Có báo cáo.")
    agreed = explanation_agree_remaining(assessment=appraised, actor=unit_editor)
    assert [line.indicator.code for line in agreed] == ["1.1.1", "1.1.2"]
    assert set(_round(appraised).agreed_lines) == {line_of(appraised, code).pk for code in ("1.1.1", "1.1.2")}
    assert line_of(appraised, "1.1.1").explanation == ""  # nothing written on the leaf
    explanation_resubmit(assessment=appraised, actor=unit_head)
    assert refresh(appraised).state == Assessment.State.IN_APPRAISAL


def test_the_workbook_tells_an_agreement_from_an_explanation(
    client: Client, appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    # leaves needing no evidence: an agreement on one needing evidence not sent says so apart
    # (test_agreed_without_evidence)
    evidence_not_required(appraised)
    explanation_request(assessment=appraised, actor=lead, deadline=later(), message="Rà soát.",
                        line_ids=[line_of(appraised, code).pk for code in ("1.1.1", "2.1.1", "1.1.2")])
    explained = line_of(appraised, "2.1.1")
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Có báo cáo.")
    agreed = line_of(appraised, "1.1.1")
    line_agree(line=agreed, actor=unit_editor, base_version=agreed.version)
    # during the round
    cells = _explanation_cells(client, lead, appraised)
    assert cells["1.1.1"] == "Yêu cầu giải trình: đơn vị đồng ý với kết quả thẩm định"
    assert cells["2.1.1"] == "Yêu cầu giải trình: đã giải trình"
    assert cells["1.1.2"] == "Yêu cầu giải trình: chưa giải trình"
    # and once the round has ended
    last = line_of(appraised, "1.1.2")
    line_agree(line=last, actor=unit_editor, base_version=last.version)
    explanation_resubmit(assessment=appraised, actor=unit_head)
    cells = _explanation_cells(client, lead, refresh(appraised))
    assert cells["1.1.1"] == cells["1.1.2"] == "Yêu cầu giải trình: đơn vị đồng ý với kết quả thẩm định"
    assert cells["2.1.1"] == "Yêu cầu giải trình: đã giải trình"


def _old_form(appraised: Any, lead: Any, unit_editor: Any, unit_head: Any) -> dict[str, Any]:
    """Two rounds as the agreement used to write them: in round 1 the unit agreed with 1.1.1 (the sentence as its
    explanation) and explained 2.1.1; round 2 returned 1.1.1 (starting from the sentence) and 1.1.2 (whose
    self-assessment text it keeps), and the unit agreed with 1.1.1 again, the round still open."""
    one, two, three = (line_of(appraised, code) for code in ("1.1.1", "2.1.1", "1.1.2"))
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[one.pk, two.pk], message="?")
    ScoreLine.objects.filter(pk=one.pk).update(explanation=OLD_SENTENCE)
    line_explain(line=two, actor=unit_editor, base_version=two.version, explanation="Có báo cáo số 15.")
    explanation_resubmit(assessment=appraised, actor=unit_head)
    ScoreLine.objects.filter(pk=three.pk).update(explanation="Tự giải trình khi tự chấm.")
    explanation_request(assessment=refresh(appraised), actor=lead, deadline=later(), line_ids=[one.pk, three.pk],
                        message="?")
    ScoreLine.objects.filter(pk=one.pk).update(explanation="Đơn vị đồng ý với kết quả thẩm định vòng 2.")
    assert _round(appraised, 2).explanations_at_start[str(one.pk)] == OLD_SENTENCE
    return {"one": one, "two": two, "three": three}


def test_the_migration_turns_the_old_sentences_into_agreements_and_gives_the_leaves_their_texts_back(
    client: Client, appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    lines = _old_form(appraised, lead, unit_editor, unit_head)
    one, two, three = lines["one"], lines["two"], lines["three"]
    updated_at = line_of(appraised, "1.1.1").updated_at
    # when
    migration.agreements_to_facts(apps, None)
    # then each round records its agreement; no sentence is left anywhere
    first, second = _round(appraised, 1), _round(appraised, 2)
    assert first.agreed_lines == [one.pk] and second.agreed_lines == [one.pk]
    assert second.explanations_at_start == {str(one.pk): "", str(three.pk): "Tự giải trình khi tự chấm."}
    recorded = {e.line_id: e.explanation for e in LineHistory.objects.filter(
        assessment=appraised, stage=LineHistory.Stage.EXPLANATION, round=1)}
    assert recorded == {one.pk: "", two.pk: "Có báo cáo số 15."}
    assert line_of(appraised, "1.1.1").explanation == ""
    assert line_of(appraised, "1.1.1").updated_at == updated_at  # the queue's «giải trình mới» compares it
    assert line_of(appraised, "1.1.2").explanation == "Tự giải trình khi tự chấm."
    assert not ScoreLine.objects.filter(explanation__startswith="Đơn vị đồng ý").exists()
    assert not LineHistory.objects.filter(explanation__startswith="Đơn vị đồng ý").exists()
    # and the open round reads as it did: 1.1.1 answered by its agreement, 1.1.2 still to answer
    client.force_login(unit_editor)
    body = client.get(reverse("appraisal:explain", args=[appraised.pk])).content.decode()
    assert "Còn 1 tiêu chí chưa giải trình" in body
    # going back writes the sentences again where an agreement was the answer
    migration.facts_to_agreements(apps, None)
    assert line_of(appraised, "1.1.1").explanation == "Đơn vị đồng ý với kết quả thẩm định vòng 2."
    assert LineHistory.objects.get(line=one, stage=LineHistory.Stage.EXPLANATION, round=1).explanation == OLD_SENTENCE


def test_the_migration_leaves_an_old_sentence_carried_into_a_round_unanswered_there(
    appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    lines = _old_form(appraised, lead, unit_editor, unit_head)
    # round 2 closed by the lead without the unit agreeing again: 1.1.1 kept round 1's sentence
    ScoreLine.objects.filter(pk=lines["one"].pk).update(explanation=OLD_SENTENCE)
    migration.agreements_to_facts(apps, None)
    assert _round(appraised, 2).agreed_lines == []
    assert _round(appraised, 1).agreed_lines == [lines["one"].pk]
    assert line_of(appraised, "1.1.1").explanation == ""


def test_after_the_round_the_unit_and_the_team_read_the_agreement_not_the_leafs_older_text(
    client: Client, appraised: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    ScoreLine.objects.filter(pk=line_of(appraised, "1.1.1").pk).update(explanation="Giải trình khi tự chấm.")
    line = line_of(appraised, "1.1.1")
    explanation_request(assessment=appraised, actor=lead, deadline=later(), line_ids=[line.pk], message="Vì sao?")
    line_agree(line=line, actor=unit_editor, base_version=line.version)
    explanation_resubmit(assessment=appraised, actor=unit_head)
    client.force_login(unit_editor)
    body = client.get(reverse("appraisal:explain", args=[appraised.pk])).content.decode()
    leaf = body.split(f'id="line-{line.pk}"')[1].split("</article>")[0]
    assert "<p data-agreed>" in leaf and "data-history-agreed" in leaf
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[appraised.pk])).content.decode()
    leaf = body.split(f'id="line-{line.pk}"')[1].split("</article>")[0]
    # the team reads the agreement; the leaf's older text is said to be older
    assert "data-agreed" in leaf and "Giải trình trước đây" in leaf and "Giải trình khi tự chấm." in leaf
