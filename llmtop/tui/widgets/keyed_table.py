"""A DataTable whose rows are kept in step with data by key, cell by cell.

A DataTable repaint costs 50-90 ms of CPU however little changed, so a live
table must never be cleared and refilled. `KeyedTable.show` compares the rows it
is given with the ones it holds: it updates only the cells whose text changed,
adds and removes rows by key, reorders only when the order changed, and puts the
cursor back on the row it was on, wherever that row has moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from llmtop.tui.text import cell


@dataclass(frozen=True)
class Col:
    """A column: its key, its heading and its fixed width in cells."""

    key: str
    label: str
    width: int
    numeric: bool = False


class RowText(Text):
    """A first-column cell that remembers its row's key, for reordering."""

    __slots__ = ("row_key",)

    def __init__(self, row_key: str, text: Text) -> None:
        super().__init__(
            text.plain,
            style=text.style,
            justify=text.justify,
            no_wrap=True,
            end="",
            spans=list(text.spans),
        )
        self.row_key = row_key


class KeyedTable(DataTable[Text]):
    """A row-cursor table updated in place from (key, cells) pairs.

    The table has no cell padding, so 120 columns hold a full row; instead every
    cell is sized here (see `sized`): text is cut one cell short of its column
    and a number keeps one blank before it, widening its column when a value
    outgrows it, so neighbours never touch whatever a value's length.
    """

    COLUMNS: Sequence[Col] = ()

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(
            id=id,
            classes=classes,
            cursor_type="row",
            zebra_stripes=False,
            show_row_labels=False,
            cell_padding=0,
        )
        self._order: list[str] = []
        self._cells: dict[str, list[str]] = {}
        self.update_count = 0

    def on_mount(self) -> None:
        for index, col in enumerate(self.COLUMNS):
            label = Text(col.label, justify="right" if col.numeric else "left")
            # Auto width, held at `col.width` at least by the padded heading.
            self.add_column(sized(col, label, lead=bool(index)), key=col.key)

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor (None for an empty table)."""
        if not self._order or not self.is_valid_row_index(self.cursor_row):
            return None
        cell_key = self.coordinate_to_cell_key(self.cursor_coordinate)
        return cell_key.row_key.value

    @property
    def keys(self) -> list[str]:
        """Row keys in display order."""
        return list(self._order)

    def show(self, rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
        """Make the table hold exactly `rows`, in that order, touching little."""
        selected = self.selected_key
        wanted = [key for key, _ in rows]
        present = set(wanted)
        changed = False
        with self.app.batch_update():
            for key in [k for k in self._order if k not in present]:
                self._remove(key)
                changed = True
            for key, given in rows:
                cells = [
                    sized(col, text, lead=bool(index))
                    for index, (col, text) in enumerate(zip(self.COLUMNS, given))
                ]
                texts = [c.plain + "\x00" + str(c.style) for c in cells]
                first = RowText(key, cells[0])
                held = self._cells.get(key)
                if held is None:
                    self.add_row(first, *cells[1:], key=key)
                    self._order.append(key)
                    changed = True
                else:
                    for index, (old, new) in enumerate(zip(held, texts)):
                        if old != new:
                            value = first if index == 0 else cells[index]
                            self.update_cell(key, self.COLUMNS[index].key, value)
                            changed = True
                self._cells[key] = texts
            if self._order != wanted:
                rank = {key: index for index, key in enumerate(wanted)}
                self.sort(self.COLUMNS[0].key, key=lambda c: rank[c.row_key])
                self._order = wanted
            if selected is not None and selected in present:
                self._restore_cursor(selected)
        if changed:
            self.update_count += 1

    def _remove(self, key: str) -> None:
        with suppress(RowDoesNotExist):
            self.remove_row(key)
        self._order.remove(key)
        self._cells.pop(key, None)

    def _restore_cursor(self, key: str) -> None:
        index = self.get_row_index(key)
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False, scroll=False)

    def select_key(self, key: str) -> bool:
        """Put the cursor on the row `key`; False when there is no such row."""
        if key not in self._cells:
            return False
        self.move_cursor(row=self.get_row_index(key), animate=False)
        return True


def fit(value: object, width: int, style: str = "") -> Text:
    """A record value cut to leave one blank column before its neighbour."""
    return cell(value, style, limit=max(width - 1, 1))


def sized(col: Col, text: Text, *, lead: bool = True) -> Text:
    """`text` filling `col`, with a blank cell between it and its neighbours.

    Every column but the first starts with a blank, so a right-justified number
    never touches the column on its left; the first ends with one. A number is
    never cut (a clipped amount reads as a different amount): its column grows
    to hold it. Text is cut in terminal cells, so a CJK or emoji character
    counts as the two cells it takes.
    """
    out = text.copy()
    out.no_wrap = True
    if col.numeric:
        out.justify = "right"
        out.pad_left(max(col.width - out.cell_len, 1))
        return out
    out.justify = "left"
    if out.cell_len > col.width - 1:
        out.truncate(col.width - 1, overflow="ellipsis")
    if lead:
        out.pad_left(1)
    out.pad_right(col.width - out.cell_len)
    return out
