"""Names are cleaned (never refused); content must really be of the type its extension claims."""

from __future__ import annotations

import io

import pytest

from evidence.validation import clean_name, content_matches, extension_of, file_type_for
from tests.evidence import samples

GENUINE = {
    "pdf": samples.pdf(),
    "doc": samples.doc(),
    "docx": samples.docx(),
    "xls": samples.xls(),
    "xlsx": samples.xlsx(),
    "odt": samples.odf("text"),
    "ods": samples.odf("spreadsheet"),
    "jpg": samples.jpg(),
    "png": samples.png(),
}


@pytest.mark.parametrize("extension", sorted(GENUINE))
def test_each_accepted_type_is_recognised_by_its_content(extension: str) -> None:
    assert content_matches(extension, io.BytesIO(GENUINE[extension]))


@pytest.mark.parametrize("extension", sorted(GENUINE))
def test_no_accepted_type_passes_as_another(extension: str) -> None:
    for other, content in GENUINE.items():
        if other != extension:
            assert not content_matches(extension, io.BytesIO(content)), f"{other} content passed as .{extension}"


IMPOSTORS = [
    ("a PNG renamed .pdf", "pdf", samples.png()),
    ("an HTML page renamed .pdf", "pdf", samples.HTML),
    ("an SVG image renamed .pdf", "pdf", samples.SVG),
    ("an SVG image renamed .png", "png", samples.SVG),
    ("an HTML page renamed .jpg", "jpg", samples.HTML),
    ("a zip without the OOXML parts renamed .docx", "docx", samples.plain_zip()),
    ("a zip without the OOXML parts renamed .xlsx", "xlsx", samples.plain_zip()),
    ("a zip without a mimetype renamed .odt", "odt", samples.plain_zip()),
    ("a Linux executable renamed .pdf", "pdf", samples.ELF),
    ("a Windows executable renamed .doc", "doc", samples.WINDOWS_EXE),
    ("a Windows executable renamed .docx", "docx", samples.WINDOWS_EXE),
    ("an OLE file without any Office stream renamed .doc", "doc", samples.ole("Something")),
    ("a truncated OLE header renamed .xls", "xls", samples.xls()[:300]),
    ("a PDF with an HTML prefix", "pdf", samples.HTML + samples.pdf()),
    ("a truncated zip renamed .docx", "docx", samples.docx()[:40]),
    ("an unknown extension", "exe", samples.WINDOWS_EXE),
]


@pytest.mark.parametrize(("case", "extension", "content"), IMPOSTORS, ids=[c[0] for c in IMPOSTORS])
def test_content_that_does_not_match_its_extension_is_refused(case: str, extension: str, content: bytes) -> None:
    assert not content_matches(extension, io.BytesIO(content))


def test_the_content_check_leaves_the_stream_at_its_start() -> None:
    stream = io.BytesIO(samples.docx())
    content_matches("docx", stream)
    assert stream.tell() == 0


NAMES = [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\Windows\\system32\\x.docx", "x.docx"),
    ("C:\\Users\\lan\\Kế hoạch.pdf", "Kế hoạch.pdf"),
    ("bao\x00cao\x1f.pdf", "baocao.pdf"),
    ("tai\u202egpj.exe", "taigpj.exe"),
    ("line\nbreak\t.pdf", "linebreak.pdf"),
    ("  trailing dots.pdf...  ", "trailing dots.pdf"),
    ("..", "tai-lieu"),
    ("", "tai-lieu"),
    # NFD (decomposed) Vietnamese becomes NFC
    ("Ke\u0302\u0301 hoa\u0323ch.pdf", "Kế hoạch.pdf"),
]


@pytest.mark.parametrize(("raw", "expected"), NAMES)
def test_names_are_cleaned_of_paths_and_control_characters(raw: str, expected: str) -> None:
    assert clean_name(raw) == expected


def test_a_300_character_name_is_cut_to_255_keeping_its_extension() -> None:
    name = clean_name("Báo cáo " + "x" * 300 + ".docx")
    assert len(name) == 255
    assert name.endswith("x.docx")
    assert file_type_for(name) is not None


@pytest.mark.parametrize(
    ("name", "extension"),
    [("Ảnh.JPEG", "jpg"), ("a.Pdf", "pdf"), ("noext", ""), (".pdf", ""), ("x.tar.gz", "gz")],
)
def test_extensions_are_lower_case_with_aliases_folded(name: str, extension: str) -> None:
    assert extension_of(name) == extension
