"""A code typed «3.10» in a column Excel does not hold as text is stored as the number 3.1, so the tree import said
only «Mã tiêu chí «3.1» bị trùng»: a clash made by a code (or a parent code) read from a number cell now says what
Excel did and how to mend it, as a date cell's refusal does."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.administration.resources import clean_rows
from scoring.administration.xlsx import Number, read_sheet
from tests.administration.conftest import upload, xlsx_bytes

pytestmark = pytest.mark.django_db

HINT = "Excel có thể đã tự đổi «3.10» thành «3.1»); hãy định dạng cột là Văn bản"


def _rows(code_310: Any, parent: Any = "3") -> list[dict[str, Any]]:
    leaf = {"kind": "normal", "max_points": "1", "method": "manual", "params": ""}
    return [
        {"row": 2, "code": "3", "parent_code": "", "name": "Lĩnh vực", "kind": "normal", "max_points": "2"},
        {"row": 3, "code": "3.1", "parent_code": "3", "name": "Tiêu chí một", **leaf},
        {"row": 4, "code": code_310, "parent_code": parent, "name": "Tiêu chí mười", **leaf},
    ]


def test_a_code_excel_read_as_a_number_is_read_as_a_number_cell() -> None:
    content = xlsx_bytes(["code", "parent_code", "name"], [[3.1, 3, "Tiêu chí"]])
    rows = read_sheet(upload(content), expected=("code",)).rows
    assert isinstance(rows[0]["code"], Number) and rows[0]["code"] == "3.1"


def test_a_clash_made_by_a_number_cell_says_what_excel_did() -> None:
    _clean, errors = clean_rows(_rows(Number("3.1")))
    messages = errors[4]
    assert any("«3.1» bị trùng" in m for m in messages), messages
    assert any(HINT in m and "ô mã là số" in m for m in messages), messages


def test_a_missing_parent_read_from_a_number_cell_says_what_excel_did() -> None:
    rows = _rows("3.10.1", parent=Number("3.1"))
    rows[1]["code"] = "3.10"  # the parent, typed as text
    _clean, errors = clean_rows(rows)
    messages = errors[4]
    assert any("Mã cha «3.1» không có trong tệp" in m for m in messages), messages
    assert any(HINT in m and "ô mã cha là số" in m for m in messages), messages


def test_a_clash_of_text_codes_has_no_such_hint() -> None:
    _clean, errors = clean_rows(_rows("3.1"))
    assert not any(HINT in m for m in errors[4]), errors

