"""Users and roles: create, deactivate, assign and remove roles."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scoring.administration.services.common import locked_at_version
from scoring.administration.validators import (
    email_problems,
    full_name_problems,
    password_problems,
    username_problems,
)
from scoring.errors import StaleVersion, ValidationFailed
from scoring.models import (
    RoleAssignment,
    Unit,
    UserProfile,
)
from scoring.permissions import is_administrator
from scoring.services import audit_record
from scoring.text import visible_text

MSG_ACCOUNT_VERSION_MISSING = gettext_lazy(
    "Biểu mẫu không mang phiên bản của tài khoản nên chưa lưu gì; hãy tải lại trang rồi làm lại."
)
MSG_ACCOUNT_CHANGED = gettext_lazy(
    "Tài khoản này đã được sửa ở nơi khác (người khác hoặc một thẻ khác của anh/chị) từ khi trang này được mở "
    "(họ tên, thư điện tử, mật khẩu hoặc trạng thái) nên chưa lưu gì. Hãy xem lại tài khoản ở trang này rồi làm lại "
    "nếu vẫn cần."
)

# An address reaches one person (notifications, a password reset): one active account per address, in any case. Not
# a database constraint: accounts stored before the rule may share one (`manage.py data_check` lists them).
MSG_EMAIL_TAKEN_BY = gettext_lazy(
    "Thư điện tử «%(e)s» đã dùng cho tài khoản «%(u)s» đang hoạt động; mỗi tài khoản cần một địa chỉ thư điện tử "
    "riêng."
)
MSG_EMAIL_TAKEN = gettext_lazy(
    "Thư điện tử «%(e)s» đã dùng cho một tài khoản khác đang hoạt động; mỗi tài khoản cần một địa chỉ thư điện tử "
    "riêng."
)
MSG_EMAIL_REPEATED_IN_FILE = gettext_lazy(
    "Thư điện tử «%(e)s» đã có ở dòng %(r)s (tài khoản «%(u)s»); mỗi tài khoản cần một địa chỉ thư điện tử riêng."
)
EMAIL_LOCK_SPACE = 7_302_021  # the first key of the advisory locks taken on an address (the second: its hash)

UNIT_ROLES = {RoleAssignment.Role.UNIT_EDITOR, RoleAssignment.Role.UNIT_HEAD}
# A unit's people need their unit; an appraiser or the lead may name the department they come from; an
# administrator acts for the whole province and takes none.
UNITLESS_ROLES = {RoleAssignment.Role.ADMINISTRATOR}


def role_unit_problem(role: str, unit_given: bool) -> str | None:
    """Why `role` cannot go with (or without) a unit, or None. Shared by the forms' service and the import."""
    if role in UNIT_ROLES and not unit_given:
        return _("Vai trò này cần chọn đơn vị.")
    if role in UNITLESS_ROLES and unit_given:
        return _("Vai trò «%(r)s» không gắn với đơn vị nào; hãy để trống ô đơn vị.") % {
            "r": RoleAssignment.Role(role).label
        }
    return None


def role_taken_reason(role: str, unit: Unit | None) -> str:
    """The audit reason of an API key revoked because its role was removed (`role_remove`; a merge gives its own)."""
    label = RoleAssignment.Role(role).label
    if unit is None:
        return _("Bỏ vai trò «%(r)s» của tài khoản.") % {"r": label}
    return _("Bỏ vai trò «%(r)s» tại đơn vị «%(u)s» của tài khoản.") % {"r": label, "u": unit.code}


def _check_role(role: str, unit: Unit | None) -> None:
    if role not in RoleAssignment.Role.values:
        raise ValidationFailed(_("Vai trò «%(r)s» không hợp lệ; hãy chọn một trong: %(choices)s.") % {
            "r": role, "choices": ", ".join(str(label) for label in RoleAssignment.Role.labels)}, code="invalid_role")
    problem = role_unit_problem(role, unit is not None)
    if problem:
        raise ValidationFailed(problem, code="unit_required" if unit is None else "unit_not_taken")
    if unit is not None and not unit.active:
        from scoring.administration.services.units import unit_stopped_problem

        raise ValidationFailed(unit_stopped_problem(unit), code="unit_stopped")


