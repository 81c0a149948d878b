"""The set check report's list of conditions: each condition's result comes from the set's data, so the page says
the same in Vietnamese and in English, whatever the problems' wording."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from scoring.administration import services
from scoring.administration.selectors import indicator_set_report
from scoring.models import Indicator, IndicatorSet

pytestmark = pytest.mark.django_db

SUMS = "Điểm tối đa của mỗi tiêu chí bằng tổng điểm các tiêu chí con"
METHODS = "Mọi tiêu chí thành phần có phương pháp chấm hợp lệ"


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


def _checks(indicator_set: IndicatorSet, language: str) -> list[bool]:
    with translation.override(language):
        return [ok for _label, ok in indicator_set_report(indicator_set=indicator_set).checks]


def _check(indicator_set: IndicatorSet, language: str, label: str) -> bool:
    with translation.override("vi"):
        labels = [str(text) for text, _ok in indicator_set_report(indicator_set=indicator_set).checks]
    return _checks(indicator_set, language)[labels.index(label)]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_criterion_whose_maximum_is_not_its_children_sum_fails_the_sums_check_in_both_languages(
    draft: IndicatorSet, language: str
) -> None:
    # given: «1.1» worth 4 while its sub-criteria add up to 3
    Indicator.objects.filter(indicator_set=draft, code="1.1").update(max_points=Decimal("4"))
    # then
    assert not _check(draft, language, SUMS)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_sound_set_passes_every_check_in_both_languages(draft: IndicatorSet, language: str) -> None:
    assert all(_checks(draft, language))


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_methods_check_fails_on_invalid_parameters_only(draft: IndicatorSet, language: str) -> None:
    # given: a classification band whose name holds ": " and whose threshold is wrong (a set-level problem)
    IndicatorSet.objects.filter(pk=draft.pk).update(
        classification_bands=[{"min": "9", "label": "Mức: Tốt"}, {"min": "-1", "label": "Mức: Yếu"}]
    )
    draft.refresh_from_db()
    # then: the methods are all valid, whatever the other problems say
    with translation.override(language):
        assert indicator_set_report(indicator_set=draft).problems
    assert _check(draft, language, METHODS)
    # given: a leaf whose parameters the engine refuses
    Indicator.objects.filter(indicator_set=draft, code="1.2.3").update(params={"step": "0"})
    # then
    assert not _check(draft, language, METHODS)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_report_page_marks_the_sums_check_failed_in_both_languages(
    client: Client, draft: IndicatorSet, admin_user: Any, language: str
) -> None:
    Indicator.objects.filter(indicator_set=draft, code="1.1").update(max_points=Decimal("4"))
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("administration:set_report", args=[draft.pk]))
    with translation.override(language):
        page = response.content.decode()
        report = indicator_set_report(indicator_set=draft)
    assert response.status_code == 200
    failed = [str(label) for label, ok in report.checks if not ok]
    assert len(failed) == 1
    # the failed condition is rendered as failed, next to the problem that explains it
    item = page.split(failed[0])[0].rsplit("<li", 1)[1]
    assert 'class="fail"' in item
