"""Clients that hang up before reading their answer, on a real loopback port."""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
from pathlib import Path

import pytest

from llmtop.ingest.listen import Listener
from tests.network.helpers import DEADLINE_S, post, query

CLIENTS = 40


def _request(request_id: str) -> bytes:
    body = json.dumps(
        {
            "request_id": request_id,
            "timestamp": "2025-01-01T00:00:00Z",
            "model": "gpt-4o-mini",
            "input_tokens": 100,
            "output_tokens": 20,
        }
    ).encode()
    head = (
        "POST /v1/events HTTP/1.1\r\nHost: llmtop\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _send_and_hang_up(address: tuple[str, int], request_id: str) -> None:
    """Send a whole request, then close with a reset instead of reading."""
    with socket.create_connection(address, timeout=DEADLINE_S) as conn:
        conn.sendall(_request(request_id))
        # SO_LINGER 0: close() sends a reset, the way a killed client goes away.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_clients_that_hang_up_are_logged_in_one_line_without_traceback(
    listen, db_path: Path, caplog: pytest.LogCaptureFixture, capfd
) -> None:
    caplog.set_level(logging.DEBUG, logger="llmtop")
    listener: Listener = listen()

    threads = [
        threading.Thread(target=_send_and_hang_up, args=(listener.address, f"g{i}"))
        for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_S)

    # The server still answers a client that waits for its answer.
    answer = post(
        listener.address,
        "/v1/events",
        _request("kept").split(b"\r\n\r\n", 1)[1],
    )
    assert answer.status == 200
    assert answer.json()["stored"] == 1
    assert query(db_path, "SELECT count(*) FROM events WHERE request_id = 'kept'") == [
        (1,)
    ]

    listener.close()
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert "Traceback" not in caplog.text
    assert "Traceback" not in capfd.readouterr().err
    gone = [r for r in caplog.records if "went away" in r.getMessage()]
    assert gone, "no hang-up was noticed: the test did not exercise the fault"
    assert all(r.levelno == logging.DEBUG for r in gone)
    assert all("\n" not in r.getMessage() for r in gone)
