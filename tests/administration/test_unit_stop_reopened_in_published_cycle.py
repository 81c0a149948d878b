"""A unit whose assessment was reopened after its cycle was published is under way again (back in appraisal): it is
neither stopped, merged nor given another kind until that assessment is signed off again; a unit whose published
assessment stays signed off is stopped and merged as before. The stop and the merge lock the unit rows first, so
that a reopen cannot slip in between their check and their write."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from appraisal.services import assessment_reopen
from scoring.administration import services
from scoring.errors import StateConflict
from scoring.models import Assessment, AuditEntry, Cycle, RoleAssignment, Unit, UnitKind, UnitSuccession
from tests.administration.page_helpers import error_messages
from tests.conftest import need_service

pytestmark = pytest.mark.django_db

STOP_REASON = "Giải thể theo quyết định của UBND tỉnh."


def _published(assessment: Assessment) -> Assessment:
    """The assessment signed off and its cycle published (as publishing requires every assessment signed off)."""
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.SIGNED_OFF)
    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=Cycle.Phase.PUBLISHED)
    return Assessment.objects.select_related("unit", "cycle").get(pk=assessment.pk)


@pytest.fixture
def reopened(assessment: Assessment, admin_user: Any, unit_editor: Any) -> Assessment:
    """so-y-te's assessment, published and then reopened for a correction: back in appraisal."""
    published = _published(assessment)
    reopened = assessment_reopen(assessment=published, actor=admin_user, reason="Phúc tra theo đơn khiếu nại.")
    assert reopened.state == Assessment.State.IN_APPRAISAL
    return reopened


def _unit(code: str = "so-y-te") -> Unit:
    return Unit.objects.select_related("kind", "ranking_group", "parent").get(code=code)


# --- refused while a reopened assessment is under way ----------------------------------------------------------


def test_stopping_a_unit_whose_assessment_was_reopened_in_a_published_cycle_is_refused(
    reopened: Assessment, admin_user: Any
) -> None:
    # given
    unit = _unit()
    entries = AuditEntry.objects.count()
    # when
    with pytest.raises(StateConflict) as refused:
        services.unit_set_active(unit=unit, active=False, reason=STOP_REASON, actor=admin_user)
    # then
    assert refused.value.code == "unit_busy"
    assert str(refused.value.message) == (
        f"Đơn vị «{unit.name}» còn bản đánh giá đang thực hiện; hãy hoàn tất hoặc đóng kỳ trước khi cho ngừng "
        "hoạt động."
    )
    assert _unit().active
    assert AuditEntry.objects.count() == entries


def test_merging_a_unit_whose_assessment_was_reopened_in_a_published_cycle_is_refused_and_nothing_moves(
    reopened: Assessment, admin_user: Any, unit_editor: Any
) -> None:
    # given
    unit, into = _unit(), _unit("so-noi-vu")
    roles = list(RoleAssignment.objects.filter(unit=unit).values_list("pk", flat=True))
    entries = AuditEntry.objects.count()
    # when
    with pytest.raises(StateConflict) as refused:
        services.unit_merge(unit=unit, into=into, reason="Sắp xếp tổ chức bộ máy.", actor=admin_user)
    # then
    assert refused.value.code == "unit_busy"
    assert f"«{unit.name}» còn bản đánh giá đang thực hiện" in str(refused.value.message)
    assert "sáp nhập" in str(refused.value.message)
    assert _unit().active
    assert not UnitSuccession.objects.exists()
    assert list(RoleAssignment.objects.filter(unit=unit).values_list("pk", flat=True)) == roles
    assert AuditEntry.objects.count() == entries


def test_a_unit_whose_assessment_was_reopened_in_a_published_cycle_keeps_its_kind(
    reopened: Assessment, admin_user: Any
) -> None:
    unit = _unit()
    other_kind = UnitKind.objects.exclude(pk=unit.kind_id).first()
    with pytest.raises(StateConflict, match="đổi loại đơn vị") as refused:
        services.unit_update(unit=unit, data={"code": unit.code, "name": unit.name, "kind": other_kind},
                             actor=admin_user)
    assert refused.value.code == "unit_busy"
    assert _unit().kind_id == unit.kind_id


def test_the_units_page_refuses_the_stop_with_the_message(
    client: Client, reopened: Assessment, admin_user: Any
) -> None:
    client.force_login(admin_user)
    unit = _unit()
    response = client.post(reverse("administration:unit_toggle", args=[unit.pk]),
                           {"active": "0", "reason": STOP_REASON, "accounts_seen": "9"})
    assert response.status_code == 409
    assert f"Đơn vị «{unit.name}» còn bản đánh giá đang thực hiện" in error_messages(response)
    assert _unit().active


