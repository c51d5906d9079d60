"""The `[limits]` table of the config: what each slice of traffic may cost and do.

Limits are set per workflow, user tier, app or model, and for the whole traffic
(`global`). A key of `"*"` sets a default for every group of its scope; a group
named explicitly overrides that default measure by measure. Example:

    [limits]
    bell = false               # ring the terminal bell on a new breach (TUI)
    notify = false             # show a notification on a new breach (TUI)

    [limits.global]
    spend_per_day = 200.0      # USD since 00:00 UTC

    [limits.workflow."*"]
    p95_latency_ms = 8000
    error_rate = 0.05          # fractions: 0.05 is 5%

    [limits.workflow.rag_answer]
    cost_per_request = 0.05    # mean cost of a priced request in the window
    max_request_cost = 0.50    # the most expensive single request
    spend_per_hour = 5.0       # USD over the last hour
    p95_latency_ms = 4000
    validation_failure_rate = 0.02
    min_requests = 20          # judge rates only with this many requests

    [limits.user_tier.free]
    cost_per_request = 0.002
    fallback_rate = 0.10

    [limits.model."gpt-4o"]
    timeout_rate = 0.01

A limit is breached when the measured value is strictly above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from llmtop.config import validate_table

SCOPES = ("global", "workflow", "user_tier", "app", "model")
#: Every measure a limit can bound, and how it reads in messages.
MEASURES: dict[str, str] = {
    "cost_per_request": "cost per request",
    "max_request_cost": "most expensive request",
    "spend_per_hour": "spend in the last hour",
    "spend_per_day": "spend today (UTC)",
    "p95_latency_ms": "p95 latency",
    "error_rate": "error rate",
    "timeout_rate": "timeout rate",
    "fallback_rate": "fallback rate",
    "validation_failure_rate": "validation failure rate",
}
WILDCARD = "*"


def _money() -> Any:
    return Field(default=None, ge=0, allow_inf_nan=False)


def _fraction() -> Any:
    return Field(default=None, ge=0, le=1, allow_inf_nan=False)


class LimitValues(BaseModel):
    """The limits of one group; every measure is optional."""

    model_config = ConfigDict(extra="forbid")

    cost_per_request: float | None = _money()
    max_request_cost: float | None = _money()
    spend_per_hour: float | None = _money()
    spend_per_day: float | None = _money()
    p95_latency_ms: float | None = _money()
    error_rate: float | None = _fraction()
    timeout_rate: float | None = _fraction()
    fallback_rate: float | None = _fraction()
    validation_failure_rate: float | None = _fraction()
    min_requests: int = Field(default=1, ge=1)


class LimitsSettings(BaseModel):
    """The whole `[limits]` table."""

    model_config = ConfigDict(extra="forbid")

    bell: bool = False
    notify: bool = False
    global_: LimitValues | None = Field(default=None, alias="global")
    workflow: dict[str, LimitValues] = {}
    user_tier: dict[str, LimitValues] = {}
    app: dict[str, LimitValues] = {}
    model: dict[str, LimitValues] = {}

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> LimitsSettings:
        """Validate `config["limits"]`; errors name the key to fix."""
        return validate_table(cls, config, "limits")


@dataclass(frozen=True)
class Limit:
    """One bound: `measure` of group `key` in `scope` must stay at or below
    `threshold`. `key` is "" for global and "*" for every group of the scope."""

    scope: str
    key: str
    measure: str
    threshold: float
    min_requests: int = 1

    @property
    def label(self) -> str:
        """`workflow rag_answer`, `every model`, `global`."""
        if self.scope == "global":
            return "global"
        if self.key == WILDCARD:
            return f"every {self.scope.replace('_', ' ')}"
        return f"{self.scope.replace('_', ' ')} {self.key or '(none)'}"


@dataclass(frozen=True)
class AlertSettings:
    """How the TUI announces a new breach (both off by default)."""

    bell: bool = False
    notify: bool = False


def load_limits(config: dict[str, Any] | None) -> list[Limit]:
    """Every limit of the config, flattened; raises `ConfigError` when invalid."""
    settings = LimitsSettings.from_config(config)
    groups: list[tuple[str, str, LimitValues]] = []
    if settings.global_ is not None:
        groups.append(("global", "", settings.global_))
    for scope in SCOPES[1:]:
        for key, values in getattr(settings, scope).items():
            groups.append((scope, key, values))
    limits = []
    for scope, key, values in groups:
        for measure in MEASURES:
            threshold = getattr(values, measure)
            if threshold is not None:
                limits.append(
                    Limit(scope, key, measure, float(threshold), values.min_requests)
                )
    return limits


def alert_settings(config: dict[str, Any] | None) -> AlertSettings:
    """Whether a new breach rings the bell or notifies, from `[limits]`."""
    settings = LimitsSettings.from_config(config)
    return AlertSettings(bell=settings.bell, notify=settings.notify)
