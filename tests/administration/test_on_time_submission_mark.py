"""A leaf may be marked «tiêu chí về thời hạn gửi báo cáo tự đánh giá» (off by default): 1.2.2 of the province's 2020
sets carries it; the criterion editor sets and clears it (audited); the tree's Excel file exports it and its import
reads it back; a clone keeps it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.forms import IndicatorForm
from scoring.administration.services.tree import indicator_version
from scoring.models import AuditEntry, Indicator, IndicatorSet
from scoring.services import indicator_set_import
from tests.administration.test_set_import import _exported, _import

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="draft-2021", year=2021, actor=admin_user)


@pytest.fixture
def empty_set(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_create(
        key="annex-2022", year=2022, unit_kind=small_set.unit_kind, actor=admin_user,
        data={"name": "Phụ lục 2022", "standard_max": "10", "bonus_cap": "2", "penalty_cap": "2"},
    )


def _marked(indicator_set: IndicatorSet) -> set[str]:
    return set(indicator_set.indicators.filter(on_time_submission=True).values_list("code", flat=True))


@pytest.mark.parametrize("key", ["tg-2020-so", "tg-2020-huyen"])
def test_the_2020_sets_mark_their_on_time_submission_leaf(catalogue: Any, key: str) -> None:
    data = json.loads((settings.BASE_DIR / "fixtures" / "sets" / f"{key}.json").read_text(encoding="utf-8"))
    loaded = indicator_set_import(data=data, actor=None)
    assert _marked(loaded) == {"1.2.2"}
    leaf = loaded.indicators.get(code="1.2.2")
    assert leaf.is_leaf and "Gửi báo cáo tự đánh giá" in leaf.name and "đúng thời hạn" in leaf.name


def test_a_criterion_is_not_marked_unless_said(small_set: IndicatorSet) -> None:
    assert _marked(small_set) == set()
    assert Indicator._meta.get_field("on_time_submission").default is False


def test_the_editor_marks_a_leaf_and_clears_it_audited(
    client: Client, admin_user: Any, draft: IndicatorSet
) -> None:
    client.force_login(admin_user)
    leaf = draft.indicators.get(code="1.2.3")
    page = client.get(reverse("administration:node_edit", args=[leaf.pk])).content.decode()
    assert 'name="on_time_submission"' in page and "Tiêu chí về thời hạn gửi báo cáo tự đánh giá" in page

    posted = {k: v for k, v in IndicatorForm.initial_for(leaf).items() if v not in (None, False)}
    posted.update(version=indicator_version(leaf), on_time_submission="on")
    response = client.post(reverse("administration:node_edit", args=[leaf.pk]), posted)
    assert response.status_code == 302, response.content.decode()[:2000]
    leaf.refresh_from_db()
    assert leaf.on_time_submission
    entry = AuditEntry.objects.filter(object_type="Indicator", object_id=str(leaf.pk)).order_by("-id").first()
    assert entry is not None and entry.changes["on_time_submission"] == {"old": False, "new": True}

    # a group has no such mark to set (not scored)
    group = draft.indicators.get(code="1.2")
    assert 'name="on_time_submission"' not in client.get(
        reverse("administration:node_edit", args=[group.pk])).content.decode()

    posted.pop("on_time_submission")
    posted["version"] = indicator_version(leaf)
    assert client.post(reverse("administration:node_edit", args=[leaf.pk]), posted).status_code == 302
    leaf.refresh_from_db()
    assert not leaf.on_time_submission


def test_the_excel_file_carries_the_mark_and_a_clone_keeps_it(
    draft: IndicatorSet, empty_set: IndicatorSet, admin_user: Any
) -> None:
    Indicator.objects.filter(indicator_set=draft, code="1.2.3").update(on_time_submission=True)
    outcome = _import(empty_set, _exported(draft), admin_user)
    assert outcome.ok, outcome.row_errors
    assert _marked(empty_set) == {"1.2.3"}
    clone = services.indicator_set_clone(source=draft, key="draft-2023", year=2023, actor=admin_user)
    assert _marked(clone) == {"1.2.3"}
