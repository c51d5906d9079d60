"""`llmtop demo`: the live view over built-in traffic, through the real path."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import tempfile
import time
from pathlib import Path

from llmtop.commands._common import add_config_option
from llmtop.config import load_config
from llmtop.demo import DemoWriter

log = logging.getLogger(__name__)

NAME = "demo"
ORDER = 1
HELP = "watch built-in demo traffic live (needs nothing else)"
DESCRIPTION = """\
Start a traffic generator that appends native JSONL records to a file, follow
that file with the real agent, and open the live view. Eight workflows, fifteen
global and Chinese models, three user tiers, believable latency, errors,
timeouts, fallbacks, retries and validation failures. The database and the log
live in a temporary directory and are removed on exit, unless --db is given.

--duration N with --no-ui runs without a terminal for N seconds and prints what
was stored: handy for scripts and CI.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="keep the demo database here (default: temporary)",
    )
    add_config_option(parser)
    parser.add_argument(
        "--rate",
        type=float,
        default=12.0,
        metavar="REQ_PER_S",
        help="live requests per second (default: 12)",
    )
    parser.add_argument(
        "--history",
        type=int,
        default=90,
        metavar="MINUTES",
        help="minutes of traffic written before the view opens (default: 90)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for the traffic")
    parser.add_argument(
        "--no-ui", action="store_true", help="run without the view (with --duration)"
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds",
    )


def run(args: argparse.Namespace) -> int:
    if args.rate <= 0:
        raise SystemExit("llmtop demo: --rate must be positive")
    config = load_config(args.config)
    # SIGTERM and SIGHUP (a closed terminal) unwind like Ctrl-C, so the
    # temporary directory is removed.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    with tempfile.TemporaryDirectory(prefix="llmtop-demo-") as scratch:
        workdir = Path(scratch)
        db_path = args.db.expanduser() if args.db else workdir / "demo.db"
        log_path = workdir / "demo-traffic.jsonl"
        writer = DemoWriter(
            log_path, rate=args.rate, backfill_minutes=args.history, seed=args.seed
        )
        writer.write_backfill()
        writer.start()
        try:
            if args.no_ui:
                return _run_headless(db_path, log_path, writer, args.duration, config)
            from llmtop.commands.watch import run_live_view

            return run_live_view(
                db_path,
                sources=[str(log_path)],
                listen=[],
                poll=False,
                format_name=None,
                config=config,
                title="llmtop demo",
            )
        finally:
            writer.stop()


def _run_headless(
    db_path: Path,
    log_path: Path,
    writer: DemoWriter,
    duration: float | None,
    config: dict,
) -> int:
    from llmtop.ingest.agent import Agent

    agent = Agent(db_path, [str(log_path)], config=config)
    agent.start()
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends it early
            time.sleep(duration if duration is not None else 10.0)
    finally:
        writer.stop()
        agent.stop()
    status = agent.status()
    stats = status.stats
    print(
        f"demo: wrote {writer.written} records; stored {stats.stored}, "
        f"duplicates {stats.duplicates}, rejected {stats.rejected}",
        file=sys.stdout,
    )
    return 0 if stats.stored else 1


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
