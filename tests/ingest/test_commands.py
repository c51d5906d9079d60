"""`llmtop ingest`, `llmtop rejects` and `llmtop agent -` as a user runs them."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

from llmtop.cli import main
from tests.ingest.helpers import (
    REPO,
    cli,
    cli_env,
    line,
    lines,
    record,
    request_ids,
    wait_for_count,
)

BAD_JSON = b'{"request_id": "broken", \n'
NO_TIME = b'{"request_id": "t1", "timestamp": "yesterday", "model": "gpt-4o"}\n'


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(lines(range(4)) + BAD_JSON + b"\n")
    (folder / "b.log").write_bytes(lines(range(4, 6)) + NO_TIME + NO_TIME)
    (folder / "c.json").write_text(json.dumps(record(6), indent=2))
    (folder / "README.md").write_text("# not a log\n")
    return folder


def test_ingest_prints_what_was_read_stored_and_rejected(
    logs: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(logs), "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    # a.jsonl: 4 records, a broken line, a blank line (6 lines); b.log: 2
    # records and 2 bad timestamps (4 lines); c.json: 1 document of 9 lines.
    assert f"read 19 lines from 3 sources into {db_path}" in out
    assert _field(out, "stored") == "7"
    assert _field(out, "duplicates") == "0"
    assert _field(out, "rejected") == "3"
    assert "       2  timestamp: not an ISO-8601 time\n" in out
    assert "       1  not valid JSON" in out
    assert request_ids(db_path) == sorted(f"r{i}" for i in range(7))

    assert main(["ingest", str(logs), "--db", str(db_path)]) == 0
    again = capsys.readouterr().out
    assert (_field(again, "stored"), _field(again, "duplicates")) == ("0", "7")


def test_ingest_counts_one_of_a_thing_in_the_singular(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = tmp_path / "one.jsonl"
    one.write_bytes(line(0))
    assert main(["ingest", str(one), "--db", str(db_path)]) == 0
    assert f"read 1 line from 1 source into {db_path}\n" in capsys.readouterr().out

    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    main(["ingest", str(empty), "--db", str(db_path)])
    assert f"read 0 lines from 1 source into {db_path}\n" in capsys.readouterr().out

    main(["ingest", str(one), str(empty), "--db", str(db_path)])
    assert f"read 1 line from 2 sources into {db_path}\n" in capsys.readouterr().out


def test_ingest_groups_rejects_by_what_is_wrong_with_one_example_each(
    tmp_path: Path,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # short paths, so no example line is clipped
    stamps: list[object] = [
        "yesterday",  # line 2: not ISO-8601
        "tomorrow",
        "2026-13-45",  # month 13
        "soon",
        1,  # line 6: 1970-01-01T00:00:01Z, outside 1990..2100
        "2200-01-01T00:00:00Z",
        10**25,  # read as nanoseconds: the year 2286
    ]
    bad = [
        json.dumps({"request_id": f"b{i}", "timestamp": stamp, "model": "gpt-4o"})
        for i, stamp in enumerate(stamps)
    ]
    Path("t.jsonl").write_bytes(line(0) + "\n".join(bad).encode() + b"\n" + BAD_JSON)

    assert main(["ingest", "t.jsonl", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out

    assert _field(out, "rejected") == "8"
    source = str(tmp_path / "t.jsonl")
    expected = [
        "           4  timestamp: not an ISO-8601 time",
        f"              first at {source}:2 "
        "(timestamp: 'yesterday' is not an ISO-8601 time)",
        "           3  timestamp: outside 1990..2100",
        f"              first at {source}:6 (timestamp: 1 is outside 1990..2100)",
        "           1  not valid JSON: unexpected end of data",
        f"              first at {source}:9 (not valid JSON: unexpected end of data: "
        "line 1 column 25 (char 24))",
    ]
    body = out.splitlines()
    start = body.index(expected[0])
    got = body[start : start + 6]
    assert got[0::2] == expected[0::2]
    # An example keeps its whole reason; a long path may lose its start.
    prefix = "              first at "
    for shown, wanted in zip(got[1::2], expected[1::2]):
        assert shown.startswith(prefix) and len(shown) <= len(prefix) + 160
        assert wanted.startswith(prefix)
        tail = wanted[len(prefix) :].rsplit("/", 1)[-1]
        assert tail in shown


def test_ingest_exits_non_zero_when_nothing_could_be_read(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing-*.jsonl"
    assert main(["ingest", str(missing), "--db", str(db_path)]) == 1
    assert f"no file matches {missing}" in capsys.readouterr().err

    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(BAD_JSON + NO_TIME)
    assert main(["ingest", str(junk), "--db", str(db_path)]) == 1
    captured = capsys.readouterr()
    assert _field(captured.out, "rejected") == "2"
    assert "no usage record could be read" in captured.err


def test_rejects_lists_source_line_offset_and_reason(
    logs: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["ingest", str(logs), "--db", str(db_path)])
    capsys.readouterr()
    assert main(["rejects", "--db", str(db_path), "--format", "json"]) == 0
    rejects = json.loads(capsys.readouterr().out)
    found = sorted(
        (Path(item["source"]).name, item["line_no"], item["byte_offset"])
        for item in rejects
    )
    # BAD_JSON is line 5 of a.jsonl, after four record lines; the two bad
    # timestamps are lines 3 and 4 of b.log, after two record lines.
    a_offset = len(lines(range(4)))
    b_offset = len(lines(range(4, 6)))
    assert found == [
        ("a.jsonl", 5, a_offset),
        ("b.log", 3, b_offset),
        ("b.log", 4, b_offset + len(NO_TIME)),
    ]
    assert all(item["reason"] for item in rejects)


def test_rejects_table_shows_record_text_inert(
    tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "evil.jsonl"
    log.write_bytes(line(0) + b"\x1b[31mred\x1b[0m not json\n")
    main(["ingest", str(log), "--db", str(db_path)])
    capsys.readouterr()
    assert main(["rejects", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\\x1b[31mred" in out


def test_ingest_reads_stdin(db_path: Path) -> None:
    done = subprocess.run(
        cli("ingest", "-", "--db", str(db_path)),
        input=lines(range(3)),
        cwd=REPO,
        env=cli_env(),
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert request_ids(db_path) == ["r0", "r1", "r2"]


@pytest.mark.slow
def test_agent_reads_stdin_until_stopped(db_path: Path) -> None:
    agent = subprocess.Popen(
        cli("agent", "-", "--db", str(db_path)),
        stdin=subprocess.PIPE,
        cwd=REPO,
        env=cli_env(),
        stderr=subprocess.PIPE,
    )
    try:
        assert agent.stdin is not None
        agent.stdin.write(lines(range(3)))
        agent.stdin.flush()
        wait_for_count(db_path, 3, timeout=60)
        agent.stdin.write(line(3)[:-1])  # no newline: committed at shutdown
        agent.stdin.flush()
    finally:
        agent.send_signal(signal.SIGTERM)
        _, err = agent.communicate(timeout=20)
    assert agent.returncode == 0, err
    assert request_ids(db_path) == ["r0", "r1", "r2", "r3"], err.decode()


def _field(out: str, name: str) -> str:
    for text in out.splitlines():
        words = text.split()
        if words and words[0] == name:
            return words[1].replace(",", "")
    raise AssertionError(f"no {name!r} line in:\n{out}")
