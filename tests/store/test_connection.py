"""Opening databases: WAL and timeouts, and no database on a network filesystem."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from llmtop.store import open_database
from llmtop.store.connection import (
    NetworkFilesystemError,
    filesystem_type,
    refuse_network_filesystem,
)


def test_writer_connection_is_wal_with_a_busy_timeout(db_path: Path) -> None:
    conn = open_database(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    reader = open_database(db_path, readonly=True)
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|query_only"):
        reader.execute("DELETE FROM events")


def test_the_innermost_mount_decides(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    mounts = f"/dev/vda / ext4 rw 0 0\nserver:/export {share} nfs4 rw 0 0\n"
    assert filesystem_type(share / "llmtop.db", mounts) == "nfs4"
    assert filesystem_type(tmp_path / "elsewhere.db", mounts) == "ext4"
    with pytest.raises(NetworkFilesystemError, match="nfs4 filesystem"):
        refuse_network_filesystem(share / "llmtop.db", mounts)
    refuse_network_filesystem(tmp_path / "local.db", mounts)  # no error


def test_this_machines_temp_dir_is_accepted(tmp_path: Path) -> None:
    refuse_network_filesystem(tmp_path / "x.db")
    assert open_database(tmp_path / "x.db") is not None
