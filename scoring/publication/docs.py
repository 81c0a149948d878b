"""The open-data documentation page: docs/open-data.md (the one source, read by people in the repository and
served at /du-lieu-mo/) turned into HTML by Python-Markdown, once per change of the file. The file is the
project's own, not users' input."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import markdown
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe

SOURCE = ("docs", "open-data.md")
# A wide table scrolls in its own box on a phone, reachable by the keyboard, as the project's other tables.
_TABLE_OPEN = '<div class="table-scroll" tabindex="0" role="region" aria-label="{label}"><table class="grid compact">'


@dataclass(frozen=True)
class Document:
    title: str
    body: SafeString


def render(text: str) -> Document:
    """The document's first `# ` heading (the page's title) and the rest as HTML (headings with ids, tables,
    fenced code)."""
    lines = text.splitlines()
    title = ""
    for n, line in enumerate(lines):
        if line.startswith("# "):
            title = line[2:].strip()
            del lines[n]
            break
    html = markdown.markdown("\n".join(lines), extensions=["tables", "fenced_code", "toc"], output_format="html")
    html = html.replace("<table>", _TABLE_OPEN.format(label=title.replace('"', "&quot;"))).replace(
        "</table>", "</table></div>")
    return Document(title=title, body=mark_safe(html))  # noqa: S308 — the project's own file


@lru_cache(maxsize=2)
def _rendered(path: Path, mtime: float) -> Document:
    return render(path.read_text(encoding="utf-8"))


def open_data_document() -> Document:
    """docs/open-data.md as HTML (rendered once per change of the file)."""
    path = Path(settings.BASE_DIR).joinpath(*SOURCE)
    return _rendered(path, path.stat().st_mtime)
