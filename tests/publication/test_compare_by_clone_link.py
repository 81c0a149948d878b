"""The year-to-year comparison of published results pairs each criterion (and area) of the later year's set with the
one it was copied from (`Indicator.cloned_from`, through the chain of clones when a year between was not published),
whatever their codes: a criterion renumbered is itself, not the one that took its old code. A snapshot published
before it kept the criteria's identities is read as it is, by code, and never rewritten."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from scoring.administration import services
from scoring.models import Indicator, IndicatorSet, Publication, UnitKind
from scoring.publication.selectors import year_over_year
from scoring.publication.services import cycle_publish, figures_unchanged, snapshot_build
from scoring.services import cycle_create
from tests.conftest import SMALL_SET_VALUES
from tests.publication.conftest import finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db

RESHAPED_2 = "2 tiêu chí đổi điểm tối đa, loại hoặc vị trí"


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def _swap_1_2_1_and_1_2_3(indicator_set: IndicatorSet) -> None:
    """The new year's set renumbers two criteria of 1.2: «Báo cáo đúng hạn» (1 point) becomes 1.2.3 and «Gửi báo cáo
    tự đánh giá đúng hạn» (0.5 point) 1.2.1; nothing else changes."""
    first, third = _node(indicator_set, "1.2.1"), _node(indicator_set, "1.2.3")
    Indicator.objects.filter(pk=first.pk).update(code="1.2.9")
    Indicator.objects.filter(pk=third.pk).update(code="1.2.1")
    Indicator.objects.filter(pk=first.pk).update(code="1.2.3")


# each unit scores the renumbered criteria as in 2020, under their new codes
SWAPPED = {"1.2.1": SMALL_SET_VALUES["1.2.3"][0], "1.2.3": SMALL_SET_VALUES["1.2.1"][0]}


def _publish(year: int, indicator_set: IndicatorSet, admin_user: Any, overrides: dict[str, Any]) -> Publication:
    kinds = UnitKind.objects.filter(code="department")
    cycle = cycle_create(year=year, name=f"Chỉ số CCHC năm {year}", sets={k: indicator_set for k in kinds},
                         actor=None)
    sign_off_unit(cycle, "so-y-te", overrides)
    sign_off_unit(cycle, "so-tu-phap", overrides)
    return cycle_publish(cycle=finalisation_phase(cycle), document_number=f"Công văn số {year}/UBND",
                         document_date=datetime.date(year + 1, 3, 1), actor=admin_user)


def _clone(source: IndicatorSet, year: int, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=source, key=f"test-set-{year}", year=year, actor=admin_user)


def test_a_criterion_renumbered_in_the_next_year_is_compared_with_itself(
    publication: Publication, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given: 2021's set cloned from 2020's, two criteria renumbered, published
    clone = _clone(small_set, 2021, admin_user)
    _swap_1_2_1_and_1_2_3(clone)
    later = _publish(2021, clone, admin_user, SWAPPED)
    # when
    changes = year_over_year(earlier=publication, later=later)
    # then the set measures as 2020's did: not flagged
    assert len(changes) == 2
    assert all(c.set_changes == () for c in changes)
    html = Client().get("/ket-qua/2021/so-sanh/2020/").content.decode()
    assert "data-set-changes" not in html and "data-set-changed" not in html


def test_a_criterion_deleted_and_a_new_one_under_its_code_are_a_drop_and_an_addition(
    publication: Publication, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given: 2021 deletes «Gửi báo cáo tự đánh giá đúng hạn» and adds an unrelated criterion under its code 1.2.3
    clone = _clone(small_set, 2021, admin_user)
    services.indicator_delete(indicator=_node(clone, "1.2.3"), actor=admin_user)
    services.indicator_create(
        indicator_set=clone, parent=_node(clone, "1.2"), actor=admin_user,
        data={"code": "1.2.3", "name": "Công khai báo cáo CCHC trên cổng thông tin", "kind": "normal",
              "max_points": Decimal("0.5"), "floor": Decimal("0"), "method": "manual", "params": {"step": "0.25"},
              "evidence_required": True, "allow_not_applicable": False, "guidance": "", "source": "self",
              "coordinating_department": ""},
    )
    later = _publish(2021, clone, admin_user, {})
    # when
    changes = year_over_year(earlier=publication, later=later)
    # then (by code it read as one criterion reworded)
    assert {c.set_changes for c in changes} == {("1 tiêu chí mới", "1 tiêu chí bỏ")}


def test_a_year_not_published_between_the_two_is_crossed_through_the_chain_of_clones(
    publication: Publication, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given: 2021's set cloned from 2020's but never published, 2022's cloned from 2021's and renumbered
    set_2021 = _clone(small_set, 2021, admin_user)
    set_2022 = _clone(set_2021, 2022, admin_user)
    _swap_1_2_1_and_1_2_3(set_2022)
    later = _publish(2022, set_2022, admin_user, SWAPPED)
    # then 2022's snapshot keeps each criterion's identity and the chain it was copied through
    published = {i["code"]: i for i in later.snapshot["sets"]["test-set-2022"]["indicators"]}
    assert published["1.2.3"]["id"] == _node(set_2022, "1.2.3").pk
    assert published["1.2.3"]["origins"] == [_node(set_2021, "1.2.1").pk, _node(small_set, "1.2.1").pk]
    # and the comparison of 2020 with 2022 pairs the renumbered criteria with themselves
    changes = year_over_year(earlier=publication, later=later)
    assert len(changes) == 2
    assert all(c.set_changes == () for c in changes)


def test_an_area_renumbered_is_no_move_of_its_criteria(
    publication: Publication, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given: 2021 swaps the codes of the areas 1 and 2 (their criteria keep theirs)
    clone = _clone(small_set, 2021, admin_user)
    one, two = _node(clone, "1"), _node(clone, "2")
    Indicator.objects.filter(pk=one.pk).update(code="9")
    Indicator.objects.filter(pk=two.pk).update(code="1")
    Indicator.objects.filter(pk=one.pk).update(code="2")
    later = _publish(2021, clone, admin_user, {})
    # when
    changes = year_over_year(earlier=publication, later=later)
    # then (by code the two areas read as changed in maximum)
    assert all(c.set_changes == () for c in changes)


def test_a_snapshot_published_before_the_criteria_identities_were_kept_compares_by_code_as_published(
    publication: Publication, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given 2020 published before the snapshot kept the criteria's identities
    old = json.loads(json.dumps(publication.snapshot))
    for s in old["sets"].values():
        s["indicators"] = [{k: v for k, v in i.items() if k not in ("id", "origins")} for i in s["indicators"]]
    Publication.objects.filter(pk=publication.pk).update(snapshot=old)
    earlier = Publication.objects.get(pk=publication.pk)
    clone = _clone(small_set, 2021, admin_user)
    _swap_1_2_1_and_1_2_3(clone)
    later = _publish(2021, clone, admin_user, SWAPPED)
    # when
    changes = year_over_year(earlier=earlier, later=later)
    # then it reads by code, as it always did, and is left as published
    assert {c.set_changes for c in changes} == {(RESHAPED_2,)}
    assert Publication.objects.get(pk=publication.pk).snapshot == old


def test_a_correction_of_a_snapshot_without_the_identities_that_changes_no_figure_is_unchanged(
    publication: Publication,
) -> None:
    # given 2020 published before the snapshot kept the criteria's identities
    old = json.loads(json.dumps(publication.snapshot))
    for s in old["sets"].values():
        s["indicators"] = [{k: v for k, v in i.items() if k not in ("id", "origins")} for i in s["indicators"]]
    Publication.objects.filter(pk=publication.pk).update(snapshot=old)
    # when the cycle's results are read again for a correction
    snapshot, scores = snapshot_build(cycle=publication.cycle)
    # then the identities the new snapshot keeps are no change of figures
    assert all("id" in i for s in snapshot["sets"].values() for i in s["indicators"])
    assert figures_unchanged(Publication.objects.get(pk=publication.pk), snapshot, scores)
