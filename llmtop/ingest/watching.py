"""Change events for the followed directories, and when to poll instead.

watchfiles runs in threads of its own and drops the paths that changed into a
queue; the follower treats them as hints and re-reads by offset, so a repeated,
late or misclassified event costs a `stat` and nothing else. Where events cannot
be trusted (network, container and WSL mounts) or the system's watch limit is
exhausted, the follower polls, and says why.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable
from pathlib import Path

import watchfiles

from llmtop.store.connection import NETWORK_FILESYSTEMS, filesystem_type

log = logging.getLogger(__name__)
# watchfiles logs every batch of changes at INFO: a line per appended record.
logging.getLogger("watchfiles").setLevel(logging.WARNING)

#: Filesystems where inotify does not see writes made by other machines or by
#: the host of a container or VM.
POLLED_FILESYSTEMS = NETWORK_FILESYSTEMS | frozenset(
    {
        "v9fs",
        "drvfs",
        "virtiofs",
        "fakeowner",
        "grpcfuse",
        "fuse.grpcfuse",
        "osxfs",
        "fuse.osxfs",
        "vboxsf",
        "prl_fs",
        "vmhgfs",
        "fuse.vmhgfs-fuse",
    }
)

#: Milliseconds watchfiles waits to group changes (small: a line shows in < 1 s).
DEBOUNCE_MS = 150
STEP_MS = 25


def polling_reason(roots: Iterable[Path]) -> str | None:
    """Why change events cannot be trusted for these directories, if they cannot."""
    for root in roots:
        kind = filesystem_type(root)
        if kind in POLLED_FILESYSTEMS:
            return (
                f"{root} is on a {kind} filesystem, where change events may "
                "never arrive"
            )
    return None


class ChangeWatcher:
    """Puts each batch of changed paths (a set of Path) into `events`.

    A failure to watch (the inotify watch limit, a vanished directory) is put
    into the queue as the exception itself, for the follower to fall back on.
    """

    def __init__(self, roots: dict[Path, bool], events: queue.Queue[object]) -> None:
        self.roots = dict(roots)
        self.events = events
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for recursive in (True, False):
            paths = [root for root, deep in self.roots.items() if deep is recursive]
            if not paths:
                continue
            thread = threading.Thread(
                target=self._watch,
                args=(paths, recursive),
                name="llmtop-watch",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def _watch(self, paths: list[Path], recursive: bool) -> None:
        try:
            for changes in watchfiles.watch(
                *paths,
                watch_filter=None,
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                stop_event=self._stop,
                rust_timeout=1000,
                recursive=recursive,
                raise_interrupt=False,
                force_polling=False,
                ignore_permission_denied=True,
            ):
                self.events.put({Path(path) for _, path in changes})
        except Exception as exc:  # handed to the follower, which polls instead
            if not self._stop.is_set():
                log.debug("watching %s failed: %s", paths, exc)
                self.events.put(exc)
