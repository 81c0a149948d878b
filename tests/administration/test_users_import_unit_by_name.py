"""The users file's «Mã đơn vị» takes a unit's name as the «Tạo tài khoản» form does (its code still works), and an
unknown unit is quoted as it was typed, not lower-cased."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from scoring.administration import services
from scoring.errors import ValidationFailed
from scoring.models import Unit

pytestmark = pytest.mark.django_db

PASSWORD = "x-Secret-2021!"


def _new(row: int, username: str, unit: str) -> dict[str, Any]:
    return {"row": row, "username": username, "full_name": "Lê Mới", "password": PASSWORD,
            "role": "unit_editor", "unit": unit}


def test_a_unit_named_in_the_users_file_is_found_by_its_name(admin_user: Any) -> None:
    # when the unit's name is typed where its code was expected
    rows = [_new(2, "moi1", "UBND huyện Cái Bè"), _new(3, "moi2", "so-y-te")]
    plans = services.users_import_plan(rows=rows, actor=admin_user)

    # then the rows are accepted, and the role goes to that unit once confirmed
    assert [plan.unit_code for plan in plans] == [
        Unit.objects.get(name="UBND huyện Cái Bè").code, "so-y-te"]
    services.users_import(rows=rows, actor=admin_user)
    user = get_user_model().objects.get(username="moi1")
    assert [r.unit.name for r in user.roles.all()] == ["UBND huyện Cái Bè"]


def test_an_unknown_unit_is_quoted_as_typed(admin_user: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        services.users_import_plan(rows=[_new(46, "moi", "UBND xã Long Hưng")], actor=admin_user)
    assert refused.value.details == [{"row": 46, "messages": ["Đơn vị «UBND xã Long Hưng» không tồn tại."]}]
