"""The tree file: a blank maximum is said to be blank (not «» quoted as no number); applying an import says what
was done (added, removed, changed, moved); the import's audit entry records each changed field's old → new
values, bounded, and the audit viewer reads them as the criterion editor's entries read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.audit_labels import change_rows
from scoring.administration.services.tree_excel import MAX_AUDITED_VALUE, MAX_AUDITED_VALUES_TOTAL, tree_changes
from scoring.models import AuditEntry, IndicatorSet
from tests.administration.conftest import upload, xlsx_bytes
from tests.administration.test_set_import import _annex, _import

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(small_set: IndicatorSet, admin_user: Any) -> IndicatorSet:
    return services.indicator_set_clone(source=small_set, key="tree-2021", year=2021, actor=admin_user)


def test_a_blank_maximum_is_said_to_be_blank(small_set: IndicatorSet, draft: IndicatorSet, admin_user: Any) -> None:
    headers, *rows = _annex(small_set)
    code, max_points = headers.index("code"), headers.index("max_points")
    next(r for r in rows if r[code] == "1.1.1")[max_points] = None
    outcome = _import(draft, xlsx_bytes(headers, rows), admin_user, dry_run=True)
    messages = [m for e in outcome.row_errors for m in e["messages"]]
    assert "Điểm tối đa bị bỏ trống." in messages
    assert not any("không phải là số" in m for m in messages)


def test_a_maximum_that_is_no_number_is_still_quoted(
    small_set: IndicatorSet, draft: IndicatorSet, admin_user: Any
) -> None:
    # guards what must not change: passes before and after the fix
    headers, *rows = _annex(small_set)
    code, max_points = headers.index("code"), headers.index("max_points")
    next(r for r in rows if r[code] == "1.1.1")[max_points] = "một"
    outcome = _import(draft, xlsx_bytes(headers, rows), admin_user, dry_run=True)
    assert "Điểm tối đa «một» không phải là số." in [m for e in outcome.row_errors for m in e["messages"]]


def _applied(client: Client, draft: IndicatorSet, content: bytes) -> Any:
    token = client.post(reverse("administration:set_import", args=[draft.pk]), {"file": upload(content)}).context[
        "token"]
    assert token
    return client.post(reverse("administration:set_import_apply", args=[draft.pk]), {"token": token})


def test_applying_says_what_was_added_removed_changed_and_moved(
    client: Client, small_set: IndicatorSet, draft: IndicatorSet, admin_user: Any
) -> None:
    # given: 1.2.3 replaced by another criterion, 1.2.4 (one added, one removed), 1.1.2 worth 2,5 and 2.1.2's
    # guidance changed (two changed), 1.1.1 put after 1.1.2 (one moved)
    headers, *rows = _annex(small_set)
    code, max_points, guidance = headers.index("code"), headers.index("max_points"), headers.index("guidance")
    by_code = {row[code]: row for row in rows}
    by_code["1.2.3"][code] = "1.2.4"
    by_code["1.2.3"][headers.index("name")] = "Gửi báo cáo tự đánh giá qua phần mềm"
    by_code["1.1.2"][max_points] = "2.5"
    by_code["2.1.2"][guidance] = "Hướng dẫn mới"
    first, second = rows.index(by_code["1.1.1"]), rows.index(by_code["1.1.2"])
    rows[first], rows[second] = rows[second], rows[first]
    client.force_login(admin_user)
    # when
    response = _applied(client, draft, xlsx_bytes(headers, rows))
    # then
    assert response.status_code == 302
    said = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "success"]
    assert said == ["Đã áp dụng: thêm 1, xoá 1, sửa 2, đổi vị trí 1 tiêu chí."]


def test_applying_a_file_changing_nothing_says_so(
    client: Client, small_set: IndicatorSet, draft: IndicatorSet, admin_user: Any
) -> None:
    headers, *rows = _annex(small_set)
    client.force_login(admin_user)
    response = _applied(client, draft, xlsx_bytes(headers, rows))
    said = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "success"]
    assert said == ["Đã áp dụng: tệp không thay đổi tiêu chí nào (16 tiêu chí giữ nguyên)."]


def test_the_audit_entry_records_old_and_new_values_read_in_words(
    client: Client, small_set: IndicatorSet, draft: IndicatorSet, admin_user: Any
) -> None:
    # given: 1.2.3 scored yes/no instead of by hand, 1.1.2 worth 2,5
    headers, *rows = _annex(small_set)
    code, max_points = headers.index("code"), headers.index("max_points")
    method, params = headers.index("method"), headers.index("params")
    by_code = {row[code]: row for row in rows}
    by_code["1.1.2"][max_points] = "2.5"
    by_code["1.2.3"][method] = "yes_no"
    by_code["1.2.3"][params] = json.dumps({"yes_points": "0.5"})
    # when
    assert _import(draft, xlsx_bytes(headers, rows), admin_user).ok
    # then
    entry = AuditEntry.objects.filter(action="indicator_set.import_xlsx", object_id=str(draft.pk)).latest("pk")
    modified = {item["code"]: item for item in entry.changes["indicators_modified"]["codes"]}
    assert modified["1.1.2"]["changes"] == {"max_points": {"old": "2.00", "new": "2.50"}}
    assert modified["1.2.3"]["changes"]["method"] == {"old": "manual", "new": "yes_no"}
    assert modified["1.2.3"]["changes"]["params"] == {"old": {"step": "0.25"}, "new": {"yes_points": "0.5"}}
    rows_shown = {name: new for name, _label, _old, new in change_rows(entry.changes, object_type="IndicatorSet")}
    shown = rows_shown["indicators_modified"]
    assert "1.1.2 (Điểm tối đa: 2,00 → 2,50)" in shown
    assert "Phương pháp chấm: Chấm điểm trực tiếp → Có / Không" in shown  # the method by its label
    assert "Bước điểm: 0,25 → Điểm khi «Có»: 0,5" in shown  # the parameters as the editor names them
    # and the audit page shows it
    client.force_login(admin_user)
    page = client.get(reverse("administration:audit_list"), {"action": "indicator_set.import_xlsx"}).content.decode()
    assert "1.1.2 (Điểm tối đa: 2,00 → 2,50)" in page


def test_the_recorded_values_are_bounded() -> None:
    # given: many criteria whose long guidance changes
    long_text = "x" * 5000
    old = {f"1.{i}": {"guidance": "ngắn"} for i in range(150)}
    new = {code: {"guidance": long_text} for code in old}
    # when
    changes = tree_changes(old, new)
    # then: each value cut, and the criteria past the budget name their fields only
    items = changes["indicators_modified"]["codes"]
    assert len(items) == 150 and all(item["fields"] == ["guidance"] for item in items)
    recorded = [item for item in items if "changes" in item]
    assert 0 < len(recorded) < 150
    assert all(len(item["changes"]["guidance"]["new"]) <= MAX_AUDITED_VALUE for item in recorded)
    assert len(json.dumps(changes, ensure_ascii=False)) < MAX_AUDITED_VALUES_TOTAL + 10 * MAX_AUDITED_VALUE + 150 * 60
    shown = {name: new for name, _label, _old, new in change_rows(changes)}["indicators_modified"]
    assert "1.149 (Hướng dẫn)" in shown and "ngắn → xxx" in shown
