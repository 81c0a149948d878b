"""The migration that gives each assessment its ranking group fills the existing ones with their unit's group
(the only group they were ranked in so far), a unit in no group leaving its assessments in none."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("scoring", "0021_unit_superior_body")]
AFTER = [("scoring", "0022_assessment_ranking_group")]


def test_existing_assessments_take_their_units_group() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        kind = old.get_model("scoring", "UnitKind").objects.create(code="so", name="Sở")
        group = old.get_model("scoring", "RankingGroup").objects.create(code="khoi-so", name="Khối sở")
        unit_model = old.get_model("scoring", "Unit")
        grouped = unit_model.objects.create(code="so-a", name="Sở A", kind=kind, ranking_group=group)
        alone = unit_model.objects.create(code="so-b", name="Sở B", kind=kind)
        cycle = old.get_model("scoring", "Cycle").objects.create(year=2020, name="2020")
        indicator_set = old.get_model("scoring", "IndicatorSet").objects.create(key="s", name="s", year=2020,
                                                                                unit_kind=kind)
        assessment_model = old.get_model("scoring", "Assessment")
        first = assessment_model.objects.create(cycle=cycle, unit=grouped, indicator_set=indicator_set)
        second = assessment_model.objects.create(cycle=cycle, unit=alone, indicator_set=indicator_set)

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps.get_model("scoring", "Assessment")
        assert new.objects.get(pk=first.pk).ranking_group_id == group.pk
        assert new.objects.get(pk=second.pk).ranking_group_id is None
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
