"""Display helpers: scores with the decimal comma, dates dd/mm/yyyy (in English «6 Jan 2027»), and the unit people's
nav links."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _l

from scoring import permissions, selectors
from scoring.dates import local_day, local_moment

# The classification names the provinces' decisions use, in the page's language; a set may name its bands
# otherwise, and such a name is shown as the set writes it. Exports and open data keep the set's own words.
BAND_NAMES = {
    "Xuất sắc": _l("Xuất sắc"), "Tốt": _l("Tốt"), "Khá": _l("Khá"), "Trung bình": _l("Trung bình"),
    "Yếu": _l("Yếu"), "Kém": _l("Kém"),
}

register = template.Library()


MINUS = "\u2212"  # the minus sign, as wide as the plus sign it stands against


@register.filter
def score(value: Any) -> str:
    """A score with two decimals in the active language ("1,50"); an em dash when there is none. A negative one
    (a leaf's floor, a level worth -1) with the minus sign «−1,00», as `signed_score` writes a penalty, so that a page
    writes every negative number alike; one that shows as zero has no sign."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value))
    text = number_format(abs(number), 2)
    return MINUS + text if number < 0 and any(digit in text for digit in "123456789") else text


@register.filter
def signed_score(value: Any, against: str = "") -> str:
    """A bonus, a penalty or a change with its sign, two decimals in the active language: «+5,00», «−0,50»; a zero
    (once rounded to two decimals) has no sign, «0,00», never «+0,00» or «−0,00»; an em dash when there is none.
    `against="-"` for a number that counts against, stored positive (a penalty): `row.penalty|signed_score:"-"`
    reads «−1,00». The one rule of every signed number the pages write."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if against == "-":
        number = -number
    text = score(abs(number))
    if not number:
        return text
    return ("+" if number > 0 else MINUS) + text


@register.filter
def index_score(value: Any) -> str:
    """An index (a number that may fall below zero, never «better» for a plus) with two decimals in the active
    language and, below zero, the true minus sign `signed_score` writes a penalty with: «−2,00», «85,12»; «0,00»
    never «−0,00»; an em dash when there is none."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return (MINUS if number < 0 else "") + score(abs(number))


@register.filter
def band(value: Any) -> str:
    """A classification band's name in the page's language when it is one of the usual ones."""
    text = "" if value is None else str(value)
    return str(BAND_NAMES.get(text, text))


@register.filter
def dmy(value: Any, with_time: bool = True) -> str:
    """A date or datetime in the site's time zone as the page's language reads it without doubt: dd/mm/yyyy (HH:MM)
    in Vietnamese, «6 Jan 2027 (17:00)» in English, where «06/01/2027» would read as 1 June. The month is named
    rather than written ISO-style because a table of such dates is read by people, not sorted by them. Official
    files render under the official language and so keep dd/mm/yyyy; typed dates are read as before. The messages
    built in Python write dates the same way (`scoring.dates`)."""
    if not value:
        return ""
    return local_moment(value) if with_time and hasattr(value, "hour") else local_day(value)


@register.filter
def full_name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


@register.simple_tag(takes_context=True)
def unit_nav(context: template.Context) -> dict[str, str]:
    """Links for a unit's people: their assessment of the open cycle and its report; for a person with several
    units, the page listing their units' assessments instead (`units`: the home page lists them), as no one
    unit's sheet is theirs (cached per request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_cchc_unit_nav", None)
    if cached is not None:
        return dict(cached)
    links: dict[str, str] = {}
    units = permissions.unit_ids(user)
    if len(units) > 1:
        links["units"] = reverse("home")
    elif units:
        assessment = selectors.unit_assessment_in_open_cycle(unit_ids=units)
        if assessment is not None:
            links["assessment"] = reverse("scoring:assessment", args=[assessment.pk])
            links["report"] = reverse("scoring:report", args=[assessment.pk])
    request._cchc_unit_nav = links
    return links


@register.filter
def state_shown(assessment: Any) -> str:
    """An assessment's state as its unit reads it (`scoring.selectors.home.assessment_state_shown`): a draft of a
    cycle still in «Chuẩn bị» reads «Chưa mở — kỳ đang chuẩn bị», not «Đang tự đánh giá»."""
    from scoring.selectors.home import assessment_state_shown

    return assessment_state_shown(assessment)


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
