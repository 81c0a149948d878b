"""API tokens limited to one role: issue (the key is returned once, only its hash is stored), revoke, look up.

Used by the API (`/api/v1/tokens/`), the administration page (`/quan-ly/ma-truy-cap/`) and the DRF
authentication class (`scoring.api.authentication`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scoring import permissions
from scoring.errors import ValidationFailed
from scoring.models import ApiToken, RoleAssignment
from scoring.services import audit_record

KEY_BYTES = 32
PREFIX_LENGTH = 8
# A token's last use is written at most this often, so busy systems do not write on every request.
LAST_USED_RESOLUTION_SECONDS = 60


def key_hash(key: str) -> str:
    """The stored form of a key. The key is 256 random bits, so a plain SHA-256 cannot be brute-forced."""
    return hashlib.sha256(key.encode()).hexdigest()


def roles_held(user: Any) -> list[str]:
    """The roles a token for this user may be limited to (a superuser may always act as administrator)."""
    held = {r.role for r in RoleAssignment.objects.filter(user=user)}
    if getattr(user, "is_superuser", False):
        held.add(RoleAssignment.Role.ADMINISTRATOR)
    return [value for value in RoleAssignment.Role.values if value in held]


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once; never stored


@transaction.atomic
def api_token_issue(*, user: Any, role: str | None, name: str, actor: Any) -> IssuedToken:
    """Issue a token acting as `user` with the rights of `role` only. When `role` is omitted the user must hold
    exactly one role. Raises ValidationFailed (with the field) when the user is inactive or lacks the role."""
    held = roles_held(user)
    if not user.is_active:
        raise ValidationFailed(
            _("Tài khoản «%(u)s» đang bị khoá.") % {"u": user.get_username()},
            code="user_inactive",
            details={"field": "username"},
        )
    if not role:
        if len(held) != 1:
            raise ValidationFailed(
                _("Hãy chọn vai trò cho mã truy cập (người dùng có %(n)s vai trò).") % {"n": len(held)},
                code="role_required",
                details={"field": "role"},
            )
        role = held[0]
    if role not in RoleAssignment.Role.values:
        raise ValidationFailed(_("Vai trò «%(r)s» không hợp lệ.") % {"r": role}, code="invalid_role",
                               details={"field": "role"})
    if role not in held:
        raise ValidationFailed(
            _("Người dùng «%(u)s» không có vai trò «%(r)s».")
            % {"u": user.get_username(), "r": RoleAssignment.Role(role).label},
            code="role_not_held",
            details={"field": "role"},
        )
    name = (name or "").strip()[:100]
    if not name:
        with translation.override(settings.LANGUAGE_CODE):  # stored text: the site's language, not the request's
            name = _("Mã truy cập của %(u)s") % {"u": user.get_username()}
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken.objects.create(
        user=user,
        role=role,
        name=name,
        key_hash=key_hash(key),
        prefix=key[:PREFIX_LENGTH],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="api_token.issue",
        object_type="User",
        object_id=user.pk,
        changes={"token": {"old": None, "new": token.prefix}, "role": {"old": None, "new": role},
                 "name": {"old": None, "new": name}},
    )
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any, reason: str = "") -> ApiToken:
    """Revoke one token (idempotent: revoking a revoked token changes nothing and records nothing). A revoked token
    never works again, whatever roles its user is given later. `reason` goes to the audit record."""
    locked = ApiToken.objects.select_for_update(of=("self",)).get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoke",
            object_type="User",
            object_id=locked.user_id,
            changes={"token": {"old": locked.prefix, "new": None}, "role": {"old": locked.role, "new": None}},
            reason=reason,
        )
    return locked


@transaction.atomic
def api_tokens_revoke_for_user(*, user: Any, actor: Any) -> int:
    """Revoke every active token of a user; returns how many were revoked."""
    tokens = list(ApiToken.objects.select_for_update(of=("self",)).filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        api_token_revoke(token=token, actor=actor)
    return len(tokens)


@transaction.atomic
def api_tokens_revoke_for_role(*, user_id: int, role: str, actor: Any, reason: str = "") -> int:
    """Revoke every active token of a user limited to `role` (each revocation audited); how many were revoked.

    Called wherever an assignment of that role is taken away (`role_remove`, a unit's merge), even when the user
    keeps the role at another unit: a token carries the role, not the unit, so its reach changed with the
    assignment; and a role given back later (for any unit) must not bring an old key back to life. A new key is
    issued if one is still needed."""
    tokens = list(
        ApiToken.objects.select_for_update(of=("self",))
        .filter(user_id=user_id, role=role, revoked_at__isnull=True)
        .order_by("pk")
    )
    for token in tokens:
        api_token_revoke(token=token, actor=actor, reason=reason)
    return len(tokens)


def api_tokens_for_admin() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("user", "created_by").order_by("revoked_at", "-created_at", "-id")


def api_token_authenticate(key: str) -> ApiToken | None:
    """The active token for a presented key, with its user, or None. Marks the token as used."""
    if not key or len(key) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    permissions.limit_to_role(token.user, token.role)
    return token
