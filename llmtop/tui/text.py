"""Record values as screen text: never markup, never terminal escapes.

Everything a record carries (a workflow name, a model, an error type) is data
typed by someone else. It reaches the screen only through `plain`, which makes
control and formatting characters visible, and as `rich.text.Text`, which is
never parsed for markup. Number formats shared by the panels live here too, so
that one column reads the same on every screen.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timezone
from decimal import Decimal

from rich.cells import cell_len
from rich.text import Text

#: Shown where a value is absent, so an empty cell never reads as zero.
MISSING = "–"
_BLOCKS = "▁▂▃▄▅▆▇█"


def plain(value: object, *, limit: int = 200) -> str:
    """The value as a single line with control characters made visible.

    Escape sequences, carriage returns and bidirectional overrides could move
    the cursor, recolour the terminal or reorder a line, so each becomes its
    escaped spelling (ESC reads as ``\\x1b``); markup needs no treatment here
    because the result is only ever put into `Text`, which does not parse it.
    `limit` counts terminal cells, so a CJK or emoji name (two cells a
    character) is cut where it would overflow, not at twice its room.
    """
    if value is None:
        return MISSING
    text = value if isinstance(value, str) else str(value)
    out: list[str] = []
    for char in text[: limit * 2]:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return clip("".join(out), limit)


def clip(text: str, width: int) -> str:
    """`text` in at most `width` terminal cells, cut with an ellipsis."""
    if cell_len(text) <= width:
        return text
    kept: list[str] = []
    room = width - 1
    for char in text:
        room -= cell_len(char)
        if room < 0:
            break
        kept.append(char)
    return "".join(kept) + "…"


def tail(value: object, limit: int = 40) -> str:
    """A path cut from the left, so its file name always shows (in cells)."""
    text = plain(value, limit=10_000)
    if cell_len(text) <= limit:
        return text
    kept: list[str] = []
    room = limit - 1
    for char in reversed(text):
        room -= cell_len(char)
        if room < 0:
            break
        kept.append(char)
    return "…" + "".join(reversed(kept))


def cell(value: object, style: str = "", *, limit: int = 200) -> Text:
    """A table cell holding a record value as literal text."""
    return Text(plain(value, limit=limit), style=style, no_wrap=True, end="")


def right(text: str, style: str = "") -> Text:
    """A right-justified number cell (text produced by llmtop, not a record)."""
    return Text(text, style=style, justify="right", no_wrap=True, end="")


def workflow_name(key: str) -> str:
    """Records without a workflow are grouped under an empty key; name it."""
    return "(none)" if key == "" else plain(key, limit=60)


def percent(rate: float | None) -> str:
    """A rate as a percentage; one decimal, since 0.4% and 0% differ for errors."""
    if rate is None:
        return MISSING
    return f"{rate * 100:.1f}%"


def millis(value: float | None) -> str:
    """Latency in ms below ten seconds, in seconds above."""
    if value is None:
        return MISSING
    if value < 10_000:
        return f"{value:,.0f} ms"
    return f"{value / 1000:,.1f} s"


def ms_short(value: float | None) -> str:
    """Latency for a narrow column: 820ms, 4512ms, 12.3s."""
    if value is None:
        return MISSING
    if value < 10_000:
        return f"{value:.0f}ms"
    return f"{value / 1000:.1f}s"


def count(value: int | None) -> str:
    return MISSING if value is None else f"{value:,}"


def rate(value: float | None, unit: str = "") -> str:
    """Small rates keep two decimals, large ones none."""
    if value is None:
        return MISSING
    if value >= 100:
        return f"{value:,.0f}{unit}"
    return f"{value:,.2f}{unit}"


def exact_usd(amount: float) -> str:
    """Every digit of a stored amount, for the one place that shows it whole.

    The panels round ($0.02); a person checking one request wants what was
    stored ($0.024325). Fifteen significant digits are all a double holds
    reliably: beyond them is the noise of the multiplication that priced it
    (0.000223425 is stored as 0.00022342500000000002). Written without an
    exponent and with at least the cents.
    """
    if not math.isfinite(amount):
        return f"${amount}"
    sign = "-" if amount < 0 else ""
    digits = format(Decimal(f"{abs(float(amount)):.15g}"), "f")
    whole, _, fraction = digits.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"{sign}${int(whole):,}.{fraction}"


def age(seconds: float | None) -> str:
    """How long ago, the way `top` users read it: 3s, 4m, 2h, 5d."""
    if seconds is None:
        return MISSING
    seconds = max(seconds, 0)
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m"
    if seconds < 86_400:
        return f"{seconds // 3600:.0f}h{seconds % 3600 // 60:02.0f}m"
    return f"{seconds // 86_400:.0f}d{seconds % 86_400 // 3600:02.0f}h"


def clock_time(ms: int | None, now_ms: int | None = None) -> str:
    """A short UTC time for a column: 14:03:07 today, 03-11 14:03 before."""
    if ms is None:
        return MISSING
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    if now_ms is not None:
        today = datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc).date()
        if moment.date() == today:
            return moment.strftime("%H:%M:%S")
    return moment.strftime("%m-%d %H:%M")


def full_time(ms: int | None) -> str:
    """A complete UTC timestamp with milliseconds, for the detail screen."""
    if ms is None:
        return MISSING
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d} UTC"


def blocks(values: Sequence[float | None], *, floor: float | None = None) -> str:
    """A sparkline in block characters; a gap where a slot had no requests.

    With `floor`, bars measure from it (0 for a rate) rather than from the
    lowest value, so steady traffic does not read as a wall of full bars.
    """
    present = [v for v in values if v is not None]
    if not present:
        return ""
    low = min(present) if floor is None else min(floor, *present)
    high = max(present)
    span = high - low
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        elif span <= 0:
            out.append(_BLOCKS[len(_BLOCKS) // 2])
        else:
            index = round((value - low) / span * (len(_BLOCKS) - 1))
            out.append(_BLOCKS[index])
    return "".join(out)