def email_taken_message(email: str, *, other_username: str, actor: Any) -> str:
    """Why `email` is refused: another active account uses it, named to an administrator only."""
    if actor is not None and is_administrator(actor):
        return str(MSG_EMAIL_TAKEN_BY % {"e": email, "u": other_username})
    return str(MSG_EMAIL_TAKEN % {"e": email})


def email_owner(email: str, *, exclude_pk: int | None = None) -> str | None:
    """The username of an active account (other than `exclude_pk`) using `email` in any case, or None; the first
    by username where old data holds several."""
    if not email:
        return None
    others = get_user_model().objects.filter(is_active=True, email__iexact=email)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.order_by("username").values_list("username", flat=True).first()


def _refuse_email_taken(email: str, *, exclude_pk: int | None, actor: Any) -> None:
    """Refused (`email_taken`) when another active account uses `email`. On PostgreSQL the address is locked
    (a transaction-scoped advisory lock on its lower case) before the check: two accounts saved at once with one
    address run one after the other, the second seeing the first (SQLite runs one writer at a time)."""
    if not email:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(lower(%s)))", [EMAIL_LOCK_SPACE, email])
    other = email_owner(email, exclude_pk=exclude_pk)
    if other is not None:
        raise ValidationFailed(email_taken_message(email, other_username=other, actor=actor), code="email_taken",
                               details={"field": "email"})


def import_email_problems(
    email: str, *, row: int, username: str, active: dict[str, str], in_file: dict[str, tuple[int, str]], actor: Any
) -> list[str]:
    """A users file's new account's address against the active accounts' (`active`: lower-case address →
    username) and the new accounts of the rows above (`in_file`, filled here: lower-case address → (row,
    username))."""
    key = email.lower()
    if not key:
        return []
    if key in active:
        return [email_taken_message(email, other_username=active[key], actor=actor)]
    first = in_file.setdefault(key, (row, username))
    if first[0] != row:
        return [str(MSG_EMAIL_REPEATED_IN_FILE % {"e": email, "r": first[0], "u": first[1]})]
    return []


def account_problems(*, username: str, full_name: str, email: str, password: str) -> list[str]:
    """Everything wrong with a new account's fields (the create form's and the import's rules), in Vietnamese."""
    problems = (username_problems(username) if username else []) + full_name_problems(full_name)
    problems += email_problems(email)
    first, _sep, last = full_name.rpartition(" ")
    probe = get_user_model()(username=username, email=email, first_name=first, last_name=last)
    return problems + password_problems(password, probe)


def name_parts(full_name: str) -> tuple[str, str]:
    """A full name as the account stores it: family and middle names in `first_name`, the given name in
    `last_name` («Võ Quốc», «Bảo»), so that `get_full_name()` shows it as typed («Võ Quốc Bảo»); repeated spaces
    are one. The one rule of the create form, the import and the account's edit form."""
    first, _sep, last = " ".join(full_name.split()).rpartition(" ")
    return first, last


def full_name_of(user: Any) -> str:
    """The full name as `name_parts` stored it (as typed, repeated spaces as one)."""
    return " ".join(" ".join(part for part in (user.first_name, user.last_name) if part).split())


def _admin_flags(user: Any, *, administrator: bool) -> dict[str, Any]:
    """Give (or take back) the Django admin (/quan-tri/) with the administrator role, as the demo's
    administrator has it and the top bar offers it (`is_staff`); the changes, for the audit."""
    changes: dict[str, Any] = {}
    for flag in ("is_staff", "is_superuser"):
        if getattr(user, flag) != administrator:
            changes[flag] = {"old": getattr(user, flag), "new": administrator}
            setattr(user, flag, administrator)
    if changes:
        user.save(update_fields=list(changes))
    return changes


