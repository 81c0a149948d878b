"""The self-assessment page and the per-leaf save (autosave JSON and plain form post), allowed and denied side
by side, and every kind of bad input refused with a Vietnamese message and nothing changed."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.errors import StateConflict
from scoring.models import Assessment, AuditEntry, ScoreLine, Unit
from scoring.services import assessment_transition, assessments_open, score_line_save_self
from tests.conftest import _user

pytestmark = pytest.mark.django_db


def _line(assessment: Assessment, code: str) -> ScoreLine:
    return assessment.lines.select_related("indicator").get(indicator__code=code)


def _page(assessment: Assessment) -> str:
    return reverse("scoring:assessment", args=[assessment.pk])


def _save_url(line: ScoreLine) -> str:
    return reverse("scoring:line_save", args=[line.assessment_id, line.pk])


def _post_json(client: Client, line: ScoreLine, data: dict[str, Any]) -> Any:
    """What the page's script sends: the leaf form's fields, answered in JSON."""
    return client.post(_save_url(line), data, HTTP_ACCEPT="application/json")


def _send_json(client: Client, line: ScoreLine, body: dict[str, Any]) -> Any:
    """A JSON body, as a script other than the page's may send it (fields left out, values as objects)."""
    return client.post(_save_url(line), json.dumps(body), content_type="application/json",
                       HTTP_ACCEPT="application/json")


def _other_unit_assessment(assessment: Assessment) -> Assessment:
    return assessments_open(cycle=assessment.cycle, units=[Unit.objects.get(code="so-tu-phap")], actor=None)[0]


# --- the page ----------------------------------------------------------------------------------------------


def test_the_unit_editor_sees_the_tree_with_an_input_per_method(client: Client, assessment: Assessment,
                                                               unit_editor: Any) -> None:
    client.force_login(unit_editor)
    response = client.get(_page(assessment))
    assert response.status_code == 200
    body = response.content.decode()
    ids = {code: _line(assessment, code).pk for code in ("1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.2.3", "2.1.2")}
    assert f'name="l{ids["1.1.1"]}-option" value="on_time"' in body          # levels: options
    assert f'name="l{ids["1.2.1"]}-value" value="yes"' in body                # yes/no
    assert f'name="l{ids["1.1.2"]}-numerator"' in body and f'name="l{ids["1.1.2"]}-denominator"' in body
    assert f'name="l{ids["1.2.2"]}-counts.a"' in body                         # formula counts
    assert f'name="l{ids["2.1.2"]}-counts.late"' in body                      # per-occurrence counts
    assert f'name="l{ids["1.2.3"]}-points"' in body and "bước 0,25" in body   # manual with its step
    assert "Công tác chỉ đạo, điều hành CCHC" in body and "Kế hoạch CCHC năm." in body  # areas, guidance
    assert 'name="not_applicable"' in body                                    # 1.2.2 allows N/A


