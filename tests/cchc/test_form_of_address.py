"""The pages and their scripts address the user one way, «anh/chị» (as the conflict messages, the confirmations and
the stale-page notices do), never «bạn» beside it."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
# «bạn» as a word, not inside «bạn bè» or another word
BAN = re.compile(r"(?<![\wÀ-ỹ])[Bb]ạn(?![\wÀ-ỹ])(?! bè)")


def _texts() -> list[Path]:
    return sorted([*(BASE / "templates").rglob("*.html"), *(BASE / "static" / "js").glob("*.js")])


def test_no_page_or_script_says_ban_to_the_user() -> None:
    found = [f"{path.relative_to(BASE)}:{n}: {line.strip()[:120]}"
             for path in _texts()
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if BAN.search(line)]
    assert found == []


def test_the_sheets_conflict_sentence_reads_naturally() -> None:
    script = (BASE / "static" / "js" / "self-assessment.js").read_text(encoding="utf-8")
    assert "Ô mà cả anh/chị và người kia cùng sửa: %s." in script
    assert "Ô cả bạn và người sửa cùng sửa" not in script
