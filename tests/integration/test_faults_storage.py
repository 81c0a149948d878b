"""Evidence storage that refuses the bytes in the middle of an upload, against a real server process: the sender
gets a clear Vietnamese error, nothing of the upload remains (no file, no row, no audit entry) and the next
upload after the fault is stored normally.

Two faults, both effective when the tests run as root (where removing write permission stops nothing):
- a full disk: the server's worker gets a file size limit (RLIMIT_FSIZE, set from outside with prlimit, with
  SIGXFSZ ignored in the worker), so writing past it fails with EFBIG as a full disk fails with ENOSPC;
- an unwritable storage folder: the folder the file's content belongs in is a regular file, so creating it fails.
"""

from __future__ import annotations

import hashlib
import resource
from pathlib import Path
from typing import Any

import pytest

from evidence.models import EvidenceBlob, EvidenceFile
from scoring.models import AuditEntry
from tests.evidence import samples
from tests.integration.conftest import AppServer, Reply
from tests.integration.test_faults_database import _multipart

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Gunicorn calls this in every worker it forks: a write past the file size limit then fails with EFBIG instead
# of killing the process (the default action of SIGXFSZ).
GUNICORN_HOOKS = """
import signal


def post_fork(server, worker):
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
"""
LIMIT = 256 * 1024  # bytes a worker may write into one file while the "disk is full"


def _pdf(label: str, size: int) -> bytes:
    """A valid PDF of about `size` bytes."""
    words = f"{label} " * (size // (len(label) + 1))
    return samples.pdf(words)


def _server(app_server: Any, tmp_path: Path) -> AppServer:
    hooks = tmp_path / "faults_gunicorn.py"
    hooks.write_text(GUNICORN_HOOKS, encoding="utf-8")
    return app_server(workers=1, threads=2, env={"GUNICORN_CMD_ARGS": f"--config {hooks}"})


def _worker_pids(server: AppServer) -> list[int]:
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    assert children, "the server has no worker process"
    return [int(pid) for pid in children]


def _limit_file_size(server: AppServer, limit: int) -> None:
    for pid in _worker_pids(server):
        _soft, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, hard))


def _stored(media: Path) -> list[Path]:
    """Every file under the evidence folder, temporary ones included."""
    root = media / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _upload_page(client: Any, assessment: Any, name: str, content: bytes) -> Reply:
    body, content_type = _multipart({}, {"files": (name, content, "application/pdf")})
    return client.request("POST", f"/tai-lieu/danh-gia/{assessment.pk}/tai-len/", body=body,
                          headers={"Content-Type": content_type, "Accept": "application/json"})


def _upload_api(client: Any, assessment: Any, name: str, content: bytes) -> Reply:
    body, content_type = _multipart({}, {"file": (name, content, "application/pdf")})
    return client.request("POST", f"/api/v1/assessments/{assessment.pk}/evidence/upload/", body=body,
                          headers={"Content-Type": content_type, "Accept": "application/json"})


def _uploads_recorded() -> int:
    return AuditEntry.objects.filter(action="evidence.upload").count()


def test_a_full_disk_during_an_upload_leaves_nothing_and_the_next_upload_succeeds(
    app_server: Any, tmp_path: Path, assessment: Any, unit_editor: Any
) -> None:
    # given a server whose worker may not write more than LIMIT bytes into a file: the disk is "full"
    server = _server(app_server, tmp_path)
    media = tmp_path / "media"
    client = server.signed_in(unit_editor)
    content = _pdf("Ke hoach CCHC", 4 * LIMIT)
    _limit_file_size(server, LIMIT)
    # when a file larger than what is left is uploaded, from the page and through the API
    page = _upload_page(client, assessment, "Kế hoạch CCHC.pdf", content)
    api = _upload_api(client, assessment, "Kế hoạch CCHC.pdf", content)
    # then both answer 507 with a Vietnamese message naming the file
    assert page.status == 507, page.text[:500]
    assert page.json()["code"] == "storage_full"
    message = page.json()["errors"][0]["message"]
    assert "Không lưu được «Kế hoạch CCHC.pdf»: bộ nhớ lưu trữ của máy chủ đã đầy" in message
    assert api.status == 507, api.text[:500]
    assert api.json()["code"] == "storage_full" and "bộ nhớ lưu trữ của máy chủ đã đầy" in api.json()["message"]
    # and nothing of the uploads remains: no partial temporary file, no row, no audit entry
    assert _stored(media) == []
    assert (EvidenceBlob.objects.count(), EvidenceFile.objects.count(), _uploads_recorded()) == (0, 0, 0)
    # when space is freed and the same file is sent again
    _limit_file_size(server, resource.RLIM_INFINITY)
    again = _upload_page(client, assessment, "Kế hoạch CCHC.pdf", content)
    # then it is stored whole, once
    assert again.status == 200 and again.json()["ok"] is True, again.text[:500]
    sha256 = hashlib.sha256(content).hexdigest()
    blob = media / "evidence" / sha256[:2] / sha256[2:4] / sha256
    assert _stored(media) == [blob] and blob.read_bytes() == content
    assert EvidenceFile.objects.get().blob_id == sha256
    assert _uploads_recorded() == 1


def test_an_unwritable_storage_folder_leaves_nothing_and_the_next_upload_succeeds(
    app_server: Any, tmp_path: Path, assessment: Any, unit_editor: Any
) -> None:
    # given a server with one file already stored
    server = _server(app_server, tmp_path)
    media = tmp_path / "media"
    client = server.signed_in(unit_editor)
    first = _pdf("Bao cao quy 1", 2048)
    assert _upload_page(client, assessment, "Báo cáo quý 1.pdf", first).status == 200
    kept = _stored(media)
    first_shard = hashlib.sha256(first).hexdigest()[:2]
    # and a second file whose content folder cannot be created (a regular file stands where it should be)
    label = "Bao cao quy 2"
    second = _pdf(label, 2048)
    while hashlib.sha256(second).hexdigest()[:2] == first_shard:
        label += "."
        second = _pdf(label, 2048)
    sha256 = hashlib.sha256(second).hexdigest()
    blocker = media / "evidence" / sha256[:2]
    blocker.write_bytes(b"")
    # when the second file is uploaded through the API and from the page
    api = _upload_api(client, assessment, "Báo cáo quý 2.pdf", second)
    page = _upload_page(client, assessment, "Báo cáo quý 2.pdf", second)
    # then both answer 503 with a Vietnamese message that says the file was not stored
    assert api.status == 503, api.text[:500]
    assert api.json()["code"] == "storage_unavailable"
    assert "Không lưu được «Báo cáo quý 2.pdf»: máy chủ không ghi được vào thư mục lưu trữ" in api.json()["message"]
    assert page.status == 503 and page.json()["code"] == "storage_unavailable", page.text[:500]
    assert "Tệp chưa được lưu" in page.json()["errors"][0]["message"]
    # and nothing of it remains: the blob row written before the move was rolled back, the temporary file removed
    assert _stored(media) == sorted([*kept, blocker])
    assert not EvidenceBlob.objects.filter(sha256=sha256).exists()
    assert (EvidenceBlob.objects.count(), EvidenceFile.objects.count(), _uploads_recorded()) == (1, 1, 1)
    # when the folder is writable again
    blocker.unlink()
    again = _upload_api(client, assessment, "Báo cáo quý 2.pdf", second)
    # then the upload succeeds
    assert again.status == 201, again.text[:500]
    assert (media / "evidence" / sha256[:2] / sha256[2:4] / sha256).read_bytes() == second
    assert (EvidenceFile.objects.count(), _uploads_recorded()) == (2, 2)
