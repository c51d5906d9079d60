"""`llmtop [SOURCES…]`: follow sources in-process and show the live view."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from llmtop.commands._common import (
    add_config_option,
    add_db_option,
    add_following_options,
    add_reading_options,
    resolve_db,
)
from llmtop.config import load_config
from llmtop.errors import LlmtopError
from llmtop.presets import add_preset_options, preset_sources
from llmtop.store import open_database

log = logging.getLogger(__name__)

NAME = "watch"
ORDER = 0
HELP = "the live view (the default: `llmtop [SOURCES…]` runs this)"
DESCRIPTION = """\
Follow usage logs and watch them live. SOURCES are files, globs or directories
(followed as they grow, rotate and are truncated) or `-` for stdin. With no
sources, the view shows what the database already holds, for example what a
headless `llmtop agent` writes.

If another llmtop already writes the database, the view opens it read-only and
says so; the other process keeps following the logs.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="files, globs or directories"
    )
    add_db_option(parser)
    add_config_option(parser)
    add_preset_options(parser)
    add_following_options(parser)
    add_reading_options(parser)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    db_path = resolve_db(args.db)
    sources = [*args.sources, *preset_sources(args)]
    if not sources and not args.listen:
        if not db_path.exists():
            raise LlmtopError(
                f"nothing to show: no sources given and no database at {db_path}. "
                "Try `llmtop demo`, or `llmtop path/to/usage.jsonl`."
            )
        open_database(db_path, readonly=True).close()  # a database at all?
    return run_live_view(
        db_path,
        sources=sources,
        listen=list(args.listen),
        poll=args.poll,
        format_name=args.format_name,
        config=config,
        max_line_bytes=args.max_line_bytes,
    )


def run_live_view(
    db_path: Path,
    *,
    sources: list[str],
    listen: list[str],
    poll: bool,
    format_name: str | None,
    config: dict[str, Any],
    title: str = "llmtop",
    max_line_bytes: int | None = None,
) -> int:
    """Start the in-process agent when there is anything to follow, then the TUI.

    A database that another agent already writes is opened read-only: the view
    still works, and the message says whose lock it is.
    """
    from llmtop.tui.app import run_app

    agent = None
    readonly_reason = None
    if sources or listen:
        from llmtop.ingest.agent import Agent, WriterLocked

        agent = Agent(
            db_path,
            sources,
            poll=poll,
            listen=listen,
            format_name=format_name,
            config=config,
            **({"max_line_bytes": max_line_bytes} if max_line_bytes else {}),
        )
        try:
            agent.start()
        except WriterLocked as exc:
            agent = None
            readonly_reason = f"another llmtop (pid {exc.pid}) is writing this database"
            log.warning("%s", readonly_reason)
    try:
        run_app(
            db_path,
            sources=sources,
            readonly_reason=readonly_reason,
            status=agent.status if agent is not None else None,
            config=config,
            title=title,
        )
    finally:
        if agent is not None:
            agent.stop()
    return 0
