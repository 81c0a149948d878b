"""Bulk imports of units and users from Excel rows: every row valid, or nothing written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from scoring.administration.services.common import nfc
from scoring.administration.services.users import UNIT_ROLES, user_create
from scoring.errors import ValidationFailed
from scoring.models import (
    RankingGroup,
    RoleAssignment,
    Unit,
    UnitKind,
)
from scoring.services import audit_record


@dataclass
class RowProblem:
    row: int
    messages: list[str] = field(default_factory=list)


def _formula_problems(row: Mapping[str, Any]) -> list[str]:
    """A cell that held a spreadsheet formula is refused (it is never evaluated)."""
    from scoring.administration.xlsx import Formula

    return [
        _("Ô «%(col)s» chứa công thức Excel; chỉ nhận giá trị.") % {"col": name}
        for name, value in row.items()
        if isinstance(value, Formula)
    ]


def _raise_rows(problems: list[RowProblem]) -> None:
    bad = [p for p in problems if p.messages]
    if bad:
        raise ValidationFailed(
            ngettext(
                "Có %(n)s dòng không hợp lệ; không ghi dòng nào.",
                "Có %(n)s dòng không hợp lệ; không ghi dòng nào.",
                len(bad),
            )
            % {"n": len(bad)},
            code="invalid_rows",
            details=[{"row": p.row, "messages": p.messages} for p in bad],
        )


@transaction.atomic
def units_import(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> int:
    """Create units from rows {row, code, name, short_name, kind, group, parent}; all rows valid or nothing."""
    rows = list(rows)
    kinds = {k.code: k for k in UnitKind.objects.all()}
    groups = {g.code: g for g in RankingGroup.objects.all()}
    existing = {u.code: u for u in Unit.objects.all()}
    seen: set[str] = set()
    problems: list[RowProblem] = []
    for row in rows:
        p = RowProblem(row=row["row"], messages=_formula_problems(row))
        code = nfc(row.get("code")).lower()
        if not code or not nfc(row.get("name")):
            p.messages.append(_("Thiếu mã hoặc tên đơn vị."))
        if code in existing or code in seen:
            p.messages.append(_("Mã đơn vị «%(code)s» bị trùng.") % {"code": code})
        seen.add(code)
        if nfc(row.get("kind")) not in kinds:
            p.messages.append(_("Loại đơn vị «%(k)s» không tồn tại.") % {"k": row.get("kind")})
        if nfc(row.get("group")) and nfc(row.get("group")) not in groups:
            p.messages.append(_("Khối xếp hạng «%(g)s» không tồn tại.") % {"g": row.get("group")})
        parent = nfc(row.get("parent")).lower()
        if parent and parent not in existing and parent not in seen:
            p.messages.append(_("Đơn vị cấp trên «%(p)s» không tồn tại (phải đứng trước).") % {"p": parent})
        problems.append(p)
    _raise_rows(problems)
    for row in rows:
        parent_code = nfc(row.get("parent")).lower()
        unit = Unit.objects.create(
            code=nfc(row["code"]).lower(),
            name=nfc(row["name"]),
            short_name=nfc(row.get("short_name")),
            kind=kinds[nfc(row["kind"])],
            ranking_group=groups.get(nfc(row.get("group"))),
            parent=existing.get(parent_code) if parent_code else None,
        )
        existing[unit.code] = unit
        audit_record(
            actor=actor,
            action="unit.create",
            object_type="Unit",
            object_id=unit.pk,
            unit=unit,
            changes={"name": {"old": None, "new": unit.name}},
            reason="import",
        )
    return len(rows)


@transaction.atomic
def users_import(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> int:
    """Create users from rows {row, username, full_name, email, password, role, unit}; all valid or nothing."""
    rows = list(rows)
    user_model = get_user_model()
    units = {u.code: u for u in Unit.objects.filter(active=True)}
    taken = {name.lower() for name in user_model.objects.values_list("username", flat=True)}
    problems: list[RowProblem] = []
    for row in rows:
        p = RowProblem(row=row["row"], messages=_formula_problems(row))
        username = nfc(row.get("username"))
        if not username:
            p.messages.append(_("Thiếu tên đăng nhập."))
        elif username.lower() in taken:
            p.messages.append(_("Tên đăng nhập «%(u)s» bị trùng.") % {"u": username})
        taken.add(username.lower())
        unit_code = nfc(row.get("unit")).lower()
        unit = units.get(unit_code)
        if unit_code and unit is None:
            p.messages.append(_("Đơn vị «%(u)s» không tồn tại hoặc đã ngừng hoạt động.") % {"u": unit_code})
        role = nfc(row.get("role"))
        if role not in RoleAssignment.Role.values:
            p.messages.append(_("Vai trò «%(r)s» không hợp lệ.") % {"r": role})
        elif role in UNIT_ROLES and unit is None:
            p.messages.append(_("Vai trò này cần mã đơn vị."))
        try:
            validate_password(str(row.get("password") or ""))
        except ValidationError as exc:
            p.messages.extend(exc.messages)
        problems.append(p)
    _raise_rows(problems)
    for row in rows:
        unit_code = nfc(row.get("unit")).lower()
        user_create(
            username=row["username"],
            full_name=row.get("full_name", ""),
            email=row.get("email", ""),
            password=str(row["password"]),
            role=nfc(row["role"]),
            unit=units.get(unit_code),
            actor=actor,
        )
    return len(rows)
