"""A date typed as the pages write it (day before month) is read so in both languages, never as month/day."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.utils import translation


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_typed_date_is_day_before_month_in_both_languages(language: str) -> None:
    field = forms.DateField()
    with translation.override(language):
        assert field.clean("10/01/2027") == dt.date(2027, 1, 10)
        assert field.clean("2027-01-10") == dt.date(2027, 1, 10)  # what a date input sends
        with pytest.raises(forms.ValidationError):
            field.clean("12/31/2027")  # month first: no such day


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_typed_date_and_time_is_day_before_month_too(language: str) -> None:
    field = forms.DateTimeField()
    with translation.override(language):
        assert field.clean("10/01/2027 17:00").replace(tzinfo=None) == dt.datetime(2027, 1, 10, 17, 0)
        assert field.clean("2027-01-10T17:00").replace(tzinfo=None) == dt.datetime(2027, 1, 10, 17, 0)
