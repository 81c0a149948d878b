"""An explanation deadline that is not a date says which forms a date takes, and quotes what was sent whole (a
date-time cut at 20 characters read «2027-01-10T12:00:00+», which explained nothing)."""

from __future__ import annotations

import pytest

from appraisal.forms import deadline_from_post
from scoring.errors import ValidationFailed


def test_a_date_time_is_refused_naming_both_date_forms_and_quoting_it_whole() -> None:
    with pytest.raises(ValidationFailed) as refused:
        deadline_from_post("2027-01-10T12:00:00+07:00")
    message = str(refused.value)
    assert "«2027-01-10T12:00:00+07:00»" in message
    assert "dd/mm/yyyy" in message and "yyyy-mm-dd" in message and "không kèm giờ" in message
    assert refused.value.code == "bad_deadline"


def test_a_very_long_value_is_quoted_shortened() -> None:
    with pytest.raises(ValidationFailed) as refused:
        deadline_from_post("x" * 500)
    assert "x" * 39 + "…" in str(refused.value) and "x" * 41 not in str(refused.value)


@pytest.mark.parametrize("typed", ["2027-01-10", "10/01/2027"])
def test_both_date_forms_are_taken(typed: str) -> None:
    assert deadline_from_post(typed).date().isoformat() == "2027-01-10"
