"""The shapes of what the views read: a window, a slice's measures, a failing
route and a series. Plain data with the derived rates as properties, so every
view computes a rate the same way (DESIGN.md's definitions)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Window:
    """A time range [start_ms, end_ms). `clamped` means the data is older than
    the window, so it ends at the newest record instead of now."""

    name: str
    start_ms: int
    end_ms: int
    clamped: bool = False
    newest_ms: int | None = None

    @property
    def seconds(self) -> float:
        return max((self.end_ms - self.start_ms) / 1000, 1e-3)


@dataclass
class Measures:
    """The numbers of one slice of traffic (the whole window, or one group)."""

    key: str = ""
    requests: int = 0
    errors: int = 0
    timeouts: int = 0
    fallbacks: int = 0
    retries: int = 0
    val_pass: int = 0
    val_fail: int = 0
    spend: float = 0.0
    unpriced: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    latency_n: int = 0
    latency_sum: float = 0.0
    tasks: int = 0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    last_failure_ms: int | None = None
    exact: bool = True

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None

    @property
    def timeout_rate(self) -> float | None:
        return self.timeouts / self.requests if self.requests else None

    @property
    def fallback_rate(self) -> float | None:
        return self.fallbacks / self.requests if self.requests else None

    @property
    def validation_failure_rate(self) -> float | None:
        judged = self.val_pass + self.val_fail
        return self.val_fail / judged if judged else None

    @property
    def mean_retries(self) -> float | None:
        return self.retries / self.requests if self.requests else None

    @property
    def cost_per_request(self) -> float | None:
        priced = self.requests - self.unpriced
        return self.spend / priced if priced else None

    @property
    def cost_per_task(self) -> float | None:
        if not self.tasks or self.unpriced >= self.requests:
            return None  # nothing priced: unknown, not $0
        return self.spend / self.tasks

    @property
    def mean_latency(self) -> float | None:
        return self.latency_sum / self.latency_n if self.latency_n else None


@dataclass
class RouteFailure:
    """A route × model pair and how it failed in the window."""

    route: str
    model: str
    requests: int
    errors: int
    timeouts: int
    fallbacks: int
    error_types: dict[str, int] = field(default_factory=dict)
    last_failure_ms: int | None = None

    @property
    def failures(self) -> int:
        return self.errors + self.fallbacks


@dataclass
class Series:
    """Evenly spaced slots across the window, oldest first."""

    slot_ms: int
    requests: list[int]
    p95: list[float | None]
