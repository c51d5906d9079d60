"""The one base exception whose message is meant for the user."""

from __future__ import annotations


class LlmtopError(Exception):
    """An error the user can act on; the CLI prints it without a traceback."""

    title = "llmtop"
