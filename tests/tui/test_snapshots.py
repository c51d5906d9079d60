"""The README's screenshots: made by the real app, frozen clock, fixed size.

The committed SVGs in screenshots/ are compared as text (what a person reads),
not byte for byte, so a Textual upgrade that changes colours or ids does not
fail while a changed number or a broken layout does. Regenerate them with
`python -m llmtop.tui.screenshots screenshots`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from llmtop.tui.screenshots import sample_records, shoot, write_records
from tests.tui.svg_text import svg_lines

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture
async def shots(tmp_path: Path) -> dict[str, list[str]]:
    db_path = tmp_path / "llmtop.db"
    write_records(db_path, sample_records())
    paths = await shoot(db_path, tmp_path)
    return {path.name: svg_lines(path.read_text()) for path in paths}


async def test_screenshots_match_the_committed_ones(
    shots: dict[str, list[str]],
) -> None:
    assert set(shots) == {"main.svg", "detail.svg", "budgets.svg"}
    for name, lines in shots.items():
        committed = svg_lines((SCREENSHOTS / name).read_text())
        assert lines == committed, f"{name} changed; regenerate the screenshots"


async def test_main_screenshot_reads_as_a_top_for_llm_traffic(
    shots: dict[str, list[str]],
) -> None:
    main = shots["main.svg"]
    assert len(main) == 40
    assert all(len(line) <= 120 for line in main)
    assert main[0].startswith(" database llmtop.db · newest 5s ago │ window 1h")
    heading = "workflow reqs spend $/req $/task share p50 p95 err% fb% retry val✗%"
    assert main[5].split() == [*heading.split(), "latency"]
    assert any(line.startswith("! long_document_analy…") for line in main)
    assert "failing routes" in "\n".join(main)


async def test_detail_screenshot_shows_the_cost_disagreement(
    shots: dict[str, list[str]],
) -> None:
    text = "\n".join(shots["detail.svg"])
    assert "Request shot-00598" in text
    assert "! reported and estimated cost differ by" in text
