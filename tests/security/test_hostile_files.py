"""Hostile files: evidence uploads (scripts, polyglots, lying names, path traversal) and the Excel/CSV import
paths (zip bombs, broken archives, impostors); then the exports, where stored text must come out inert
(formulas neutralised in the xlsx and CSV files, markup escaped in the public pages and the PDF report's HTML).

A refused file must leave no trace: the rows (score lines, audit entries, evidence files, survey imports,
indicators, units) and the files under the media folder are counted before and after.
"""

from __future__ import annotations

import datetime
import functools
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from appraisal.models import SurveyImport
from evidence.models import EvidenceFile
from scoring.models import Indicator, Unit
from tests.evidence import samples
from tests.security import test_hostile_input as base
from tests.security.conftest import World
from tests.security.test_hostile_input import FORMULAS, XSS, _api, _browser, _save_json, assert_vietnamese, state

shared_world = base.shared_world  # the same fixtures: one world per module, one savepoint per test
world = base.world

ALERT = re.compile(r'role="alert"[^>]*>(.*?)</', re.DOTALL)


def media_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def everything(media_root: Path) -> tuple[Any, ...]:
    return (state(), SurveyImport.objects.count(), Indicator.objects.count(), Unit.objects.count(),
            media_files(media_root))


def _alert_text(response: Any) -> str:
    found = ALERT.findall(response.content.decode())
    assert found, f"no error shown (status {response.status_code})"
    return " ".join(found)


# --- evidence uploads --------------------------------------------------------------------------------------------

POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"
REFUSED_UPLOADS = [
    ("svg-image", "so-do.svg", samples.SVG),
    ("svg-renamed-png", "so-do.png", samples.SVG),
    ("html-page", "bao-cao.html", samples.HTML),
    ("html-renamed-pdf", "bao-cao.pdf", samples.HTML),
    ("polyglot-named-html", "bao-cao.html", POLYGLOT),
    ("polyglot-pdf-header-html-body", "bao-cao.pdf", POLYGLOT),
    ("exe-renamed-pdf", "ke-hoach.pdf", samples.WINDOWS_EXE),
    ("elf-renamed-docx", "ke-hoach.docx", samples.ELF),
    ("zip-renamed-xlsx", "so-lieu.xlsx", samples.plain_zip()),
    ("double-extension", "ke-hoach.pdf.html", samples.pdf()),
    ("traversal-no-extension", "../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"),
    ("windows-traversal-exe", "..\\..\\Windows\\x.exe", samples.WINDOWS_EXE),
    ("nul-hides-extension", "ke-hoach.pdf\x00.html", samples.HTML),
    ("rtl-override-exe", "tai-lieu\u202efdp.exe", samples.WINDOWS_EXE),
    ("empty-pdf", "rong.pdf", b""),
]


def _upload_page(world: World, name: str, content: bytes) -> Any:
    url = reverse("evidence:upload", args=[world.assessments["own"].pk])
    upload = SimpleUploadedFile(name, content, "application/pdf")
    return _browser(world.users["unit_editor"]).post(url, {"files": [upload]}, HTTP_ACCEPT="application/json")


def _upload_api(world: World, name: str, content: bytes) -> Any:
    url = reverse("api:evidence_upload", args=[world.assessments["own"].pk])
    upload = SimpleUploadedFile(name, content, "application/pdf")
    return _api(world.users["unit_editor"]).post(url, {"file": upload}, format="multipart")


@pytest.mark.parametrize("channel", ["page", "api"])
@pytest.mark.parametrize(("name", "content"), [c[1:] for c in REFUSED_UPLOADS], ids=[c[0] for c in REFUSED_UPLOADS])
def test_hostile_evidence_file_is_refused(world: World, media_root: Path, channel: str, name: str,
                                          content: bytes) -> None:
    before = everything(media_root)
    response = (_upload_page if channel == "page" else _upload_api)(world, name, content)
    body = response.json()
    if channel == "page":  # several files at once: a per-file error list
        assert response.status_code in (200, 400), response.content[:300]
        assert body["files"] == [] and body["errors"], body
        assert_vietnamese(body["errors"][0]["message"])
    else:
        assert response.status_code in (400, 413, 422), response.content[:300]
        assert_vietnamese(body["message"])
    assert everything(media_root) == before


