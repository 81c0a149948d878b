"""The evidence pack's file names: a long name is shortened before its extension (never «….pd»), Vietnamese letters
and ordinary punctuation («–», parentheses, commas) are kept as the unit typed them, only the characters a file
system refuses are replaced, each name fits a file system's 255 bytes, and names stay unique within a folder."""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from scoring.models import Publication, ScoreLine, Unit
from scoring.publication import exports

pytestmark = pytest.mark.django_db

LONG = ("Báo cáo kết quả thực hiện công tác cải cách hành chính năm 2020 của Sở Y tế tỉnh Tiền Giang – kèm theo "
        "danh sách các thủ tục hành chính được rà soát, đơn giản hoá và công bố lại trong năm theo kế hoạch số 12")
PUNCTUATED = "Kế hoạch – CCHC (đợt 1), bản số 2 & phụ lục [A] 'mới'; 100% #3 @tỉnh.docx"


def _attach(admin_user: Any, code: str, name: str, content: bytes) -> None:
    """A file of Sở Y tế's library, named `name`, linked to its line `code` (stored as the upload stores it)."""
    from evidence.models import EvidenceBlob, EvidenceFile, EvidenceLink
    from evidence.storage import blob_path

    sha = hashlib.sha256(content).hexdigest()
    path = blob_path(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    blob = EvidenceBlob.objects.create(sha256=sha, size=len(content), content_type="application/pdf")
    line = ScoreLine.objects.select_related("assessment").get(assessment__unit__code="so-y-te", indicator__code=code)
    evidence = EvidenceFile.objects.create(blob=blob, unit=line.assessment.unit, cycle=line.assessment.cycle,
                                           original_name=name, uploaded_by=admin_user)
    EvidenceLink.objects.create(evidence_file=evidence, score_line=line, linked_by=admin_user)


def _pack(publication: Publication, tmp_path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    pack = tmp_path / "pack.zip"
    exports.evidence_pack(publication, Unit.objects.get(code="so-y-te").pk, pack)
    with zipfile.ZipFile(pack) as zf:
        names = [n for n in zf.namelist() if n != "tong-hop.xlsx"]
        summary = list(load_workbook(io.BytesIO(zf.read("tong-hop.xlsx"))).active.iter_rows(values_only=True))
    return names, summary


def test_a_long_name_keeps_its_extension_and_fits_a_file_system(
    publication: Publication, admin_user: Any, tmp_path: Path
) -> None:
    # given two files with the same long Vietnamese name on one criterion
    _attach(admin_user, "1.1.1", f"{LONG} bản 1.pdf", b"%PDF-1.4 one")
    _attach(admin_user, "1.1.1", f"{LONG} bản 2.pdf", b"%PDF-1.4 two")
    # when
    names, summary = _pack(publication, tmp_path)
    # then
    assert len(names) == 2 and len(set(names)) == 2
    for name in names:
        folder, file_name = name.split("/")
        assert folder == "1.1.1"
        assert file_name.endswith(".pdf"), file_name
        assert len(file_name.encode("utf-8")) <= 255
        assert len(file_name) <= 124
        assert file_name[3:].startswith("Báo cáo kết quả thực hiện công tác cải cách hành chính"), file_name
    # the summary names the files as the pack does
    assert sorted(r[3] for r in summary[3:] if r[0] == "1.1.1") == sorted(names)


def test_a_name_keeps_its_vietnamese_letters_and_ordinary_punctuation(
    publication: Publication, admin_user: Any, tmp_path: Path
) -> None:
    _attach(admin_user, "1.2.1", PUNCTUATED, b"PK docx")
    _attach(admin_user, "1.2.2", unicodedata.normalize("NFD", "Quyết định: số 5*.pdf"), b"%PDF-1.4 three")
    names, _summary = _pack(publication, tmp_path)
    assert f"1.2.1/01-{PUNCTUATED}" in names
    # the characters Windows refuses in a name are replaced, and a name typed on a Mac is stored composed
    assert "1.2.2/01-Quyết định_ số 5_.pdf" in names


def test_a_name_of_only_refused_characters_or_with_a_long_extension_still_makes_a_usable_file(
    publication: Publication, admin_user: Any, tmp_path: Path
) -> None:
    _attach(admin_user, "2.1.1", "???.pdf", b"%PDF-1.4 four")
    _attach(admin_user, "2.2.1", "tai-lieu.d" + "o" * 245, b"%PDF-1.4 six")  # 255 characters, as stored at most
    names, _summary = _pack(publication, tmp_path)
    assert "2.1.1/01-___.pdf" in names
    long_extension = next(n for n in names if n.startswith("2.2.1/"))
    assert len(long_extension.split("/")[1].encode("utf-8")) <= 255


def test_a_pack_kept_by_the_earlier_code_is_built_again_on_the_next_request(
    publication: Publication, unit_editor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.test import Client

    from scoring.models import ExportJob

    client = Client()
    client.force_login(unit_editor)
    url = "/ket-qua/2020/don-vi/so-y-te/ho-so-minh-chung/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    job = ExportJob.objects.get(kind="evidence", status=ExportJob.Status.DONE)
    # given the pack kept under the name the earlier code gave it (its files' names cut)
    exports.job_path(job).rename(exports.exports_root() / f"{job.pk}-{job.file_name}")
    # when the unit asks again
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    # then it is built again, not served as it was
    rebuilt = ExportJob.objects.filter(kind="evidence", status=ExportJob.Status.DONE).exclude(pk=job.pk).get()
    assert exports.job_path(rebuilt).exists()
