"""`llmtop formats`: the record formats llmtop reads, in detection order."""

from __future__ import annotations

import argparse

from llmtop.commands._common import add_config_option
from llmtop.config import load_config
from llmtop.formats import adapters, configure

NAME = "formats"
HELP = "list the record formats llmtop understands"
DESCRIPTION = """\
List the record formats llmtop reads, in the order it tries them on each line.
Each file's records are recognised line by line; `--format NAME` on the commands
that read sources skips detection. A [mapping] table in the config file adds
your own format at the top of the list.
"""
ORDER = 8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser)


def run(args: argparse.Namespace) -> int:
    configure(load_config(args.config))
    found = adapters()
    width = max(len(adapter.name) for adapter in found)
    for adapter in found:
        print(f"{adapter.name:<{width}}  {adapter.description}")
    return 0
