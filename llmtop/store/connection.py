"""Opening databases the way llmtop needs them: WAL, a busy timeout, no surprises."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from llmtop.errors import LlmtopError
from llmtop.store.schema import migrate

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smbfs",
        "sshfs",
        "fuse.sshfs",
        "9p",
        "afs",
        "glusterfs",
        "ceph",
        "fuse.gcsfuse",
        "fuse.s3fs",
        "davfs",
        "lustre",
    }
)


class NetworkFilesystemError(LlmtopError):
    """The database would sit on a filesystem where SQLite's locks are not safe."""

    title = "Database on a network filesystem"


def filesystem_type(path: Path, mounts_text: str | None = None) -> str | None:
    """The filesystem type that holds `path` (Linux only; None elsewhere).

    `mounts_text` stands for /proc/self/mounts, for machines without one.
    """
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/self/mounts").read_text()
        except OSError:
            return None
    mounts = mounts_text.splitlines()
    target = str(path.resolve())
    best, best_type = "", None
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        inside = target == mount_point or target.startswith(
            mount_point.rstrip("/") + "/"
        )
        if inside and len(mount_point) > len(best):
            best, best_type = mount_point, parts[2]
    return best_type


def refuse_network_filesystem(path: Path, mounts_text: str | None = None) -> None:
    """Raise when the database's folder is on NFS, SMB or a similar filesystem."""
    kind = filesystem_type(path.parent if not path.exists() else path, mounts_text)
    if kind in NETWORK_FILESYSTEMS:
        raise NetworkFilesystemError(
            f"{path} is on a {kind} filesystem. SQLite's locking is not safe there, "
            "so records could be lost or doubled. Put the database on a local disk "
            "(--db or LLMTOP_DB); the logs themselves may stay where they are."
        )


def open_database(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (and for a writer, create and migrate) an llmtop database.

    Connections are in autocommit mode: writers open their own transactions with
    BEGIN IMMEDIATE, and readers hold none between queries, so the WAL can be
    checkpointed however long a reader stays open.
    """
    db_path = Path(path)
    if db_path.is_dir():
        raise LlmtopError(f"{db_path} is a directory; give a database file (--db)")
    if not readonly:
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LlmtopError(f"cannot create {db_path.parent}: {exc}") from None
        refuse_network_filesystem(db_path)
    elif not db_path.exists():
        raise LlmtopError(f"no database at {db_path}: ingest something first")
    try:
        return _connect(db_path, readonly)
    except sqlite3.DatabaseError as exc:
        raise LlmtopError(
            f"cannot use {db_path} as an llmtop database: {exc}"
        ) from None


def _connect(db_path: Path, readonly: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(
        str(db_path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if readonly:
        conn.execute("PRAGMA query_only = 1")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a database?
        return conn
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -131072")
    conn.execute("PRAGMA temp_store = MEMORY")
    migrate(conn)
    if os.environ.get("LLMTOP_DEBUG_SQL"):
        conn.set_trace_callback(log.debug)
    return conn
