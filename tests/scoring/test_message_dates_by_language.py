"""The messages built in Python (services, selectors, views) write their dates as the pages do: dd/mm/yyyy in
Vietnamese, as always; in English the month named («6 Jan 2027», «6 Jan 2027 17:00»), since «06/01/2027» reads as
1 June there. Extension requests (a unit's request, an administrator's grant), a unit's own deadline set from the
cycle's page, the cycle's deadlines, the data check, the publication's document date and an import's date cell."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from scoring.administration.services.cycles import _check_deadlines, assessment_extend_deadline
from scoring.administration.xlsx import DateCell
from scoring.errors import ValidationFailed
from scoring.models import Assessment, Cycle, ExtensionRequest
from scoring.publication.services import _document_date_problems
from scoring.selectors.data_check import data_problems
from scoring.services.extension_requests import extension_request_create, extension_request_grant

pytestmark = pytest.mark.django_db

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
def _en(day: dt.date) -> str:
    """A day as English pages write it: «6 Jan 2027»."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _vi(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _day(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


# --- extension requests -------------------------------------------------------------------------------------------


@pytest.fixture
def draft(assessment: Assessment) -> Assessment:
    """A draft of this year's cycle whose self-assessment deadline is at 17:00 in five days."""
    Cycle.objects.filter(pk=assessment.cycle_id).update(
        year=timezone.localdate().year, self_assessment_deadline=_at(_day(5), 17)
    )
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


@pytest.fixture
def waiting(draft: Assessment, unit_head: Any) -> ExtensionRequest:
    return extension_request_create(assessment=draft, actor=unit_head, requested_date=_day(10), reason="Nghỉ lễ")


def test_a_same_day_grant_refused_on_the_english_page_names_its_days_in_english(
    client: Client, draft: Assessment, waiting: ExtensionRequest, admin_user: Any
) -> None:
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    answer = client.post(reverse("administration:extension_grant", args=[draft.cycle_id, draft.pk]),
                         {"request": waiting.pk, "deadline": _day(5).isoformat(), "note": "OK"})

    assert answer.status_code == 400
    page = answer.content.decode()
    assert f"The extension date ({_en(_day(5))}) is the same day" in page
    assert f"current self-assessment deadline ({_en(_day(5))} 17:00)" in page
    assert f"Choose {_en(_day(6))} or a later date" in page
    assert _vi(_day(5)) not in page and _vi(_day(6)) not in page
    waiting.refresh_from_db()
    assert waiting.pending


def test_a_same_day_grant_refused_in_vietnamese_keeps_day_first_dates(
    client: Client, draft: Assessment, waiting: ExtensionRequest, admin_user: Any
) -> None:
    client.force_login(admin_user)

    answer = client.post(reverse("administration:extension_grant", args=[draft.cycle_id, draft.pk]),
                         {"request": waiting.pk, "deadline": _day(5).isoformat(), "note": "Đồng ý"})

    assert answer.status_code == 400
    page = answer.content.decode()
    assert f"Hạn gia hạn ({_vi(_day(5))}) là chính ngày" in page
    assert f"({_vi(_day(5))} 17:00)" in page and f"từ ngày {_vi(_day(6))} trở đi" in page


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_units_request_refused_on_its_page_names_the_days_in_the_pages_language(
    client: Client, draft: Assessment, unit_head: Any, language: str
) -> None:
    client.force_login(unit_head)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    answer = client.post(reverse("scoring:extension_request", args=[draft.pk]),
                         {"requested_date": _day(5).isoformat(), "reason": "Nghỉ lễ"})

    assert answer.status_code == 400
    page = answer.content.decode()
    if language == "en":
        assert f"deadline ({_en(_day(5))} 17:00): a request up to that same day" in page
        assert f"Choose {_en(_day(6))} or a later date." in page
        assert _vi(_day(5)) not in page
    else:
        assert f"({_vi(_day(5))} 17:00): đề nghị đến chính ngày đó" in page
        assert f"Hãy chọn từ ngày {_vi(_day(6))} trở đi." in page
    assert not ExtensionRequest.objects.exists()


def test_a_grant_past_the_next_phase_names_its_days_in_english(
    draft: Assessment, waiting: ExtensionRequest, admin_user: Any
) -> None:
    Cycle.objects.filter(pk=draft.cycle_id).update(appraisal_deadline=_at(_day(20), 17))

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        extension_request_grant(extension_request=waiting, actor=admin_user, deadline_date=_day(25))

    message = str(refused.value.message)
    assert f"({_en(_day(25))})" in message and f"({_en(_day(20))} 17:00)" in message
    assert f"{_en(_day(19))}" in message  # the latest day a grant may give
    assert _vi(_day(25)) not in message and _vi(_day(20)) not in message
    waiting.refresh_from_db()
    assert waiting.pending


