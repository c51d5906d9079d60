"""Terminal bar charts for `llmtop report --chart`, drawn with plotext."""

from __future__ import annotations

import plotext as plt

from llmtop.query import SEP, Measures


def bar_chart(title: str, labels: list[str], values: list[float], width: int) -> str:
    """A horizontal bar chart as plain text (no colour codes, safe to pipe)."""
    plt.clear_figure()
    plt.plotsize(width, max(6, 2 * len(labels) + 4))
    plt.theme("clear")
    plt.title(title)
    plt.bar(labels, values, orientation="h", width=0.5)
    return plt.uncolorize(plt.build())


def report_charts(groups: list[Measures], by: str, width: int = 80) -> str:
    """Spend and p95 latency per group, the biggest spenders first."""
    shown = groups[:12]
    if not shown:
        return "no requests in this window"
    labels = [_label(group.key, by) for group in shown]
    spend = bar_chart("spend (USD)", labels, [g.spend for g in shown], width)
    timed = [(label, g.p95) for label, g in zip(labels, shown) if g.p95 is not None]
    if not timed:
        return spend
    p95 = bar_chart(
        "p95 latency (ms)", [t[0] for t in timed], [t[1] for t in timed], width
    )
    return f"{spend}\n{p95}"


def _label(key: str, by: str) -> str:
    if by == "route":
        route, _, model = key.partition(SEP)
        key = f"{route}→{model}"
    text = "".join(ch if ch.isprintable() else "?" for ch in (key or "(none)"))
    return text[:28]
