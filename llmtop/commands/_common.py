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
