"""OTLP/HTTP receive: export requests in, usage records out, answers OTLP expects.

An application that already exports OpenTelemetry only points
`OTEL_EXPORTER_OTLP_ENDPOINT` at llmtop. Bodies come as protobuf (the SDKs' and
the Collector's default) or JSON; both become the OTLP/JSON shape that the OTLP
adapter reads, and each GenAI span it finds is validated and priced like any
other record. Answers use the request's own encoding, as the spec requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from google.protobuf.json_format import MessageToDict, MessageToJson
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from llmtop.event import RecordRejected
from llmtop.formats import adapter_named
from llmtop.formats.otlp import parse_otlp_export
from llmtop.ingest.http_body import BodyError
from llmtop.records import Decoded, RecordDecoder

PROTOBUF = "application/x-protobuf"
JSON = "application/json"

#: google.rpc.Code for each HTTP status an OTLP client may be answered with.
_RPC_CODES = {
    400: 3,  # INVALID_ARGUMENT
    401: 16,  # UNAUTHENTICATED
    403: 7,  # PERMISSION_DENIED
    404: 5,  # NOT_FOUND
    405: 12,  # UNIMPLEMENTED
    411: 3,
    413: 8,  # RESOURCE_EXHAUSTED
    415: 3,
    501: 12,
    503: 14,  # UNAVAILABLE
}


@dataclass(frozen=True)
class Signal:
    """One OTLP signal: its request and response messages and what it counts."""

    name: str
    request: type[Message]
    response: type[Message]
    rejected_field: str


SIGNALS: dict[str, Signal] = {
    "/v1/traces": Signal(
        "traces",
        trace_service_pb2.ExportTraceServiceRequest,
        trace_service_pb2.ExportTraceServiceResponse,
        "rejected_spans",
    ),
    "/v1/logs": Signal(
        "logs",
        logs_service_pb2.ExportLogsServiceRequest,
        logs_service_pb2.ExportLogsServiceResponse,
        "rejected_log_records",
    ),
}


def media_type(content_type: str | None) -> str:
    """The OTLP encoding a Content-Type names; protobuf when none is given.

    Raises:
        BodyError: 415 for anything but protobuf or JSON.
    """
    name = (content_type or PROTOBUF).split(";", 1)[0].strip().lower()
    if name in (PROTOBUF, "application/protobuf"):
        return PROTOBUF
    if name == JSON:
        return JSON
    raise BodyError(
        415, f"Content-Type {name!r} is not OTLP; send {PROTOBUF} or {JSON}"
    )


def decode_export(signal: Signal, body: bytes, media: str) -> dict[str, Any]:
    """The export request as an OTLP/JSON-shaped dict.

    Enums come out as integers, as in OTLP/JSON; ids come out in base64 from
    protobuf and in hex from JSON, and the adapter reads both.

    Raises:
        BodyError: 400 when the body is not a request of this signal.
    """
    if media == PROTOBUF:
        try:
            message = signal.request.FromString(body)
        except (DecodeError, ValueError) as exc:
            raise BodyError(
                400, f"not a protobuf OTLP {signal.name} export: {exc}"
            ) from None
        return MessageToDict(message, use_integers_for_enums=True)
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BodyError(400, f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BodyError(400, f"an OTLP/JSON {signal.name} export is a JSON object")
    return value


def decode_records(export: Mapping[str, Any], decoder: RecordDecoder) -> Decoded:
    """Turn the GenAI spans or log records of an export into rows and rejects.

    Spans that are not GenAI calls (HTTP handlers, database queries) are not
    usage records: they are accepted and left out, not rejected.

    Raises:
        BodyError: 400 when the export's structure cannot be read at all.
    """
    try:
        mappings = parse_otlp_export(dict(export))
    except (RecordRejected, ValueError, TypeError, KeyError) as exc:
        raise BodyError(400, f"unreadable OTLP export: {exc}") from None

    # The mappings are already in native shape; the decoder must not guess again.
    decoder.forced = decoder.last = adapter_named("native")
    decoded = Decoded()
    for mapping in mappings:
        raw = orjson.dumps(
            mapping,
            option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
            default=str,
        )
        decoded.extend(
            decoder.decode_value(mapping, raw=raw, line_no=None, offset=None)
        )
    return decoded


def export_response(
    signal: Signal, media: str, rejected: int, message: str | None = None
) -> bytes:
    """A success answer, with partial_success when some records were rejected."""
    response = signal.response()
    if rejected:
        partial = response.partial_success  # type: ignore[attr-defined]
        setattr(partial, signal.rejected_field, rejected)
        partial.error_message = message or ""
    if media == PROTOBUF:
        return response.SerializeToString()
    return MessageToJson(response, indent=None).encode()


def status_body(media: str, http_status: int, message: str) -> bytes:
    """A google.rpc.Status for an error answer, in the request's encoding."""
    code = _RPC_CODES.get(http_status, 2)  # UNKNOWN
    if media == JSON:
        return orjson.dumps({"code": code, "message": message})
    text = message.encode()
    # Status is {int32 code = 1; string message = 2}: encoded by hand, since
    # the message type lives in googleapis-common-protos, not a dependency.
    return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        low, number = number & 0x7F, number >> 7
        if number:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)
