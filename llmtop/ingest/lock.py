"""One writer per database: an advisory lock on `<db>.lock` that holds the pid.

The kernel drops the lock when its process dies, however it dies, so a stale
lock file never blocks the next agent; the pid inside only names the holder.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from llmtop.errors import LlmtopError


class WriterLocked(LlmtopError):
    """Another process writes this database; `pid` names it (None if unknown)."""

    title = "Database in use"

    def __init__(self, db_path: Path, pid: int | None) -> None:
        self.db_path = db_path
        self.pid = pid
        holder = f"pid {pid}" if pid is not None else "another process"
        super().__init__(
            f"{db_path} is already written by another llmtop ({holder}). One "
            "writer per database: stop that one, or let it keep following and "
            "open the live view on the database alone (it opens read-only)."
        )


def lock_path(db_path: Path) -> Path:
    """The lock file that guards `db_path`."""
    return db_path.with_name(db_path.name + ".lock")


class WriterLock:
    """Held by the one process that writes a database."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.path = lock_path(self.db_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock or raise `WriterLocked` naming the holder's pid."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            os.close(fd)
            raise WriterLocked(self.db_path, pid) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let the next writer in (the file stays: unlinking it would race)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing drops the flock


def _holder(fd: int, wait: float = 0.5) -> int | None:
    """The pid in the lock file; the holder writes it just after locking."""
    deadline = time.monotonic() + wait
    while True:
        text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
        if text.isdigit():
            return int(text)
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)
