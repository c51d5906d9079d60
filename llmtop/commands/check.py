"""`llmtop check`: evaluate the config's limits once, for cron and CI."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from llmtop import query
from llmtop.commands._common import add_config_option, add_db_option, resolve_db
from llmtop.config import ConfigError, load_config
from llmtop.limits import Breach, evaluate, load_limits
from llmtop.pricing import Pricer
from llmtop.store import open_database

NAME = "check"
ORDER = 6
HELP = "evaluate the [limits] of the config; exit 1 when any is breached"
DESCRIPTION = """\
Evaluate every limit of the config's [limits] table over one window and print
the breaches. Spend limits look at the last hour (spend_per_hour) and at the UTC
day so far (spend_per_day), both ending where the window ends: now, or the
newest record when the data is older than the window.

Exit status: 0 when no limit is breached, 1 when any is, 2 on a usage or config
error (a bad [limits] table names the key to fix).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    add_config_option(parser)
    parser.add_argument(
        "--window",
        choices=list(query.WINDOWS),
        default="1h",
        help="window for rates, latency and cost per request (default: 1h)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        dest="output",
        help="output format (default: table)",
    )


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    Pricer(config)  # the whole config must be valid, not only [limits]
    limits = load_limits(config)
    if not limits:
        where = config.get("_path", "the config file")
        raise ConfigError(f"no limits to check: {where} has no [limits] values")
    path = resolve_db(args.db)
    if not path.exists():
        raise ConfigError(f"no database at {path} (use --db or LLMTOP_DB)")
    conn = open_database(path, readonly=True)
    try:
        window = query.resolve_window(conn, args.window)
        breaches = evaluate(conn, window, limits, exact=True)
    finally:
        conn.close()

    if args.output == "json":
        document = {
            "window": {
                "name": window.name,
                "start_ms": window.start_ms,
                "end_ms": window.end_ms,
                "clamped": window.clamped,
            },
            "limits": len(limits),
            "breaches": [asdict(breach) for breach in breaches],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        _print_table(window, len(limits), breaches)
    return 1 if breaches else 0


def _print_table(window: query.Window, count: int, breaches: list[Breach]) -> None:
    ending = " (ends at the newest record)" if window.clamped else ""
    checked = f"{count} limit{'s' if count != 1 else ''} checked"
    if not breaches:
        print(f"ok: nothing breached in the {window.name} window{ending}; {checked}")
        return
    plural = "es" if len(breaches) != 1 else ""
    print(
        f"{len(breaches)} breach{plural} in the {window.name} window{ending}; "
        f"{checked}:"
    )
    for breach in breaches:
        print(f"  {breach.message}")
