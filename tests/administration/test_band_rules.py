"""Classification bands are checked on save: thresholds from 0 to the standard, the lowest band at 0; the check
page reports a set whose bands were saved wrong before."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import selectors, services
from scoring.administration.services.sets import indicator_set_version
from scoring.errors import ValidationFailed
from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db

META = {"name": "Bộ thử", "standard_max": "10", "index_mode": "points"}


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([{"min": "9", "label": "Tốt"}, {"min": "5", "label": "Khá"}], "Mức thấp nhất phải có ngưỡng 0 (hiện là 5)"),
        ([{"min": "12", "label": "Tốt"}, {"min": "0", "label": "Yếu"}], "lớn hơn chỉ số cao nhất có thể (10)"),
        ([{"min": "9", "label": "Tốt"}, {"min": "-1", "label": "Yếu"}], "không được âm"),
        ([{"min": "6,5", "label": "Tốt"}, {"min": "6.5", "label": "Khá"}, {"min": "0", "label": "Yếu"}],
         "cùng ngưỡng"),
        ([{"min": "5", "label": "Khá"}, {"min": "9", "label": "Tốt"}, {"min": "0", "label": "Yếu"}],
         "từ ngưỡng cao xuống ngưỡng thấp"),
        ([{"min": "9", "label": "Tốt"}, {"min": "0", "label": "tốt"}], "cùng tên"),
        ([{"min": "9", "label": "T" * 61}, {"min": "0", "label": "Yếu"}], "dài quá 60 ký tự"),
        ([{"min": "9.125", "label": "Tốt"}, {"min": "0", "label": "Yếu"}], "tối đa 2 chữ số thập phân"),
        ([{"min": "1e999", "label": "Tốt"}, {"min": "0", "label": "Yếu"}], "(1,00E+999) lớn hơn"),
    ],
)
def test_bad_bands_are_refused_on_save(
    draft: IndicatorSet, admin_user: Any, bands: list[dict[str, str]], message: str
) -> None:
    before = list(draft.classification_bands)
    with pytest.raises(ValidationFailed, match=re.escape(message)):
        services.indicator_set_update(indicator_set=draft, data={**META, "classification_bands": bands},
                                      actor=admin_user)
    draft.refresh_from_db()
    assert draft.classification_bands == before


def test_a_lowered_standard_below_a_threshold_is_refused(draft: IndicatorSet, admin_user: Any) -> None:
    with pytest.raises(ValidationFailed, match="lớn hơn chỉ số cao nhất"):  # bands 9/8/6.5/0 on a standard of 8
        services.indicator_set_update(indicator_set=draft, data={**META, "standard_max": "8"}, actor=admin_user)


def test_percent_mode_bands_go_up_to_100(draft: IndicatorSet, admin_user: Any) -> None:
    bands = [{"min": "90", "label": "Tốt"}, {"min": "0", "label": "Yếu"}]
    services.indicator_set_update(indicator_set=draft, data={**META, "index_mode": "percent",
                                                              "classification_bands": bands}, actor=admin_user)


def test_the_set_form_shows_the_refusal_and_the_check_page_reports_old_bad_bands(
    client: Client, draft: IndicatorSet, admin_user: Any
) -> None:
    client.force_login(admin_user)
    page = client.post(reverse("administration:set_update", args=[draft.pk]), {
        "name": "Bộ thử", "standard_max": "10", "index_mode": "points", "bands": "9 | Tốt\n5 | Khá",
        "version": indicator_set_version(draft),
    }, follow=True).content.decode()
    assert "Mức thấp nhất phải có ngưỡng 0" in page
    # bands saved before this check (or by the admin of a draft) are reported by the check page
    IndicatorSet.objects.filter(pk=draft.pk).update(classification_bands=[{"min": "11", "label": "Tốt"}])
    draft.refresh_from_db()
    report = selectors.indicator_set_report(indicator_set=draft)
    assert not report.ok
    assert any("Mức thấp nhất" in p for p in report.problems)


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("standard_max", "99999,999", "tối đa 2 chữ số thập phân"),
    ("standard_max", "100000", "nhỏ hơn 100.000"),
    ("bonus_cap", "2,9999", "tối đa 2 chữ số thập phân"),
    ("bonus_cap", "2,999", "tách hàng nghìn"),  # «2,999» may be two thousand: refused as the score sheet does
    ("penalty_cap", "1e-999999999", "phải là một số"),  # no exponents, as on the score sheet
])
def test_points_the_database_would_round_or_refuse_are_refused_and_the_pages_still_open(
    client: Client, draft: IndicatorSet, admin_user: Any, field: str, typed: str, message: str
) -> None:
    client.force_login(admin_user)
    data = {"name": "Bộ thử", "standard_max": "100", "index_mode": "points", "bonus_cap": "", "penalty_cap": "",
            "bands": "", "source_note": "", field: typed}
    response = client.post(reverse("administration:set_update", args=[draft.pk]),
                           {**data, "version": indicator_set_version(draft)})
    assert response.status_code == 400 and message in response.content.decode()
    created = client.post(reverse("administration:set_create"), {**data, "key": "moi-2030", "year": "2030",
                                                                 "unit_kind": draft.unit_kind_id})
    assert created.status_code == 400 and not IndicatorSet.objects.filter(key="moi-2030").exists()
    assert client.get(reverse("administration:set_list")).status_code == 200
    assert client.get(reverse("administration:set_detail", args=[draft.pk])).status_code == 200


def test_the_band_rule_says_the_lowest_band_covers_a_negative_index_too(draft: IndicatorSet, admin_user: Any) -> None:
    """Negative options and penalties can take a unit below 0: the rule and the check say that the lowest band, at
    0, classifies such an index too (as the engine does), not that every index is at least 0."""
    with pytest.raises(ValidationFailed, match="kể cả chỉ số âm"):
        services.indicator_set_update(indicator_set=draft, data={**META, "classification_bands": [
            {"min": "9", "label": "Tốt"}, {"min": "5", "label": "Khá"}]}, actor=admin_user)
    labels = [label for label, _ok in selectors.indicator_set_report(indicator_set=draft).checks]
    assert "Thang xếp loại: ngưỡng từ 0 đến điểm chuẩn, mức thấp nhất từ 0 (gồm cả chỉ số âm)" in labels
