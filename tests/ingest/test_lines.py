"""Lines that are wrong: CRLF, BOM, blank, invalid UTF-8, over-long, unterminated."""

from __future__ import annotations

import json
import os
import threading
import tracemalloc
from pathlib import Path

from llmtop.ingest.file_source import FileSource
from llmtop.ingest.once import ingest
from llmtop.ingest.setup import make_decoder_factory
from llmtop.ingest.streams import StreamSource, stdin_reader
from tests.ingest.helpers import (
    append,
    count,
    line,
    query,
    request_ids,
    wait_committed,
    wait_for_count,
)

MIB = 1 << 20


def test_crlf_bom_and_blank_lines_are_accepted(tmp_path: Path, db_path: Path) -> None:
    first = b"\xef\xbb\xbf" + line(0).rstrip(b"\n") + b"\r\n"
    blanks = b"\r\n" + b"\n" + b"   \n"
    log = tmp_path / "app.jsonl"
    log.write_bytes(first + blanks + line(1).rstrip(b"\n") + b"\r\n" + line(2))

    report = ingest(db_path, [str(log)])

    assert (report.stored, report.rejected) == (3, 0)
    # r1 is on line 5: r0, a CRLF blank, an LF blank, a line of spaces, then r1.
    # Its offset is the BOM line plus 2 + 1 + 4 bytes of blank lines.
    assert query(
        db_path, "SELECT source_line, source_offset FROM events WHERE request_id = 'r1'"
    ) == [(5, len(first) + 7)]


def test_invalid_utf8_rejects_that_line_only(tmp_path: Path, db_path: Path) -> None:
    bad = b'{"request_id": "bad", "timestamp": 1795996800, "model": "gpt-\xff\xfe"}\n'
    log = tmp_path / "app.jsonl"
    log.write_bytes(line(0) + bad + line(2))

    report = ingest(db_path, [str(log)])

    assert request_ids(db_path) == ["r0", "r2"]
    assert report.rejected == 1
    [(line_no, offset, reason)] = query(
        db_path, "SELECT line_no, byte_offset, reason FROM rejects"
    )
    # The bad line is line 2 and starts right after line 1's bytes. Before \xff:
    # '{"request_id": ' 15 + '"bad", ' 7 + '"timestamp": ' 13 + '1795996800, ' 12
    # + '"model": ' 9 + '"gpt-' 5 = 61 bytes, so \xff is byte 61 (from 0).
    assert (line_no, offset) == (2, len(line(0)))
    assert reason.startswith("not valid UTF-8: byte 61 of the line is 0xff")


def test_over_long_line_is_skipped_and_the_next_lines_read(
    tmp_path: Path, db_path: Path
) -> None:
    huge = json.dumps({"request_id": "huge", "prompt": "x" * (3 * MIB)}).encode()
    log = tmp_path / "app.jsonl"
    log.write_bytes(line(0) + huge + b"\n" + line(2) + line(3))

    report = ingest(db_path, [str(log)], max_line_bytes=MIB)

    assert request_ids(db_path) == ["r0", "r2", "r3"]
    [(line_no, offset, reason, excerpt)] = query(
        db_path, "SELECT line_no, byte_offset, reason, excerpt FROM rejects"
    )
    assert (line_no, offset) == (2, len(line(0)))
    assert f"line is {len(huge):,} bytes, over the limit of {MIB:,}" in reason
    # Only key names are kept from a line this long, never its content.
    assert excerpt == "keys: request_id, prompt"
    assert report.rejected == 1


def test_over_long_line_is_never_held_whole(tmp_path: Path) -> None:
    huge = b'{"prompt": "' + b"y" * (3 * MIB) + b'"}\n'
    log = tmp_path / "app.jsonl"
    log.write_bytes(huge + line(1))
    decoder = make_decoder_factory({}, None)(str(log))
    source = FileSource.open(log, decoder, max_line_bytes=MIB)

    tracemalloc.start()
    try:
        chunk = source.read(max_lines=100)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        source.close()

    assert chunk is not None
    assert [row["request_id"] for row in chunk.rows] == ["r1"]
    assert len(chunk.rejects) == 1
    # The line is 3 MiB; reading holds at most the 1 MiB probe plus a chunk.
    assert peak < 2 * MIB, peak


def test_unterminated_last_line_waits_for_its_newline(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "app.jsonl"
    partial = line(1)[:-1]
    log.write_bytes(line(0) + partial[:30])
    agent = start_agent([str(log)], idle_seconds=60)
    wait_for_count(db_path, 1)
    # The offset stops at the start of the unfinished line.
    wait_committed_offset = query(db_path, "SELECT offset FROM sources")
    assert wait_committed_offset == [(len(line(0)),)]

    append(log, partial[30:] + b"\n" + line(2))
    wait_committed(db_path, log)
    assert request_ids(db_path) == ["r0", "r1", "r2"]
    assert agent.status().stats.rejected == 0


def test_unterminated_last_line_is_read_when_idle(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(line(0) + line(1)[:-1])
    start_agent([str(log)], idle_seconds=0.3)
    wait_committed(db_path, log)
    assert request_ids(db_path) == ["r0", "r1"]

    # The newline that comes late is a blank line: nothing new, nothing rejected.
    append(log, b"\n" + line(2))
    wait_committed(db_path, log)
    assert request_ids(db_path) == ["r0", "r1", "r2"]
    assert query(db_path, "SELECT count(*) FROM rejects") == [(0,)]


def test_unterminated_last_line_is_read_at_shutdown(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(line(0) + line(1)[:-1])
    agent = start_agent([str(log)], idle_seconds=60)
    wait_for_count(db_path, 1)
    agent.stop()
    assert request_ids(db_path) == ["r0", "r1"]
    assert query(db_path, "SELECT offset FROM sources") == [
        (len(line(0)) + len(line(1)) - 1,)
    ]


def test_ingest_reads_the_unterminated_last_line(tmp_path: Path, db_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(line(0) + line(1)[:-1])
    report = ingest(db_path, [str(log)])
    assert (report.stored, count(db_path)) == (2, 2)


def test_a_stream_skips_an_over_long_line_and_reads_on(tmp_path: Path) -> None:
    huge = b'{"prompt": "' + b"z" * (3 * MIB) + b'"}\n'
    data = line(0) + huge + line(2) + line(3)[:-1]
    read_fd, write_fd = os.pipe()
    writer = threading.Thread(target=_write_all, args=(write_fd, data))
    writer.start()
    stop = threading.Event()
    with os.fdopen(read_fd, "rb") as stream:
        decoder = make_decoder_factory({}, None)("<stdin>")
        source = StreamSource(
            "<stdin>", "stdin", stdin_reader(stream, stop), decoder, max_line_bytes=MIB
        )
        rows, rejects = [], []
        while True:
            ended = source.ended
            chunk = source.read(final=ended)
            if chunk is not None:
                rows += chunk.rows
                rejects += chunk.rejects
            elif ended:
                break
    writer.join()

    assert [row["request_id"] for row in rows] == ["r0", "r2", "r3"]
    assert [(item["line_no"], item["byte_offset"]) for item in rejects] == [
        (2, len(line(0)))
    ]
    # Every byte was passed: the offset is the whole stream (no final newline).
    assert source.offset == len(data)


def _write_all(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as pipe:
        for start in range(0, len(data), 65536):
            pipe.write(data[start : start + 65536])
