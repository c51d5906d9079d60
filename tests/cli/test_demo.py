"""The demo runs the real path: generator → file → agent → SQLite."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

from llmtop.demo import MODELS, WORKFLOWS, TrafficGenerator

REPO = Path(__file__).resolve().parents[2]


def test_headless_demo_stores_every_record_it_wrote(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "llmtop",
            "demo",
            "--no-ui",
            "--duration",
            "2",
            "--history",
            "10",
            "--seed",
            "4",
            "--db",
            str(db),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    written = int(re.search(r"wrote (\d+) records", done.stdout).group(1))
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == written
    workflows = {row[0] for row in conn.execute("SELECT DISTINCT workflow FROM events")}
    assert workflows == {w.name for w in WORKFLOWS}


def test_generator_covers_the_brief_at_believable_rates() -> None:
    generator = TrafficGenerator(seed=9)
    records = [r for i in range(20_000) for r in generator.records_at(1.8e9 + i)]
    models = Counter(r["model"] for r in records)
    providers = {MODELS[m].provider for m in models}
    assert {
        "openai",
        "anthropic",
        "google",
        "deepseek",
        "alibaba",
        "moonshotai",
        "zhipuai",
        "minimax",
        "volcengine",
    } <= providers
    assert {r["user_tier"] for r in records} == {"free", "pro", "enterprise"}
    failures = sum(r["status"] != "success" for r in records) / len(records)
    fallbacks = sum(r["fallback_used"] for r in records) / len(records)
    judged = [r for r in records if "validation" in r]
    invalid = sum(r["validation"] == "fail" for r in judged) / len(judged)
    assert 0.002 < failures < 0.05
    assert 0.005 < fallbacks < 0.08
    assert 0.02 < invalid < 0.12
    assert any(r["retry_count"] for r in records)

    # Latency differs per model: o3-mini's median is far above gpt-4o-mini's.
    def median(model: str) -> float:
        values = sorted(
            r["latency_ms"]
            for r in records
            if r["model"] == model and r["status"] == "success"
        )
        return values[len(values) // 2]

    assert median("o3-mini") > 3 * median("gpt-4o-mini")


def test_sigterm_leaves_no_temporary_files(tmp_path: Path) -> None:
    import os
    import signal
    import time

    env = dict(os.environ, TMPDIR=str(tmp_path))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llmtop",
            "demo",
            "--no-ui",
            "--duration",
            "30",
            "--history",
            "1",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while not list(tmp_path.glob("llmtop-demo-*/demo.db")):
        assert time.monotonic() < deadline, "the demo never started"
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)
    assert list(tmp_path.glob("llmtop-demo-*")) == []
