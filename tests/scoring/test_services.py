from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from celery import current_app
from django.db import IntegrityError, transaction

from scoring.errors import StaleVersion, StateConflict, ValidationFailed
from scoring.models import Assessment, AuditEntry, IndexResult, Indicator, IndicatorSet, ScoreLine, Unit
from scoring.services import (
    assessment_transition,
    assessments_open,
    indicator_set_import,
    ranking_group_rerank,
    score_line_appraise,
    score_line_save_self,
)
from tests.conftest import SMALL_SET_VALUES, small_set_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_celery() -> Any:
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = previous


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return ScoreLine.objects.get(assessment=assessment, indicator__code=code)


def _score_all(assessment: Assessment, actor: Any) -> None:
    for code, (value, _score) in SMALL_SET_VALUES.items():
        line = _line(assessment, code)
        score_line_save_self(line=line, actor=actor, base_version=line.version, value=value)


def _appraise_all(assessment: Assessment, actor: Any) -> None:
    for line in assessment.lines.all():
        score_line_appraise(line=line, actor=actor, base_version=line.version, value=line.self_value)


def test_import_builds_the_tree_with_levels_leaves_and_inherited_department(small_set: IndicatorSet) -> None:
    nodes = {i.code: i for i in small_set.indicators.all()}
    assert len(nodes) == 16
    assert [c for c, n in nodes.items() if n.is_leaf] == list(SMALL_SET_VALUES)
    assert nodes["1.1.1"].level == 3 and nodes["1.1.1"].parent == nodes["1.1"]
    assert nodes["1.1.1"].floor == Decimal("-1")
    assert nodes["2.1.1"].coordinating_department == "Sở Thông tin và Truyền thông"
    assert nodes["1"].method == "" and not nodes["1"].is_leaf


def test_import_refuses_a_parent_whose_max_differs_from_its_children_and_writes_nothing(catalogue: Any) -> None:
    data = small_set_data()
    data["indicators"][0]["children"][0]["max_points"] = "4"
    with pytest.raises(ValidationFailed) as err:
        indicator_set_import(data=data, actor=None)
    assert any("1.1" in p for p in err.value.details)
    assert not IndicatorSet.objects.exists() and not Indicator.objects.exists()


def test_import_lists_every_invalid_leaf_with_its_code(catalogue: Any) -> None:
    data = small_set_data()
    leaf = data["indicators"][0]["children"][0]["children"][0]
    leaf["method"] = "guesswork"
    data["indicators"][1]["children"][0]["children"][0]["max_points"] = "abc"
    with pytest.raises(ValidationFailed) as err:
        indicator_set_import(data=data, actor=None)
    joined = " ".join(err.value.details)
    assert "1.1.1" in joined and "2.1.1" in joined
    assert not IndicatorSet.objects.exists()


def test_import_refuses_a_duplicate_key(small_set: IndicatorSet) -> None:
    with pytest.raises(ValidationFailed):
        indicator_set_import(data=small_set_data(), actor=None)
    assert IndicatorSet.objects.count() == 1


def test_import_refuses_a_second_set_of_the_same_year_kind_and_version(small_set: IndicatorSet) -> None:
    with pytest.raises(ValidationFailed) as err:
        indicator_set_import(data=small_set_data(key="another-key"), actor=None)
    assert any("phiên bản 1" in p for p in err.value.details)
    assert IndicatorSet.objects.count() == 1


def test_import_stores_text_in_nfc(catalogue: Any) -> None:
    import unicodedata

    data = small_set_data(name=unicodedata.normalize("NFD", "Bộ chỉ số thử nghiệm"))
    indicator_set = indicator_set_import(data=data, actor=None)
    assert indicator_set.name == unicodedata.normalize("NFC", "Bộ chỉ số thử nghiệm")


def test_opening_assessments_creates_one_line_per_leaf_and_is_idempotent(cycle: Any) -> None:
    unit = Unit.objects.get(code="so-y-te")
    first = assessments_open(cycle=cycle, units=[unit], actor=None)
    again = assessments_open(cycle=cycle, units=[unit], actor=None)
    assert len(first) == 1 and again == []
    assert first[0].lines.count() == len(SMALL_SET_VALUES)


