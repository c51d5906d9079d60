"""Reading an HTTP request body without ever holding more than the limit.

The declared length is checked before a byte of the body is read; chunked
bodies are counted as they arrive; gzip is inflated only up to the same limit,
so a small compressed body cannot expand into gigabytes.
"""

from __future__ import annotations

import zlib
from email.message import Message
from typing import BinaryIO

_MAX_CHUNK_LINE = 1024
_MAX_TRAILERS = 64


class BodyError(Exception):
    """A body the listener will not take; `status` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def declared_length(headers: Message) -> int | None:
    """The body's length from Content-Length, or None for a chunked body.

    Raises:
        BodyError: 411 without either header, 400 for a malformed or conflicting
            length, 501 for a transfer coding other than chunked.
    """
    coding = headers.get("Transfer-Encoding")
    if coding is not None:
        if coding.strip().lower() != "chunked":
            raise BodyError(501, f"Transfer-Encoding {coding!r} is not supported")
        return None
    values = set(headers.get_all("Content-Length") or [])
    if not values:
        raise BodyError(411, "a Content-Length header is required")
    if len(values) > 1:
        raise BodyError(400, "conflicting Content-Length headers")
    text = values.pop().strip()
    if not text.isdigit():
        raise BodyError(400, f"Content-Length {text!r} is not a length")
    return int(text)


def check_length(headers: Message, limit: int) -> None:
    """Refuse a declared length over `limit` before reading anything."""
    length = declared_length(headers)
    if length is not None and length > limit:
        raise BodyError(413, too_large(limit, "body"))


def read_body(stream: BinaryIO, headers: Message, limit: int) -> bytes:
    """Read exactly the body the headers announce, up to `limit` bytes."""
    length = declared_length(headers)
    if length is None:
        return _read_chunked(stream, limit)
    if length > limit:
        raise BodyError(413, too_large(limit, "body"))
    body = stream.read(length)
    if len(body) < length:
        raise BodyError(400, f"the body ended after {len(body)} of {length} bytes")
    return body


def _read_chunked(stream: BinaryIO, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        line = stream.readline(_MAX_CHUNK_LINE)
        if not line.endswith(b"\n"):
            raise BodyError(400, "malformed chunk header")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BodyError(400, "malformed chunk size") from None
        if size == 0:
            break
        total += size
        if total > limit:
            raise BodyError(413, too_large(limit, "body"))
        chunk = stream.read(size)
        if len(chunk) < size or stream.readline(3).strip():
            raise BodyError(400, "a chunk ended early or without CRLF")
        parts.append(chunk)
    for _ in range(_MAX_TRAILERS):
        if stream.readline(_MAX_CHUNK_LINE).strip() == b"":
            break
    return b"".join(parts)


def decompress(body: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo a Content-Encoding, producing at most `limit` bytes.

    Raises:
        BodyError: 415 for an encoding other than gzip or deflate, 400 for a
            corrupt or truncated stream, 413 when it inflates past `limit`.
    """
    name = (encoding or "identity").strip().lower()
    if name in ("", "identity"):
        return body
    if name in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif name == "deflate":
        wbits = zlib.MAX_WBITS
    else:
        raise BodyError(415, f"Content-Encoding {name!r} is not supported; use gzip")

    out = bytearray()
    rest = body
    while rest:
        inflater = zlib.decompressobj(wbits)
        try:
            out += inflater.decompress(rest, limit + 1 - len(out))
        except zlib.error as exc:
            raise BodyError(400, f"the {name} body is corrupt: {exc}") from None
        if len(out) > limit or inflater.unconsumed_tail:
            raise BodyError(413, too_large(limit, "decompressed body"))
        if not inflater.eof:
            raise BodyError(400, f"the {name} body is truncated")
        rest = inflater.unused_data
    return bytes(out)


def too_large(limit: int, what: str) -> str:
    return f"the {what} is larger than the {limit}-byte limit"
