"""`SearchScreen`: full-text search across every mirrored run, with facets, newest first.

One input takes words and facet tokens (the language of `drover.store.search_query`); the line
under it shows the active facets and the state ("searching…", "42 hits, newest first", or why
the query cannot run). Hits are a virtualised `HitList`; reaching its end loads the next page
by keyset, and Enter opens replay at the hit.

Searches run on the app's read pool (off the UI loop) after a short pause in typing. Each one
gets its own `threading.Event`; a new query sets the previous one's, so a slow search stops
inside SQLite at once instead of finishing for nothing, and late results of an older query
are dropped by generation number.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Static

from drover.store.search import SearchCancelled, SearchSyntaxError
from drover.store.search_query import ParsedQuery, parse_query
from drover.tui.screens.base import DroverScreen
from drover.tui.widgets.hit_list import HitList
from drover.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from drover.tui.app import DroverApp

PAGE = 50
"""Hits fetched per page."""
DEBOUNCE = 0.3
"""Seconds of no typing before a search starts (Enter starts it at once)."""
PLACEHOLDER = 'words "a phrase" prefix* -not  agent: session: status: type: tool: after: before:'
HINT = (
    "Type words to find, and filters: agent:NAME session:ID status:idle type:tool_use "
    "tool:bash after:2026-05-01 before:2026-05-31"
)


class SearchScreen(DroverScreen):
    """Search every run.

    Args:
        query: text to start with (`:search QUERY`).
    """

    CSS_PATH = "search.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "Back", id="search.back"),
        Binding(
            "ctrl+f,slash", "focus_query", "Edit query", key_display="/", id="search.focus_query"
        ),
        Binding("down", "results", "Hits", show=False, id="search.results"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial = query
        self.generation = 0
        """Bumped per query; results of an older one are dropped."""
        self.state = ""
        """The status line's state part (for tests and the line itself)."""
        self._parsed: ParsedQuery | None = None
        self._text: str | None = None
        self._cancel: threading.Event | None = None
        self._debounce: Timer | None = None
        self._more = False
        self._loading = False

    def compose(self) -> ComposeResult:
        yield Input(value=self.initial, placeholder=PLACEHOLDER, id="query")
        yield Static(id="status")
        yield HitList(id="hits")
        yield KeyBar()

    @property
    def hit_list(self) -> HitList:
        """The results."""
        return self.query_one(HitList)

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.search_now()

    def on_unmount(self) -> None:
        self._stop_running()

    # -- typing and starting searches -------------------------------------------------------------

    @on(Input.Changed, "#query")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        if event.value == self._text:
            # The query the screen opened with (or typed back to what is listed): searching
            # again would only reset the highlight the user may have moved meanwhile.
            self._debounce = None
            return
        self._debounce = self.set_timer(DEBOUNCE, self.search_now)

    @on(Input.Submitted, "#query")
    def _submitted(self) -> None:
        if self.query_one(Input).value != self._text:
            self.search_now()
        elif self.hit_list.option_count:
            self.action_results()

    def set_query(self, text: str) -> None:
        """Replace the query and search at once (`:search QUERY` on an open screen)."""
        self.query_one(Input).value = text
        self.search_now()

    def search_now(self) -> None:
        """Start searching for what is in the input (cancelling any search in flight)."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        text = self.query_one(Input).value
        self._stop_running()
        self.generation += 1
        self._text, self._more = text, False
        try:
            self._parsed = parse_query(text)
        except SearchSyntaxError as exc:
            self._parsed = None
            self._status(str(exc), error=True)  # the last good hits stay listed
            return
        if self._parsed.match is None and not self._parsed.filters.active:
            self.hit_list.show([], self.drover.now())
            self._status(HINT)
            return
        self._status("searching…")
        self._start_fetch(text, None)

    def _start_fetch(self, text: str, before_seq: int | None) -> None:
        # The event exists before the worker runs, so a query typed right after this one
        # can always cancel it.
        self._cancel, self._loading = threading.Event(), True
        self._fetch(self.generation, text, before_seq, self._cancel)

    def _stop_running(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None
        self._loading = False

    # -- fetching pages -------------------------------------------------------------------------

    @work(group="search", exit_on_error=False)
    async def _fetch(
        self, generation: int, text: str, before_seq: int | None, cancel: threading.Event
    ) -> None:
        reader = self.drover.reader
        if reader is None:
            self._loading = False
            self._status("no mirror is open yet", error=True)
            return
        try:
            hits = await self.drover.reads.run(reader.search, text, PAGE, before_seq, cancel=cancel)
        except SearchCancelled:
            return  # a newer query took over; it owns the status line
        except SearchSyntaxError as exc:
            if generation == self.generation:
                self._loading = False
                self._status(str(exc), error=True)
            return
        if generation != self.generation:
            return
        self._cancel, self._loading = None, False
        self._more = len(hits) == PAGE
        self.hit_list.show(hits, self.drover.now(), append=before_seq is not None)
        count = len(self.hit_list.hits)
        if count == 0:
            self._status("no hits")
        elif self._more:
            self._status(f"{count} hits so far, newest first · more load as you scroll")
        else:
            self._status(f"{count} hit{'s' if count != 1 else ''}, newest first")

    @on(HitList.NearEnd)
    def _next_page(self) -> None:
        hits = self.hit_list.hits
        if self._more and not self._loading and hits and self._text is not None:
            self._status(f"{len(hits)} hits so far · loading more…")
            self._start_fetch(self._text, hits[-1].seq)

    def _status(self, state: str, *, error: bool = False) -> None:
        self.state = state
        facets = self._parsed.filters.describe() if self._parsed and not error else []
        line = Content.assemble(
            *[(f"{facet} ", "$text-accent") for facet in facets],
            ("· " if facets else "", "$text-muted"),
            (state, "$text-error" if error else "$text-muted"),
        )
        status = self.query_one("#status", Static)
        status.update(line)
        status.set_class(error, "-error")

    # -- actions ----------------------------------------------------------------------------------

    @on(HitList.OptionSelected)
    def _selected(self, event: HitList.OptionSelected) -> None:
        hit = self.hit_list.hit(event.option)
        self.drover.open_replay(hit.session_id, at_seq=hit.seq)

    def action_results(self) -> None:
        """Move from the query to the hits."""
        if self.hit_list.option_count:
            self.hit_list.focus()

    def action_focus_query(self) -> None:
        """Back to the query, text selected, ready to be refined."""
        query = self.query_one(Input)
        query.focus()
        query.select_all()

    def action_back(self) -> None:
        """Close the search."""
        self.dismiss()


def open_search(app: DroverApp, query: str = "") -> None:
    """`:search [QUERY]` and `ctrl+f`: push the search screen, or reuse the one on top.

    Not over a dialog: a modal screen (a confirmation, the `:` prompt) keeps the keyboard.
    """
    screen = app.screen
    if isinstance(screen, ModalScreen):
        return
    if isinstance(screen, SearchScreen):
        if query:
            screen.set_query(query)
        screen.action_focus_query()
        return
    app.push_screen(SearchScreen(query))
