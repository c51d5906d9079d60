"""One line with a stray byte gives the same reason from a file, a socket and HTTP."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from llmtop.ingest.once import ingest
from tests.network.helpers import DEADLINE_S, post, query, wait_for

# `{"request_id": "u1", "model": "` is 31 bytes, so 0xff is byte 31 (from 0).
PREFIX = b'{"request_id": "u1", "model": "'
BAD_LINE = PREFIX + b'\xffgpt-4o", "input_tokens": 5, "output_tokens": 1}'
REASON = "not valid UTF-8: byte 31 of the line is 0xff; line skipped"
GOOD_LINE = json.dumps(
    {
        "request_id": "ok",
        "timestamp": 1_735_689_600,
        "model": "gpt-4o-mini",
        "input_tokens": 5,
        "output_tokens": 1,
    }
).encode()


def test_the_prefix_is_as_long_as_the_reason_says() -> None:
    assert len(PREFIX) == 31 and BAD_LINE[31] == 0xFF


def test_a_file_names_the_bad_byte(tmp_path: Path) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_bytes(GOOD_LINE + b"\n" + BAD_LINE + b"\n")
    db = tmp_path / "file.db"

    report = ingest(db, [str(log)])

    assert report.stored == 1
    assert query(db, "SELECT line_no, reason FROM rejects") == [(2, REASON)]


def test_the_unix_socket_gives_the_file_readers_reason(
    listen, tmp_path: Path, db_path: Path
) -> None:
    path = tmp_path / "u.sock"
    listen(f"unix:{path}")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(DEADLINE_S)
        sock.connect(str(path))
        # The bad line ends the stream without a newline, the last-line path.
        sock.sendall(BAD_LINE + b"\n" + GOOD_LINE + b"\n" + BAD_LINE)

    def two_rejects() -> bool:
        return query(db_path, "SELECT count(*) FROM rejects") == [(2,)]

    wait_for(two_rejects, "both bad lines rejected")
    assert query(db_path, "SELECT line_no, reason FROM rejects ORDER BY line_no") == [
        (1, REASON),
        (3, REASON),
    ]


def test_http_ndjson_gives_the_file_readers_reason(listen, db_path: Path) -> None:
    listener = listen()
    body = GOOD_LINE + b"\n" + BAD_LINE + b"\n"

    answer = post(listener.address, "/v1/events", body)

    assert answer.status == 200
    assert answer.json()["rejects"] == [{"line": 2, "reason": REASON}]
    assert query(db_path, "SELECT reason FROM rejects") == [(REASON,)]


def test_an_http_body_that_is_only_bad_bytes_says_so(listen) -> None:
    listener = listen()

    answer = post(listener.address, "/v1/events", BAD_LINE)

    assert answer.status == 400
    assert answer.json()["error"] == f"the body is not JSON (line 1: {REASON})"
