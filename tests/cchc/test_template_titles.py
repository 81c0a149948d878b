"""A page's `<title>` is text: the tab, the history and a screen reader read it as it is. Markup pasted into the
`title` block (the publish page carried its two script tags there) is shown and read out as characters."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TITLE_BLOCK = re.compile(r"\{%\s*block title\s*%\}(.*?)\{%\s*endblock", re.DOTALL)


def test_no_title_block_holds_markup() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {block.strip()[:80]}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for block in TITLE_BLOCK.findall(path.read_text(encoding="utf-8"))
        if "<" in block or "\n" in block.strip()
    ]
    assert offenders == []
