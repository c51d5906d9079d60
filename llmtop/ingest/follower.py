"""Following files: which files the sources mean, and reading each as it grows.

Every check of a path compares what is there now (device and inode) with the
file being read. A different file means rotation, deletion or an atomic
replace: the old file is read to its end first, then the new one from its
committed offset, or from zero. Batches go to the one writer with the position
they advance, and at most a few are in flight, which bounds memory.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import queue
import re
import stat
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmtop.ingest.discovery import Spec, expand, is_log_name, is_rotated, parse_spec
from llmtop.ingest.file_source import IDLE_SECONDS, Chunk, FileSource, source_key
from llmtop.ingest.lines import DEFAULT_MAX_LINE_BYTES
from llmtop.ingest.streams import StreamSource, open_compressed
from llmtop.ingest.watching import ChangeWatcher, polling_reason
from llmtop.records import RecordDecoder
from llmtop.store import Batch, BatchResult

log = logging.getLogger(__name__)

Submit = Callable[[Batch], "Future[BatchResult]"]
DecoderFactory = Callable[[str], RecordDecoder]
Source = FileSource | StreamSource

_COMPRESSED = (".gz",)
#: Longest wait for one batch's commit. A healthy writer commits in well under
#: a second; past this it is taken as stalled (its thread died), so a source
#: reports instead of waiting forever on a future nobody will complete.
COMMIT_TIMEOUT_S = 60.0
#: After a failed commit, how long following waits before reading again, so a
#: writer that fails every batch (disk full) is not retried in a hot loop.
RETRY_AFTER_FAILURE_S = 5.0


@dataclass
class FollowedFile:
    """One file as the status shows it; reads as its path."""

    path: str
    offset: int
    size: int | None
    line_no: int
    rotated: bool = False

    def __str__(self) -> str:
        return self.path


@dataclass
class ReadTotals:
    """What was read, for `ingest`'s summary: lines, rows, rejects by reason."""

    lines: int = 0
    rows: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    #: Per group, where its first reject was and its full reason when the
    #: group's label dropped something: ("path:line", " (reason)") or (…, "").
    examples: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, chunk: Chunk) -> None:
        self.lines += chunk.lines
        self.rows += len(chunk.rows)
        self.rejected += len(chunk.rejects)
        for reject in chunk.rejects:
            group = reason_group(reject["reason"])
            self.reasons[group] += 1
            if group not in self.examples:
                where = f"{reject['source']}:{reject.get('line_no') or '?'}"
                detail = "" if group == reject["reason"] else f" ({reject['reason']})"
                self.examples[group] = (where, detail)


#: A value as a reason quotes it: a Python repr of text, a number, a constant.
_VALUE = (
    r"(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
    r"|[-+]?(?:\d[\d_.,]*(?:e[-+]?\d+)?|inf|nan)|True|False|None)"
)
#: "'yesterday' is not an ISO-8601 time": the value and its "is" go.
_VALUE_IS = re.compile(_VALUE + r" is ")
#: Any other quoted text is a particular too.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
#: Where in the line a JSON parser gave up.
_POSITION = re.compile(r":? (?:at )?line \d+ column \d+ \(char \d+\)")
_ITEM = re.compile(r"\b(array item|index) \d+")


def reason_group(reason: str) -> str:
    """A reject reason without its particulars, for counting alike ones together.

    Only what differs from line to line goes (the quoted value, a byte or
    character position), so the label still says what is wrong: ten bad
    timestamps are "timestamp: not an ISO-8601 time" and "timestamp: outside
    1990..2100", not one bare "timestamp".
    """
    if reason.startswith("line is ") and "over the limit" in reason:
        return "line over the length limit"
    if reason.startswith("line longer than the "):
        return "line over the length limit"
    if reason.startswith("not valid UTF-8"):
        return "not valid UTF-8"
    group = _POSITION.sub("", reason)
    group = _VALUE_IS.sub("", group)
    group = _QUOTED.sub("…", group)
    group = _ITEM.sub(r"\1 N", group)
    group = group.strip()
    return group if len(group) <= 100 else group[:99] + "…"


