"""Back up the database and the evidence files into one folder with a SHA-256 manifest.

    python manage.py backup --output /path/to/backup-2020-12-31

The folder gets ``database.json`` (every table except content types, permissions, sessions and login
attempts, with primary keys kept so the audit chain's hashes stay valid), ``evidence/`` (a copy of the
content-addressed evidence store) and ``manifest.json`` (size and SHA-256 of every file). ``restore`` checks
the manifest before it loads anything.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from evidence.storage import evidence_root
from scoring.audit import verify_chain

DATABASE_FILE = "database.json"
EVIDENCE_DIR = "evidence"
MANIFEST_FILE = "manifest.json"
# Rebuilt by migrate (content types, permissions) or not worth keeping (sessions, login attempts).
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]
FORMAT_VERSION = 1


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def evidence_files(root: Path) -> list[Path]:
    """Stored evidence (not the temporary upload folder)."""
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp")


class Command(BaseCommand):
    help = "Back up the database and evidence files into a folder, with a SHA-256 manifest."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", required=True, help="folder to create (must not exist or be empty)")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["output"])
        if out.exists() and any(out.iterdir()):
            raise CommandError(f"Thư mục sao lưu {out} đã có dữ liệu; hãy chọn một thư mục mới.")
        out.mkdir(parents=True, exist_ok=True)

        chain = verify_chain()
        if not chain.ok:
            self.stderr.write(f"Cảnh báo: nhật ký thay đổi bị sai lệch từ mục #{chain.broken_id}: {chain.problem}")

        database = out / DATABASE_FILE
        call_command(
            "dumpdata", exclude=EXCLUDED, natural_foreign=True, indent=1, output=str(database), verbosity=0
        )
        files: dict[str, dict[str, Any]] = {DATABASE_FILE: {"size": database.stat().st_size,
                                                           "sha256": file_sha256(database)}}
        source = evidence_root()
        for path in evidence_files(source):
            relative = path.relative_to(source)
            target = out / EVIDENCE_DIR / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            files[f"{EVIDENCE_DIR}/{relative.as_posix()}"] = {"size": target.stat().st_size,
                                                              "sha256": file_sha256(target)}
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "audit_entries": chain.count,
            "audit_chain_ok": chain.ok,
            "files": files,
        }
        (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        self.stdout.write(f"OK {len(files) - 1} evidence files, database {files[DATABASE_FILE]['size']} bytes → {out}")
