"""The command line: help, verbosity anywhere, clear errors without tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmtop.cli import _verbosity_after_command, main


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["-v", "agent", "x.jsonl"], ["agent", "-v", "x.jsonl"]),
        (["-vv", "--verbose", "report"], ["report", "-vv", "--verbose"]),
        (["-v", "--db", "a.db"], ["--db", "a.db", "-v"]),
        (["report", "-v"], ["report", "-v"]),
    ],
)
def test_verbosity_moves_behind_the_command(
    given: list[str], expected: list[str]
) -> None:
    assert _verbosity_after_command(given) == expected


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    listing = capsys.readouterr().out
    for name in (
        "watch",
        "demo",
        "agent",
        "ingest",
        "report",
        "rejects",
        "formats",
        "prices",
        "check",
    ):
        assert f"    {name}" in listing, name


def test_a_missing_database_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--db", str(tmp_path / "none.db")]) == 2
    err = capsys.readouterr().err
    assert "no database at" in err and "Traceback" not in err


def test_watch_with_nothing_to_show_says_what_to_try(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(tmp_path / "none.db")]) == 2
    assert "llmtop demo" in capsys.readouterr().err


def test_presets_read_the_tools_default_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixtures: Path
) -> None:
    claude = tmp_path / "claude"
    codex = tmp_path / "codex"
    (claude / "projects" / "-home-dev-shop").mkdir(parents=True)
    (codex / "sessions" / "2026" / "12").mkdir(parents=True)
    transcript = (fixtures / "formats" / "claude-code-snapshots.jsonl").read_text()
    (claude / "projects" / "-home-dev-shop" / "s.jsonl").write_text(transcript)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude))
    monkeypatch.setenv("CODEX_HOME", str(codex))
    db = tmp_path / "p.db"
    assert main(["ingest", "--claude-code", "--codex", "--db", str(db)]) == 0
    import sqlite3

    rows = sqlite3.connect(db).execute("SELECT workflow FROM events").fetchall()
    assert rows and {row[0] for row in rows} == {"coding_assist"}


def test_a_file_that_is_not_a_database_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("hello\n")
    assert main(["report", "--db", str(not_a_db)]) == 2
    assert main(["report", "--db", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cannot use" in err and "is a directory" in err
    assert "Traceback" not in err


def test_a_config_table_llmtop_does_not_know_is_a_typo_to_point_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[limit.global]\nspend_per_day = 5\n")
    assert main(["check", "--config", str(config), "--db", str(tmp_path / "x.db")]) == 2
    assert "unknown table [limit]" in capsys.readouterr().err


def test_check_validates_the_whole_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[prices]\nfoo = 1\n[limits.global]\nspend_per_day = 5\n")
    assert main(["check", "--config", str(config), "--db", str(tmp_path / "x.db")]) == 2
    assert "[prices] foo" in capsys.readouterr().err
