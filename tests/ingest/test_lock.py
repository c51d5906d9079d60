"""One writer per database; signals end the agent with the last batch committed."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from llmtop.ingest.agent import Agent, WriterLocked
from llmtop.ingest.lock import lock_path
from llmtop.ingest.once import ingest
from tests.ingest.helpers import (
    REPO,
    append,
    cli,
    cli_env,
    line,
    lines,
    request_ids,
    wait_committed,
    wait_for,
)


def test_second_agent_is_refused_with_the_first_ones_pid(
    tmp_path: Path, db_path: Path, start_agent
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(lines(range(3)))
    first = start_agent([str(log)])

    second = Agent(db_path, [str(log)])
    with pytest.raises(WriterLocked) as refused:
        second.start()
    assert refused.value.pid == os.getpid()
    assert f"pid {os.getpid()}" in str(refused.value)
    with pytest.raises(WriterLocked):
        ingest(db_path, [str(log)])

    first.stop()
    third = start_agent([str(log)])
    assert third.status().running


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_agent_process_holds_the_lock_and_stops_on_a_signal(
    tmp_path: Path, db_path: Path, stop_signal: signal.Signals
) -> None:
    log = tmp_path / "app.jsonl"
    log.write_bytes(lines(range(5)))
    agent = subprocess.Popen(
        cli("agent", str(log), "--db", str(db_path)),
        cwd=REPO,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_committed(db_path, log, timeout=60)
        assert lock_path(db_path).read_text().strip() == str(agent.pid)

        with pytest.raises(WriterLocked) as refused:
            Agent(db_path, [str(log)]).start()
        assert refused.value.pid == agent.pid

        second = subprocess.run(
            cli("agent", str(log), "--db", str(db_path)),
            cwd=REPO,
            env=cli_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert f"pid {agent.pid}" in second.stderr

        # The last line has no newline yet: it is committed at shutdown.
        append(log, line(5)[:-1])
        wait_for(lambda: log.stat().st_size > 0)
    finally:
        agent.send_signal(stop_signal)
        assert agent.wait(timeout=20) == 0
    assert request_ids(db_path) == sorted(f"r{i}" for i in range(6))
    assert lock_path(db_path).read_text() == ""
