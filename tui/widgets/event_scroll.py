"""`ScrollByEvent`: the view arithmetic of `EventList`, kept apart from feeding and drawing.

The view is a position (`_top` event, `_top_line` line inside it) over a list of events of
varying heights. Only the heights of events near the view are ever asked for, so the cost does
not grow with the window.
"""

from __future__ import annotations


class ScrollByEvent:
    """Mixed into `EventList`."""

    # State it works on, owned by EventList: blocks, cursor, size, _top, _top_line; and the
    # methods following, _height() and _changed().

    def _place_cursor(self, *, centre: bool) -> None:
        """Scroll so the cursor's event is on screen (centred after a jump)."""
        height = max(1, self.size.height)
        if not self.blocks:
            self._changed()
            return
        if centre:
            self._top, self._top_line = self.cursor, 0
            self._scroll(-(height // 3))
        elif self.cursor < self._top or (self.cursor == self._top and self._top_line):
            self._top, self._top_line = self.cursor, 0
        else:
            # Lines from the top of the view to the end of the cursor's event.
            used = -self._top_line
            for index in range(self._top, self.cursor + 1):
                used += self._height(index)
                if used > height:
                    break
            if used > height:
                cursor_height = self._height(self.cursor)
                if cursor_height >= height:
                    self._top, self._top_line = self.cursor, 0
                else:
                    self._top, self._top_line = self.cursor, 0
                    self._scroll(-(height - cursor_height))
        if self.following:
            self._stick_to_bottom(height)
        self._changed()

    def _stick_to_bottom(self, height: int) -> None:
        """Show the newest events at the bottom of the view (no blank space under them)."""
        used, index = 0, len(self.blocks) - 1
        while index >= 0:
            used += self._height(index)
            if used >= height:
                break
            index -= 1
        if index < 0:
            self._top, self._top_line = 0, 0
        else:
            self._top, self._top_line = index, used - height

    def _scroll(self, lines: int) -> None:
        """Move the view by `lines` (negative = up), within the window."""
        top, line = self._top, self._top_line + lines
        while line < 0 and top > 0:
            top -= 1
            line += self._height(top)
        line = max(0, line)
        while top < len(self.blocks) - 1 and line >= self._height(top):
            line -= self._height(top)
            top += 1
        if top == len(self.blocks) - 1:
            line = min(line, max(0, self._height(top) - 1))
        self._top, self._top_line = top, line

    def _on_screen(self) -> list[int]:
        return sorted({index for index, _line in self._frame_lines()})

    def _frame_lines(self) -> list[tuple[int, int]]:
        """Each screen line's block and line inside it, top down (shorter past the end)."""
        out: list[tuple[int, int]] = []
        height, index, skip = self.size.height, self._top, self._top_line
        while len(out) < height and index < len(self.blocks):
            count = min(self._height(index), skip + height - len(out))
            out.extend((index, line) for line in range(skip, count))
            index, skip = index + 1, 0
        return out
