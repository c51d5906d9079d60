"""Sub-commands, one module each, found by name so that none edits a shared list.

A command module defines NAME, HELP (one line), DESCRIPTION (for `--help`),
ORDER (its place in the help listing), `add_arguments(parser)` and `run(args)`
returning the exit status.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def command_modules() -> list[ModuleType]:
    """Every command module in this package, in help order."""
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    ]
    return sorted(
        modules, key=lambda module: (getattr(module, "ORDER", 50), module.NAME)
    )
