"""The users' and the units' Excel imports name a column in every message as the file's header row does: the users
and the units files by their Vietnamese header (with its key, which files exported before have as their header),
never by the key alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.administration import services
from scoring.administration.xlsx import MAX_CELL_TEXT, Formula, TooLong
from scoring.errors import ValidationFailed
from scoring.models import Unit
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db

PASSWORD = "x-Secret-2021!"
USER_HEADERS = ["Tên đăng nhập", "Họ và tên", "Thư điện tử", "Mật khẩu ban đầu", "Vai trò", "Mã đơn vị",
                "Đang hoạt động"]


def _row_messages(response: Any) -> list[str]:
    assert response.status_code == 400, response.content.decode()[:500]
    return [message for row in response.context["import_rows"] for message in row["messages"]]


def test_the_users_file_names_a_formula_cell_and_a_long_cell_by_its_vietnamese_header(
    client: Client, admin_user: Any
) -> None:
    # given: a file as exported (Vietnamese headers), a formula in the e-mail cell, a name past the limit
    client.force_login(admin_user)
    table = [["moi", "Lê " + "A" * MAX_CELL_TEXT, "=A1", PASSWORD, "Thành viên Tổ thẩm định", "", ""]]

    # when
    response = client.post(reverse("administration:user_import"),
                           {"file": upload(xlsx_bytes(USER_HEADERS, table))})

    # then
    messages = _row_messages(response)
    assert "Ô «Thư điện tử (email)» chứa công thức Excel; chỉ nhận giá trị." in messages
    assert any(m.startswith("Ô «Họ và tên (full_name)» dài ") for m in messages), messages
    assert not any("«email»" in m or "«full_name»" in m for m in messages), messages


def test_an_older_users_file_with_the_keys_as_headers_gets_the_same_names(admin_user: Any) -> None:
    # given: the rows of a file exported before, whose header row holds the keys
    rows = [{"row": 2, "username": "moi", "full_name": "Lê Mới", "email": "x" * (MAX_CELL_TEXT + 1),
             "password": PASSWORD, "role": "appraiser"}]
    rows[0]["email"] = TooLong(rows[0]["email"])
    rows[0]["unit"] = Formula("=B2")

    # when
    with pytest.raises(ValidationFailed) as refused:
        services.users_import_plan(rows=rows, actor=admin_user)

    # then
    [messages] = [d["messages"] for d in refused.value.details]
    assert "Ô «Mã đơn vị (unit)» chứa công thức Excel; chỉ nhận giá trị." in messages
    assert (f"Ô «Thư điện tử (email)» dài {MAX_CELL_TEXT + 1} ký tự, quá giới hạn {MAX_CELL_TEXT} ký tự; hãy rút "
            "gọn (hệ thống không tự cắt bớt).") in messages


def test_the_units_file_names_a_formula_cell_by_its_header_and_key(client: Client, admin_user: Any) -> None:
    # a file exported before, whose header row holds the keys: messages name the column as the units file now does
    client.force_login(admin_user)
    unit = Unit.objects.get(code="so-y-te")
    headers = ["code", "name", "short_name", "kind", "group", "parent", "active"]
    table = [[unit.code, unit.name, "=A1", unit.kind.code, "", "", 1]]

    response = client.post(reverse("administration:unit_import"), {"file": upload(xlsx_bytes(headers, table))})

    assert "Ô «Tên viết tắt (short_name)» chứa công thức Excel; chỉ nhận giá trị." in _row_messages(response)