# --- a unit's own deadline, the cycle's deadlines -----------------------------------------------------------------


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_units_own_deadline_on_the_cycles_day_is_refused_naming_the_days_in_the_language(
    draft: Assessment, admin_user: Any, language: str
) -> None:
    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        assessment_extend_deadline(assessment=draft, deadline=_at(_day(5), 20), actor=admin_user, reason="Gia hạn")

    message = str(refused.value.message)
    write = _en if language == "en" else _vi
    assert f"({write(_day(5))} 20:00)" in message and f"({write(_day(5))} 17:00)" in message
    assert write(_day(6)) in message
    assert Assessment.objects.get(pk=draft.pk).deadline_override is None


def test_the_cycles_deadlines_out_of_order_are_named_with_english_days() -> None:
    deadlines = {"self_assessment_deadline": _at(dt.date(2027, 3, 10), 17),
                 "appraisal_deadline": _at(dt.date(2027, 3, 1), 17)}

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        _check_deadlines(deadlines, year=2027)

    message = str(refused.value.message)
    assert "(1 Mar 2027)" in message and "(10 Mar 2027)" in message
    with translation.override("vi"), pytest.raises(ValidationFailed) as refused:
        _check_deadlines(deadlines, year=2027)
    assert "(01/03/2027)" in str(refused.value.message) and "(10/03/2027)" in str(refused.value.message)


@pytest.mark.parametrize(("language", "before", "after"), [
    ("vi", "trước ngày 01/01/2027.", "sau ngày 31/12/2037."),
    ("en", "before 1 Jan 2027.", "after 31 Dec 2037."),
])
def test_the_first_and_last_days_the_cycles_deadlines_may_take_are_named_in_the_language(
    language: str, before: str, after: str
) -> None:
    with translation.override(language):
        with pytest.raises(ValidationFailed) as early:
            _check_deadlines({"self_assessment_deadline": _at(dt.date(2026, 12, 31), 17)}, year=2027)
        with pytest.raises(ValidationFailed) as late:
            _check_deadlines({"self_assessment_deadline": _at(dt.date(2038, 1, 1), 17)}, year=2027)

    assert str(early.value.message).endswith(before) and str(late.value.message).endswith(after)


@pytest.mark.parametrize(("language", "expected"), [("vi", "trước ngày 01/01/"), ("en", "before 1 Jan ")])
def test_a_request_before_the_cycles_year_names_its_first_day_in_the_language(
    draft: Assessment, unit_head: Any, language: str, expected: str
) -> None:
    Cycle.objects.filter(pk=draft.cycle_id).update(year=_day(400).year, self_assessment_deadline=None)
    draft = Assessment.objects.select_related("unit", "cycle").get(pk=draft.pk)

    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        extension_request_create(assessment=draft, actor=unit_head, requested_date=_day(10), reason="Nghỉ lễ")

    assert refused.value.code == "deadline_before_year"
    assert f"{expected}{draft.cycle.year}." in str(refused.value.message)


# --- the data check, the publication, an import ---------------------------------------------------------------------


@pytest.mark.parametrize(("language", "shown"), [("vi", "(06/01/2040)"), ("en", "(6 Jan 2040)")])
def test_the_data_check_names_a_units_own_deadline_out_of_range_in_the_language(
    draft: Assessment, language: str, shown: str
) -> None:
    Assessment.objects.filter(pk=draft.pk).update(deadline_override=dt.datetime(2040, 1, 6, 10, 0, tzinfo=dt.UTC))

    with translation.override(language):
        [problem] = [p for p in data_problems(topics=("cycles",))]

    assert shown in problem.message
    year = draft.cycle.year
    if language == "en":
        assert f"outside 1 Jan {year} to 31 Dec {year + 10}" in problem.message
    else:
        assert f"từ 01/01/{year} đến 31/12/{year + 10}" in problem.message


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_document_dated_ahead_is_refused_naming_its_date_in_the_language(cycle: Cycle, language: str) -> None:
    ahead = _day(3)

    with translation.override(language):
        problems = _document_date_problems(cycle, ahead)

    assert (_en(ahead) if language == "en" else _vi(ahead)) in problems["document_date"]


@pytest.mark.parametrize(("language", "day", "moment"),
                         [("vi", "02/01/2026", "02/01/2026 08:30"), ("en", "2 Jan 2026", "2 Jan 2026 08:30")])
def test_a_date_cell_read_from_a_file_is_echoed_as_the_language_reads_it(language: str, day: str,
                                                                        moment: str) -> None:
    with translation.override(language):
        assert DateCell("2026-01-02 00:00:00").shown == day
        assert DateCell("2026-01-02 08:30:00").shown == moment
        assert DateCell("1.1.2").shown == "1.1.2"
