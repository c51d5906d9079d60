"""Real log files, a real agent and polling waits for the ingest tests."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
#: 2026-12-01T00:00:00Z; every record carries its own timestamp.
T0 = 1_795_996_800


def record(index: int, prefix: str = "r", **fields: Any) -> dict[str, Any]:
    """A native record with its own request id and timestamp."""
    return {
        "request_id": f"{prefix}{index}",
        "timestamp": T0 + index,
        "workflow": "chatbot_reply",
        "model": "gpt-4o-mini",
        "input_tokens": 100 + index % 7,
        "output_tokens": 20,
        "latency_ms": 300 + index % 11,
        **fields,
    }


def line(index: int, prefix: str = "r", **fields: Any) -> bytes:
    return json.dumps(record(index, prefix, **fields)).encode() + b"\n"


def append(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Append and flush, the way an application writes its log."""
    chunk = data if isinstance(data, bytes) else b"".join(data)
    with path.open("ab") as handle:
        handle.write(chunk)


def lines(indexes: Iterable[int], prefix: str = "r") -> bytes:
    return b"".join(line(index, prefix) for index in indexes)


def query(db: Path, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, list(params)).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
    finally:
        conn.close()


def count(db: Path) -> int:
    rows = query(db, "SELECT count(*) FROM events")
    return rows[0][0] if rows else 0


def request_ids(db: Path) -> list[str]:
    return sorted(row[0] for row in query(db, "SELECT request_id FROM events"))


def wait_for(
    predicate: Callable[[], bool], *, timeout: float = 20.0, what: str = "condition"
) -> None:
    """Poll until `predicate` holds; generous deadlines, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def wait_for_count(db: Path, expected: int, *, timeout: float = 20.0) -> None:
    wait_for(
        lambda: count(db) >= expected,
        timeout=timeout,
        what=f"{expected} events (have {count(db)})",
    )


def committed_offset(db: Path, path: Path) -> int | None:
    """The offset committed for the file now at `path` (found by its inode)."""
    info = path.stat()
    rows = query(
        db,
        "SELECT offset FROM sources WHERE device = ? AND inode = ?",
        [info.st_dev, info.st_ino],
    )
    return rows[0][0] if rows else None


def wait_committed(db: Path, *paths: Path, timeout: float = 20.0) -> None:
    """Wait until every file's whole content is committed: then counts are final."""
    for path in paths:
        wait_for(
            lambda path=path: committed_offset(db, path) == path.stat().st_size,
            timeout=timeout,
            what=f"{path.name} committed to its end ({path.stat().st_size} bytes, "
            f"committed {committed_offset(db, path)})",
        )


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "llmtop", *args]
