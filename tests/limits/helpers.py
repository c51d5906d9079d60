"""A real database whose traffic breaks some limits and keeps others.

All times are fixed in the past (June 2025), so a window resolved from the real
clock is clamped to end at the newest record, END.

Traffic (prices come from the config below, per million tokens):
- rag_answer, user tier "pro", model test-big ($10 in, $30 out): 10 requests in
  the last hour, 10,000 in + 1,000 out = 100,000 + 30,000 = 130,000 → $0.13
  each, latencies 1,000…10,000 ms, 1 error, 8 validation passes and 2 fails;
  and 40 more requests at 03:00 UTC the same day, $0.13 each.
- chatbot_reply, user tier "free", model test-small ($0.1 in, $0.4 out): 20
  requests in the last hour, 1,000 in + 500 out = 100 + 200 = 300 → $0.0003
  each, 500 ms, 5 of them fallbacks.
- batch_job: one request at 03:00 UTC of an unknown model (unpriced).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmtop.event import parse_timestamp
from llmtop.pricing import Pricer
from llmtop.records import RecordDecoder
from llmtop.store import open_database, write_batch
from llmtop.store.writer import Batch

END = parse_timestamp("2025-06-02T15:29:00Z")
EARLY = parse_timestamp("2025-06-02T03:00:00Z")
MINUTE = 60_000

PRICES_TOML = """\
[prices.models.test-big]
input = 10.0
output = 30.0

[prices.models.test-small]
input = 0.1
output = 0.4
"""


def records() -> list[dict[str, Any]]:
    """The fixture's records, as an application would log them."""
    rows: list[dict[str, Any]] = []
    for i in range(10):
        rows.append(
            {
                "request_id": f"rag-{i}",
                "timestamp": END - i * MINUTE,
                "workflow": "rag_answer",
                "user_tier": "pro",
                "app": "web",
                "model": "test-big",
                "input_tokens": 10_000,
                "output_tokens": 1_000,
                "latency_ms": 1_000 * (i + 1),
                "status": "error" if i == 0 else "success",
                "validation": "fail" if i in (1, 2) else "pass",
            }
        )
    for i in range(40):
        rows.append(
            {
                "request_id": f"rag-early-{i}",
                "timestamp": EARLY + i * 1000,
                "workflow": "rag_answer",
                "user_tier": "pro",
                "app": "web",
                "model": "test-big",
                "input_tokens": 10_000,
                "output_tokens": 1_000,
                "latency_ms": 800,
            }
        )
    for i in range(20):
        rows.append(
            {
                "request_id": f"chat-{i}",
                "timestamp": END - i * 90_000,
                "workflow": "chatbot_reply",
                "user_tier": "free",
                "app": "web",
                "model": "test-small",
                "input_tokens": 1_000,
                "output_tokens": 500,
                "latency_ms": 500,
                "fallback_used": i < 5,
            }
        )
    rows.append(
        {
            "request_id": "mystery-0",
            "timestamp": EARLY,
            "workflow": "batch_job",
            "model": "mystery-model-x",
            "input_tokens": 5_000,
            "output_tokens": 100,
            "latency_ms": 2_000,
        }
    )
    return rows


def build_database(db_path: Path, config: dict[str, Any]) -> None:
    """Write the records through the real decoder, pricer and writer."""
    decoder = RecordDecoder("app/usage.jsonl", pricer=Pricer(config))
    rows: list[dict[str, Any]] = []
    offset = 0
    for line_no, record in enumerate(records(), start=1):
        line = (json.dumps(record) + "\n").encode()
        decoded = decoder.decode_line(line, line_no=line_no, offset=offset)
        assert not decoded.rejects, decoded.rejects
        rows.extend(decoded.rows)
        offset += len(line)
    conn = open_database(db_path)
    try:
        write_batch(conn, Batch(events=rows))
    finally:
        conn.close()
