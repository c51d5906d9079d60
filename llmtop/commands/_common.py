"""Options that several commands share, spelled the same everywhere."""

from __future__ import annotations

import argparse
from pathlib import Path

from llmtop.paths import default_db_path


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help="SQLite database (default: $LLMTOP_DB, else llmtop.db in your data "
        "directory)",
    )


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="PATH",
        help="config file with [prices], [limits] and [mapping] (default: "
        "$LLMTOP_CONFIG, else config.toml in your config directory)",
    )


def resolve_db(value: Path | None) -> Path:
    return value.expanduser() if value is not None else default_db_path()


def add_reading_options(parser: argparse.ArgumentParser) -> None:
    """--format and --max-line-bytes: how sources are read."""
    from llmtop.ingest.lines import DEFAULT_MAX_LINE_BYTES

    parser.add_argument(
        "--format",
        dest="format_name",
        metavar="NAME",
        help="force a record format instead of detecting it (see `llmtop formats`)",
    )
    parser.add_argument(
        "--max-line-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_LINE_BYTES,
        metavar="N",
        help="skip (and count as rejected) lines longer than this (default: 1 MiB)",
    )


def add_following_options(parser: argparse.ArgumentParser) -> None:
    """--listen and --poll: how a long-running agent takes its records."""
    parser.add_argument(
        "--listen",
        action="append",
        default=[],
        metavar="SPEC",
        help="also receive records on unix:PATH or http://127.0.0.1:PORT "
        "(POST /v1/events, OTLP /v1/traces and /v1/logs; repeatable; bearer "
        "token from $LLMTOP_TOKEN)",
    )
    parser.add_argument(
        "--poll",
        action="store_true",
        help="poll files instead of waiting for change events (Docker, WSL and "
        "network mounts; chosen on its own where detected)",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be above 0")
    return value
