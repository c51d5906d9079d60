"""Where llmtop keeps its database and looks for its config, per platform."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path, user_data_path

APP = "llmtop"


def default_db_path() -> Path:
    """LLMTOP_DB if set, else `llmtop.db` in the user's data directory."""
    override = os.environ.get("LLMTOP_DB")
    if override:
        return Path(override).expanduser()
    return user_data_path(APP) / "llmtop.db"


def default_config_path() -> Path:
    """LLMTOP_CONFIG if set, else `config.toml` in the user's config directory."""
    override = os.environ.get("LLMTOP_CONFIG")
    if override:
        return Path(override).expanduser()
    return user_config_path(APP) / "config.toml"
