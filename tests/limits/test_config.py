"""[limits] validation: flattening, defaults and errors that name the key."""

from __future__ import annotations

import pytest

from llmtop.config import ConfigError
from llmtop.limits import Limit, alert_settings, load_limits


def test_limits_flatten_in_scope_then_measure_order() -> None:
    config = {
        "limits": {
            "model": {"gpt-4o": {"error_rate": 0.1}},
            "global": {"spend_per_day": 50, "p95_latency_ms": 3000},
            "workflow": {"*": {"fallback_rate": 0.2, "min_requests": 30}},
        }
    }
    assert load_limits(config) == [
        Limit("global", "", "spend_per_day", 50.0),
        Limit("global", "", "p95_latency_ms", 3000.0),
        Limit("workflow", "*", "fallback_rate", 0.2, min_requests=30),
        Limit("model", "gpt-4o", "error_rate", 0.1),
    ]


def test_no_limits_table_means_no_limits() -> None:
    assert load_limits({}) == []
    assert load_limits(None) == []
    assert alert_settings({}) == alert_settings(None)
    assert not alert_settings({}).bell and not alert_settings({}).notify


def test_alerts_are_opt_in() -> None:
    settings = alert_settings({"limits": {"bell": True}})
    assert settings.bell and not settings.notify


@pytest.mark.parametrize(
    ("limits", "named"),
    [
        ({"workflow": {"rag": {"error_rate": 1.5}}}, "workflow.rag.error_rate"),
        ({"app": {"web": {"spend_per_day": -1}}}, "app.web.spend_per_day"),
        ({"model": {"x": {"p95_latency": 100}}}, "model.x.p95_latency"),
        ({"tenant": {"a": {"error_rate": 0.1}}}, "tenant"),
        ({"global": {"min_requests": 0}}, "global.min_requests"),
    ],
)
def test_bad_limits_name_the_key(limits: dict, named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_limits({"_path": "/etc/llmtop.toml", "limits": limits})
    assert f"[limits] {named}" in str(caught.value)
    assert str(caught.value).startswith("/etc/llmtop.toml: ")
