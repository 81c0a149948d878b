"""After a merger the API's assessments say which ones the user reads only as the successor unit's person
(`read_as_successor`), as the home page lists them apart: the predecessors' signed-off assessments, read-only. Not
their own unit's, nor those a person reads in another role (administrator, the appraisal team), and the list says it
in the same query, whatever the number of predecessors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring.administration.services import unit_merge
from scoring.models import Assessment, RoleAssignment, Unit
from scoring.services import assessments_open
from tests.conftest import _user
from tests.security.conftest import World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(settings: Any, tmp_path: Path) -> World:
    """2020 published; then Sở Tài chính (the "other" unit) is merged into Sở Y tế (the unit editor's and head's)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world("published")
    unit_merge(unit=world.units["other"], into=world.units["own"], actor=world.users["administrator"],
               reason="Nghị quyết 1663/NQ-UBTVQH15")
    return world


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _listed(client: Client) -> dict[str, bool]:
    response = client.get(reverse("api:assessments"))
    assert response.status_code == 200
    return {row["unit"]["code"]: row["read_as_successor"] for row in response.json()["results"]}


def _detail(client: Client, assessment: Assessment) -> bool:
    response = client.get(reverse("api:assessment", args=[assessment.pk]))
    assert response.status_code == 200
    return bool(response.json()["read_as_successor"])


@pytest.mark.parametrize("role", ["unit_editor", "unit_head"])
def test_the_successors_people_read_the_predecessors_assessment_as_its_successor(merged: World, role: str) -> None:
    client = _client(merged.users[role])

    assert _listed(client) == {"so-tai-chinh": True, "so-y-te": False}
    assert _detail(client, merged.assessments["other"]) is True
    assert _detail(client, merged.assessments["own"]) is False


def test_those_who_read_it_in_another_role_do_not_read_it_as_successor(merged: World) -> None:
    """The administrator and the lead (every unit); an appraiser assigned the former unit who is also an editor of
    the successor: the team's reading comes first, as `can_view_assessment` checks it."""
    member = merged.users["appraiser"]  # assigned Sở Tài chính's area 2
    RoleAssignment.objects.create(user=member, role="unit_editor", unit=merged.units["own"])
    for who in ("administrator", "lead", "appraiser"):
        client = _client(merged.users[who])
        assert _listed(client).get("so-tai-chinh") is False, who
        assert _detail(client, merged.assessments["other"]) is False, who


def test_a_chain_of_mergers_reads_every_predecessor_as_successor(merged: World) -> None:
    into = Unit.objects.get(code="so-tu-phap")
    unit_merge(unit=merged.units["own"], into=into, actor=merged.users["administrator"])

    client = _client(merged.users["unit_editor"])

    assert _listed(client) == {"so-tai-chinh": True, "so-y-te": True}
    assert _detail(client, merged.assessments["own"]) is True


def test_the_list_says_it_with_the_same_queries_whatever_the_number_of_predecessors(merged: World) -> None:
    client = _client(merged.users["unit_head"])
    _listed(client)  # warm the caches every first request fills
    with CaptureQueriesContext(connection) as one:
        _listed(client)

    # given: three more units with a signed-off assessment merged into Sở Y tế
    more = list(Unit.objects.filter(code__in=["so-xay-dung", "so-cong-thuong", "cuc-thue"]))
    opened = assessments_open(cycle=merged.assessments["own"].cycle, units=more, actor=None)
    Assessment.objects.filter(pk__in=[a.pk for a in opened]).update(state=Assessment.State.SIGNED_OFF)
    for unit in more:
        if unit.kind_id == merged.units["own"].kind_id:
            unit_merge(unit=unit, into=merged.units["own"], actor=merged.users["administrator"])

    with CaptureQueriesContext(connection) as many:
        listed = _listed(client)

    assert listed == {"so-tai-chinh": True, "so-y-te": False, "so-xay-dung": True, "so-cong-thuong": True}
    assert len(many.captured_queries) == len(one.captured_queries)


def test_an_assessment_of_the_appraisal_queue_is_not_read_as_successor(merged: World) -> None:
    rows = _client(merged.users["lead"]).get("/api/v1/appraisal/queue/?year=2020").json()["rows"]
    assert rows and all(row["assessment"]["read_as_successor"] is False for row in rows)


def test_a_person_without_predecessors_reads_nothing_as_successor(merged: World) -> None:
    outsider = _user("tu", "unit_editor", "so-tu-phap")
    own = assessments_open(cycle=merged.assessments["own"].cycle, units=[Unit.objects.get(code="so-tu-phap")],
                           actor=None)[0]
    client = _client(outsider)
    assert _listed(client) == {"so-tu-phap": False}
    assert _detail(client, own) is False


def test_the_schema_documents_read_as_successor(merged: World) -> None:
    schema = _client(merged.users["unit_editor"]).get("/api/schema/?format=json").json()
    field = schema["components"]["schemas"]["Assessment"]["properties"]["read_as_successor"]
    assert field["type"] == "boolean" and field.get("readOnly") is True
    assert "sáp nhập" in field["description"]
    assert "read_as_successor" in schema["components"]["schemas"]["Assessment"]["required"]
