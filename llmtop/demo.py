"""Believable LLM traffic for `llmtop demo`, written as native JSONL.

The generator writes to a real file that the real agent follows, so the demo runs
the same path as a user's own logs. Each workflow has its own models, token sizes,
task shape and failure habits; each model has its own latency distribution and
error rates, so every panel has something true to show.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelProfile:
    """How a model behaves: median latency, spread, and how often it fails."""

    name: str
    provider: str
    median_ms: float
    sigma: float
    error_rate: float
    timeout_rate: float
    ms_per_output_token: float


@dataclass(frozen=True)
class WorkflowProfile:
    """What a workflow sends: its routes (primary then fallback models), sizes,
    how many requests make one task, and whether its output is validated."""

    name: str
    weight: float
    models: tuple[str, ...]
    fallback: str
    input_tokens: tuple[int, int]
    output_tokens: tuple[int, int]
    requests_per_task: tuple[int, int]
    validated: bool = False
    validation_fail_rate: float = 0.0
    cache_share: float = 0.0
    reasoning_share: float = 0.0
    app: str = "support-web"


MODELS: dict[str, ModelProfile] = {
    model.name: model
    for model in (
        ModelProfile("gpt-4o", "openai", 900, 0.45, 0.025, 0.008, 9),
        ModelProfile("gpt-4o-mini", "openai", 450, 0.40, 0.015, 0.004, 5),
        ModelProfile("gpt-4.1", "openai", 1100, 0.45, 0.020, 0.008, 10),
        ModelProfile("o3-mini", "openai", 4200, 0.55, 0.037, 0.040, 14),
        ModelProfile("claude-sonnet-4-5", "anthropic", 1300, 0.50, 0.030, 0.012, 12),
        ModelProfile("claude-haiku-4-5", "anthropic", 520, 0.40, 0.015, 0.004, 5),
        ModelProfile("gemini-2.5-flash", "google", 600, 0.45, 0.025, 0.006, 4),
        ModelProfile("gemini-2.5-pro", "google", 2600, 0.55, 0.035, 0.020, 13),
        ModelProfile("deepseek-chat", "deepseek", 1700, 0.65, 0.075, 0.040, 16),
        ModelProfile("qwen3-max", "alibaba", 1500, 0.55, 0.045, 0.016, 12),
        ModelProfile("qwen-plus", "alibaba", 800, 0.50, 0.030, 0.008, 8),
        ModelProfile(
            "kimi-k2-0905-preview", "moonshotai", 1400, 0.60, 0.020, 0.010, 11
        ),
        ModelProfile("glm-4.6", "zhipuai", 1200, 0.55, 0.050, 0.016, 10),
        ModelProfile("MiniMax-M2", "minimax", 1000, 0.55, 0.040, 0.012, 9),
        ModelProfile("doubao-seed-1-6", "volcengine", 900, 0.50, 0.037, 0.010, 8),
    )
}

WORKFLOWS: tuple[WorkflowProfile, ...] = (
    WorkflowProfile(
        "chatbot_reply",
        0.26,
        ("gpt-4o-mini", "claude-haiku-4-5"),
        "gemini-2.5-flash",
        (400, 2500),
        (60, 400),
        (2, 8),
        cache_share=0.5,
    ),
    WorkflowProfile(
        "rag_answer",
        0.18,
        ("gpt-4o", "claude-sonnet-4-5"),
        "gpt-4.1",
        (3000, 12000),
        (150, 700),
        (1, 2),
        cache_share=0.3,
        app="docs-search",
    ),
    WorkflowProfile(
        "agent_planning",
        0.09,
        ("o3-mini", "claude-sonnet-4-5"),
        "gpt-4.1",
        (2000, 9000),
        (300, 1800),
        (3, 12),
        reasoning_share=0.6,
        app="ops-agent",
    ),
    WorkflowProfile(
        "json_extraction",
        0.14,
        ("gpt-4o-mini", "gemini-2.5-flash"),
        "gpt-4o",
        (800, 4000),
        (80, 300),
        (1, 1),
        validated=True,
        validation_fail_rate=0.06,
        app="invoice-pipeline",
    ),
    WorkflowProfile(
        "automation_task",
        0.10,
        ("deepseek-chat", "MiniMax-M2"),
        "gpt-4o-mini",
        (600, 3000),
        (100, 600),
        (1, 4),
        app="ops-agent",
    ),
    WorkflowProfile(
        "multilingual_reply",
        0.11,
        ("qwen-plus", "glm-4.6", "doubao-seed-1-6"),
        "qwen3-max",
        (300, 1800),
        (80, 500),
        (2, 6),
    ),
    WorkflowProfile(
        "coding_assist",
        0.08,
        ("claude-sonnet-4-5", "kimi-k2-0905-preview"),
        "gpt-4.1",
        (4000, 30000),
        (200, 2000),
        (2, 10),
        cache_share=0.7,
        app="ide-plugin",
    ),
    WorkflowProfile(
        "long_document_analysis",
        0.04,
        ("gemini-2.5-pro", "qwen3-max"),
        "claude-sonnet-4-5",
        (40000, 250000),
        (500, 3000),
        (1, 3),
        app="docs-search",
    ),
)

TIERS = (("free", 0.6), ("pro", 0.3), ("enterprise", 0.1))
ERROR_TYPES = ("rate_limit", "server_error", "invalid_request", "overloaded")


class TrafficGenerator:
    """Produces native records; seeded, so a demo run can be reproduced."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)
        self.sequence = 0
        self.open_tasks: dict[str, tuple[str, int, str]] = {}

    def records_at(self, ts: float) -> list[dict[str, Any]]:
        """The records of one request made at `ts` (retries and a fallback
        attempt are folded into the final record, as most apps log them)."""
        workflow = self._pick_workflow()
        task_id, tier = self._task_for(workflow)
        route_index = self.rng.randrange(len(workflow.models))
        model = MODELS[workflow.models[route_index]]
        route = f"{workflow.name}/{'primary' if route_index == 0 else 'alt'}"
        tokens_in = self._between(workflow.input_tokens)
        tokens_out = self._between(workflow.output_tokens)

        retries = 0
        status, error_type = self._outcome(model)
        while status != "success" and error_type == "rate_limit" and retries < 2:
            retries += 1
            status, error_type = self._outcome(model)
        fallback_from = None
        latency = self._latency(model, tokens_out) * (1 + retries * 0.6)
        if status != "success" and self.rng.random() < 0.6:
            fallback_from = model.name
            model = MODELS[workflow.fallback]
            latency += self._latency(model, tokens_out)
            status, error_type = self._outcome(model)
        if status == "timeout":
            latency = max(latency, 30_000 + self.rng.random() * 5_000)
            tokens_out = 0

        self.sequence += 1
        record: dict[str, Any] = {
            "request_id": f"demo-{int(ts * 1000)}-{self.sequence}",
            "timestamp": _iso(ts),
            "app": workflow.app,
            "task_id": task_id,
            "workflow": workflow.name,
            "user_tier": tier,
            "model": model.name,
            "provider": model.provider,
            "route": route,
            "status": status,
            "latency_ms": round(latency, 1),
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "retry_count": retries,
            "fallback_used": fallback_from is not None,
        }
        if fallback_from:
            record["fallback_from"] = fallback_from
        if error_type:
            record["error_type"] = error_type
        if workflow.cache_share and self.rng.random() < 0.8:
            record["cache_read_tokens"] = int(tokens_in * workflow.cache_share)
        if workflow.reasoning_share and tokens_out:
            record["reasoning_tokens"] = int(tokens_out * workflow.reasoning_share)
        if workflow.validated and status == "success":
            failed = self.rng.random() < workflow.validation_fail_rate
            record["validation"] = "fail" if failed else "pass"
            if failed:
                record["error_type"] = "invalid_json"
        return [record]

    def _pick_workflow(self) -> WorkflowProfile:
        return self.rng.choices(WORKFLOWS, weights=[w.weight for w in WORKFLOWS])[0]

    def _task_for(self, workflow: WorkflowProfile) -> tuple[str, str]:
        held = self.open_tasks.get(workflow.name)
        if held is not None:
            task_id, remaining, tier = held
            if remaining > 1:
                self.open_tasks[workflow.name] = (task_id, remaining - 1, tier)
            else:
                del self.open_tasks[workflow.name]
            return task_id, tier
        tier = self.rng.choices([t for t, _ in TIERS], weights=[w for _, w in TIERS])[0]
        task_id = f"{workflow.name[:4]}-{self.rng.getrandbits(40):010x}"
        length = self._between(workflow.requests_per_task)
        if length > 1:
            self.open_tasks[workflow.name] = (task_id, length - 1, tier)
        return task_id, tier

    def _outcome(self, model: ModelProfile) -> tuple[str, str | None]:
        roll = self.rng.random()
        if roll < model.timeout_rate:
            return "timeout", "timeout"
        if roll < model.timeout_rate + model.error_rate:
            return "error", self.rng.choice(ERROR_TYPES)
        return "success", None

    def _latency(self, model: ModelProfile, tokens_out: int) -> float:
        base = self.rng.lognormvariate(0, model.sigma) * model.median_ms
        return base + tokens_out * model.ms_per_output_token * self.rng.uniform(0.5, 1)

    def _between(self, bounds: tuple[int, int]) -> int:
        low, high = bounds
        return round(low * (high / low) ** self.rng.random()) if low else high