def password_change_required(user: Any) -> bool:
    """Whether `user` signs in with a password someone else set and must replace it first (`password_set_by`)."""
    return UserProfile.objects.filter(user_id=user.pk, must_change_password=True).exists()


def password_set_by(*, user: Any, actor: Any) -> dict[str, Any]:
    """Mark `user`'s password, just set by `actor`, as one the user must replace at the next sign-in, unless the
    actor is the user (an administrator resetting their own password knows it alone); a password someone else set
    is known to them. The change, for the caller's audit record ({} when the mark stays as it was)."""
    required = getattr(actor, "pk", None) != user.pk
    profile = UserProfile.objects.select_for_update().filter(user_id=user.pk).first()
    if profile is None:
        if not required:  # no row is no mark
            return {}
        UserProfile.objects.create(user_id=user.pk, must_change_password=True)
        return {"must_change_password": {"old": None, "new": True}}
    if profile.must_change_password == required:
        return {}
    old, profile.must_change_password = profile.must_change_password, required
    profile.save(update_fields=["must_change_password"])
    return {"must_change_password": {"old": old, "new": required}}


def password_changed_by_user(*, user: Any) -> dict[str, Any]:
    """Clear the mark of `password_set_by` once the user chose their own password. The change, for the caller's
    audit record ({} when the account was not marked)."""
    if not UserProfile.objects.filter(user_id=user.pk, must_change_password=True).update(must_change_password=False):
        return {}
    return {"must_change_password": {"old": True, "new": False}}


@transaction.atomic
def user_create(
    *, username: str, full_name: str, email: str, password: str, role: str, unit: Unit | None, actor: Any,
    reason: str = "",
) -> Any:
    """Create an account with its first role (a unit's editor or head needs the unit). An address another active
    account uses is refused (`email_taken`, naming that account to an administrator only). The password, chosen by
    the actor, is to be replaced by the user at the first sign-in (`password_set_by`). `reason` goes to the audit
    record (an import names itself there)."""
    user_model = get_user_model()
    # as the account will store it: NFKC, as `create_user` does («qa²» is «qa2», «ﬁ» is «fi»)
    # the users file's rule (`visible_text`): a hidden character would make two names that look the same differ
    username = user_model.normalize_username(visible_text(username, field="username"))
    full_name, email = visible_text(full_name, field="full_name"), visible_text(email, field="email")
    if not username:
        raise ValidationFailed(_("Hãy nhập tên đăng nhập."), code="username_required")
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(_("Tên đăng nhập «%(u)s» đã có.") % {"u": username}, code="duplicate_user")
    _check_role(role, unit)
    problems = account_problems(username=username, full_name=full_name, email=email, password=password)
    if problems:
        raise ValidationFailed(" ".join(problems), code="invalid_account")
    _refuse_email_taken(email, exclude_pk=None, actor=actor)
    first_name, last_name = name_parts(full_name)
    user = user_model.objects.create_user(
        username=username, email=email, password=password, first_name=first_name, last_name=last_name,
    )
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    changes: dict[str, Any] = {"username": {"old": None, "new": username}, "role": {"old": None, "new": role}}
    changes.update(password_set_by(user=user, actor=actor))
    if role == RoleAssignment.Role.ADMINISTRATOR:
        changes.update(_admin_flags(user, administrator=True))
    audit_record(
        actor=actor,
        action="user.create",
        object_type="User",
        object_id=user.pk,
        unit=unit,
        changes=changes,
        reason=reason,
    )
    return user


def user_version(user: Any) -> str:
    """The account's version for optimistic concurrency, without a version column: a keyed digest (the password's
    hash never leaves the server, not even hashed again without the site's key) of what the administrators change
    on it: username, name, email, lock and password."""
    values = [user.username, user.first_name, user.last_name, user.email, user.is_active, user.password]
    return salted_hmac("scoring.administration.user_version", json.dumps(values, ensure_ascii=False),
                       algorithm="sha256").hexdigest()[:32]


