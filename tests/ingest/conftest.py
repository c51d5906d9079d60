"""An agent that is always stopped, whatever the test does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from llmtop.ingest.agent import Agent


@pytest.fixture
def start_agent(db_path: Path) -> Iterator[Callable[..., Agent]]:
    started: list[Agent] = []

    def start(sources: list[str], **options: Any) -> Agent:
        options.setdefault("idle_seconds", 0.5)
        agent = Agent(options.pop("db", db_path), sources, **options)
        agent.start()
        started.append(agent)
        return agent

    yield start
    for agent in started:
        agent.stop()
