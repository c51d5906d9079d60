"""`llmtop rejects`: the lines that could not be stored, and why."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from llmtop.commands._common import add_db_option, resolve_db
from llmtop.query import latest_rejects
from llmtop.store import open_database

NAME = "rejects"
ORDER = 30
HELP = "list rejected lines: source, line, byte offset, reason"
DESCRIPTION = """\
List the lines llmtop could not store, newest first: the source file, the line
number and byte offset, the reason (it names the field and what is wrong with
its value) and a short excerpt with content fields (prompts, messages…)
blanked. --format json prints one object per reject, with the keys id, at
(epoch ms), source, line_no, byte_offset, format, reason and excerpt.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    parser.add_argument(
        "--limit",
        type=int,
        default=50,
        metavar="N",
        help="show the N newest (default: 50; 0 for all)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table for people (default), json for scripts",
    )


def run(args: argparse.Namespace) -> int:
    conn = open_database(resolve_db(args.db), readonly=True)
    try:
        total = conn.execute("SELECT count(*) FROM rejects").fetchone()[0]
        rows = latest_rejects(conn, args.limit if args.limit > 0 else -1)
    finally:
        conn.close()
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    print_table(rows, total)
    return 0


def print_table(rows: list[dict[str, Any]], total: int) -> None:
    """Rejects as aligned text; record text is shown inert (no escapes)."""
    if not rows:
        print("no rejects")
        return
    print(f"{'source':<40} {'line':>7} {'offset':>10}  reason / excerpt")
    for row in rows:
        print(
            f"{_inert(_tail(str(row['source']), 40)):<40} "
            f"{_number(row['line_no']):>7} {_number(row['byte_offset']):>10}  "
            f"{_inert(row['reason'])}"
        )
        if row["excerpt"]:
            print(f"{'':<60}{_inert(row['excerpt'])[:100]}")
    if total > len(rows):
        print(f"({len(rows)} newest of {total:,}; --limit 0 shows all)")


def _number(value: Any) -> str:
    return "-" if value is None else f"{value:,}"


def _tail(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def _inert(text: str) -> str:
    """Control characters (terminal escapes among them) as visible escapes."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        for ch in str(text)
    )
