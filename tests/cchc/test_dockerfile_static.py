"""The image collects the static files as production serves them: with DEBUG off, the settings pick the manifest
storage, which needs `staticfiles.json` for every page it renders; collected with DEBUG on, there is none and every
page answers 500."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _collectstatic_line() -> str:
    lines = [line for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
             if line.startswith("RUN ") and "collectstatic" in line]
    assert len(lines) == 1, lines
    return lines[0].removeprefix("RUN ")


def test_the_images_command_writes_the_manifest_production_reads(tmp_path: Path) -> None:
    words = shlex.split(_collectstatic_line())
    env_words = [word for word in words if re.fullmatch(r"[A-Z_]+=.*", word)]
    command = words[len(env_words):]
    assert command[:2] == ["python", "manage.py"], command
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    env.update(dict(word.split("=", 1) for word in env_words))
    env["STATIC_ROOT"] = str(tmp_path)
    result = subprocess.run([sys.executable, *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "staticfiles.json").is_file()
    assert '"css/app.css"' in (tmp_path / "staticfiles.json").read_text(encoding="utf-8")
