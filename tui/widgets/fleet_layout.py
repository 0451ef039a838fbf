"""Column layout of the fleet list, shared by the column header and the rows (no Textual).

Narrow terminals keep what matters: STATUS, TITLE and NEEDS YOU always show, with room to be
read (`Column.min`); the other columns drop out one by one, least useful first
(`Column.drop`), until the rest fits. At 80 columns that leaves STATUS, TITLE, AGENT, WAITING
and NEEDS YOU; from about 130 every column shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rich.cells import cell_len, set_cell_size


@dataclass(frozen=True, slots=True)
class Column:
    """One fleet column.

    Attributes:
        key: the field it shows.
        label: header text.
        width: fixed width in cells, or 0 for a flexible column.
        share: the flexible column's share of the width left over.
        right: right-align (numbers).
        min: a flexible column's least width.
        drop: when the table is too narrow, columns go in rising `drop` order (0: never).
        sort: the fleet sort key a click on its header selects (None: not sortable).
    """

    key: str
    label: str
    width: int = 0
    share: float = 0.0
    right: bool = False
    min: int = 8
    drop: int = 0
    sort: str | None = None


COLUMNS: tuple[Column, ...] = (
    Column("status", "STATUS", 9),
    Column("title", "TITLE", share=0.45, min=22, sort="title"),
    Column("agent", "AGENT", 12, drop=7, sort="agent"),
    Column("model", "MODEL", 12, drop=2),
    Column("age", "AGE", 6, right=True, drop=4, sort="age"),
    Column("active", "ACTIVE", 6, right=True, drop=3, sort="active"),
    Column("tokens", "TOKENS", 6, right=True, drop=1, sort="tokens"),
    Column("cost", "COST", 7, right=True, drop=6, sort="cost"),
    Column("conn", "CONN", 6, drop=5),
    # A session's current outcome: ✓ met, ✗ not met, … evaluating (`drover.text.steer`).
    Column("outcome", "OUT", 3, drop=1),
    Column("waiting", "WAITING", 7, right=True, drop=8, sort="waiting"),
    Column("reason", "NEEDS YOU", share=0.55, min=22, sort="needs"),
)
GAP = 1


def _needed(columns: list[Column]) -> int:
    return sum(c.width or c.min for c in columns) + GAP * (len(columns) - 1)


@lru_cache(maxsize=64)
def layout(width: int) -> list[tuple[Column, int]]:
    """Give every shown column its width for a table `width` cells wide.

    Args:
        width: the content width of the table.

    Returns:
        `(column, width)` pairs in display order; columns that do not fit are left out
        (highest priority kept), and the flexible ones share what the rest leave.
    """
    shown = list(COLUMNS)
    for column in sorted((c for c in COLUMNS if c.drop), key=lambda c: c.drop):
        if _needed(shown) <= width:
            break
        shown.remove(column)
    fixed = sum(c.width for c in shown) + GAP * (len(shown) - 1)
    spare = max(0, width - fixed)
    flex = [c for c in shown if not c.width]
    widths: dict[str, int] = {}
    used = 0
    for index, column in enumerate(flex):
        size = spare - used if index == len(flex) - 1 else int(spare * column.share)
        widths[column.key] = max(column.min, size)
        used += widths[column.key]
    return [(c, c.width or widths[c.key]) for c in shown]


def column_at(width: int, x: int) -> Column | None:
    """The column under cell `x` of a table `width` cells wide (None: a gap or past the end)."""
    left = 0
    for column, size in layout(width):
        if left <= x < left + size:
            return column
        left += size + GAP
    return None


def fit(text: str, width: int, right: bool = False) -> str:
    """Truncate (with an ellipsis) or pad `text` to exactly `width` terminal cells."""
    if cell_len(text) > width:
        text = set_cell_size(text, max(0, width - 1)) + "…"
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad
