"""The audit page (/quan-ly/nhat-ky/) names every action written anywhere in the code, shows each object by what a
person knows it by (a score line by its criterion and unit, a criterion by code, name and set, a set by name and
key, a person by name and username; once the object is gone, by the label its entry kept, «#id» only when there
is none), reads a criterion's parameters by the editor's labels with numbers as the page writes them (1, 0,5), and
has no line for a value that looks the same before and after (a deadline saved again, to the second)."""

from __future__ import annotations

import ast
import io
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from scoring.administration.audit_labels import ACTION_LABELS, action_label, change_rows, labelled
from scoring.models import Assessment, AuditEntry, IndicatorSet, ScoreLine
from scoring.services import audit_record

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ("scoring", "appraisal", "evidence", "cchc")


def _dotted(node: ast.AST) -> list[str]:
    """The string constants inside `node` shaped as an action code («object.verb»)."""
    return [
        n.value for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.count(".") == 1
        and all(part.replace("_", "").isalpha() and part.islower() for part in n.value.split("."))
    ]


def actions_written_in_the_code() -> dict[str, str]:
    """Every action code the code base writes, with a file writing it: the value of an `action=` argument (both
    branches of a conditional too), of an "action" key, of a name ending in `action` (a class's `reorder_action`, a
    module's `WITHDRAW_ACTION`) or given as `action=NAME`, and the codes passed to a function whose name says audit
    (`_audit_set(actor, "…", …)`)."""
    trees = [(path, ast.parse(path.read_text(encoding="utf-8"))) for app in APPS for path in (ROOT / app).rglob("*.py")]
    named = {  # the names given as `action=NAME` anywhere: their assignments are actions
        keyword.value.id for _path, tree in trees for node in ast.walk(tree) if isinstance(node, ast.Call)
        for keyword in node.keywords if keyword.arg == "action" and isinstance(keyword.value, ast.Name)
    }
    found: dict[str, str] = {}
    for path, tree in trees:
        for node in ast.walk(tree):
            codes: list[str] = []
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        codes += _dotted(keyword.value)
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if "audit" in name.lower():
                    for arg in node.args:
                        codes += _dotted(arg)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "action" and value is not None:
                        codes += _dotted(value)
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and (t.id.lower().endswith("action") or t.id in named)
                       for t in targets):
                    codes += _dotted(node.value)
            for code in codes:
                found.setdefault(code, str(path.relative_to(ROOT)))
    return found


def test_every_action_written_in_the_code_has_a_label() -> None:
    written = actions_written_in_the_code()
    # the collector sees the ways actions are written: a keyword, a dict, a class attribute, a helper's argument
    assert {"score_line.self", "assessment.open", "unit_kind.reorder", "indicator_set.create"} <= set(written)
    missing = {code: path for code, path in written.items() if code not in ACTION_LABELS}
    assert missing == {}
    # and no label is left for an action nothing writes any more
    assert set(ACTION_LABELS) - set(written) == set()


def test_the_explanation_rounds_new_actions_read_in_vietnamese() -> None:
    assert action_label("assessment.explanation_withdraw") == "Rút yêu cầu giải trình"
    assert action_label("assessment.explanation_deadline") == "Đổi hạn giải trình"


def _entries(admin_user: Any, assessment: Assessment) -> dict[str, Any]:
    line = ScoreLine.objects.select_related("indicator").get(assessment=assessment, indicator__code="1.1.1")
    indicator = line.indicator
    small_set = IndicatorSet.objects.get(pk=indicator.indicator_set_id)
    audit_record(actor=admin_user, action="score_line.accept_not_applicable", object_type="ScoreLine",
                 object_id=line.pk, unit=assessment.unit, assessment=assessment,
                 changes={"not_applicable": {"old": False, "new": True}})
    audit_record(actor=admin_user, action="indicator.update", object_type="Indicator", object_id=indicator.pk,
                 changes={"guidance": {"old": "", "new": "Xem hướng dẫn"}})
    audit_record(actor=admin_user, action="indicator_set.update", object_type="IndicatorSet", object_id=small_set.pk,
                 changes={"decision_ref": {"old": "", "new": "12/QĐ-UBND"}})
    audit_record(actor=admin_user, action="user.activate", object_type="User", object_id=admin_user.pk,
                 changes={"is_active": {"old": False, "new": True}})
    audit_record(actor=admin_user, action="indicator.delete", object_type="Indicator", object_id=987654,
                 changes={"code": {"old": "9.9", "new": None}})
    # an entry that names its object by nothing, recorded when the object was already gone
    audit_record(actor=admin_user, action="indicator.update", object_type="Indicator", object_id=987655,
                 changes={"guidance": {"old": "", "new": "?"}})
    return {"line": line, "indicator": indicator, "set": small_set}


