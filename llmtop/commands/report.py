"""`llmtop report`: the views' numbers for scripts, exact from raw rows."""

from __future__ import annotations

import argparse
import sys

from llmtop import query, report
from llmtop.commands._common import add_db_option, resolve_db
from llmtop.pricing import spend_text
from llmtop.store import open_database

NAME = "report"
ORDER = 4
HELP = "print spend, latency and failure rates per group (table, JSON, CSV)"
DESCRIPTION = """\
Print the numbers of the live view for one window, grouped by workflow, model,
provider, route, user tier or app. Percentiles are exact (linear interpolation
between closest ranks, as numpy.percentile), computed from the raw rows.

JSON keys are documented in the README ("Report JSON").
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)
    parser.add_argument(
        "--by",
        choices=query.GROUPINGS,
        default="workflow",
        help="group by this field (default: workflow)",
    )
    parser.add_argument(
        "--window",
        choices=list(query.WINDOWS),
        default="all",
        help="time window ending now, or at the newest record when "
        "the data is older (default: all)",
    )
    parser.add_argument("--workflow", default=None, help="only this workflow")
    parser.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        dest="output",
        help="output format (default: table)",
    )
    parser.add_argument(
        "--chart",
        action="store_true",
        help="after the table, draw spend and p95 per group as bar charts",
    )


def run(args: argparse.Namespace) -> int:
    conn = open_database(resolve_db(args.db), readonly=True)
    try:
        window = query.resolve_window(conn, args.window)
        groups = query.breakdown(conn, window, args.by, args.workflow, exact=True)
        total = query.summary(conn, window, args.workflow, exact=True)
    finally:
        conn.close()
    if args.output == "json":
        sys.stdout.write(report.as_json(window, args.by, groups, total) + "\n")
    elif args.output == "csv":
        sys.stdout.write(report.as_csv(args.by, groups, total))
    else:
        table = report.as_table(window, args.by, groups, total, spend_text)
        sys.stdout.write(table + "\n")
        if args.chart:
            from llmtop.chart import report_charts

            sys.stdout.write("\n" + report_charts(groups, args.by) + "\n")
    return 0