def test_opening_many_units_at_once_gives_each_its_empty_lines_and_one_chained_audit_entry(cycle: Any) -> None:
    from scoring import audit

    units = list(Unit.objects.filter(kind__code__in=["department", "vertical"]).order_by("name"))
    before = AuditEntry.objects.count()
    kept = assessments_open(cycle=cycle, units=units[:2], actor=None)
    # Two of them open already, one named twice: each of the others once.
    opened = assessments_open(cycle=cycle, units=[units[0], *units[1:], units[-1]], actor=None)
    assert [a.unit_id for a in opened] == [u.pk for u in units[2:]]
    assert Assessment.objects.filter(cycle=cycle).count() == len(units)
    leaves = set(
        Indicator.objects.filter(indicator_set=kept[0].indicator_set, is_leaf=True).values_list("pk", flat=True)
    )
    for assessment in [*kept, *opened]:
        lines = list(assessment.lines.all())
        assert {line.indicator_id for line in lines} == leaves and len(lines) == len(leaves)
    # The lines opened in bulk hold what a line saved one by one holds: the model's defaults, a time stamp.
    one = ScoreLine(assessment=opened[0], indicator_id=next(iter(leaves)))
    fields = [f.attname for f in ScoreLine._meta.concrete_fields
              if f.attname not in {"id", "assessment_id", "indicator_id", "updated_at", "appraised_cents"}]
    stored = ScoreLine.objects.filter(assessment=opened[0]).values(*fields, "updated_at")
    assert all({k: row[k] for k in fields} == {k: getattr(one, k) for k in fields} for row in stored)
    assert all(row["updated_at"] is not None for row in stored)
    entries = list(AuditEntry.objects.filter(action="assessment.open").order_by("id"))
    assert len(entries) == len(units) == AuditEntry.objects.count() - before
    assert [e.object_id for e in entries[2:]] == [str(a.pk) for a in opened]
    assert audit.verify_chain().ok


def test_a_unit_kind_without_a_set_in_the_cycle_is_refused(cycle: Any) -> None:
    with pytest.raises(ValidationFailed):
        assessments_open(cycle=cycle, units=[Unit.objects.get(code="tp-my-tho")], actor=None)


@pytest.mark.parametrize("code", list(SMALL_SET_VALUES))
def test_self_score_is_computed_by_the_engine_for_every_method(assessment: Assessment, unit_editor: Any,
                                                              code: str) -> None:
    value, expected = SMALL_SET_VALUES[code]
    line = _line(assessment, code)
    saved = score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    saved.refresh_from_db()
    assert saved.self_score == expected
    assert saved.version == 2


def test_a_stale_save_is_refused_and_the_first_write_survives(assessment: Assessment, unit_editor: Any) -> None:
    line = _line(assessment, "1.1.1")
    score_line_save_self(line=line, actor=unit_editor, base_version=1, value={"option": "on_time"})
    with pytest.raises(StaleVersion) as err:
        score_line_save_self(line=line, actor=unit_editor, base_version=1, value={"option": "none"})
    assert err.value.status == 409
    assert err.value.details.self_value == {"option": "on_time"}
    line.refresh_from_db()
    assert line.self_score == Decimal("1") and line.version == 2


def test_a_save_from_a_line_read_before_another_write_is_refused_and_changes_nothing(
    assessment: Assessment, unit_editor: Any
) -> None:
    # The save writes the line it was given only while the stored version is still the one read: a line read,
    # then changed by another tab (through its own read), cannot be written over with the first read's values.
    mine = ScoreLine.objects.get(pk=_line(assessment, "1.1.1").pk)
    theirs = ScoreLine.objects.get(pk=mine.pk)
    score_line_save_self(line=theirs, actor=unit_editor, base_version=1, value={"option": "late"}, note="tab 2")
    assessment_version, audits = Assessment.objects.get(pk=assessment.pk).version, AuditEntry.objects.count()
    with pytest.raises(StaleVersion) as err:
        score_line_save_self(line=mine, actor=unit_editor, base_version=1, value={"option": "on_time"}, note="tab 1")
    assert err.value.details.version == 2 and err.value.details.self_note == "tab 2"
    stored = ScoreLine.objects.get(pk=mine.pk)
    assert (stored.version, stored.self_note, stored.self_score) == (2, "tab 2", Decimal("0"))
    assert Assessment.objects.get(pk=assessment.pk).version == assessment_version
    assert AuditEntry.objects.count() == audits


def test_a_save_from_an_older_read_at_the_current_version_audits_the_stored_values(
    assessment: Assessment, unit_editor: Any
) -> None:
    # The caller's line is older than the version the editor saw (the page was reloaded since): the stored line
    # is read again under its lock, and the audit entry's old values are the stored ones.
    old_read = ScoreLine.objects.get(pk=_line(assessment, "1.1.1").pk)
    score_line_save_self(line=ScoreLine.objects.get(pk=old_read.pk), actor=unit_editor, base_version=1,
                         value={"option": "late"})
    saved = score_line_save_self(line=old_read, actor=unit_editor, base_version=2, value={"option": "on_time"})
    assert saved.version == 3 and saved.self_score == Decimal("1")
    entry = AuditEntry.objects.filter(object_type="ScoreLine", object_id=str(old_read.pk)).order_by("-id").first()
    assert entry is not None and entry.changes["self_score"] == {"old": "0.00", "new": "1.00"}


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("1.1.2", {"numerator": 60, "denominator": 50}),
        ("1.1.2", {"numerator": 1, "denominator": 0}),
        ("1.1.2", {"numerator": "NaN", "denominator": 10}),
        ("1.1.1", {"option": "sometimes"}),
        ("1.2.3", {"points": "0.75"}),
        ("1.2.3", {"points": "mười"}),
        ("2.1.2", {"counts": {"late": -1}}),
    ],
)
def test_bad_input_gets_a_vietnamese_message_and_changes_nothing(assessment: Assessment, unit_editor: Any,
                                                                 code: str, value: dict[str, Any]) -> None:
    line = _line(assessment, code)
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as err:
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=value)
    assert err.value.message and err.value.code
    line.refresh_from_db()
    assert line.version == 1 and line.self_score is None and line.self_value is None
    assert AuditEntry.objects.count() == audits


def test_not_applicable_needs_permission_and_a_reason(assessment: Assessment, unit_editor: Any) -> None:
    line = _line(assessment, "1.1.1")
    with pytest.raises(ValidationFailed):
        score_line_save_self(line=line, actor=unit_editor, base_version=1, value=None, not_applicable=True,
                             not_applicable_reason="Không có")
    na_line = _line(assessment, "1.2.2")
    with pytest.raises(ValidationFailed):
        score_line_save_self(line=na_line, actor=unit_editor, base_version=1, value=None, not_applicable=True)
    saved = score_line_save_self(line=na_line, actor=unit_editor, base_version=1, value=None,
                                 not_applicable=True, not_applicable_reason="Năm 2020 không tổ chức kiểm tra")
    assert saved.not_applicable and saved.self_score is None


def test_every_change_is_audited_with_old_and_new_values(assessment: Assessment, unit_editor: Any) -> None:
    line = _line(assessment, "1.1.1")
    score_line_save_self(line=line, actor=unit_editor, base_version=1, value={"option": "late"})
    score_line_save_self(line=line, actor=unit_editor, base_version=2, value={"option": "on_time"})
    entry = AuditEntry.objects.filter(object_type="ScoreLine", object_id=str(line.pk)).order_by("-id").first()
    assert entry is not None and entry.actor == unit_editor and entry.assessment == assessment
    assert entry.changes["self_score"] == {"old": "0.00", "new": "1.00"}


def test_audit_entries_cannot_be_changed_or_deleted(assessment: Assessment) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    entry.reason = "sửa"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_the_database_refuses_to_update_an_audit_entry(assessment: Assessment) -> None:
    from django.db import DatabaseError, connection

    entry = AuditEntry.objects.first()
    assert entry is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="sửa lén")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.reason == ""


def test_a_submitted_assessment_cannot_be_edited_by_the_unit(assessment: Assessment, unit_editor: Any,
                                                            unit_head: Any) -> None:
    _score_all(assessment, unit_editor)
    assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=unit_head)
    line = _line(assessment, "1.1.1")
    with pytest.raises(StateConflict):
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"option": "on_time"})


def test_an_impossible_transition_is_refused(assessment: Assessment, lead: Any) -> None:
    with pytest.raises(StateConflict):
        assessment_transition(assessment=assessment, to_state=Assessment.State.SIGNED_OFF, actor=lead)
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.DRAFT


def test_sign_off_computes_the_result_and_a_repeat_changes_nothing(assessment: Assessment, unit_editor: Any,
                                                                  unit_head: Any, appraiser: Any, lead: Any,
                                                                  eager_celery: Any,
                                                                  django_capture_on_commit_callbacks: Any) -> None:
    from appraisal.services import assessment_sign_off
    from scoring.services import index_result_recompute

    _score_all(assessment, unit_editor)
    assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=unit_head)
    assessment_transition(assessment=assessment, to_state=Assessment.State.IN_APPRAISAL, actor=lead)
    _appraise_all(assessment, appraiser)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assessment_sign_off(assessment=assessment, actor=lead)
    # nothing is computed before the transaction commits; the recompute runs from the on-commit hooks
    assert callbacks and not IndexResult.objects.filter(assessment=assessment).exists()
    for callback in callbacks:
        callback()
    result = IndexResult.objects.get(assessment=assessment)
    # 6.08 normal + 1.5 bonus − 1 penalty
    assert (result.normal_total, result.bonus, result.penalty) == (Decimal("6.08"), Decimal("1.5"), Decimal("1"))
    assert result.index == Decimal("6.58") and result.classification == "Trung bình" and result.rank == 1
    assert {k: Decimal(v) for k, v in result.area_totals.items()} == {"1": Decimal("3.38"), "2": Decimal("2.7")}
    computed_at = result.computed_at
    again = index_result_recompute(assessment_id=assessment.pk)
    assert again is not None and again.computed_at == computed_at
    assert IndexResult.objects.count() == 1
    with pytest.raises(StateConflict):
        assessment_sign_off(assessment=assessment, actor=lead)


def test_sign_off_is_refused_while_a_leaf_has_no_appraised_score(assessment: Assessment, unit_editor: Any,
                                                                unit_head: Any, lead: Any) -> None:
    from appraisal.services import assessment_sign_off

    _score_all(assessment, unit_editor)
    assessment_transition(assessment=assessment, to_state=Assessment.State.SUBMITTED, actor=unit_head)
    assessment_transition(assessment=assessment, to_state=Assessment.State.IN_APPRAISAL, actor=lead)
    with pytest.raises(ValidationFailed) as err:
        assessment_sign_off(assessment=assessment, actor=lead)
    assert err.value.details[0] == "1.1.1"
    assessment.refresh_from_db()
    assert assessment.state == Assessment.State.IN_APPRAISAL


def test_ranking_in_a_group_shares_ranks_on_ties_and_orders_equals_by_name(cycle: Any) -> None:
    from django.utils import timezone

    codes = ["so-y-te", "so-tu-phap", "so-cong-thuong", "so-xay-dung"]
    units = list(Unit.objects.filter(code__in=codes))
    assessments = assessments_open(cycle=cycle, units=units, actor=None)
    indexes = {"so-y-te": "9.5", "so-tu-phap": "8.25", "so-cong-thuong": "8.25", "so-xay-dung": "7"}
    for a in assessments:
        Assessment.objects.filter(pk=a.pk).update(state=Assessment.State.SIGNED_OFF)
        IndexResult.objects.create(
            assessment=a, normal_total=0, bonus=0, penalty=0, total=0, applicable_max=10,
            index=Decimal(indexes[a.unit.code]), computed_at=timezone.now(), computed_from_version=a.version,
        )
    group = units[0].ranking_group
    ranking_group_rerank(cycle_id=cycle.pk, ranking_group_id=group.pk)
    ranks = dict(IndexResult.objects.values_list("assessment__unit__code", "rank"))
    assert ranks == {"so-y-te": 1, "so-cong-thuong": 2, "so-tu-phap": 2, "so-xay-dung": 4}


def test_one_assessment_per_unit_and_cycle_is_held_by_the_database(assessment: Assessment) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(cycle=assessment.cycle, unit=assessment.unit,
                                  indicator_set=assessment.indicator_set)


