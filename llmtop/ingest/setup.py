"""What every ingest path builds the same way: decoders, the pricer, positions.

The agent, `llmtop ingest` and the listeners all decode through these, so the
config's prices and field mapping apply whichever way a record arrives.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmtop import formats
from llmtop.errors import LlmtopError
from llmtop.pricing import Pricer
from llmtop.records import RecordDecoder
from llmtop.store import open_database

log = logging.getLogger(__name__)

DecoderFactory = Callable[[str], RecordDecoder]


class UnknownFormat(LlmtopError):
    """--format named a format llmtop does not know."""

    title = "Unknown format"


def make_pricer(config: dict[str, Any]) -> Pricer:
    """The pricer, given the config when its constructor takes one."""
    if inspect.signature(Pricer).parameters:
        return Pricer(config)  # type: ignore[call-arg]
    return Pricer()


def make_decoder_factory(
    config: dict[str, Any], format_name: str | None
) -> DecoderFactory:
    """A factory of per-source decoders sharing one pricer.

    Raises:
        UnknownFormat: `format_name` is not a registered format.
    """
    configure = getattr(formats, "configure", None)
    if configure is not None:
        configure(config)
    if format_name is not None:
        try:
            formats.adapter_named(format_name)
        except ValueError as exc:
            raise UnknownFormat(str(exc)) from None
    pricer = make_pricer(config)

    def make_decoder(source: str) -> RecordDecoder:
        return RecordDecoder(source, pricer=pricer, format_name=format_name)

    return make_decoder


def load_positions(db_path: Path) -> dict[str, dict[str, Any]]:
    """The committed position of every file source, by source key."""
    conn = open_database(db_path, readonly=True)
    try:
        cursor = conn.execute(
            "SELECT key, path, kind, device, inode, offset, line_no, size, format, "
            "state FROM sources WHERE kind = 'file'"
        )
        names = [column[0] for column in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
    finally:
        conn.close()
