"""The team marks a new explanation read without deciding the leaf again: per leaf («Đã xem giải trình»), per
area and for the whole assessment. The review page tags each leaf whose explanation is new («Giải trình mới»); the
queue's count and its «Có giải trình mới» filter follow; every mark is audited; the score is left as it is."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.selectors.queue import queue_for_user, unseen_explanations
from appraisal.services import explanation_request, explanation_resubmit, line_explain
from scoring.errors import StateConflict
from scoring.models import Assessment, AuditEntry
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
QUEUE = reverse("appraisal:queue")
TAG = "data-new-explanation"


def _round_two(assessment: Any, lead: Any, editor: Any, head: Any, explained: tuple[str, ...]) -> Any:
    """Every leaf appraised, the `explained` leaves returned, explained by the unit and resubmitted (1.x: area 1,
    2.1.1: area 2)."""
    appraise_all(assessment, lead)
    flagged = [line_of(assessment, code) for code in explained]
    explanation_request(assessment=assessment, actor=lead, deadline=later(), line_ids=[line.pk for line in flagged])
    for code in explained:
        line = line_of(assessment, code)
        line_explain(line=line, actor=editor, base_version=line.version, explanation=f"Giải trình của {code}.")
    return explanation_resubmit(assessment=refresh(assessment), actor=head)


def _unseen_codes(assessment: Any) -> set[str]:
    ids = unseen_explanations(assessments=[assessment.pk]).get(assessment.pk, [])
    return set(assessment.lines.filter(indicator_id__in=ids).values_list("indicator__code", flat=True))


def _leaf_html(body: str, line: Any) -> str:
    return body.split(f'id="line-{line.pk}"')[1].split("</article>")[0]


@pytest.fixture
def round_two(submitted: Any, lead: Any, unit_editor: Any, unit_head: Any) -> Any:
    _round_two(submitted, lead, unit_editor, unit_head, ("1.2.3", "2.1.1", "2.1.2"))
    return refresh(submitted)


def test_the_review_page_tags_each_leaf_with_a_new_explanation(
    client: Client, round_two: Any, lead: Any
) -> None:
    client.force_login(lead)
    body = client.get(reverse("appraisal:review", args=[round_two.pk])).content.decode()
    for code in ("1.2.3", "2.1.1", "2.1.2"):
        leaf = _leaf_html(body, line_of(round_two, code))
        assert TAG in leaf and "Giải trình mới" in leaf, code
        assert "Đã xem giải trình" in leaf, code
    assert TAG not in _leaf_html(body, line_of(round_two, "1.1.1"))
    # the whole assessment's and each area's mark, with their counts
    assert "Đánh dấu đã xem 3 giải trình mới" in body
    assert "Đã xem 2 giải trình mới của lĩnh vực này" in body


def test_marking_one_leaf_seen_keeps_its_score_and_version_and_the_queue_follows(
    client: Client, round_two: Any, lead: Any, appraiser: Any
) -> None:
    line = line_of(round_two, "2.1.1")
    before = (line.appraised_score, line.appraised_note, line.version)
    client.force_login(appraiser)
    row = queue_for_user(user=appraiser, cycle=round_two.cycle).rows[0]
    assert row.new_explanations == 2
    response = client.post(reverse("appraisal:explanation_seen_line", args=[round_two.pk, line.pk]),
                           {"next": reverse("appraisal:review", args=[round_two.pk])})
    assert response.status_code == 302 and response["Location"].endswith(f"#line-{line.pk}")
    after = line_of(round_two, "2.1.1")
    assert (after.appraised_score, after.appraised_note, after.version) == before
    assert _unseen_codes(round_two) == {"1.2.3", "2.1.2"}
    assert queue_for_user(user=appraiser, cycle=round_two.cycle).rows[0].new_explanations == 1
    # audited, once; a second click changes and records nothing
    entries = AuditEntry.objects.filter(action="score_line.explanation_seen", object_id=str(line.pk))
    assert [(e.actor_id, e.assessment_id, e.object_type) for e in entries] == [
        (appraiser.pk, round_two.pk, "ScoreLine")]
    client.post(reverse("appraisal:explanation_seen_line", args=[round_two.pk, line.pk]))
    assert AuditEntry.objects.filter(action="score_line.explanation_seen").count() == 1
    # the page no longer tags it, and the queue's «Có giải trình mới» filter still finds the unit (2.1.2)
    body = client.get(reverse("appraisal:review", args=[round_two.pk])).content.decode()
    assert TAG not in _leaf_html(body, line)
    assert TAG in _leaf_html(body, line_of(round_two, "2.1.2"))
    rows = client.get(QUEUE, {"giai-trinh-moi": "1"}).context["queue"].rows
    assert [r.assessment.pk for r in rows] == [round_two.pk]


def test_marking_an_area_seen_marks_only_that_area_and_empties_the_filter_when_all_are_read(
    client: Client, round_two: Any, lead: Any
) -> None:
    area_two = round_two.indicator_set.indicators.get(code="2", parent__isnull=True)
    client.force_login(lead)
    client.post(reverse("appraisal:explanations_seen", args=[round_two.pk]), {"linh-vuc": area_two.pk})
    assert _unseen_codes(round_two) == {"1.2.3"}
    assert AuditEntry.objects.filter(action="score_line.explanation_seen").count() == 2
    client.post(reverse("appraisal:explanations_seen", args=[round_two.pk]))
    assert _unseen_codes(round_two) == set()
    assert client.get(QUEUE, {"giai-trinh-moi": "1"}).context["queue"].rows == []
    assert "giải trình mới chưa xem" not in client.get(QUEUE).content.decode().split("<tbody>")[1]


def test_an_appraiser_marks_only_her_own_leaves_seen(client: Client, round_two: Any, appraiser: Any) -> None:
    # tam appraises area 2: the whole assessment's mark leaves area 1's explanation new for the lead
    client.force_login(appraiser)
    client.post(reverse("appraisal:explanations_seen", args=[round_two.pk]))
    assert _unseen_codes(round_two) == {"1.2.3"}
    # nor may she mark a leaf or an area not hers
    area_one = round_two.indicator_set.indicators.get(code="1", parent__isnull=True)
    line = line_of(round_two, "1.2.3")
    assert client.post(reverse("appraisal:explanation_seen_line", args=[round_two.pk, line.pk])).status_code == 403
    assert client.post(reverse("appraisal:explanations_seen", args=[round_two.pk]),
                       {"linh-vuc": area_one.pk}).status_code == 403
    assert _unseen_codes(round_two) == {"1.2.3"}


def test_a_unit_member_and_a_bad_area_are_refused_and_change_nothing(
    client: Client, round_two: Any, unit_editor: Any, lead: Any
) -> None:
    client.force_login(unit_editor)
    assert client.post(reverse("appraisal:explanations_seen", args=[round_two.pk])).status_code == 403
    client.force_login(lead)
    response = client.post(reverse("appraisal:explanations_seen", args=[round_two.pk]), {"linh-vuc": "abc"},
                           follow=True)
    assert "Lĩnh vực không thuộc bộ chỉ số của bản đánh giá." in response.content.decode()
    assert client.post(reverse("appraisal:explanations_seen", args=[round_two.pk]),
                       {"linh-vuc": "99999999"}).status_code == 404
    assert _unseen_codes(round_two) == {"1.2.3", "2.1.1", "2.1.2"}
    assert not AuditEntry.objects.filter(action="score_line.explanation_seen").exists()


def test_a_decision_on_the_leaf_still_marks_it_seen(round_two: Any, lead: Any) -> None:
    from appraisal.services import line_appraise

    line = line_of(round_two, "1.2.3")
    line_appraise(line=line, actor=lead, base_version=line.version, value={"points": "0.25"}, note="Chưa đủ.")
    assert _unseen_codes(round_two) == {"2.1.1", "2.1.2"}


def test_marking_seen_outside_the_appraisal_is_refused(
    round_two: Any, lead: Any
) -> None:
    from appraisal.services import assessment_sign_off, explanations_mark_seen

    signed = assessment_sign_off(assessment=round_two, actor=lead, unread_confirmed=True)
    assert signed.state == Assessment.State.SIGNED_OFF
    with pytest.raises(StateConflict):
        explanations_mark_seen(assessment=signed, actor=lead)
