"""`POST /v1/events`: one JSON object, an array of them, or NDJSON, and the answer.

The answer tells the sender exactly what happened to its records: how many were
stored, how many were already stored (a retry is harmless), and for each line or
array item that was rejected, why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from llmtop.ingest.http_body import BodyError
from llmtop.ingest.lines import explain_utf8
from llmtop.records import Decoded, RecordDecoder
from llmtop.store import BatchResult

#: Rejects listed one by one in an answer; the count covers the rest.
MAX_LISTED_REJECTS = 1000


@dataclass
class EventsBody:
    """A decoded request body and where each reject came from."""

    decoded: Decoded = field(default_factory=Decoded)
    records: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)

    def add(self, decoded: Decoded, where: dict[str, int]) -> None:
        self.decoded.extend(decoded)
        self.rejects.extend({**where, "reason": r["reason"]} for r in decoded.rejects)


def decode_events(body: bytes, decoder: RecordDecoder) -> EventsBody:
    """Decode a body that is one JSON value, or else newline-delimited JSON.

    Raises:
        BodyError: 400 when the body is empty or no line of it is JSON.
    """
    text = body.strip()
    if text.startswith(b"\xef\xbb\xbf"):
        text = text[3:].strip()
    if not text:
        raise BodyError(400, "the body is empty; send a JSON object, array or NDJSON")
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _decode_ndjson(body, decoder)

    events = EventsBody()
    if isinstance(value, list):
        for index, item in enumerate(value):
            events.records += 1
            raw = orjson.dumps(item)
            events.add(
                decoder.decode_value(item, raw=raw, line_no=None, offset=None),
                {"index": index},
            )
    else:
        events.records = 1
        events.add(decoder.decode_value(value, raw=text, line_no=None, offset=None), {})
    return events


def _decode_ndjson(body: bytes, decoder: RecordDecoder) -> EventsBody:
    events = EventsBody()
    parsed = 0
    first_error = ""
    offset = 0
    for line_no, line in enumerate(body.split(b"\n"), start=1):
        line_offset, offset = offset, offset + len(line) + 1
        text = line.strip()
        if line_no == 1 and text.startswith(b"\xef\xbb\xbf"):
            text = text[3:].strip()
        if not text:
            continue
        events.records += 1
        where = {"line": line_no}
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            # decode_line also reads `data:` lines of a server-sent stream.
            decoded = decoder.decode_line(line, line_no=line_no, offset=line_offset)
            if decoded.rows or decoded.skipped:
                parsed += 1
            explain_utf8(decoded.rejects, line)
            reason = decoded.rejects[0]["reason"] if decoded.rejects else str(exc)
            first_error = first_error or f"line {line_no}: {reason}"
            events.add(decoded, where)
            continue
        parsed += 1
        events.add(
            decoder.decode_value(value, raw=text, line_no=line_no, offset=line_offset),
            where,
        )
    if not parsed:
        raise BodyError(400, f"the body is not JSON ({first_error})")
    return events


def events_answer(events: EventsBody, result: BatchResult | None) -> dict[str, Any]:
    """The JSON answer; `result` is None when the batch is queued, not yet stored."""
    ids = [row["request_id"] for row in events.decoded.rows]
    answer: dict[str, Any] = {"records": events.records}
    if result is None:
        answer["queued"] = len(ids)
    else:
        stored = len(set(ids) - result.duplicate_ids)
        answer["stored"] = stored
        answer["duplicates"] = len(ids) - stored
    answer["rejected"] = len(events.rejects)
    if events.decoded.skipped:
        answer["skipped"] = events.decoded.skipped
    answer["rejects"] = events.rejects[:MAX_LISTED_REJECTS]
    return answer
