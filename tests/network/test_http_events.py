"""POST /v1/events on a real loopback port, checked against the SQLite file."""

from __future__ import annotations

import gzip
import http.client
import json
from pathlib import Path

from llmtop.ingest.listen import Listener
from tests.network.helpers import DEADLINE_S, post, query

# 2025-01-01T00:00:00Z is 1_735_689_600 s after the epoch.
JAN_1_MS = 1_735_689_600_000


def record(request_id: str, **fields: object) -> dict[str, object]:
    return {
        "request_id": request_id,
        "timestamp": "2025-01-01T00:00:00Z",
        "model": "gpt-4o-mini",
        "input_tokens": 100,
        "output_tokens": 20,
        "workflow": "chat",
        **fields,
    }


def line(value: object) -> bytes:
    return json.dumps(value).encode() + b"\n"


def test_one_object_is_stored_and_a_retry_is_a_duplicate(listen, db_path: Path) -> None:
    listener: Listener = listen()
    body = json.dumps(record("r1", user_tier="pro")).encode()

    first = post(listener.address, "/v1/events", body)
    again = post(listener.address, "/v1/events", body)

    assert first.status == 200
    assert first.json() == {
        "records": 1,
        "stored": 1,
        "duplicates": 0,
        "rejected": 0,
        "rejects": [],
    }
    assert again.json()["stored"] == 0
    assert again.json()["duplicates"] == 1
    assert query(
        db_path, "SELECT request_id, ts, user_tier, input_tokens FROM events"
    ) == [("r1", JAN_1_MS, "pro", 100)]


def test_an_array_reports_rejects_by_index(listen, db_path: Path) -> None:
    listener = listen()
    body = json.dumps([record("a1"), 42, record("a2", output_tokens=5)]).encode()

    answer = post(listener.address, "/v1/events", body)

    assert answer.status == 200
    result = answer.json()
    assert (result["records"], result["stored"], result["rejected"]) == (3, 2, 1)
    assert result["rejects"][0]["index"] == 1
    assert "expected a JSON object" in result["rejects"][0]["reason"]
    # 20 + 5 output tokens over the two stored records.
    assert query(db_path, "SELECT count(*), sum(output_tokens) FROM events") == [
        (2, 25)
    ]


def test_ndjson_with_bad_lines_stores_the_good_ones(listen, db_path: Path) -> None:
    listener = listen()
    lines = [
        line(record("n1")),
        b"{not json\n",
        b"\n",
        line(record("n2")),
        line(record("n3", timestamp="yesterday")),
    ]
    body = b"".join(lines)

    answer = post(listener.address, "/v1/events", body)

    assert answer.status == 200
    result = answer.json()
    # Four non-blank lines: two stored, line 2 is not JSON, line 5 has no time.
    assert (result["records"], result["stored"], result["rejected"]) == (4, 2, 2)
    assert [reject["line"] for reject in result["rejects"]] == [2, 5]
    assert result["rejects"][0]["reason"].startswith("not valid JSON")
    assert result["rejects"][1]["reason"].startswith("timestamp:")
    assert query(db_path, "SELECT request_id FROM events ORDER BY request_id") == [
        ("n1",),
        ("n2",),
    ]
    # Line 2 starts right after line 1; line 5 after lines 1 to 4.
    offset_2 = len(lines[0])
    offset_5 = sum(len(part) for part in lines[:4])
    assert query(
        db_path, "SELECT line_no, byte_offset FROM rejects ORDER BY line_no"
    ) == [(2, offset_2), (5, offset_5)]


def test_a_body_that_is_not_json_at_all_is_400_and_stores_nothing(
    listen, db_path: Path
) -> None:
    listener = listen()

    answer = post(listener.address, "/v1/events", b"hello world\nstill not json\n")
    empty = post(listener.address, "/v1/events", b"   ")

    assert answer.status == 400
    assert "not JSON" in answer.json()["error"]
    assert empty.status == 400
    assert query(db_path, "SELECT count(*) FROM events") == [(0,)]
    assert query(db_path, "SELECT count(*) FROM rejects") == [(0,)]


def test_a_body_over_the_limit_is_413(listen, db_path: Path) -> None:
    listener = listen(max_body_bytes=1024)
    padded = record("big", note="x" * 2000)

    answer = post(listener.address, "/v1/events", json.dumps(padded).encode())

    assert answer.status == 413
    assert "1024-byte limit" in answer.json()["error"]
    assert query(db_path, "SELECT count(*) FROM events") == [(0,)]


def test_the_declared_length_is_refused_before_the_body_is_read(listen) -> None:
    import socket

    listener = listen(max_body_bytes=1024)
    host, port = listener.address
    with socket.create_connection((host, port), timeout=DEADLINE_S) as sock:
        # Claims a gigabyte and sends ten bytes: an answer can only come from
        # the header, since the rest of the body never arrives.
        sock.sendall(
            b"POST /v1/events HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 1073741824\r\n\r\n0123456789"
        )
        status_line = sock.makefile("rb").readline()
    assert status_line.split()[1] == b"413"


