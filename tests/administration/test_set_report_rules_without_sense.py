"""Rules the engine takes but that make no sense on a unit's sheet are warned about (never refused) in the set's
check report and after the criterion's save: a yes/no leaf whose «Có» and «Không» give the same points, or «Không»
more; ratio bands where a higher rate gives fewer points; a negative floor no level gives any more. The floor is
stored: removing the level it came from made it stale («thấp nhất -1,00» on the sheet), so it now follows the
levels when the administrator did not change it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.selectors import indicator_set_report
from scoring.administration.services.tree import indicator_version
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="rules-2021", year=2021, actor=admin_user)


def _set(draft: IndicatorSet, code: str, **fields: Any) -> Indicator:
    Indicator.objects.filter(indicator_set=draft, code=code).update(**fields)
    return draft.indicators.get(code=code)


def _warnings(indicator_set: IndicatorSet) -> dict[str, list[str]]:
    said: dict[str, list[str]] = {}
    for w in indicator_set_report(indicator_set=indicator_set).warnings:
        said.setdefault(w.code, []).append(w.text)
    return said


def _edit(client: Client, leaf: Indicator, **changes: str) -> Any:
    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False)}
    posted.update(changes, version=indicator_version(leaf))
    return client.post(reverse("administration:node_edit", args=[leaf.pk]), posted)


def test_the_small_set_has_no_such_warning(small_set: IndicatorSet) -> None:
    assert _warnings(small_set) == {}


def test_yes_and_no_worth_the_same_is_a_warning_not_a_problem(draft: IndicatorSet) -> None:
    _set(draft, "1.2.1", params={"yes_points": "1", "no_points": "1"})
    report = indicator_set_report(indicator_set=draft)
    (text,) = [w.text for w in report.warnings if w.code == "1.2.1"]
    assert "«Có» và «Không» cùng cho 1 điểm" in text
    assert report.ok


def test_no_worth_more_than_yes_is_warned_about(draft: IndicatorSet) -> None:
    _set(draft, "1.2.1", params={"yes_points": "0", "no_points": "1"})
    assert any("«Không» cho 1 điểm, nhiều hơn «Có» (0)" in t for t in _warnings(draft)["1.2.1"])


def test_a_higher_band_worth_fewer_points_is_warned_about(draft: IndicatorSet) -> None:
    _set(draft, "1.1.2", params={"bands": [
        {"min": "90", "inclusive": True, "points": "1"}, {"min": "70", "inclusive": True, "points": "2"},
        {"min": "0", "inclusive": True, "points": "0"}]})
    (text,) = _warnings(draft)["1.1.2"]
    assert "tỷ lệ cao hơn lại được ít điểm hơn: khung 90 % cho 1, khung 70 % cho 2" in text


def test_a_floor_no_level_gives_is_warned_about_with_the_floor_to_write(draft: IndicatorSet) -> None:
    # stale data as a save before this fix left it: the «-1» level gone, the floor still -1
    _set(draft, "1.1.1", params={"options": [{"key": "on_time", "label": "Đúng hạn", "points": "1"},
                                             {"key": "late", "label": "Trễ hạn", "points": "0"}]})
    (text,) = _warnings(draft)["1.1.1"]
    assert "điểm tối thiểu là -1" in text and "ít nhất 0 điểm" in text and "thành 0" in text


def test_removing_the_lowest_level_takes_the_floor_with_it_and_says_nothing_stale(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    # given: 1.1.1, levels 1 / 0 / -1, floor -1
    leaf = draft.indicators.get(code="1.1.1")
    client.force_login(admin_user)
    # when: the «-1» level is removed, the floor left as it was on the page
    response = _edit(client, leaf, p_options="on_time | Đúng hạn, đầy đủ | 1\nlate | Trễ hạn | 0")
    # then
    assert response.status_code == 302
    leaf.refresh_from_db()
    assert leaf.floor == Decimal("0")
    assert "1.1.1" not in _warnings(draft)


def test_a_floor_set_apart_from_the_levels_stays(client: Client, draft: IndicatorSet, admin_user: Any) -> None:
    leaf = draft.indicators.get(code="1.1.1")
    client.force_login(admin_user)
    response = _edit(client, leaf, floor="-0,5", p_options="on_time | Đúng hạn | 1\nlate | Trễ hạn | -0,5")
    assert response.status_code == 302
    leaf.refresh_from_db()
    assert leaf.floor == Decimal("-0.5")


def test_the_save_says_the_warning_of_the_criterion(client: Client, draft: IndicatorSet, admin_user: Any) -> None:
    leaf = draft.indicators.get(code="1.2.1")
    client.force_login(admin_user)
    response = _edit(client, leaf, p_yes_points="1", p_no_points="1")
    assert response.status_code == 302
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert any("cùng cho 1 điểm" in w for w in warnings), warnings


SAME = ("«%(code)s»: «Có» và «Không» cùng cho %(points)s điểm, nên câu trả lời của đơn vị không đổi được điểm. "
        "Hãy sửa «Điểm khi «Có»» hoặc «Điểm khi «Không»» nếu đó là nhầm lẫn.")
OUT_OF_REACH = ("«%(code)s»: điểm tối đa là %(max)s nhưng phương pháp «%(method)s» cho nhiều nhất %(best)s điểm "
                "(%(where)s), nên không đơn vị nào đạt được điểm tối đa. Hãy sửa điểm tối đa hoặc tham số nếu đó là "
                "nhầm lẫn.")


@pytest.fixture
def english_plurals(monkeypatch: pytest.MonkeyPatch) -> None:
    """The translator's entries for the counted messages (locale/ is translated later)."""
    english = trans_real.translation("en")
    entries = {(SAME, 0): "“%(code)s”: “Yes” and “No” both give %(points)s point.",
               (SAME, 1): "“%(code)s”: “Yes” and “No” both give %(points)s points.",
               (OUT_OF_REACH, 0): "“%(code)s” gives at most %(best)s point.",
               (OUT_OF_REACH, 1): "“%(code)s” gives at most %(best)s points."}
    real = english.ngettext

    def ngettext(singular: str, plural: str, n: int) -> str:
        found = entries.get((singular, english.plural(n)))
        return found if found is not None else real(singular, plural, n)

    monkeypatch.setattr(english, "ngettext", ngettext)


@pytest.mark.parametrize(
    ("yes", "said"), [("1", "give 1 point."), ("0.5", "give 0.5 points."), ("0", "give 0 points.")]
)
def test_counted_points_take_the_singular_or_the_plural_in_english(
    draft: IndicatorSet, english_plurals: None, yes: str, said: str
) -> None:
    _set(draft, "1.2.1", max_points=2, params={"yes_points": yes, "no_points": yes})
    with translation.override("en"):
        texts = _warnings(draft)["1.2.1"]
    assert any(t.endswith(said) for t in texts), texts
    assert any(t.endswith(said.replace("give", "gives at most")) for t in texts), texts
