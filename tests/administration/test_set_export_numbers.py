"""The set tree's Excel export writes numbers as number cells: a negative floor (a penalty's or a level's -1) is
not text with a protective apostrophe; only text that a spreadsheet would take for a formula gets one."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.models import IndicatorSet

pytestmark = pytest.mark.django_db


def _sheet(client: Client, indicator_set: IndicatorSet) -> dict[str, dict[str, Any]]:
    response = client.get(reverse("administration:set_export", args=[indicator_set.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    # the exported file names its columns in Vietnamese; the tests read them by key
    keys = {"Điểm tối đa": "max_points", "Điểm tối thiểu": "floor"}
    headers = [keys.get(str(h), h) for h in rows[0]]
    return {str(r[0]): dict(zip(headers, r, strict=False)) for r in rows[1:]}


def test_negative_and_decimal_points_are_number_cells_without_an_apostrophe(
    client: Client, admin_user: Any, small_set: IndicatorSet
) -> None:
    client.force_login(admin_user)
    rows = _sheet(client, small_set)
    assert rows["1.1.1"]["floor"] == -1  # a number, not "'-1"
    assert rows["1"]["max_points"] == 6 and rows["1.1.1"]["max_points"] == 1
    decimals = [r["max_points"] for r in rows.values() if r["max_points"] not in (None, "") and r["max_points"] % 1]
    assert decimals and all(isinstance(v, float) for v in decimals)  # 1.5 stays 1.5, as a number
    assert all(not isinstance(r[c], str) for r in rows.values() for c in ("max_points", "floor"))
