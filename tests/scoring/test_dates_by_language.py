"""Dates as the page's language reads them without doubt: dd/mm/yyyy in Vietnamese, as always; in English the month
named («6 Jan 2027 17:00»), since «06/01/2027» reads as 1 June there. The official files stay in Vietnamese."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from scoring.models import Assessment, Cycle
from scoring.templatetags.scoring_tags import dmy

pytestmark = pytest.mark.django_db

# 17:00 on 6 January 2027 in the site's time zone, stored in UTC (10:00) as the database keeps it
DEADLINE = datetime.datetime(2027, 1, 6, 10, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("language", "value", "with_time", "expected"),
    [
        ("vi", DEADLINE, True, "06/01/2027 17:00"),
        ("vi", DEADLINE, False, "06/01/2027"),
        ("vi", datetime.date(2020, 12, 8), True, "08/12/2020"),
        ("en", DEADLINE, True, "6 Jan 2027 17:00"),
        ("en", DEADLINE, False, "6 Jan 2027"),
        ("en", datetime.date(2020, 12, 8), True, "8 Dec 2020"),
        ("en", DEADLINE.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")), True, "6 Jan 2027 17:00"),
    ],
)
def test_a_date_is_day_first_in_vietnamese_and_names_its_month_in_english(
    language: str, value: Any, with_time: bool, expected: str
) -> None:
    with translation.override(language):
        assert dmy(value, with_time) == expected


def test_no_date_is_written_as_nothing_in_either_language() -> None:
    for language in ("vi", "en"):
        with translation.override(language):
            assert dmy(None) == ""


@pytest.fixture
def dated(assessment: Assessment) -> Assessment:
    Cycle.objects.filter(pk=assessment.cycle_id).update(self_assessment_deadline=DEADLINE)
    return assessment


def test_the_sheet_writes_its_deadline_day_first_in_vietnamese(
    client: Client, dated: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)

    body = client.get(reverse("scoring:assessment", args=[dated.pk])).content.decode()

    assert "<strong>06/01/2027 17:00</strong>" in body


def test_the_sheet_names_the_deadline_month_in_english(client: Client, dated: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    body = client.get(reverse("scoring:assessment", args=[dated.pk])).content.decode()

    assert "<strong>6 Jan 2027 17:00</strong>" in body
    assert "06/01/2027" not in body


@pytest.mark.parametrize(("language", "expected"), [("vi", "06/01/2027 17:00"), ("en", "6 Jan 2027 17:00")])
def test_the_audit_log_writes_a_recorded_moment_as_the_pages_do(language: str, expected: str) -> None:
    from scoring.administration.audit_labels import change_value

    with translation.override(language):
        assert change_value("self_assessment_deadline", "2027-01-06T10:00:00+00:00") == expected
