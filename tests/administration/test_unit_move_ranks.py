"""A unit signed off in a cycle not yet published moves to another ranking group: both groups are ranked again
(its rank had been computed among its old group, which kept a gap)."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.administration import services
from scoring.models import IndexResult, RankingGroup, Unit
from tests.publication.conftest import media_root, signed_cycle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _ranks(cycle: Any) -> dict[str, int | None]:
    return dict(IndexResult.objects.filter(assessment__cycle=cycle).values_list("assessment__unit__code", "rank"))


def _data(unit: Unit, **changes: Any) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind,
            "ranking_group": unit.ranking_group, "parent": unit.parent, **changes}


def test_moving_a_signed_off_unit_ranks_both_groups_again(signed_cycle: Any, admin_user: Any) -> None:  # noqa: F811
    before = _ranks(signed_cycle)
    assert before == {"so-tu-phap": 1, "so-cong-thuong": 1, "so-y-te": 3, "so-xay-dung": 4}
    unit = Unit.objects.get(code="so-tu-phap")
    services.unit_update(unit=unit, data=_data(unit, ranking_group=RankingGroup.objects.get(code="nganh-doc")),
                         actor=admin_user)
    assert _ranks(signed_cycle) == {"so-tu-phap": 1, "so-cong-thuong": 1, "so-y-te": 2, "so-xay-dung": 3}


def test_a_unit_taken_out_of_every_group_has_no_rank(signed_cycle: Any, admin_user: Any) -> None:  # noqa: F811
    unit = Unit.objects.get(code="so-cong-thuong")
    services.unit_update(unit=unit, data=_data(unit, ranking_group=None), actor=admin_user)
    assert _ranks(signed_cycle) == {"so-tu-phap": 1, "so-cong-thuong": None, "so-y-te": 2, "so-xay-dung": 3}
