"""PostgreSQL connections killed in the middle of a request (pg_terminate_backend from a second session) against
a real server process: the client gets a clean 503, nothing of the interrupted write remains, and the server
serves the same request again once the database answers.

The request is stopped at a known point without any hook in the product: the test holds, from its own session,
a row lock (or the audit chain's advisory lock) that the request needs halfway through its transaction, waits
until the server's backend is queued on it, and terminates that backend.
"""

from __future__ import annotations

import io
import re
import threading
import uuid
from typing import Any

import pytest
from openpyxl import load_workbook

from scoring import audit
from scoring.exports import FIRST_DATA_ROW, sheet_columns
from scoring.models import Assessment, AuditEntry, ScoreLine
from scoring.tokens import api_token_issue
from tests.integration.conftest import Http, Reply, raw_connection, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

COLUMNS = [key for key, _header in sheet_columns(3)]  # the small set's widest method has three counts
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _filled_sheet(client: Http, assessment: Assessment) -> bytes:
    """The unit's sheet downloaded from the server, with seven leaves filled in."""
    reply = client.request("GET", f"/danh-gia/{assessment.pk}/phieu-tu-cham.xlsx")
    assert reply.status == 200, reply.text[:300]
    workbook = load_workbook(io.BytesIO(reply.body))
    ws = workbook.active

    def put(code: str, **cells: Any) -> None:
        row = next(r for r in range(FIRST_DATA_ROW, ws.max_row + 1)
                   if ws.cell(row=r, column=COLUMNS.index("code") + 1).value == code)
        for key, value in cells.items():
            ws.cell(row=row, column=COLUMNS.index(key) + 1, value=value)

    put("1.1.1", option="Trễ hạn", explanation="Ban hành trễ do sáp nhập.")
    put("1.1.2", numerator=45, denominator=50)
    put("1.2.1", yes_no="Có")
    put("1.2.2", count1=4, count2=2, count3=1)
    put("1.2.3", points=0.5)
    put("2.1.1", numerator=85, denominator=100)
    put("2.1.2", count1=2, count2=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _backend_waiting_on_a_lock(admin: Any) -> int | None:
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND pid <> pg_backend_pid()"
        )
        rows = cursor.fetchall()
    return int(rows[0][0]) if len(rows) == 1 else None


def _holds_the_audit_lock(admin: Any, pid: int) -> bool:
    """The backend has appended to the audit chain in its open transaction (it holds the chain's lock)."""
    with admin.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'advisory' AND granted", [pid])
        return int(cursor.fetchone()[0]) > 0


def _in_background(call: Any) -> tuple[threading.Thread, dict[str, Reply]]:
    out: dict[str, Reply] = {}
    thread = threading.Thread(target=lambda: out.setdefault("reply", call()), daemon=True)
    thread.start()
    return thread, out


def _terminate(admin: Any, pid: int) -> None:
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0] is True


def _assert_clean_503(reply: Reply) -> None:
    assert reply.status == 503, reply.text[:2000]
    assert reply.headers.get("retry-after")
    assert "Traceback" not in reply.text and "OperationalError" not in reply.text
    json_reply = reply.headers.get("content-type", "").startswith("application/json")
    message = reply.json()["message"] if json_reply else reply.text  # JSON escapes the Vietnamese letters
    assert "cơ sở dữ liệu" in message and "không có dữ liệu nào bị ghi dở" in message


def _lines(assessment: Assessment) -> dict[str, tuple[int, Any, Any]]:
    return {
        line.indicator.code: (line.version, line.self_score, line.self_value)
        for line in ScoreLine.objects.filter(assessment=assessment).select_related("indicator")
    }


