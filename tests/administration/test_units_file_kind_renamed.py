"""A units file naming a unit kind by a name it no longer has says what the kind is called now (its renames are
audited), and a kind the province never had is answered with the kinds that exist."""

from __future__ import annotations

from typing import Any

import pytest

from scoring.administration.services.imports import units_import_plan
from scoring.administration.services.units import unit_kind_rename
from scoring.errors import ValidationFailed
from scoring.models import UnitKind

pytestmark = pytest.mark.django_db


def _messages(rows: list[dict[str, Any]], actor: Any) -> dict[int, list[str]]:
    with pytest.raises(ValidationFailed) as refused:
        units_import_plan(rows=rows, actor=actor)
    return {p["row"]: p["messages"] for p in refused.value.details}


def test_a_kinds_former_name_is_answered_with_its_name_now(catalogue: Any, admin_user: Any) -> None:
    kind = UnitKind.objects.get(code="district")
    unit_kind_rename(kind=kind, name="UBND cấp xã", actor=admin_user)
    messages = _messages([{"row": 39, "code": "xa-moi", "name": "Xã Mới", "kind": "UBND cấp huyện"}], admin_user)
    assert messages[39] == ["Loại đơn vị «UBND cấp huyện» đã đổi tên thành «UBND cấp xã» (mã district): hãy ghi "
                            "tên mới."]


def test_an_unknown_kind_is_answered_with_the_kinds_that_exist(catalogue: Any, admin_user: Any) -> None:
    messages = _messages([{"row": 3, "code": "xa-moi", "name": "Xã Mới", "kind": "hanh-tinh"}], admin_user)
    (message,) = messages[3]
    assert message.startswith("Loại đơn vị «hanh-tinh» không tồn tại. Các loại đơn vị hiện có: ")
    for kind in UnitKind.objects.all():
        assert f"{kind.name} ({kind.code})" in message
