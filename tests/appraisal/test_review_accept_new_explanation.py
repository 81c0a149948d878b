"""Accepting a leaf again after the unit explained it counts as having looked at the new explanation: the queue's
«giải trình mới» mark clears, for a «không phát sinh» the team had already accepted (nothing else changes, so the
acceptance is recorded again, audited) as for a self-score already accepted with the same points. Without a new
explanation, accepting an accepted «không phát sinh» again changes and records nothing, as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import explanation_request, explanation_resubmit, line_explain
from scoring.models import Assessment, AuditEntry
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}
QUEUE = reverse("appraisal:queue")
KPS = "1.2.2"  # the small set's one leaf a unit may declare «không phát sinh» (area 1)
ACCEPT_KPS = "score_line.accept_not_applicable"


def _round_two(assessment: Any, lead: Any, editor: Any, head: Any, code: str) -> Any:
    """Every leaf decided as the unit declared it (the «không phát sinh» accepted), leaf `code` returned for an
    explanation, explained by the unit, resubmitted: round 2, in appraisal."""
    appraise_all(assessment, lead)
    explanation_request(assessment=refresh(assessment), actor=lead, deadline=later(),
                        line_ids=[line_of(assessment, code).pk])
    line = line_of(assessment, code)
    line_explain(line=line, actor=editor, base_version=line.version, explanation=f"Giải trình của {code}.")
    back = explanation_resubmit(assessment=refresh(assessment), actor=head)
    assert back.state == Assessment.State.IN_APPRAISAL and back.appraisal_round == 2
    return back


def _new_explanations(client: Client, assessment: Any) -> dict[str, int]:
    """The queue page's «giải trình mới» count per area of the assessment's row, as the logged-in user sees it."""
    rows = [r for r in client.get(QUEUE).context["queue"].rows if r.assessment.pk == assessment.pk]
    assert len(rows) == 1
    return {p.area.code: p.new_explanations for p in rows[0].areas if p.mine}


def _filtered_rows(client: Client) -> list[Any]:
    return [r.assessment.pk for r in client.get(QUEUE, {"giai-trinh-moi": "1"}).context["queue"].rows]


def _accept(client: Client, assessment: Any, line: Any, **extra: Any) -> Any:
    page = reverse("appraisal:review", args=[assessment.pk])
    return client.post(reverse("appraisal:accept_line", args=[assessment.pk, line.pk]),
                       {"base_version": line.version, "next": f"{page}#line-{line.pk}"}, **extra)


def _accepts_of(line: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=ACCEPT_KPS, object_type="ScoreLine", object_id=line.pk)
                .order_by("pk"))


# --- an accepted «không phát sinh» the unit explained ---------------------------------------------------------


def test_accepting_an_accepted_kps_again_after_its_new_explanation_clears_the_queues_mark(
    client: Client, kps_submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    # given round 2: the «không phát sinh» accepted in round 1, explained by the unit in the round that ended
    _round_two(kps_submitted, lead, unit_editor, unit_head, KPS)
    client.force_login(lead)
    assert _new_explanations(client, kps_submitted) == {"1": 1, "2": 0}
    assert _filtered_rows(client) == [kps_submitted.pk]
    line = line_of(kps_submitted, KPS)
    assert line.na_accepted and not line.na_overruled
    before = _accepts_of(line)
    assessment_version = refresh(kps_submitted).version

    # when the lead accepts it again from the review page
    response = _accept(client, kps_submitted, line)

    # then it is still the accepted «không phát sinh», taken again: a new version, one more acceptance audited
    assert response.status_code == 302
    saved = line_of(kps_submitted, KPS)
    assert (saved.not_applicable, saved.na_accepted, saved.na_overruled, saved.appraised_score) == (
        True, True, False, None)
    assert saved.version == line.version + 1
    assert saved.updated_by == lead
    assert refresh(kps_submitted).version == assessment_version + 1
    accepts = _accepts_of(line)
    assert len(accepts) == len(before) + 1
    assert accepts[-1].actor == lead and accepts[-1].assessment_id == kps_submitted.pk
    # and the queue no longer counts its explanation as new
    assert _new_explanations(client, kps_submitted) == {"1": 0, "2": 0}
    assert _filtered_rows(client) == []


def test_the_page_script_accepting_an_explained_kps_again_gets_the_new_version_and_clears_the_mark(
    client: Client, kps_submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    _round_two(kps_submitted, lead, unit_editor, unit_head, KPS)
    client.force_login(lead)
    line = line_of(kps_submitted, KPS)
    body = _accept(client, kps_submitted, line, **JSON).json()
    assert body["ok"] is True
    assert body["line"]["version"] == line.version + 1 and body["line"]["done"] is True
    assert _new_explanations(client, kps_submitted) == {"1": 0, "2": 0}


def test_accepting_an_accepted_kps_again_without_a_new_explanation_changes_and_records_nothing(
    client: Client, kps_submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    # given round 2, the explained «không phát sinh» already accepted again (the explanation looked at)
    _round_two(kps_submitted, lead, unit_editor, unit_head, KPS)
    client.force_login(lead)
    _accept(client, kps_submitted, line_of(kps_submitted, KPS))
    line = line_of(kps_submitted, KPS)
    accepts = len(_accepts_of(line))
    assessment_version = refresh(kps_submitted).version

    # when it is accepted once more
    response = _accept(client, kps_submitted, line)

    # then nothing changes and nothing is recorded (the answer is the same as before)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('appraisal:review', args=[kps_submitted.pk])}#line-{line.pk}"
    saved = line_of(kps_submitted, KPS)
    assert (saved.version, saved.updated_at) == (line.version, line.updated_at)
    assert len(_accepts_of(line)) == accepts
    assert refresh(kps_submitted).version == assessment_version
    assert _new_explanations(client, kps_submitted) == {"1": 0, "2": 0}


def test_accepting_an_accepted_kps_again_in_the_first_round_changes_nothing(
    client: Client, kps_submitted: Any, lead: Any
) -> None:
    appraise_all(kps_submitted, lead)
    line = line_of(kps_submitted, KPS)
    accepts = len(_accepts_of(line))
    client.force_login(lead)
    assert _accept(client, kps_submitted, line).status_code == 302
    saved = line_of(kps_submitted, KPS)
    assert (saved.version, saved.updated_at) == (line.version, line.updated_at)
    assert len(_accepts_of(line)) == accepts


def test_an_accepted_kps_whose_explanation_was_not_asked_for_is_not_recorded_again(
    client: Client, kps_submitted: Any, lead: Any, unit_editor: Any, unit_head: Any
) -> None:
    # given round 2 after another leaf was explained: the «không phát sinh» has nothing new
    _round_two(kps_submitted, lead, unit_editor, unit_head, "2.1.1")
    client.force_login(lead)
    line = line_of(kps_submitted, KPS)
    accepts = len(_accepts_of(line))
    _accept(client, kps_submitted, line)
    assert line_of(kps_submitted, KPS).version == line.version
    assert len(_accepts_of(line)) == accepts
    assert _new_explanations(client, kps_submitted) == {"1": 0, "2": 1}


def test_an_appraiser_not_assigned_the_kps_area_cannot_accept_it(
    client: Client, kps_submitted: Any, lead: Any, appraiser: Any, unit_editor: Any, unit_head: Any
) -> None:
    _round_two(kps_submitted, lead, unit_editor, unit_head, KPS)
    client.force_login(appraiser)  # area 2 only
    line = line_of(kps_submitted, KPS)
    assert _accept(client, kps_submitted, line).status_code == 403
    assert line_of(kps_submitted, KPS).version == line.version
    client.force_login(lead)
    assert _new_explanations(client, kps_submitted) == {"1": 1, "2": 0}


# --- a self-score accepted with the same points ----------------------------------------------------------------


def test_accepting_an_accepted_self_score_again_after_its_new_explanation_clears_the_queues_mark(
    client: Client, kps_submitted: Any, lead: Any, appraiser: Any, unit_editor: Any, unit_head: Any
) -> None:
    # given round 2: leaf 2.1.1 accepted with its self-score in round 1, explained by the unit since
    _round_two(kps_submitted, lead, unit_editor, unit_head, "2.1.1")
    line = line_of(kps_submitted, "2.1.1")
    assert line.appraised_score == line.self_score
    client.force_login(appraiser)
    assert _new_explanations(client, kps_submitted) == {"2": 1}
    assert _filtered_rows(client) == [kps_submitted.pk]

    # when the appraiser of area 2 accepts it again, points unchanged
    response = _accept(client, kps_submitted, line)

    # then the explanation is no longer new, for her and for the lead
    assert response.status_code == 302
    saved = line_of(kps_submitted, "2.1.1")
    assert saved.appraised_score == line.appraised_score and saved.version == line.version + 1
    assert _new_explanations(client, kps_submitted) == {"2": 0}
    assert _filtered_rows(client) == []
    client.force_login(lead)
    assert _new_explanations(client, kps_submitted) == {"1": 0, "2": 0}
