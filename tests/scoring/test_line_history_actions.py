"""The leaf history page (/danh-gia/<assessment>/dong/<line>/lich-su/) names every action by the audit page's
labels (an explanation, an accepted «không phát sinh»), never by its code, and has no line for a value that is
the same before and after as shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration.audit_labels import ACTION_LABELS
from scoring.models import Assessment, ScoreLine
from tests.appraisal.conftest import later, line_of, self_score, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_team(cycle: Any, lead: Any) -> Any:
    """hoa (Sở Nội vụ) leads the cycle's appraisal team (may appraise every area)."""
    from appraisal.models import AppraisalAssignment

    AppraisalAssignment.objects.create(cycle=cycle, user=lead, is_lead=True)
    return lead


def _history(line: ScoreLine) -> str:
    return reverse("scoring:line_history", args=[line.assessment_id, line.pk]) + "?partial=1"


def _not_applicable_accepted(assessment: Assessment, unit_editor: Any, unit_head: Any, lead: Any) -> ScoreLine:
    """1.2.2 declared «không phát sinh» by the unit, the assessment submitted, the declaration accepted."""
    from appraisal.services import line_accept_self
    from scoring.services import score_line_save_self

    self_score(assessment, unit_editor)
    line = line_of(assessment, "1.2.2")
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None,
                         not_applicable=True, not_applicable_reason="Không có cuộc kiểm tra nào.")
    submit(assessment, unit_head)
    line = line_of(assessment, "1.2.2")
    line_accept_self(line=line, actor=lead, base_version=line.version)
    return line_of(assessment, "1.2.2")


def test_an_accepted_not_applicable_is_named_and_shows_no_unchanged_line(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any, lead_team: Any
) -> None:
    # given the team accepted the unit's «không phát sinh» (recorded as not_applicable True → True)
    line = _not_applicable_accepted(assessment, unit_editor, unit_head, lead_team)
    client.force_login(lead_team)
    # when
    body = client.get(_history(line)).content.decode()
    # then the entry is there, by the audit page's label, without a «Có → Có» line
    assert "Chấp nhận «không phát sinh»" in body
    assert "score_line.accept_not_applicable" not in body
    accepted = body.split("Chấp nhận «không phát sinh»")[1].split("</li>\n")[0]
    assert "<ul>" not in accepted and "Có</span> → <span class=\"new\">Có" not in accepted
    # the unit's own declaration (Không → Có) is still shown
    assert "Không phát sinh: <span class=\"old\">Không</span> → <span class=\"new\">Có</span>" in body


def test_an_explanation_is_named_by_the_audit_pages_label(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any, lead_team: Any
) -> None:
    from appraisal.services import explanation_request, line_explain

    # given 2.1.1 returned to the unit and explained
    self_score(assessment, unit_editor)
    submit(assessment, unit_head)
    explanation_request(assessment=assessment, actor=lead_team, deadline=later(),
                        line_ids=[line_of(assessment, "2.1.1").pk])
    flagged = line_of(assessment, "2.1.1")
    line_explain(line=flagged, actor=unit_editor, base_version=flagged.version,
                 explanation="Đã bổ sung báo cáo số 12/BC.")
    client.force_login(unit_editor)
    # when
    body = client.get(_history(flagged)).content.decode()
    # then
    assert "score_line.explain" not in body
    assert f"· {ACTION_LABELS['score_line.explain']}" in body
    assert "Giải trình: <span class=\"old\">—</span> → <span class=\"new\">Đã bổ sung báo cáo số 12/BC.</span>" in body


def test_every_leaf_action_has_the_audit_pages_label(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    from scoring.services import audit_record

    line = line_of(assessment, "1.1.1")
    leaf_actions = [code for code in ACTION_LABELS if code.startswith(("score_line.", "evidence."))]
    for action in leaf_actions:
        audit_record(actor=unit_editor, action=action, object_type="ScoreLine", object_id=line.pk,
                     unit=assessment.unit, assessment=assessment, changes={"self_note": {"old": "a", "new": "b"}})
    client.force_login(unit_editor)
    body = client.get(_history(line)).content.decode()
    for action in leaf_actions:
        if action == "score_line.appraise":
            continue  # hidden from the unit
        assert action not in body
        assert f"· {ACTION_LABELS[action]}" in body, action


def test_a_value_recorded_alike_before_and_after_has_no_line(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    from scoring.services import audit_record

    line = line_of(assessment, "1.2.3")
    audit_record(actor=unit_editor, action="score_line.self", object_type="ScoreLine", object_id=line.pk,
                 unit=assessment.unit, assessment=assessment,
                 changes={"self_score": {"old": "0.50", "new": "0.5"}, "not_applicable": {"old": False, "new": False},
                          "self_note": {"old": "", "new": "Đủ hồ sơ"}})
    client.force_login(unit_editor)
    body = client.get(_history(line)).content.decode()
    assert "Ghi chú: <span class=\"old\">—</span> → <span class=\"new\">Đủ hồ sơ</span>" in body
    assert "Điểm tự chấm" not in body and "Không phát sinh" not in body


def test_a_field_the_history_does_not_name_is_named_as_on_the_audit_page(
    client: Client, assessment: Assessment, unit_editor: Any, lead_team: Any
) -> None:
    from scoring.services import audit_record

    # given the team withdrew its overrule of the unit's «không phát sinh» (as accepting the declaration records it)
    line = line_of(assessment, "1.2.2")
    audit_record(actor=lead_team, action="score_line.accept_not_applicable", object_type="ScoreLine",
                 object_id=line.pk, unit=assessment.unit, assessment=assessment,
                 changes={"na_overruled": {"old": True, "new": False}})
    client.force_login(unit_editor)
    response = client.get(_history(line))
    assert response.status_code == 200
    body = response.content.decode()
    assert "na_overruled" not in body
    assert "Không chấp nhận «không phát sinh»: <span class=\"old\">Có</span> → <span class=\"new\">Không</span>" in body


def test_the_teams_appraisal_is_hidden_from_a_unit_member_who_appraises_other_units(
    client: Client, assessment: Assessment, appraiser: Any
) -> None:
    from scoring.models import RoleAssignment
    from scoring.services import audit_record

    # given an appraiser (of other units) who is also an editor of this unit, and an appraisal of one of its leaves
    RoleAssignment.objects.create(user=appraiser, role="unit_editor", unit=assessment.unit)
    line = line_of(assessment, "1.2.3")
    audit_record(actor=appraiser, action="score_line.appraise", object_type="ScoreLine", object_id=line.pk,
                 unit=assessment.unit, assessment=assessment,
                 changes={"appraised_note": {"old": "", "new": "Nhận xét của tổ"}})
    client.force_login(appraiser)
    # when
    body = client.get(_history(line)).content.decode()
    # then the team's step is not shown to the unit's own people
    assert "Nhận xét của tổ" not in body
    assert f"· {ACTION_LABELS['score_line.appraise']}" not in body
