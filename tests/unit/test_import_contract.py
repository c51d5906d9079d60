"""The core never imports Textual: only llmtop.tui may (STYLE.md's contract)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import llmtop

REPO = Path(__file__).resolve().parents[2]


def test_no_core_module_pulls_in_textual() -> None:
    core = sorted(
        info.name
        for info in pkgutil.walk_packages(llmtop.__path__, "llmtop.")
        if not info.name.startswith("llmtop.tui") and info.name != "llmtop.__main__"
    )
    assert "llmtop.query" in core and "llmtop.ingest.agent" in core
    script = (
        "import importlib, sys\n"
        f"for name in {core!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"
