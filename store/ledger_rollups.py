"""The cost ledger's rollups (SQLite v15, PostgreSQL step 10): its figures summed ahead, so the
all-time totals and groupings by agent, environment and model, and every by-day figure, read a
row per group or per day instead of one per session (`drover.store.ledger`).

* `ledger_groups`: per (agent, environment, model) of the sessions, how many sessions and their
  all-time figures as the ledger defines them (`drover.store.ledger`: list cost and runtime
  from the session row, tokens the larger of the server's report and the requests mirrored).
* `ledger_days`: per UTC day, how many sessions have a per-day row that day and the day's
  figures (`drover.store.daily`'s `daily_cost` and `daily_usage` summed).

Triggers keep both in the same statement as the rows they sum: a session row inserted, changed
(figures or grouping columns) or deleted, a per-day row inserted, changed or deleted. So every
write path (ingest, a rebuild's `clear_daily` and refold, imports, the migrations that write
these tables) keeps them exact with no code of its own, on both backends.

A key that may be NULL is stored as text that cannot be: `'-'` for NULL, `'+'` and the value
otherwise (a unique key treats NULLs as distinct, so an upsert would never find a NULL group).

Windows (a count of distinct sessions over several days is not a sum of per-day counts) have
their own rollup, `drover.store.ledger_windows`. The sessions' own page and the budgets are not
rolled up (`drover.store.ledger`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from drover.store.dialect import Dialect

__all__ = [
    "DAY_TABLES",
    "FIGURES",
    "GROUP_COLUMNS",
    "GROUP_KEYS",
    "column_types",
    "day_facts",
    "decode_key",
    "encode_key",
    "ledger_rollup_ddl",
    "rollup_triggers",
    "upsert",
]  # fmt: skip

GROUP_KEYS = ("agent_id", "environment_id", "model_id")
"""The session columns `ledger_groups` is keyed by (`<column>` with `_key` for `_id`)."""
FIGURES = ("cents", "active", "tok_in", "tok_out", "cache_read", "cache_write", "requests")
GROUP_COLUMNS = [c.replace("_id", "_key") for c in GROUP_KEYS]
"""`ledger_groups`' key columns, in the order of `GROUP_KEYS`."""
# Every session column a `ledger_groups` row depends on: a change of another leaves it alone.
_WATCHED = (
    *GROUP_KEYS, "list_cost_cents", "active_seconds", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_creation_tokens", "req_count", "req_input", "req_output",
    "req_cache_read", "req_cache_write",
)  # fmt: skip


def decode_key(column: str) -> str:
    """SQL giving back the value (or NULL) a `ledger_groups` key column stands for."""
    return f"CASE WHEN {column} = '-' THEN NULL ELSE substr({column}, 2) END"


def encode_key(value: str) -> str:
    return f"coalesce('+' || {value}, '-')"


def _session_figures(row: str, greatest: str) -> list[str]:
    """A session's all-time figures (the ledger's definition) from `row` (NEW, OLD, a table)."""
    tokens = (
        ("input_tokens", "req_input"), ("output_tokens", "req_output"),
        ("cache_read_tokens", "req_cache_read"), ("cache_creation_tokens", "req_cache_write"),
    )  # fmt: skip
    return [
        f"coalesce({row}.list_cost_cents, 0)",
        f"coalesce({row}.active_seconds, 0)",
        *(f"{greatest}(coalesce({row}.{t}, 0), {row}.{r})" for t, r in tokens),
        f"{row}.req_count",
    ]


def upsert(table: str, keys: list[str], key_values: list[str], values: list[str]) -> str:
    """Add `values` (sessions, then figures) to the row of `table` at `key_values`."""
    columns = ["sessions", *FIGURES]
    sums = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    return (
        f"INSERT INTO {table}({', '.join(keys + columns)}) "
        f"VALUES ({', '.join(key_values + values)}) "
        f"ON CONFLICT({', '.join(keys)}) DO UPDATE SET {sums}"
    )