def test_objects_are_shown_by_what_a_person_knows_and_a_gone_one_by_its_id(
    client: Client, admin_user: Any, assessment: Assessment
) -> None:
    # given entries on a score line, a criterion, a set, an account, and a criterion since deleted
    objects = _entries(admin_user, assessment)
    indicator, small_set = objects["indicator"], objects["set"]
    client.force_login(admin_user)
    # when the audit page is read
    page = client.get(reverse("administration:audit_list")).content.decode()
    table = page.split("<table", 1)[1]
    # then each object is named, its internal id kept in the title only
    assert "Điểm tiêu chí 1.1.1 · SYT</span>" in table
    assert f"Tiêu chí 1.1.1 {indicator.name} ({small_set.key})</span>" in table
    assert f"Bộ chỉ số {small_set.name} ({small_set.key})</span>" in table
    assert f"Người dùng {admin_user.get_full_name() or admin_user.username}" in table
    assert f"({admin_user.username})</span>" in table or admin_user.get_full_name() == ""
    assert "Tiêu chí 9.9</span>" in table  # a criterion deleted before its entry: by the code the entry records
    assert "Tiêu chí #987655</span>" in table
    assert f"Điểm tiêu chí #{objects['line'].pk}<" not in table and f"Tiêu chí #{indicator.pk}<" not in table
    assert f'title="ScoreLine #{objects["line"].pk}"' in table
    # and the Excel export names them alike
    response = client.get(reverse("administration:audit_list"), {"xuat": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert "Điểm tiêu chí 1.1.1 · SYT" in [row[5] for row in rows]


def test_the_objects_are_resolved_in_a_fixed_number_of_queries(admin_user: Any, assessment: Assessment) -> None:
    _entries(admin_user, assessment)
    few = list(AuditEntry.objects.order_by("-pk")[:6])
    with CaptureQueriesContext(connection) as small:
        labelled(few)
    # many more entries of the same kinds: no more queries
    lines = list(ScoreLine.objects.filter(assessment=assessment))
    for line in lines:
        audit_record(actor=admin_user, action="score_line.accept_not_applicable", object_type="ScoreLine",
                     object_id=line.pk, changes={"not_applicable": {"old": False, "new": True}})
    many = list(AuditEntry.objects.order_by("-pk")[: 6 + len(lines)])
    with CaptureQueriesContext(connection) as large:
        shown = labelled(many)
    assert len(large.captured_queries) <= len(small.captured_queries)
    assert all("#" not in entry.object_shown for entry in shown if entry.object_type == "ScoreLine")


FORMULA_OLD = {
    "variables": [{"name": "a", "label": "Số văn bản phải ban hành"}, {"name": "b", "label": "Số văn bản đã ban hành"}],
    "expression": "b / a * 1.5",
    "on_zero_division": "1.000",
    "limits": ["b <= a"],
}


def test_a_criterions_parameters_read_by_the_editors_labels_with_plain_numbers() -> None:
    new = {**FORMULA_OLD, "on_zero_division": "0.50"}
    rows = change_rows({"params": {"old": FORMULA_OLD, "new": new}}, labels={}, object_type="Indicator")
    [(name, label, old, new_shown)] = rows
    assert (name, label) == ("params", "Tham số")
    assert old.startswith("Biến số: (tên: a; nhãn: Số văn bản phải ban hành), (tên: b; nhãn: Số văn bản đã ban hành)")
    assert "Công thức: b / a * 1.5" in old and "Giới hạn giữa các số liệu: b <= a" in old
    assert "Điểm khi chia cho 0: 1" in old and "1.000" not in old and "1,000" not in old
    assert "Điểm khi chia cho 0: 0,5" in new_shown
    for english_key in ("variables", "label", "expression", "on_zero_division", "limits"):
        assert english_key not in old + new_shown
    # the levels' and the bands' entries too
    levels = change_rows({"params": {"old": {"options": [{"key": "x", "label": "Đúng hạn", "points": "1.00"}]},
                                     "new": {"bands": [{"min": "80.0", "points": "0.50", "inclusive": True}]}}},
                         labels={}, object_type="Indicator")
    assert levels[0][2] == "Các mức: (mã: x; nhãn: Đúng hạn; điểm: 1)"
    assert levels[0][3] == "Khung tỷ lệ: (ngưỡng (%): 80; điểm: 0,5; tính cả ngưỡng: Có)"


def test_points_take_two_decimals_in_either_language() -> None:
    # points are written as the leaf's pages write a score (two decimals); a parameter drops its zeros (below)
    rows = change_rows({"max_points": {"old": "1.000", "new": "0.50"}, "step": {"old": None, "new": "x"}}, labels={})
    assert rows[0][2:] == ("1,00", "0,50")
    with translation.override("en"):
        rows = change_rows({"max_points": {"old": "1.000", "new": "0.5"}}, labels={})
        assert rows[0][2:] == ("1.00", "0.50")
    params = change_rows({"params": {"old": {"step": "1.000"}, "new": {"step": "0.50"}}}, labels={})
    assert params[0][2:] == ("Bước điểm: 1", "Bước điểm: 0,5")


def test_a_value_shown_alike_before_and_after_has_no_line() -> None:
    # a deadline saved again, seconds apart: 20/12/2026 23:59 in Việt Nam on both sides
    rows = change_rows({
        "explanation_deadline": {"old": "2026-12-20T16:59:10+00:00", "new": "2026-12-20T16:59:40+00:00"},
        "max_points": {"old": "1.00", "new": "1"},
        "self_assessment_deadline": {"old": "2026-12-20T16:59:00+00:00", "new": "2026-12-21T16:59:00+00:00"},
    }, labels={})
    assert [(name, old, new) for name, _label, old, new in rows] == [
        ("self_assessment_deadline", "20/12/2026 23:59", "21/12/2026 23:59"),
    ]


def test_the_page_shows_the_new_actions_and_no_unchanged_deadline(
    client: Client, admin_user: Any, assessment: Assessment
) -> None:
    audit_record(actor=admin_user, action="assessment.explanation_deadline", object_type="Assessment",
                 object_id=assessment.pk, unit=assessment.unit, assessment=assessment, reason="Thêm thời gian",
                 changes={"explanation_deadline": {"old": "2026-12-20T16:59:10+00:00",
                                                   "new": "2026-12-20T16:59:40+00:00"}})
    audit_record(actor=admin_user, action="assessment.explanation_withdraw", object_type="Assessment",
                 object_id=assessment.pk, unit=assessment.unit, assessment=assessment, reason="Nhầm",
                 changes={"explanation_requested": {"old": ["1.1.1"], "new": []}})
    client.force_login(admin_user)
    page = client.get(reverse("administration:audit_list")).content.decode()
    assert "Đổi hạn giải trình" in page and "Rút yêu cầu giải trình" in page
    assert ">assessment.explanation_deadline<" not in page and ">assessment.explanation_withdraw<" not in page
    assert "20/12/2026 23:59 → 20/12/2026 23:59" not in page
    assert "Bản đánh giá SYT · 2020</span>" in page
