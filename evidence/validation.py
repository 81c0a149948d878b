"""What an evidence file may be: its name (metadata only) and its content checked against its extension.

Pure functions over a name or an open binary file; no ORM. The content check reads only a bounded
prefix of the file (and, for zip-based formats, the central directory and one small entry), never
extracts anything, and never trusts the browser's content type.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _

MAX_NAME_LENGTH = 255
FALLBACK_NAME = "tai-lieu"

# Unicode categories dropped from a name: controls, format characters (e.g. the right-to-left override that
# makes "gpj.exe" look like "exe.jpg"), line and paragraph separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    label: str
    previewable: bool = False


FILE_TYPES: dict[str, FileType] = {
    t.extension: t
    for t in (
        FileType("pdf", "application/pdf", "PDF", previewable=True),
        FileType("doc", "application/msword", "Word 97–2003"),
        FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
        FileType("xls", "application/vnd.ms-excel", "Excel 97–2003"),
        FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
        FileType("odt", "application/vnd.oasis.opendocument.text", "OpenDocument Text"),
        FileType("ods", "application/vnd.oasis.opendocument.spreadsheet", "OpenDocument Spreadsheet"),
        FileType("jpg", "image/jpeg", "JPEG", previewable=True),
        FileType("png", "image/png", "PNG", previewable=True),
    )
}
EXTENSION_ALIASES = {"jpeg": "jpg"}
PREVIEWABLE_CONTENT_TYPES = frozenset(t.content_type for t in FILE_TYPES.values() if t.previewable)

MSG_BAD_EXTENSION = _(
    "Tệp «%(name)s» không thuộc loại được nhận. Chỉ nhận PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, JPG, PNG."
)
MSG_CONTENT_MISMATCH = _(
    "Nội dung tệp «%(name)s» không phải là tệp %(label)s như phần mở rộng .%(ext)s cho biết. "
    "Hãy kiểm tra lại tệp (có thể tệp bị đổi tên hoặc bị hỏng)."
)
# The content is of another accepted type than the name says (a PNG saved as "ảnh.jpg"): refused rather than
# stored under its real type, since the name the unit gave is what the appraisers see and download, and a name that
# says JPEG over PNG bytes is the same confusion for them; the unit is told exactly which name to give it.
MSG_CONTENT_RENAMED = _(
    "Tệp «%(name)s» có nội dung %(real)s nhưng phần mở rộng là .%(ext)s: hãy đổi tên thành «%(suggested)s» rồi tải "
    "lên lại."
)
# A web page, an RTF document or an Excel 2003 XML workbook under an Office name: what government software often
# exports as «.xls» or «.doc». Refused as any other mismatch (Excel and Word themselves warn before opening such a
# file, and an appraiser's viewer may not), but the unit hears what the file is and how to make it one that is
# accepted, instead of «renamed or damaged», which leaves it stuck.
MSG_EXPORT_RENAMED = _(
    "Tệp «%(name)s» là %(what)s được đặt tên .%(ext)s: hãy mở bằng %(app)s và lưu lại dưới dạng .%(target)s hoặc PDF "
    "rồi tải lên."
)
MSG_EMPTY = _("Tệp «%(name)s» rỗng (0 byte).")
MSG_TOO_LARGE = _("Tệp «%(name)s» vượt quá dung lượng cho phép (%(limit)s MB).")


def clean_name(raw: object) -> str:
    """The original name as safe metadata: NFC, no path parts, no control characters, at most 255 characters.

    Never refuses: a name that cleans to nothing becomes a neutral placeholder (keeping its extension).
    """
    text = unicodedata.normalize("NFC", str(raw or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    text = " ".join(text.split())  # tabs and runs of spaces become one space
    text = text.lstrip(" ").rstrip(". ")  # trailing dots are dropped by some file systems: "x.pdf." is "x.pdf"
    if text in {"", "."}:
        return FALLBACK_NAME
    if len(text) > MAX_NAME_LENGTH:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[: MAX_NAME_LENGTH - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:MAX_NAME_LENGTH]
    return text


# How a browser writes «"», CR and LF in a form's file name (the HTML standard's multipart/form-data encoding): the
# only three sequences it percent-encodes there, so the only three read back. A «%22» the person typed in the name
# itself cannot be told apart from a quote; it becomes one.
_BROWSER_ESCAPES = re.compile("%(22|0d|0a)", re.IGNORECASE)
_BROWSER_ESCAPED = {"22": '"', "0d": "\r", "0a": "\n"}


def client_name(raw: object) -> str:
    """The name an upload came with, as the person sees it: «%22», «%0D» and «%0A» (any case) decoded to the quote,
    CR and LF the browser encoded, then ``clean_name`` (which drops CR and LF with the other controls)."""
    text = _BROWSER_ESCAPES.sub(lambda m: _BROWSER_ESCAPED[m.group(1).lower()], str(raw or ""))
    return clean_name(text)


def extension_of(name: str) -> str:
    """The lower-case extension of a (clean) name, with aliases folded: "Ảnh.JPEG" → "jpg"."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return ""
    ext = ext.lower()
    return EXTENSION_ALIASES.get(ext, ext)


