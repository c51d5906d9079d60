"""Fixtures shared by every tier: real temporary databases and the real samples."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_INPUTS = REPO.parent / "shared" / "real-inputs"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def real_inputs() -> Path:
    """The public samples in ../shared/real-inputs; skips where they are absent."""
    if not SHARED_INPUTS.is_dir():
        pytest.skip(
            "../shared/real-inputs is not beside this checkout (a user's clone); "
            "the project's own fixtures in tests/fixtures cover every format"
        )
    return SHARED_INPUTS


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "llmtop.db"
