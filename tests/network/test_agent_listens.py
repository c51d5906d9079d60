"""The agent opens the listeners it is given and closes them when it stops."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from llmtop.ingest.agent import Agent
from tests.network.helpers import DEADLINE_S, post, query, wait_for


def test_the_agent_serves_both_listeners_until_it_stops(
    tmp_path: Path, db_path: Path
) -> None:
    sock_path = tmp_path / "agent.sock"
    agent = Agent(db_path, [], listen=[f"unix:{sock_path}", "http://127.0.0.1:0"])
    agent.start()
    try:
        _, http_listener = agent.listeners
        line = {"request_id": "via-unix", "timestamp": 1_735_689_600, "model": "gpt-4o"}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(DEADLINE_S)
            sock.connect(str(sock_path))
            sock.sendall(json.dumps(line).encode() + b"\n")
        answer = post(
            http_listener.address,
            "/v1/events",
            json.dumps({**line, "request_id": "via-http"}).encode(),
        )
        assert answer.status == 200
        wait_for(
            lambda: query(db_path, "SELECT count(*) FROM events")[0][0] == 2,
            "both records",
        )
    finally:
        agent.stop()

    assert not sock_path.exists()
    assert http_listener.closing.is_set()
    assert query(db_path, "SELECT request_id FROM events ORDER BY 1") == [
        ("via-http",),
        ("via-unix",),
    ]
