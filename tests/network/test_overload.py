"""A writer held busy: HTTP answers 503 with Retry-After, the unix socket waits.

The writer is held by a real lock: the test opens its own connection to the
database and keeps a write transaction (BEGIN IMMEDIATE) open, so the writer's
next commit waits; with a queue of one, the next submission fills it.
"""

from __future__ import annotations

import json
import select
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from google.rpc import status_pb2
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from llmtop.ingest.writer_thread import WriterThread
from llmtop.store import Batch
from tests.network.helpers import DEADLINE_S, make_decoder, post, query, wait_for


def record(request_id: str) -> dict[str, object]:
    return {
        "request_id": request_id,
        "timestamp": 1_735_689_600_000,
        "model": "gpt-4o",
        "input_tokens": 1,
        "output_tokens": 1,
        "note": "p" * 200,
    }


def row(request_id: str) -> dict[str, object]:
    decoded = make_decoder("held").decode_value(
        record(request_id), raw=request_id.encode(), line_no=None, offset=None
    )
    return decoded.rows[0]


@contextmanager
def writer_held(db_path: Path, writer: WriterThread) -> Iterator[None]:
    """Keep the writer blocked in a commit and its one-slot queue full."""
    lock = sqlite3.connect(db_path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")
    try:
        writer.submit(Batch(events=[row("held-1")]))
        wait_for(lambda: writer.backlog == 0, "the writer to take the first batch")
        writer.submit(Batch(events=[row("held-2")]))
        yield
    finally:
        lock.execute("ROLLBACK")
        lock.close()


def test_http_answers_503_with_retry_after_and_counts_it(
    listen, tmp_path: Path
) -> None:
    db_path = tmp_path / "held.db"
    writer = WriterThread(db_path, max_queue=1)
    writer.start()
    try:
        listener = listen(writer=writer)
        listener.submit_timeout = 0.05
        body = json.dumps(record("late")).encode()

        with writer_held(db_path, writer):
            refused = post(listener.address, "/v1/events", body)

        retried = post(listener.address, "/v1/events", body)
    finally:
        writer.stop()

    assert refused.status == 503
    assert int(refused.headers["Retry-After"]) >= 1
    assert writer.stats.overloaded == 1
    assert listener.stats.refused == 1
    assert retried.status == 200
    assert retried.json()["stored"] == 1
    # The two held batches and the retried record, nothing else, nothing lost.
    assert query(db_path, "SELECT request_id FROM events ORDER BY request_id") == [
        ("held-1",),
        ("held-2",),
        ("late",),
    ]


def test_the_unix_socket_slows_the_sender_and_loses_nothing(
    listen, tmp_path: Path
) -> None:
    db_path = tmp_path / "held.db"
    writer = WriterThread(db_path, max_queue=1)
    writer.start()
    path = tmp_path / "bp.sock"
    sent = 0
    try:
        listen(f"unix:{path}", writer=writer)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(path))
        with writer_held(db_path, writer):
            # Send without blocking until the kernel's buffer stays full: that
            # only happens once the listener has stopped reading. Were it to read
            # on (into memory, or dropping), the cap of 20,000 would be reached.
            sock.setblocking(False)
            pending = b""
            blocked = False
            while not blocked and sent < 20_000:
                pending = pending or (json.dumps(record(f"b{sent}")) + "\n").encode()
                try:
                    written = sock.send(pending)
                except BlockingIOError:
                    blocked = not select.select([], [sock], [], 0.5)[1]
                    continue
                pending = pending[written:]
                if not pending:
                    sent += 1
            assert blocked, "the listener kept reading while the writer was full"
            sock.settimeout(DEADLINE_S)
        if pending:
            sock.sendall(pending)
            sent += 1
        sock.close()
        wait_for(
            lambda: query(db_path, "SELECT count(*) FROM events")[0][0] == sent + 2,
            "every record sent",
        )
    finally:
        writer.stop()

    # Blocked, never refused: the overload counter is for senders turned away.
    assert writer.stats.overloaded == 0
    assert query(db_path, "SELECT count(*) FROM rejects") == [(0,)]


def test_otlp_overload_is_503_with_a_status_message(listen, tmp_path: Path) -> None:
    db_path = tmp_path / "held.db"
    writer = WriterThread(db_path, max_queue=1)
    writer.start()
    try:
        listener = listen(writer=writer)
        listener.submit_timeout = 0.05
        body = _one_genai_span()
        assert ExportTraceServiceRequest.FromString(body).resource_spans
        with writer_held(db_path, writer):
            refused = post(
                listener.address,
                "/v1/traces",
                body,
                {"Content-Type": "application/x-protobuf"},
            )
    finally:
        writer.stop()

    assert refused.status == 503
    assert int(refused.headers["Retry-After"]) >= 1
    assert status_pb2.Status.FromString(refused.body).code == 14  # UNAVAILABLE
    assert writer.stats.overloaded == 1


def _one_genai_span() -> bytes:
    span = Span(
        trace_id=b"\x01" * 16,
        span_id=b"\x02" * 8,
        start_time_unix_nano=1_735_689_600_000_000_000,
        end_time_unix_nano=1_735_689_601_000_000_000,
        attributes=[
            KeyValue(key="gen_ai.request.model", value=AnyValue(string_value="gpt-4o")),
            KeyValue(key="gen_ai.usage.input_tokens", value=AnyValue(int_value=5)),
        ],
    )
    request = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=[span])])]
    )
    return request.SerializeToString()