def _iso(ts: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))
    return f"{seconds}.{int(ts * 1000) % 1000:03d}Z"


def backfill(
    generator: TrafficGenerator, end: float, minutes: int, rate: float
) -> Iterator[dict[str, Any]]:
    """Records for the `minutes` before `end`, so the demo opens with history.

    The rate swells and dips over the period so the sparklines have a shape.
    """
    ts = end - minutes * 60
    while ts < end:
        phase = (ts % 1800) / 1800
        local_rate = rate * (0.6 + 0.8 * abs(phase - 0.5))
        ts += generator.rng.expovariate(local_rate)
        if ts < end:
            yield from generator.records_at(ts)


class DemoWriter:
    """A thread that appends demo traffic to a JSONL file, as an app would."""

    def __init__(
        self,
        path: Path,
        *,
        rate: float = 12.0,
        backfill_minutes: int = 90,
        seed: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.rate = rate
        self.backfill_minutes = backfill_minutes
        self.generator = TrafficGenerator(seed)
        self.clock = clock
        self.written = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="llmtop-demo", daemon=True
        )

    def write_backfill(self) -> int:
        """Write the history in one go; returns how many records it wrote."""
        records = list(
            backfill(self.generator, self.clock(), self.backfill_minutes, self.rate)
        )
        self._append(records)
        return len(records)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)

    def _run(self) -> None:
        while not self._stop.is_set():
            pause = self.generator.rng.expovariate(self.rate)
            if self._stop.wait(min(pause, 1.0)):
                break
            try:
                self._append(self.generator.records_at(self.clock()))
            except OSError as exc:
                log.error("demo traffic stopped: %s", exc)
                return

    def _append(self, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        text = "".join(json.dumps(record) + "\n" for record in records)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(text)
        self.written += len(records)
