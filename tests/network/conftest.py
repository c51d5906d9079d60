"""Fixtures for the listener tests: a real writer on a real SQLite file, and
listeners on loopback or a temporary unix socket, closed at teardown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llmtop.ingest.listen import Listener, open_listener
from llmtop.ingest.writer_thread import WriterThread
from tests.network.helpers import make_decoder


@pytest.fixture
def writer(db_path: Path) -> Iterator[WriterThread]:
    thread = WriterThread(db_path)
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture
def listen(
    writer: WriterThread, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Listener]]:
    """Open and start a listener on `spec`; every one is closed at teardown."""
    monkeypatch.delenv("LLMTOP_TOKEN", raising=False)
    opened: list[Listener] = []

    def open_one(spec: str = "http://127.0.0.1:0", **options: Any) -> Listener:
        listener = open_listener(
            spec, options.pop("writer", writer), make_decoder, **options
        )
        opened.append(listener)
        listener.start()
        return listener

    yield open_one
    for listener in opened:
        listener.close()
