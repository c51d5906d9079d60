"""The loopback HTTP listener: `/v1/events` for native records, OTLP beside it.

Every request is checked before its body is read: a browser's `Origin` is
refused (a web page must not be able to post to a local port), the bearer token
is compared in constant time, and the declared size is held to the limit. Only
then is the body read, decoded with a fresh decoder, and committed; the answer
waits for the commit so it can say what was stored. When the writer's queue
stays full, the answer is 503 with `Retry-After`, which OTLP exporters retry.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import queue
import socket
import socketserver
import sys
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import orjson

from llmtop.ingest import otlp_receiver as otlp
from llmtop.ingest.http_body import BodyError, check_length, decompress, read_body
from llmtop.ingest.http_events import decode_events, events_answer
from llmtop.ingest.listen import (
    MAX_CONNECTIONS,
    RETRY_AFTER_S,
    SUBMIT_TIMEOUT_S,
    DecoderFactory,
    ListenError,
    ListenerStats,
)
from llmtop.ingest.writer_thread import WriterThread
from llmtop.records import Decoded
from llmtop.store import Batch, BatchResult

log = logging.getLogger(__name__)

EVENTS_PATH = "/v1/events"
#: How long an answer waits for its commit before saying "queued" instead.
COMMIT_WAIT_S = 30.0
#: How long a refused sender's unread body is drained, so it reads the answer.
_LINGER_S = 2.0
_BUSY_ANSWER = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: %d\r\n"
    b"Content-Length: 0\r\nConnection: close\r\n\r\n" % RETRY_AFTER_S
)


@dataclass
class Reply:
    """An answer ready to send."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class HttpListener:
    """Serves `/v1/events`, `/v1/traces` and `/v1/logs` from a thread per client."""

    def __init__(
        self,
        host: str,
        port: int,
        writer: WriterThread,
        make_decoder: DecoderFactory,
        *,
        token: str | None = None,
        max_body_bytes: int = 16 << 20,
        max_connections: int = MAX_CONNECTIONS,
        submit_timeout: float = SUBMIT_TIMEOUT_S,
    ) -> None:
        self.writer = writer
        self.make_decoder = make_decoder
        self.token = token
        self.max_body_bytes = max_body_bytes
        self.submit_timeout = submit_timeout
        self.stats = ListenerStats()
        self.slots = threading.BoundedSemaphore(max_connections)
        self.lock = threading.Lock()
        self.closing = threading.Event()
        try:
            self._server = _Server(host, port, self)
        except OSError as exc:
            raise ListenError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from exc
        bound_host, bound_port = self._server.server_address[:2]
        self._address = (str(bound_host), int(bound_port))
        shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        self.spec = f"http://{shown}:{bound_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"llmtop-{self.spec}",
            daemon=True,
        )

    @property
    def address(self) -> tuple[str, int]:
        return self._address

    def start(self) -> None:
        self._thread.start()
        log.debug(
            "listening on %s (POST %s, /v1/traces, /v1/logs)%s",
            self.spec,
            EVENTS_PATH,
            "; a bearer token is required" if self.token else "",
        )

    def close(self) -> None:
        """Stop accepting; requests already submitted are committed by the writer.

        Clients still connected (keep-alive) are answered 503 from then on, so
        nothing is handed to a writer that is about to stop.
        """
        self.closing.set()
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def commit(self, decoded: Decoded) -> BatchResult | None:
        """Submit rows and rejects and wait for their commit (None: still queued).

        Raises:
            BodyError: 503 when the writer's queue stays full or the commit fails.
        """
        if not decoded.rows and not decoded.rejects:
            return BatchResult()
        batch = Batch(events=decoded.rows, rejects=decoded.rejects)
        try:
            future = self.writer.submit(batch, timeout=self.submit_timeout)
        except queue.Full:
            raise BodyError(
                503, f"llmtop is behind on writing; retry in {RETRY_AFTER_S} s"
            ) from None
        try:
            return future.result(timeout=COMMIT_WAIT_S)
        except FutureTimeout:
            return None
        except Exception as exc:
            raise BodyError(503, f"the records could not be stored: {exc}") from None

    def count(self, decoded: Decoded, result: BatchResult | None) -> None:
        ids = [row["request_id"] for row in decoded.rows]
        stored = len(set(ids) - result.duplicate_ids) if result else 0
        with self.lock:
            self.stats.records += len(ids) + len(decoded.rejects)
            self.stats.rejected += len(decoded.rejects)
            self.stats.stored += stored
            self.stats.duplicates += len(ids) - stored if result else 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int, listener: HttpListener) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = listener
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer's own version looks the host up in DNS; nothing here needs it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.listener.slots.acquire(blocking=False):
            log.warning("%s: too many connections; answering 503", self.listener.spec)
            with contextlib.suppress(OSError):
                request.settimeout(1.0)
                request.sendall(_BUSY_ANSWER)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.listener.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed connection through logging, never as a bare traceback.

        socketserver prints a traceback to stderr for any exception, but a
        client that hangs up before reading its answer (a killed exporter, a
        timed-out curl) is normal: one debug line says so, and the listener
        keeps serving. Anything else is a bug and keeps its traceback.
        """
        exc = sys.exc_info()[1]
        who = client_address[0] if isinstance(client_address, tuple) else "a client"
        if isinstance(exc, ConnectionError | TimeoutError):
            log.debug(
                "%s: %s went away before its answer was sent (%s)",
                self.listener.spec,
                who,
                type(exc).__name__,
            )
            return
        log.error("%s: a request from %s failed", self.listener.spec, who, exc_info=exc)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "llmtop"
    timeout = 30
    server: _Server

    def do_POST(self) -> None:
        self._handle()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_POST

    def handle_expect_100(self) -> bool:
        """Refuse before the client sends its body, when it asks first."""
        try:
            self._preflight(urlsplit(self.path).path)
        except BodyError as exc:
            self._body_read = False
            self._send(self._error(exc))
            return False
        return super().handle_expect_100()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _handle(self) -> None:
        listener = self.server.listener
        path = urlsplit(self.path).path
        self._body_read = False
        with listener.lock:
            listener.stats.requests += 1
        try:
            if listener.closing.is_set():
                raise BodyError(503, "llmtop is shutting down")
            self._preflight(path)
            body = read_body(self.rfile, self.headers, listener.max_body_bytes)
            self._body_read = True
            body = decompress(
                body, self.headers.get("Content-Encoding"), listener.max_body_bytes
            )
            reply = self._events(body) if path == EVENTS_PATH else self._otlp(body)
        except BodyError as exc:
            reply = self._error(exc)
        self._send(reply)

    def _preflight(self, path: str) -> None:
        """The checks that need no body: origin, token, route, method, size."""
        listener = self.server.listener
        if self.headers.get("Origin") is not None:
            self._deny()
            raise BodyError(403, "requests from web browsers (with Origin) are refused")
        if listener.token is not None:
            scheme, _, given = self.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), listener.token.encode()
            ):
                self._deny()
                raise BodyError(
                    401, "a valid 'Authorization: Bearer <token>' is needed"
                )
        if path != EVENTS_PATH and path not in otlp.SIGNALS:
            raise BodyError(
                404, f"no such endpoint; POST to {EVENTS_PATH}, /v1/traces or /v1/logs"
            )
        if self.command != "POST":
            raise BodyError(405, f"{path} takes POST")
        check_length(self.headers, listener.max_body_bytes)

    def _events(self, body: bytes) -> Reply:
        listener = self.server.listener
        events = decode_events(body, listener.make_decoder(listener.spec + EVENTS_PATH))
        result = listener.commit(events.decoded)
        listener.count(events.decoded, result)
        answer = events_answer(events, result)
        return Reply(200 if result is not None else 202, orjson.dumps(answer))

    def _otlp(self, body: bytes) -> Reply:
        listener = self.server.listener
        path = urlsplit(self.path).path
        signal = otlp.SIGNALS[path]
        media = otlp.media_type(self.headers.get("Content-Type"))
        export = otlp.decode_export(signal, body, media)
        decoded = otlp.decode_records(
            export, listener.make_decoder(listener.spec + path)
        )
        result = listener.commit(decoded)
        listener.count(decoded, result)
        rejected = len(decoded.rejects)
        reasons = "; ".join(sorted({r["reason"] for r in decoded.rejects}))[:1000]
        return Reply(200, otlp.export_response(signal, media, rejected, reasons), media)

    def _error(self, exc: BodyError) -> Reply:
        headers: dict[str, str] = {}
        if exc.status == 503:
            headers["Retry-After"] = str(RETRY_AFTER_S)
            with self.server.listener.lock:
                self.server.listener.stats.refused += 1
        elif exc.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="llmtop"'
        elif exc.status == 405:
            headers["Allow"] = "POST"
        if urlsplit(self.path).path in otlp.SIGNALS:
            try:
                media = otlp.media_type(self.headers.get("Content-Type"))
            except BodyError:
                media = otlp.JSON
            body = otlp.status_body(media, exc.status, exc.message)
            return Reply(exc.status, body, media, headers)
        return Reply(exc.status, orjson.dumps({"error": exc.message}), headers=headers)

    def _deny(self) -> None:
        with self.server.listener.lock:
            self.server.listener.stats.denied += 1

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if not self._body_read:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)
        if not self._body_read:
            self._linger()

    def _linger(self) -> None:
        """Close without resetting: drain what the sender still sends for a while.

        Closing a socket with unread data makes the kernel send a reset, and the
        sender may then lose the answer it has not yet read.
        """
        self.close_connection = True
        deadline = time.monotonic() + _LINGER_S
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                if not self.connection.recv(64 * 1024):
                    break
