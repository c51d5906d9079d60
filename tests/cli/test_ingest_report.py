"""Issue 2's check as a new user runs it: ingest real samples, then report JSON."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from llmtop.cli import main

REPO = Path(__file__).resolve().parents[2]


def _report(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_batch_output_and_anthropic_messages_tokens_and_costs(
    real_inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "x.db"
    status = main(
        [
            "ingest",
            str(real_inputs / "openai-batch-output"),
            str(real_inputs / "anthropic-messages"),
            "--db",
            str(db),
        ]
    )
    assert status == 0
    by_model = {g["key"]: g for g in _report(db, capsys, "--by", "model")["groups"]}

    # Batch output: two gpt-4o-mini lines, prompt 20 + 22, completion 10 + 10.
    mini = by_model["gpt-4o-mini-2024-07-18"]
    assert (mini["requests"], mini["input_tokens"], mini["output_tokens"]) == (
        2,
        42,
        20,
    )
    # gpt-4o-mini lists $0.15 in / $0.60 out per million: 42*0.15e-6 + 20*0.6e-6.
    assert mini["spend_usd"] == pytest.approx(42 * 0.15e-6 + 20 * 0.60e-6)

    # One Anthropic response read on its own: input 3 + cache write 418 + cache
    # read 1111 = 1532; at Sonnet 4.5's $3 / $0.30 read / $3.75 5m write / $15 out:
    # 3*3 + 1111*0.3 + 418*3.75 + 33*15 = 2404.8 micro-dollars.
    conn = sqlite3.connect(db)
    row = conn.execute(
        "SELECT input_tokens, cache_read_tokens, cache_write_tokens, output_tokens,"
        " cost_usd, cost_source FROM events WHERE request_id = ?",
        ["msg_01KPaKTJSqAKoZri7Ujrny58"],
    ).fetchone()
    assert row[:4] == (1532, 1111, 418, 33)
    assert row[4] == pytest.approx(2404.8e-6)
    assert row[5] == "estimated"

    # The error bodies and the Batch object are rejected with a reason, not lost.
    reasons = [r[0] for r in conn.execute("SELECT reason FROM rejects")]
    assert len(reasons) == 3
    assert sum("error body" in reason for reason in reasons) == 2
    assert sum("batch summary" in reason for reason in reasons) == 1


def test_report_runs_as_a_module_and_exact_percentiles(tmp_path: Path) -> None:
    log = tmp_path / "usage.jsonl"
    latencies = [120.0, 80.0, 300.0, 95.0, 2000.0]
    log.write_text(
        "".join(
            json.dumps(
                {
                    "timestamp": 1_796_378_400 + i,
                    "workflow": "chat",
                    "model": "gpt-4o",
                    "latency_ms": value,
                    "estimated_cost_usd": 0.01,
                }
            )
            + "\n"
            for i, value in enumerate(latencies)
        )
    )
    db = tmp_path / "u.db"
    env_cmd = [sys.executable, "-m", "llmtop"]
    subprocess.run(
        [*env_cmd, "ingest", str(log), "--db", str(db)],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    out = subprocess.run(
        [*env_cmd, "report", "--db", str(db), "--format", "json"],
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout
    total = json.loads(out)["total"]
    # sorted: 80, 95, 120, 300, 2000; p95 rank 0.95*4 = 3.8 → 300 + 0.8*1700 = 1660
    assert total["p95_ms"] == pytest.approx(1660.0)
    assert total["p50_ms"] == pytest.approx(120.0)
    assert total["spend_usd"] == pytest.approx(0.05)
    assert total["requests"] == 5


def test_report_csv_and_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "usage.jsonl"
    log.write_text(
        json.dumps(
            {
                "timestamp": 1_796_378_400,
                "workflow": "[red]x[/red]",
                "model": "mystery-model",
                "input_tokens": 10,
            }
        )
        + "\n"
    )
    db = tmp_path / "c.db"
    assert main(["ingest", str(log), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("row,key,requests,spend_usd,unpriced")
    assert lines[1].startswith("group,[red]x[/red],1,0.0,1,true")
    assert lines[2].startswith("total,total,1,0.0,1,true")
    assert main(["report", "--db", str(db)]) == 0
    table = capsys.readouterr().out
    assert "[red]x[/red]" in table
    assert "≥ $0" in table and "(1 unpriced)" in table


def test_table_columns_line_up_with_wide_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "usage.jsonl"
    log.write_text(
        "".join(
            json.dumps(
                {
                    "timestamp": 1_796_378_400 + i,
                    "workflow": name,
                    "model": "gpt-4o",
                    "estimated_cost_usd": 0.01,
                }
            )
            + "\n"
            for i, name in enumerate(["中文工作流", "plain"])
        )
    )
    db = tmp_path / "w.db"
    assert main(["ingest", str(log), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["report", "--db", str(db)]) == 0
    rows = capsys.readouterr().out.splitlines()[3:5]
    # "中文工作流" is five wide characters: ten columns, like "plain" + 5 spaces.
    wide = next(row for row in rows if row.startswith("中文"))
    narrow = next(row for row in rows if row.startswith("plain"))
    assert wide.index(" 1 ") + 5 == narrow.index(" 1 ")


def test_csv_shows_control_characters_instead_of_sending_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "usage.jsonl"
    name = "w\x1b]0;pwned\x07\x1b[31mred"
    log.write_text(
        json.dumps(
            {
                "timestamp": 1_796_378_400,
                "workflow": name,
                "model": "gpt-4o",
                "input_tokens": 1,
            }
        )
        + "\n"
    )
    db = tmp_path / "e.db"
    assert main(["ingest", str(log), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "w\\x1b]0;pwned\\x07\\x1b[31mred" in out
