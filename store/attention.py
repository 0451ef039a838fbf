"""Which attention category a session is in, and when it last changed (pure; no SQL here).

The TUI announces a session when it *enters* an attention category (`drover.tui.attention`).
To know that without reading every session at start-up, the store remembers when each
session's category last changed: `sessions.attention_rev`, a mirror-wide counter bumped by
`drover.store.state.save_state` (under the mirror's write lock) whenever a save moves a
session into another category (or into the same counted category again, with a new
`needs_since`). A reader that noted the
highest rev when it took its baseline knows, for any session it has not seen, whether the
session was already in its category then (rev not above the mark) or entered it since.
"""

from __future__ import annotations

from typing import Literal

from drover.store.dialect import SQLITE, Dialect

__all__ = ["COUNTED", "Category", "attention_category", "attention_rev_ddl", "attention_token"]

Category = Literal["needs_you", "error", "done", "active"]
COUNTED: frozenset[Category] = frozenset({"needs_you", "error"})
"""Categories counted in the window title ("3 need you"); their visits are told apart by
`needs_since`."""

_ERRORS = frozenset({"error_terminal", "error_exhausted"})


def attention_category(
    *,
    deleted: bool,
    archived_at: str | None,
    needs_you: str | None,
    status: str | None,
    stop_reason: str | None,
) -> Category:
    """The attention category of a session with these derived columns."""
    if deleted or archived_at:
        return "active"  # gone from the fleet: nothing to announce
    if needs_you in _ERRORS:
        return "error"
    if needs_you == "terminated" or status == "terminated":
        return "done"
    if needs_you:
        return "needs_you"
    if status == "idle" and stop_reason == "end_turn":
        return "done"
    return "active"


def attention_token(category: Category, needs_since: str | None) -> str | None:
    """What tells one visit of `category` from the next (None for uncounted categories)."""
    return needs_since if category in COUNTED else None


def attention_rev_ddl(dialect: Dialect = SQLITE) -> list[str]:
    """The `attention_rev` column and its index (SQLite v11, PostgreSQL step 6); every
    session starts at 0, "in its category since before any baseline"."""
    column = "INTEGER" if dialect.name == "sqlite" else "bigint"
    exists = "" if dialect.name == "sqlite" else "IF NOT EXISTS "  # SQLite: once, by version
    return [
        f"ALTER TABLE sessions ADD COLUMN {exists}attention_rev {column} NOT NULL DEFAULT 0",
        "CREATE INDEX IF NOT EXISTS sessions_attention ON sessions(attention_rev)",
    ]
