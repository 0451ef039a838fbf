"""Column layout of the fleet list, shared by the column header and the rows (no Textual)."""

from __future__ import annotations

from dataclasses import dataclass

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
    """

    key: str
    label: str
    width: int = 0
    share: float = 0.0
    right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("status", "STATUS", 9),
    Column("title", "TITLE", share=0.4),
    Column("agent", "AGENT", 12),
    Column("model", "MODEL", 12),
    Column("age", "AGE", 6, right=True),
    Column("active", "ACTIVE", 6, right=True),
    Column("tokens", "TOKENS", 6, right=True),
    Column("cost", "COST", 7, right=True),
    Column("conn", "CONN", 6),
    Column("reason", "NEEDS YOU", share=0.6),
)
GAP = 1


def layout(width: int) -> list[tuple[Column, int]]:
    """Give every column its width for a table `width` cells wide.

    Args:
        width: the content width of the table.

    Returns:
        `(column, width)` pairs in display order; flexible columns share what the fixed ones
        and the gaps leave (at least 8 cells each).
    """
    fixed = sum(c.width for c in COLUMNS) + GAP * (len(COLUMNS) - 1)
    spare = max(0, width - fixed)
    flex = [c for c in COLUMNS if not c.width]
    widths: dict[str, int] = {}
    used = 0
    for index, column in enumerate(flex):
        size = spare - used if index == len(flex) - 1 else int(spare * column.share)
        widths[column.key] = max(8, size)
        used += widths[column.key]
    return [(c, c.width or widths[c.key]) for c in COLUMNS]


def fit(text: str, width: int, right: bool = False) -> str:
    """Truncate (with an ellipsis) or pad `text` to exactly `width` terminal cells."""
    if cell_len(text) > width:
        text = set_cell_size(text, max(0, width - 1)) + "…"
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad
