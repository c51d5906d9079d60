"""Files that hold one JSON document (a saved API response) instead of lines.

A file whose first line opens a JSON object or array without closing it is a
document candidate. Once the file stops growing it is parsed whole; when
that fails too, it is read as lines after all, so a log whose first line is
broken still gives the rest of its records.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson

from llmtop.records import RecordDecoder

log = logging.getLogger(__name__)

#: A document is parsed in memory; past this size a file is read as lines.
MAX_DOCUMENT_BYTES = 64 << 20
_SNIFF_BYTES = 64 << 10
_BOM = b"\xef\xbb\xbf"

Fetch = Callable[[int, int], bytes]


def sniff(fetch: Fetch, size: int, *, at_end: bool) -> str | None:
    """ "lines" or "document" for a file read from its start; None to wait.

    Args:
        fetch: reads bytes by offset.
        size: the file's size now.
        at_end: the file is idle or closing, so what is there is all there is.
    """
    head = fetch(0, min(size, _SNIFF_BYTES))
    text = head[len(_BOM) :] if head.startswith(_BOM) else head
    text = text.lstrip()
    if not text:
        return "lines" if at_end else None
    if text[:1] not in (b"{", b"["):
        return "lines"
    newline = text.find(b"\n")
    if newline < 0:
        if len(head) == _SNIFF_BYTES:
            return "lines"
        first = text if at_end else None
    else:
        first = text[:newline]
    if first is None:
        return None
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        # Pretty-printed JSON breaks lines after an opening bracket, a comma or
        # a colon; a broken JSONL line ends anywhere, and is read as lines.
        opened = first.rstrip()[-1:] in (b"{", b"[", b",", b":")
        if opened and size <= MAX_DOCUMENT_BYTES:
            return "document"
    return "lines"


def read_document(
    fetch: Fetch, size: int, decoder: RecordDecoder
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int] | None:
    """Decode a whole-document file: rows, rejects and its line count.

    Returns None when the file is not one JSON document after all.
    """
    data = fetch(0, size)
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        log.debug("not one JSON document: %s", exc)
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    rows: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    items = value if isinstance(value, list) else [value]
    for index, item in enumerate(items):
        # Each item is hashed on its own, so an array that grows keeps the
        # derived request ids of the items it already had.
        raw = orjson.dumps(item)
        decoded = decoder.decode_value(item, raw=raw, line_no=1, offset=0)
        rows.extend(decoded.rows)
        if isinstance(value, list):
            for reject in decoded.rejects:
                reject["reason"] = f"array item {index}: {reject['reason']}"
        rejects.extend(decoded.rejects)
    return rows, rejects, lines
