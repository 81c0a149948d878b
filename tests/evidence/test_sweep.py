"""The sweep removes leftovers of interrupted uploads and never a file still in use."""

from __future__ import annotations

import hashlib
import io
import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from evidence import storage
from tests.evidence.conftest import stored_files

pytestmark = pytest.mark.django_db


def _age(path: Path, seconds: int) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_the_sweep_removes_old_leftovers_and_keeps_content_in_use(stored_pdf: Any, media_root: Path) -> None:
    in_use = storage.blob_path(stored_pdf.blob.sha256)
    orphan_sha = hashlib.sha256(b"orphan").hexdigest()
    orphan = storage.blob_path(orphan_sha)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"orphan")
    stale = storage.Spool(limit=100)
    stale.write(b"half an upload")
    stale.file.close()
    fresh = storage.Spool(limit=100)
    for path in (in_use, orphan, stale.path):
        _age(path, 7200)

    out = io.StringIO()
    call_command("evidence_sweep", stdout=out)

    assert set(stored_files(media_root)) == {in_use, fresh.path}
    assert "1 temporary, 1 unreferenced" in out.getvalue()
    fresh.discard()


def test_the_sweep_dry_run_removes_nothing(media_root: Path) -> None:
    stale = storage.Spool(limit=100)
    stale.file.close()
    _age(stale.path, 7200)
    call_command("evidence_sweep", "--dry-run", stdout=io.StringIO())
    assert stored_files(media_root) == [stale.path]