def _session_change(row: str, sign: str, greatest: str) -> str:
    keys = [encode_key(f"{row}.{k}") for k in GROUP_KEYS]
    figures = [f"{sign}{f}" for f in _session_figures(row, greatest)]
    return upsert("ledger_groups", GROUP_COLUMNS, keys, [f"{sign}1", *figures])


# Per-day tables: (table, the other table, its figures as `FIGURES` orders them, 0 elsewhere).
DAY_TABLES = {
    "daily_cost": (
        "daily_usage",
        ["spent_cents", "runtime_seconds", None, None, None, None, None],
    ),
    "daily_usage": (
        "daily_cost",
        [None, None, "input_tokens", "output_tokens", "cache_read_tokens",
         "cache_write_tokens", "requests"],
    ),
}  # fmt: skip


def _day_change(table: str, row: str, sign: str) -> str:
    """`table`'s row `row` added to (`sign` '') or taken from (`sign` '-') its day; a session
    counts on a day while it has a row there in either table. `sign` 'NEW-OLD': the change of
    an updated row's figures (the keys never change)."""
    other, columns = DAY_TABLES[table]
    if sign == "NEW-OLD":
        alone = "0"
        figures = [f"NEW.{c} - OLD.{c}" if c else "0" for c in columns]
    else:
        alone = (
            f"{sign}(CASE WHEN EXISTS (SELECT 1 FROM {other} o WHERE o.session_id = "
            f"{row}.session_id AND o.day = {row}.day) THEN 0 ELSE 1 END)"
        )
        figures = [f"{sign}{row}.{c}" if c else "0" for c in columns]
    return upsert("ledger_days", ["day"], [f"{row}.day"], [alone, *figures])


def _tables(dialect: Dialect) -> list[str]:
    integer, real, text = column_types(dialect)
    figures = ", ".join(
        f"{f} {real if f == 'active' else integer} NOT NULL DEFAULT 0" for f in FIGURES
    )
    keys = ", ".join(f"{k} {text} NOT NULL" for k in GROUP_COLUMNS)
    return [
        f"CREATE TABLE IF NOT EXISTS ledger_groups ({keys}, sessions {integer} NOT NULL DEFAULT 0, "
        f"{figures}, PRIMARY KEY ({', '.join(GROUP_COLUMNS)}))",
        f"CREATE TABLE IF NOT EXISTS ledger_days (day {text} PRIMARY KEY, "
        f"sessions {integer} NOT NULL DEFAULT 0, {figures})",
    ]


def _fill(dialect: Dialect) -> list[str]:
    """Both rollups summed afresh from the rows they roll up (emptied first: may run again)."""
    figures = _session_figures("s", dialect.greatest)
    keys = [encode_key(f"s.{k}") for k in GROUP_KEYS]
    sums = ", ".join(f"sum({f})" for f in figures)
    per_day = ", ".join(f"sum({f})" for f in FIGURES)
    return [
        "DELETE FROM ledger_groups",
        f"INSERT INTO ledger_groups({', '.join(GROUP_COLUMNS)}, sessions, {', '.join(FIGURES)}) "
        f"SELECT {', '.join(keys)}, count(*), {sums} FROM sessions s "
        f"GROUP BY {', '.join(keys)}",
        "DELETE FROM ledger_days",
        f"INSERT INTO ledger_days(day, sessions, {', '.join(FIGURES)}) "
        f"SELECT day, count(DISTINCT session_id), {per_day} "
        f"FROM ({day_facts(session=True)}) facts GROUP BY day",
    ]


def day_facts(where: str = "", *, session: bool = False) -> str:
    """Both per-day tables' rows matching `where`, as (`session_id`,) day and `FIGURES` (0
    where the other table holds the figure)."""
    head = "session_id, day" if session else "day"
    return " UNION ALL ".join(
        f"SELECT {head}, "
        + ", ".join(f"{c or 0} AS {f}" for c, f in zip(columns, FIGURES, strict=True))
        + f" FROM {table} {where}"
        for table, (_other, columns) in DAY_TABLES.items()
    )


