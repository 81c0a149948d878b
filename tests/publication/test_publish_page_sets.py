"""The publish page names the indicator sets the results go out with, each with its decision and its source note:
a set whose note says it is provisional (the demo's reconstruction of Decision 689's tables) is read there before
its results are published, not found out by a citizen on the public set page afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from scoring.models import Cycle, IndicatorSet
from scoring.publication.selectors import cycle_published_sets

pytestmark = pytest.mark.django_db

NOTE = "Bản dựng lại: phải được thay bằng Bảng điểm chính thức trước khi dùng để công bố kết quả."


def _page(admin_user: Any, language: str = "vi") -> str:
    client = Client()
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(reverse("publication:manage", args=[2020])).content.decode()


def _section(html: str) -> str:
    return html.split("data-published-sets>")[1].split("</section>")[0]


def test_each_set_of_the_cycle_is_named_with_its_units_and_its_source_note(signed_cycle: Cycle,
                                                                            admin_user: Any) -> None:
    indicator_set = IndicatorSet.objects.get(assessments__cycle=signed_cycle, assessments__unit__code="so-y-te")
    IndicatorSet.objects.filter(pk=indicator_set.pk).update(source_note=NOTE, decision_ref="")
    [listed] = cycle_published_sets(cycle=signed_cycle)
    assert listed.pk == indicator_set.pk and listed.units == signed_cycle.assessments.count()
    section = _section(_page(admin_user))
    assert f'href="{reverse("administration:set_detail", args=[indicator_set.pk])}"' in section
    assert NOTE in section and "data-source-note" in section
    assert "chưa ghi văn bản ban hành" in section
    assert f"{listed.units} đơn vị" in section


def test_a_set_without_a_note_shows_its_decision_and_no_warning(signed_cycle: Cycle, admin_user: Any) -> None:
    IndicatorSet.objects.filter(assessments__cycle=signed_cycle).update(source_note="",
                                                                         decision_ref="Quyết định số 689/QĐ-UBND")
    section = _section(_page(admin_user))
    assert "Quyết định số 689/QĐ-UBND" in section
    assert "data-source-note" not in section and "chưa ghi văn bản ban hành" not in section


def test_in_english_the_set_s_vietnamese_texts_are_marked(signed_cycle: Cycle, admin_user: Any) -> None:
    IndicatorSet.objects.filter(assessments__cycle=signed_cycle).update(source_note=NOTE)
    section = _section(_page(admin_user, "en"))
    assert f'<span lang="vi">{NOTE}</span>' in section
