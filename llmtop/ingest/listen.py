"""Where live records come in: one spec string opens a unix socket or an HTTP port.

`llmtop agent --listen unix:PATH` and `--listen http://127.0.0.1:PORT` both end
here. A listener binds in `open_listener`, so a port in use or a live socket is
refused before anything starts, and serves from `start()` in threads of its own;
every record it receives goes through a fresh `RecordDecoder` and the one writer.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from llmtop.errors import LlmtopError
from llmtop.ingest.writer_thread import WriterThread
from llmtop.records import RecordDecoder

log = logging.getLogger(__name__)

#: Builds the decoder for one connection or request, given the source's name.
DecoderFactory = Callable[[str], RecordDecoder]

#: Seconds a listener waits for room in the writer's queue before refusing.
SUBMIT_TIMEOUT_S = 1.0
#: What a refused HTTP sender is told to wait before retrying, in seconds.
RETRY_AFTER_S = 2
#: Connections served at once by one listener; more are closed at once.
MAX_CONNECTIONS = 64


class ListenError(LlmtopError):
    """A listener could not be opened: bad spec, address in use, live socket."""

    title = "Cannot listen"


@dataclass
class ListenerStats:
    """What one listener has seen, for the TUI's header and the agent's summary."""

    connections: int = 0
    requests: int = 0
    records: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    refused: int = 0
    denied: int = 0


class Listener(Protocol):
    """A bound socket that feeds records to the writer once started."""

    spec: str
    stats: ListenerStats

    @property
    def address(self) -> str | tuple[str, int]:
        """The socket path, or the (host, port) actually bound."""
        ...

    def start(self) -> None:
        """Begin serving in background threads; returns at once."""
        ...

    def close(self) -> None:
        """Stop accepting, hand what was received to the writer, free the socket."""
        ...


def open_listener(
    spec: str,
    writer: WriterThread,
    make_decoder: DecoderFactory,
    *,
    token_env: str = "LLMTOP_TOKEN",
    max_body_bytes: int = 16 << 20,
    allow_remote: bool = False,
) -> Listener:
    """Bind the listener that `spec` names (`unix:PATH` or `http://HOST:PORT`).

    Raises:
        ListenError: the spec is malformed, the address is not loopback while
            `allow_remote` is off, or the socket cannot be bound.
    """
    if spec.startswith("unix:"):
        from llmtop.ingest.unix_socket import UnixSocketListener

        path = spec[len("unix:") :]
        if not path:
            raise ListenError("unix: needs a path, e.g. unix:/tmp/llmtop.sock")
        return UnixSocketListener(
            path, writer, make_decoder, max_line_bytes=min(max_body_bytes, 1 << 20)
        )
    if spec.startswith(("http://", "https://")):
        from llmtop.ingest.http_listener import HttpListener

        host, port = parse_http_spec(spec, allow_remote=allow_remote)
        return HttpListener(
            host,
            port,
            writer,
            make_decoder,
            token=read_token(token_env),
            max_body_bytes=max_body_bytes,
        )
    raise ListenError(
        f"cannot listen on {spec!r}: use unix:PATH or http://127.0.0.1:PORT"
    )


def parse_http_spec(spec: str, *, allow_remote: bool) -> tuple[str, int]:
    """The host and port of `http://HOST:PORT`, held to loopback unless allowed."""
    parts = urlsplit(spec)
    if parts.scheme != "http":
        raise ListenError(
            f"{spec}: llmtop serves plain HTTP on loopback; put a TLS proxy or an "
            "OpenTelemetry Collector in front for anything else"
        )
    try:
        port = parts.port
    except ValueError:
        raise ListenError(f"{spec}: the port is not a number in 0..65535") from None
    if port is None or parts.path not in ("", "/") or parts.query:
        raise ListenError(
            f"{spec}: give a host and a port and nothing else, e.g. "
            "http://127.0.0.1:4318 (port 0 picks a free one)"
        )
    host = parts.hostname or ""
    if host in ("", "localhost"):
        host = "127.0.0.1"
    if _is_loopback(host):
        return host, port
    if not allow_remote:
        raise ListenError(
            f"{spec}: {host} is not a loopback address. llmtop listens on "
            "127.0.0.1 or ::1 unless remote senders are allowed explicitly; "
            "set a bearer token too when they are"
        )
    log.warning(
        "listening on %s: any host that can reach it may send records; "
        "keep a bearer token set",
        host,
    )
    return host, port


def read_token(token_env: str) -> str | None:
    """The bearer token from the environment, or None when none is set."""
    token = os.environ.get(token_env, "").strip()
    return token or None


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
