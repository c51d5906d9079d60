"""The `llmtop` command: the live view by default, sub-commands for the rest."""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence

from llmtop import __version__
from llmtop.commands import command_modules
from llmtop.errors import LlmtopError

log = logging.getLogger("llmtop")

_EPILOG = """\
examples:
  llmtop demo                          live view over built-in demo traffic
  llmtop app/usage.jsonl               follow a log and watch it live
  llmtop ingest logs/ --db usage.db    read once, print what was stored
  llmtop report --db usage.db --by model --window 24h --format json

The database defaults to llmtop.db in your data directory; --db or LLMTOP_DB
override it. Run `llmtop COMMAND --help` for a command's options.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmtop",
        description="top for LLM traffic: follow usage records into SQLite and "
        "watch requests, spend, latency and failures live.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"llmtop {__version__}")
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (-vv for debug)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules():
        sub = commands.add_parser(
            module.NAME,
            parents=[shared],
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = _verbosity_after_command(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    names = {module.NAME for module in command_modules()}
    first = next((arg for arg in args_list if not arg.startswith("-")), None)
    wants_help = any(arg in ("-h", "--help", "--version") for arg in args_list)
    if first not in names and not (wants_help and first is None):
        # `llmtop [SOURCES…]` is the live view: route it to the `watch` command.
        args_list = ["watch", *args_list]
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][
            min(getattr(args, "verbose", 0), 2)
        ],
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except LlmtopError as exc:
        print(f"llmtop: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `llmtop report | head`: the reader left; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (OSError, sqlite3.Error) as exc:
        log.debug("details", exc_info=True)
        print(f"llmtop: {exc} (-v shows details)", file=sys.stderr)
        return 2


def _verbosity_after_command(args: list[str]) -> list[str]:
    """Let `-v` stand before the command too (`llmtop -v agent …`): every
    command has its own -v, so leading ones move behind the command name."""
    leading = []
    while args and (args[0] in ("--verbose",) or _is_short_verbose(args[0])):
        leading.append(args.pop(0))
    if not leading:
        return args
    if args and not args[0].startswith("-"):
        return [args[0], *leading, *args[1:]]
    return [*args, *leading]


def _is_short_verbose(arg: str) -> bool:
    return len(arg) > 1 and arg[0] == "-" and set(arg[1:]) == {"v"}
