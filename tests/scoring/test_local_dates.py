"""The one way messages and pages write a date (`scoring.dates`): dd/mm/yyyy in Vietnamese, the month named in
English («6 Jan 2027 17:00»), in the site's time zone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from scoring.dates import local_day, local_moment

# 17:00 on 6 January 2027 in the site's time zone, stored in UTC (10:00) as the database keeps it
MOMENT = dt.datetime(2027, 1, 6, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "day", "moment", "time_first"),
    [
        ("vi", "06/01/2027", "06/01/2027 17:00", "17:00 06/01/2027"),
        ("en", "6 Jan 2027", "6 Jan 2027 17:00", "6 Jan 2027 17:00"),
    ],
)
def test_the_helper_writes_a_moment_in_local_time_as_the_language_reads_it(
    language: str, day: str, moment: str, time_first: str
) -> None:
    with translation.override(language):
        assert local_day(MOMENT) == day
        assert local_day(dt.date(2027, 1, 6)) == day
        assert local_moment(MOMENT) == moment
        assert local_moment(MOMENT, time_first=True) == time_first
        assert local_moment(dt.date(2027, 1, 6)) == day  # a date has no time of day to write
        assert local_day(None) == local_moment(None) == ""


def test_the_helper_writes_the_day_of_the_local_time_zone_not_of_utc() -> None:
    late = dt.datetime(2027, 1, 6, 20, 0, tzinfo=dt.UTC)  # 03:00 on 7 January in the province
    with translation.override("en"):
        assert local_day(late) == "7 Jan 2027"
        assert local_moment(late) == "7 Jan 2027 03:00"
    with translation.override("vi"):
        assert local_moment(late) == "07/01/2027 03:00"
