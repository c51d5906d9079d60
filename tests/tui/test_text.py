"""Record values reach the screen as literal, visible text."""

from __future__ import annotations

from llmtop.tui.text import age, blocks, cell, ms_short, percent, plain, tail


def test_escape_and_control_characters_are_made_visible() -> None:
    assert plain("a\x1b[31mred\x1b[0m") == "a\\x1b[31mred\\x1b[0m"
    assert plain("line\nnext\r\t") == "line\\x0anext\\x0d\\x09"
    assert plain("bell\x07 del\x7f c1\x9b") == "bell\\x07 del\\x7f c1\\x9b"


def test_bidi_overrides_and_zero_width_characters_are_made_visible() -> None:
    assert plain("abc\u202edcba") == "abc\\u202edcba"
    assert plain("a\u200bb") == "a\\u200bb"


def test_markup_is_kept_as_characters() -> None:
    text = cell("[red]x[/red]")
    assert text.plain == "[red]x[/red]"
    assert text.spans == []


def test_ordinary_text_is_unchanged_including_wide_characters() -> None:
    assert plain("多语言回复 ✓ café") == "多语言回复 ✓ café"


def test_long_values_are_cut_with_an_ellipsis() -> None:
    assert plain("x" * 50, limit=10) == "x" * 9 + "…"
    assert plain(None) == "–"


def test_number_formats() -> None:
    assert percent(0.125) == "12.5%"
    assert percent(None) == "–"
    assert ms_short(820.4) == "820ms"
    assert ms_short(12_345) == "12.3s"
    assert age(3) == "3s"
    assert age(125) == "2m"
    assert age(3 * 3600 + 5 * 60) == "3h05m"


def test_blocks_scale_between_the_lowest_and_highest_value() -> None:
    assert blocks([1.0, None, 8.0]) == "▁ █"
    assert blocks([5.0, 5.0]) == "▅▅"
    assert blocks([None, None]) == ""


def test_long_paths_keep_their_file_name() -> None:
    path = "/var/log/" + "deep/" * 10 + "usage.jsonl"
    assert tail(path, 20) == "…" + path[-19:]
    assert tail(path, 20).endswith("/usage.jsonl")
    assert tail("short.jsonl", 20) == "short.jsonl"


def test_blocks_from_a_floor_do_not_turn_steady_traffic_into_a_wall() -> None:
    # 10, 10, 9 from zero: 9/10 of the way up is the 7th of 8 blocks (index 6.3 → 6)
    assert blocks([10.0, 10.0, 9.0], floor=0) == "██▇"
    assert blocks([10.0, 10.0, 9.0]) == "██▁"  # min..max would make it a cliff
