"""`HitList`: search hits as a virtualised `OptionList` (two lines per hit, no widget per hit).

Each hit shows when it happened (UTC and how long ago), the session's title, the event type
(and tool), then the snippet with the matches styled. Agent text is data: titles and snippets
go through `drover.text.inert` and into `Content` parts, never through markup. The list asks for
more (`NearEnd`) when the highlight or the scroll position comes close to its last hit, so the
screen can fetch the next page by keyset.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from drover.store.models import SearchHit
from drover.store.search import snippet_parts
from drover.text import format as fmt
from drover.text.inert import inert, inert_line

NEAR_END = 5
"""Hits from the end at which the next page is asked for."""
MATCH_STYLE = "bold reverse"
TITLE_WIDTH = 40


def hit_prompt(hit: SearchHit, now: datetime) -> Content:
    """The two lines of one hit; every string from the mirror is made inert."""
    when = (hit.processed_at or "queued").replace("T", " ")[:16]
    ago = f"{fmt.age(hit.processed_at, now)} ago" if hit.processed_at else ""
    title = inert_line(hit.title or hit.session_id)
    if len(title) > TITLE_WIDTH:
        title = title[: TITLE_WIDTH - 1] + "…"
    kind = hit.type + (f" · {inert_line(hit.tool)}" if hit.tool else "")
    snippet: list[str | tuple[str, str]] = [
        (inert(text), MATCH_STYLE) if is_match else inert(text)
        for text, is_match in snippet_parts(hit.snippet.strip())
    ]
    return Content.assemble(
        (when, "$text-muted"), " ", (f"{ago:>8}", "$text-muted"), "  ", (title, "bold"), "  ",
        (kind, "$text-accent"), "\n    ", *(snippet or [("(no text)", "$text-muted")]),
    )  # fmt: skip


class HitList(OptionList):
    """The hits of one search, newest first; option ids are indexes into `hits`."""

    BINDINGS = [  # noqa: RUF012  # j/k/g/G as in every drover list
        Binding("j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g", "first", "Top", show=False, id="list.top"),
        Binding("G", "last", "Bottom", show=False, id="list.bottom"),
    ]

    class NearEnd(Message):
        """The user reached the last few hits: load the next page if there is one."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.hits: list[SearchHit] = []

    def show(self, hits: Iterable[SearchHit], now: datetime, *, append: bool = False) -> None:
        """Replace the hits (or add a page after them) without moving the highlight."""
        new = list(hits)
        if not append:
            self.hits = []
            self.clear_options()
        start = len(self.hits)
        self.hits += new
        self.add_options(
            Option(hit_prompt(hit, now), id=str(start + i)) for i, hit in enumerate(new)
        )
        if not append and self.option_count:
            self.highlighted = 0

    def hit(self, option: Option) -> SearchHit:
        """The hit an option shows."""
        return self.hits[int(option.id or 0)]

    def _near_end(self) -> None:
        self.post_message(self.NearEnd())

    def watch_highlighted(self, highlighted: int | None) -> None:
        """Ask for more as the highlight nears the end (keyboard paging)."""
        super().watch_highlighted(highlighted)
        if highlighted is not None and highlighted >= self.option_count - NEAR_END:
            self._near_end()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Ask for more as the view nears the bottom (mouse wheel, scroll bar)."""
        super().watch_scroll_y(old_value, new_value)
        if self.option_count and new_value >= self.max_scroll_y - 2 * NEAR_END:
            self._near_end()
