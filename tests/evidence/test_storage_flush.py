"""The spool's background flushes: a large upload is put on the disk while it arrives, and what it keeps is
still exactly the bytes received; a disk that refuses during a background flush refuses the upload."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from evidence import storage
from tests.evidence.conftest import stored_files


def test_a_large_upload_is_flushed_while_it_arrives_and_kept_whole(media_root: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(storage, "FLUSH_EVERY", 64)
    flushed: list[int] = []
    real = os.fdatasync

    def counted(fd: int) -> None:
        flushed.append(fd)
        real(fd)

    monkeypatch.setattr(storage.os, "fdatasync", counted)
    chunks = [bytes([n]) * 40 for n in range(10)]
    spool = storage.Spool(limit=10_000)
    for chunk in chunks:
        assert spool.write(chunk)
    spool.finish()
    assert flushed, "no flush started while the bytes arrived"
    assert spool.error is None
    assert spool.sha256 == hashlib.sha256(b"".join(chunks)).hexdigest()
    final = storage.blob_path(spool.sha256)
    spool.place(final)
    assert final.read_bytes() == b"".join(chunks)
    assert stored_files(media_root) == [final]


def test_a_disk_refusing_a_background_flush_refuses_the_upload_and_leaves_nothing(
    media_root: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(storage, "FLUSH_EVERY", 64)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.os, "fdatasync", full)
    spool = storage.Spool(limit=10_000)
    for _ in range(4):
        spool.write(b"x" * 40)
    temp = spool.path
    spool.finish()
    assert isinstance(spool.error, OSError) and spool.error.errno == errno.ENOSPC
    assert temp is not None and not temp.exists()
    assert stored_files(media_root) == []
    with pytest.raises(RuntimeError):
        spool.place(storage.blob_path("0" * 64))
