"""A unit opened in a cycle by mistake is taken out again (its assessment deleted, with a reason, audited, after a
confirmation) as long as nobody did anything on it; otherwise the refusal names what there is. The cycle page
offers it on the rows it applies to; the «Mọi đơn vị …» boxes stay ticked, since a mistake can now be undone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import ExplanationRound
from evidence.models import EvidenceBlob, EvidenceFile, EvidenceLink
from scoring.administration.services.cycles import assessment_remove, assessment_work, assessments_with_work
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, ExtensionRequest, ScoreLine, Unit
from scoring.services import assessments_open

pytestmark = pytest.mark.django_db


def _line(assessment: Assessment) -> ScoreLine:
    return ScoreLine.objects.filter(assessment=assessment).order_by("pk").first()  # type: ignore[return-value]


def _self_scored(a: Assessment, user: Any) -> None:
    ScoreLine.objects.filter(pk=_line(a).pk).update(self_score="1", self_value={"value": True})


def _not_applicable(a: Assessment, user: Any) -> None:
    ScoreLine.objects.filter(pk=_line(a).pk).update(not_applicable=True, not_applicable_reason="Không có")


def _evidence(a: Assessment, user: Any) -> None:
    blob = EvidenceBlob.objects.create(sha256="a" * 64, size=4, content_type="application/pdf")
    found = EvidenceFile.objects.create(blob=blob, unit=a.unit, cycle=a.cycle, original_name="kh.pdf",
                                        uploaded_by=user)
    EvidenceLink.objects.create(evidence_file=found, score_line=_line(a), linked_by=user)


def _explanation(a: Assessment, user: Any) -> None:
    ScoreLine.objects.filter(pk=_line(a).pk).update(explanation="Đã bổ sung")


def _submitted(a: Assessment, user: Any) -> None:
    Assessment.objects.filter(pk=a.pk).update(state=Assessment.State.SUBMITTED, submitted_at=timezone.now())


def _difficulties(a: Assessment, user: Any) -> None:
    Assessment.objects.filter(pk=a.pk).update(difficulties="Thiếu biên chế")


def _extension_request(a: Assessment, user: Any) -> None:
    ExtensionRequest.objects.create(assessment=a, requested_deadline=timezone.now() + dt.timedelta(days=5),
                                    reason="Thiếu người", requested_by=user)


def _round(a: Assessment, user: Any) -> None:
    ExplanationRound.objects.create(assessment=a, round=1, requested_by=user,
                                    deadline=timezone.now() + dt.timedelta(days=5))


WORK: dict[str, tuple[Callable[[Assessment, Any], None], str]] = {
    "self_scored": (_self_scored, "1 tiêu chí đã tự chấm"),
    "not_applicable": (_not_applicable, "1 tiêu chí «không phát sinh»"),
    "evidence": (_evidence, "1 tài liệu kiểm chứng đã gắn"),
    "explained": (_explanation, "1 tiêu chí có giải trình"),
    "state": (_submitted, "trạng thái «Đã gửi»"),
    "difficulties": (_difficulties, "ý kiến khó khăn, vướng mắc"),
    "extension_requests": (_extension_request, "1 đề nghị gia hạn"),
    "explanation_rounds": (_round, "1 vòng giải trình"),
}


def test_an_untouched_assessment_is_removed_with_its_lines_audited_and_the_unit_can_be_opened_again(
    assessment: Assessment, admin_user: Any
) -> None:
    pk, unit, cycle = assessment.pk, assessment.unit, assessment.cycle
    assert ScoreLine.objects.filter(assessment_id=pk).exists()

    assessment_remove(assessment=assessment, actor=admin_user, reason="  Mở nhầm  ")

    assert not Assessment.objects.filter(pk=pk).exists()
    assert not ScoreLine.objects.filter(assessment_id=pk).exists()
    entry = AuditEntry.objects.get(action="assessment.remove")
    assert (entry.object_id, entry.assessment_id, entry.unit_id, entry.reason) == (str(pk), pk, unit.pk, "Mở nhầm")
    assert entry.changes["cycle"] == {"old": cycle.year, "new": None}
    assert entry.changes["state"] == {"old": "draft", "new": None}
    # the opening's entry still names the assessment, and the chain still verifies
    assert AuditEntry.objects.filter(action="assessment.open", assessment_id=pk).exists()
    out = StringIO()
    call_command("audit_verify", stdout=out)
    # opened again later: a fresh assessment
    [again] = assessments_open(cycle=cycle, units=[unit], actor=admin_user)
    assert again.pk != pk and again.lines.count() == ScoreLine.objects.filter(assessment=again).count() > 0


def test_a_removal_needs_a_reason(assessment: Assessment, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        assessment_remove(assessment=assessment, actor=admin_user, reason="   ")
    assert refused.value.code == "reason_required"
    assert Assessment.objects.filter(pk=assessment.pk).exists()


@pytest.mark.parametrize("kind", list(WORK))
def test_any_work_on_the_assessment_refuses_the_removal_naming_it(
    kind: str, assessment: Assessment, admin_user: Any, unit_head: Any
) -> None:
    make, named = WORK[kind]
    make(assessment, unit_head)
    assessment.refresh_from_db()

    assert kind in assessment_work(assessment=assessment)
    # the bulk check agrees with the one-by-one check
    assert list(assessments_with_work(Assessment.objects.filter(pk=assessment.pk))) == [assessment]
    with pytest.raises(StateConflict) as refused:
        assessment_remove(assessment=assessment, actor=admin_user, reason="Mở nhầm")
    assert refused.value.code == "assessment_has_work"
    assert named in str(refused.value.message) and "Sở Y tế" in str(refused.value.message)
    assert Assessment.objects.filter(pk=assessment.pk).exists()
    assert not AuditEntry.objects.filter(action="assessment.remove").exists()


def test_an_untouched_assessment_has_no_work(assessment: Assessment) -> None:
    assert assessment_work(assessment=assessment) == {}
    assert not assessments_with_work(Assessment.objects.filter(pk=assessment.pk)).exists()


@pytest.mark.parametrize("phase", [Cycle.Phase.SETUP, Cycle.Phase.APPRAISAL, Cycle.Phase.FINALISATION])
def test_any_phase_before_publication_allows_removing_an_untouched_assessment(
    phase: str, assessment: Assessment, admin_user: Any
) -> None:
    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=phase)
    assessment.refresh_from_db()
    assessment_remove(assessment=assessment, actor=admin_user, reason="Mở nhầm")
    assert not Assessment.objects.filter(pk=assessment.pk).exists()


def test_a_published_cycle_keeps_its_participants(assessment: Assessment, admin_user: Any) -> None:
    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.PUBLISHED)
    assessment.refresh_from_db()
    with pytest.raises(StateConflict) as refused:
        assessment_remove(assessment=assessment, actor=admin_user, reason="Mở nhầm")
    assert refused.value.code == "cycle_results_published"
    assert Assessment.objects.filter(pk=assessment.pk).exists()


# --- the cycle page -----------------------------------------------------------------------------------------


def _page(client: Client, cycle: Cycle) -> str:
    return client.get(reverse("administration:cycle_detail", args=[cycle.pk])).content.decode()


def test_the_cycle_page_offers_removal_only_on_untouched_drafts_with_a_reason_and_a_confirmation(
    client: Client, cycle: Cycle, admin_user: Any, unit_head: Any
) -> None:
    untouched, touched = assessments_open(
        cycle=cycle, units=list(Unit.objects.filter(code__in=["so-y-te", "so-tu-phap"]).order_by("code")), actor=None
    )
    _self_scored(touched, unit_head)
    client.force_login(admin_user)
    page = _page(client, cycle)
    url = reverse("administration:assessment_remove", args=[cycle.pk, untouched.pk])
    assert f'action="{url}"' in page
    assert reverse("administration:assessment_remove", args=[cycle.pk, touched.pk]) not in page
    form = page[page.index(f'action="{url}"'):]
    form = form[:form.index("</form>")]
    assert "data-confirm=" in form and 'name="reason"' in form and "required" in form
    assert "js/administration.js" in page  # the confirmation's script is on the page

    response = client.post(url, {"reason": "Mở nhầm", "back": ""})
    assert response.status_code == 302
    assert not Assessment.objects.filter(pk=untouched.pk).exists()
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Đã gỡ" in message and untouched.unit.name in message


def test_the_page_refuses_removing_a_touched_assessment_naming_what_it_has(
    client: Client, cycle: Cycle, admin_user: Any, unit_head: Any
) -> None:
    [touched] = assessments_open(cycle=cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)
    _evidence(touched, unit_head)
    client.force_login(admin_user)
    response = client.post(reverse("administration:assessment_remove", args=[cycle.pk, touched.pk]),
                           {"reason": "Mở nhầm"})
    assert response.status_code == 409
    assert "1 tài liệu kiểm chứng đã gắn" in response.content.decode()
    assert Assessment.objects.filter(pk=touched.pk).exists()


def test_only_an_administrator_removes_a_participant(client: Client, assessment: Assessment, unit_head: Any) -> None:
    client.force_login(unit_head)
    url = reverse("administration:assessment_remove", args=[assessment.cycle_id, assessment.pk])
    assert client.post(url, {"reason": "Mở nhầm"}).status_code == 403
    assert Assessment.objects.filter(pk=assessment.pk).exists()


def test_the_kind_boxes_stay_ticked_and_say_a_mistake_can_be_undone(
    client: Client, cycle: Cycle, admin_user: Any
) -> None:
    client.force_login(admin_user)
    page = _page(client, cycle)
    assert 'name="kinds"' in page and 'checked>' in page
    assert "Gỡ khỏi kỳ" in page
