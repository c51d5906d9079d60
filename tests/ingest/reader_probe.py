"""A live view's reads, run as its own process by the readers test.

Usage: python reader_probe.py DB STOP_FILE. Refreshes the way the TUI does
(data_version, then rollup and recent-row queries on an autocommit connection)
until STOP_FILE exists, then prints JSON: refreshes, locked errors, last count.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path

from llmtop import query
from llmtop.store import open_database


def main(db: str, stop_file: str) -> None:
    while not Path(db).exists():
        time.sleep(0.02)
    conn = open_database(db, readonly=True)
    refreshes = locked = 0
    last = -1
    seen = None
    while True:
        stopping = Path(stop_file).exists()  # then one last refresh, and out
        try:
            version = query.data_version(conn)
            if version != seen:
                seen = version
                window = query.resolve_window(conn, "all")
                last = query.count_in(conn, window, None)
                query.summary(conn, window)
                query.recent(conn, limit=50)
                refreshes += 1
            assert not conn.in_transaction
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                locked += 1
            elif "no such table" not in str(exc):
                raise
        if stopping:
            break
        time.sleep(0.01)
    print(json.dumps({"refreshes": refreshes, "locked": locked, "last": last}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
