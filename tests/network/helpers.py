"""Helpers for the listener tests: a decoder factory, a plain HTTP client, queries."""

from __future__ import annotations

import http.client
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmtop.pricing import Pricer
from llmtop.records import RecordDecoder

_PRICER = Pricer()
DEADLINE_S = 20.0


def make_decoder(source: str) -> RecordDecoder:
    return RecordDecoder(source, pricer=_PRICER)


class Answer:
    """An HTTP answer read to its end."""

    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    def json(self) -> Any:
        return json.loads(self.body)


def post(
    address: tuple[str, int],
    path: str,
    body: bytes,
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> Answer:
    conn = http.client.HTTPConnection(address[0], address[1], timeout=DEADLINE_S)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        return Answer(conn.getresponse())
    finally:
        conn.close()


def query(
    db_path: Path, sql: str, params: tuple[Any, ...] = ()
) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def wait_for(check: Callable[[], bool], what: str) -> None:
    """Poll `check` until it holds, failing after a generous deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)
