"""Bulk imports of units and users from Excel rows: every row valid, or nothing written."""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from scoring.administration.services.common import nfc
from scoring.administration.services.users import account_problems, role_unit_problem, user_create
from scoring.administration.validators import code_problems
from scoring.errors import DomainError, ValidationFailed
from scoring.models import (
    RankingGroup,
    RoleAssignment,
    Unit,
    UnitKind,
    UserImport,
)
from scoring.services import audit_record

logger = logging.getLogger("scoring.administration")


@dataclass
class RowProblem:
    row: int
    messages: list[str] = field(default_factory=list)


def _long_cell_problems(row: Mapping[str, Any]) -> list[str]:
    """A text cell longer than the import reads is refused, never cut short."""
    from scoring.administration.xlsx import long_cell_problems

    return long_cell_problems(row)


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


UNIT_CODE_MAX, UNIT_NAME_MAX, UNIT_SHORT_NAME_MAX = 40, 255, 60  # the Unit model's lengths
TRUE_WORDS = {"1", "true", "có", "co", "x", "yes"}
FALSE_WORDS = {"0", "false", "không", "khong", "no"}


def _active_flag(raw: Any) -> bool | None:
    """The `active` column: empty (active), 1/0 and their words; None for anything else."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    word = nfc(raw).casefold()
    if word == "" or word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _name_key(name: Any) -> str:
    return " ".join(nfc(name).casefold().split())


@transaction.atomic
def units_import(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> int:
    """Create units from rows {row, code, name, short_name, kind, group, parent, active}; all rows valid (by the
    unit form's rules) or nothing."""
    rows = list(rows)
    kinds = {k.code: k for k in UnitKind.objects.all()}
    groups = {g.code: g for g in RankingGroup.objects.all()}
    existing = {u.code: u for u in Unit.objects.all()}
    seen: set[str] = set()
    problems: list[RowProblem] = []
    names = {_name_key(name) for name in Unit.objects.filter(active=True).values_list("name", flat=True)}
    active: dict[int, bool] = {}
    seen_active: dict[str, bool] = {}  # the rows' units, by code: in activity or not
    for row in rows:
        p = RowProblem(row=row["row"], messages=_formula_problems(row) + _long_cell_problems(row))
        texts = _row_texts(row, ("code", "name", "short_name", "kind", "group", "parent", "active"), p.messages)
        code = texts["code"].lower()
        name = texts["name"]
        if (not code and _is_blank(row.get("code"))) or (not name and _is_blank(row.get("name"))):
            p.messages.append(_("Thiếu mã hoặc tên đơn vị."))
        if code:  # the unit form's rules: a code is used in public addresses
            p.messages.extend(code_problems(code))
            if len(code) > UNIT_CODE_MAX:
                p.messages.append(_("Mã đơn vị dài quá %(n)s ký tự.") % {"n": UNIT_CODE_MAX})
        if len(name) > UNIT_NAME_MAX:
            p.messages.append(_("Tên đơn vị dài quá %(n)s ký tự.") % {"n": UNIT_NAME_MAX})
        if len(texts["short_name"]) > UNIT_SHORT_NAME_MAX:
            p.messages.append(_("Tên viết tắt dài quá %(n)s ký tự.") % {"n": UNIT_SHORT_NAME_MAX})
        if code and (code in existing or code in seen):
            p.messages.append(_("Mã đơn vị «%(code)s» bị trùng.") % {"code": code})
        if name and _name_key(name) in names:
            p.messages.append(_("Tên đơn vị «%(name)s» bị trùng với một đơn vị khác.") % {"name": name})
        names.add(_name_key(name))
        if texts["kind"] not in kinds and (texts["kind"] or _is_blank(row.get("kind"))):
            p.messages.append(_("Loại đơn vị «%(k)s» không tồn tại.") % {"k": texts["kind"]})
        if texts["group"] and texts["group"] not in groups:
            p.messages.append(_("Khối xếp hạng «%(g)s» không tồn tại.") % {"g": texts["group"]})
        parent = texts["parent"].lower()
        if parent and parent == code:
            p.messages.append(_("Đơn vị cấp trên không thể là chính nó («%(p)s»).") % {"p": parent})
        elif parent and parent not in existing and parent not in seen:
            p.messages.append(_("Đơn vị cấp trên «%(p)s» không tồn tại (phải đứng trước).") % {"p": parent})
        elif parent and not (existing[parent].active if parent in existing else seen_active.get(parent, True)):
            # as the unit form and the API: a unit hangs below a unit still in activity
            p.messages.append(_("Đơn vị cấp trên «%(p)s» đã ngừng hoạt động.") % {"p": parent})
        seen.add(code)
        flag = _active_flag(row.get("active") if isinstance(row.get("active"), bool | int | float) else texts["active"])
        if flag is None:
            p.messages.append(
                _("Cột «active» là «%(v)s»: chỉ nhận 1 (đang hoạt động) hoặc 0 (ngừng hoạt động), để trống là 1.")
                % {"v": texts["active"]}
            )
        active[row["row"]] = bool(flag) if flag is not None else True
        seen_active[code] = active[row["row"]]
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
            active=active[row["row"]],
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


USER_COLUMNS = ("username", "full_name", "email", "password", "role", "unit", "active")


@dataclass
class UserRowPlan:
    """What one row of a users file changes: a new account, a role added, an account locked or unlocked (or
    nothing). `changes` are the Vietnamese lines the preview shows."""

    row: int
    username: str
    create: bool = False
    role: str = ""
    unit_code: str = ""
    add_role: bool = False
    active: bool | None = None  # the account's new state; None: unchanged
    changes: list[str] = field(default_factory=list)


def _row_texts(row: Mapping[str, Any], keys: Iterable[str], messages: list[str]) -> dict[str, str]:
    """The row's text cells as stored (`nfc`); a cell with a hidden or control character is that row's problem
    (named by its column) and reads as empty, so the other cells and rows are still checked."""
    texts: dict[str, str] = {}
    for key in keys:
        try:
            texts[key] = nfc(row.get(key))
        except ValidationFailed as exc:
            messages.append(_("Cột «%(col)s»: %(why)s") % {"col": key, "why": exc.message})
            texts[key] = ""
    return texts


def _is_blank(raw: Any) -> bool:
    """Whether a cell is empty (a cell refused for a hidden character is not: its own message says why)."""
    try:
        return not nfc(raw)
    except ValidationFailed:
        return False


def _full_name(user: Any) -> str:
    return " ".join(" ".join(part for part in (user.first_name, user.last_name) if part).split())


def users_import_plan(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> list[UserRowPlan]:
    """What a users file would change, row by row, or ValidationFailed naming every bad row (nothing written).

    The file is the users list's download: a row per role (the account's name, e-mail and state repeated). A new
    username makes an account (it needs a password and a role; its later rows may add roles). A username that
    exists keeps its password, name and e-mail (the password cell stays empty; the name and e-mail, when given,
    must be the account's); its row may add a role, and its `active` cell (1/0, empty: unchanged) locks or unlocks
    it by the users page's rules (an administrator does not lock their own account)."""
    user_model = get_user_model()
    rows = list(rows)
    units = _active_units()
    accounts = {user.username.lower(): user for user in user_model.objects.all()}
    held = {
        (user_id, role, code or "")
        for user_id, role, code in RoleAssignment.objects.values_list("user_id", "role", "unit__code")
    }
    problems: list[RowProblem] = []
    plans: list[UserRowPlan] = []
    new_names: set[str] = set()
    roles_in_file: set[tuple[str, str, str]] = set()
    wanted_state: dict[str, tuple[int, bool]] = {}  # username: (first row, state) of the rows that say one
    for row in rows:
        p = RowProblem(row=row["row"], messages=_formula_problems(row) + _long_cell_problems(row))
        texts = _row_texts(row, ("username", "full_name", "email", "role", "unit", "active"), p.messages)
        username = user_model.normalize_username(texts["username"])  # as the account stores it
        key = username.lower()
        password = str(row.get("password") or "")
        plan = UserRowPlan(row=row["row"], username=username)
        existing = accounts.get(key)
        role, unit_code = texts["role"], texts["unit"].lower()
        unit = units.get(unit_code)
        if not username:
            if _is_blank(row.get("username")):
                p.messages.append(_("Thiếu tên đăng nhập."))
        elif existing is None and key not in new_names:
            plan.create = True
            new_names.add(key)
            # The create form's rules (username characters and length, name length, e-mail, password).
            p.messages.extend(account_problems(
                username=username, full_name=texts["full_name"], email=texts["email"], password=password,
            ))
            if not role:
                p.messages.append(_("Tài khoản mới cần một vai trò."))
        elif password:  # an existing account, or a new one already made by an earlier row
            p.messages.append(
                _("Tên đăng nhập «%(u)s» bị trùng.") % {"u": username} if existing is None else _(
                    "Tài khoản «%(u)s» đã có: để trống cột password (mật khẩu được đặt lại ở trang của người dùng)."
                ) % {"u": username}
            )
        if existing is not None:
            if texts["full_name"] and " ".join(texts["full_name"].split()) != _full_name(existing):
                p.messages.append(_(
                    "Họ và tên «%(n)s» khác với tài khoản «%(u)s» («%(old)s»); nhập Excel không đổi họ tên."
                ) % {"n": texts["full_name"], "u": username, "old": _full_name(existing)})
            if texts["email"] and texts["email"].lower() != existing.email.lower():
                p.messages.append(_(
                    "Thư điện tử «%(e)s» khác với tài khoản «%(u)s» («%(old)s»); nhập Excel không đổi thư điện tử."
                ) % {"e": texts["email"], "u": username, "old": existing.email})
        if unit_code and unit is None:
            p.messages.append(_("Đơn vị «%(u)s» không tồn tại hoặc đã ngừng hoạt động.") % {"u": unit_code})
        if role:
            if role not in RoleAssignment.Role.values:
                p.messages.append(_("Vai trò «%(r)s» không hợp lệ.") % {"r": role})
            else:
                # an unknown unit code is reported above: not also as a missing one
                problem = role_unit_problem(role, bool(unit_code))
                if problem:
                    p.messages.append(problem)
                elif username:
                    if (key, role, unit_code) in roles_in_file:
                        p.messages.append(_("Vai trò này của «%(u)s» đã có ở một dòng trên.") % {"u": username})
                    roles_in_file.add((key, role, unit_code))
                    plan.role, plan.unit_code = role, unit_code
                    plan.add_role = existing is None or (existing.pk, role, unit_code) not in held
        elif unit_code:
            p.messages.append(_("Có mã đơn vị nhưng thiếu vai trò."))
        flag = _active_flag(texts["active"]) if texts["active"] else None
        if texts["active"] and flag is None:
            p.messages.append(
                _("Cột «active» là «%(v)s»: chỉ nhận 1 (đang hoạt động) hoặc 0 (khoá), để trống là không đổi "
                  "(tài khoản mới: đang hoạt động).") % {"v": texts["active"]}
            )
        if flag is not None and username:
            first = wanted_state.setdefault(key, (row["row"], flag))
            if first[1] != flag:
                p.messages.append(_("Dòng %(r)s ghi trạng thái khác cho «%(u)s».") % {"r": first[0], "u": username})
            elif existing is not None and existing.pk == getattr(actor, "pk", None) and not flag:
                p.messages.append(_("Không thể tự khoá tài khoản của chính mình."))
            elif first[0] == row["row"] and (existing.is_active if existing is not None else True) != flag:
                plan.active = flag
        if not p.messages:
            if plan.create:
                plan.changes.append(_("Tạo tài khoản mới"))
            if plan.add_role:
                label = RoleAssignment.Role(plan.role).label
                plan.changes.append(
                    _("Thêm vai trò «%(r)s» tại «%(u)s»") % {"r": label, "u": unit.name}
                    if unit else _("Thêm vai trò «%(r)s»") % {"r": label}
                )
            if plan.active is not None:
                plan.changes.append(_("Mở khoá tài khoản") if plan.active else _("Khoá tài khoản"))
        problems.append(p)
        plans.append(plan)
    _raise_rows(problems)
    return plans


def _active_units() -> dict[str, Unit]:
    return {u.code: u for u in Unit.objects.filter(active=True)}


@dataclass(frozen=True)
class UserImportCounts:
    """What an applied users file did: accounts made, roles added (each new account's first role, made with the
    account, aside), accounts locked and unlocked."""

    created: int = 0
    roles_added: int = 0
    locked: int = 0
    unlocked: int = 0


def users_import(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> int:
    """Apply a users file (see `users_import_apply`); returns how many accounts were made."""
    return users_import_apply(rows=rows, actor=actor).created


@transaction.atomic
def users_import_apply(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> UserImportCounts:
    """Apply a users file (see `users_import_plan`): all rows valid or nothing. New accounts through
    `user_create`, roles through `role_assign`, locking and unlocking through `user_set_active` (the users page's
    services: each change audited). Returns what was done. Each new password is hashed (about 0.4 s each): a
    worker runs it for a file (`user_import_start`)."""
    from scoring.administration.services.users import role_assign, user_set_active

    rows = list(rows)
    plans = users_import_plan(rows=rows, actor=actor)
    units = _active_units()
    user_model = get_user_model()
    created = roles_added = locked = unlocked = 0
    for row, plan in zip(rows, plans, strict=True):
        unit = units.get(plan.unit_code) if plan.unit_code else None
        if plan.create:
            user = user_create(
                username=plan.username,
                full_name=nfc(row.get("full_name")),
                email=nfc(row.get("email")),
                password=str(row["password"]),
                role=plan.role,
                unit=unit,
                actor=actor,
            )
            created += 1
        else:
            user = user_model.objects.get(username__iexact=plan.username)
            if plan.add_role:
                role_assign(user=user, role=plan.role, unit=unit, actor=actor)
                roles_added += 1
        if plan.active is not None:
            user_set_active(user=user, active=plan.active, actor=actor)
            if plan.active:
                unlocked += 1
            else:
                locked += 1
    return UserImportCounts(created=created, roles_added=roles_added, locked=locked, unlocked=unlocked)


def _import_path(job_id: int) -> Path:
    """Where a pending import's rows wait for the worker: private (never served), readable by the owner only."""
    return Path(settings.MEDIA_ROOT) / "private" / "imports" / f"users-{job_id}.json"


PREVIEW_PREFIX = "users-preview-"
_PREVIEW_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")  # what `secrets.token_urlsafe` makes: safe in a file name
MSG_PREVIEW_GONE = _l("Không còn bản xem trước của tệp này (đã nhập hoặc đã hết phiên); hãy tải tệp lên lại.")


class ImportStorageFailed(DomainError):
    """The server could not keep the rows on its disk; nothing was started."""

    status = 503
    code = "storage_failed"


def _preview_file(key: str) -> Path:
    """Where a previewed file's rows wait for their confirmation, beside the jobs' rows."""
    return Path(settings.MEDIA_ROOT) / "private" / "imports" / f"{PREVIEW_PREFIX}{key}.json"


def _preview_path(key: Any) -> Path | None:
    """`_preview_file`, or None for a key that `user_import_preview_hold` never makes."""
    if not isinstance(key, str) or not _PREVIEW_KEY.fullmatch(key):
        return None
    return _preview_file(key)


def _write_private(path: Path, rows: list[Mapping[str, Any]]) -> None:
    """Rows (with the initial passwords) to a new file readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
        json.dump(rows, out, ensure_ascii=False, default=str)


def user_import_preview_hold(*, rows: Iterable[Mapping[str, Any]]) -> str:
    """Keep a checked users file's rows until the administrator confirms its preview, and return the random key
    that names them (the caller keeps the key, e.g. in the session: never the rows, which hold the initial
    passwords). The rows go to a private file readable by the owner only; it is removed when the preview is
    confirmed (`user_import_confirm`), replaced (`user_import_preview_drop`), or left unconfirmed past
    `WORKER_JOB_TIMEOUT_MINUTES` (the periodic sweep, `user_imports_abandon`). ImportStorageFailed when the file
    cannot be written (nothing kept)."""
    key = secrets.token_urlsafe(24)
    path = _preview_file(key)
    try:
        _write_private(path, list(rows))
    except OSError as exc:
        logger.exception("user import preview: the rows could not be written")
        path.unlink(missing_ok=True)
        raise ImportStorageFailed(_("Không lưu được tệp để nhập; hãy thử lại.")) from exc
    return key


def user_import_preview_drop(*, key: Any) -> None:
    """Forget a held preview (a new file replaces it): its rows' file is removed."""
    path = _preview_path(key)
    if path is not None:
        path.unlink(missing_ok=True)


def user_import_confirm(*, key: Any, actor: Any) -> UserImport:
    """Start the import of a held preview (`user_import_start`, which checks the rows again), and remove the
    preview's file. ValidationFailed (MSG_PREVIEW_GONE) when no preview is held under `key` (confirmed already,
    replaced, or swept); a refusal of the rows leaves the preview held as it was. The file is taken by renaming it
    first, so that two confirmations of one preview (a double click) start one import."""
    path = _preview_path(key)
    if path is None:
        raise ValidationFailed(MSG_PREVIEW_GONE, code="preview_gone")
    taken = path.with_name(f"{path.stem}.{secrets.token_hex(8)}.taken")
    try:
        os.rename(path, taken)
    except FileNotFoundError as exc:
        raise ValidationFailed(MSG_PREVIEW_GONE, code="preview_gone") from exc
    try:
        text = taken.read_text(encoding="utf-8")
    except FileNotFoundError as exc:  # swept meanwhile (held past the sweep's limit)
        raise ValidationFailed(MSG_PREVIEW_GONE, code="preview_gone") from exc
    try:
        job = user_import_start(rows=json.loads(text), actor=actor)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.rename(taken, path)  # refused: the preview stays as it was
        raise
    taken.unlink(missing_ok=True)
    return job


def _previews_abandon(*, before: datetime.datetime) -> int:
    """Remove the held previews (and any half-taken one) written before `before`: never confirmed."""
    folder = Path(settings.MEDIA_ROOT) / "private" / "imports"
    removed = 0
    for path in folder.glob(f"{PREVIEW_PREFIX}*"):
        try:
            if path.stat().st_mtime < before.timestamp():
                path.unlink()
                removed += 1
        except FileNotFoundError:  # confirmed or replaced meanwhile
            continue
    return removed


@transaction.atomic
def user_import_start(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> UserImport:
    """Check every row now (a refusal names each bad row and writes nothing, as `users_import`), then leave the
    accounts to a worker (`user_import_run`): hashing a few hundred initial passwords outlasts a web request.
    The rows (with the passwords) wait in a private file written once the job is committed; the worker removes
    it."""
    rows = list(rows)
    users_import_plan(rows=rows, actor=actor)
    job = UserImport.objects.create(rows=len(rows), requested_by=actor if getattr(actor, "pk", None) else None)

    def hand_over() -> None:
        from scoring.tasks import user_import_run_task

        path = _import_path(job.pk)
        try:
            _write_private(path, rows)
        except OSError:
            logger.exception("user import %s: the rows could not be written", job.pk)
            UserImport.objects.filter(pk=job.pk).update(
                status=UserImport.Status.FAILED, error=_("Không lưu được tệp để nhập; hãy thử lại."),
                finished_at=timezone.now(),
            )
            return
        user_import_run_task.delay(job.pk)

    transaction.on_commit(hand_over)
    return job


def user_import_run(*, job_id: int) -> None:
    """The worker's part of an import: the accounts of a pending job, all or none; its outcome on the job. A job
    that is not pending (done, failed, or taken by another worker) is left alone. The rows' file is removed
    whatever happens."""
    claimed = UserImport.objects.filter(pk=job_id, status=UserImport.Status.PENDING).update(
        status=UserImport.Status.RUNNING
    )
    if not claimed:
        return
    job = UserImport.objects.select_related("requested_by").get(pk=job_id)
    path = _import_path(job_id)
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        with transaction.atomic():  # the accounts and "done" together: a job still running made none
            done = users_import_apply(rows=rows, actor=job.requested_by)
            UserImport.objects.filter(pk=job_id).update(
                status=UserImport.Status.DONE, created=done.created, roles_added=done.roles_added,
                locked=done.locked, unlocked=done.unlocked, finished_at=timezone.now(),
            )
    except DomainError as exc:  # the data changed since the check (a username taken meanwhile, a unit closed)
        UserImport.objects.filter(pk=job_id).update(
            status=UserImport.Status.FAILED, error=str(exc.message), finished_at=timezone.now(),
            problems=exc.details if isinstance(exc.details, list) else [],
        )
    except Exception:
        logger.exception("user import %s failed", job_id)
        UserImport.objects.filter(pk=job_id).update(
            status=UserImport.Status.FAILED, error=_("Lỗi khi tạo tài khoản; không tài khoản nào được tạo."),
            finished_at=timezone.now(),
        )
    finally:
        path.unlink(missing_ok=True)


def user_imports_abandon(*, before: datetime.datetime) -> int:
    """Imports asked for before `before` and still pending or running: their worker died, or the queue lost
    them. Each is marked failed (it made no account: the accounts and "done" are written together) and its
    rows' file, with the initial passwords, is removed. Previews held since before `before` and never confirmed
    are removed too (their files hold the initial passwords as well). Returns how many imports were given up.
    Run by the periodic sweep."""
    previews = _previews_abandon(before=before)
    if previews:
        logger.info("user import previews removed (never confirmed): %s", previews, extra={"removed": previews})
    stuck = list(UserImport.objects.filter(
        status__in=[UserImport.Status.PENDING, UserImport.Status.RUNNING], created_at__lt=before
    ).values_list("pk", flat=True))
    for job_id in stuck:
        UserImport.objects.filter(
            pk=job_id, status__in=[UserImport.Status.PENDING, UserImport.Status.RUNNING]
        ).update(status=UserImport.Status.FAILED, finished_at=timezone.now(),
                 error=_("Máy chủ không xử lý xong yêu cầu; không tài khoản nào được tạo. Hãy nhập lại tệp."))
        _import_path(job_id).unlink(missing_ok=True)
    if stuck:
        logger.warning("user imports abandoned (never finished): %s", stuck)
    return len(stuck)
