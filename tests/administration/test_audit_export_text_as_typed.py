"""The audit log's Excel file shows every text as it was typed: a reason written as «- …» bullets, a unit or a change
starting with «=», «+» or «@» is a string cell with Excel's quote-prefix mark, never a formula and never with a
visible apostrophe in front."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.models import Unit
from scoring.services import audit_record

pytestmark = pytest.mark.django_db

REASON = "- Sai số liệu báo cáo quý\n- Bổ sung văn bản"


def test_the_audit_export_shows_a_reason_written_as_bullets_as_typed(client: Client, admin_user: Any) -> None:
    # given entries whose reason, unit and object start like formulas
    unit = Unit.objects.get(code="so-y-te")
    Unit.objects.filter(pk=unit.pk).update(name="=Sở Y tế")
    audit_record(actor=admin_user, action="unit.update", object_type="Unit", object_id=unit.pk,
                 unit_id=unit.pk, reason=REASON, object_label="+Đơn vị thử", changes={"name": {"old": "A", "new": "B"}})
    audit_record(actor=admin_user, action="user.activate", object_type="User", object_id=3, reason="@ngay")
    client.force_login(admin_user)
    # when the log is downloaded
    response = client.get(reverse("administration:audit_list"), {"xuat": "xlsx"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    reason_column, unit_column = header.index("Lý do"), header.index("Đơn vị")
    # then each such text is a string cell holding the text as typed, with the quote-prefix mark
    by_reason = {row[reason_column].value: row for row in rows[1:] if row[reason_column].value}
    assert set(by_reason) == {REASON, "@ngay"}
    for text, row in by_reason.items():
        cell = row[reason_column]
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
    unit_cell = by_reason[REASON][unit_column]
    assert unit_cell.value == "=Sở Y tế" and unit_cell.data_type == "s" and unit_cell.quotePrefix
    assert not [c for row in rows for c in row if c.data_type == "f"]
    # an ordinary text has no mark, and the header is as before
    assert header[:4] == ["Thời điểm", "Người thực hiện", "Tên đăng nhập", "Thao tác"]
    assert not by_reason["@ngay"][3].quotePrefix
