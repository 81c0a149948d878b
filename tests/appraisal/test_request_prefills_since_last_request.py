"""The lead's request page ticks by default the leaves to ask about (differing, or kept with a note). After a reopen,
or once an explanation round has ended, only the leaves decided since are ticked: the ones decided earlier were
signed off or looked at in that round, and the e-mail would ask the unit about them all again. A hint says why."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from appraisal.services import (
    assessment_reopen,
    assessment_sign_off,
    explanation_request,
    explanation_resubmit,
    line_appraise,
)
from appraisal.services.rounds import explanation_agree_remaining
from tests.appraisal.conftest import appraise_all, later, line_of, refresh

pytestmark = pytest.mark.django_db
NOTE = "Đề nghị đơn vị cung cấp văn bản chỉ đạo kèm theo."


def _differ(assessment: Any, actor: Any, code: str, value: Any, reason: str) -> None:
    line = line_of(assessment, code)
    line_appraise(line=line, actor=actor, base_version=line.version, value=value, note=reason)


def _note(assessment: Any, actor: Any, code: str) -> None:
    line = line_of(assessment, code)
    line_appraise(line=line, actor=actor, base_version=line.version, value=line.self_value, note=NOTE)


def _ticked(client: Client, user: Any, assessment: Any) -> tuple[set[str], str]:
    client.force_login(user)
    body = unescape(client.get(reverse("appraisal:request_explanation", args=[assessment.pk])).content.decode())
    ids = {int(pk) for pk in re.findall(r'value="(\d+)" id="flag-\d+" checked', body)}
    codes = {line.indicator.code for line in refresh(assessment).lines.select_related("indicator") if line.pk in ids}
    return codes, body


def _settled(submitted: Any, lead: Any, appraiser: Any) -> None:
    """Appraised with two differing leaves and one kept with a note."""
    appraise_all(submitted, lead)
    _differ(submitted, lead, "1.1.1", {"option": "none"}, "Không có kế hoạch.")
    _differ(submitted, appraiser, "2.1.1", {"numerator": 50, "denominator": 100}, "Tỷ lệ thấp hơn.")
    _note(submitted, appraiser, "2.1.2")


def test_the_first_request_ticks_every_differing_or_noted_leaf(
    client: Client, submitted: Any, lead: Any, appraiser: Any
) -> None:
    _settled(submitted, lead, appraiser)
    codes, body = _ticked(client, lead, submitted)
    assert codes == {"1.1.1", "2.1.1", "2.1.2"}
    assert "data-prefill-since" not in body


def test_after_a_reopen_only_the_leaves_decided_since_are_ticked(
    client: Client, submitted: Any, lead: Any, appraiser: Any, admin_user: Any
) -> None:
    # given an assessment signed off with three leaves to ask about, reopened about 1.2.3
    _settled(submitted, lead, appraiser)
    signed = assessment_sign_off(assessment=refresh(submitted), actor=lead, unread_confirmed=True)
    assessment_reopen(assessment=signed, actor=admin_user, reason="Đơn vị khiếu nại tiêu chí 1.2.3.")
    # when the lead changes 1.2.3, and appraises 2.1.2 again with its note
    _differ(submitted, lead, "1.2.3", {"points": "0.25"}, "Gửi báo cáo trễ.")
    _note(submitted, lead, "2.1.2")
    # then only those two are ticked, and the page says why
    codes, body = _ticked(client, lead, submitted)
    assert codes == {"1.2.3", "2.1.2"}
    assert f'data-question>{NOTE}</textarea>' in body
    assert "từ khi bản đánh giá được mở lại" in body


def test_after_a_round_only_the_leaves_decided_since_its_end_are_ticked(
    client: Client, submitted: Any, lead: Any, appraiser: Any, unit_head: Any
) -> None:
    # given a first round on the three leaves, answered by the unit
    _settled(submitted, lead, appraiser)
    explanation_request(assessment=refresh(submitted), actor=lead, deadline=later(), line_ids=None,
                        message="Đề nghị giải trình.")
    explanation_agree_remaining(assessment=refresh(submitted), actor=unit_head)
    explanation_resubmit(assessment=refresh(submitted), actor=unit_head)
    # when the team changes one more leaf
    _differ(submitted, appraiser, "2.1.2", {"counts": {"late": 0, "missing": 2}}, "Thiếu hai báo cáo.")
    # then only it is ticked
    codes, body = _ticked(client, lead, submitted)
    assert codes == {"2.1.2"}
    assert "từ khi kết thúc vòng giải trình 1" in body