def test_one_line_per_assessment_and_indicator_is_held_by_the_database(assessment: Assessment) -> None:
    indicator = Indicator.objects.get(indicator_set=assessment.indicator_set, code="1.1.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreLine.objects.create(assessment=assessment, indicator=indicator)


def test_codes_are_unique_within_a_set(small_set: IndicatorSet) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.create(indicator_set=small_set, code="1.1", name="x", max_points=1)


def _totals_view(totals: Any) -> tuple[Any, ...]:
    comp = totals.computation
    return (totals.areas, comp.normal_total, comp.bonus, comp.penalty, comp.index, totals.progress, totals.files)


def test_a_save_with_its_totals_answers_what_the_totals_read_afterwards_say(
    assessment: Assessment, unit_editor: Any
) -> None:
    """The autosave's totals come from the save's own statement on PostgreSQL (the written line's new values put
    in the rows read before it): they must equal the totals read on their own once the save is done, for a score,
    a not-applicable leaf with its reason, an explanation, and a line cleared again."""
    from scoring.selectors import assessment_totals
    from scoring.services import score_line_save_self_with_totals

    _score_all(assessment, unit_editor)
    steps = [
        ("1.1.1", {"value": {"option": "late"}, "explanation": "Đã nộp bản giấy"}),
        ("1.2.2", {"value": None, "not_applicable": True, "not_applicable_reason": "Không có kiểm tra"}),
        ("2.1.1", {"value": {"numerator": 9, "denominator": 10}, "note": "ghi chú"}),
        ("2.3.1", {"value": None}),
    ]
    for code, given in steps:
        line = ScoreLine.objects.select_related("assessment__indicator_set", "indicator").get(
            assessment=assessment, indicator__code=code)
        saved, totals = score_line_save_self_with_totals(line=line, actor=unit_editor, base_version=line.version,
                                                         **given)
        assert saved.version == line.version + 1
        assert _totals_view(totals) == _totals_view(assessment_totals(assessment=assessment)), code
    assert totals.progress.scored == totals.progress.total - 1  # 2.3.1 cleared


def test_a_save_refused_for_the_assessments_state_writes_nothing(assessment: Assessment, unit_editor: Any) -> None:
    """Submitted meanwhile (another tab): the save's write checks the state it locked, and changes nothing."""
    line = _line(assessment, "1.1.1")  # read while the assessment was a draft
    Assessment.objects.filter(pk=assessment.pk).update(state=Assessment.State.SUBMITTED)
    version, audits = Assessment.objects.get(pk=assessment.pk).version, AuditEntry.objects.count()
    with pytest.raises(StateConflict) as err:
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"option": "late"})
    assert err.value.code == "not_editable"
    stored = ScoreLine.objects.get(pk=line.pk)
    assert (stored.version, stored.self_value) == (line.version, None)
    assert Assessment.objects.get(pk=assessment.pk).version == version
    assert AuditEntry.objects.count() == audits


def test_a_save_sends_few_statements_and_works_with_prepared_statements_off(
    assessment: Assessment, unit_editor: Any, settings: Any
) -> None:
    """PostgreSQL: the lock, the write and the totals in one round trip, the audit entry in another (a pooler in
    transaction mode needs prepared statements off: the same round trips, sent whole)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scoring.services import score_line_save_self_with_totals
    from tests.conftest import need_service

    need_service(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    for prepared in (True, False):
        settings.DB_PREPARED_STATEMENTS = prepared
        line = ScoreLine.objects.select_related("assessment__indicator_set", "indicator").get(
            assessment=assessment, indicator__code="1.2.1")
        with CaptureQueriesContext(connection) as queries:
            saved, totals = score_line_save_self_with_totals(line=line, actor=unit_editor, base_version=line.version,
                                                             value={"value": prepared})
        # besides the test's savepoints and the set's tree (read each time while the set is a draft)
        sent = [q["sql"] for q in queries.captured_queries
                if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", 'SELECT "scoring_indicator"'))]
        assert len(sent) == 2, sent
        assert "pg_advisory_xact_lock" in sent[1]
        assert ("EXECUTE" in sent[0]) is prepared
        assert saved.self_score == (Decimal("1") if prepared else Decimal("0"))
        stored = ScoreLine.objects.filter(assessment=assessment, indicator__code__startswith="1.")
        assert dict((code, total) for code, total, _max in totals.areas)["1"] == sum(
            (line.self_score for line in stored if line.self_score is not None), Decimal("0"))
    assert audit_chain_ok()


def audit_chain_ok() -> bool:
    from scoring import audit

    return audit.verify_chain().ok
