"""The evidence library's note of a file of the same name says when the older one came in as the pages write
dates: dd/mm/yyyy in Vietnamese, as always; in English the month named («6 Jan 2027 17:00»)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import translation

from evidence.views import _same_name_note

# 17:00 on 6 January 2027 in the site's time zone, stored in UTC (10:00) as the database keeps it
MOMENT = dt.datetime(2027, 1, 6, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("language", "expected"),
                         [("vi", "(tải lên lúc 06/01/2027 17:00)"), ("en", "(uploaded at 6 Jan 2027 17:00)")])
def test_the_note_of_a_file_of_the_same_name_says_when_the_old_one_came_in_the_language(
    language: str, expected: str
) -> None:
    same = SimpleNamespace(new=SimpleNamespace(original_name="bao-cao.pdf"), old_name="bao-cao.pdf",
                           old_uploaded_at=MOMENT, locked=True)

    with translation.override(language):
        assert expected in _same_name_note(same)  # type: ignore[arg-type]
