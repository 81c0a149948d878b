"""Wording found by the third QA round: a band's points are «1 point» in English; the sheet's conflict message
does not blame another person for the user's own other tab."""

from __future__ import annotations

from django.utils import translation

from scoring.errors import MSG_STALE_VERSION
from scoring.forms import _ratio_hint
from scoring.models import Indicator


def _bands() -> Indicator:
    return Indicator(method=Indicator.Method.RATIO_BANDS, params={"bands": [
        {"min": "30", "points": "1", "inclusive": True}, {"min": "20", "points": "0.5", "inclusive": True}]})


def test_a_band_worth_one_point_says_point_in_english() -> None:
    with translation.override("en"):
        hint = _ratio_hint(_bands())
    assert "≥ 30%: 1 point;" in hint and "≥ 20%: 0.5 points" in hint
    with translation.override("vi"):
        assert _ratio_hint(_bands()) == "≥ 30%: 1 điểm; ≥ 20%: 0,5 điểm"


def test_the_stale_version_message_names_no_other_person() -> None:
    with translation.override("vi"):
        assert "người khác hoặc một thẻ khác" in str(MSG_STALE_VERSION)