def test_another_units_assessment_is_a_404(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    other = _other_unit_assessment(assessment)
    client.force_login(unit_editor)
    assert client.get(_page(other)).status_code == 404
    assert client.get(_page(assessment)).status_code == 200


def test_anonymous_users_are_sent_to_the_login_page(client: Client, assessment: Assessment) -> None:
    response = client.get(_page(assessment))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_appraiser_cannot_see_a_draft_but_reads_a_submitted_one(team: Any, client: Client, assessment: Assessment,
                                                                  appraiser: Any) -> None:
    client.force_login(appraiser)
    assert client.get(_page(assessment)).status_code == 404
    assessment_transition(assessment=assessment, to_state="submitted", actor=None)
    response = client.get(_page(assessment))
    assert response.status_code == 200
    assert "leaf-actions" not in response.content.decode()  # no save buttons


def test_after_the_deadline_the_page_is_read_only_with_a_notice(client: Client, assessment: Assessment,
                                                                unit_editor: Any) -> None:
    cycle = assessment.cycle
    cycle.self_assessment_deadline = timezone.now() - timedelta(hours=1)
    cycle.save()
    client.force_login(unit_editor)
    body = client.get(_page(assessment)).content.decode()
    assert "Đã quá hạn tự đánh giá" in body and "leaf-actions" not in body


def test_an_administrators_extension_for_the_unit_reopens_editing(client: Client, assessment: Assessment,
                                                                  unit_editor: Any) -> None:
    cycle = assessment.cycle
    cycle.self_assessment_deadline = timezone.now() - timedelta(hours=1)
    cycle.save()
    Assessment.objects.filter(pk=assessment.pk).update(deadline_override=timezone.now() + timedelta(days=2))
    client.force_login(unit_editor)
    line = _line(assessment, "1.2.3")
    response = _post_json(client, line, {"version": 1, f"l{line.pk}-points": "0,25"})
    assert response.status_code == 200


# --- saving one leaf -------------------------------------------------------------------------------------


def test_autosave_answers_the_engines_score_and_the_running_totals(client: Client, assessment: Assessment,
                                                                   unit_editor: Any) -> None:
    client.force_login(unit_editor)
    line = _line(assessment, "1.2.3")
    response = _post_json(client, line, {"version": 1, f"l{line.pk}-points": "0,5", "note": "Đã gửi đúng hạn"})
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True
    assert data["line"]["self_score"] == "0.50" and data["line"]["display"] == "0,50"
    assert data["line"]["version"] == 2 and data["line"]["note"] == "Đã gửi đúng hạn"
    assert data["totals"]["areas"]["1"]["display"] == "0,50"
    assert data["totals"]["overall"]["index"] == "0,50"
    assert data["totals"]["progress"] == {"scored": 1, "total": 9, "percent": 11, "evidence_missing": 9,
                                          "explanation_missing": 9}
    line.refresh_from_db()
    assert str(line.self_score) == "0.50" and line.updated_by == unit_editor


def test_autosave_also_takes_a_json_body(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    line = _line(assessment, "2.1.1")
    response = client.post(_save_url(line), json.dumps({"version": 1, "value": {"numerator": 85, "denominator": 100}}),
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["line"]["self_score"] == "1.70"


@pytest.mark.parametrize("key", ["note", "explanation", "not_applicable_reason"])
def test_a_json_autosave_whose_text_is_not_a_text_is_refused_and_changes_nothing(
    client: Client, assessment: Assessment, unit_editor: Any, key: str
) -> None:
    client.force_login(unit_editor)
    line = _line(assessment, "2.1.1")
    body = {"version": 1, "value": {"numerator": 85, "denominator": 100}, key: {"a": 1}}
    response = client.post(_save_url(line), json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_text"
    stored = ScoreLine.objects.get(pk=line.pk)
    assert (stored.version, stored.self_note, stored.self_value) == (1, "", None)


def test_every_method_saves_through_the_plain_form(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    posted = {
        "1.1.1": {"option": "on_time"}, "1.1.2": {"numerator": "45", "denominator": "50"},
        "1.2.1": {"value": "yes"}, "1.2.2": {"counts.a": "4", "counts.b": "2", "counts.c": "1"},
        "1.2.3": {"points": "0,5"}, "2.1.1": {"numerator": "85", "denominator": "100"},
        "2.1.2": {"counts.late": "2", "counts.missing": "1"}, "2.2.1": {"counts.initiative": "3"},
        "2.3.1": {"counts.disciplined": "1"},
    }
    expected = {"1.1.1": "1.00", "1.1.2": "1.00", "1.2.1": "1.00", "1.2.2": "0.88", "1.2.3": "0.50",
                "2.1.1": "1.70", "2.1.2": "1.00", "2.2.1": "1.50", "2.3.1": "1.00"}
    client.force_login(unit_editor)
    for code, fields in posted.items():
        line = _line(assessment, code)
        data = {"version": "1", **{f"l{line.pk}-{k}": v for k, v in fields.items()}}
        response = client.post(_save_url(line), data)
        assert response.status_code == 302 and response["Location"].endswith(f"#line-{line.pk}")
        line.refresh_from_db()
        assert f"{line.self_score:.2f}" == expected[code], code
    page = client.get(_page(assessment)).content.decode()
    assert 'data-total="index">7,58<' in page  # 4,38 + 2,7 + bonus 1,5 − penalty 1


BAD_INPUTS = [
    ("1.2.3", {"points": "0,75"}, "above_max", "points"),
    ("1.2.3", {"points": "-0,25"}, "below_floor", "points"),
    ("1.2.3", {"points": "0,3"}, "not_multiple_of_step", "points"),
    ("1.2.3", {"points": "abc"}, "not_a_number", "points"),
    ("1.2.3", {"points": "NaN"}, "not_finite", "points"),
    ("1.1.2", {"numerator": "60", "denominator": "50"}, "numerator_above_denominator", "numerator"),
    ("1.1.2", {"numerator": "0", "denominator": "0"}, "zero_denominator", "denominator"),
    ("1.1.2", {"numerator": "45"}, "missing_value", "denominator"),
    ("1.1.1", {"option": "som"}, "unknown_option", "option"),
    ("1.2.1", {"value": "có lẽ"}, "not_a_boolean", "value"),
    ("2.1.2", {"counts.late": "-1"}, "negative_count", "counts.late"),
    ("2.1.2", {"counts.late": "1,5"}, "not_an_integer", "counts.late"),
    ("1.2.2", {"counts.a": "0", "counts.b": "0", "counts.c": "0"}, "division_by_zero", "counts"),
]


@pytest.mark.parametrize(("code", "fields", "error", "field"), BAD_INPUTS)
def test_bad_input_gets_a_clear_message_and_changes_nothing(client: Client, assessment: Assessment,
                                                            unit_editor: Any, code: str, fields: dict[str, str],
                                                            error: str, field: str) -> None:
    client.force_login(unit_editor)
    line = _line(assessment, code)
    before = AuditEntry.objects.count()
    response = _post_json(client, line, {"version": 1, **{f"l{line.pk}-{k}": v for k, v in fields.items()}})
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == error and data["field"] == field and data["message"]
    line.refresh_from_db()
    assert line.version == 1 and line.self_score is None and AuditEntry.objects.count() == before


def test_a_refused_form_post_re_renders_the_page_with_the_message_and_the_typed_value(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    client.force_login(unit_editor)
    line = _line(assessment, "1.1.2")
    response = client.post(_save_url(line), {"version": "1", f"l{line.pk}-numerator": "60",
                                             f"l{line.pk}-denominator": "50", "note": "ghi chú của tôi"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Tử số không được lớn hơn mẫu số." in body
    assert 'value="60"' in body and "ghi chú của tôi" in body and 'aria-invalid="true"' in body


def test_not_applicable_needs_a_reason_and_is_only_where_the_set_allows_it(client: Client, assessment: Assessment,
                                                                         unit_editor: Any) -> None:
    client.force_login(unit_editor)
    allowed, refused = _line(assessment, "1.2.2"), _line(assessment, "1.2.1")
    response = _post_json(client, allowed, {"version": 1, "not_applicable": "1"})
    assert response.status_code == 400 and response.json()["field"] == "not_applicable_reason"
    response = _post_json(client, refused, {"version": 1, "not_applicable": "1", "not_applicable_reason": "x"})
    assert response.status_code == 400 and response.json()["code"] == "na_not_allowed"
    response = _post_json(client, allowed, {"version": 1, "not_applicable": "1",
                                            "not_applicable_reason": "Không có đợt kiểm tra nào trong năm"})
    assert response.status_code == 200 and response.json()["line"]["not_applicable"] is True


def test_a_stale_autosave_gets_409_with_both_values_and_who_changed_it(client: Client, assessment: Assessment,
                                                                       unit_editor: Any, unit_head: Any) -> None:
    unit_head.first_name, unit_head.last_name = "Trần Văn", "Hùng"
    unit_head.save()
    line = _line(assessment, "1.1.1")
    score_line_save_self(line=line, actor=unit_head, base_version=1, value={"option": "late"}, note="của Hùng")
    client.force_login(unit_editor)
    response = _post_json(client, line, {"version": 1, f"l{line.pk}-option": "on_time", "note": "của Lan"})
    assert response.status_code == 409
    data = response.json()
    assert data["code"] == "stale_version" and data["message"]
    assert data["yours"]["value"] == {"option": "on_time"} and data["yours"]["note"] == "của Lan"
    assert data["stored"]["value"] == {"option": "late"} and data["stored"]["version"] == 2
    assert data["stored"]["updated_by"] == "Trần Văn Hùng" and data["stored"]["note"] == "của Hùng"
    line.refresh_from_db()
    assert line.self_value == {"option": "late"}  # nothing lost
    # "keep mine": the same values on the stored version
    response = _post_json(client, line, {"version": 2, f"l{line.pk}-option": "on_time", "note": "của Lan"})
    assert response.status_code == 200 and response.json()["line"]["self_score"] == "1.00"


def test_a_stale_form_post_shows_both_values_and_offers_to_keep_mine(client: Client, assessment: Assessment,
                                                                     unit_editor: Any, unit_head: Any) -> None:
    line = _line(assessment, "1.1.1")
    score_line_save_self(line=line, actor=unit_head, base_version=1, value={"option": "late"})
    client.force_login(unit_editor)
    response = client.post(_save_url(line), {"version": "1", f"l{line.pk}-option": "none"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Giá trị của anh/chị" in body and "Không ban hành" in body and "Trễ hạn" in body
    assert "Giữ giá trị của tôi" in body and 'name="version" value="2"' in body


def test_a_submitted_assessment_refuses_the_units_saves_with_409(client: Client, assessment: Assessment,
                                                                 unit_editor: Any) -> None:
    assessment_transition(assessment=assessment, to_state="submitted", actor=None)
    client.force_login(unit_editor)
    line = _line(assessment, "1.2.3")
    response = _post_json(client, line, {"version": 1, f"l{line.pk}-points": "0,5"})
    assert response.status_code == 409 and response.json()["code"] == "not_editable"
    line.refresh_from_db()
    assert line.self_score is None


def test_a_submitted_sheet_offers_no_pre_submit_check(client: Client, assessment: Assessment,
                                                     unit_editor: Any) -> None:
    client.force_login(unit_editor)
    check = reverse("scoring:check", args=[assessment.pk])
    assert check in client.get(_page(assessment)).content.decode()
    assessment_transition(assessment=assessment, to_state="submitted", actor=None)
    assert check not in client.get(_page(assessment)).content.decode()


def test_a_plain_form_save_refused_after_submission_keeps_what_was_typed(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "1.2.3")
    assessment_transition(assessment=assessment, to_state="submitted", actor=None)
    client.force_login(unit_editor)
    response = client.post(_save_url(line), {"version": line.version, f"l{line.pk}-points": "0,5",
                                             "note": "Ghi chú dài soạn mất nửa giờ"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Ghi chú dài soạn mất nửa giờ" in body and "Đã gửi" in body
    line.refresh_from_db()
    assert (line.self_score, line.self_note) == (None, "")


def test_after_the_deadline_saves_are_refused(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    cycle = assessment.cycle
    cycle.self_assessment_deadline = timezone.now() - timedelta(minutes=1)
    cycle.save()
    client.force_login(unit_editor)
    line = _line(assessment, "1.2.3")
    response = _post_json(client, line, {"version": 1, f"l{line.pk}-points": "0,5"})
    assert response.status_code == 409 and response.json()["code"] == "deadline_passed"


def test_the_unit_head_may_save_too(client: Client, assessment: Assessment, unit_head: Any) -> None:
    client.force_login(unit_head)
    line = _line(assessment, "1.2.3")
    assert _post_json(client, line, {"version": 1, f"l{line.pk}-points": "0,5"}).status_code == 200


def test_an_appraiser_may_not_save_a_units_leaf(
    team: Any, client: Client, assessment: Assessment, appraiser: Any
) -> None:
    assessment_transition(assessment=assessment, to_state="submitted", actor=None)
    client.force_login(appraiser)
    line = _line(assessment, "1.2.3")
    assert _post_json(client, line, {"version": 1, f"l{line.pk}-points": "0,5"}).status_code == 403


def test_anonymous_saves_go_to_the_login_page(client: Client, assessment: Assessment) -> None:
    line = _line(assessment, "1.2.3")
    response = client.post(_save_url(line), {"version": 1, f"l{line.pk}-points": "0,5"})
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_another_units_line_is_a_404(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    other = _other_unit_assessment(assessment)
    client.force_login(unit_editor)
    foreign = _line(other, "1.2.3")
    assert _post_json(client, foreign, {"version": 1}).status_code == 404
    # a line of another assessment under this assessment's address
    url = reverse("scoring:line_save", args=[assessment.pk, foreign.pk])
    assert client.post(url, {"version": 1}, HTTP_ACCEPT="application/json").status_code == 404


def test_a_save_without_the_csrf_token_is_refused(assessment: Assessment, unit_editor: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(unit_editor)
    line = _line(assessment, "1.2.3")
    response = client.post(_save_url(line), {"version": 1, f"l{line.pk}-points": "0,5"})
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.self_score is None


def test_a_missing_version_is_refused(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    line = _line(assessment, "1.2.3")
    response = _post_json(client, line, {f"l{line.pk}-points": "0,5"})
    assert response.status_code == 400 and response.json()["field"] == "version"


def test_an_explanation_and_a_note_are_saved_and_audited(client: Client, assessment: Assessment,
                                                         unit_editor: Any) -> None:
    client.force_login(unit_editor)
    line = _line(assessment, "1.1.1")
    response = _post_json(client, line, {"version": 1, f"l{line.pk}-option": "late", "note": "n",
                                         "explanation": "Kế hoạch ban hành trễ do sáp nhập phòng."})
    assert response.status_code == 200
    assert response.json()["line"]["explanation_required"] is True  # still no evidence, explanation given
    entry = AuditEntry.objects.filter(object_type="ScoreLine", object_id=str(line.pk)).first()
    assert entry is not None
    assert entry.changes["explanation"]["new"] == "Kế hoạch ban hành trễ do sáp nhập phòng."


# --- history -----------------------------------------------------------------------------------------------


def _history(line: ScoreLine, partial: bool = True) -> str:
    url = reverse("scoring:line_history", args=[line.assessment_id, line.pk])
    return url + ("?partial=1" if partial else "")


def test_a_leaf_shows_its_history_old_to_new(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    unit_editor.first_name, unit_editor.last_name = "Nguyễn Thị", "Lan"
    unit_editor.save()
    line = _line(assessment, "1.1.1")
    score_line_save_self(line=line, actor=unit_editor, base_version=1, value={"option": "late"})
    score_line_save_self(line=line, actor=unit_editor, base_version=2, value={"option": "on_time"})
    client.force_login(unit_editor)
    body = client.get(_history(line)).content.decode()
    assert "Nguyễn Thị Lan" in body and "Trễ hạn" in body and "Đúng hạn, đầy đủ" in body
    assert body.index("Đúng hạn, đầy đủ") < body.index("(chưa chấm)")  # newest first
    page = client.get(_history(line, partial=False))
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_another_unit_cannot_read_a_leafs_history(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    other = _other_unit_assessment(assessment)
    client.force_login(unit_editor)
    assert client.get(_history(_line(other, "1.1.1"))).status_code == 404
    assert client.get(_history(_line(assessment, "1.1.1"))).status_code == 200


def test_anonymous_users_cannot_read_history(client: Client, assessment: Assessment) -> None:
    assert client.get(_history(_line(assessment, "1.1.1"))).status_code == 302


# --- query count ----------------------------------------------------------------------------------------------


def _big_set_data(key: str, leaves: int) -> dict[str, Any]:
    """A district set of one area with `leaves` yes/no leaves (1 point each) under one criterion."""
    children = [
        {"code": f"1.1.{i}", "name": f"Tiêu chí {i}", "kind": "normal", "max_points": "1", "method": "yes_no",
         "params": {}}
        for i in range(1, leaves + 1)
    ]
    return {
        "key": key, "year": 2020, "version": leaves, "unit_kind": "district", "name": f"Bộ {leaves}",
        "standard_max": str(leaves),
        "indicators": [{"code": "1", "name": "Lĩnh vực", "kind": "normal", "max_points": str(leaves),
                        "children": [{"code": "1.1", "name": "Tiêu chí", "kind": "normal",
                                      "max_points": str(leaves), "children": children}]}],
    }


def _assessment_with_leaves(cycle: Any, leaves: int, unit_code: str) -> tuple[Assessment, Any]:
    from scoring.models import CycleSet, UnitKind
    from scoring.services import indicator_set_import

    indicator_set = indicator_set_import(data=_big_set_data(f"big-{leaves}", leaves), actor=None)
    kind = UnitKind.objects.get(code="district")
    CycleSet.objects.update_or_create(cycle=cycle, unit_kind=kind, defaults={"indicator_set": indicator_set})
    assessment = assessments_open(cycle=cycle, units=[Unit.objects.get(code=unit_code)], actor=None)[0]
    user = _user(f"ed-{leaves}", "unit_editor", unit_code)
    for line in list(assessment.lines.all())[: leaves // 2]:
        score_line_save_self(line=line, actor=user, base_version=1, value={"value": True}, note="x")
    return assessment, user


def test_the_page_costs_the_same_number_of_queries_for_10_and_100_leaves(
    client: Client, cycle: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    small, small_user = _assessment_with_leaves(cycle, 10, "tp-my-tho")
    client.force_login(small_user)
    client.get(_page(small))  # warm caches (content types, sessions)
    reset_queries()  # the setup above may have filled the connection's query log
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(_page(small)).status_code == 200
    small_count = len(small_queries)  # read now: the context slices the connection's log lazily
    big, big_user = _assessment_with_leaves(cycle, 100, "h-cai-be")
    client.force_login(big_user)
    client.get(_page(big))
    reset_queries()
    assert small_count > 0
    with django_assert_max_num_queries(small_count):
        response = client.get(_page(big))
    assert response.status_code == 200 and response.content.decode().count('class="leaf-form"') == 100
    with django_assert_max_num_queries(15):
        client.get(_page(big))


def test_a_missing_figure_is_named_as_on_the_page(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    client.force_login(unit_editor)
    line = _line(assessment, "1.2.2")
    response = _post_json(client, line, {"version": 1, f"l{line.pk}-counts.a": "4", f"l{line.pk}-counts.c": "1"})
    assert response.status_code == 400
    assert response.json()["message"] == "Hãy nhập «b: Đã xử lý xong»."


def test_the_history_shows_evidence_links_by_name(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    from scoring.services import audit_record

    line = _line(assessment, "1.1.1")
    audit_record(actor=unit_editor, action="evidence.link", object_type="ScoreLine", object_id=line.pk,
                 unit=assessment.unit, assessment=assessment,
                 changes={"evidence": {"old": None, "new": {"file_id": 7, "name": "Kế hoạch 2020.pdf"}}})
    client.force_login(unit_editor)
    body = client.get(_history(line)).content.decode()
    assert "Gắn tài liệu kiểm chứng" in body and "Kế hoạch 2020.pdf" in body


def test_during_an_explanation_round_the_page_links_to_the_explanation_page(client: Client, assessment: Assessment,
                                                                           unit_editor: Any) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(state="explanation")
    client.force_login(unit_editor)
    body = client.get(_page(assessment)).content.decode()
    assert "yêu cầu đơn vị giải trình" in body
    assert f'href="{reverse("appraisal:explain", args=[assessment.pk])}"' in body


# --- a signed-out script, the login's next, line breaks, the conflict's totals, the history in English ----------


def test_a_signed_out_autosave_gets_a_json_401_not_a_redirect(client: Client, assessment: Assessment) -> None:
    line = _line(assessment, "1.2.3")
    response = _post_json(client, line, {"version": 1, "note": "chưa lưu"})
    assert response.status_code == 401
    data = response.json()
    assert data["code"] == "signed_out" and "Phiên đăng nhập đã hết hạn" in data["message"]
    assert data["login_url"] == reverse("login")
    assert _line(assessment, "1.2.3").self_note == ""


def test_a_login_whose_next_is_a_leafs_save_address_lands_on_the_sheet(client: Client, assessment: Assessment,
                                                                       unit_editor: Any) -> None:
    line = _line(assessment, "1.2.3")
    response = client.post(f"{reverse('login')}?next={_save_url(line)}",
                           {"username": unit_editor.username, "password": "x-Secret-2020!"})
    assert response.status_code == 302
    assert response["Location"] == f"{_page(assessment)}#line-{line.pk}"
    # an ordinary page stays as it is
    client.logout()
    check = reverse("scoring:check", args=[assessment.pk])
    response = client.post(f"{reverse('login')}?next={check}",
                           {"username": unit_editor.username, "password": "x-Secret-2020!"})
    assert response["Location"] == check


def test_line_breaks_typed_in_a_browser_are_stored_as_newlines(client: Client, assessment: Assessment,
                                                              unit_editor: Any) -> None:
    client.force_login(unit_editor)
    line = _line(assessment, "1.2.3")
    response = _post_json(client, line, {"version": 1, "note": "Dòng 1\r\nDòng 2", "explanation": "a\rb"})
    assert response.status_code == 200
    line.refresh_from_db()
    assert (line.self_note, line.explanation) == ("Dòng 1\nDòng 2", "a\nb")


def test_the_history_hides_a_change_of_line_breaks_only(client: Client, assessment: Assessment,
                                                       unit_editor: Any) -> None:
    line = _line(assessment, "1.2.3")
    line.self_note = "Dòng 1\r\nDòng 2"  # as stored before line breaks were normalised
    line.save()
    score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None, note="Dòng 1\nDòng 2")
    client.force_login(unit_editor)
    body = client.get(reverse("scoring:line_history", args=[assessment.pk, line.pk])).content.decode()
    assert "Dòng 1" not in body


def test_a_conflict_answer_carries_the_stored_totals(client: Client, assessment: Assessment, unit_editor: Any,
                                                     unit_head: Any) -> None:
    line = _line(assessment, "1.2.1")
    score_line_save_self(line=line, actor=unit_head, base_version=1, value={"value": True})
    client.force_login(unit_editor)
    response = _post_json(client, line, {"version": 1, f"l{line.pk}-value": "no"})
    assert response.status_code == 409
    totals = response.json()["totals"]
    assert totals["progress"]["scored"] == 1 and totals["index"] != "0.00"


def test_the_stored_value_of_a_not_applicable_leaf_shows_no_points(client: Client, assessment: Assessment,
                                                                   unit_editor: Any, unit_head: Any) -> None:
    line = _line(assessment, "1.2.2")
    score_line_save_self(line=line, actor=unit_head, base_version=1, value=None, not_applicable=True,
                         not_applicable_reason="Không có")
    client.force_login(unit_editor)
    response = client.post(_save_url(line), {"version": 1, "note": "x"})
    assert response.status_code == 409
    body = response.content.decode()
    stored = body.split("data-stored>")[1].split("</dd>")[0]
    assert "Không phát sinh" in stored and "điểm" not in stored


@pytest.fixture
def vietnamese_after() -> Any:
    """A request in English leaves English active in this thread: later tests expect Vietnamese."""
    from django.utils import translation

    yield
    translation.activate("vi")


def test_the_history_labels_follow_the_language(client: Client, assessment: Assessment, unit_editor: Any,
                                                stored_pdf_for_history: Any, vietnamese_after: None) -> None:
    line = _line(assessment, "1.2.3")
    score_line_save_self(line=line, actor=unit_editor, base_version=1, value={"points": "0.5"}, note="n",
                         explanation="e")
    client.force_login(unit_editor)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("scoring:line_history", args=[assessment.pk, line.pk])).content.decode()
    for english in ("Self-score", "Note", "Explanation", "Evidence documents", "Delete file from library"):
        assert english in body, english
    for vietnamese in ("Điểm tự chấm", "Ghi chú", "Giải trình", "Tài liệu kiểm chứng", "Xoá tệp khỏi thư viện"):
        assert vietnamese not in body, vietnamese


@pytest.fixture
def stored_pdf_for_history(assessment: Assessment, unit_editor: Any, settings: Any, tmp_path: Any) -> None:
    """A file linked to 1.2.3 and then deleted from the library (the history records why, in the system's words)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evidence.services import evidence_delete, evidence_link, evidence_upload
    from tests.evidence import samples

    settings.MEDIA_ROOT = tmp_path / "media"
    stored = evidence_upload(unit=assessment.unit, cycle=assessment.cycle, actor=unit_editor,
                             uploaded_file=SimpleUploadedFile("a.pdf", samples.pdf(), "application/pdf"))
    evidence_link(evidence_file=stored, line=_line(assessment, "1.2.3"), actor=unit_editor)
    evidence_delete(evidence_file=stored, actor=unit_editor)


@pytest.mark.parametrize(("phase", "said"), [("setup", "chưa mở tự đánh giá"), ("published", "đã được công bố")])
def test_a_cycle_in_setup_or_published_takes_no_self_scores(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any, phase: str, said: str
) -> None:
    from scoring.models import Cycle
    from scoring.services import assessment_submit

    Cycle.objects.filter(pk=assessment.cycle_id).update(phase=phase)
    client.force_login(unit_editor)
    line = _line(assessment, "1.2.3")
    response = _post_json(client, line, {"version": 1, f"l{line.pk}-points": "0,5"})
    assert response.status_code == 409 and response.json()["code"] == "cycle_closed"
    assert said in response.json()["message"]
    line.refresh_from_db()
    assert (line.version, line.self_score) == (1, None)
    page = client.get(reverse("scoring:assessment", args=[assessment.pk])).content.decode()
    assert "data-cycle-closed" in page and said in page
    with pytest.raises(StateConflict) as refused:
        assessment_submit(assessment=Assessment.objects.get(pk=assessment.pk), actor=unit_head)
    assert refused.value.code == "cycle_closed"


def test_every_post_only_unit_view_names_the_page_a_login_lands_on(client: Client, unit_editor: Any) -> None:
    """A login ``next`` naming a POST-only action must land on a page, not on a bare 405 (the sheet's actions,
    the submission's, the Excel import's)."""
    from django.urls import URLPattern, get_resolver

    from scoring import urls
    from scoring.views._common import login_landing

    client.force_login(unit_editor)
    post_only = []
    for pattern in get_resolver(urls).url_patterns:
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        kwargs = {name: 1 for name in pattern.pattern.converters}
        url = reverse(f"scoring:{pattern.name}", kwargs=kwargs)
        if client.get(url, HTTP_ACCEPT="application/json").status_code == 405:  # a page's GET: to the landing
            post_only.append(pattern.name)
            assert getattr(pattern.callback, "login_landing", None) is not None, pattern.name
            assert client.get(login_landing(url)).status_code != 405, pattern.name
    assert {"line_save", "submit", "withdraw", "difficulties", "sheet_apply"} <= set(post_only)


# --- what a save leaves alone ------------------------------------------------------------------------------


def test_a_save_that_changes_nothing_writes_nothing(client: Client, assessment: Assessment, unit_editor: Any) -> None:
    """The same value, note and explanation sent again (a second autosave, a second tab): no version moves, no
    history entry, and a colleague's open copy of the leaf stays current."""
    line = _line(assessment, "1.2.1")
    saved = score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"value": "yes"},
                                 note="Có kế hoạch", explanation="")
    assessment.refresh_from_db()
    versions, entries = (saved.version, assessment.version), AuditEntry.objects.count()
    client.force_login(unit_editor)
    for _attempt in range(2):
        response = _send_json(client, line, {
            "version": saved.version, "value": {"value": "yes"}, "note": "Có kế hoạch", "explanation": "",
            "not_applicable": False, "not_applicable_reason": "",
        })
        assert response.status_code == 200, response.content
        assert response.json()["line"]["version"] == saved.version
        assert response.json()["totals"]["index"]  # the running totals still come with the answer
    line.refresh_from_db()
    assessment.refresh_from_db()
    assert (line.version, assessment.version) == versions
    assert AuditEntry.objects.count() == entries
    # a change after it is saved as usual, from the same version
    changed = _post_json(client, line, {"version": saved.version, f"l{line.pk}-value": "no", "note": "Có kế hoạch"})
    assert changed.status_code == 200 and changed.json()["line"]["version"] == saved.version + 1
    assert AuditEntry.objects.count() == entries + 1


def test_a_save_that_changes_nothing_on_a_submitted_assessment_is_still_refused(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "1.2.1")
    assessment_transition(assessment=assessment, to_state="submitted", actor=None)
    with pytest.raises(StateConflict):
        score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value=None)


def test_a_json_save_that_leaves_out_the_note_and_explanation_keeps_them(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "1.2.1")
    saved = score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"value": "yes"},
                                 note="Ghi chú của chuyên viên", explanation="Giải trình của thủ trưởng")
    client.force_login(unit_editor)
    response = _send_json(client, line, {"version": saved.version, "value": {"value": "no"}})
    assert response.status_code == 200, response.content
    line.refresh_from_db()
    assert (line.self_value, line.self_note, line.explanation) == (
        {"value": False}, "Ghi chú của chuyên viên", "Giải trình của thủ trưởng")
    # only a note: the value stays too
    response = _send_json(client, line, {"version": line.version, "note": "Ghi chú mới"})
    assert response.status_code == 200, response.content
    line.refresh_from_db()
    assert (line.self_value, line.self_note, line.explanation) == (
        {"value": False}, "Ghi chú mới", "Giải trình của thủ trưởng")


def test_a_form_post_without_the_text_boxes_keeps_the_texts(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    line = _line(assessment, "1.2.1")
    saved = score_line_save_self(line=line, actor=unit_editor, base_version=line.version, value={"value": "yes"},
                                 note="Ghi chú", explanation="Giải trình")
    client.force_login(unit_editor)
    response = client.post(_save_url(line), {"version": saved.version, f"l{line.pk}-value": "no"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.self_value, line.self_note, line.explanation) == ({"value": False}, "Ghi chú", "Giải trình")
    # sent empty, they are emptied: the person cleared them
    client.post(_save_url(line), {"version": line.version, f"l{line.pk}-value": "no", "note": "", "explanation": ""})
    line.refresh_from_db()
    assert (line.self_note, line.explanation) == ("", "")


def test_a_conflict_shows_every_text_that_differs_so_keeping_mine_overwrites_nothing_unseen(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any
) -> None:
    line = _line(assessment, "1.2.1")
    base = line.version
    score_line_save_self(line=line, actor=unit_head, base_version=base, value={"value": "yes"},
                         explanation="Giải trình quan trọng của thủ trưởng")
    client.force_login(unit_editor)
    # the same value, another explanation, from the version before the head's save
    answer = _post_json(client, line, {"version": base, f"l{line.pk}-value": "yes", "note": "",
                                       "explanation": "giải trình cũ"})
    assert answer.status_code == 409
    assert answer.json()["differences"] == [{
        "field": "explanation", "label": "Giải trình", "yours": "giải trình cũ",
        "stored": "Giải trình quan trọng của thủ trưởng",
    }]
    page = client.post(_save_url(line), {"version": base, f"l{line.pk}-value": "yes", "note": "",
                                         "explanation": "giải trình cũ"})
    assert page.status_code == 409
    body = page.content.decode()
    assert "Giải trình đang lưu" in body and "Giải trình quan trọng của thủ trưởng" in body
    assert "<dd data-stored>Có (1,00 điểm)</dd>" in body
    assert "Ghi chú đang lưu" not in body  # the notes are the same: not listed


def test_a_conflict_shows_points_once_and_the_typed_number_as_the_page_writes_numbers(
    client: Client, assessment: Assessment, unit_editor: Any, unit_head: Any, vietnamese_after: Any
) -> None:
    line = _line(assessment, "1.2.3")  # manual points, step 0.25
    base = line.version
    score_line_save_self(line=line, actor=unit_head, base_version=base, value={"points": "0.5"})
    client.force_login(unit_editor)
    answer = _post_json(client, line, {"version": base, f"l{line.pk}-points": "0,25"})
    assert answer.status_code == 409
    assert (answer.json()["stored"]["shown"], answer.json()["yours"]["summary"]) == ("0,5 điểm", "0,25 điểm")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _post_json(client, line, {"version": base, f"l{line.pk}-points": "0,25"})
    assert english.status_code == 409
    assert (english.json()["stored"]["shown"], english.json()["yours"]["summary"]) == ("0.5 points", "0.25 points")


def test_a_refused_form_shows_the_numbers_back_exactly_as_typed(
    client: Client, assessment: Assessment, unit_editor: Any
) -> None:
    """«1.000» (a thousand, as Vietnamese write it) is refused as unclear; shown back as «1,000» it would read
    as one."""
    line = _line(assessment, "1.1.2")  # numerator / denominator
    client.force_login(unit_editor)
    response = client.post(_save_url(line), {"version": line.version, f"l{line.pk}-numerator": "1.000",
                                             f"l{line.pk}-denominator": "2.000"})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'name="l{line.pk}-numerator"' in body
    assert 'value="1.000"' in body and 'value="2.000"' in body and 'value="1,000"' not in body
    line.refresh_from_db()
    assert line.self_value is None


def test_an_options_points_are_written_as_the_language_writes_them(
    client: Client, assessment: Assessment, unit_editor: Any, vietnamese_after: Any
) -> None:
    client.force_login(unit_editor)
    vietnamese = client.get(_page(assessment)).content.decode()
    assert '<span class="pts">(1 điểm)</span>' in vietnamese and '<span class="pts">(0 điểm)</span>' in vietnamese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(_page(assessment)).content.decode()
    assert '<span class="pts">(1 point)</span>' in english and '<span class="pts">(0 points)</span>' in english
    # a negative one with the minus sign the page writes every negative number with, still singular for one
    assert '<span class="pts">(\u22121 point)</span>' in english and "\u22120.25 points per occurrence" in english
    assert "(1 points)" not in english and "(\u22121 points)" not in english


def test_the_usual_classification_names_are_in_the_pages_language(
    client: Client, assessment: Assessment, unit_editor: Any, vietnamese_after: Any
) -> None:
    """«Tốt», «Khá»… read «Good», «Fair»… on English pages and in the autosave's totals; a set's own name for a band
    is shown as written."""
    from django.utils import translation

    from scoring.templatetags.scoring_tags import band

    assert band("Khá") == "Khá" and band("Hạng A") == "Hạng A"
    with translation.override("en"):
        assert [band(n) for n in ("Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu", "Hạng A")] == [
            "Excellent", "Good", "Fair", "Average", "Weak", "Hạng A"]
    from scoring.services import score_line_save_self
    from tests.conftest import SMALL_SET_VALUES

    # a class is given once every leaf is scored: the others first, 1.2.1 last
    for other in assessment.lines.select_related("indicator").exclude(indicator__code="1.2.1"):
        score_line_save_self(line=other, actor=unit_editor, base_version=other.version,
                             value=SMALL_SET_VALUES[other.indicator.code][0])
    line = _line(assessment, "1.2.1")
    client.force_login(unit_editor)
    vietnamese = _post_json(client, line, {"version": line.version, f"l{line.pk}-value": "no"})
    assert vietnamese.json()["totals"]["overall"]["classification"] == "Yếu"  # index 5,58: the lowest band
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _post_json(client, line, {"version": line.version + 1, f"l{line.pk}-value": "no", "note": "x"})
    assert english.json()["totals"]["overall"]["classification"] == "Weak"
    assert "Weak" in client.get(_page(assessment)).content.decode()


def test_the_sheet_leads_to_the_units_other_years(client: Client, assessment: Assessment, unit_editor: Any,
                                                 small_set: Any) -> None:
    """When next year's cycle opens, home opens the newest assessment: an unfinished earlier one stays a click
    away."""
    from scoring.models import UnitKind
    from scoring.services import cycle_create

    later = cycle_create(year=2021, name="Chỉ số CCHC năm 2021",
                         sets={UnitKind.objects.get(code="department"): small_set}, actor=None)
    newer = assessments_open(cycle=later, units=[assessment.unit], actor=None)[0]
    client.force_login(unit_editor)
    page = client.get(_page(newer)).content.decode()
    assert f'href="{_page(assessment)}">2020</a> (Đang tự đánh giá)' in page
    assert f'href="{_page(newer)}">2021</a>' in client.get(_page(assessment)).content.decode()
