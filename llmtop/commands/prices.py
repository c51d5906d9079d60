"""`llmtop prices MODEL`: which price applies to a model, and where it came from."""

from __future__ import annotations

import argparse
import time

from llmtop.commands._common import add_config_option
from llmtop.config import load_config
from llmtop.event import infer_provider
from llmtop.pricing import Pricer
from llmtop.pricing.pricer import Resolution
from llmtop.pricing.rates import PriceTable

NAME = "prices"
ORDER = 7
HELP = "show which price applies to a model and where it came from"
DESCRIPTION = """\
Resolve a model name the way ingest does and show the price that applies: the
source (your config's [prices], genai-prices' bundled data, or llmtop's bundled
supplement for Chinese models), its date or version, the currency, and every
tier with its per-million rates.

The provider is inferred from the model name when --provider is not given.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model name as records log it")
    parser.add_argument(
        "--provider", default=None, help="provider (default: inferred from MODEL)"
    )
    parser.add_argument(
        "--batch", action="store_true", help="show the batch price where one exists"
    )
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    pricer = Pricer(load_config(args.config))
    provider = args.provider or infer_provider(args.model)
    resolution = pricer.resolve(args.model, provider, args.batch)
    table = resolution.static or (
        resolution.table(_now_ms()) if resolution.table else None
    )
    print(f"model:     {args.model}")
    print(f"provider:  {provider or '(none)'}")
    if table is None:
        print("price:     none; requests of this model are stored as unpriced")
        print(f"why:       {resolution.note}")
        _print_trail(resolution)
        return 1
    print(f"matched:   {table.label}")
    print(f"from:      {resolution.origin}")
    print(f"source:    {table.detail}")
    _print_currency(table)
    if table.factor != 1.0:
        print(f"batch:     × {table.factor:g} of the listed rates")
    for line in _extra(resolution):
        print(line)
    print("rates:")
    for band in table.bands:
        print(f"  {band.describe()}")
    if table.note:
        print(f"note:      {table.note}")
    _print_trail(resolution)
    return 0 if table.to_usd is not None else 1


def _print_currency(table: PriceTable) -> None:
    if table.currency == "USD":
        print("currency:  USD")
    elif table.to_usd is None:
        print(
            f"currency:  {table.currency}; not converted, so unpriced until the "
            f"config sets [prices] per_usd = {{ {table.currency} = … }}"
        )
    else:
        print(f"currency:  {table.currency}, 1 {table.currency} = ${table.to_usd:.6g}")


def _extra(resolution: Resolution) -> list[str]:
    lines = []
    if resolution.genai is not None:
        info = resolution.genai.model
        if info.name:
            lines.append(f"name:      {info.name}")
        urls = resolution.genai.provider.pricing_urls or []
        if urls:
            lines.append(f"pricing:   {urls[0]}")
        if isinstance(info.prices, list):
            lines.append("varies:    by request time (UTC); rates below are for now")
            for conditional in info.prices:
                when = _constraint(conditional.constraint)
                lines.append(f"  {when}: {conditional.prices}")
    for entry in resolution.entries:
        if entry is not resolution.chosen:
            lines.append(
                f"also:      {entry.provider} {entry.model} in {entry.currency} "
                f"({entry.short_source})"
            )
    return lines


def _constraint(constraint: object) -> str:
    if constraint is None:
        return "otherwise"
    start = getattr(constraint, "start_date", None)
    if start is not None:
        return f"from {start}"
    begin = getattr(constraint, "start_time", None)
    end = getattr(constraint, "end_time", None)
    return f"{begin:%H:%M}–{end:%H:%M}"


def _print_trail(resolution: Resolution) -> None:
    if resolution.trail:
        print("looked in:")
    for step in resolution.trail:
        print(f"  {step}")


def _now_ms() -> int:
    return int(time.time() * 1000)
