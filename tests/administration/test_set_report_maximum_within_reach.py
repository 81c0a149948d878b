"""A criterion's maximum above what its method can give (a yes/no leaf whose «Có» is worth 1 under a maximum of 2; a
levels leaf whose best level gives 1,5 under 2) is warned about in the set check report and in the Excel upload's
preview: a warning, never a refusal, except where the criterion editor refuses it (direct points off the step),
and there the upload refuses it too, in the editor's words."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.resources import clean_rows
from scoring.administration.selectors import indicator_set_report
from scoring.models import Indicator, IndicatorSet
from tests.administration.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _set(draft: IndicatorSet, code: str, **fields: Any) -> Indicator:
    Indicator.objects.filter(indicator_set=draft, code=code).update(**fields)
    return draft.indicators.get(code=code)


def _warnings(indicator_set: IndicatorSet) -> dict[str, str]:
    return {w.code: w.text for w in indicator_set_report(indicator_set=indicator_set).warnings}


def test_a_set_whose_every_maximum_can_be_reached_has_no_such_warning(small_set: IndicatorSet) -> None:
    # guards the small set (one leaf per method, each able to give its maximum): passes before and after
    assert _warnings(small_set) == {}


def test_a_yes_no_leaf_whose_yes_gives_less_than_its_maximum_is_warned_about(draft: IndicatorSet) -> None:
    _set(draft, "1.2.1", max_points=2, params={"yes_points": "1", "no_points": "0"})
    report = indicator_set_report(indicator_set=draft)
    warned = {w.code: w for w in report.warnings}
    assert warned["1.2.1"].text == (
        "«1.2.1»: điểm tối đa là 2 nhưng phương pháp «Có / Không» cho nhiều nhất 1 điểm (Điểm khi «Có»), nên không "
        "đơn vị nào đạt được điểm tối đa. Hãy sửa điểm tối đa hoặc tham số nếu đó là nhầm lẫn."
    )
    assert warned["1.2.1"].indicator_id == draft.indicators.get(code="1.2.1").pk
    assert not any("1.2.1" in p and "cho nhiều nhất" in p for p in report.problems)  # a warning, not a problem


def test_a_levels_leaf_whose_best_level_gives_less_than_its_maximum_is_warned_about(draft: IndicatorSet) -> None:
    _set(draft, "1.1.1", max_points=2, floor=0, params={"options": [
        {"key": "on_time", "label": "Đúng hạn", "points": "1.5"}, {"key": "late", "label": "Trễ", "points": "0"}]})
    text = _warnings(draft)["1.1.1"]
    assert "điểm tối đa là 2" in text and "cho nhiều nhất 1,5 điểm (mức cao nhất)" in text


def test_a_ratio_bands_leaf_whose_best_band_gives_less_than_its_maximum_is_warned_about(draft: IndicatorSet) -> None:
    _set(draft, "1.1.2", params={"bands": [{"min": "90", "inclusive": False, "points": "1.5"},
                                           {"min": "0", "inclusive": True, "points": "0"}]})
    assert "cho nhiều nhất 1,5 điểm (khung tỷ lệ cao nhất)" in _warnings(draft)["1.1.2"]


def test_a_deductions_only_leaf_whose_base_is_below_its_maximum_is_warned_about(draft: IndicatorSet) -> None:
    _set(draft, "2.1.2", params={"base": "1.5", "items": [{"key": "late", "label": "Trễ", "points": "-0.25"}]})
    assert "cho nhiều nhất 1,5 điểm (Điểm gốc)" in _warnings(draft)["2.1.2"]


def test_methods_whose_best_is_the_maximum_are_not_warned_about(draft: IndicatorSet) -> None:
    # «Có» left to its default (the maximum), a «Không» worth the maximum, bonus counts, a proportional score
    _set(draft, "1.2.1", max_points=2, params={})
    _set(draft, "1.2.3", params={"step": "0.25"})
    assert _warnings(draft) == {}
    _set(draft, "1.2.1", params={"yes_points": "0", "no_points": "2"})
    # «Không» worth more than «Có» is a warning of its own (test_set_report_rules_without_sense), not this one
    assert not any("cho nhiều nhất" in text for text in _warnings(draft).values())


def test_the_check_page_lists_the_warning_with_a_link_to_the_criterion(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    leaf = _set(draft, "1.2.1", params={"yes_points": "0.5"})
    client.force_login(admin_user)
    page = client.get(reverse("administration:set_report", args=[draft.pk])).content.decode()
    warnings = page.split('class="note report-warnings"')[1].split("</div>")[0]
    assert "điểm tối đa là 1 nhưng phương pháp «Có / Không» cho nhiều nhất 0,5 điểm" in warnings
    assert reverse("administration:node_edit", args=[leaf.pk]) in warnings


def test_the_upload_preview_warns_and_still_lets_the_file_be_applied(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    from tests.administration.test_tree_excel_for_excel_users import _edited

    # given: the draft's own file with 1.2.1's «Có» worth 0,5 under its maximum of 1
    client.force_login(admin_user)
    exported = client.get(reverse("administration:set_export", args=[draft.pk])).content
    content = _edited(exported, {("1.2.1", "Tham số phương pháp chấm"): "Điểm khi «Có»: 0,5"})
    # when
    response = client.post(reverse("administration:set_import", args=[draft.pk]), {"file": upload(content)})
    # then: listed among the notices that do not block, and the file applies
    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert outcome.ok
    assert any(n.startswith("«1.2.1»: điểm tối đa là 1 nhưng") for n in outcome.notices), outcome.notices
    assert "cho nhiều nhất 0,5 điểm" in response.content.decode()
    applied = client.post(reverse("administration:set_import_apply", args=[draft.pk]),
                          {"token": response.context["token"]})
    assert applied.status_code == 302
    assert draft.indicators.get(code="1.2.1").params == {"yes_points": "0.5"}


def test_a_direct_points_maximum_off_the_step_is_refused_by_the_upload_in_the_editors_words() -> None:
    # guards the one method the editor refuses it for (passes before and after): the same sentence in both
    form = IndicatorForm({"code": "1", "name": "Tiêu chí", "kind": "normal", "max_points": "0,3", "floor": "0",
                          "method": "manual", "p_step": "0,25", "source": "self"})
    assert not form.is_valid()
    [refusal] = form.errors["max_points"]
    _, errors = clean_rows([{"row": 2, "code": "1", "parent_code": "", "name": "Tiêu chí", "kind": "normal",
                             "max_points": "0,3", "method": "manual", "params": '{"step": "0.25"}'}])
    assert errors[2] == [refusal]
