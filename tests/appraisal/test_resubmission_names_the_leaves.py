"""The e-mail of a unit's resubmission after an explanation round goes to the leads and to the members who appraise
the leaves flagged (not every member assigned to the set), and names those leaves: which were explained, which
the unit agreed with."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from appraisal.models import AppraisalAssignment
from appraisal.services import explanation_request, explanation_resubmit, line_accept_self, line_explain
from appraisal.services.rounds import line_agree
from scoring.models import Indicator
from tests.appraisal.conftest import later, line_of
from tests.conftest import _user

pytestmark = pytest.mark.django_db


@pytest.fixture
def minh(cycle: Any, small_set: Any, team: Any) -> Any:
    """A second appraiser, assigned area 1 only."""
    user = _user("minh", "appraiser", "so-tu-phap")
    assignment = AppraisalAssignment.objects.create(cycle=cycle, user=user)
    assignment.areas.set(Indicator.objects.filter(indicator_set=small_set, code="1"))
    return user


@pytest.fixture
def mailboxes(appraiser: Any, lead: Any, minh: Any) -> None:
    for user in (appraiser, lead, minh):
        user.email = f"{user.username}@example.invalid"
        user.save(update_fields=["email"])


def _answer_and_resubmit(submitted: Any, lead: Any, unit_editor: Any, unit_head: Any, capture: Any) -> None:
    """2.1.1 and 2.2.1 (area 2) returned: the unit explains 2.1.1 and agrees with the appraisal of 2.2.1."""
    agreed = line_of(submitted, "2.2.1")
    line_accept_self(line=agreed, actor=lead, base_version=agreed.version)
    explanation_request(assessment=submitted, actor=lead, deadline=later(3),
                        line_ids=[line_of(submitted, "2.1.1").pk, agreed.pk], message="Bổ sung báo cáo.")
    line = line_of(submitted, "2.1.1")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung.")
    agreed = line_of(submitted, "2.2.1")
    line_agree(line=agreed, actor=unit_editor, base_version=agreed.version)
    mail.outbox.clear()
    with capture(execute=True):
        explanation_resubmit(assessment=submitted, actor=unit_head)


def test_the_resubmission_goes_to_the_leads_and_who_appraises_the_leaves_flagged(
    submitted: Any, lead: Any, unit_editor: Any, unit_head: Any, mailboxes: None,
    django_capture_on_commit_callbacks: Any
) -> None:
    _answer_and_resubmit(submitted, lead, unit_editor, unit_head, django_capture_on_commit_callbacks)
    # minh appraises area 1, where nothing was flagged: not told
    assert sorted(m.to[0] for m in mail.outbox) == ["hoa@example.invalid", "tam@example.invalid"]


def test_the_resubmission_names_the_leaves_explained_and_agreed(
    submitted: Any, lead: Any, unit_editor: Any, unit_head: Any, mailboxes: None,
    django_capture_on_commit_callbacks: Any
) -> None:
    _answer_and_resubmit(submitted, lead, unit_editor, unit_head, django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    assert "(2 tiêu chí)" in message.subject
    assert "Đơn vị đã trả lời 2 tiêu chí: 1 giải trình, 1 đồng ý với kết quả thẩm định." in message.body
    assert "Giải trình: 2.1.1\n" in message.body
    assert "Đồng ý với kết quả thẩm định: 2.2.1\n" in message.body


def test_a_member_assigned_a_criterion_holding_a_flagged_leaf_is_told(
    submitted: Any, small_set: Any, lead: Any, unit_editor: Any, unit_head: Any, minh: Any, mailboxes: None,
    django_capture_on_commit_callbacks: Any
) -> None:
    AppraisalAssignment.objects.get(user=minh).areas.set(
        Indicator.objects.filter(indicator_set=small_set, code="2.2"))
    _answer_and_resubmit(submitted, lead, unit_editor, unit_head, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "hoa@example.invalid", "minh@example.invalid", "tam@example.invalid"]
