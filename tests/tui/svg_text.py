"""Read a Textual SVG screenshot back as lines of terminal text."""

from __future__ import annotations

import html
import re

_TEXT = re.compile(
    r'<text class="[^"]*-r\d+" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>'
)
_CELL_WIDTH = 12.2


def svg_lines(svg: str) -> list[str]:
    """The screen's rows, top to bottom, trailing blanks removed."""
    rows: dict[float, dict[int, str]] = {}
    for x, y, content in _TEXT.findall(svg):
        row = rows.setdefault(float(y), {})
        column = round(float(x) / _CELL_WIDTH)
        for offset, char in enumerate(html.unescape(content)):
            row[column + offset] = " " if char == "\xa0" else char
    lines = []
    for y in sorted(rows):
        cells = rows[y]
        width = max(cells) + 1 if cells else 0
        lines.append("".join(cells.get(i, " ") for i in range(width)).rstrip())
    return lines
