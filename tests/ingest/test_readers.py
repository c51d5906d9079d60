"""One writer and several readers on one database: no locking, a small WAL."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.ingest.helpers import (
    REPO,
    append,
    cli_env,
    count,
    lines,
    wait_committed,
)

PROBE = Path(__file__).with_name("reader_probe.py")
MIB = 1 << 20


@pytest.mark.slow
def test_writer_and_readers_hammer_one_database(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(b"")
    stop_file = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, str(PROBE), str(db_path), str(stop_file)],
            cwd=REPO,
            env=cli_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    start_agent([str(log)])

    # The application writes 120,000 records in 240 appends while readers refresh.
    total, step = 120_000, 500
    wal = db_path.with_name(db_path.name + "-wal")
    wal_sizes: list[int] = []
    done = threading.Event()

    def sample_wal() -> None:
        while not done.wait(0.02):
            if wal.exists():
                wal_sizes.append(wal.stat().st_size)

    sampler = threading.Thread(target=sample_wal)
    sampler.start()
    try:
        for start in range(0, total, step):
            append(log, lines(range(start, start + step)))
        wait_committed(db_path, log, timeout=120)
    finally:
        done.set()
        sampler.join()
        stop_file.touch()
    results = []
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        assert reader.returncode == 0, err
        results.append(json.loads(out))

    assert count(db_path) == total
    for result in results:
        assert result["locked"] == 0
        assert result["refreshes"] > 1
    # Each reader's last refresh, after the last commit, saw every record.
    assert [result["last"] for result in results] == [total] * 3
    # Readers hold no snapshot between refreshes, so checkpoints keep the WAL
    # near SQLite's 1000-page autocheckpoint (4 MiB) plus one merged commit.
    # A reader pinning an old snapshot would let it grow to the whole database,
    # which is over twice the bound here.
    database = db_path.stat().st_size
    assert database > 32 * MIB, database
    assert max(wal_sizes) < 16 * MIB, (max(wal_sizes), database)
