"""Default log folders of tools that already record usage, followed on request.

Only read, never written: llmtop follows these folders exactly like any other
source, and only when the user names the preset.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def claude_code_dir() -> Path:
    """Claude Code's transcripts: $CLAUDE_CONFIG_DIR/projects, else ~/.claude."""
    base = os.environ.get("CLAUDE_CONFIG_DIR")
    root = Path(base).expanduser() if base else Path.home() / ".claude"
    return root / "projects"


def codex_dir() -> Path:
    """Codex CLI's session logs: $CODEX_HOME/sessions, else ~/.codex/sessions."""
    base = os.environ.get("CODEX_HOME")
    root = Path(base).expanduser() if base else Path.home() / ".codex"
    return root / "sessions"


def add_preset_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--claude-code",
        action="store_true",
        help=f"also follow Claude Code transcripts ({claude_code_dir()}, read-only)",
    )
    parser.add_argument(
        "--codex",
        action="store_true",
        help=f"also follow Codex CLI sessions ({codex_dir()}, read-only)",
    )


def preset_sources(args: argparse.Namespace) -> list[str]:
    """The folders the chosen presets add to the command's sources."""
    chosen = []
    if getattr(args, "claude_code", False):
        chosen.append(str(claude_code_dir()))
    if getattr(args, "codex", False):
        chosen.append(str(codex_dir()))
    return chosen
