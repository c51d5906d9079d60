"""NDJSON over a temporary unix socket: file mode, stale files, lines, limits."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest

from llmtop.ingest.listen import ListenError, open_listener
from tests.network.helpers import DEADLINE_S, make_decoder, query, wait_for


def record(request_id: str, output_tokens: int = 7) -> bytes:
    return (
        json.dumps(
            {
                "request_id": request_id,
                "timestamp": 1_735_689_600,
                "model": "claude-sonnet-4",
                "input_tokens": 50,
                "output_tokens": output_tokens,
            }
        ).encode()
        + b"\n"
    )


def send(path: Path, data: bytes) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(DEADLINE_S)
        sock.connect(str(path))
        sock.sendall(data)


def count(db_path: Path, table: str = "events") -> int:
    return query(db_path, f"SELECT count(*) FROM {table}")[0][0]


def test_the_socket_file_is_private(listen, tmp_path: Path) -> None:
    path = tmp_path / "llmtop.sock"
    listener = listen(f"unix:{path}")

    mode = os.stat(path).st_mode
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o600
    assert listener.address == str(path)

    listener.close()
    assert not path.exists()


def test_lines_are_stored_and_a_partial_last_line_is_parsed(
    listen, tmp_path: Path, db_path: Path
) -> None:
    path = tmp_path / "s.sock"
    listen(f"unix:{path}")

    # Two whole lines, a blank one, a bad one and a last line with no newline.
    send(
        path,
        record("u1") + b"\r\n" + record("u2") + b"[1, 2\n" + record("u3").rstrip(),
    )

    wait_for(lambda: count(db_path) == 3 and count(db_path, "rejects") == 1, "rows")
    # Output tokens 7 each: 3 * 7 = 21.
    assert query(db_path, "SELECT sum(output_tokens), min(source) FROM events") == [
        (21, f"unix:{path}")
    ]
    # Lines: u1 is 1, the CRLF blank line 2, u2 is 3, the bad line is 4.
    assert query(
        db_path, "SELECT line_no, reason LIKE 'not valid JSON%' FROM rejects"
    ) == [(4, 1)]


def test_each_connection_has_its_own_line_numbers(
    listen, tmp_path: Path, db_path: Path
) -> None:
    path = tmp_path / "c.sock"
    listen(f"unix:{path}")

    send(path, record("x1") + b"oops\n")
    send(path, b"oops again\n")

    wait_for(lambda: count(db_path, "rejects") == 2, "two rejects")
    assert query(db_path, "SELECT line_no FROM rejects ORDER BY line_no") == [
        (1,),
        (2,),
    ]


def test_a_line_over_the_limit_is_skipped_and_the_next_is_read(
    listen, tmp_path: Path, db_path: Path
) -> None:
    path = tmp_path / "long.sock"
    listen(f"unix:{path}", max_body_bytes=4096)
    huge = b'{"request_id": "huge", "pad": "' + b"x" * 200_000 + b'"}\n'

    send(path, record("before") + huge + record("after"))

    wait_for(lambda: count(db_path) == 2 and count(db_path, "rejects") == 1, "rows")
    assert query(db_path, "SELECT request_id FROM events ORDER BY id") == [
        ("before",),
        ("after",),
    ]
    ((line_no, offset, reason),) = query(
        db_path, "SELECT line_no, byte_offset, reason FROM rejects"
    )
    # The long line is line 2 and starts right after the first record.
    assert (line_no, offset) == (2, len(record("before")))
    assert "4096-byte limit" in reason


def test_a_stale_socket_is_replaced(listen, tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "stale.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))
    dead.close()  # the file stays, nobody listens: a crashed agent's leftover
    assert stat.S_ISSOCK(os.lstat(path).st_mode)

    listen(f"unix:{path}")
    send(path, record("after-stale"))

    wait_for(lambda: count(db_path) == 1, "the record")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_live_socket_is_refused(
    listen, tmp_path: Path, writer, db_path: Path
) -> None:
    path = tmp_path / "live.sock"
    first = listen(f"unix:{path}")

    with pytest.raises(ListenError, match="another process is listening"):
        open_listener(f"unix:{path}", writer, make_decoder)

    # The running listener keeps its file and still answers.
    send(path, record("still-here"))
    wait_for(lambda: count(db_path) == 1, "the record")
    assert first.address == str(path)


def test_a_regular_file_is_never_replaced(tmp_path: Path, writer) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("keep me")

    with pytest.raises(ListenError, match="not a socket"):
        open_listener(f"unix:{path}", writer, make_decoder)
    assert path.read_text() == "keep me"


def test_a_path_too_long_for_the_kernel_is_refused(tmp_path: Path, writer) -> None:
    path = tmp_path / ("d" * 120) / "s.sock"
    with pytest.raises(ListenError, match="limited to 107 bytes"):
        open_listener(f"unix:{path}", writer, make_decoder)
