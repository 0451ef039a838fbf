"""Rollups kept as rows change, so the views that count or add up sessions read a few rows.

* `session_counts` (one row): the fleet header's figures — visible sessions (not deleted nor
  archived), running ones, those needing you and those with an error badge.
* `ledger_rollup`: the cost ledger's all-time figures added up for every session (`all`) and
  per agent, environment and model: sessions, list cost, runtime, tokens and requests, each
  session counted with the figures `drover.store.ledger` defines (tokens: the larger of the
  last usage report and the requests mirrored).
* `sessions.req_*`: each session's mirrored model requests and their tokens, the sum of its
  `daily_usage` rows.

Triggers keep them, in the transaction of the write that changes their source: on `sessions`
(insert, delete, and an update of a column they read; the update triggers' WHEN clauses skip
the many saves that change none of them) and on `daily_usage`. So every path that writes —
ingest, Session objects, a recompute, an import, a migration — keeps them exact, and a
reader never needs a scan to count. Migration v8 creates them and fills them once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from drover.store.models import HeaderCounts

__all__ = ["ROLLUPS_V8", "FleetCounts", "fill_rollups", "fleet_counts", "header_counts"]

_VISIBLE = "({r}.deleted IS 0 AND {r}.archived_at IS NULL)"


def _count_terms(row: str) -> tuple[str, str, str, str]:
    visible = _VISIBLE.format(r=row)
    return (
        visible,
        f"({visible} AND {row}.status IS 'running')",
        f"({visible} AND {row}.needs_you IS NOT NULL)",
        f"({visible} AND {row}.error_badge IS NOT NULL)",
    )


def _counts_update(sign: str, row: str) -> str:
    total, running, needs, errored = _count_terms(row)
    return (
        f"UPDATE session_counts SET total = total {sign} {total}, "
        f"running = running {sign} {running}, needs = needs {sign} {needs}, "
        f"errored = errored {sign} {errored} WHERE id = 1;"
    )


# Per session: the ledger's all-time figures (see `drover.store.ledger`).
_FIGURES = ("cents", "active", "tok_in", "tok_out", "cache_read", "cache_write", "requests")


def _figures(r: str) -> tuple[str, ...]:
    return (
        f"coalesce({r}.list_cost_cents, 0)",
        f"coalesce({r}.active_seconds, 0)",
        f"max(coalesce({r}.input_tokens, 0), {r}.req_input)",
        f"max(coalesce({r}.output_tokens, 0), {r}.req_output)",
        f"max(coalesce({r}.cache_read_tokens, 0), {r}.req_cache_read)",
        f"max(coalesce({r}.cache_creation_tokens, 0), {r}.req_cache_write)",
        f"{r}.req_count",
    )


_DIMS = (("all", None), ("agent", "agent_id"), ("environment", "environment_id"),
         ("model", "model_id"))  # fmt: skip
_LEDGER_COLUMNS = (
    "list_cost_cents", "active_seconds", "input_tokens", "output_tokens", "cache_read_tokens",
    "cache_creation_tokens", "req_count", "req_input", "req_output", "req_cache_read",
    "req_cache_write", "agent_id", "environment_id", "model_id",
)  # fmt: skip


def _ledger_upsert(sign: str, r: str) -> str:
    """Add (`+`) or take away (`-`) row `r`'s figures in every dimension's rollup row."""
    out = []
    for dim, column in _DIMS:
        key = "''" if column is None else f"coalesce({r}.{column}, '')"
        values = ", ".join(f"{sign}({f})" for f in _figures(r))
        sets = ", ".join(f"{f} = {f} + excluded.{f}" for f in _FIGURES)
        out.append(
            f"INSERT INTO ledger_rollup(dim, key, sessions, {', '.join(_FIGURES)}) "
            f"VALUES ('{dim}', {key}, {sign}1, {values}) "
            f"ON CONFLICT(dim, key) DO UPDATE SET sessions = sessions + excluded.sessions, "
            f"{sets};"
        )
    return "\n".join(out)


_COUNTED = ("deleted", "archived_at", "status", "needs_you", "error_badge")
_CHANGED_COUNTS = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _COUNTED)
_CHANGED_LEDGER = " OR ".join(f"old.{c} IS NOT new.{c}" for c in _LEDGER_COLUMNS)
_REQ = (("req_count", "requests"), ("req_input", "input_tokens"),
        ("req_output", "output_tokens"), ("req_cache_read", "cache_read_tokens"),
        ("req_cache_write", "cache_write_tokens"))  # fmt: skip


def _req_update(expr: str, row: str) -> str:
    sets = ", ".join(f"{col} = {col} + {expr.format(c=src)}" for col, src in _REQ)
    return f"UPDATE sessions SET {sets} WHERE id = {row}.session_id;"


ROLLUPS_V8: tuple[str, ...] = (
    *(f"ALTER TABLE sessions ADD COLUMN {col} INTEGER NOT NULL DEFAULT 0" for col, _ in _REQ),
    "CREATE TABLE session_counts (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "total INTEGER NOT NULL, running INTEGER NOT NULL, needs INTEGER NOT NULL, "
    "errored INTEGER NOT NULL)",
    "CREATE TABLE ledger_rollup (dim TEXT NOT NULL, key TEXT NOT NULL, "
    "sessions INTEGER NOT NULL, cents INTEGER NOT NULL, active REAL NOT NULL, "
    "tok_in INTEGER NOT NULL, tok_out INTEGER NOT NULL, cache_read INTEGER NOT NULL, "
    "cache_write INTEGER NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (dim, key)) "
    "WITHOUT ROWID",
    f"""CREATE TRIGGER sessions_rollup_ai AFTER INSERT ON sessions BEGIN
        {_counts_update("+", "new")}
        {_ledger_upsert("+", "new")}
    END""",
    f"""CREATE TRIGGER sessions_rollup_ad AFTER DELETE ON sessions BEGIN
        {_counts_update("-", "old")}
        {_ledger_upsert("-", "old")}
    END""",
    f"""CREATE TRIGGER sessions_counts_au AFTER UPDATE OF
        deleted, archived_at, status, needs_you, error_badge ON sessions
        WHEN {_CHANGED_COUNTS} BEGIN
        {_counts_update("-", "old")}
        {_counts_update("+", "new")}
    END""",
    f"""CREATE TRIGGER sessions_ledger_au AFTER UPDATE OF {", ".join(_LEDGER_COLUMNS)}
        ON sessions WHEN {_CHANGED_LEDGER} BEGIN
        {_ledger_upsert("-", "old")}
        {_ledger_upsert("+", "new")}
    END""",
    f"""CREATE TRIGGER daily_usage_rollup_ai AFTER INSERT ON daily_usage BEGIN
        {_req_update("new.{c}", "new")}
    END""",
    f"""CREATE TRIGGER daily_usage_rollup_au AFTER UPDATE ON daily_usage BEGIN
        {_req_update("new.{c} - old.{c}", "new")}
    END""",
    f"""CREATE TRIGGER daily_usage_rollup_ad AFTER DELETE ON daily_usage BEGIN
        {_req_update("-old.{c}", "old")}
    END""",
)
"""Migration v8's rollup columns, tables and triggers (`fill_rollups` fills them once)."""

