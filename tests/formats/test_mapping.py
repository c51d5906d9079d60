"""The user's own format through a `[mapping]` table, and `llmtop formats`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmtop.cli import main
from llmtop.config import ConfigError, load_config
from llmtop.formats import adapter_named, configure, detect
from llmtop.formats.mapping import mapping_adapter

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG = """
[mapping]
name = "acme-gateway"
detect = "usage.tokens_in"
timestamp = "ts"
request_id = "meta.id"
task_id = "meta.conversation"
workflow = "tags.feature"
model = "llm.model"
route = "routing.chain[1]"
input_tokens = ["usage.tokens_in", "usage.cache_hits"]
cache_read_tokens = "usage.cache_hits"
output_tokens = "usage.tokens_out"
estimated_cost_usd = "billing.usd"

[mapping.defaults]
app = "acme-web"
"""


@pytest.fixture
def configured() -> Iterator[None]:
    configure(tomllib.loads(CONFIG))
    yield
    configure({})


def test_mapped_records(configured: None, fixtures: Path, decode) -> None:
    rows = decode(fixtures / "formats" / "mapping-records.jsonl").rows
    first, second = rows
    assert first["format"] == "acme-gateway"
    # 900 uncached + 100 cache hits = 1000 input.
    assert (first["input_tokens"], first["cache_read_tokens"]) == (1000, 100)
    assert first["output_tokens"] == 40
    assert first["route"] == "backup"
    assert (first["workflow"], first["task_id"], first["app"]) == (
        "rag_answer",
        "c1",
        "acme-web",
    )
    assert first["cost_usd"] == 0.5 and first["cost_source"] == "reported"
    assert first["request_id"] == "r1"
    # epoch seconds 1740823260 = 2025-03-01T10:01:00Z.
    assert second["ts"] == 1_740_823_260_000
    assert second["input_tokens"] == 10
    assert "SECRET" not in str(rows)


def test_mapping_goes_first_and_is_named(configured: None) -> None:
    record = {"usage": {"tokens_in": 1}, "model": "gpt-4o", "input_tokens": 1}
    assert detect(record).name == "acme-gateway"
    assert adapter_named("acme-gateway").name == "acme-gateway"
    # Records without the detect path still go to the built-in formats.
    assert detect({"model": "gpt-4o", "input_tokens": 1}).name == "native"


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"input_tokenz": "a"}, "input_tokenz"),
        ({"model": "a..b"}, "model"),
        ({"model": ["a", "b"]}, "model"),
        ({"input_tokens": 3}, "input_tokens"),
        ({"input_tokens": "a", "detect": "x[y"}, "detect"),
        ({"input_tokens": "a", "defaults": {"colour": "red"}}, "colour"),
        ({"name": "x"}, "maps no field"),
    ],
)
def test_bad_tables_name_the_key(table: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        mapping_adapter(table)


def test_formats_command_lists_the_mapping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    assert load_config(config)["mapping"]["name"] == "acme-gateway"
    try:
        assert main(["formats", "--config", str(config)]) == 0
    finally:
        configure({})
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert names[0] == "acme-gateway"
    for expected in (
        "otlp",
        "claude-code",
        "codex",
        "litellm",
        "langfuse",
        "gemini",
        "openai-chat",
        "openai-responses",
        "batch-output",
        "anthropic",
        "native",
    ):
        assert expected in names
    assert names[-1] == "native"
