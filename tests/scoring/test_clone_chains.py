"""`clone_chains`: the one walk back through `Indicator.cloned_from` that the publication's `origins`, the sets'
comparison and the copy of the team's assignments share. Three generations of yearly clones of Tiền Giang's
departments' set: 2020 → 2021 → 2022 → 2023."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.administration import services
from scoring.models import Indicator, IndicatorSet
from scoring.selectors.clones import clone_chains
from scoring.services import indicator_set_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def years(catalogue: Any, admin_user: Any) -> list[IndicatorSet]:
    data = json.loads((settings.BASE_DIR / "fixtures" / "sets" / "tg-2020-so.json").read_text(encoding="utf-8"))
    sets = [indicator_set_import(data=data, actor=None)]
    for year in (2021, 2022, 2023):
        sets.append(services.indicator_set_clone(source=sets[-1], key=f"tg-{year}-so", year=year, actor=admin_user))
    return sets


def _node(indicator_set: IndicatorSet, code: str) -> Indicator:
    return Indicator.objects.get(indicator_set=indicator_set, code=code)


def test_each_criterion_leads_back_through_every_year_nearest_first(years: list[IndicatorSet]) -> None:
    nodes = [_node(years[3], "2.1"), _node(years[3], "7.2.4")]
    with CaptureQueriesContext(connection) as queries:
        walked = clone_chains(nodes)
    for node in nodes:
        expected = [_node(s, node.code).pk for s in (years[2], years[1], years[0])]
        assert walked.chains[node.pk] == expected
        assert [walked.set_of[pk] for pk in expected] == [years[2].pk, years[1].pk, years[0].pk]
    # one query per generation read back: 2022, 2021, 2020 (the 2020 set has no origin: nothing more to read)
    assert len(queries) == 3


def test_criteria_already_read_are_walked_through_without_a_query(years: list[IndicatorSet]) -> None:
    newest = list(years[3].indicators.all())
    known = {i.pk: i.cloned_from_id for s in years[:3] for i in s.indicators.all()}
    with CaptureQueriesContext(connection) as queries:
        walked = clone_chains(newest, known=known)
    assert len(queries) == 0
    node = next(i for i in newest if i.code == "3.1")
    assert walked.chains[node.pk] == [_node(s, "3.1").pk for s in (years[2], years[1], years[0])]


def test_without_reading_a_chain_stops_at_the_first_criterion_not_known(years: list[IndicatorSet]) -> None:
    node, parent = _node(years[3], "1.1"), _node(years[2], "1.1")
    with CaptureQueriesContext(connection) as queries:
        walked = clone_chains([node], known={parent.pk: None}, read=False)
    assert len(queries) == 0
    assert walked.chains[node.pk] == [parent.pk]
    # not known at all: the chain is its first link only
    assert clone_chains([node], read=False).chains[node.pk] == [parent.pk]


def test_a_chain_ends_in_the_first_of_the_sets_it_is_stopped_at(years: list[IndicatorSet]) -> None:
    node = _node(years[3], "4.2")
    with CaptureQueriesContext(connection) as queries:
        walked = clone_chains([node], stop_sets={years[1].pk})
    assert walked.chains[node.pk] == [_node(years[2], "4.2").pk, _node(years[1], "4.2").pk]
    # 2022 and 2021 read; 2020 never is
    assert len(queries) == 2


def test_a_criterion_added_in_a_clone_has_no_chain_and_costs_no_query(years: list[IndicatorSet]) -> None:
    node = _node(years[3], "2.1")
    Indicator.objects.filter(pk=node.pk).update(cloned_from=None)
    node.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        walked = clone_chains([node])
    assert walked.chains == {node.pk: []}
    assert len(queries) == 0


def test_a_link_back_to_itself_or_round_a_loop_ends(years: list[IndicatorSet]) -> None:
    """Links are made by the clone and never form a loop; a damaged database must not hang a page."""
    a, b = _node(years[3], "5.1"), _node(years[2], "5.1")
    Indicator.objects.filter(pk=b.pk).update(cloned_from=a.pk)
    a.refresh_from_db()
    walked = clone_chains([a])
    assert walked.chains[a.pk] == [b.pk]