def test_an_excel_import_whose_connection_is_killed_halfway_leaves_nothing_behind(
    app_server: Any, assessment: Assessment, unit_editor: Any
) -> None:
    # given the unit's filled sheet uploaded to a live server, previewed and ready to apply (7 leaves change)
    server = app_server(workers=1, threads=4)
    client = server.signed_in(unit_editor)
    body, content_type = _multipart(
        {"csrfmiddlewaretoken": client.cookies["csrftoken"]},
        {"file": ("phieu.xlsx", _filled_sheet(client, assessment), XLSX)},
    )
    preview = client.request("POST", f"/danh-gia/{assessment.pk}/nhap-excel/", body=body,
                             headers={"Content-Type": content_type})
    assert preview.status == 200, preview.text[:2000]
    token = re.search(r'name="token" value="([^"]+)"', preview.text)
    assert token, preview.text[:2000]
    before = _lines(assessment)
    audit_before = AuditEntry.objects.count()
    apply_form = f"token={token.group(1)}&csrfmiddlewaretoken={client.cookies['csrftoken']}"
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    admin = raw_connection()
    admin.autocommit = True
    blocker = raw_connection()
    try:
        # and the sixth of the seven leaves locked by another session
        sixth = ScoreLine.objects.get(assessment=assessment, indicator__code="2.1.1")
        with blocker.cursor() as cursor:
            cursor.execute("SELECT id FROM scoring_scoreline WHERE id = %s FOR UPDATE", [sixth.pk])
        # when the editor applies the import, and the server's connection dies with five leaves written
        thread, out = _in_background(
            lambda: client.request("POST", f"/danh-gia/{assessment.pk}/nhap-excel/ap-dung/", body=apply_form,
                                   headers=form_headers)
        )
        pid = wait_for(lambda: _backend_waiting_on_a_lock(admin), 30, "the import waiting halfway", server)
        assert _holds_the_audit_lock(admin, pid)  # it has written rows (and their audit entries) already
        _terminate(admin, pid)
    finally:
        blocker.rollback()
        blocker.close()
    thread.join(timeout=60)
    # then the editor gets a clean error, and not one of the rows remains
    _assert_clean_503(out["reply"])
    assert _lines(assessment) == before
    assert AuditEntry.objects.count() == audit_before
    assert Assessment.objects.get(pk=assessment.pk).version == assessment.version
    # and the same import, applied again once the database answers, writes all seven rows
    again = client.request("POST", f"/danh-gia/{assessment.pk}/nhap-excel/ap-dung/", body=apply_form,
                           headers=form_headers)
    assert again.status == 302, again.text[:2000]
    after = _lines(assessment)
    changed = {code for code in after if after[code][0] != before[code][0]}
    assert changed == {"1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.2.3", "2.1.1", "2.1.2"}
    assert AuditEntry.objects.filter(action="assessment.import_self").count() == 1
    assert audit.verify_chain().ok
    admin.close()


def test_an_api_save_whose_connection_is_killed_after_its_first_writes_is_rolled_back(
    app_server: Any, assessment: Assessment, unit_editor: Any
) -> None:
    # given a live server and a system with an API token for the unit's editor
    server = app_server(workers=1, threads=4)
    key = api_token_issue(user=unit_editor, role="unit_editor", name="faults", actor=None).key
    client = server.client(Authorization=f"Token {key}")
    line = ScoreLine.objects.get(assessment=assessment, indicator__code="2.1.1")
    audit_before = AuditEntry.objects.count()
    path = f"/api/v1/assessments/{assessment.pk}/lines/{line.pk}/"
    payload = {"version": line.version, "value": {"numerator": 85, "denominator": 100}, "note": "Theo báo cáo năm."}
    admin = raw_connection()
    admin.autocommit = True
    blocker = raw_connection()
    try:
        # and the audit chain held by another session, so that the save stops after updating the line and the
        # assessment, before its audit entry
        with blocker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [audit.CHAIN_LOCK_KEY])
        thread, out = _in_background(lambda: client.json("PUT", path, payload))
        pid = wait_for(lambda: _backend_waiting_on_a_lock(admin), 30, "the save waiting for the audit chain", server)
        # when its connection is killed
        _terminate(admin, pid)
    finally:
        blocker.rollback()
        blocker.close()
    thread.join(timeout=60)
    # then the API answers its one error format with 503, and the line and the assessment are as they were
    reply = out["reply"]
    _assert_clean_503(reply)
    assert reply.json()["code"] == "service_unavailable" and reply.json()["fields"] == {}
    line.refresh_from_db()
    assert (line.version, line.self_score, line.self_note) == (1, None, "")
    assert Assessment.objects.get(pk=assessment.pk).version == assessment.version
    assert AuditEntry.objects.count() == audit_before
    # and the same save succeeds once retried (the server opened a new connection)
    again = client.json("PUT", path, payload)
    assert again.status == 200, again.text[:1000]
    assert again.json()["version"] == 2 and again.json()["self_score"] == "1.70"
    admin.close()
