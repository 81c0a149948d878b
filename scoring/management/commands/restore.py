"""Restore a backup made by ``backup`` into an empty, migrated database.

    python manage.py migrate && python manage.py restore --input /path/to/backup-2020-12-31

Every file is checked against the manifest (size and SHA-256) before anything is loaded; the database rows
are loaded in one transaction; the evidence files are copied and checked again; finally the audit chain is
verified. Refuses a database that already holds units, users or audit entries.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from evidence.storage import evidence_root
from scoring.audit import verify_chain
from scoring.management.commands.backup import DATABASE_FILE, EVIDENCE_DIR, MANIFEST_FILE, file_sha256
from scoring.models import AuditEntry, Unit


class Command(BaseCommand):
    help = "Restore a backup folder (database and evidence files) into an empty database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--input", required=True, help="folder written by the backup command")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["input"])
        manifest_path = source / MANIFEST_FILE
        if not manifest_path.is_file():
            raise CommandError(f"Không tìm thấy {MANIFEST_FILE} trong {source}.")
        try:
            files: dict[str, dict[str, Any]] = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
        except (ValueError, KeyError) as exc:
            raise CommandError(f"{MANIFEST_FILE} không hợp lệ: {exc}") from exc
        if DATABASE_FILE not in files:
            raise CommandError(f"{MANIFEST_FILE} không liệt kê {DATABASE_FILE}.")

        evidence: list[tuple[Path, PurePosixPath]] = []
        for name, meta in files.items():
            relative = PurePosixPath(name)
            if relative.is_absolute() or ".." in relative.parts:
                raise CommandError(f"Tên tệp không hợp lệ trong {MANIFEST_FILE}: {name!r}")
            path = source / relative
            if not path.is_file() or path.stat().st_size != meta["size"] or file_sha256(path) != meta["sha256"]:
                raise CommandError(f"Tệp {name} bị thiếu hoặc không khớp mã SHA-256 trong {MANIFEST_FILE}.")
            if relative.parts[0] == EVIDENCE_DIR and len(relative.parts) > 1:
                evidence.append((path, PurePosixPath(*relative.parts[1:])))

        if Unit.objects.exists() or AuditEntry.objects.exists() or get_user_model().objects.exists():
            raise CommandError("Cơ sở dữ liệu không trống: chỉ khôi phục vào một cơ sở dữ liệu mới (đã migrate).")

        with transaction.atomic():
            call_command("loaddata", str(source / DATABASE_FILE), verbosity=0)

        target_root = evidence_root()
        for path, relative in evidence:
            target = target_root / Path(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            if file_sha256(target) != files[f"{EVIDENCE_DIR}/{relative.as_posix()}"]["sha256"]:
                raise CommandError(f"Sao chép {relative} thất bại: mã SHA-256 không khớp.")

        chain = verify_chain()
        if not chain.ok:
            raise CommandError(
                f"Đã khôi phục nhưng nhật ký thay đổi sai lệch tại mục #{chain.broken_id}: {chain.problem}"
            )
        self.stdout.write(f"OK restored {len(evidence)} evidence files; audit chain OK {chain.count} entries")
