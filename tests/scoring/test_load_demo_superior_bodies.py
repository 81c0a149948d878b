"""The demo's vertical agencies have their central agency as superior body («Cơ quan chủ quản», printed above the
unit's name in the report's heading). An installation that loaded the demo before units had one keeps them blank:
loading the demo again fills a demo unit's blank superior body (audited), never one an administrator set."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from scoring.models import AuditEntry, Unit

pytestmark = pytest.mark.django_db

VERTICAL = ["cuc-thue", "kho-bac-nha-nuoc", "bao-hiem-xa-hoi", "ngan-hang-nha-nuoc", "cong-an-tinh"]


def _load() -> str:
    out = StringIO()
    call_command("load_demo", "--allow-production", "--no-scores", "--quiet-credentials", stdout=out)
    return out.getvalue()


def _superiors() -> dict[str, str]:
    return dict(Unit.objects.filter(code__in=VERTICAL).values_list("code", "superior_body"))


def test_loading_the_demo_again_fills_blank_superior_bodies_and_keeps_the_administrators(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: the demo loaded before the field (every superior body blank), then one set by an administrator
    with django_capture_on_commit_callbacks(execute=True):
        _load()
    expected = _superiors()
    assert expected == {"cuc-thue": "Tổng cục Thuế", "kho-bac-nha-nuoc": "Kho bạc Nhà nước",
                        "bao-hiem-xa-hoi": "Bảo hiểm xã hội Việt Nam",
                        "ngan-hang-nha-nuoc": "Ngân hàng Nhà nước Việt Nam", "cong-an-tinh": "Bộ Công an"}
    Unit.objects.update(superior_body="")
    Unit.objects.filter(code="cong-an-tinh").update(superior_body="Bộ Công an (Cục Cảnh sát QLHC)")
    Unit.objects.filter(code="so-noi-vu").update(superior_body="UBND tỉnh Tiền Giang")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        output = _load()
    # then: the four blank ones filled, the administrator's kept, a department (none in the catalogue) untouched
    assert _superiors() == {**expected, "cong-an-tinh": "Bộ Công an (Cục Cảnh sát QLHC)"}
    assert Unit.objects.get(code="so-noi-vu").superior_body == "UBND tỉnh Tiền Giang"
    assert Unit.objects.get(code="so-y-te").superior_body == ""
    assert "điền cho 4 đơn vị" in output
    entries = AuditEntry.objects.filter(action="unit.update", changes__has_key="superior_body")
    assert sorted(e.changes["superior_body"]["new"] for e in entries) == sorted(
        v for k, v in expected.items() if k != "cong-an-tinh")
    # and once more: nothing left to fill, nothing said
    with django_capture_on_commit_callbacks(execute=True):
        assert "Cơ quan chủ quản" not in _load()
    assert entries.count() == 4

