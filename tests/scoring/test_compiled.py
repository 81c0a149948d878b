"""Queries compiled once per process (scoring/compiled.py) give what the ORM gives, for any argument."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from scoring import compiled
from scoring.demo import sample_value
from scoring.models import Assessment, AuditEntry, ScoreLine, Unit
from scoring.services import score_line_save_self
from tests.conftest import need_service

pytestmark = pytest.mark.django_db


def _lines(assessment_id: int) -> Any:
    return ScoreLine.objects.filter(assessment_id=assessment_id).order_by("id").values_list(
        "id", "self_score", "not_applicable", "self_value")


def test_rows_equal_the_orm_for_each_argument_and_convert_as_it_does(assessment: Assessment, unit_editor: Any) -> None:
    line = assessment.lines.select_related("indicator").filter(indicator__source="self").first()
    assert line is not None
    value = sample_value(line.indicator, random.Random(7), 1.0)
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    got = compiled.rows("test_lines", _lines, assessment.pk)
    assert got == list(_lines(assessment.pk))
    saved = next(row for row in got if row[0] == line.pk)
    assert isinstance(saved[1], Decimal) and saved[1] > 0  # exact, as the ORM converts it (SQLite too)
    assert saved[3] == ScoreLine.objects.get(pk=line.pk).self_value and isinstance(saved[3], dict)  # JSON decoded
    assert compiled.rows("test_lines", _lines, -1) == []  # the same kept SQL, another argument
    assert compiled.rows("test_lines", _lines, 2**70) == []  # beyond any id: nothing, as the ORM answers


def test_instances_carry_their_select_related_objects_without_more_queries(assessment: Assessment) -> None:
    def build(pk: int) -> Any:
        return Assessment.objects.select_related("unit", "cycle", "indicator_set").filter(pk=pk)

    compiled.instances("test_assessment", build, assessment.pk)  # compiled on first use
    with CaptureQueriesContext(connection) as queries:
        (found,) = compiled.instances("test_assessment", build, assessment.pk)
        names = (found.unit.name, found.cycle.year, found.indicator_set.name)
    assert len(queries) == 1
    assert found == assessment and names == (assessment.unit.name, assessment.cycle.year,
                                              assessment.indicator_set.name)
    assert found.indicator_set.classification_bands == assessment.indicator_set.classification_bands


def test_text_arguments_and_a_lookup_that_would_change_them_is_refused(catalogue: Any) -> None:
    unit = Unit.objects.order_by("code").first()
    assert unit is not None
    assert compiled.rows("test_unit", lambda code: Unit.objects.filter(code=code).values_list("pk"),
                         unit.code) == [(unit.pk,)]
    assert compiled.rows("test_unit", lambda code: Unit.objects.filter(code=code).values_list("pk"), "x") == []
    with pytest.raises(ValueError, match="not parameters"):  # icontains wraps the text in %…%: no exact mark
        compiled.rows("test_unit_like", lambda code: Unit.objects.filter(code__icontains=code).values_list("pk"),
                      unit.code)


def test_update_writes_only_the_named_fields_prepared_and_stamped(assessment: Assessment) -> None:
    line = assessment.lines.order_by("id").first()
    assert line is not None
    before = ScoreLine.objects.get(pk=line.pk)
    line.self_value, line.self_score, line.self_note = {"a": "1.5"}, Decimal("2.25"), "ghi chú"
    line.appraised_note = "not written"  # not among the fields named
    compiled.update(line, ["self_value", "self_score", "self_note", "updated_at"])
    after = ScoreLine.objects.get(pk=line.pk)
    assert (after.self_value, after.self_score, after.self_note) == ({"a": "1.5"}, Decimal("2.25"), "ghi chú")
    assert after.appraised_note == before.appraised_note
    assert after.updated_at > before.updated_at and after.updated_at == line.updated_at  # auto_now, as save()


def test_a_conditional_update_writes_only_while_the_row_holds_the_values_named(assessment: Assessment) -> None:
    line = assessment.lines.order_by("id").first()
    assert line is not None
    version = line.version
    line.self_note, line.version = "lần một", version + 1
    assert compiled.update(line, ["self_note", "version"], when={"version": version}) == 1
    line.self_note, line.version = "lần hai", version + 2
    assert compiled.update(line, ["self_note", "version"], when={"version": version}) == 0  # moved on: nothing
    stored = ScoreLine.objects.get(pk=line.pk)
    assert (stored.self_note, stored.version) == ("lần một", version + 1)


def test_postgresql_prepares_the_kept_writes_once_per_connection(assessment: Assessment) -> None:
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    line = assessment.lines.order_by("id").first()
    assert line is not None
    seen = []
    for note in ("một", "hai"):
        line.self_note = note
        compiled.update(line, ["self_note"])
        compiled.insert(AuditEntry(action="test.prepared", object_type="Test", object_id=note, reason=note))
        seen.append(_prepared())
    assert seen[0] == seen[1]  # prepared by the first write, executed by name by the second
    assert any(name.startswith("cchc_update_scoring_scoreline") for name in seen[0])
    assert any(name.startswith("cchc_insert_scoring_auditentry") for name in seen[0])
    assert ScoreLine.objects.get(pk=line.pk).self_note == "hai"
    assert sorted(AuditEntry.objects.filter(action="test.prepared").values_list("reason", flat=True)) == [
        "hai", "một"]


def test_insert_sets_the_new_id_and_stores_what_save_would(assessment: Assessment) -> None:
    entry = AuditEntry(action="test.insert", object_type="Test", object_id="1", unit_id=assessment.unit_id,
                       assessment=assessment, changes={"x": {"old": None, "new": "1.50"}}, reason="lý do")
    compiled.insert(entry)
    assert entry.pk is not None and not entry._state.adding
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.action, stored.unit_id, stored.assessment_id, stored.changes, stored.reason, stored.at) == (
        "test.insert", assessment.unit_id, assessment.pk, {"x": {"old": None, "new": "1.50"}}, "lý do", entry.at)


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def _units_by_code(code: str) -> Any:
    return Unit.objects.filter(code=code).order_by().values_list("pk", "name")


@pytest.mark.django_db(transaction=True)  # the connection is closed: not inside a test's transaction
def test_postgresql_prepares_each_read_once_per_connection_and_again_after_a_reconnection(catalogue: Any) -> None:
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    unit = Unit.objects.order_by("code").first()
    assert unit is not None
    expected = [(unit.pk, unit.name)]
    with CaptureQueriesContext(connection) as queries:
        assert compiled.rows("test_prepared", _units_by_code, unit.code) == expected
    assert len(queries) == 1  # prepared and executed in one round trip (a page's query count stays the same)
    assert "cchc_test_prepared_str_1" in _prepared()
    assert compiled.rows("test_prepared", _units_by_code, unit.code) == expected  # executed by name
    assert compiled.rows("test_prepared", _units_by_code, "none") == []
    assert sum(name.startswith("cchc_test_prepared_str") for name in _prepared()) == 1
    connection.close()  # a new session has none of the old one's statements
    assert compiled.rows("test_prepared", _units_by_code, unit.code) == expected
    assert "cchc_test_prepared_str_1" in _prepared()


def test_a_failed_first_use_prepares_under_a_new_name_next_time(catalogue: Any) -> None:
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    unit = Unit.objects.order_by("code").first()
    assert unit is not None
    with connection.cursor() as cursor:  # taken by someone else on this connection: the first use fails
        cursor.execute("PREPARE cchc_test_taken_str_1 AS SELECT 1")
    with pytest.raises(DatabaseError), transaction.atomic():
        compiled.rows("test_taken", _units_by_code, unit.code)
    assert compiled.rows("test_taken", _units_by_code, unit.code) == [(unit.pk, unit.name)]
    assert "cchc_test_taken_str_2" in _prepared()


def test_prepared_statements_can_be_turned_off(catalogue: Any, settings: Any) -> None:
    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings.DB_PREPARED_STATEMENTS = False  # read when a query is first compiled: a name not compiled before
    unit = Unit.objects.order_by("code").first()
    assert unit is not None
    assert compiled.rows("test_unprepared", _units_by_code, unit.code) == [(unit.pk, unit.name)]
    assert not any(name.startswith("cchc_test_unprepared") for name in _prepared())