def test_a_body_without_length_is_411_and_a_chunked_one_is_read(
    listen, db_path: Path
) -> None:
    import socket

    listener = listen()
    with socket.create_connection(listener.address, timeout=DEADLINE_S) as sock:
        sock.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.makefile("rb").readline().split()[1] == b"411"

    conn = http.client.HTTPConnection(*listener.address, timeout=DEADLINE_S)
    parts = [line(record("c1")), line(record("c2"))]
    conn.request("POST", "/v1/events", body=iter(parts), encode_chunked=True)
    response = conn.getresponse()
    assert response.status == 200
    assert json.loads(response.read())["stored"] == 2
    conn.close()
    assert query(db_path, "SELECT count(*) FROM events") == [(2,)]


def test_a_chunked_body_over_the_limit_is_413(listen) -> None:
    listener = listen(max_body_bytes=1024)
    conn = http.client.HTTPConnection(*listener.address, timeout=DEADLINE_S)
    # Three chunks of 600 bytes: the second one passes 1024.
    conn.request("POST", "/v1/events", body=iter([b" " * 600] * 3), encode_chunked=True)
    assert conn.getresponse().status == 413
    conn.close()


def test_gzip_bodies_are_inflated_within_the_limit(listen, db_path: Path) -> None:
    listener = listen(max_body_bytes=1 << 20)
    body = gzip.compress(line(record("g1")) + line(record("g2")))

    answer = post(listener.address, "/v1/events", body, {"Content-Encoding": "gzip"})
    # Two MiB of spaces squeeze into a few kilobytes, but inflate past 1 MiB.
    bomb = post(
        listener.address,
        "/v1/events",
        gzip.compress(b" " * (2 << 20)),
        {"Content-Encoding": "gzip"},
    )
    corrupt = post(
        listener.address, "/v1/events", body[:-12], {"Content-Encoding": "gzip"}
    )

    assert answer.status == 200
    assert answer.json()["stored"] == 2
    assert bomb.status == 413
    assert "decompressed body" in bomb.json()["error"]
    assert corrupt.status == 400
    assert query(db_path, "SELECT count(*) FROM events") == [(2,)]


def test_unknown_paths_are_404_and_other_methods_405(listen) -> None:
    listener = listen()

    missing = post(listener.address, "/v1/nothing", b"{}")
    wrong_method = post(listener.address, "/v1/events", b"", method="GET")

    assert missing.status == 404
    assert wrong_method.status == 405
    assert wrong_method.headers["Allow"] == "POST"


def test_two_requests_share_one_connection(listen, db_path: Path) -> None:
    listener = listen()
    conn = http.client.HTTPConnection(*listener.address, timeout=DEADLINE_S)
    for request_id in ("k1", "k2"):
        conn.request("POST", "/v1/events", body=json.dumps(record(request_id)))
        response = conn.getresponse()
        assert response.status == 200
        response.read()
    conn.close()
    assert query(db_path, "SELECT count(*) FROM events") == [(2,)]


def test_a_client_that_expects_100_continue_is_answered_before_its_body(
    listen, db_path: Path
) -> None:
    import socket

    listener = listen()
    body = json.dumps(record("e1")).encode()
    head = (
        b"POST /v1/events HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        b"Content-Length: %d\r\n" % len(body)
    )
    with socket.create_connection(listener.address, timeout=DEADLINE_S) as sock:
        sock.sendall(head + b"Origin: http://localhost:8080\r\n\r\n")
        refused = sock.makefile("rb").readline()
    with socket.create_connection(listener.address, timeout=DEADLINE_S) as sock:
        sock.sendall(head + b"\r\n")
        reader = sock.makefile("rb")
        go_ahead = reader.readline()
        while reader.readline() not in (b"\r\n", b""):
            pass  # the rest of the 100 Continue's head
        sock.sendall(body)
        stored = reader.readline()

    assert refused.split()[1] == b"403"
    assert go_ahead.split()[1] == b"100"
    assert stored.split()[1] == b"200"
    assert query(db_path, "SELECT request_id FROM events") == [("e1",)]


def test_a_kept_alive_client_is_refused_once_the_listener_closes(
    listen, db_path: Path
) -> None:
    listener = listen()
    conn = http.client.HTTPConnection(*listener.address, timeout=DEADLINE_S)
    conn.request("POST", "/v1/events", body=json.dumps(record("before")))
    first = conn.getresponse()
    first.read()

    listener.close()
    conn.request("POST", "/v1/events", body=json.dumps(record("after")))
    second = conn.getresponse()
    second.read()
    conn.close()

    assert first.status == 200
    assert second.status == 503
    assert second.getheader("Retry-After") is not None
    assert query(db_path, "SELECT request_id FROM events") == [("before",)]
