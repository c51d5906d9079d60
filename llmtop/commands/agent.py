"""`llmtop agent SOURCES…`: follow sources into the database, with no screen."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from llmtop.commands._common import (
    add_config_option,
    add_db_option,
    add_following_options,
    add_reading_options,
    resolve_db,
)
from llmtop.config import load_config
from llmtop.ingest.agent import Agent
from llmtop.presets import add_preset_options, preset_sources

log = logging.getLogger(__name__)

NAME = "agent"
ORDER = 5
HELP = "follow sources into the database headless (for a service or a container)"
DESCRIPTION = """\
Follow SOURCES into the database until stopped (SIGINT or SIGTERM commit the
last batch and exit within a second). SOURCES are files, globs and directories,
followed as they grow, rotate (rename or copytruncate), are replaced or appear;
`-` reads stdin, whose position cannot be resumed after a restart. Each file
resumes from its committed byte offset, so a restart (even after kill -9)
neither loses nor doubles a record.

--listen unix:PATH or http://127.0.0.1:PORT also receives records over a
socket. One writer per database: a second agent is refused and names the pid
of the running one; live views open the database read-only meanwhile.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="files, globs, directories; - for stdin (not resumable)",
    )
    add_db_option(parser)
    add_config_option(parser)
    add_preset_options(parser)
    add_following_options(parser)
    add_reading_options(parser)


def run(args: argparse.Namespace) -> int:
    sources = [*args.sources, *preset_sources(args)]
    if not sources and not args.listen:
        print("llmtop agent: give SOURCES to follow or --listen SPEC", file=sys.stderr)
        return 2
    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        logging.getLogger("llmtop").setLevel(logging.INFO)
    agent = Agent(
        resolve_db(args.db),
        sources,
        poll=args.poll,
        listen=args.listen,
        format_name=args.format_name,
        max_line_bytes=args.max_line_bytes,
        config=load_config(args.config),
    )
    stopped = threading.Event()

    def on_signal(number: int, _frame: FrameType | None) -> None:
        log.info("stopping on %s", signal.Signals(number).name)
        stopped.set()

    previous = {
        number: signal.signal(number, on_signal)
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        agent.start()
        _log_start(agent)
        stopped.wait()  # the signal handlers set it
    finally:
        agent.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
    stats = agent.status().stats
    log.info(
        "stopped: %d stored, %d duplicates, %d rejected",
        stats.stored,
        stats.duplicates,
        stats.rejected,
    )
    return 0


def _log_start(agent: Agent) -> None:
    status = agent.status()
    log.info("writing %s", agent.db_path)
    for spec in agent.sources:
        log.info("following %s", spec)
    if status.polling:
        log.info("polling files: %s", status.polling_reason)
    for address in status.listening:
        log.info("listening on %s", address)
