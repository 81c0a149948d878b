"""The units file says where a merged unit went: a read-only column «Sáp nhập vào (mã)», ignored on import (the
file imports back as no change), and files without it still import."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from scoring.administration.services.units import unit_merge
from scoring.models import Unit
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = "Sáp nhập vào (mã)"


def _download(client: Client) -> list[list[Any]]:
    content = client.get(reverse("administration:unit_export")).content
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell if cell is not None else "" for cell in row] for row in ws.iter_rows(values_only=True)]


def _post(client: Client, table: list[list[Any]]) -> Any:
    return client.post(reverse("administration:unit_import"), {"file": upload(xlsx_bytes(table[0], table[1:]))})


def test_the_units_file_names_the_unit_a_merged_one_went_into_and_imports_back(
    client: Client, admin_user: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    unit_merge(unit=Unit.objects.get(code="h-cai-lay"), into=Unit.objects.get(code="tx-cai-lay"), actor=admin_user,
               group_change_seen=True)
    client.force_login(admin_user)

    header, *rows = _download(client)

    merged = header.index(HEADER)
    by_code = {row[header.index("Mã đơn vị")]: row[merged] for row in rows}
    assert by_code["h-cai-lay"] == "tx-cai-lay" and by_code["so-y-te"] == ""
    preview = _post(client, [header, *rows])
    assert preview.status_code == 200, preview.context.get("import_rows")
    assert preview.context["import_preview"]["rows"] == []
    # a file without the column (exported before) still imports
    without = [[cell for i, cell in enumerate(row) if i != merged] for row in [header, *rows]]
    preview = _post(client, without)
    assert preview.status_code == 200, preview.context.get("import_rows")
    assert preview.context["import_preview"]["rows"] == []
