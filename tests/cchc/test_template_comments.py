"""Django's `{# … #}` comment ends on its own line: one spanning lines is printed as text to whoever reads the page
(a public page showed its developer's note this way). Longer notes use `{% comment %}`."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_template_has_a_one_line_comment_spanning_lines() -> None:
    opened_not_closed = re.compile(r"\{#(?:(?!#\}).)*$", re.MULTILINE)
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if opened_not_closed.search(line)
    ]
    assert offenders == []

