"""Who may post: loopback only by default, no browsers, and the bearer token."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from llmtop.errors import LlmtopError
from llmtop.ingest.listen import ListenError, open_listener, parse_http_spec
from tests.network.helpers import make_decoder, post, query

RECORD = json.dumps(
    {
        "request_id": "s1",
        "timestamp": "2025-01-01T00:00:00Z",
        "model": "gpt-4o-mini",
        "input_tokens": 10,
    }
).encode()


def test_a_browser_origin_is_refused(listen, db_path: Path) -> None:
    listener = listen()

    answer = post(
        listener.address,
        "/v1/events",
        RECORD,
        {"Origin": "http://localhost:3000", "Content-Type": "text/plain"},
    )

    assert answer.status == 403
    assert query(db_path, "SELECT count(*) FROM events") == [(0,)]
    assert listener.stats.denied == 1


def test_the_token_is_required_when_set(
    listen, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = listen()
    monkeypatch.setenv("LLMTOP_TEST_TOKEN", "s3cret-token")
    guarded = listen(token_env="LLMTOP_TEST_TOKEN")

    missing = post(guarded.address, "/v1/events", RECORD)
    wrong = post(
        guarded.address, "/v1/events", RECORD, {"Authorization": "Bearer s3cret"}
    )
    basic = post(
        guarded.address,
        "/v1/events",
        RECORD,
        {"Authorization": "Basic s3cret-token"},
    )
    right = post(
        guarded.address,
        "/v1/events",
        RECORD,
        {"Authorization": "Bearer s3cret-token"},
    )
    # A listener opened before the variable was set needs no token.
    open_one = post(listener.address, "/v1/events", RECORD)

    assert (missing.status, wrong.status, basic.status) == (401, 401, 401)
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert right.status == 200
    assert right.json()["stored"] == 1
    assert open_one.json()["duplicates"] == 1
    assert guarded.stats.denied == 3
    assert query(db_path, "SELECT count(*) FROM events") == [(1,)]


def test_the_default_token_variable_is_llmtop_token(
    listen, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fixture cleared LLMTOP_TOKEN; the test sets it before opening.
    monkeypatch.setenv("LLMTOP_TOKEN", "abc")
    listener = listen()

    assert post(listener.address, "/v1/events", RECORD).status == 401
    authorised = post(
        listener.address, "/v1/events", RECORD, {"Authorization": "Bearer abc"}
    )
    assert authorised.status == 200


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("http://127.0.0.1:4318", ("127.0.0.1", 4318)),
        ("http://localhost:0", ("127.0.0.1", 0)),
        ("http://[::1]:9000/", ("::1", 9000)),
    ],
)
def test_loopback_specs_parse(spec: str, expected: tuple[str, int]) -> None:
    assert parse_http_spec(spec, allow_remote=False) == expected


@pytest.mark.parametrize(
    "spec",
    [
        "http://0.0.0.0:4318",
        "http://192.0.2.10:4318",
        "http://example.com:4318",
        "http://127.0.0.1",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:4318/v1/events",
        "https://127.0.0.1:4318",
        "tcp:4318",
        "unix:",
    ],
)
def test_other_specs_are_refused_with_a_message(spec: str, writer) -> None:
    with pytest.raises(ListenError) as caught:
        open_listener(spec, writer, make_decoder)
    assert isinstance(caught.value, LlmtopError)
    assert str(caught.value)


def test_remote_addresses_parse_only_when_allowed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert parse_http_spec("http://0.0.0.0:4318", allow_remote=True) == (
        "0.0.0.0",
        4318,
    )
    assert "any host that can reach it" in caplog.text


def test_a_port_in_use_is_refused(listen, writer) -> None:
    first = listen()
    with pytest.raises(ListenError, match="cannot listen"):
        open_listener(
            f"http://127.0.0.1:{first.address[1]}", writer, make_decoder
        ).close()


def test_ipv6_loopback_serves(listen, db_path: Path) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        listener = listen("http://[::1]:0")
    except ListenError:
        pytest.skip("::1 cannot be bound here")
    assert post(listener.address, "/v1/events", RECORD).status == 200
    assert query(db_path, "SELECT count(*) FROM events") == [(1,)]
