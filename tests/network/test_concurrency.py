"""Many senders at once, over HTTP and the unix socket, into one writer."""

from __future__ import annotations

import json
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.network.helpers import DEADLINE_S, post, query, wait_for

SENDERS = 4
REQUESTS = 10
PER_REQUEST = 25


def body(sender: int, request: int) -> bytes:
    return b"".join(
        json.dumps(
            {
                "request_id": f"{sender}-{request}-{index}",
                "timestamp": 1_735_689_600_000 + index,
                "model": "gpt-4o-mini",
                "input_tokens": 3,
                "output_tokens": 1,
            }
        ).encode()
        + b"\n"
        for index in range(PER_REQUEST)
    )


def test_parallel_senders_store_every_record_once(
    listen, tmp_path: Path, db_path: Path
) -> None:
    http_listener = listen()
    sock_path = tmp_path / "many.sock"
    listen(f"unix:{sock_path}")

    def over_http(sender: int) -> int:
        stored = 0
        for request in range(REQUESTS):
            answer = post(http_listener.address, "/v1/events", body(sender, request))
            assert answer.status == 200
            stored += answer.json()["stored"]
        return stored

    def over_unix(sender: int) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(DEADLINE_S)
            sock.connect(str(sock_path))
            for request in range(REQUESTS):
                sock.sendall(body(100 + sender, request))

    with ThreadPoolExecutor(SENDERS * 2) as pool:
        reported = pool.map(over_http, range(SENDERS))
        list(pool.map(over_unix, range(SENDERS)))
        http_stored = sum(reported)

    # Each side: 4 senders * 10 requests * 25 records = 1000 distinct ids.
    per_side = SENDERS * REQUESTS * PER_REQUEST
    assert http_stored == per_side
    wait_for(
        lambda: query(db_path, "SELECT count(*) FROM events")[0][0] == 2 * per_side,
        "every record",
    )
    # 2000 records of 3 input tokens each.
    assert query(
        db_path, "SELECT count(DISTINCT request_id), sum(input_tokens) FROM events"
    ) == [(2 * per_side, 6000)]