def file_type_for(name: str) -> FileType | None:
    return FILE_TYPES.get(extension_of(name))


def written_extension(name: str) -> str:
    """The extension as the name writes it, lower-case and not folded: "Ảnh.JPEG" → "jpeg" (what a message names)."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


# --- content sniffing ------------------------------------------------------------------------------------

_PDF = b"%PDF-"
_OLE = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP = b"PK\x03\x04"
_JPG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"

MAX_ZIP_ENTRIES = 20_000
PDF_TRAILER_WINDOW = 1024
MAX_OLE_DIRECTORY_SECTORS = 256
_ODF_MIMETYPES = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
_OOXML_PART = {"docx": "word/", "xlsx": "xl/"}
_OLE_STREAMS = {"doc": {"worddocument"}, "xls": {"workbook", "book"}}


def content_matches(extension: str, stream: BinaryIO) -> bool:
    """True when the bytes are really a file of this type (magic bytes, then the container's structure)."""
    stream.seek(0)
    head = stream.read(16)
    try:
        if extension == "pdf":
            return head.startswith(_PDF) and _has_pdf_trailer(stream)
        if extension == "jpg":
            return head.startswith(_JPG)
        if extension == "png":
            return head.startswith(_PNG)
        if extension in _OLE_STREAMS:
            return head.startswith(_OLE) and bool(_ole_stream_names(stream) & _OLE_STREAMS[extension])
        if extension in _OOXML_PART:
            return head.startswith(_ZIP) and _is_ooxml(stream, _OOXML_PART[extension])
        if extension in _ODF_MIMETYPES:
            return head.startswith(_ZIP) and _odf_mimetype(stream) == _ODF_MIMETYPES[extension]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError, struct.error, UnicodeDecodeError):
        return False
    finally:
        stream.seek(0)
    return False


def content_type_of(stream: BinaryIO) -> FileType | None:
    """The accepted type the bytes really are, None when none (each type's own check, `content_matches`)."""
    return next((t for t in FILE_TYPES.values() if content_matches(t.extension, stream)), None)


def content_refusal(name: str, stream: BinaryIO) -> str | None:
    """Why the content of a file called `name` is refused, None when it is of the type its extension says (or the
    extension is not accepted at all: refused for that, `MSG_BAD_EXTENSION`). Bytes of another accepted type name
    that type and the name to give the file; others name the extension as the file writes it (.jpeg, not .jpg)."""
    declared = file_type_for(name)
    if declared is None or content_matches(declared.extension, stream):
        return None
    ext = written_extension(name)
    real = content_type_of(stream)
    if real is not None:
        suggested = f"{name.rpartition('.')[0]}.{real.extension}"
        return str(MSG_CONTENT_RENAMED % {"name": name, "real": real.label, "ext": ext, "suggested": suggested})
    exported = _office_export(declared.extension, stream)
    if exported is not None:
        what, app, target = exported
        return str(MSG_EXPORT_RENAMED % {"name": name, "what": what, "ext": ext, "app": app, "target": target})
    return str(MSG_CONTENT_MISMATCH % {"name": name, "label": declared.label, "ext": ext})


# --- exports under an Office name ------------------------------------------------------------------------

EXPORT_WINDOW = 4096  # the bytes read to tell a web page, an RTF or an XML workbook (their markers come first)
_WORD_NAMES = {"doc", "docx", "odt"}
_SHEET_NAMES = {"xls", "xlsx", "ods"}
_HTML_MARKERS = ("<html", "<!doctype html", "<table", "<head", "<body", "<meta")


def _export_kind(stream: BinaryIO) -> str | None:
    """"html", "mhtml", "rtf" or "xml" (an Excel 2003 XML workbook) when the file's first bytes are one of those
    text formats, else None. Reads at most `EXPORT_WINDOW` bytes."""
    stream.seek(0)
    head = stream.read(EXPORT_WINDOW)
    # the markers are ASCII: Latin-1 reads them whatever the encoding (a UTF-8 BOM reads as "ï»¿", stripped below)
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = head.decode("utf-16", "ignore") if utf16 else head.decode("latin-1")
    text = text.lstrip("\ufeff\u00ef\u00bb\u00bf \t\r\n\x00").lower()
    if text.startswith("{\\rtf"):
        return "rtf"
    if text.startswith("mime-version:") and "multipart/related" in text:
        return "mhtml"
    if text.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in text:
        return "xml"
    if text.startswith("<") and any(marker in text for marker in _HTML_MARKERS):
        return "html"
    return None


