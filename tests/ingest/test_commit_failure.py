"""When the writer's commit fails or never comes, every source reports; none hangs.

The writer here is the real one on a real SQLite file, except that `submit`
can be told to hand back a future that raises (a failed commit) or one that is
never completed (a writer thread that died), the two faults under test.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any, ClassVar

import pytest

import llmtop.ingest.agent as agent_module
import llmtop.ingest.follower as follower_module
import llmtop.ingest.once as once_module
from llmtop.cli import main
from llmtop.ingest.writer_thread import WriterThread
from llmtop.store import Batch, BatchResult
from tests.ingest.helpers import append, committed_offset, lines, request_ids, wait_for

DISK_FULL = "database or disk is full"
DEADLINE_S = 20.0


class FaultyWriter(WriterThread):
    """The real writer, with a switch for what `submit` hands back."""

    mode: ClassVar[str] = "ok"  # "ok", "fail" (future raises), "hang" (never set)
    submitted: ClassVar[int] = 0

    def submit(self, batch: Batch, timeout: float | None = None) -> Future[BatchResult]:
        type(self).submitted += 1
        if self.mode == "ok":
            return super().submit(batch, timeout)
        future: Future[BatchResult] = Future()
        if self.mode == "fail":
            future.set_exception(sqlite3.OperationalError(DISK_FULL))
        return future


@pytest.fixture
def faulty(monkeypatch: pytest.MonkeyPatch) -> type[FaultyWriter]:
    monkeypatch.setattr(FaultyWriter, "mode", "ok")
    monkeypatch.setattr(FaultyWriter, "submitted", 0)
    monkeypatch.setattr(once_module, "WriterThread", FaultyWriter)
    monkeypatch.setattr(agent_module, "WriterThread", FaultyWriter)
    return FaultyWriter


def _run_ingest(*args: str) -> int:
    """`llmtop ingest ARGS`, failing the test if it has not ended in time."""
    result: list[Any] = []
    thread = threading.Thread(
        target=lambda: result.append(main(["ingest", *args])), daemon=True
    )
    thread.start()
    thread.join(DEADLINE_S)
    assert not thread.is_alive(), "llmtop ingest hung"
    return result[0]


def test_ingest_stops_with_an_error_when_a_commit_fails(
    faulty: type[FaultyWriter],
    tmp_path: Path,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = tmp_path / "a.jsonl"
    log.write_bytes(lines(range(3)))
    faulty.mode = "fail"

    assert _run_ingest(str(log), "--db", str(db_path)) == 1

    err = capsys.readouterr().err
    assert f"llmtop ingest: could not commit {log}: {DISK_FULL}" in err
    assert "stopped early: a commit failed" in err
    # One batch was tried, not the same lines again and again.
    assert faulty.submitted == 1
    assert request_ids(db_path) == []

    # Once the fault is gone, a second run stores everything.
    faulty.mode = "ok"
    assert _run_ingest(str(log), "--db", str(db_path)) == 0
    assert request_ids(db_path) == ["r0", "r1", "r2"]


def test_ingest_gives_up_on_a_writer_that_never_answers(
    faulty: type[FaultyWriter],
    tmp_path: Path,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(follower_module, "COMMIT_TIMEOUT_S", 0.3)
    folder = tmp_path / "logs"
    folder.mkdir()
    # Seven files, so more batches than may be in flight (four) are sent.
    for index in range(7):
        (folder / f"f{index}.jsonl").write_bytes(lines(range(index, index + 1)))
    faulty.mode = "hang"

    assert _run_ingest(str(folder), "--db", str(db_path)) == 1

    err = capsys.readouterr().err
    assert "the writer did not answer within 0.3 s" in err
    assert err.count("did not answer") == 1
    assert "stopped early" in err
    assert request_ids(db_path) == []


def test_ingest_of_stdin_ends_when_commits_fail(
    faulty: type[FaultyWriter],
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read, write = os.pipe()
    with open(write, "wb") as sink:
        sink.write(lines(range(3)))
    source = open(read, "rb")  # noqa: SIM115 - closed below
    monkeypatch.setattr("sys.stdin", type("Stdin", (), {"buffer": source})())
    faulty.mode = "fail"
    try:
        assert _run_ingest("-", "--db", str(db_path)) == 1
    finally:
        source.close()
    err = capsys.readouterr().err
    assert f"could not commit <stdin>: {DISK_FULL}" in err
    assert "stopped early" in err
    assert request_ids(db_path) == []


def test_the_agent_pauses_after_a_failed_commit_and_resumes_from_its_position(
    faulty: type[FaultyWriter],
    start_agent,
    tmp_path: Path,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(follower_module, "RETRY_AFTER_FAILURE_S", 0.5)
    log = tmp_path / "live.jsonl"
    log.write_bytes(b"")
    faulty.mode = "fail"
    agent = start_agent([str(log)], poll=True)

    append(log, lines(range(4)))
    wait_for(
        lambda: any(DISK_FULL in error for error in agent.status().errors),
        what="the failed commit reported",
    )
    assert request_ids(db_path) == []
    assert committed_offset(db_path, log) is None

    faulty.mode = "ok"
    wait_for(lambda: request_ids(db_path) == [f"r{i}" for i in range(4)], what="rows")
    wait_for(
        lambda: committed_offset(db_path, log) == log.stat().st_size,
        what="the position committed",
    )
    stopped = threading.Thread(target=agent.stop)
    stopped.start()
    stopped.join(DEADLINE_S)
    assert not stopped.is_alive(), "the agent did not stop"


def test_the_agent_reading_stdin_reports_a_writer_that_never_answers(
    faulty: type[FaultyWriter],
    start_agent,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agent_module, "COMMIT_TIMEOUT_S", 0.3)
    read, write = os.pipe()
    with open(write, "wb") as sink:
        sink.write(lines(range(3)))
    source = open(read, "rb")  # noqa: SIM115 - closed below
    monkeypatch.setattr("sys.stdin", type("Stdin", (), {"buffer": source})())
    faulty.mode = "hang"
    try:
        agent = start_agent(["-"])
        wait_for(
            lambda: (
                "could not commit stdin records: the writer did not answer "
                "within 0.3 s" in agent.status().errors
            ),
            what="the stalled writer reported",
        )
        stopped = threading.Thread(target=agent.stop)
        stopped.start()
        stopped.join(DEADLINE_S)
        assert not stopped.is_alive(), "the agent did not stop"
    finally:
        source.close()