@pytest.mark.parametrize(("raw", "stored"), [
    ("../../etc/ke-hoach.pdf", "ke-hoach.pdf"),
    ("..\\..\\Windows\\ke-hoach.pdf", "ke-hoach.pdf"),
    ("/var/www/ke-hoach.pdf", "ke-hoach.pdf"),
    ("C:\\Users\\lan\\Kế hoạch.pdf", "Kế hoạch.pdf"),
], ids=["dotdot-slash", "dotdot-backslash", "absolute-posix", "absolute-windows"])
def test_a_path_in_the_file_name_is_dropped_and_nothing_lands_outside_storage(
    world: World, media_root: Path, tmp_path: Path, raw: str, stored: str
) -> None:
    outside = sorted(p for p in tmp_path.rglob("*") if p.is_file() and media_root not in p.parents)
    response = _upload_page(world, raw, samples.pdf())
    assert response.status_code in (200, 201), response.content[:300]
    assert EvidenceFile.objects.latest("pk").original_name == stored
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file() and media_root not in p.parents) == outside
    assert not Path("/etc/ke-hoach.pdf").exists()


def test_a_stored_pdf_is_served_as_a_download_never_as_a_page(world: World, media_root: Path) -> None:
    response = _upload_page(world, "ke-hoach.pdf", samples.pdf() + b"<html><script>alert(1)</script></html>")
    # A real PDF may carry trailing bytes (readers tolerate them), so it is accepted; it is never rendered as HTML.
    assert response.json()["files"], response.content[:300]
    file_id = response.json()["files"][0]["id"]
    download = _browser(world.users["unit_editor"]).get(reverse("evidence:download", args=[file_id]))
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    shown = _browser(world.users["unit_editor"]).get(reverse("evidence:preview", args=[file_id]))
    assert shown["Content-Type"] == "application/pdf"
    assert shown["Content-Security-Policy"] == "sandbox"


# --- Excel / CSV imports --------------------------------------------------------------------------------------------

CONTENT_TYPES = samples.CONTENT_TYPES


@functools.cache
def xlsx_bomb() -> bytes:
    """A real workbook whose sheet is padded to 70 MB of whitespace: a few hundred kilobytes on the wire, more
    than any import path accepts once expanded."""
    source = zipfile.ZipFile(io.BytesIO(samples.xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info.filename, data)
                continue
            head, tail = data.rsplit(b"</worksheet>", 1)
            with archive.open(info.filename, "w", force_zip64=True) as entry:
                entry.write(head)
                block = b" " * (1024 * 1024)
                for _ in range(70):
                    entry.write(block)
                entry.write(b"</worksheet>" + tail)
    return out.getvalue()


def _entity_bomb() -> bytes:
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                      for i in range(1, 10))
           + b']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b"<sheets><sheet name=\"&lol9;\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>")
    return samples._zip([("[Content_Types].xml", CONTENT_TYPES), ("xl/workbook.xml", lol)])


