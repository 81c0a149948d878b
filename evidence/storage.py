"""Content-addressed storage on the local media folder: ``MEDIA_ROOT/evidence/ab/cd/<sha256>``.

Bytes are streamed into a temporary file inside the same folder tree (so the final move is an atomic
rename on one file system), hashed and counted on the way, and refused as soon as they pass the limit.
No name given by a user ever becomes part of a path: the only path component that varies is the hash.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

logger = logging.getLogger(__name__)

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
TEMP_PREFIX = "upload-"
TEMP_SUFFIX = ".part"


def evidence_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "evidence"


def temp_dir() -> Path:
    path = evidence_root() / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def blob_path(sha256: str) -> Path:
    if not _SHA256.match(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return evidence_root() / sha256[:2] / sha256[2:4] / sha256


def max_upload_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


# A large upload's bytes start on their way to the disk every this many bytes, in a thread, while the next ones
# arrive: the flush that `finish` must wait for is then only the last stretch, not the whole file.
FLUSH_EVERY = 16 * 2**20


class Spool:
    """One upload on its way to storage: a temporary file, its running SHA-256 and size.

    ``write`` refuses (and drops what it had) the moment the size passes ``limit``, so an oversized upload
    never sits whole on disk or in memory. A storage that refuses the bytes (full, read-only, not writable)
    is recorded in ``error`` and the temporary file removed at once, never left behind. ``place`` renames it
    to its final, content-addressed path; ``discard`` removes it. Both are safe to call more than once.
    """

    def __init__(self, *, limit: int) -> None:
        self.path: Path | None = None
        self.file: BinaryIO = io.BytesIO()
        self.limit = limit
        self.size = 0
        self.too_large = False
        # The storage refused the bytes (full, read-only, no permission): recorded, not raised, so that an
        # upload handler in the middle of parsing a request can finish it and the service answer clearly.
        self.error: OSError | None = None
        self._hash = hashlib.sha256()
        self._flushed_at = 0  # bytes written when the last background flush started
        self._flusher: threading.Thread | None = None
        self._flush_error: OSError | None = None
        try:
            fd, name = tempfile.mkstemp(dir=temp_dir(), prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
        except OSError as exc:
            self._fail(exc)
            return
        self.path = Path(name)
        self.file = os.fdopen(fd, "w+b")

    def _fail(self, exc: OSError) -> None:
        logger.error("evidence storage refused an upload: %s", exc, extra={"errno": exc.errno})
        self.error = exc
        self.discard()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def write(self, chunk: bytes) -> bool:
        if self.too_large or self.error is not None:
            return False
        self.size += len(chunk)
        if self.size > self.limit:
            self.too_large = True
            self.discard()
            return False
        try:
            self.file.write(chunk)
        except OSError as exc:  # the disk filled up (or went read-only) in the middle of the file
            self._fail(exc)
            return False
        self._hash.update(chunk)
        if self.size - self._flushed_at >= FLUSH_EVERY and not self._flushing():
            self._flush_in_background()
        return True

    def _flushing(self) -> bool:
        return self._flusher is not None and self._flusher.is_alive()

    def _flush_in_background(self) -> None:
        """Hand what is written so far to the kernel, and let a thread wait for the disk (`fdatasync` lets go of
        the interpreter's lock): the receiving goes on meanwhile. One flush at a time; a refusal of the disk is
        kept for `finish`."""
        try:
            self.file.flush()
        except OSError as exc:
            self._flush_error = exc
            return
        self._flushed_at = self.size
        fd = self.file.fileno()

        def flush() -> None:
            try:
                os.fdatasync(fd)
            except OSError as exc:
                self._flush_error = exc

        self._flusher = threading.Thread(target=flush, name="evidence-flush", daemon=True)
        self._flusher.start()

    def _join_flusher(self) -> None:
        if self._flusher is not None:
            self._flusher.join()
            self._flusher = None

    def write_all(self, chunks: Iterable[bytes]) -> None:
        for chunk in chunks:
            if not self.write(chunk):
                break
        self.finish()

    def finish(self) -> None:
        """Flush the bytes to disk and rewind; a refusal by the storage is recorded in ``error``."""
        if self.file.closed:
            return
        self._join_flusher()
        try:
            if self._flush_error is not None:
                raise self._flush_error
            self.file.flush()
            os.fsync(self.file.fileno())  # only what the background flushes have not yet put on the disk
        except OSError as exc:
            self._fail(exc)
            return
        self.file.seek(0)

    def place(self, final: Path) -> None:
        """Atomically move the bytes to ``final`` (replacing an identical leftover copy if there is one)."""
        if self.path is None:
            raise RuntimeError("nothing to place")
        self.finish()
        final.parent.mkdir(parents=True, exist_ok=True)
        self.file.close()
        os.replace(self.path, final)
        self.path = None

    def discard(self) -> None:
        self._join_flusher()  # the thread holds the file's descriptor: it must be done before the file is closed
        try:
            if not self.file.closed:
                self.file.close()  # flushes what is buffered: fails again on a full disk, and still closes
        except OSError:
            pass
        finally:
            if self.path is not None:
                self.path.unlink(missing_ok=True)
                self.path = None


def open_blob(sha256: str) -> BinaryIO:
    return blob_path(sha256).open("rb")


def remove_blob(sha256: str) -> None:
    blob_path(sha256).unlink(missing_ok=True)


def stored_hashes() -> Iterable[tuple[str, Path]]:
    """Every content file under the evidence folder (for the sweep), as (sha256, path)."""
    root = evidence_root()
    if not root.exists():
        return
    for path in root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
        if _SHA256.match(path.name) and path.is_file():
            yield path.name, path


def stale_temp_files(*, older_than_seconds: int) -> list[Path]:
    """Temporary upload files left by a crashed process (a live upload touches its file continuously)."""
    root = evidence_root() / "tmp"
    if not root.exists():
        return []
    cutoff = time.time() - older_than_seconds
    return [p for p in root.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}") if p.is_file() and p.stat().st_mtime < cutoff]
