"""The one writer thread: every source hands it batches through a bounded queue.

Sources block when the queue is full, so memory stays bounded and nothing is
dropped silently; a source that cannot wait (a listener answering a client) asks
with a timeout and reports the overload to its sender. Consecutive submissions
are merged into one transaction, which is what makes small live batches cheap.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmtop.store import Batch, BatchResult, open_database, write_batch

log = logging.getLogger(__name__)

_STOP = object()
#: How often the writer refreshes the planner's statistics.
OPTIMIZE_EVERY_S = 600.0


class WriterStopped(RuntimeError):
    """A batch was submitted to a writer thread that is no longer running."""


#: How often a blocked submit checks that the writer is still alive.
_PUT_STEP_S = 0.5


@dataclass
class Submission:
    """Rows, rejects and source positions that must commit together."""

    batch: Batch
    future: Future[BatchResult] = field(default_factory=Future)


@dataclass
class WriterStats:
    """Running totals, read by the TUI and by `ingest`'s summary."""

    stored: int = 0
    duplicates: int = 0
    replaced: int = 0
    rejected: int = 0
    commits: int = 0
    overloaded: int = 0
    last_commit: float | None = None
    last_error: str | None = None


class WriterThread:
    """Owns the database's write connection and commits what sources submit."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        max_queue: int = 256,
        max_rows_per_commit: int = 20_000,
        on_commit: Callable[[BatchResult], None] | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self.max_rows = max_rows_per_commit
        self.on_commit = on_commit
        self.stats = WriterStats()
        self._thread = threading.Thread(
            target=self._run, name="llmtop-writer", daemon=True
        )
        self._conn: sqlite3.Connection | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._last_optimize = time.monotonic()

    def start(self) -> None:
        """Open the database (creating it) and start committing."""
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise self._failure

    def submit(self, batch: Batch, timeout: float | None = None) -> Future[BatchResult]:
        """Queue a batch; blocks while the queue is full (back-pressure).

        Raises:
            queue.Full: the writer stayed behind for `timeout` seconds; the caller
                must tell its sender to retry, and the overload is counted.
            WriterStopped: the writer thread is not running, so nothing queued
                would ever commit.
        """
        submission = Submission(batch)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if not self._thread.is_alive():
                raise WriterStopped("the database writer is not running")
            wait = _PUT_STEP_S
            if deadline is not None:
                wait = min(wait, max(deadline - time.monotonic(), 0.0))
            try:
                self.queue.put(submission, timeout=wait)
                return submission.future
            except queue.Full:
                if deadline is not None and time.monotonic() >= deadline:
                    self.stats.overloaded += 1
                    raise

    def write_now(self, batch: Batch) -> BatchResult:
        """Submit and wait for the commit."""
        return self.submit(batch).result()

    def stop(self, timeout: float = 5.0) -> None:
        """Commit what is queued, then close the database."""
        if not self._thread.is_alive():
            return
        try:
            self.queue.put(_STOP, timeout=timeout)
        except queue.Full:
            log.error("the writer did not drain its queue in %.0f s", timeout)
            return
        self._thread.join(timeout)

    @property
    def backlog(self) -> int:
        return self.queue.qsize()

    def _run(self) -> None:
        try:
            self._conn = open_database(self.db_path)
        except BaseException as exc:  # reported to start()'s caller
            self._failure = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while True:
                first = self.queue.get()
                if first is _STOP:
                    break
                pending = [first]
                rows = len(first.batch.events)
                stop_after = False
                while rows < self.max_rows:
                    try:
                        item = self.queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stop_after = True
                        break
                    pending.append(item)
                    rows += len(item.batch.events)
                try:
                    self._commit(pending)
                except Exception as exc:  # the writer must outlive any batch
                    log.exception("commit failed")
                    self.stats.last_error = str(exc)
                    for submission in pending:
                        if not submission.future.done():
                            submission.future.set_exception(exc)
                self._keep_statistics()
                if stop_after:
                    break
        finally:
            self._optimize()
            self._conn.close()

    def _keep_statistics(self) -> None:
        """Keep the query planner's statistics current (DESIGN.md: a database
        never ANALYZEd scanned a whole index for a 1-hour query)."""
        now = time.monotonic()
        if now - self._last_optimize >= OPTIMIZE_EVERY_S:
            self._last_optimize = now
            self._optimize()

    def _optimize(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute("PRAGMA optimize")
        except sqlite3.Error as exc:
            log.warning("PRAGMA optimize failed: %s", exc)

    def _commit(self, pending: list[Submission]) -> None:
        merged = Batch()
        for submission in pending:
            merged.events.extend(submission.batch.events)
            merged.rejects.extend(submission.batch.rejects)
            merged.sources.extend(submission.batch.sources)
        merged.sources = _merge_sources(merged.sources)
        assert self._conn is not None
        try:
            result = write_batch(self._conn, merged)
        except sqlite3.OperationalError as exc:
            # The database itself failed (disk full, I/O): nothing was committed,
            # so the sources keep their positions and read again later.
            log.error("could not commit %d rows: %s", len(merged.events), exc)
            self.stats.last_error = str(exc)
            for submission in pending:
                submission.future.set_exception(exc)
            return
        except Exception as exc:  # a row the store cannot hold: find it
            log.warning("a batch failed (%s); storing its rows one by one", exc)
            self.stats.last_error = str(exc)
            result = _salvage(self._conn, merged)
        self.stats.stored += result.stored
        self.stats.duplicates += result.duplicates
        self.stats.replaced += result.replaced
        self.stats.rejected += result.rejected
        self.stats.commits += 1
        self.stats.last_commit = time.time()
        if self.on_commit is not None:
            self.on_commit(result)
        for submission, own in zip(pending, _split_result(pending, result)):
            submission.future.set_result(own)


def _salvage(conn: sqlite3.Connection, batch: Batch) -> BatchResult:
    """Store a failed batch row by row; a row that still fails becomes a reject.

    Rows commit before the sources' positions here, so a crash in between
    replays them, which the (ts, request_id) check turns into no-ops.
    """
    total = BatchResult()
    rejects = list(batch.rejects)
    for row in batch.events:
        try:
            one = write_batch(conn, Batch(events=[row]))
        except sqlite3.OperationalError:
            raise
        except Exception as exc:
            total.refused_ids.add(row["request_id"])
            rejects.append(
                {
                    "source": row.get("source") or "?",
                    "line_no": row.get("source_line"),
                    "byte_offset": row.get("source_offset"),
                    "format": row.get("format"),
                    "reason": f"could not be stored: {exc}",
                    "excerpt": None,
                }
            )
            continue
        total.stored += one.stored
        total.duplicates += one.duplicates
        total.replaced += one.replaced
        total.duplicate_ids |= one.duplicate_ids
    last = write_batch(conn, Batch(rejects=rejects, sources=batch.sources))
    total.rejected = last.rejected
    return total


def _split_result(pending: list[Submission], merged: BatchResult) -> list[BatchResult]:
    """Each submitter's share of a merged commit, so that a listener answering
    its client counts only its own rows: the first of several submissions
    carrying the same new record stored it, the later ones hold a duplicate."""
    seen: set[tuple[object, str]] = set()
    shares = []
    for submission in pending:
        own = BatchResult(rejected=len(submission.batch.rejects))
        for row in submission.batch.events:
            request_id = row["request_id"]
            if request_id in merged.refused_ids:
                own.rejected += 1
                continue
            own_time = not (row.get("_replace") or row.get("ts_inferred"))
            key = (row.get("ts") if own_time else None, request_id)
            if key in seen or request_id in merged.duplicate_ids:
                own.duplicates += 1
                own.duplicate_ids.add(request_id)
            else:
                seen.add(key)
                own.stored += 1
        shares.append(own)
    return shares


def _merge_sources(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One position per source key: the latest wins, counters add up."""
    merged: dict[str, dict[str, Any]] = {}
    for source in sources:
        held = merged.get(source["key"])
        if held is None:
            merged[source["key"]] = dict(source)
            continue
        stored = held.get("stored", 0) + source.get("stored", 0)
        rejected = held.get("rejected", 0) + source.get("rejected", 0)
        held.update(source)
        held["stored"], held["rejected"] = stored, rejected
    return list(merged.values())