def _office_export(extension: str, stream: BinaryIO) -> tuple[str, str, str] | None:
    """For a file named as an Office document whose content is a text export (`_export_kind`): what it is, the
    program to open it with and the extension to save it as ("trang HTML", "Excel", "xlsx"); None otherwise."""
    if extension not in _WORD_NAMES | _SHEET_NAMES:
        return None
    try:
        kind = _export_kind(stream)
    finally:
        stream.seek(0)
    if kind is None:
        return None
    what = {
        "html": _("trang HTML"),
        "mhtml": _("trang web lưu thành một tệp (MHTML)"),
        "rtf": _("văn bản RTF"),
        "xml": _("bảng tính XML (Excel 2003)"),
    }[kind]
    # an RTF is a text document and an XML workbook a spreadsheet, whatever their name says; a web page opens in
    # the program its name was meant for
    word = kind == "rtf" or (kind != "xml" and extension in _WORD_NAMES)
    return (str(what), "Word", "docx") if word else (str(what), "Excel", "xlsx")


def _has_pdf_trailer(stream: BinaryIO) -> bool:
    """A PDF ends with "%%EOF" (readers tolerate a little trailing data); a file that only starts like a PDF,
    e.g. an HTML page behind a PDF header, does not."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(max(0, size - PDF_TRAILER_WINDOW))
    return b"%%EOF" in stream.read(PDF_TRAILER_WINDOW)


def _zip_names(stream: BinaryIO) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    archive = zipfile.ZipFile(stream)  # reads the central directory only
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ValueError("too many zip entries")
    return archive, infos


def _is_ooxml(stream: BinaryIO, part_prefix: str) -> bool:
    archive, infos = _zip_names(stream)
    with archive:
        names = {info.filename for info in infos}
        return "[Content_Types].xml" in names and any(n.startswith(part_prefix) for n in names)


def _odf_mimetype(stream: BinaryIO) -> bytes:
    archive, infos = _zip_names(stream)
    with archive:
        if not infos or infos[0].filename != "mimetype" or infos[0].file_size > 200:
            return b""
        with archive.open(infos[0]) as entry:
            return entry.read(200).strip()


def _ole_stream_names(stream: BinaryIO) -> set[str]:
    """Names in an OLE2 compound file's directory (Word: WordDocument; Excel: Workbook or Book).

    Follows the directory's sector chain through the FAT with bounded reads; any inconsistency means "not
    a valid compound file" (empty set).
    """
    stream.seek(0)
    header = stream.read(512)
    if len(header) < 512:
        return set()
    sector_shift = struct.unpack_from("<H", header, 0x1E)[0]
    if sector_shift not in (9, 12):
        return set()
    sector_size = 1 << sector_shift
    first_dir_sector = struct.unpack_from("<I", header, 0x30)[0]
    difat: list[int] = list(struct.unpack_from("<109I", header, 0x4C))
    next_difat, difat_count = struct.unpack_from("<II", header, 0x44)
    per_sector = sector_size // 4

    def read_sector(index: int) -> bytes:
        stream.seek((index + 1) * sector_size)
        data = stream.read(sector_size)
        if len(data) < sector_size:
            raise ValueError("truncated sector")
        return data

    # Extra DIFAT sectors (only in large files); bounded by the count in the header.
    for _sector in range(min(difat_count, 1024)):
        if next_difat >= 0xFFFFFFFA:
            break
        values = struct.unpack(f"<{per_sector}I", read_sector(next_difat))
        difat.extend(values[:-1])
        next_difat = values[-1]
    fat_sectors = [s for s in difat if s < 0xFFFFFFFA]
    fat_cache: dict[int, tuple[int, ...]] = {}

    def next_sector(index: int) -> int:
        fat_index = index // per_sector
        if fat_index >= len(fat_sectors):
            raise ValueError("sector outside the FAT")
        if fat_index not in fat_cache:
            fat_cache[fat_index] = struct.unpack(f"<{per_sector}I", read_sector(fat_sectors[fat_index]))
        return fat_cache[fat_index][index % per_sector]

    names: set[str] = set()
    sector = first_dir_sector
    seen: set[int] = set()
    while sector < 0xFFFFFFFA and len(seen) < MAX_OLE_DIRECTORY_SECTORS:
        if sector in seen:
            raise ValueError("directory chain loops")
        seen.add(sector)
        data = read_sector(sector)
        for offset in range(0, sector_size, 128):
            entry = data[offset : offset + 128]
            name_length = struct.unpack_from("<H", entry, 64)[0]
            object_type = entry[66]
            if object_type in (1, 2, 5) and 2 <= name_length <= 64:
                names.add(entry[: name_length - 2].decode("utf-16-le").lower())
        sector = next_sector(sector)
    return names
