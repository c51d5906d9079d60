"""Restarts and crashes: each file resumes from its committed offset."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.ingest.helpers import (
    REPO,
    append,
    cli,
    cli_env,
    count,
    lines,
    query,
    request_ids,
    wait_committed,
    wait_for,
)


def test_restart_resumes_from_the_committed_offset(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(lines(range(100)))
    first = start_agent([str(log)])
    wait_committed(db_path, log)
    first.stop()
    append(log, lines(range(100, 150)))

    second = start_agent([str(log)])
    wait_committed(db_path, log)
    stats = second.status().stats
    # Only the 50 new lines were read again: none came back as a duplicate.
    assert (stats.stored, stats.duplicates) == (50, 0)
    assert count(db_path) == 150


def test_another_file_under_the_same_name_is_read_from_zero(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(lines(range(10)))
    first = start_agent([str(log)])
    wait_committed(db_path, log)
    first.stop()

    keep = tmp_path / "keep"  # holds the old inode so it cannot be reused
    log.rename(keep)
    log.write_bytes(lines(range(100, 120)))
    start_agent([str(log)])
    wait_committed(db_path, log)
    assert count(db_path) == 30


@pytest.mark.slow
def test_sigkill_at_several_points_loses_and_doubles_nothing(
    tmp_path: Path, db_path: Path
) -> None:
    log = tmp_path / "big.jsonl"
    total = 120_000
    log.write_bytes(lines(range(total)))

    def run_agent() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            cli("agent", str(log), "--db", str(db_path)),
            cwd=REPO,
            env=cli_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    # Kill right away, then at growing counts, while the application keeps
    # appending between runs.
    for stage, threshold in enumerate((0, 15_000, 50_000, 90_000)):
        agent = run_agent()
        try:
            wait_for(
                lambda t=threshold, p=agent: (
                    count(db_path) >= t or p.poll() is not None
                ),
                timeout=60,
                what=f"{threshold} events before the kill",
            )
            assert agent.poll() is None, "the agent exited on its own"
        finally:
            agent.send_signal(signal.SIGKILL)
            agent.wait()
        extra = range(total + stage * 1000, total + stage * 1000 + 1000)
        append(log, lines(extra))

    final = run_agent()
    try:
        wait_committed(db_path, log, timeout=90)
    finally:
        final.send_signal(signal.SIGTERM)
        assert final.wait(timeout=30) == 0

    expected = sorted(
        [f"r{i}" for i in range(total)]
        + [f"r{total + s * 1000 + i}" for s in range(4) for i in range(1000)]
    )
    assert count(db_path) == total + 4000
    assert request_ids(db_path) == expected
    # Every record once in the rollups too: the minute rollup sums to the total.
    assert query(db_path, "SELECT sum(n) FROM rollup_minute WHERE dim = '*'") == [
        (total + 4000,)
    ]
    assert not any(name.endswith("-journal") for name in os.listdir(tmp_path))
