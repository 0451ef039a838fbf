"""`DroverTable`: Textual's `DataTable` with the list keys every drover list has.

`j`/`k` move like `↓`/`↑` and `g`/`G` jump to the first and last row, as in the fleet list
(`FleetTable`), so the same fingers work in `:agents`, `:envs` and the cost ledger.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import CellType


class DroverTable(DataTable[CellType]):
    """A `DataTable` that also answers `j`, `k`, `g` and `G`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g", "scroll_top", "Top", show=False, id="list.top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="list.bottom"),
    ]
