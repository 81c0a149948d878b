"""The review page warns on the leaf «tiêu chí về thời hạn gửi báo cáo tự đánh giá» of a unit that never sent its
self-assessment (handed over by the administrators) or sent it after the deadline that applied to it, with the dates;
its acceptance then asks first (the page's script: `data-submission-late-ask`, for a self-score worth points)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.administration.services import assessment_close_unsubmitted
from scoring.models import Assessment, Cycle, Indicator
from tests.appraisal.conftest import line_of, refresh, self_score, submit
from tests.conftest import SMALL_SET_VALUES

pytestmark = pytest.mark.django_db

ON_TIME_LEAF = "1.2.3"  # the small set's «Gửi báo cáo tự đánh giá đúng hạn» (manual points, max 0.5)


@pytest.fixture
def marked(small_set: Any) -> None:
    Indicator.objects.filter(indicator_set=small_set, code=ON_TIME_LEAF).update(on_time_submission=True)


def _warning(client: Client, assessment: Assessment) -> list[tuple[str, str]]:
    """The late-submission warnings of the page: (the leaf's line id, the text with its attributes)."""
    body = client.get(reverse("appraisal:review", args=[assessment.pk]) + "?linh-vuc=tat-ca").content.decode()
    found = []
    for leaf in re.split(r'(?=<article class="leaf review-leaf)', body)[1:]:
        line = re.search(r'data-line="(\d+)"', leaf)
        for match in re.finditer(r"<p [^>]*data-submission-late[^>]*>[^<]*</p>", leaf):
            assert line is not None
            found.append((line.group(1), match.group(0)))
    return found


def _lead(lead: Any) -> Client:
    client = Client()
    client.force_login(lead)
    return client


def _late(assessment: Assessment, *, days_late: int = 3) -> Assessment:
    """The cycle's deadline moved to `days_late` days before the unit sent it."""
    sent = refresh(assessment).submitted_at
    Cycle.objects.filter(pk=assessment.cycle_id).update(self_assessment_deadline=sent - dt.timedelta(days=days_late))
    return refresh(assessment)


def test_a_unit_that_sent_late_is_said_so_with_the_dates_on_the_marked_leaf(
    submitted: Assessment, lead: Any, marked: None
) -> None:
    late = _late(submitted)
    sent, deadline = timezone.localtime(late.submitted_at), timezone.localtime(late.cycle.self_assessment_deadline)
    shown = _warning(_lead(lead), late)
    assert len(shown) == 1
    line_id, text = shown[0]
    assert line_id == str(line_of(late, ON_TIME_LEAF).pk)
    assert (f"Đơn vị gửi báo cáo ngày {sent:%d/%m/%Y}, sau thời hạn {deadline:%d/%m/%Y}." in text)
    assert "data-submission-late-ask" in text  # self-scored 0.5: its acceptance asks first


def test_a_unit_that_never_sent_is_said_so(
    assessment: Assessment, unit_editor: Any, admin_user: Any, team: Any, lead: Any, marked: None
) -> None:
    # given the unit self-scored the leaf 0.5 in its draft, never sent it, and was handed over after its deadline
    self_score(assessment, unit_editor, {ON_TIME_LEAF: SMALL_SET_VALUES[ON_TIME_LEAF]})
    deadline = timezone.now() - dt.timedelta(days=1)
    Cycle.objects.filter(pk=assessment.cycle_id).update(self_assessment_deadline=deadline)
    assessment_close_unsubmitted(assessment=refresh(assessment), actor=admin_user, reason="Quá hạn, đơn vị không gửi")
    shown = _warning(_lead(lead), refresh(assessment))
    assert len(shown) == 1
    assert (f"Đơn vị không gửi báo cáo tự đánh giá (thời hạn {timezone.localtime(deadline):%d/%m/%Y})."
            in shown[0][1])
    assert "data-submission-late-ask" in shown[0][1]


def test_in_english_the_dates_name_their_month(submitted: Assessment, lead: Any, marked: None) -> None:
    from django.conf import settings

    late = _late(submitted)
    client = _lead(lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = _warning(client, late)[0][1]
    assert "The unit sent its self-assessment on " in text and ", after the deadline of " in text


def test_sent_in_time_or_within_its_own_extended_deadline_is_no_warning(
    submitted: Assessment, lead: Any, marked: None
) -> None:
    client = _lead(lead)
    Cycle.objects.filter(pk=submitted.cycle_id).update(
        self_assessment_deadline=refresh(submitted).submitted_at + dt.timedelta(hours=1))
    assert _warning(client, submitted) == []
    # the cycle's deadline passed, but the unit's own (extended) one had not
    late = _late(submitted)
    Assessment.objects.filter(pk=late.pk).update(deadline_override=late.submitted_at + dt.timedelta(days=1))
    assert _warning(client, late) == []


def test_a_leaf_not_marked_has_no_warning(submitted: Assessment, lead: Any) -> None:
    assert _warning(_lead(lead), _late(submitted)) == []


def test_a_self_score_of_nothing_asks_nothing(
    assessment: Assessment, unit_editor: Any, unit_head: Any, team: Any, lead: Any, marked: None
) -> None:
    # the unit scored itself 0 on the leaf: the warning stays, accepting it is no question
    self_score(assessment, unit_editor, {**SMALL_SET_VALUES, ON_TIME_LEAF: ({"points": "0"}, 0)})
    late = _late(submit(assessment, unit_head))
    (_line, text), = _warning(_lead(lead), late)
    assert "sau thời hạn" in text and "data-submission-late-ask" not in text