@transaction.atomic
def user_update(
    *, user: Any, full_name: str, email: str, actor: Any, reason: str = "", expected_version: str | None = None
) -> Any:
    """Correct an account's full name and e-mail address, by the create form's rules (`visible_text`, the lengths,
    the address's form; a name is needed; an address another active account uses is refused, `email_taken`). Audited
    (`user.update`, the fields changed); nothing is recorded when nothing changed. The username, the password and
    the roles are not touched.

    `expected_version` (the account page's): the `user_version` the form was drawn with; refused, nothing written,
    when it is empty (`version_required`) or the account changed since (`stale`). None: no condition."""
    user_model = get_user_model()
    if expected_version is not None:
        user = locked_at_version(
            user_model.objects.all(), user.pk, expected=expected_version, version_of=user_version,
            missing=MSG_ACCOUNT_VERSION_MISSING, changed=MSG_ACCOUNT_CHANGED,
        )
    full_name = " ".join(visible_text(full_name, field="full_name").split())
    email = visible_text(email, field="email")
    if not full_name:
        raise ValidationFailed(_("Hãy nhập họ và tên."), code="full_name_required", details={"field": "full_name"})
    problems = full_name_problems(full_name) + email_problems(email)
    if problems:
        raise ValidationFailed(" ".join(problems), code="invalid_account")
    email = user_model.objects.normalize_email(email)  # as `create_user` stores it: the domain in lower case
    if email.lower() != user.email.lower():  # its own address, in another case, is no other account's
        _refuse_email_taken(email, exclude_pk=user.pk, actor=actor)
    changes: dict[str, Any] = {}
    if full_name != full_name_of(user):
        changes["full_name"] = {"old": full_name_of(user), "new": full_name}
    if email != user.email:
        changes["email"] = {"old": user.email, "new": email}
    if not changes:
        return user
    user.first_name, user.last_name = name_parts(full_name)
    user.email = email
    user.save(update_fields=["first_name", "last_name", "email"])
    audit_record(actor=actor, action="user.update", object_type="User", object_id=user.pk, changes=changes,
                 reason=reason)
    return user


def _refuse_if_changed(user: Any, expected_version: str | None) -> Any:
    """The account read again under a lock, if it is still as `expected_version` says; refused otherwise (empty:
    `version_required`, changed: `stale`). None: no condition."""
    if expected_version is None:
        return user
    if not expected_version:
        raise ValidationFailed(MSG_ACCOUNT_VERSION_MISSING, code="version_required")
    locked = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user_version(locked) != expected_version:
        raise StaleVersion(MSG_ACCOUNT_CHANGED, code="stale")
    return locked


@transaction.atomic
def user_set_password(*, user: Any, password: str, actor: Any, expected_version: str | None = None) -> Any:
    """Set a new password chosen by an administrator (checked by the password validators). The user's open
    sessions end with it (Django signs each session with the password's hash), and so do the API keys issued to
    the user: a reset usually means the account was in other hands. The user must replace it at the next sign-in
    (`password_set_by`; not when the administrator resets their own). Audited, without the password.

    `expected_version` (the account page's): the `user_version` the reset was based on; refused, nothing written,
    when the account changed since (a colleague's reset would be silently replaced). None: no condition."""
    from scoring.tokens import api_tokens_revoke_for_user

    problems = password_problems(password, user)
    if problems:
        raise ValidationFailed(" ".join(problems), code="weak_password")
    user = _refuse_if_changed(user, expected_version)
    user.set_password(password)
    user.save(update_fields=["password"])
    api_tokens_revoke_for_user(user=user, actor=actor)  # each revocation audited
    audit_record(
        actor=actor,
        action="user.password_reset",
        object_type="User",
        object_id=user.pk,
        changes={"password": {"old": "•", "new": "•"}, **password_set_by(user=user, actor=actor)},
    )
    return user


