"""Make the README's screenshots from the real app over a fixed database.

    python -m llmtop.tui.screenshots OUTDIR

The records are generated from a seed and stamped against a frozen clock, and
they go through the real decoder and writer, so the pictures show exactly what
a user would see for that traffic, identically on every run.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from llmtop.pricing import Pricer
from llmtop.records import RecordDecoder
from llmtop.store import open_database, write_batch
from llmtop.store.writer import Batch

log = logging.getLogger(__name__)

#: The frozen "now" of every screenshot: 2025-03-11 14:30:00 UTC.
FROZEN_NOW = 1_741_703_400.0
SIZE = (120, 40)

_WORKFLOWS = (
    ("chatbot_reply", "gpt-4.1-mini", "chat/primary", 900, 0.0006),
    ("rag_answer", "claude-sonnet-4", "rag/answer", 2400, 0.012),
    ("agent_planning", "gpt-4.1", "agent/plan", 3800, 0.021),
    ("json_extraction", "gemini-2.5-flash", "extract/json", 700, 0.0011),
    ("multilingual_reply", "qwen-max", "chat/multilingual", 1500, 0.0022),
    ("coding_assist", "deepseek-chat", "code/assist", 2100, 0.0017),
    ("long_document_analysis", "kimi-k2", "docs/long", 6400, 0.018),
)
_TIERS = ("free", "free", "pro", "pro", "enterprise")
_ERRORS = ("rate_limit", "server_error", "timeout", "invalid_json")


def sample_records(
    now_s: float = FROZEN_NOW, count: int = 600, seed: int = 7
) -> list[dict[str, Any]]:
    """Believable traffic over the hour before `now_s`, the same for a seed."""
    rng = random.Random(seed)
    records = []
    for index in range(count):
        workflow, model, route, latency, cost = rng.choice(_WORKFLOWS)
        ts = now_s - 3600 + 3600 * index / count + rng.random()
        roll = rng.random()
        status, error = "success", None
        if roll < 0.03:
            status, error = "timeout", "timeout"
        elif roll < 0.08:
            status, error = "error", rng.choice(_ERRORS[:2] + _ERRORS[3:])
        record: dict[str, Any] = {
            "request_id": f"shot-{index:05d}",
            "timestamp": round(ts, 3),
            "app": "support-bot" if index % 3 else "docs-portal",
            "task_id": f"task-{index // 3:04d}",
            "workflow": workflow,
            "user_tier": rng.choice(_TIERS),
            "model": model,
            "route": route,
            "status": status,
            "latency_ms": round(rng.lognormvariate(0, 0.45) * latency, 1),
            "input_tokens": rng.randint(200, 4000),
            "output_tokens": rng.randint(20, 900),
            "estimated_cost_usd": round(cost * rng.uniform(0.5, 1.8), 6),
            "retry_count": 1 if rng.random() < 0.06 else 0,
        }
        if error:
            record["error_type"] = error
        if rng.random() < 0.04:
            record["fallback_used"] = True
            record["fallback_from"] = "gpt-4.1"
        if workflow == "json_extraction":
            record["validation"] = "fail" if rng.random() < 0.07 else "pass"
        if index in (150, 420):
            record["timestamp"] = "sometime yesterday"
        if index % 97 == 0:
            del record["estimated_cost_usd"]
            record["model"] = "in-house-llm-v2"
        records.append(record)
    return records


def write_records(
    db_path: Path, records: list[dict[str, Any]], source: str = "usage.jsonl"
) -> None:
    """Store records through the real decoder and writer, one line each."""
    decoder = RecordDecoder(source, pricer=Pricer(), clock=lambda: FROZEN_NOW)
    rows: list[dict[str, Any]] = []
    rejects: list[dict[str, Any]] = []
    offset = 0
    for line_no, record in enumerate(records, start=1):
        line = (json.dumps(record) + "\n").encode()
        decoded = decoder.decode_line(line, line_no=line_no, offset=offset)
        rows.extend(decoded.rows)
        rejects.extend(decoded.rejects)
        offset += len(line)
    conn = open_database(db_path)
    try:
        write_batch(conn, Batch(events=rows, rejects=rejects))
    finally:
        conn.close()


#: Limits shown in the pictures: one workflow over its p95, a daily budget.
CONFIG: dict[str, Any] = {
    "limits": {
        "global": {"spend_per_day": 40.0},
        "workflow": {"long_document_analysis": {"p95_latency_ms": 12_000}},
    }
}


async def shoot(db_path: Path, out_dir: Path) -> list[Path]:
    """Save main.svg, detail.svg and budgets.svg of the app over `db_path`."""
    from llmtop.tui.app import LlmtopApp
    from llmtop.tui.screens.budgets import BudgetsScreen
    from llmtop.tui.screens.detail import RequestDetail

    app = LlmtopApp(db_path, clock=lambda: FROZEN_NOW, config=CONFIG)
    written = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.refresh_count > 0)
        written.append(_save(app, out_dir, "main.svg"))
        app.query_one("#recent").focus()
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestDetail))
        written.append(_save(app, out_dir, "detail.svg"))
        await pilot.press("escape", "b")
        await wait_until(pilot, lambda: isinstance(app.screen, BudgetsScreen))
        written.append(_save(app, out_dir, "budgets.svg"))
    return written


def _save(app: Any, out_dir: Path, name: str) -> Path:
    path = out_dir / name
    path.write_text(app.export_screenshot(title="llmtop"), encoding="utf-8")
    return path


async def wait_until(pilot: Any, ready: Any, attempts: int = 400) -> None:
    """Let the app run until `ready()` holds (refreshes run in a thread)."""
    for _ in range(attempts):
        await pilot.pause(0.02)
        if ready():
            await pilot.pause()
            return
    raise TimeoutError("the app did not reach the expected state")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0] if args else "screenshots")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        db_path = Path(scratch) / "llmtop.db"
        records = sample_records()
        write_records(db_path, records)
        for path in asyncio.run(shoot(db_path, out_dir)):
            log.info("wrote %s", path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
