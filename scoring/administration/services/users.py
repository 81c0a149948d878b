"""Users and roles: create, deactivate, assign and remove roles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from scoring.administration.services.common import nfc
from scoring.errors import ValidationFailed
from scoring.models import (
    RoleAssignment,
    Unit,
)
from scoring.services import audit_record

UNIT_ROLES = {RoleAssignment.Role.UNIT_EDITOR, RoleAssignment.Role.UNIT_HEAD}


def _check_role(role: str, unit: Unit | None) -> None:
    if role not in RoleAssignment.Role.values:
        raise ValidationFailed(_("Vai trò «%(r)s» không hợp lệ.") % {"r": role}, code="invalid_role")
    if role in UNIT_ROLES and unit is None:
        raise ValidationFailed(_("Vai trò này cần chọn đơn vị."), code="unit_required")
    if unit is not None and not unit.active:
        raise ValidationFailed(_("Đơn vị «%(u)s» đã ngừng hoạt động.") % {"u": unit})


@transaction.atomic
def user_create(
    *, username: str, full_name: str, email: str, password: str, role: str, unit: Unit | None, actor: Any
) -> Any:
    """Create an account with its first role (a unit's editor or head needs the unit)."""
    user_model = get_user_model()
    username = nfc(username)
    if not username:
        raise ValidationFailed(_("Hãy nhập tên đăng nhập."), code="username_required")
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(_("Tên đăng nhập «%(u)s» đã có.") % {"u": username}, code="duplicate_user")
    _check_role(role, unit)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), code="weak_password") from None
    parts = nfc(full_name).rsplit(" ", 1)
    user = user_model.objects.create_user(
        username=username,
        email=nfc(email),
        password=password,
        first_name=parts[0] if len(parts) > 1 else "",
        last_name=parts[-1],
    )
    RoleAssignment.objects.create(user=user, role=role, unit=unit if role in UNIT_ROLES or unit else None)
    audit_record(
        actor=actor,
        action="user.create",
        object_type="User",
        object_id=user.pk,
        unit=unit,
        changes={"username": {"old": None, "new": username}, "role": {"old": None, "new": role}},
    )
    return user


@transaction.atomic
def user_set_active(*, user: Any, active: bool, actor: Any) -> Any:
    if getattr(actor, "pk", None) == user.pk and not active:
        raise ValidationFailed(_("Không thể tự khoá tài khoản của chính mình."), code="self_deactivate")
    if user.is_active != active:
        old = user.is_active
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="user.activate" if active else "user.deactivate",
            object_type="User",
            object_id=user.pk,
            changes={"is_active": {"old": old, "new": active}},
        )
    return user


@transaction.atomic
def role_assign(*, user: Any, role: str, unit: Unit | None, actor: Any) -> RoleAssignment:
    _check_role(role, unit)
    if role not in UNIT_ROLES and role != RoleAssignment.Role.APPRAISER and role != RoleAssignment.Role.APPRAISAL_LEAD:
        unit = None
    if RoleAssignment.objects.filter(user=user, role=role, unit=unit).exists():
        raise ValidationFailed(_("Người dùng đã có vai trò này."), code="duplicate_role")
    assignment = RoleAssignment.objects.create(user=user, role=role, unit=unit)
    audit_record(
        actor=actor,
        action="role.assign",
        object_type="User",
        object_id=user.pk,
        unit=unit,
        changes={"role": {"old": None, "new": role}, "unit": {"old": None, "new": unit.code if unit else None}},
    )
    return assignment


@transaction.atomic
def role_remove(*, assignment: RoleAssignment, actor: Any) -> None:
    if assignment.role == RoleAssignment.Role.ADMINISTRATOR and getattr(actor, "pk", None) == assignment.user_id:
        raise ValidationFailed(_("Không thể tự bỏ quyền quản trị của chính mình."), code="self_demote")
    user_id, role, unit = assignment.user_id, assignment.role, assignment.unit
    assignment.delete()
    audit_record(
        actor=actor,
        action="role.remove",
        object_type="User",
        object_id=user_id,
        unit=unit,
        changes={"role": {"old": role, "new": None}, "unit": {"old": unit.code if unit else None, "new": None}},
    )
