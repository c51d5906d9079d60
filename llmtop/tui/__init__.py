"""The Textual live view; importing it imports Textual, which the core never does."""

from __future__ import annotations

from llmtop.tui.app import LlmtopApp, run_app

__all__ = ["LlmtopApp", "run_app"]
