"""Decoding lines: reasons for bad input, and excerpts that never hold content."""

from __future__ import annotations

from llmtop.pricing import Pricer
from llmtop.records import RecordDecoder, excerpt


def _decoder(**options: object) -> RecordDecoder:
    return RecordDecoder("t.jsonl", pricer=Pricer(), **options)  # type: ignore[arg-type]


def test_excerpt_blanks_text_that_could_be_content() -> None:
    text = excerpt(
        b'{"timestamp": "yesterday", "question": "SECRET question", '
        b'"model": "gpt-4o", "user_id": "u1", "messages": [{"content": "x"}]}'
    )
    assert "SECRET" not in text and '"content"' not in text
    assert '"timestamp": "yesterday"' in text and '"user_id": "u1"' in text


def test_excerpt_of_a_cut_line_masks_long_strings() -> None:
    text = excerpt(b'{"prompt": "my secret prompt that was cut in the midd')
    assert "secret" not in text


def test_a_number_json_cannot_hold_is_a_field_problem_not_a_lost_record() -> None:
    decoded = _decoder().decode_line(
        b'{"timestamp": 1796378400, "model": "gpt-4o", "latency_ms": 1e999}',
        line_no=1,
        offset=0,
    )
    assert not decoded.rejects
    (row,) = decoded.rows
    assert row["latency_ms"] is None and "latency_ms" in row["flags"]


def test_array_items_that_are_not_objects_say_so() -> None:
    decoded = _decoder().decode_line(b"[1, 2]", line_no=1, offset=0)
    assert [r["reason"] for r in decoded.rejects] == [
        "array item 0: expected a JSON object, got int",
        "array item 1: expected a JSON object, got int",
    ]


def test_a_forced_format_that_does_not_fit_rejects_with_a_reason() -> None:
    decoded = _decoder(format_name="anthropic").decode_line(
        b'{"timestamp": 1796378400, "model": "gpt-4o", "input_tokens": 5}',
        line_no=1,
        offset=0,
    )
    assert not decoded.rows
    (reject,) = decoded.rejects
    assert reject["reason"].startswith("not an anthropic record")


def test_excerpts_of_broken_json_mask_every_value() -> None:
    lines = [
        b'{"model":"gpt-4o","input_tokens":5,"question":"SECRETQX"} trailing',
        b"{'model':'gpt-4o','prompt':'SECRETSQ'}",
        b'{"broken json "question":"SECRETQ5","prompt":"SECRETP5"',
        b"plain text with a SECRET in it",
    ]
    for line in lines:
        text = excerpt(line)
        assert "SECRET" not in text, text
    assert excerpt(lines[0]).startswith('{"model":"…","input_tokens":5')
