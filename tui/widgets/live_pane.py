"""`LivePane`: one session of the live grid — a one-line ticker over the tail of its events.

The grid screen drives it from above: `assign` a session, `apply` the answers of the grid's
batched reads, `tick` the elapsed time, set `connection` and `preview`. The pane never reads
the mirror itself, so a hidden pane costs nothing. Everything shown that came from an agent
is inert (`drover.tui.viewmodel.pane_lines` / `drover.text.inert`) and rendered as `Content`,
never markup.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from drover.api.timestamps import parse_timestamp
from drover.store.models import SessionRow
from drover.sync.connection import ConnectionState
from drover.text import format as fmt
from drover.text.inert import inert, inert_line
from drover.themes import SESSION_STATES
from drover.tui.viewmodel.action_plan import act_hint
from drover.tui.viewmodel.connection_text import connection_label
from drover.tui.viewmodel.grid_source import PaneUpdate, PaneWant
from drover.tui.viewmodel.pane_lines import Ticker
from drover.tui.widgets.pane_log import PaneLog

EMPTY = "empty · p picks a session · a fills the grid with the busiest"
GAP = "┄┄ older events skipped (they are in the mirror: enter opens the session) ┄┄"


class LivePane(Vertical):
    """A pane following one session (or none).

    Args:
        slot: its position in the grid.
        max_lines: lines its log keeps.
    """

    DEFAULT_CSS = """
    LivePane {
        border: round $foreground 25%; border-title-color: $foreground 70%;
        border-subtitle-color: $foreground 50%;
        height: 1fr; width: 1fr;
    }
    LivePane:focus-within {
        border: round $accent; border-title-color: $accent; border-title-style: bold;
        border-subtitle-color: $accent;
    }
    LivePane.-off { display: none; }
    LivePane #ticker { height: 1; }
    LivePane #badge { width: auto; padding: 0 1; text-style: bold; }
    LivePane #badge.-running { background: $session-running 30%; color: $session-running; }
    LivePane #badge.-idle { background: $session-idle 25%; color: $session-idle; }
    LivePane #badge.-needs-you { background: $session-needs-you 30%; color: $session-needs-you; }
    LivePane #badge.-error { background: $session-error 30%; color: $session-error; }
    LivePane #badge.-terminated { color: $session-terminated; }
    LivePane #figures {
        width: 1fr; padding-left: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    LivePane #preview {
        height: auto; max-height: 3; padding: 0 1; color: $text-muted; background: $surface;
        display: none;
    }
    LivePane #preview.-shown { display: block; }
    """

    connection: reactive[ConnectionState | None] = reactive(None, init=False)
    """sync's connection state for the session (None when not followed)."""
    preview: reactive[tuple[str, str] | None] = reactive(None, init=False)
    """The message being streamed `(event id, text)`; set only on the focused pane."""

    def __init__(self, slot: int, max_lines: int = 3_000) -> None:
        super().__init__(id=f"pane-{slot}")
        self.slot = slot
        self.session_id: str | None = None
        """The session followed (None: an empty pane)."""
        self.last_seq: int | None = None
        """Seq of the newest event shown; None until the tail is loaded."""
        self.row: SessionRow | None = None
        """The session's row as of the last refresh."""
        self.token = 0
        """Bumped on every assignment, so reads answered for a replaced session are dropped."""
        self.stale = False
        """The session changed while the pane was hidden: reload the tail when shown."""
        self.events_shown = 0
        """Events taken in since the pane was created (the benchmark's displayed count)."""
        self._ticker = Ticker()
        self._max_lines = max_lines
        self._now: datetime | None = None
        self._shown: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="ticker"):
            yield Static(id="badge")
            yield Static(Content(EMPTY), id="figures")
        yield PaneLog(self._max_lines)
        yield Static(id="preview")

    @property
    def pane_log(self) -> PaneLog:
        """The event lines."""
        return self.query_one(PaneLog)

    def want(self) -> PaneWant | None:
        """What this pane needs from the next read (None for an empty pane)."""
        if self.session_id is None:
            return None
        return PaneWant(self.slot, self.session_id, self.last_seq, self.token)

    def assign(self, session_id: str | None) -> None:
        """Follow `session_id` from its tail (the next read loads it); None empties the pane."""
        self.session_id, self.last_seq, self.row = session_id, None, None
        self.token += 1
        self.stale = False
        self._ticker = Ticker()
        self.connection = None
        self.preview = None
        self._set_title(session_id or "")
        self.pane_log.clear()
        self._set_badge(None)
        self._set_hint("")
        self._set_figures("loading…" if session_id else EMPTY)

    def note_empty(self, text: str) -> None:
        """Say why an empty pane is empty (instead of how to fill it)."""
        if self.session_id is None:
            self._set_figures(text)

    def reload(self) -> None:
        """Load the tail again at the next read (after being hidden while it changed)."""
        self.last_seq, self.stale = None, False

    def apply(self, update: PaneUpdate, now: datetime) -> bool:
        """Show one read's answer; False when it was for an earlier assignment (dropped)."""
        want = update.want
        if want.token != self.token or want.session_id != self.session_id:
            return False
        events, lines = update.events, update.lines
        if update.reset:
            since = update.status.processed_at if update.status is not None else None
            self._ticker = Ticker(status_since=since)
            if want.after_seq is None:
                self.pane_log.clear()
            else:
                # Fell too far behind: jump to the tail below a marker instead of clearing,
                # so whoever is reading higher up is not moved.
                lines = [(GAP, "dim"), *lines]
            self.last_seq = 0
        elif events and events[0].seq <= (self.last_seq or 0):
            return False  # already shown (an overlapping read); never show lines twice
        if events:
            self._ticker = self._ticker.fold(events)
            self.pane_log.write_lines(lines)
            self.last_seq = events[-1].seq
            self.events_shown += len(events)
        self.row = update.row
        if update.row is not None:
            self._set_title(f"{inert_line(update.row.title or update.row.id)} · {update.row.id}")
        self.tick(now)
        return True

    def tick(self, now: datetime) -> None:
        """Refresh the ticker (elapsed time moves even when nothing new arrives)."""
        self._now, row = now, self.row
        if row is None:
            return
        self._set_badge(row)
        self._set_hint(act_hint(row, can_act=not getattr(self.app, "readonly", True)))
        since = parse_timestamp(self._ticker.status_since)
        elapsed = fmt.duration((now - since).total_seconds()) if since else "-"
        tool = f"⚙ {self._ticker.tool} · " if self._ticker.tool else ""
        self._set_figures(
            f"{tool}{elapsed} · {fmt.tokens(fmt.total_tokens(row))} tok · "
            f"{fmt.money(row.list_cost_cents)} · {connection_label(self.connection)}"
        )

    # Each setter touches its widget only when the text changed: a refresh per pull per pane
    # is what the grid must not pay (and only the badge can change width, needing a layout).

    def _set_title(self, title: str) -> None:
        if title != self._shown.get("title"):
            self._shown["title"] = title
            self.border_title = Content(title)

    def _set_hint(self, hint: str) -> None:
        if hint != self._shown.get("hint"):
            self._shown["hint"] = hint
            self.border_subtitle = Content(hint)

    def _set_figures(self, figures: str) -> None:
        if figures != self._shown.get("figures"):
            self._shown["figures"] = figures
            self.query_one("#figures", Static).update(Content(figures), layout=False)

    def _set_badge(self, row: SessionRow | None) -> None:
        state = fmt.visual_state(row) if row is not None else ""
        label = fmt.status_label(row) if row is not None else "-"
        if (state, label) == self._shown.get("badge"):
            return
        self._shown["badge"] = (state, label)
        badge = self.query_one("#badge", Static)
        for name in SESSION_STATES:
            badge.set_class(name == state, f"-{name}")
        badge.update(Content(label))

    def watch_connection(self) -> None:
        if self._now is not None:
            self.tick(self._now)

    def watch_preview(self, preview: tuple[str, str] | None) -> None:
        widget = self.query_one("#preview", Static)
        widget.set_class(preview is not None, "-shown")
        if preview is not None:
            lines = inert(preview[1]).splitlines()[-2:] or ["…"]
            widget.update(Content("✎ " + "\n  ".join(lines)))
