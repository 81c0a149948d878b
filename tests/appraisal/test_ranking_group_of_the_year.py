"""The group a unit is ranked in belongs to its assessment for that cycle: a unit moved to another group after a
year's results were published leaves that year's ranking as it was (every re-ranking, the set-wise recompute, the
dashboard and the preliminary table), while the cycles not yet published follow it into its new group."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.models import Assessment, Cycle, IndexResult, RankingGroup, Unit
from tests.publication.conftest import DOC_DATE, media_root, signed_cycle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
RANKS_2020 = {"so-tu-phap": 1, "so-cong-thuong": 1, "so-y-te": 3, "so-xay-dung": 4}


def _ranks(cycle: Any) -> dict[str, int | None]:
    return dict(IndexResult.objects.filter(assessment__cycle=cycle).values_list("assessment__unit__code", "rank"))


def _move(code: str, group: RankingGroup | None, actor: Any) -> Unit:
    unit = Unit.objects.get(code=code)
    data = {"code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind,
            "ranking_group": group, "parent": unit.parent}
    return services.unit_update(unit=unit, data=data, actor=actor)


def _publish(cycle: Any, actor: Any) -> Any:
    from scoring.publication.services import cycle_publish

    return cycle_publish(cycle=cycle, document_number="Công văn số 4567/UBND-NC", document_date=DOC_DATE,
                         actor=actor)


def _re_sign_off(cycle: Any, code: str, actor: Any) -> None:
    """A complaint review (phúc tra) reopens the unit's assessment of that year and signs it off again."""
    from appraisal.services import assessment_reopen, assessment_sign_off
    from scoring.services import index_result_recompute

    assessment = Assessment.objects.get(cycle=cycle, unit__code=code)
    assessment_reopen(assessment=assessment, actor=actor, reason="Phúc tra theo đơn của đơn vị")
    assessment_sign_off(assessment=Assessment.objects.get(pk=assessment.pk), actor=actor)
    index_result_recompute(assessment_id=assessment.pk)


@pytest.fixture
def moved_after_publication(signed_cycle: Any, admin_user: Any) -> Any:  # noqa: F811
    """2020 published, then Sở Tư pháp (ranked 1st of four in «Sở, ban, ngành» that year) moved to «Ngành dọc»."""
    _publish(signed_cycle, admin_user)
    assert _ranks(signed_cycle) == RANKS_2020
    _move("so-tu-phap", RankingGroup.objects.get(code="nganh-doc"), admin_user)
    return signed_cycle


def test_a_past_years_re_sign_off_ranks_among_the_units_of_that_years_group(
    moved_after_publication: Any, admin_user: Any,
) -> None:
    # when another unit of 2020's group is signed off again (its group re-ranked)
    _re_sign_off(moved_after_publication, "so-y-te", admin_user)
    # then Sở Tư pháp is still ranked among 2020's group, and nobody's rank moves
    assert _ranks(moved_after_publication) == RANKS_2020
    assert Assessment.objects.get(cycle=moved_after_publication, unit__code="so-tu-phap").ranking_group.code == (
        "so-ban-nganh")


def test_the_set_wise_recompute_of_a_past_year_keeps_that_years_groups(moved_after_publication: Any) -> None:
    from appraisal.services.recompute import cycle_results_recompute

    cycle_results_recompute(cycle_id=moved_after_publication.pk)
    assert _ranks(moved_after_publication) == RANKS_2020


def test_a_cycle_not_yet_published_follows_the_unit_into_its_new_group(signed_cycle: Any, admin_user: Any) -> None:  # noqa: F811
    doc = RankingGroup.objects.get(code="nganh-doc")
    _move("so-tu-phap", doc, admin_user)
    assert Assessment.objects.get(cycle=signed_cycle, unit__code="so-tu-phap").ranking_group == doc
    assert _ranks(signed_cycle) == {"so-tu-phap": 1, "so-cong-thuong": 1, "so-y-te": 2, "so-xay-dung": 3}
    # a later re-sign-off in its old group ranks it no more there
    _re_sign_off(signed_cycle, "so-y-te", admin_user)
    assert _ranks(signed_cycle) == {"so-tu-phap": 1, "so-cong-thuong": 1, "so-y-te": 2, "so-xay-dung": 3}


def test_a_published_cycle_taken_back_for_a_correction_keeps_the_units_group(
    signed_cycle: Any, admin_user: Any,  # noqa: F811
) -> None:
    _publish(signed_cycle, admin_user)
    Cycle.objects.filter(pk=signed_cycle.pk).update(phase=Cycle.Phase.FINALISATION)  # for a correction
    _move("so-tu-phap", RankingGroup.objects.get(code="nganh-doc"), admin_user)
    assert Assessment.objects.get(cycle=signed_cycle, unit__code="so-tu-phap").ranking_group.code == "so-ban-nganh"
    assert _ranks(signed_cycle) == RANKS_2020


def test_a_new_cycle_ranks_the_unit_in_the_group_it_has_when_opened(
    moved_after_publication: Any, small_set: Any, admin_user: Any,
) -> None:
    from scoring.models import UnitKind
    from scoring.services import assessments_open, cycle_create

    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021",
                         sets={UnitKind.objects.get(code="department"): small_set}, actor=None)
    (opened,) = assessments_open(cycle=later, units=[Unit.objects.get(code="so-tu-phap")], actor=admin_user)
    assert Assessment.objects.get(pk=opened.pk).ranking_group.code == "nganh-doc"


def test_the_dashboard_of_a_past_year_lists_a_moved_unit_in_that_years_group(
    client: Client, moved_after_publication: Any, admin_user: Any,
) -> None:
    client.force_login(admin_user)
    response = client.get(reverse("appraisal:dashboard") + f"?ky={moved_after_publication.pk}")
    assert response.status_code == 200
    groups = {ranking.group.code if ranking.group else None: [r.assessment.unit.code for r in ranking.results]
              for ranking in response.context["data"].rankings}
    assert groups == {"so-ban-nganh": ["so-cong-thuong", "so-tu-phap", "so-y-te", "so-xay-dung"]}


def test_the_preliminary_table_of_a_past_year_lists_a_moved_unit_in_that_years_group(
    client: Client, moved_after_publication: Any, admin_user: Any,
) -> None:
    client.force_login(admin_user)
    response = client.get(reverse("appraisal:cycle_workbook", args=[moved_after_publication.pk]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    group = RankingGroup.objects.get(code="so-ban-nganh").name
    assert not any(sheet.startswith(RankingGroup.objects.get(code="nganh-doc").name[:20])
                   for sheet in book.sheetnames)
    sheet = book[next(s for s in book.sheetnames if s.startswith(group[:20]))]
    names = [cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert "Sở Tư pháp" in names


def test_a_correction_of_a_past_year_publishes_a_moved_unit_in_that_years_group(moved_after_publication: Any) -> None:
    from scoring.publication.services import snapshot_build

    # the snapshot a correction of 2020 would publish
    snapshot, _scores = snapshot_build(cycle=moved_after_publication, with_scores=False)
    rows = {row["unit_code"]: row for row in snapshot["rows"]}
    assert rows["so-tu-phap"]["group_code"] == "so-ban-nganh"
    assert rows["so-tu-phap"]["rank"] == 1
