"""The explanation rounds' and the sign-off's messages write their dates as the pages do: dd/mm/yyyy in Vietnamese
(«17:00 06/01/2027» where the message says the time first), as always; in English the month named («6 Jan 2027»,
«6 Jan 2027 17:00»)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from appraisal.models import ExplanationRound, SurveyImport
from appraisal.selectors.changes import changes_since
from appraisal.services import (
    assessment_sign_off,
    explanation_deadline_change,
    explanation_request,
    explanation_resubmit,
    explanation_withdraw,
    line_appraise,
    line_explain,
)
from appraisal.services.rounds import round_withdrawn_text
from appraisal.survey import survey_import_apply, survey_import_preview
from scoring.errors import StateConflict, ValidationFailed
from scoring.models import Cycle
from tests.appraisal.conftest import later, line_of, refresh
from tests.appraisal.test_survey import _csv

pytestmark = pytest.mark.django_db

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# 17:00 on 6 January 2027 in the site's time zone, stored in UTC (10:00) as the database keeps it
MOMENT = dt.datetime(2027, 1, 6, 10, 0, tzinfo=dt.UTC)


def _en(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _vi(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _day(days: int) -> dt.date:
    return (timezone.localtime() + dt.timedelta(days=days)).date()


def _round(assessment: Any, lead: Any, days: int = 10) -> ExplanationRound:
    return explanation_request(assessment=assessment, actor=lead, deadline=later(days), line_ids=None)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_deadline_past_the_cycles_is_refused_on_the_round_page_naming_both_days_in_the_language(
    client: Client, appraised: Any, lead: Any, language: str
) -> None:
    _round(appraised, lead)
    limit = timezone.localtime() + dt.timedelta(days=15)
    Cycle.objects.filter(pk=appraised.cycle_id).update(explanation_deadline=limit)
    client.force_login(lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    answer = client.post(reverse("appraisal:change_explanation_deadline", args=[appraised.pk]),
                         {"deadline": _day(20).isoformat(), "reason": "Cần thêm thời gian."})

    assert answer.status_code == 400
    page = answer.content.decode()
    if language == "en":
        assert f"The explanation deadline ({_en(_day(20))}) cannot be after" in page
        assert f"explanation deadline ({_en(limit.date())})" in page
        assert _vi(_day(20)) not in page
    else:
        assert f"Hạn giải trình ({_vi(_day(20))}) không được sau" in page
        assert f"của kỳ đánh giá ({_vi(limit.date())})" in page
    assert refresh(appraised).explanation_deadline != _day(20)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_an_unchanged_deadline_is_named_in_the_language(appraised: Any, lead: Any, language: str) -> None:
    made = _round(appraised, lead)

    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        explanation_deadline_change(assessment=refresh(appraised), actor=lead, deadline=made.deadline,
                                    reason="Nhầm.")

    day = timezone.localtime(made.deadline).date()
    assert f"({_en(day) if language == 'en' else _vi(day)})" in str(refused.value.message)


@pytest.mark.parametrize(("language", "expected"),
                         [("vi", "lúc 17:00 06/01/2027;"), ("en", "at 6 Jan 2027 17:00;")])
def test_a_withdrawn_round_says_when_in_the_language(appraised: Any, lead: Any, language: str,
                                                     expected: str) -> None:
    _round(appraised, lead)
    explanation_withdraw(assessment=refresh(appraised), actor=lead, reason="Yêu cầu nhầm.")
    ExplanationRound.objects.filter(assessment=appraised).update(closed_at=MOMENT)
    withdrawn = ExplanationRound.objects.get(assessment=appraised)

    with translation.override(language):
        assert expected in round_withdrawn_text(withdrawn)


@pytest.mark.parametrize(("language", "expected"),
                         [("vi", "lúc 17:00 06/01/2027;"), ("en", "at 6 Jan 2027 17:00;")])
def test_explanations_sent_twice_say_when_the_first_went_in_the_language(
    submitted: Any, lead: Any, unit_editor: Any, unit_head: Any, language: str, expected: str
) -> None:
    explanation_request(assessment=submitted, actor=lead, deadline=later(7),
                        line_ids=[line_of(submitted, "2.1.1").pk], message="Bổ sung tài liệu kiểm chứng.")
    line = line_of(submitted, "2.1.1")
    line_explain(line=line, actor=unit_editor, base_version=line.version, explanation="Đã bổ sung báo cáo.")
    explanation_resubmit(assessment=refresh(submitted), actor=unit_head)
    ExplanationRound.objects.filter(assessment=submitted).update(resubmitted_at=MOMENT)

    with translation.override(language), pytest.raises(StateConflict) as refused:
        explanation_resubmit(assessment=refresh(submitted), actor=unit_head)

    assert refused.value.code == "already_resubmitted" and expected in str(refused.value.message)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_sign_off_refused_for_a_leaf_changed_since_says_when_in_the_language(
    appraised: Any, lead: Any, appraiser: Any, language: str
) -> None:
    seen = appraised.version
    line = line_of(appraised, "2.1.1")
    line_appraise(line=line, actor=appraiser, base_version=line.version, value={"numerator": 0, "denominator": 100},
                  note="Hồ sơ thiếu văn bản chỉ đạo")
    [change] = changes_since(assessment=refresh(appraised), base_version=seen)
    changed = timezone.localtime(change.at)

    with translation.override(language), pytest.raises(StateConflict) as refused:
        assessment_sign_off(assessment=refresh(appraised), actor=lead, base_version=seen)

    message = str(refused.value.message)
    [problem] = refused.value.details
    if language == "en":
        at = f"{_en(changed.date())} {changed:%H:%M}"
        assert f"2.1.1 ({change.by_name}, {at})" in message
        assert problem.message == f"Changed by {change.by_name} at {at}."
    else:
        at = f"{changed:%H:%M} {_vi(changed.date())}"
        assert f"2.1.1 ({change.by_name}, {at})" in message
        assert problem.message == f"Được {change.by_name} thay đổi lúc {at}."


@pytest.mark.parametrize(("language", "expected"), [("vi", "06/01/2027 17:00"), ("en", "6 Jan 2027 17:00")])
def test_a_stale_survey_preview_says_when_the_newer_one_was_made_in_the_language(
    survey_cycle: Any, admin_user: Any, language: str, expected: str
) -> None:
    mine = survey_import_preview(cycle=survey_cycle, file_name="dot-1.csv", content=_csv("so-y-te;1.2.3;0,5"),
                                 actor=admin_user)
    newer = survey_import_preview(cycle=survey_cycle, file_name="dot-2.csv", content=_csv("so-y-te;1.2.3;0,25"),
                                  actor=admin_user)
    SurveyImport.objects.filter(pk=newer.pk).update(created_at=MOMENT)

    with translation.override(language), pytest.raises(StateConflict) as refused:
        survey_import_apply(survey_import=mine, actor=admin_user)

    assert refused.value.code == "stale_preview" and expected in str(refused.value.message)