def test_the_api_refuses_the_merge_with_409(reopened: Assessment, admin_user: Any) -> None:
    api = APIClient()
    api.force_login(admin_user)
    response = api.post("/api/v1/units/so-y-te/merge/", {"into": "so-noi-vu", "reason": "Sắp xếp."}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "unit_busy"
    assert _unit().active and not UnitSuccession.objects.exists()


# --- the ordinary cases -------------------------------------------------------------------------------------------


def test_a_unit_whose_published_assessment_stays_signed_off_is_stopped(
    assessment: Assessment, admin_user: Any
) -> None:
    _published(assessment)
    services.unit_set_active(unit=_unit(), active=False, reason=STOP_REASON, actor=admin_user)
    assert not _unit().active
    assert AuditEntry.objects.filter(action="unit.deactivate").count() == 1


def test_a_unit_whose_published_assessment_stays_signed_off_is_merged(
    assessment: Assessment, admin_user: Any
) -> None:
    _published(assessment)
    services.unit_merge(unit=_unit(), into=_unit("so-noi-vu"), reason="Sắp xếp tổ chức bộ máy.", actor=admin_user)
    assert not _unit().active
    assert UnitSuccession.objects.get().successor.code == "so-noi-vu"


def test_a_reopened_assessment_signed_off_again_frees_the_unit(reopened: Assessment, admin_user: Any) -> None:
    Assessment.objects.filter(pk=reopened.pk).update(state=Assessment.State.SIGNED_OFF)
    services.unit_set_active(unit=_unit(), active=False, reason=STOP_REASON, actor=admin_user)
    assert not _unit().active


def test_a_unit_without_any_assessment_is_stopped_and_started_again(catalogue: Any, admin_user: Any) -> None:
    unit = _unit("so-tai-chinh")
    services.unit_set_active(unit=unit, active=False, reason=STOP_REASON, actor=admin_user)
    assert not _unit("so-tai-chinh").active
    services.unit_set_active(unit=unit, active=True, actor=admin_user)
    assert _unit("so-tai-chinh").active


def test_a_stop_of_a_unit_stopped_meanwhile_writes_nothing_more(catalogue: Any, admin_user: Any) -> None:
    """Two administrators stop the unit from pages drawn while it was active: the second sees it stopped (read
    again under the lock) and records no second stop."""
    first, second = _unit("so-tai-chinh"), _unit("so-tai-chinh")
    services.unit_set_active(unit=first, active=False, reason=STOP_REASON, actor=admin_user)
    services.unit_set_active(unit=second, active=False, reason=STOP_REASON, actor=admin_user)
    assert AuditEntry.objects.filter(action="unit.deactivate").count() == 1
    assert not second.active


# --- the row lock ------------------------------------------------------------------------------------------------


@contextmanager
def _locks_shown() -> Iterator[CaptureQueriesContext]:
    """The queries run, with each row lock visible as `FOR UPDATE`. On PostgreSQL as they are; SQLite has no row
    locks (Django leaves the clause out), so there the clause is written as an SQL comment SQLite ignores."""
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
        for name, value in saved.items():
            setattr(features, name, value)
        del ops.for_update_sql  # the class's own again


def _index(queries: list[dict[str, Any]], *needles: str) -> int:
    return next(i for i, q in enumerate(queries) if all(n in q["sql"] for n in needles))


def test_the_stop_locks_the_unit_row_before_it_looks_for_assessments_under_way(
    assessment: Assessment, admin_user: Any
) -> None:
    _published(assessment)
    unit = _unit()
    with transaction.atomic(), _locks_shown() as captured:
        services.unit_set_active(unit=unit, active=False, reason=STOP_REASON, actor=admin_user)
    queries = captured.captured_queries
    lock = _index(queries, 'FROM "scoring_unit"', "FOR UPDATE")
    assert f'"scoring_unit"."id" IN ({unit.pk})' in queries[lock]["sql"]
    assert lock < _index(queries, 'FROM "scoring_assessment"')
    assert lock < _index(queries, 'UPDATE "scoring_unit"')


def test_the_merge_locks_both_units_before_it_looks_for_assessments_under_way(
    assessment: Assessment, admin_user: Any
) -> None:
    _published(assessment)
    unit, into = _unit(), _unit("so-noi-vu")
    with transaction.atomic(), _locks_shown() as captured:
        services.unit_merge(unit=unit, into=into, reason="Sắp xếp tổ chức bộ máy.", actor=admin_user)
    queries = captured.captured_queries
    lock = _index(queries, 'FROM "scoring_unit"', "FOR UPDATE")
    assert f'"scoring_unit"."id" IN ({unit.pk}, {into.pk})' in queries[lock]["sql"]
    assert lock < _index(queries, 'FROM "scoring_assessment"')
    assert lock < _index(queries, 'INSERT INTO "scoring_unitsuccession"')


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_stop_during_a_reopen_waits_for_it_and_is_then_refused(
    assessment: Assessment, admin_user: Any
) -> None:
    """The race the lock closes: the reopen has put the assessment back in appraisal but not yet committed when the
    stop starts. Without the lock the stop read the assessment as signed off and stopped the unit once the reopen
    committed (a stopped unit with an assessment under way for good)."""
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    # given: a reopen in progress in another transaction
    published = _published(assessment)
    reopened, release = threading.Event(), threading.Event()

    def reopen() -> None:
        try:
            with transaction.atomic():
                assessment_reopen(assessment=published, actor=admin_user, reason="Phúc tra theo đơn khiếu nại.")
                reopened.set()
                release.wait(timeout=30)
        finally:
            reopened.set()
            connection.close()

    holder = threading.Thread(target=reopen)
    holder.start()
    try:
        assert reopened.wait(timeout=30)
        # when: the stop starts meanwhile (the reopen commits a moment later)
        threading.Timer(1.0, release.set).start()
        with pytest.raises(StateConflict) as refused:
            services.unit_set_active(unit=_unit(), active=False, reason=STOP_REASON, actor=admin_user)
    finally:
        release.set()
        holder.join(timeout=30)
    # then: it waited for the reopen, saw the assessment under way and left the unit as it was
    assert refused.value.code == "unit_busy"
    assert _unit().active
    assert Assessment.objects.get(pk=assessment.pk).state == Assessment.State.IN_APPRAISAL
    assert not AuditEntry.objects.filter(action="unit.deactivate").exists()