def rollup_triggers(
    dialect: Dialect,
    suffix: str,
    watched: Sequence[str],
    session_change: Callable[[str, str], str],
    day_change: Callable[[str, str, str], str],
) -> list[str]:
    """A rollup's triggers: on `sessions` (an update only when a `watched` column changes),
    `session_change(row, sign)` taking OLD away (sign '-') and adding NEW (''); on each per-day
    table, `day_change(table, row, sign)`, where an update's sign is 'NEW-OLD'. Each table's
    triggers (and PostgreSQL's function) are named after it, with `suffix`."""
    tables = [("sessions", f"sessions_{suffix}", watched)]
    tables += [(t, f"{t}_{suffix}", [c for c in cols if c]) for t, (_o, cols) in DAY_TABLES.items()]
    out: list[str] = []
    for table, trigger, columns in tables:
        if table == "sessions":
            remove, add = session_change("OLD", "-"), session_change("NEW", "")
            update = f"{remove}; {add}"
        else:
            remove, add = day_change(table, "OLD", "-"), day_change(table, "NEW", "")
            update = day_change(table, "NEW", "NEW-OLD")
        if dialect.name == "sqlite":
            out += _sqlite_triggers(trigger, table, columns, remove, add, update)
        else:
            out += [
                _pg_function(trigger, remove, add, update),
                *_pg_trigger(trigger, table, columns),
            ]
    return out


def _sqlite_triggers(
    name: str, table: str, columns: Sequence[str], on_delete: str, on_insert: str, on_update: str
) -> list[str]:
    """SQLite's triggers after a row of `table` is deleted, inserted, or updated in one of
    `columns` (`on_*`: statements separated by `;`); `name` with `_ad`, `_ai`, `_au`."""
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    return [
        f"CREATE TRIGGER IF NOT EXISTS {name}_ai AFTER INSERT ON {table} BEGIN {on_insert}; END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_ad AFTER DELETE ON {table} BEGIN {on_delete}; END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_au AFTER UPDATE ON {table} WHEN {changed} "
        f"BEGIN {on_update}; END",
    ]


def _pg_function(name: str, on_delete: str, on_insert: str, on_update: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' THEN {on_delete}; "
        f"ELSIF TG_OP = 'INSERT' THEN {on_insert}; "
        f"ELSE {on_update}; END IF; RETURN NULL; END $$"
    )


def _pg_trigger(name: str, table: str, columns: Sequence[str]) -> list[str]:
    """PostgreSQL's triggers running function `name` after an insert or delete, and after an
    update that changes one of `columns`."""
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} AFTER INSERT OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        f"DROP TRIGGER IF EXISTS {name}_update ON {table}",
        f"CREATE TRIGGER {name}_update AFTER UPDATE ON {table} "
        f"FOR EACH ROW WHEN (ROW({old}) IS DISTINCT FROM ROW({new})) EXECUTE FUNCTION {name}()",
    ]


def ledger_rollup_ddl(dialect: Dialect) -> list[str]:
    """SQLite v15, PostgreSQL step 10: the rollups, their triggers, then their rows (safe to
    run again: the tables and triggers are kept, the rows summed afresh)."""
    greatest = dialect.greatest
    triggers = rollup_triggers(
        dialect,
        "rollups",
        _WATCHED,
        lambda row, sign: _session_change(row, sign, greatest),
        _day_change,
    )
    return [*_tables(dialect), *triggers, *_fill(dialect), TOP_SESSIONS_INDEX]


TOP_SESSIONS_INDEX = (
    "CREATE INDEX IF NOT EXISTS sessions_ledger_top "
    "ON sessions(coalesce(list_cost_cents, 0) DESC, id)"
)
"""The ledger's page of top sessions all time (most expensive first) walks the sessions in
its order and stops at the page's end, sorting only the sessions tied on cost by tokens; a
window's page sums its days per session and cannot be served from an index."""


def column_types(dialect: Dialect) -> tuple[str, str, str]:
    """The rollups' (integer, real, key text) column types on `dialect`."""
    if dialect.name == "sqlite":
        return "INTEGER", "REAL", "TEXT"
    return "bigint", "double precision", 'text COLLATE "C"'
