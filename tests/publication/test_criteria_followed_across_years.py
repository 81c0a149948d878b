"""The published criteria files let an integrator follow a criterion across the years, whatever its code: each row
names the criterion's stable identifier (`ma_dinh_danh`: the first criterion of its chain of clones) and the code it
had in the year published before (`ma_tieu_chi_nam_truoc`), as the unit API's breakdown does (`criterion_id`,
`previous_year_code`). A new criterion under an old code is never given that code; a snapshot published before the
criteria's identities were kept gives empty values and is never rewritten."""

from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from scoring.administration import services
from scoring.models import Indicator, IndicatorSet, Publication, UnitKind
from scoring.publication.services import cycle_publish
from scoring.services import cycle_create
from tests.conftest import SMALL_SET_VALUES
from tests.publication.conftest import finalisation_phase, sign_off_unit

pytestmark = pytest.mark.django_db

SWAPPED = {"1.2.1": SMALL_SET_VALUES["1.2.3"][0], "1.2.3": SMALL_SET_VALUES["1.2.1"][0]}


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def _swap_1_2_1_and_1_2_3(indicator_set: IndicatorSet) -> None:
    first, third = _node(indicator_set, "1.2.1"), _node(indicator_set, "1.2.3")
    Indicator.objects.filter(pk=first.pk).update(code="1.2.9")
    Indicator.objects.filter(pk=third.pk).update(code="1.2.1")
    Indicator.objects.filter(pk=first.pk).update(code="1.2.3")


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


def _criteria(year: int, *, api: bool = False) -> list[dict[str, str]]:
    url = f"/api/v1/open-data/{year}/criteria.csv" if api else f"/ket-qua/{year}/diem-tieu-chi.csv"
    response = Client().get(url)
    assert response.status_code == 200
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _of(rows: list[dict[str, str]], code: str) -> dict[str, str]:
    return next(r for r in rows if r["ma_don_vi"] == "so-y-te" and r["ma_tieu_chi"] == code)


def _breakdown(year: int) -> dict[str, dict[str, Any]]:
    response = Client().get(f"/api/v1/open-data/{year}/units/so-y-te/")
    assert response.status_code == 200
    return {n["code"]: n for n in response.json()["breakdown"]}


@pytest.mark.parametrize("api", [False, True], ids=["public page", "open-data API"])
def test_a_criterion_renumbered_the_next_year_keeps_its_identifier_and_names_its_earlier_code(
    publication: Publication, small_set: IndicatorSet, admin_user: Any, api: bool
) -> None:
    # given: 2021's set cloned from 2020's, «1.2.1» and «1.2.3» swapped, published
    clone = _clone(small_set, 2021, admin_user)
    _swap_1_2_1_and_1_2_3(clone)
    _publish(2021, clone, admin_user, SWAPPED)
    # when
    earlier, later = _criteria(2020, api=api), _criteria(2021, api=api)
    # then each 2021 criterion names its 2020 code, and both years give it the same identifier
    assert list(later[0])[-2:] == ["ma_dinh_danh", "ma_tieu_chi_nam_truoc"]
    assert _of(later, "1.2.1")["ma_tieu_chi_nam_truoc"] == "1.2.3"
    assert _of(later, "1.2.3")["ma_tieu_chi_nam_truoc"] == "1.2.1"
    assert _of(later, "1.1.1")["ma_tieu_chi_nam_truoc"] == "1.1.1"
    assert _of(later, "1.2.1")["ma_dinh_danh"] == _of(earlier, "1.2.3")["ma_dinh_danh"] == str(
        _node(small_set, "1.2.3").pk)
    assert _of(later, "1.2.3")["ma_dinh_danh"] == _of(earlier, "1.2.1")["ma_dinh_danh"]
    # 2020 has no year published before it
    assert {r["ma_tieu_chi_nam_truoc"] for r in earlier} == {""}
    assert all(r["ma_dinh_danh"] for r in earlier)


