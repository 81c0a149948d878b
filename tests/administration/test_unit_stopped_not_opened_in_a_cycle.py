"""Opening assessments (a cycle's participants added) locks the units' rows, in the order of their ids as a stop or
a merge takes them, and reads their state under the lock: a unit stopped meanwhile is refused with a clear message
and nothing is opened. The race itself, on PostgreSQL: tests/integration/test_unit_open_stop_race.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring.administration import services
from scoring.errors import ValidationFailed
from scoring.models import Assessment, AuditEntry, Cycle, Unit
from scoring.services import assessments_open
from tests.administration.page_helpers import error_messages

pytestmark = pytest.mark.django_db

STOP_REASON = "Giải thể theo quyết định của UBND tỉnh."


def _stale(*codes: str) -> list[Unit]:
    """The units as a page read them before a colleague stopped some (their objects still say active)."""
    return list(Unit.objects.filter(code__in=codes).order_by("code"))


def test_a_unit_stopped_after_the_page_read_it_is_refused_and_nothing_is_opened(
    cycle: Cycle, admin_user: Any
) -> None:
    # given the participants picked, one of them stopped since
    picked = _stale("so-tu-phap", "so-y-te")
    services.unit_set_active(unit=_stale("so-y-te")[0], active=False, reason=STOP_REASON, actor=admin_user)
    entries = AuditEntry.objects.count()
    # when they are opened
    with pytest.raises(ValidationFailed) as refused:
        assessments_open(cycle=cycle, units=picked, actor=admin_user)
    # then it is refused, naming the stopped unit, and no assessment is opened for the other either
    assert refused.value.code == "unit_inactive"
    assert refused.value.details == {"field": "units", "units": ["so-y-te"]}
    name = Unit.objects.get(code="so-y-te").name
    assert str(refused.value.message) == (
        f"Đơn vị «{name}» đã ngừng hoạt động nên không mở bản đánh giá cho đơn vị này được. Chưa mở bản đánh giá "
        "nào: hãy chọn lại các đơn vị tham gia (không gồm đơn vị đã ngừng hoạt động)."
    )
    assert not Assessment.objects.filter(cycle=cycle).exists()
    assert AuditEntry.objects.count() == entries


def test_several_stopped_units_are_counted_and_named(cycle: Cycle, admin_user: Any) -> None:
    picked = _stale("so-tu-phap", "so-y-te", "so-noi-vu")
    Unit.objects.filter(code__in=["so-y-te", "so-noi-vu"]).update(active=False)
    with pytest.raises(ValidationFailed) as refused:
        assessments_open(cycle=cycle, units=picked, actor=admin_user)
    message = str(refused.value.message)
    assert message.startswith("2 đơn vị đã ngừng hoạt động nên không mở bản đánh giá được: ")
    for code in ("so-y-te", "so-noi-vu"):
        assert f"«{Unit.objects.get(code=code).name}»" in message
    assert sorted(refused.value.details["units"]) == ["so-noi-vu", "so-y-te"]
    assert not Assessment.objects.filter(cycle=cycle).exists()


def test_a_stopped_unit_already_taking_part_is_no_refusal(cycle: Cycle, admin_user: Any) -> None:
    """Guards behaviour that must not change: a unit already in the cycle is kept as it is (nothing opened for it),
    whatever its state; the others are opened."""
    opened = assessments_open(cycle=cycle, units=_stale("so-y-te"), actor=admin_user)
    Unit.objects.filter(code="so-y-te").update(active=False)
    created = assessments_open(cycle=cycle, units=_stale("so-tu-phap", "so-y-te"), actor=admin_user)
    assert [a.unit.code for a in created] == ["so-tu-phap"]
    assert Assessment.objects.filter(cycle=cycle).count() == 2 and opened[0].unit.code == "so-y-te"


@contextmanager
def _locks_shown() -> Iterator[CaptureQueriesContext]:
    """The queries run, each row lock visible as `FOR UPDATE` (on SQLite written as a comment it ignores)."""
    features, ops = connection.features, connection.ops
    if features.has_select_for_update:
        with CaptureQueriesContext(connection) as captured:
            yield captured
        return
    original = ops.for_update_sql
    saved = {name: getattr(features, name) for name in ("has_select_for_update", "has_select_for_update_of")}
    features.has_select_for_update = features.has_select_for_update_of = True
    ops.for_update_sql = lambda *args, **kwargs: f"/* {original(*args, **kwargs)} */"  # type: ignore[method-assign]
    try:
        with CaptureQueriesContext(connection) as captured:
            yield captured
    finally:
        ops.for_update_sql = original  # type: ignore[method-assign]
        for name, value in saved.items():
            setattr(features, name, value)


def _index(queries: list[dict[str, Any]], *needles: str) -> int:
    return next(i for i, q in enumerate(queries) if all(n in q["sql"] for n in needles))


def test_opening_locks_the_units_rows_in_id_order_before_it_reads_or_writes_assessments(
    cycle: Cycle, admin_user: Any
) -> None:
    units = _stale("so-y-te", "so-tu-phap", "so-noi-vu")
    with transaction.atomic(), _locks_shown() as captured:
        assessments_open(cycle=cycle, units=list(reversed(units)), actor=admin_user)
    queries = captured.captured_queries
    lock = _index(queries, 'FROM "scoring_unit"', "FOR UPDATE")
    ids = ", ".join(str(pk) for pk in sorted(u.pk for u in units))
    assert f'"scoring_unit"."id" IN ({ids})' in queries[lock]["sql"]
    assert "ORDER BY 1 ASC" in queries[lock]["sql"] or 'ORDER BY "scoring_unit"."id" ASC' in queries[lock]["sql"]
    assert lock < _index(queries, 'FROM "scoring_assessment"')
    assert lock < _index(queries, 'INSERT INTO "scoring_assessment"')


def test_the_cycle_page_says_why_when_a_unit_picked_was_stopped_meanwhile(
    client: Client, cycle: Cycle, admin_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the page's list of units read before a colleague stopped one of them
    picked = _stale("so-tu-phap", "so-y-te")
    monkeypatch.setattr("scoring.administration.views.cycles.selectors.units_chosen", lambda **kwargs: picked)
    Unit.objects.filter(code="so-y-te").update(active=False)
    client.force_login(admin_user)
    # when the participants are added
    response = client.post(reverse("administration:cycle_participants", args=[cycle.pk]),
                           {"units": [u.pk for u in picked]})
    # then the administrator reads why, and nothing was opened
    assert response.status_code == 302
    assert "đã ngừng hoạt động nên không mở bản đánh giá" in error_messages(response)
    assert not Assessment.objects.filter(cycle=cycle).exists()
