"""`llmtop check` through the real CLI entry point: output and exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmtop.cli import main
from llmtop.config import load_config
from tests.limits.helpers import PRICES_TOML, build_database
from tests.limits.test_evaluate import EXPECTED, LIMITS_TOML


@pytest.fixture
def database(db_path: Path, tmp_path: Path) -> Path:
    prices = tmp_path / "prices.toml"
    prices.write_text(PRICES_TOML)
    build_database(db_path, load_config(prices))
    return db_path


def _config(tmp_path: Path, limits: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(PRICES_TOML + "\n" + limits)
    return path


def test_check_lists_the_breaches_and_exits_1(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, LIMITS_TOML)
    status = main(["check", "--db", str(database), "--config", str(config)])
    out = capsys.readouterr().out
    assert status == 1
    lines = out.splitlines()
    # the data is from 2025, so the 1h window ends at the newest record
    assert lines[0] == (
        "6 breaches in the 1h window (ends at the newest record); 12 limits checked:"
    )
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "global",
        "workflow chatbot_reply",
        "workflow rag_answer",
        "workflow rag_answer",
        "workflow rag_answer",
        "user tier free",
    ]


def test_check_json_has_one_object_per_breach(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, LIMITS_TOML)
    status = main(
        ["check", "--db", str(database), "--config", str(config), "--format", "json"]
    )
    document = json.loads(capsys.readouterr().out)
    assert status == 1
    assert document["window"]["clamped"] is True
    found = [(b["scope"], b["key"], b["measure"]) for b in document["breaches"]]
    assert found == [e[:3] for e in EXPECTED]


def test_check_exits_0_when_nothing_is_breached(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loose = """\
[limits.global]
spend_per_day = 100.0
[limits.workflow."*"]
p95_latency_ms = 60000
"""
    config = _config(tmp_path, loose)
    status = main(["check", "--db", str(database), "--config", str(config)])
    assert status == 0
    assert capsys.readouterr().out.startswith("ok: nothing breached in the 1h window")


def test_a_bad_limit_exits_2_and_names_the_key(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, "[limits.workflow.rag_answer]\nerror_rate = 5\n")
    status = main(["check", "--db", str(database), "--config", str(config)])
    assert status == 2
    err = capsys.readouterr().err
    assert "[limits] workflow.rag_answer.error_rate" in err
    assert "less than or equal to 1" in err


def test_a_missing_database_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, LIMITS_TOML)
    missing = tmp_path / "nowhere.db"
    status = main(["check", "--db", str(missing), "--config", str(config)])
    assert status == 2
    assert "no database" in capsys.readouterr().err
    assert not missing.exists()
