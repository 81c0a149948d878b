"""A leaf returned only for missing evidence («đề nghị bổ sung tài liệu kiểm chứng»): the lead marks it when
returning chosen leaves; a document the unit links to it during the round is its answer (no text needed, a note
allowed, or a text saying why there is none), for the resubmission, the round's close and withdrawal, and the
sign-off's «new explanations nobody has looked at». A leaf asked to explain keeps needing its text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.models import ExplanationRound, Notification
from appraisal.selectors.explanation import answers_left, round_answers_so_far
from appraisal.selectors.queue import unseen_explanations
from appraisal.services import (
    assessment_sign_off,
    explanation_close,
    explanation_request,
    explanation_resubmit,
    explanation_withdraw,
    line_explain,
)
from appraisal.services.rounds import explanation_agree_remaining
from scoring.errors import ValidationFailed
from scoring.models import Assessment, AuditEntry
from tests.appraisal.conftest import appraise_all, later, line_of, refresh
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.django_db

DOCS = "2.1.1"  # asked for documents only
EXPLAIN = "1.1.1"  # asked to explain


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def returned(submitted: Any, lead: Any) -> Any:
    """Every leaf appraised; 1.1.1 returned to explain, 2.1.1 for documents only, both with the appraisal's reason."""
    appraise_all(submitted, lead)
    explanation_request(assessment=submitted, actor=lead, deadline=later(),
                        line_ids=[line_of(submitted, EXPLAIN).pk, line_of(submitted, DOCS).pk],
                        documents=[line_of(submitted, DOCS).pk], message="Đề nghị đơn vị trả lời.")
    return refresh(submitted)


def attach(client: Client, editor: Any, assessment: Any, code: str, name: str = "ban-scan.pdf") -> None:
    client.force_login(editor)
    response = client.post(reverse("evidence:upload", args=[assessment.pk]), {
        "line_id": line_of(assessment, code).pk, "files": [upload(name, samples.pdf())],
    })
    assert response.status_code in (200, 302)


def test_the_round_records_the_leaves_asked_for_documents_and_audits_them(returned: Any) -> None:
    current = ExplanationRound.objects.get(assessment=returned)
    assert current.documents_requested == [line_of(returned, DOCS).pk]
    entry = AuditEntry.objects.get(assessment=returned, action="assessment.explanation_request")
    assert entry.changes["documents_requested"] == {"old": None, "new": [DOCS]}


def test_a_round_requested_without_the_choice_asks_explanations_only(submitted: Any, lead: Any) -> None:
    explanation_request(assessment=submitted, actor=lead, deadline=later(), message="Giải trình.",
                        line_ids=[line_of(submitted, DOCS).pk])
    assert ExplanationRound.objects.get(assessment=submitted).documents_requested == []
    assert "documents_requested" not in AuditEntry.objects.get(
        assessment=submitted, action="assessment.explanation_request").changes


def test_a_leaf_asked_for_documents_needs_no_question(submitted: Any, lead: Any) -> None:
    # nothing appraised yet: no reason to read; the request says itself what is asked on the documents leaf
    docs = line_of(submitted, DOCS)
    explanation_request(assessment=submitted, actor=lead, deadline=later(), line_ids=[docs.pk],
                        documents=[docs.pk], require_questions=True)
    assert refresh(submitted).state == Assessment.State.EXPLANATION


