"""Bulk imports of units and users from Excel rows: every row valid, or nothing written."""

from __future__ import annotations

import datetime
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
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
        p = RowProblem(row=row["row"], messages=_formula_problems(row))
        code = nfc(row.get("code")).lower()
        name = nfc(row.get("name"))
        if not code or not name:
            p.messages.append(_("Thiếu mã hoặc tên đơn vị."))
        if code:  # the unit form's rules: a code is used in public addresses
            p.messages.extend(code_problems(code))
            if len(code) > UNIT_CODE_MAX:
                p.messages.append(_("Mã đơn vị dài quá %(n)s ký tự.") % {"n": UNIT_CODE_MAX})
        if len(name) > UNIT_NAME_MAX:
            p.messages.append(_("Tên đơn vị dài quá %(n)s ký tự.") % {"n": UNIT_NAME_MAX})
        if len(nfc(row.get("short_name"))) > UNIT_SHORT_NAME_MAX:
            p.messages.append(_("Tên viết tắt dài quá %(n)s ký tự.") % {"n": UNIT_SHORT_NAME_MAX})
        if code in existing or code in seen:
            p.messages.append(_("Mã đơn vị «%(code)s» bị trùng.") % {"code": code})
        if name and _name_key(name) in names:
            p.messages.append(_("Tên đơn vị «%(name)s» bị trùng với một đơn vị khác.") % {"name": name})
        names.add(_name_key(name))
        if nfc(row.get("kind")) not in kinds:
            p.messages.append(_("Loại đơn vị «%(k)s» không tồn tại.") % {"k": row.get("kind")})
        if nfc(row.get("group")) and nfc(row.get("group")) not in groups:
            p.messages.append(_("Khối xếp hạng «%(g)s» không tồn tại.") % {"g": row.get("group")})
        parent = nfc(row.get("parent")).lower()
        if parent and parent == code:
            p.messages.append(_("Đơn vị cấp trên không thể là chính nó («%(p)s»).") % {"p": parent})
        elif parent and parent not in existing and parent not in seen:
            p.messages.append(_("Đơn vị cấp trên «%(p)s» không tồn tại (phải đứng trước).") % {"p": parent})
        elif parent and not (existing[parent].active if parent in existing else seen_active.get(parent, True)):
            # as the unit form and the API: a unit hangs below a unit still in activity
            p.messages.append(_("Đơn vị cấp trên «%(p)s» đã ngừng hoạt động.") % {"p": parent})
        seen.add(code)
        flag = _active_flag(row.get("active"))
        if flag is None:
            p.messages.append(
                _("Cột «active» là «%(v)s»: chỉ nhận 1 (đang hoạt động) hoặc 0 (ngừng hoạt động), để trống là 1.")
                % {"v": nfc(row.get("active"))}
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


def _users_rows_check(rows: list[Mapping[str, Any]], units: Mapping[str, Unit]) -> None:
    """Every row valid, or ValidationFailed naming each bad row (nothing written)."""
    user_model = get_user_model()
    taken = {name.lower() for name in user_model.objects.values_list("username", flat=True)}
    problems: list[RowProblem] = []
    for row in rows:
        p = RowProblem(row=row["row"], messages=_formula_problems(row))
        username = user_model.normalize_username(nfc(row.get("username")))  # as the account stores it
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
        else:
            # an unknown unit code is reported above: not also as a missing one
            problem = role_unit_problem(role, bool(unit_code))
            if problem:
                p.messages.append(problem)
        # The create form's rules (username characters and length, name length, e-mail, password).
        p.messages.extend(account_problems(
            username=username, full_name=nfc(row.get("full_name")), email=nfc(row.get("email")),
            password=str(row.get("password") or ""),
        ))
        problems.append(p)
    _raise_rows(problems)


def _active_units() -> dict[str, Unit]:
    return {u.code: u for u in Unit.objects.filter(active=True)}


@transaction.atomic
def users_import(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> int:
    """Create users from rows {row, username, full_name, email, password, role, unit}; all valid or nothing.
    Each password is hashed (about 0.4 s each): a worker runs it for a file (`user_import_start`)."""
    rows = list(rows)
    units = _active_units()
    _users_rows_check(rows, units)
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


def _import_path(job_id: int) -> Path:
    """Where a pending import's rows wait for the worker: private (never served), readable by the owner only."""
    return Path(settings.MEDIA_ROOT) / "private" / "imports" / f"users-{job_id}.json"


@transaction.atomic
def user_import_start(*, rows: Iterable[Mapping[str, Any]], actor: Any) -> UserImport:
    """Check every row now (a refusal names each bad row and writes nothing, as `users_import`), then leave the
    accounts to a worker (`user_import_run`): hashing a few hundred initial passwords outlasts a web request.
    The rows (with the passwords) wait in a private file written once the job is committed; the worker removes
    it."""
    rows = list(rows)
    _users_rows_check(rows, _active_units())
    job = UserImport.objects.create(rows=len(rows), requested_by=actor if getattr(actor, "pk", None) else None)

    def hand_over() -> None:
        from scoring.tasks import user_import_run_task

        path = _import_path(job.pk)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
                json.dump(rows, out, ensure_ascii=False, default=str)
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
            created = users_import(rows=rows, actor=job.requested_by)
            UserImport.objects.filter(pk=job_id).update(
                status=UserImport.Status.DONE, created=created, finished_at=timezone.now()
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
    rows' file, with the initial passwords, is removed. Returns how many. Run by the periodic sweep."""
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