class Follower:
    """Reads every file the sources mean and hands the batches to the writer."""

    def __init__(
        self,
        specs: list[str],
        submit: Submit,
        make_decoder: DecoderFactory,
        *,
        committed: Mapping[str, Mapping[str, Any]] | None = None,
        poll: bool = False,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        idle_seconds: float = IDLE_SECONDS,
        batch_lines: int = 5000,
        max_inflight: int = 4,
        tick: float = 1.0,
        poll_interval: float = 0.25,
        on_batch: Callable[[ReadTotals], None] | None = None,
        commit_timeout: float | None = None,
        stop_on_failure: bool = False,
    ) -> None:
        """Set up following; nothing is opened until `catch_up` or `run`.

        `commit_timeout` bounds each wait for a commit (None: COMMIT_TIMEOUT_S).
        `stop_on_failure` makes the first failed commit end all reading, for a
        run that must finish (`ingest`); otherwise reading resumes from the
        last committed position after RETRY_AFTER_FAILURE_S.
        """
        self.specs: list[Spec] = [parse_spec(text) for text in specs if text != "-"]
        self.submit = submit
        self.make_decoder = make_decoder
        self.committed: dict[str, Mapping[str, Any]] = dict(committed or {})
        self.polling = poll
        self.polling_reason: str | None = "asked for with --poll" if poll else None
        self.max_line_bytes = max_line_bytes
        self.idle_seconds = idle_seconds
        self.batch_lines = batch_lines
        self.max_inflight = max_inflight
        self.tick = tick
        self.poll_interval = poll_interval
        self.totals = ReadTotals()
        self.on_batch = on_batch
        self.errors: deque[str] = deque(maxlen=20)
        self.commit_timeout = (
            COMMIT_TIMEOUT_S if commit_timeout is None else commit_timeout
        )
        self.stop_on_failure = stop_on_failure
        #: Why the last commit failed, until reading resumes; None when healthy.
        self.failure: str | None = None
        self._stalled = False
        self._retry_at = 0.0
        self.by_path: dict[Path, Source] = {}
        self.retired: list[Source] = []
        self._inflight: deque[tuple[Future[BatchResult], Source, dict[str, Any]]] = (
            deque()
        )
        self._events: queue.Queue[object] = queue.Queue()
        self._watcher: ChangeWatcher | None = None
        self._watched: dict[Path, bool] = {}
        self._stop = threading.Event()
        self._misses = 0
        self._by_real: dict[Path, Source] = {}
        self._lock = threading.Lock()

    # -- what callers use -------------------------------------------------

    def catch_up(self, *, final: bool = False) -> None:
        """Read every file the sources mean to its current end."""
        self._rescan(final=final)
        self._settle(0)

    def run(self, stop: threading.Event) -> None:
        """Follow until `stop` is set, then flush and wait for the last commit."""
        self._stop = stop
        try:
            self._loop()
        finally:
            self.close()

    def close(self) -> None:
        """Decode the unterminated last lines, wait for the writer, close files."""
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        for source in [*self.by_path.values(), *self.retired]:
            if isinstance(source, FileSource) and source.fd >= 0:
                # Lines written just before the stop may have no event yet.
                self._guard(source, lambda s=source: self._pump(s, final=True))
                self._guard(source, lambda s=source: self._flush(s))
        self._settle(0)
        for source in [*self.by_path.values(), *self.retired]:
            source.close()
        self.retired.clear()

    def following(self) -> list[FollowedFile]:
        with self._lock:
            sources = [(s, False) for s in self.by_path.values()]
            sources += [(s, True) for s in self.retired]
        return [
            FollowedFile(str(s.path), s.offset, s.size, s.reader.line_no, rotated)
            for s, rotated in sources
        ]

    # -- the loop ---------------------------------------------------------

    def start_watching(self) -> None:
        """Decide between change events and polling, and start the watchers."""
        if not self.polling:
            self._start_watching()

    def _loop(self) -> None:
        if self._watcher is None:
            self.start_watching()
        last_full = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now - last_full >= self.tick:
                self._rescan(timer=not self.polling)
                last_full = now
            elif self.polling:
                self._check_known()
            wait = self.poll_interval if self.polling else self.tick
            changed = self._next_events(min(wait, max(0.0, last_full + wait - now)))
            if changed:
                self._on_changes(changed)
            self._settle(self.max_inflight)

    def _next_events(self, timeout: float) -> set[Path]:
        try:
            item = self._events.get(timeout=max(timeout, 0.01))
        except queue.Empty:
            return set()
        changed: set[Path] = set()
        while True:
            if isinstance(item, BaseException):
                self._fall_back(f"change events failed ({item}); polling instead")
            elif isinstance(item, set):
                changed |= item
            try:
                item = self._events.get_nowait()
            except queue.Empty:
                return changed

    def _on_changes(self, changed: set[Path]) -> None:
        now = time.monotonic()
        rescan = False
        for path in changed:
            source = self.by_path.get(path) or self._by_real.get(path)
            path = source.path if source is not None else path
            if source is not None and isinstance(source, FileSource):
                source.event_at = now
                self._check(path)
            elif self._may_matter(path):
                rescan = True
        if rescan:
            self._rescan()
        else:
            self._drain_retired()

    def _may_matter(self, path: Path) -> bool:
        for spec in self.specs:
            if spec.kind == "file" and path == spec.path:
                return True
            if spec.kind == "dir" and is_log_name(path.name):
                return True
            if spec.kind == "glob":
                last = (spec.pattern or "*").rsplit("/", 1)[-1]
                if fnmatch.fnmatch(path.name, last):
                    return True
        return False

    def _start_watching(self) -> None:
        roots: dict[Path, bool] = {}
        for spec in self.specs:
            root = spec.watch_root
            if root.is_dir():
                roots[root] = roots.get(root, False) or spec.recursive
        reason = polling_reason(roots)
        if reason is not None:
            self._fall_back(reason)
            return
        if roots == self._watched and self._watcher is not None:
            return
        if self._watcher is not None:
            self._watcher.stop()
        self._watched = roots
        self._watcher = ChangeWatcher(roots, self._events)
        self._watcher.start()

    def _fall_back(self, reason: str) -> None:
        if self.polling:
            return
        self.polling, self.polling_reason = True, reason
        log.warning("polling files: %s", reason)
        if self._watcher is not None:
            self._watcher.stop(timeout=0.2)
            self._watcher = None

    # -- checking paths ---------------------------------------------------

    def _rescan(self, *, final: bool = False, timer: bool = False) -> None:
        wanted: dict[Path, None] = {}
        for spec in self.specs:
            for path in expand(spec):
                wanted[path] = None
        for path in list(self.by_path):
            wanted.setdefault(path, None)
        for path in wanted:
            if self._stop.is_set() and not final:
                return
            self._check(path, final=final, timer=timer)
        self._drain_retired(final=final)
        if timer and not self.polling:
            self._start_watching()

    def _check_known(self) -> None:
        for path in list(self.by_path):
            self._check(path)
        self._drain_retired()

    def _check(self, path: Path, *, final: bool = False, timer: bool = False) -> None:
        source = self.by_path.get(path)
        try:
            now = os.stat(path)
        except OSError:
            now = None
        if source is not None and (
            now is None
            or not isinstance(source, FileSource)
            or (now.st_dev, now.st_ino) != (source.device, source.inode)
        ):
            if isinstance(source, FileSource):
                with self._lock:
                    del self.by_path[path]
                self._retire(source, final=final)
                source = None
            else:
                return  # a compressed copy is read once, whole
        if source is None:
            if now is None or not stat.S_ISREG(now.st_mode):
                return
            source = self._adopt(path, now)
            if source is None:
                return
        before = source.offset
        self._guard(source, lambda: self._pump(source, final=final))
        if timer and source.offset != before and isinstance(source, FileSource):
            self._note_missed_event(source)

    def _adopt(self, path: Path, now: os.stat_result) -> Source | None:
        """The source for a path: one already open under another name, or new."""
        key = source_key(now.st_dev, now.st_ino)
        with self._lock:
            for old_path, source in list(self.by_path.items()):
                if source.key == key:
                    del self.by_path[old_path]
                    source.path = path
                    self.by_path[path] = source
                    return source
            for source in self.retired:
                if source.key == key:
                    self.retired.remove(source)
                    source.path = path
                    self.by_path[path] = source
                    return source
        decoder = self.make_decoder(str(path))
        try:
            if path.name.lower().endswith(_COMPRESSED):
                if not is_rotated(path.name):
                    return None
                source: Source = open_compressed(
                    path, decoder, max_line_bytes=self.max_line_bytes
                )
            else:
                source = FileSource.open(
                    path,
                    decoder,
                    max_line_bytes=self.max_line_bytes,
                    committed=self.committed.get(key),
                    idle_seconds=self.idle_seconds,
                )
        except OSError as exc:
            self._error(f"cannot read {path}: {exc}")
            return None
        log.info(
            "following %s%s",
            path,
            f" from byte {source.offset:,}" if source.offset else "",
        )
        source.event_at = time.monotonic()
        with self._lock:
            self.by_path[path] = source
        real = Path(os.path.realpath(path))
        if real != path:
            self._by_real[real] = source
        return source

    def _retire(self, source: FileSource, *, final: bool) -> None:
        """Read a moved or deleted file to its end before its successor."""
        self._guard(source, lambda: self._pump(source))
        if final or source.links() == 0:
            self._guard(source, lambda: self._pump(source, final=True))
            source.close()
            return
        log.info("%s was renamed (rotated); reading the rest of it", source.path)
        with self._lock:
            self.retired.append(source)

    def _drain_retired(self, *, final: bool = False) -> None:
        for source in list(self.retired):
            self._guard(source, lambda s=source: self._pump(s))
            if final or not isinstance(source, FileSource) or source.idle:
                if isinstance(source, FileSource):
                    self._guard(source, lambda s=source: self._pump(s, final=True))
                with self._lock:
                    self.retired.remove(source)
                source.close()

    def _note_missed_event(self, source: FileSource) -> None:
        """Count growth that only the timer saw; twice means events do not come."""
        quiet = time.monotonic() - source.event_at > 2 * self.tick
        settled = time.time() - source.mtime > 1.0
        if quiet and settled:
            self._misses += 1
            if self._misses >= 2:
                self._fall_back(
                    f"change events did not arrive for {source.path} (a container, "
                    "WSL or network mount?); polling instead"
                )

    # -- reading and submitting -------------------------------------------

    def _pump(self, source: Source, *, final: bool = False) -> None:
        while True:
            if self._stop.is_set() and not final:
                return
            if not self._may_read():
                return
            chunk = source.read(max_lines=self.batch_lines, final=final)
            if chunk is None:
                return
            self.send(source, chunk)

    def _flush(self, source: FileSource) -> None:
        chunk = source.flush_tail()
        if chunk is not None:
            self.send(source, chunk)

    def _may_read(self) -> bool:
        """False after a failed commit: for good, or until the retry time."""
        if self.failure is None:
            return True
        if self.stop_on_failure or time.monotonic() < self._retry_at:
            return False
        log.info("reading again after the failed commit (%s)", self.failure)
        self.failure, self._stalled = None, False
        return True

    def send(self, source: Source, chunk: Chunk) -> None:
        """Hand a batch to the writer; waits while too many are uncommitted.

        After a failed commit with `stop_on_failure`, the batch is dropped:
        the run is ending and reports the failure instead.
        """
        if self.failure is not None and self.stop_on_failure:
            return
        batch = Batch(
            events=chunk.rows, rejects=chunk.rejects, sources=[chunk.position]
        )
        future = self.submit(batch)
        self.totals.add(chunk)
        if self.on_batch is not None:
            self.on_batch(self.totals)
        self._inflight.append((future, source, chunk.position))
        self._settle(self.max_inflight)

    def _settle(self, keep: int) -> None:
        """Wait until at most `keep` batches are uncommitted; rewind on failure.

        Batches already done are taken too, so a failed commit is noticed (and
        reading paused) at once rather than only when more are in flight.
        """
        failed: dict[int, Source] = {}
        inflight = self._inflight
        while inflight and (len(inflight) > keep or failed or inflight[0][0].done()):
            future, source, position = inflight.popleft()
            # Once the writer has stalled, the rest are not waited for again.
            timeout = 0.0 if self._stalled else self.commit_timeout
            try:
                future.result(timeout=timeout)
            except Exception as exc:
                failed.setdefault(id(source), source)
                if future.done():
                    self._fail(f"could not commit {source.path}: {exc}")
                elif not self._stalled:
                    self._stalled = True
                    self._fail(
                        f"could not commit {source.path}: the writer did not "
                        f"answer within {self.commit_timeout:g} s"
                    )
                continue
            if id(source) not in failed:
                source.committed = position
                self.committed[position["key"]] = position
        for source in failed.values():
            if isinstance(source, FileSource):
                source.rewind(source.committed)

    def _guard(self, source: Source, action: Callable[[], None]) -> None:
        try:
            action()
        except OSError as exc:
            self._error(f"reading {source.path}: {exc}")

    def _fail(self, message: str) -> None:
        """Note a failed commit: reading pauses (or stops) instead of spinning."""
        self._error(message)
        self.failure = message
        self._retry_at = time.monotonic() + RETRY_AFTER_FAILURE_S

    def _error(self, message: str) -> None:
        log.error("%s", message)
        self.errors.append(message)