def test_the_unit_api_breakdown_names_the_identifier_and_the_earlier_code(
    publication: Publication, small_set: IndicatorSet, admin_user: Any
) -> None:
    clone = _clone(small_set, 2021, admin_user)
    _swap_1_2_1_and_1_2_3(clone)
    _publish(2021, clone, admin_user, SWAPPED)
    nodes = _breakdown(2021)
    assert nodes["1.2.1"]["previous_year_code"] == "1.2.3"
    assert nodes["1.2.1"]["criterion_id"] == _node(small_set, "1.2.3").pk
    assert nodes["1.2"]["previous_year_code"] == "1.2"  # areas and groups too
    assert _breakdown(2020)["1.2.3"]["previous_year_code"] is None


def test_a_new_criterion_under_a_deleted_ones_code_is_not_given_that_code(
    publication: Publication, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given: 2021 deletes 1.2.3 and adds an unrelated criterion under its code
    clone = _clone(small_set, 2021, admin_user)
    services.indicator_delete(indicator=_node(clone, "1.2.3"), actor=admin_user)
    services.indicator_create(
        indicator_set=clone, parent=_node(clone, "1.2"), actor=admin_user,
        data={"code": "1.2.3", "name": "Công khai báo cáo CCHC trên cổng thông tin", "kind": "normal",
              "max_points": Decimal("0.5"), "floor": Decimal("0"), "method": "manual", "params": {"step": "0.25"},
              "evidence_required": True, "allow_not_applicable": False, "guidance": "", "source": "self",
              "coordinating_department": ""},
    )
    _publish(2021, clone, admin_user, {})
    # when
    earlier, later = _criteria(2020), _criteria(2021)
    # then it is a new criterion: its own identifier, no earlier code
    new = _of(later, "1.2.3")
    assert new["ma_tieu_chi_nam_truoc"] == ""
    assert new["ma_dinh_danh"] == str(_node(clone, "1.2.3").pk) != _of(earlier, "1.2.3")["ma_dinh_danh"]
    assert _of(later, "1.2.2")["ma_tieu_chi_nam_truoc"] == "1.2.2"


def test_the_year_published_before_is_followed_through_a_year_not_published_and_one_published_later_changes_nothing(
    publication: Publication, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given: 2021's set never published when 2022's, cloned from it and renumbered, is published
    set_2021 = _clone(small_set, 2021, admin_user)
    set_2022 = _clone(set_2021, 2022, admin_user)
    _swap_1_2_1_and_1_2_3(set_2022)
    _publish(2022, set_2022, admin_user, SWAPPED)
    first = _criteria(2022)
    # then the year published before is 2020, and the identifier is 2020's criterion's
    assert _of(first, "1.2.1")["ma_tieu_chi_nam_truoc"] == "1.2.3"
    assert _of(first, "1.2.1")["ma_dinh_danh"] == str(_node(small_set, "1.2.3").pk)
    # when 2021 is published afterwards, 2022's published file stays as it was
    _publish(2021, set_2021, admin_user, {})
    assert _criteria(2022) == first
    assert _of(_criteria(2021), "1.2.3")["ma_tieu_chi_nam_truoc"] == "1.2.3"


def _without_identities(publication: Publication) -> dict[str, Any]:
    old = json.loads(json.dumps(publication.snapshot))
    for s in old["sets"].values():
        s["indicators"] = [{k: v for k, v in i.items() if k not in ("id", "origins")} for i in s["indicators"]]
    Publication.objects.filter(pk=publication.pk).update(snapshot=old)
    return old


def test_a_snapshot_without_the_identities_gives_empty_values_and_is_left_as_published(
    publication: Publication, small_set: IndicatorSet, admin_user: Any
) -> None:
    # given 2020 published before the snapshot kept the criteria's identities, 2021 after
    old = _without_identities(publication)
    clone = _clone(small_set, 2021, admin_user)
    _swap_1_2_1_and_1_2_3(clone)
    _publish(2021, clone, admin_user, SWAPPED)
    # when
    earlier, later = _criteria(2020), _criteria(2021)
    # then 2020 names no identifier, and 2021 cannot know 2020's codes (never guessed from the code)
    assert {(r["ma_dinh_danh"], r["ma_tieu_chi_nam_truoc"]) for r in earlier} == {("", "")}
    assert {r["ma_tieu_chi_nam_truoc"] for r in later} == {""}
    assert all(r["ma_dinh_danh"] for r in later)
    assert _breakdown(2020)["1.2.3"]["criterion_id"] is None
    assert Publication.objects.get(pk=publication.pk).snapshot == old