def _truncated() -> bytes:
    whole = samples.xlsx()
    return whole[: len(whole) // 2]


def _traversal_entry() -> bytes:
    return samples._zip([("[Content_Types].xml", CONTENT_TYPES), ("xl/workbook.xml", b"<workbook/>"),
                         ("../../../../tmp/evil.sh", b"#!/bin/sh\nrm -rf /\n")])


BAD_WORKBOOKS: list[tuple[str, str, Callable[[], bytes]]] = [
    ("zip-bomb", "bomb.xlsx", xlsx_bomb),
    ("xml-entity-bomb", "lol.xlsx", _entity_bomb),
    ("truncated-archive", "cat-doi.xlsx", _truncated),
    ("random-bytes", "rac.xlsx", lambda: bytes(range(256)) * 8),
    ("pdf-named-xlsx", "ke-hoach.xlsx", samples.pdf),
    ("html-named-xlsx", "trang.xlsx", lambda: samples.HTML),
    ("zip-without-workbook", "zip.xlsx", samples.plain_zip),
    ("zip-entry-traversal", "duong-dan.xlsx", _traversal_entry),
    ("legacy-ole-named-xlsx", "cu.xlsx", samples.xls),
    ("empty-file", "rong.xlsx", lambda: b""),
]


def _self_assessment(world: World, name: str, content: bytes) -> Any:
    url = reverse("scoring:sheet_upload", args=[world.assessments["own"].pk])
    return _browser(world.users["unit_editor"]).post(url, {"file": SimpleUploadedFile(name, content)})


def _indicator_set(world: World, name: str, content: bytes) -> Any:
    url = reverse("administration:set_import", args=[world.extra["clone"].pk])
    return _browser(world.users["administrator"]).post(url, {"file": SimpleUploadedFile(name, content)})


def _units(world: World, name: str, content: bytes) -> Any:
    url = reverse("administration:unit_import")
    return _browser(world.users["administrator"]).post(url, {"file": SimpleUploadedFile(name, content)})


def _survey(world: World, name: str, content: bytes) -> Any:
    url = reverse("appraisal:survey_import")
    return _browser(world.users["administrator"]).post(
        url, {"ky": world.cycle.pk, "file": SimpleUploadedFile(name, content)})


IMPORT_PATHS = {"self-assessment": _self_assessment, "indicator-set": _indicator_set, "units": _units,
                "survey": _survey}


@pytest.mark.parametrize("path", list(IMPORT_PATHS))
@pytest.mark.parametrize(("name", "make"), [c[1:] for c in BAD_WORKBOOKS], ids=[c[0] for c in BAD_WORKBOOKS])
def test_hostile_workbook_is_refused_on_every_import_path(world: World, media_root: Path, path: str, name: str,
                                                          make: Callable[[], bytes]) -> None:
    before = everything(media_root)
    response = IMPORT_PATHS[path](world, name, make())
    assert response.status_code in (400, 413, 422), (response.status_code, response.content[:300])
    assert_vietnamese(_alert_text(response))
    assert everything(media_root) == before
    assert not Path("/tmp/evil.sh").exists()


@pytest.mark.parametrize("payload", (*FORMULAS, "=1+1", "\x00=cmd"), ids=["hyperlink", "plus-cmd", "minus", "at-sum",
                                                                          "equals", "nul-formula"])
def test_survey_csv_with_formulas_or_control_characters_changes_no_score(world: World, media_root: Path,
                                                                          payload: str) -> None:
    before = everything(media_root)
    content = f"ma_don_vi,ma_tieu_chi,diem\nso-tai-chinh,{payload},1\n{payload},2.1.1,{payload}\n".encode()
    response = _survey(world, "dieu-tra.csv", content)
    assert response.status_code != 500
    if response.status_code == 302:  # a preview was made (and audited): it must list problems and score nothing
        survey = SurveyImport.objects.latest("pk")
        assert survey.problems
        assert state()[0] == before[0][0]
    else:
        assert response.status_code in (400, 422)
        assert_vietnamese(_alert_text(response))
        assert everything(media_root) == before


# --- exports: formulas neutralised, markup inert -------------------------------------------------------------------

def _cells(content: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(content))
    return [cell for ws in book.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]


def _assert_neutralised(cells: list[Any], payload: str) -> None:
    hits = [c for c in cells if isinstance(c.value, str) and payload in c.value]
    assert hits, f"{payload!r} is not in the export at all"
    for cell in hits:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
        # Either guarded by an apostrophe, or a string cell with Excel's quote-prefix mark (text as typed, and
        # still text when edited in Excel).
        assert not cell.value.startswith(("=", "+", "-", "@")) or cell.quotePrefix, (cell.coordinate, cell.value)


@pytest.mark.parametrize("export", ["scoring:report_xlsx", "scoring:sheet_xlsx"])
@pytest.mark.parametrize("field", ["note", "explanation"])
@pytest.mark.parametrize("payload", FORMULAS, ids=["hyperlink", "plus-cmd", "minus", "at-sum"])
def test_formula_typed_by_a_unit_is_neutralised_in_its_excel_files(world: World, export: str, field: str,
                                                                   payload: str) -> None:
    response = _save_json(world, "1.2.2", **{field: payload, "value": {"counts": {"a": "4", "b": "2", "c": "1"}}})
    assert response.status_code == 200, response.content[:300]
    download = _browser(world.users["unit_editor"]).get(reverse(export, args=[world.assessments["own"].pk]))
    assert download.status_code == 200
    _assert_neutralised(_cells(download.content), payload)


def _publish(world: World, unit_name: str, indicator_name: str) -> Any:
    """Take both assessments of the world to a publication whose snapshot carries the hostile names."""
    from appraisal.services import assessment_sign_off
    from scoring.models import Assessment, ScoreLine
    from scoring.publication.services import cycle_publish
    from scoring.services import index_result_recompute, score_line_appraise
    from tests.publication.conftest import finalisation_phase
    from tests.security.conftest import _move

    for unit in world.units.values():  # first in the cell, where a spreadsheet would take it for a formula
        Unit.objects.filter(pk=unit.pk).update(name=f"{unit_name} {unit.name}")
    Indicator.objects.filter(indicator_set=world.indicator_set, code="1.1.1").update(name=indicator_name)
    lead = world.users["lead"]
    _move(world.assessments["own"], "published", lead)
    other = world.assessments["other"]
    for line in ScoreLine.objects.filter(assessment=other):
        score_line_appraise(line=line, actor=None, base_version=line.version, value=line.self_value)
    assessment_sign_off(assessment=Assessment.objects.get(pk=other.pk), actor=lead)
    index_result_recompute(assessment_id=other.pk)
    return cycle_publish(cycle=finalisation_phase(world.cycle), document_number="Công văn số 4567/UBND-NC",
                         document_date=datetime.date(2020, 12, 8), actor=world.users["administrator"])


@pytest.mark.parametrize("payload", FORMULAS, ids=["hyperlink", "plus-cmd", "minus", "at-sum"])
def test_formula_in_published_names_is_neutralised_in_the_official_workbook_and_open_data(
    world: World, payload: str
) -> None:
    from scoring.publication.exports import criteria_rows, csv_rows, official_workbook

    publication = _publish(world, payload, payload)
    book = io.BytesIO()
    official_workbook(publication, book)
    _assert_neutralised(_cells(book.getvalue()), payload)
    for rows in (csv_rows, criteria_rows):
        cells = [v for row in rows(publication) for v in row if isinstance(v, str) and payload in v]
        assert cells, f"{payload!r} is not in the {rows.__name__} table"
        assert all(v.startswith("'") for v in cells), cells
    csv_text = _browser(world.users["administrator"]).get(
        reverse("api:open_csv", args=[world.cycle.year])).getvalue().decode("utf-8-sig")
    assert f",{payload}" not in csv_text and f"\n{payload}" not in csv_text


@pytest.mark.parametrize("payload", XSS, ids=["script", "img"])
def test_markup_in_published_names_is_escaped_in_public_pages_and_the_pdf_report(world: World, payload: str) -> None:
    from django.template.loader import render_to_string

    from scoring.publication.exports import report_context

    publication = _publish(world, payload, f"Kế hoạch {payload}")
    pages = [render_to_string("scoring/publication/report_pdf.html", report_context(publication))]
    anonymous = _browser(world.users["administrator"])
    anonymous.logout()
    for url in (reverse("publication:cycle", args=[world.cycle.year]),
                reverse("publication:unit", args=[world.cycle.year, world.units["own"].code])):
        response = anonymous.get(url)
        assert response.status_code == 200, url
        pages.append(response.content.decode())
    for html in pages:
        assert escape(payload) in html
        for dangerous in ("<script>alert(1)", "<img src=x", "onerror=alert(1)>"):
            assert dangerous not in html
