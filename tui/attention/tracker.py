"""Which sessions just started to need attention (pure logic: no Textual, no I/O).

Every session read from the mirror is reduced to a `Snapshot`: its attention category
(`needs_you`, `error`, `done` or `active`) plus a token that tells two separate visits to the
same category apart (`needs_since`: a second approval request after a partial answer is a new
transition even if the in-between `running` was never seen). `AttentionTracker` compares each
snapshot with the previous one and reports a `Transition` only when a session *enters* an
attention category (or re-enters it with a new token), once. The first read of a profile is a
baseline: nothing that already needed you at start-up rings.

Muting is per session and in memory only (it lasts until drover exits; a muted session still
counts in the list, but neither rings nor counts in the title).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from drover.store.attention import COUNTED, attention_category, attention_token
from drover.store.models import SessionRow
from drover.text import format as fmt
from drover.text.inert import inert_line

__all__ = [
    "ALERTING",
    "COUNTED",
    "AttentionTracker",
    "Category",
    "Snapshot",
    "Transition",
    "categorize",
    "snapshot",
    "window_title",
]

Category = Literal["needs_you", "error", "done", "active", "budget"]
"""A session's attention category (`drover.store.attention`), or a budget crossing."""
ALERTING: frozenset[Category] = frozenset({"needs_you", "error", "done"})
"""Categories whose entry is announced."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A session's attention-relevant state at one read.

    Attributes:
        session_id: the session.
        title: its title (inert, one line).
        category: the attention category.
        token: what distinguishes one visit of the category from the next.
        reason: why, in one inert line ("approve bash: rm -rf build", "finished").
        rev: when the session last changed category (`sessions.attention_rev`).
    """

    session_id: str
    title: str
    category: Category
    token: str | None
    reason: str
    rev: int = 0


@dataclass(frozen=True, slots=True)
class Transition:
    """A session entered an attention category (what to announce)."""

    session_id: str
    category: Category
    title: str
    reason: str


def categorize(row: SessionRow) -> Category:
    """The attention category of a mirrored session (`drover.store.attention`)."""
    return attention_category(
        deleted=row.deleted, archived_at=row.archived_at, needs_you=row.needs_you,
        status=row.status, stop_reason=row.stop_reason,
    )  # fmt: skip


def snapshot(row: SessionRow) -> Snapshot:
    """Reduce a session row to what attention tracking compares."""
    category = categorize(row)
    if category == "done":
        reason = "terminated" if row.status == "terminated" else "finished its turn"
    else:
        reason = fmt.needs_reason(row)
    token = attention_token(category, row.needs_since)
    return Snapshot(
        row.id, inert_line(row.title or row.id), category, token, reason, row.attention_rev
    )


class AttentionTracker:
    """Remembers each session's last snapshot and reports entries into attention states."""

    def __init__(self) -> None:
        self._last: dict[str, Snapshot] = {}
        self.muted: set[str] = set()
        """Sessions that never announce (in memory; toggled with `M` on a fleet row)."""
        self.primed = False
        """True once the baseline read was taken."""
        self.mark: int | None = None
        """The highest `attention_rev` at the baseline: a session not seen since then whose
        rev is not above it was in its category already (None: every session was read)."""

    def prime(self, snapshots: Iterable[Snapshot], mark: int | None = None) -> None:
        """Take the baseline: remember these states, announce nothing.

        Args:
            snapshots: the sessions read for the baseline (every one, or with `mark` the
                ones needing you: those the title counts).
            mark: the highest `attention_rev` when they were read (see `mark`).
        """
        for snap in snapshots:
            self._last[snap.session_id] = snap
        self.mark = mark
        self.primed = True

    def update(self, snapshots: Iterable[Snapshot], focused: str | None = None) -> list[Transition]:
        """Record new snapshots and return the transitions worth announcing.

        Args:
            snapshots: fresh states of the sessions that changed.
            focused: the session the user is looking at (no announcement for it; its state
                is still recorded, so looking away later does not replay it).

        Returns:
            One transition per session that entered (or re-entered, with a new token) an
            alerting category, leaving out muted sessions and `focused`. Before `prime`, the
            snapshots only become the baseline.
        """
        out: list[Transition] = []
        for snap in snapshots:
            before = self._last.get(snap.session_id)
            self._last[snap.session_id] = snap
            if not self.primed or snap.category not in ALERTING:
                continue
            if before is None and self.mark is not None and snap.rev <= self.mark:
                continue  # not read for the baseline, but in this category since before it
            if before is not None and (before.category, before.token) == (
                snap.category,
                snap.token,
            ):
                continue
            if snap.session_id in self.muted or snap.session_id == focused:
                continue
            out.append(Transition(snap.session_id, snap.category, snap.title, snap.reason))
        return out

    def toggle_mute(self, session_id: str) -> bool:
        """Mute or unmute a session; returns True when it is now muted."""
        if session_id in self.muted:
            self.muted.discard(session_id)
            return False
        self.muted.add(session_id)
        return True

    def waiting(self) -> int:
        """Sessions that need you or errored, muted ones left out (the title counter)."""
        return sum(
            1
            for sid, snap in self._last.items()
            if snap.category in COUNTED and sid not in self.muted
        )


def window_title(base: str, waiting: int) -> str:
    """The window title: `drover` or `drover — 3 need you`."""
    return f"{base} — {waiting} need you" if waiting else base
