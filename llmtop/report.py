"""The numbers of the views as a table, JSON or CSV, computed exactly from raw rows.

JSON keys (all per group and for the total; money in USD, latency in ms, rates
as fractions 0..1, null where undefined):
key, requests, spend_usd, unpriced, spend_is_lower_bound, cost_per_request_usd,
tasks, cost_per_task_usd, p50_ms, p95_ms, p99_ms, error_rate, timeout_rate,
fallback_rate, validation_failure_rate, mean_retries, retries, input_tokens,
output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens.
"""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
from typing import Any

from llmtop.query import SEP, Measures, Window

FIELDS = (
    "key",
    "requests",
    "spend_usd",
    "unpriced",
    "spend_is_lower_bound",
    "cost_per_request_usd",
    "tasks",
    "cost_per_task_usd",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "error_rate",
    "timeout_rate",
    "fallback_rate",
    "validation_failure_rate",
    "mean_retries",
    "retries",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
)


def group_record(group: Measures, by: str) -> dict[str, Any]:
    """One group as a flat dict with the documented keys."""
    key = group.key
    if by == "route":
        route, _, model = key.partition(SEP)
        key = f"{route or '(none)'} → {model or '(none)'}"
    return {
        "key": key if key != "" else None,
        "requests": group.requests,
        "spend_usd": round(group.spend, 10),
        "unpriced": group.unpriced,
        "spend_is_lower_bound": group.unpriced > 0,
        "cost_per_request_usd": _round(group.cost_per_request),
        "tasks": group.tasks,
        "cost_per_task_usd": _round(group.cost_per_task),
        "p50_ms": _round(group.p50, 3),
        "p95_ms": _round(group.p95, 3),
        "p99_ms": _round(group.p99, 3),
        "error_rate": _round(group.error_rate),
        "timeout_rate": _round(group.timeout_rate),
        "fallback_rate": _round(group.fallback_rate),
        "validation_failure_rate": _round(group.validation_failure_rate),
        "mean_retries": _round(group.mean_retries),
        "retries": group.retries,
        "input_tokens": group.input_tokens,
        "output_tokens": group.output_tokens,
        "cache_read_tokens": group.cache_read_tokens,
        "cache_write_tokens": group.cache_write_tokens,
        "reasoning_tokens": group.reasoning_tokens,
    }


def _round(value: float | None, digits: int = 10) -> float | None:
    if value is None or not math.isfinite(value):
        return None  # JSON has no Infinity; strict parsers reject it
    return round(value, digits)


def as_json(window: Window, by: str, groups: list[Measures], total: Measures) -> str:
    document = {
        "window": {
            "name": window.name,
            "start_ms": window.start_ms,
            "end_ms": window.end_ms,
            "ends_at_newest_record": window.clamped,
        },
        "by": by,
        "groups": [group_record(group, by) for group in groups],
        "total": group_record(total, "all") | {"key": "total"},
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)


def as_csv(by: str, groups: list[Measures], total: Measures) -> str:
    """CSV with a `row` column (group or total), so a group called "total" is
    never mistaken for the total; booleans as true/false."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=("row", *FIELDS), lineterminator="\n")
    writer.writeheader()
    rows = [("group", group_record(group, by)) for group in groups]
    rows.append(("total", group_record(total, "all") | {"key": "total"}))
    for kind, record in rows:
        cells = {k: _csv_cell(v) for k, v in record.items()}
        writer.writerow({"row": kind, **cells})
    return buffer.getvalue()


def _csv_cell(value: Any) -> Any:
    """Booleans as true/false; text with control characters made visible, so
    a terminal showing the CSV never acts on an escape sequence."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return _visible(value)
    return value


def as_table(
    window: Window, by: str, groups: list[Measures], total: Measures, spend_text: Any
) -> str:
    """A plain-text table for a terminal (no colour, no markup)."""
    headers = (
        by,
        "reqs",
        "spend",
        "$/req",
        "$/task",
        "p50 ms",
        "p95 ms",
        "err%",
        "tmo%",
        "fb%",
        "val✗%",
        "retries",
    )
    lines = [headers]
    for group in [*groups, total]:
        record = group_record(group, by)
        name = "TOTAL" if group is total else (record["key"] or "(none)")
        lines.append(
            (
                _visible(str(name))[:40],
                str(group.requests),
                spend_text(group.spend, group.unpriced),
                _money(group.cost_per_request),
                _money(group.cost_per_task),
                _num(group.p50),
                _num(group.p95),
                _pct(group.error_rate),
                _pct(group.timeout_rate),
                _pct(group.fallback_rate),
                _pct(group.validation_failure_rate),
                str(group.retries),
            )
        )
    widths = [max(_cells(row[i]) for row in lines) for i in range(len(headers))]
    out = [f"window {window.name}: {_span(window)}"]
    for index, row in enumerate(lines):
        cells = [_pad(row[0], widths[0], left=True)] + [
            _pad(cell, width) for cell, width in zip(row[1:], widths[1:])
        ]
        out.append("  ".join(cells))
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def _span(window: Window) -> str:
    import datetime as dt

    def iso(ms: int) -> str:
        return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%SZ"
        )

    note = " (ends at the newest record: data is older than the window)"
    return f"{iso(window.start_ms)} → {iso(window.end_ms)}" + (
        note if window.clamped else ""
    )


def _cells(text: str) -> int:
    """Terminal columns a text takes: CJK and emoji take two."""
    return sum(
        0
        if unicodedata.combining(ch)
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in text
    )


def _pad(text: str, width: int, *, left: bool = False) -> str:
    gap = " " * max(width - _cells(text), 0)
    return text + gap if left else gap + text


def _visible(text: str) -> str:
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _money(value: float | None) -> str:
    if value is None:
        return "-"
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}"