def sessions_end(user: Any) -> int:
    """End every open session of `user` (the database sessions whose signed-in user it is); how many. Read one
    by one: a rare administrator's act, over the sessions not yet expired."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    ended = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000)
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


@transaction.atomic
def user_set_active(*, user: Any, active: bool, actor: Any, reason: str = "") -> Any:
    """Lock or unlock an account. Locking ends its open sessions and revokes its API keys (each revocation
    audited): unlocking a compromised account must not bring back a stolen cookie or key. Unlocking an account
    whose address another active account uses (one taken while it was locked) is refused (`email_taken`, the
    create and edit forms' rule): nothing changes."""
    from scoring.tokens import api_tokens_revoke_for_user

    if getattr(actor, "pk", None) == user.pk and not active:
        raise ValidationFailed(_("Không thể tự khoá tài khoản của chính mình."), code="self_deactivate")
    if active and not user.is_active:
        _refuse_email_taken(user.email, exclude_pk=user.pk, actor=actor)
    if user.is_active != active:
        old = user.is_active
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            sessions_end(user)
            api_tokens_revoke_for_user(user=user, actor=actor)
        audit_record(
            actor=actor,
            action="user.activate" if active else "user.deactivate",
            object_type="User",
            object_id=user.pk,
            changes={"is_active": {"old": old, "new": active}},
            reason=reason,
        )
    return user


@transaction.atomic
def role_assign(*, user: Any, role: str, unit: Unit | None, actor: Any, reason: str = "") -> RoleAssignment:
    _check_role(role, unit)
    if RoleAssignment.objects.filter(user=user, role=role, unit=unit).exists():
        raise ValidationFailed(_("Người dùng đã có vai trò này."), code="duplicate_role")
    assignment = RoleAssignment.objects.create(user=user, role=role, unit=unit)
    changes: dict[str, Any] = {
        "role": {"old": None, "new": role}, "unit": {"old": None, "new": unit.code if unit else None}
    }
    if role == RoleAssignment.Role.ADMINISTRATOR:
        changes.update(_admin_flags(user, administrator=True))
    audit_record(
        actor=actor,
        action="role.assign",
        object_type="User",
        object_id=user.pk,
        unit=unit,
        changes=changes,
        reason=reason,
    )
    return assignment


@transaction.atomic
def role_remove(*, assignment: RoleAssignment, actor: Any) -> None:
    """Take a role back. The user's API keys limited to that role are revoked with it (each revocation audited,
    `api_tokens_revoke_for_role`), even when the user keeps the role at another unit: a key never outlives the
    assignment it was issued under, nor comes back when the role is given again."""
    from scoring.tokens import api_tokens_revoke_for_role

    if assignment.role == RoleAssignment.Role.ADMINISTRATOR and getattr(actor, "pk", None) == assignment.user_id:
        raise ValidationFailed(_("Không thể tự bỏ quyền quản trị của chính mình."), code="self_demote")
    user_id, role, unit = assignment.user_id, assignment.role, assignment.unit
    assignment.delete()
    api_tokens_revoke_for_role(user_id=user_id, role=role, actor=actor, reason=role_taken_reason(role, unit))
    changes: dict[str, Any] = {
        "role": {"old": role, "new": None}, "unit": {"old": unit.code if unit else None, "new": None}
    }
    if role == RoleAssignment.Role.ADMINISTRATOR and not RoleAssignment.objects.filter(
        user_id=user_id, role=RoleAssignment.Role.ADMINISTRATOR
    ).exists():
        changes.update(_admin_flags(assignment.user, administrator=False))
    audit_record(
        actor=actor,
        action="role.remove",
        object_type="User",
        object_id=user_id,
        unit=unit,
        changes=changes,
    )
