"""Resolved prices and the per-record arithmetic, the hot path of pricing.

Every price source (the user's table, genai-prices, the bundled supplement) is
turned once per model into a `PriceTable`: a few `Band`s of per-million rates,
each applying to a range of input (and sometimes output) sizes. Pricing a record
is then a band pick and six multiplications, with no lookup and no Decimal.

Token rule (DESIGN.md): `input` counts every input token, cache reads and cache
writes included; `output` counts every output token, reasoning included. A band
bills each part once at its own rate:

    input rate  × (input − cache reads − cache writes)
    cached rate × cache reads              (input rate when the band has none)
    write rate  × 5-minute cache writes    (input rate when the band has none)
    1h rate     × 1-hour cache writes      (write rate when the band has none)
    output rate × (output − reasoning)
    reasoning   × reasoning                (output rate when the band has none)

Tiers are cliffs, as genai-prices and the providers bill them: the band is chosen
from the request's whole input size, and all its tokens pay that band's rates.
A tier "above 200K" applies from 200,001 input tokens; exactly 200,000 is billed
at the lower rate.
"""

from __future__ import annotations

from dataclasses import dataclass

MILLION = 1_000_000


@dataclass(frozen=True)
class Band:
    """Per-million prices for the requests whose sizes fall in its bounds.

    Bounds are inclusive token counts; `None` means unbounded. `mode` is
    "thinking" or "non-thinking" for providers that price the two apart.
    """

    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None
    cache_write_1h: float | None = None
    reasoning: float | None = None
    per_request: float = 0.0
    in_min: int = 0
    in_max: int | None = None
    out_min: int = 0
    out_max: int | None = None
    mode: str | None = None

    def applies(self, inp: int, out: int, thinking: bool) -> bool:
        """Whether a request of this size (and mode) is billed at this band."""
        if inp < self.in_min or (self.in_max is not None and inp > self.in_max):
            return False
        if out < self.out_min or (self.out_max is not None and out > self.out_max):
            return False
        return self.mode is None or (self.mode == "thinking") == thinking

    def amount(
        self, inp: int, out: int, cached: int, write: int, write_1h: int, reasoning: int
    ) -> float:
        """The request's price in the band's currency (parts already clamped)."""
        cached_rate = self.input if self.cached_input is None else self.cached_input
        write_rate = self.input if self.cache_write is None else self.cache_write
        write_1h_rate = (
            write_rate if self.cache_write_1h is None else self.cache_write_1h
        )
        reasoning_rate = self.output if self.reasoning is None else self.reasoning
        per_million = (
            self.input * (inp - cached - write)
            + cached_rate * cached
            + write_rate * (write - write_1h)
            + write_1h_rate * write_1h
            + self.output * (out - reasoning)
            + reasoning_rate * reasoning
        )
        return per_million / MILLION + self.per_request

    def describe(self) -> str:
        """One line for `llmtop prices`: the rates and when they apply."""
        parts = [f"input {self.input:g}"]
        if self.cached_input is not None:
            parts.append(f"cached input {self.cached_input:g}")
        if self.cache_write is not None:
            parts.append(f"cache write {self.cache_write:g}")
        if self.cache_write_1h is not None:
            parts.append(f"cache write 1h {self.cache_write_1h:g}")
        parts.append(f"output {self.output:g}")
        if self.reasoning is not None:
            parts.append(f"reasoning {self.reasoning:g}")
        if self.per_request:
            parts.append(f"per request {self.per_request:g}")
        return ", ".join(parts) + " per 1M tokens" + self._when()

    def _when(self) -> str:
        conditions = []
        if self.in_min or self.in_max is not None:
            conditions.append(_range("input", self.in_min, self.in_max))
        if self.out_min or self.out_max is not None:
            conditions.append(_range("output", self.out_min, self.out_max))
        if self.mode:
            conditions.append(f"{self.mode} mode")
        return f" (when {', '.join(conditions)})" if conditions else ""


@dataclass(frozen=True)
class PriceTable:
    """The prices that apply to one model at one provider, and where they came from.

    `to_usd` converts the bands' currency to dollars (1 for USD) and `factor`
    carries a discount such as batch processing; both multiply the amount.
    """

    bands: tuple[Band, ...]
    source: str
    label: str
    currency: str = "USD"
    to_usd: float | None = 1.0
    factor: float = 1.0
    note: str | None = None
    detail: str = ""

    def cost(
        self,
        inp: int,
        out: int,
        cached: int,
        write: int,
        write_1h: int,
        reasoning: int,
    ) -> tuple[float | None, str | None]:
        """Dollars for one request, or None and the reason it cannot be priced."""
        if self.to_usd is None:
            return None, f"{self.label} is priced in {self.currency}; " + (
                f"set [prices] per_usd = {{ {self.currency} = … }} in the config"
            )
        note = self.note
        if write_1h > write:
            write_1h = write
        if reasoning > out:
            reasoning = out
        if cached + write > inp:
            # The record counted input without its cache parts (Anthropic's own
            # convention); bill the parts on top rather than below zero.
            note = "cache tokens exceed input_tokens; read input as excluding them"
            inp = inp + cached + write
        thinking = reasoning > 0
        for band in self.bands:
            if band.applies(inp, out, thinking):
                amount = band.amount(inp, out, cached, write, write_1h, reasoning)
                return amount * self.to_usd * self.factor, note
        return None, (
            f"no tier of {self.label} covers {inp:,} input and {out:,} output tokens"
        )


def _range(name: str, low: int, high: int | None) -> str:
    if high is None:
        return f"{name} > {low - 1:,}"
    if low == 0:
        return f"{name} ≤ {high:,}"
    return f"{low - 1:,} < {name} ≤ {high:,}"
