"""The open-data documentation page: docs/open-data.md (the Vietnamese source, read by people in the repository
and served at /du-lieu-mo/) or its English translation docs/open-data.en.md on the English interface, turned into
HTML by Python-Markdown, once per change of the file. The files are the project's own, not users' input;
tests/publication/test_open_data_docs_languages.py keeps the two in step."""

from __future__ import annotations

import html as html_text
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import markdown
from django.conf import settings
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, override

SOURCE = ("docs", "open-data.md")
# The translations of SOURCE, by language code; any other language is served the Vietnamese source.
TRANSLATIONS = {"en": ("docs", "open-data.en.md")}
SOURCE_LANGUAGE = "vi"
# A wide table scrolls in its own box on a phone, reachable by the keyboard, as the project's other tables; the box
# and the table's caption (for a screen reader's list of tables) are named after the table's section.
_TABLE_OPEN = ('<div class="table-scroll" tabindex="0" role="region" aria-label="{label}"><table class="grid compact">'
               '<caption class="sr-only">{label}</caption>')


@dataclass(frozen=True)
class Document:
    title: str
    body: SafeString
    language: str = SOURCE_LANGUAGE


# A note for the people who edit the file (how the page is built, keeping the translation in step), not a reader.
_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)
# A heading, the start of a code block or of a table, in the order of the document.
_BLOCK = re.compile(r"<h(?P<level>[1-6])(?P<attrs>[^>]*)>(?P<text>.*?)</h(?P=level)>|<pre>|(?P<table><table>)", re.S)


def _accessible(html: str, *, title: str, language: str) -> str:
    """The document's HTML for a keyboard and a screen reader. Its headings never skip a level (WCAG 1.3.1): each is
    at most one below the heading before it, the page's title (h1) first, so a «###» right after the title reads
    as a section (h2), whatever level the file's author typed. A code block or a table, which scroll sideways on a
    phone, is a region the keyboard reaches and scrolls, named after the section it is in (a table before the first
    section: after the title), a table captioned so too; a section's second table is told apart by its number."""
    previous, section = 1, title
    tables: dict[str, int] = {}

    def fix(match: re.Match[str]) -> str:
        nonlocal previous, section
        if match.group("table"):
            tables[section] = tables.get(section, 0) + 1
            label = section if tables[section] == 1 else f"{section} ({tables[section]})"
            return _TABLE_OPEN.format(label=escape(label))
        if match.group("level") is None:  # a code block
            with override(language):
                label = gettext("Ví dụ — %(section)s") % {"section": section}
            return f'<pre tabindex="0" role="region" aria-label="{escape(label)}">'
        level = min(int(match.group("level")), previous + 1)
        previous, section = level, html_text.unescape(strip_tags(match.group("text"))).strip()
        return f"<h{level}{match.group('attrs')}>{match.group('text')}</h{level}>"

    return _BLOCK.sub(fix, html)


def render(text: str, *, language: str = SOURCE_LANGUAGE) -> Document:
    """The document's first `# ` heading (the page's title) and the rest as HTML (headings with ids, tables,
    fenced code, `_accessible`); its HTML comments (notes for maintainers) left out of the page."""
    lines = _COMMENT.sub("", text).splitlines()
    title = ""
    for n, line in enumerate(lines):
        if line.startswith("# "):
            title = line[2:].strip()
            del lines[n]
            break
    html = markdown.markdown("\n".join(lines), extensions=["tables", "fenced_code", "toc"], output_format="html")
    html = html.replace("</table>", "</table></div>")
    # Every table of the document has its column headers in one header row: said so to a screen reader (WCAG 1.3.1).
    html = re.sub(r"<th(?=[\s>])(?![^>]*\bscope=)", '<th scope="col"', html)
    html = _accessible(html, title=title, language=language)
    return Document(title=title, body=mark_safe(html), language=language)  # noqa: S308 — the project's own file


@lru_cache(maxsize=4)
def _rendered(path: Path, mtime: float, language: str) -> Document:
    return render(path.read_text(encoding="utf-8"), language=language)


def open_data_document(language: str | None = None) -> Document:
    """The documentation in `language` (default: the active one) as HTML: its translation when there is one,
    docs/open-data.md otherwise (rendered once per change of each file)."""
    code = (language or get_language() or SOURCE_LANGUAGE).split("-")[0].lower()
    if code not in TRANSLATIONS:
        code = SOURCE_LANGUAGE
    path = Path(settings.BASE_DIR).joinpath(*TRANSLATIONS.get(code, SOURCE))
    return _rendered(path, path.stat().st_mtime, code)
