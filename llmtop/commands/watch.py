"""`llmtop [SOURCES…]`: follow sources in-process and show the live view."""

from __future__ import annotations

import argparse
import logging

from llmtop.commands._common import add_config_option, add_db_option, resolve_db
from llmtop.config import load_config

log = logging.getLogger(__name__)

NAME = "watch"
ORDER = 0
HELP = "the live view (the default: `llmtop [SOURCES…]` runs this)"
DESCRIPTION = """\
Follow usage logs and watch them live. SOURCES are files, globs or directories
(followed as they grow and rotate) or `-` for stdin. With no sources, the view
shows what the database already holds (e.g. written by `llmtop agent`).

If another llmtop already writes the database, the view opens it read-only and
says so; the other process keeps following the logs.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="files, globs, dirs"
    )
    add_db_option(parser)
    add_config_option(parser)
    parser.add_argument(
        "--listen",
        action="append",
        default=[],
        metavar="SPEC",
        help="also receive records on unix:PATH or http://127.0.0.1:PORT",
    )
    parser.add_argument(
        "--poll",
        action="store_true",
        help="poll files instead of "
        "waiting for change events (network and container mounts)",
    )
    parser.add_argument(
        "--format",
        dest="format_name",
        metavar="NAME",
        help="force a record format (see `llmtop formats`)",
    )


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    return run_live_view(
        resolve_db(args.db),
        sources=list(args.sources),
        listen=list(args.listen),
        poll=args.poll,
        format_name=args.format_name,
        config=config,
    )


def run_live_view(
    db_path,
    *,
    sources: list[str],
    listen: list[str],
    poll: bool,
    format_name: str | None,
    config: dict,
    title: str = "llmtop",
) -> int:
    """Start the in-process agent when there is anything to follow, then the TUI."""
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
        )
        try:
            agent.start()
        except WriterLocked as exc:
            agent = None
            readonly_reason = (
                f"read-only: another llmtop (pid {exc.pid}) is writing this database"
            )
            log.warning("%s", readonly_reason)
    try:
        run_app(
            db_path,
            readonly_reason=readonly_reason,
            status=agent.status if agent is not None else None,
            config=config,
            title=title,
        )
    finally:
        if agent is not None:
            agent.stop()
    return 0