ROLLUP_TRIGGERS = (
    "sessions_rollup_ai", "sessions_rollup_ad", "sessions_counts_au", "sessions_ledger_au",
    "daily_usage_rollup_ai", "daily_usage_rollup_au", "daily_usage_rollup_ad",
)  # fmt: skip


def fill_rollups(conn: sqlite3.Connection) -> None:
    """Compute every rollup from scratch (migration v8; one pass over the sessions)."""
    sums = ", ".join(f"coalesce(sum({src}), 0)" for _, src in _REQ)
    cols = ", ".join(col for col, _ in _REQ)
    conn.execute(
        f"UPDATE sessions SET ({cols}) = (SELECT {sums} FROM daily_usage u "
        "WHERE u.session_id = sessions.id)"
    )
    total, running, needs, errored = _count_terms("s")
    conn.execute("DELETE FROM session_counts")
    conn.execute(
        "INSERT INTO session_counts(id, total, running, needs, errored) SELECT 1, "
        f"coalesce(sum({total}), 0), coalesce(sum({running}), 0), coalesce(sum({needs}), 0), "
        f"coalesce(sum({errored}), 0) FROM sessions s"
    )
    conn.execute("DELETE FROM ledger_rollup")
    figures = ", ".join(f"sum({f})" for f in _figures("s"))
    for dim, column in _DIMS:
        key = "''" if column is None else f"coalesce(s.{column}, '')"
        conn.execute(
            f"INSERT INTO ledger_rollup(dim, key, sessions, {', '.join(_FIGURES)}) "
            f"SELECT '{dim}', {key}, count(*), {figures} FROM sessions s "
            f"GROUP BY {key}"
        )


@dataclass(frozen=True, slots=True)
class FleetCounts:
    """Visible sessions (not deleted nor archived), and how many of them need you."""

    total: int
    needs: int


def fleet_counts(conn: sqlite3.Connection) -> FleetCounts:
    """The fleet's row counts, from the rollup (one row)."""
    row = conn.execute("SELECT total, needs FROM session_counts WHERE id = 1").fetchone()
    return FleetCounts(*row) if row else FleetCounts(0, 0)


def header_counts(conn: sqlite3.Connection, *, today: str | None = None) -> HeaderCounts:
    """Counts for the header; `today` is a UTC `YYYY-MM-DD` (default: the clock's)."""
    from drover.store.extract import now_key
    from drover.store.ledger import window_spend

    day = today or now_key()[:10]
    row = conn.execute(
        "SELECT total, running, needs, errored FROM session_counts WHERE id = 1"
    ).fetchone()
    total, running, needs, errored = row or (0, 0, 0, 0)
    return HeaderCounts(total, running, needs, errored, window_spend(conn, day, day))
