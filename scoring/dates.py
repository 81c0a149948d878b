"""Dates and moments written into messages as the active language reads them, in the site's local time zone.

Vietnamese (and no language active: the site's) writes day first with digits, «06/01/2027» and «06/01/2027 17:00»
(or «17:00 06/01/2027» where a message says the time first); English names the month, «6 Jan 2027» and
«6 Jan 2027 17:00», where «06/01/2027» would read as 1 June. The pages' `dmy` filter and the messages that
services, selectors and views build all write dates through here, so that a page and the message shown on it agree.

Official documents (PDF, spreadsheets, printed reports) and stored data keep dd/mm/yyyy whatever the language of
the request: they do not call these, or call them under the site's language (`translation.override`).
No query.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import dateformat, timezone, translation


def day_first() -> bool:
    """Whether the active language writes dates day first with digits (Vietnamese, and none active: the site's)."""
    language = translation.get_language()
    return not language or language.split("-")[0] == "vi"


def _local(value: Any) -> Any:
    """An aware moment in the current (local) time zone; a naive one or a date as it is."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def local_day(value: date | datetime | None) -> str:
    """The day of a date, or of a moment in local time: «06/01/2027» in Vietnamese, «6 Jan 2027» in English;
    "" when there is none."""
    if not value:
        return ""
    day = _local(value)
    if day_first():
        return str(day.strftime("%d/%m/%Y"))
    return str(dateformat.format(day, "j M Y"))


def local_moment(value: datetime | None, *, time_first: bool = False) -> str:
    """A moment in local time with its hour and minute: «06/01/2027 17:00» in Vietnamese («17:00 06/01/2027» with
    `time_first`, as some Vietnamese messages word it), «6 Jan 2027 17:00» in English (either way); a date without
    a time of day is written as `local_day`; "" when there is none."""
    if not value:
        return ""
    if not isinstance(value, datetime):
        return local_day(value)
    moment = _local(value)
    if day_first():
        return str(moment.strftime("%H:%M %d/%m/%Y" if time_first else "%d/%m/%Y %H:%M"))
    return str(dateformat.format(moment, "j M Y H:i"))