def test_documents_asked_of_a_leaf_not_chosen_refuse_the_request(submitted: Any, lead: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        explanation_request(assessment=submitted, actor=lead, deadline=later(), message="Giải trình.",
                            line_ids=[line_of(submitted, EXPLAIN).pk], documents=[line_of(submitted, DOCS).pk])
    assert refused.value.code == "documents_not_flagged"
    assert [str(problem) for problem in refused.value.details] == [DOCS]
    assert refresh(submitted).state == Assessment.State.SUBMITTED
    assert not ExplanationRound.objects.filter(assessment=submitted).exists()


def test_a_document_answers_the_leaf_asked_for_it_and_the_unit_resubmits_without_text(
    client: Client, returned: Any, unit_editor: Any, unit_head: Any
) -> None:
    attach(client, unit_editor, returned, DOCS)
    explained = line_of(returned, EXPLAIN)
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Đã thực hiện.")
    assert answers_left(assessment=returned, explanation_round=ExplanationRound.objects.get(assessment=returned)) \
        == (0, 0)
    back = explanation_resubmit(assessment=refresh(returned), actor=unit_head)
    assert back.state == Assessment.State.IN_APPRAISAL
    assert line_of(back, DOCS).explanation == ""
    body = Notification.objects.filter(assessment=back, kind=Notification.Kind.RESUBMITTED).first().body
    assert "1 giải trình, 1 bổ sung tài liệu kiểm chứng, 0 đồng ý" in body
    assert f"Bổ sung tài liệu kiểm chứng: {DOCS}" in body


def test_the_resubmission_says_what_each_unanswered_leaf_was_asked(
    client: Client, returned: Any, unit_editor: Any, unit_head: Any
) -> None:
    # a document on the leaf asked to explain is still no answer there
    attach(client, unit_editor, returned, EXPLAIN)
    with pytest.raises(ValidationFailed) as refused:
        explanation_resubmit(assessment=returned, actor=unit_head)
    assert str(refused.value.message).startswith("Còn 2 tiêu chí chưa được trả lời trong vòng này.")
    assert "cần có tài liệu bổ sung trong vòng này" in str(refused.value.message)
    why = {str(problem): problem.message for problem in refused.value.details}
    assert why[DOCS].startswith("Được đề nghị bổ sung tài liệu kiểm chứng nhưng chưa bổ sung tài liệu nào")
    assert why[EXPLAIN].startswith("Đã bổ sung tài liệu kiểm chứng nhưng chưa có nội dung giải trình")
    assert refresh(returned).state == Assessment.State.EXPLANATION


def test_a_text_saying_why_there_is_no_document_answers_too(
    returned: Any, unit_editor: Any, unit_head: Any
) -> None:
    for code, text in ((DOCS, "Văn bản đang chờ ký, chưa có bản scan."), (EXPLAIN, "Đã thực hiện.")):
        line = line_of(returned, code)
        line_explain(line=line, actor=unit_editor, base_version=line.version, explanation=text)
    assert explanation_resubmit(assessment=refresh(returned), actor=unit_head).state == Assessment.State.IN_APPRAISAL


def test_the_note_beside_documents_is_optional(returned: Any, unit_editor: Any) -> None:
    docs = line_of(returned, DOCS)
    noted = line_explain(line=docs, actor=unit_editor, base_version=docs.version, explanation="Bản scan quyết định.")
    cleared = line_explain(line=noted, actor=unit_editor, base_version=noted.version, explanation="")
    assert cleared.explanation == "" and cleared.version == noted.version + 1
    asked = line_of(returned, EXPLAIN)
    with pytest.raises(ValidationFailed) as refused:
        line_explain(line=asked, actor=unit_editor, base_version=asked.version, explanation="")
    assert refused.value.code == "explanation_required"


def test_agreeing_with_the_rest_leaves_the_documented_leaf_as_answered(
    client: Client, returned: Any, unit_editor: Any
) -> None:
    attach(client, unit_editor, returned, DOCS)
    agreed = explanation_agree_remaining(assessment=returned, actor=unit_editor)
    assert [line.indicator.code for line in agreed] == [EXPLAIN]


def test_the_lead_sees_which_leaves_are_answered_and_how(client: Client, returned: Any, unit_editor: Any) -> None:
    current = ExplanationRound.objects.get(assessment=returned)
    before = round_answers_so_far(assessment=returned, explanation_round=current)
    assert [(row.code, row.documents_asked, row.answer) for row in before] == [(EXPLAIN, False, ""), (DOCS, True, "")]
    attach(client, unit_editor, returned, DOCS)
    after = round_answers_so_far(assessment=returned, explanation_round=current)
    assert [(row.code, row.answer) for row in after] == [(EXPLAIN, ""), (DOCS, "documented")]


def test_a_closed_round_counts_the_documented_leaf_answered(
    client: Client, returned: Any, unit_editor: Any, lead: Any
) -> None:
    attach(client, unit_editor, returned, DOCS)
    Assessment.objects.filter(pk=returned.pk).update(explanation_deadline=later(-1))
    ExplanationRound.objects.filter(assessment=returned).update(deadline=later(-1))
    explanation_close(assessment=refresh(returned), actor=lead)
    body = Notification.objects.filter(assessment=returned, kind=Notification.Kind.EXPLANATION_CLOSED).first().body
    # the documents answer is named as such, not as an explanation
    assert f"Tiêu chí đã bổ sung tài liệu kiểm chứng theo đề nghị: {DOCS}." in body
    assert "Tiêu chí đã có giải trình hoặc đồng ý với kết quả thẩm định" not in body
    assert f"Tiêu chí đơn vị chưa trả lời: {EXPLAIN}." in body


def test_the_closed_round_mail_names_explanations_and_documents_apart(
    client: Client, returned: Any, unit_editor: Any, lead: Any
) -> None:
    attach(client, unit_editor, returned, DOCS)
    explained = line_of(returned, EXPLAIN)
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Đã thực hiện.")
    Assessment.objects.filter(pk=returned.pk).update(explanation_deadline=later(-1))
    ExplanationRound.objects.filter(assessment=returned).update(deadline=later(-1))
    explanation_close(assessment=refresh(returned), actor=lead)
    body = Notification.objects.filter(assessment=returned, kind=Notification.Kind.EXPLANATION_CLOSED).first().body
    assert f"Tiêu chí đã có giải trình hoặc đồng ý với kết quả thẩm định: {EXPLAIN}." in body
    assert f"Tiêu chí đã bổ sung tài liệu kiểm chứng theo đề nghị: {DOCS}." in body
    assert "Tiêu chí đơn vị chưa trả lời" not in body


def test_a_withdrawal_keeps_the_documented_leaf_flagged(
    client: Client, returned: Any, unit_editor: Any, lead: Any
) -> None:
    attach(client, unit_editor, returned, DOCS)
    explanation_withdraw(assessment=returned, actor=lead, reason="Đủ tài liệu.")
    assert line_of(returned, DOCS).explanation_requested
    assert not line_of(returned, EXPLAIN).explanation_requested


def test_new_documents_are_unread_for_the_sign_off_like_an_explanation(
    client: Client, returned: Any, unit_editor: Any, unit_head: Any, lead: Any
) -> None:
    attach(client, unit_editor, returned, DOCS)
    explained = line_of(returned, EXPLAIN)
    line_explain(line=explained, actor=unit_editor, base_version=explained.version, explanation="Đã thực hiện.")
    back = explanation_resubmit(assessment=refresh(returned), actor=unit_head)
    unseen = unseen_explanations(assessments=[back.pk])[back.pk]
    assert set(unseen) == {line_of(back, DOCS).indicator_id, line_of(back, EXPLAIN).indicator_id}
    with pytest.raises(ValidationFailed) as refused:
        assessment_sign_off(assessment=back, actor=lead)
    assert refused.value.code == "unread_explanations"
    assert [str(problem) for problem in refused.value.details] == [EXPLAIN, DOCS]


def test_a_document_on_a_leaf_asked_to_explain_is_not_unread_by_itself(
    client: Client, submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    # an old round (explanations only): a leaf agreed with, with a document added, asks nothing of the team
    appraise_all(submitted, lead)
    explanation_request(assessment=submitted, actor=lead, deadline=later(), message="Giải trình.",
                        line_ids=[line_of(submitted, EXPLAIN).pk])
    attach(client, unit_editor, refresh(submitted), EXPLAIN)
    explanation_agree_remaining(assessment=refresh(submitted), actor=unit_editor)
    back = explanation_resubmit(assessment=refresh(submitted), actor=unit_head)
    assert unseen_explanations(assessments=[back.pk]) == {}
