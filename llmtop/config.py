"""The config file: TOML with one table per concern ([prices], [limits], [mapping]…).

This module only finds and reads the file; each table is validated by the module
that owns it, so an error names the table and key the user must fix.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from llmtop.errors import LlmtopError
from llmtop.paths import default_config_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


#: The tables a config file may hold; anything else is a typo to point out.
KNOWN_TABLES = frozenset({"prices", "limits", "mapping"})


T = TypeVar("T", bound=BaseModel)


class ConfigError(LlmtopError):
    """The config file is missing (when named) or not valid."""

    title = "Config file"


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """Read the config; {} when no path was given and the default file is absent."""
    explicit = path is not None
    config_path = Path(path).expanduser() if explicit else default_config_path()
    if not config_path.exists():
        if explicit:
            raise ConfigError(f"no config file at {config_path}")
        return {}
    try:
        with config_path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: {exc}") from None
    unknown = sorted(set(data) - KNOWN_TABLES)
    if unknown:
        raise ConfigError(
            f"{config_path}: unknown table [{unknown[0]}]; llmtop reads "
            + ", ".join(f"[{name}]" for name in sorted(KNOWN_TABLES))
        )
    data.setdefault("_path", str(config_path))
    return data


def validate_table(model: type[T], config: dict[str, Any] | None, table: str) -> T:
    """Validate one table of the config with a pydantic model.

    Raises:
        ConfigError: naming the file, the table and each key that is wrong.
    """
    raw = (config or {}).get(table, {})
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        where = (config or {}).get("_path", "config")
        problems = "; ".join(
            f"[{table}] "
            + ".".join(str(part) for part in error["loc"])
            + f": {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(f"{where}: {problems}") from None
