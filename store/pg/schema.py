"""The PostgreSQL mirror's tables and their migrations, kept in a `schema_version` table.

The tables, columns and indexes are the SQLite mirror's (`drover.store.schema` and the steps of
`drover.store.migrations`), so the store's queries run on both; a test compares the two column
by column. What PostgreSQL does its own way:

* `events.seq` is a `bigint` identity column; the writer learns the seqs it was given from
  `RETURNING` (never by arithmetic: a sequence is shared with other writers).
* Full-text search is a `tsvector` column with a GIN index, written with each event (generated
  from `events.text` until step 7; since, the insert makes it from the text the writer
  extracted, which is stored nowhere else: `drover.store.pg.event_text`). The text is
  tokenised like SQLite's `unicode61` tokenizer: ASCII punctuation and `_` split words
  (`translate` to spaces before PostgreSQL's parser, which would otherwise keep URLs, paths and
  hyphenated words whole), case folds, and accents are removed with `unaccent` when the
  server has it (`drover_text`, a copy of the `simple` configuration: no stemming, no stop
  words).
* Text columns that are compared or sorted use the `"C"` collation, which orders bytes as
  SQLite's default does; SQLite's `NOCASE` is `lower(x COLLATE "C")` (ASCII folded only, as
  SQLite folds; see `drover.store.dialect`), and the index on agent names is on that.
* `threads.rowid` (identity) keeps the order threads were first stored in, as SQLite's rowid.

Each step runs in its own transaction under the mirror's write lock (the advisory lock the
writer takes per batch), with the version bump, so two processes opening a new mirror at once
run each step once. Append only; never edit a shipped step. A SQLite migration that changes a
table needs its step here too.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from drover.store.dialect import POSTGRESQL
from drover.store.fts_text import SEARCH_TEXT, TEXT_CONFIG
from drover.store.migrations import MirrorVersionError
from drover.store.pg.conn import PgConn

__all__ = ["SCHEMA_VERSION", "TEXT_CONFIG", "WRITE_LOCK", "migrate"]

WRITE_LOCK = 0x64726F76  # "drov": pg_advisory_xact_lock key every writing transaction takes

_T = 'text COLLATE "C"'

_PRELUDE = f"CREATE TEXT SEARCH CONFIGURATION {TEXT_CONFIG} (COPY = pg_catalog.simple)"
TABLES_V1 = f"""
CREATE TABLE agents (
    id {_T} PRIMARY KEY, name {_T}, version bigint, model_id {_T}, created_at {_T},
    updated_at {_T}, archived_at {_T}, raw text NOT NULL
);
CREATE TABLE environments (
    id {_T} PRIMARY KEY, name {_T}, created_at {_T}, updated_at {_T}, archived_at {_T},
    raw text NOT NULL
);
CREATE TABLE sessions (
    id {_T} PRIMARY KEY, raw text, status {_T}, status_at {_T},
    deleted bigint NOT NULL DEFAULT 0, title {_T}, agent_id {_T}, agent_name {_T},
    model_id {_T}, environment_id {_T}, created_at {_T}, updated_at {_T}, archived_at {_T},
    input_tokens bigint, output_tokens bigint, cache_read_tokens bigint,
    cache_creation_tokens bigint, list_cost_cents bigint, active_seconds double precision,
    usage_at {_T}, budget_cents bigint, budget_at {_T}, stop_reason {_T}, stop_event_ids text,
    stop_details text, stop_event_id {_T}, stop_at {_T},
    pending_actions text NOT NULL DEFAULT '[]', pending_count bigint NOT NULL DEFAULT 0,
    last_error text, error_badge {_T}, needs_you {_T}, needs_since {_T},
    high_water_seq bigint NOT NULL DEFAULT 0, event_count bigint NOT NULL DEFAULT 0,
    last_event_at {_T}, derive_state text, local_updated_at {_T}, origin {_T},
    id_collisions bigint NOT NULL DEFAULT 0
);
CREATE INDEX sessions_needs ON sessions(needs_you, needs_since);
CREATE INDEX sessions_status ON sessions(status);
CREATE INDEX sessions_agent ON sessions(agent_id);
CREATE INDEX sessions_created ON sessions(created_at);
CREATE INDEX sessions_agent_name ON sessions({POSTGRESQL.nocase("agent_name")});
CREATE TABLE threads (
    rowid bigint GENERATED ALWAYS AS IDENTITY, id {_T} PRIMARY KEY,
    session_id {_T} NOT NULL, parent_thread_id {_T}, agent_name {_T}, status {_T},
    status_at {_T}, stop_reason {_T}, list_cost_cents bigint, created_at {_T},
    updated_at {_T}, archived_at {_T}, raw text
);
CREATE INDEX threads_session ON threads(session_id);
CREATE TABLE events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id {_T} NOT NULL UNIQUE,
    session_id {_T} NOT NULL, thread_id {_T}, on_primary bigint NOT NULL DEFAULT 0,
    type {_T} NOT NULL, processed_at {_T}, ref_id {_T}, text text NOT NULL DEFAULT '',
    raw text NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('{TEXT_CONFIG}'::regconfig, {SEARCH_TEXT}))
        STORED
);
CREATE INDEX events_session_seq ON events(session_id, seq);
CREATE INDEX events_session_type_seq ON events(session_id, type, seq);
CREATE INDEX events_thread_seq ON events(thread_id, seq) WHERE thread_id IS NOT NULL;
CREATE INDEX events_ref ON events(ref_id) WHERE ref_id IS NOT NULL;
CREATE INDEX events_tsv ON events USING gin(tsv);
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, session_id {_T} NOT NULL,
    kind {_T} NOT NULL, payload text NOT NULL, state {_T} NOT NULL DEFAULT 'queued',
    server_event_ids text, error text, attempts bigint NOT NULL DEFAULT 0,
    created_at {_T} NOT NULL, updated_at {_T} NOT NULL
);
CREATE INDEX outbox_session ON outbox(session_id, id);
CREATE INDEX outbox_state ON outbox(state) WHERE state IN ('queued', 'sending');
CREATE TABLE sync_cursors (
    session_id {_T} NOT NULL, thread_id {_T} NOT NULL DEFAULT '', last_processed_at {_T},
    last_key {_T}, last_seq bigint NOT NULL DEFAULT 0, updated_at {_T} NOT NULL,
    PRIMARY KEY (session_id, thread_id)
);
CREATE TABLE daily_cost (
    session_id {_T} NOT NULL, day {_T} NOT NULL, list_cost_cents bigint NOT NULL,
    active_seconds double precision, spent_cents bigint NOT NULL DEFAULT 0,
    runtime_seconds double precision NOT NULL DEFAULT 0, PRIMARY KEY (session_id, day)
);
CREATE INDEX daily_cost_day ON daily_cost(day);
CREATE TABLE daily_usage (
    session_id {_T} NOT NULL, day {_T} NOT NULL, requests bigint NOT NULL DEFAULT 0,
    input_tokens bigint NOT NULL DEFAULT 0, output_tokens bigint NOT NULL DEFAULT 0,
    cache_read_tokens bigint NOT NULL DEFAULT 0, cache_write_tokens bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, day)
);
CREATE INDEX daily_usage_day ON daily_usage(day);
CREATE TABLE mirror_account (
    id integer PRIMARY KEY CHECK (id = 1), base_url {_T} NOT NULL, workspace_id {_T},
    bound_at {_T} NOT NULL
);
CREATE TABLE event_collisions (
    event_id {_T} NOT NULL, session_id {_T} NOT NULL, stored_session_id {_T} NOT NULL,
    thread_id {_T}, type {_T}, raw text NOT NULL, first_seen {_T} NOT NULL,
    PRIMARY KEY (event_id, session_id)
);
CREATE INDEX event_collisions_session ON event_collisions(session_id);
"""

# Accents fold where the server has `unaccent` (a trusted extension; PostgreSQL's contrib).
_UNACCENT = f"""
DO $$ BEGIN
    CREATE EXTENSION IF NOT EXISTS unaccent;
    ALTER TEXT SEARCH CONFIGURATION {TEXT_CONFIG} ALTER MAPPING FOR asciiword, word, numword,
        asciihword, hword, hword_part, hword_asciipart, hword_numpart WITH unaccent, simple;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'drover: no unaccent (%), searches will be accent-sensitive', SQLERRM;
END $$
"""


def _v1(conn: PgConn) -> None:
    """Every table of the SQLite mirror at its version 6, and the search configuration."""
    conn.raw.execute(_PRELUDE)
    conn.raw.execute(_UNACCENT)
    conn.raw.execute(TABLES_V1)


# SQLite's v7 (`drover.store.quarantine`, `drover.store.outbox`): wire items that are not
# storable events, and an owner and a lease on each outbox row.
TABLES_V2 = f"""
CREATE TABLE quarantine (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, session_id {_T} NOT NULL,
    thread_id {_T}, item_key {_T} NOT NULL, event_id {_T}, local_event_id {_T} NOT NULL,
    source {_T} NOT NULL, reason text NOT NULL, size bigint NOT NULL, sha256 {_T} NOT NULL,
    raw bytea NOT NULL, first_seen {_T} NOT NULL, UNIQUE (session_id, item_key)
);
CREATE INDEX quarantine_event ON quarantine(event_id) WHERE event_id IS NOT NULL;
ALTER TABLE outbox ADD COLUMN owner {_T};
ALTER TABLE outbox ADD COLUMN lease_until double precision;
"""


def _v2(conn: PgConn) -> None:
    """Quarantined wire items and outbox owners with leases (SQLite's step 7)."""
    conn.raw.execute(TABLES_V2)


# SQLite's v8 (`drover.store.platform`, `drover.store.outcomes`, `drover.store.rule_audit`):
# deployments and their runs, vaults and their credentials' health, memory stores, what each
# session refers to, outcomes per session, answers by rule and their pause switch.
TABLES_V3 = f"""
CREATE TABLE deployments (
    id {_T} PRIMARY KEY, name {_T}, agent_id {_T}, status {_T}, archived_at {_T},
    created_at {_T}, updated_at {_T}, raw text NOT NULL
);
CREATE TABLE deployment_runs (
    id {_T} PRIMARY KEY, deployment_id {_T} NOT NULL, session_id {_T}, created_at {_T},
    error_type {_T}, trigger_type {_T}, raw text NOT NULL
);
CREATE INDEX deployment_runs_deployment ON deployment_runs(deployment_id, created_at);
CREATE INDEX deployment_runs_session ON deployment_runs(session_id) WHERE session_id IS NOT NULL;
CREATE TABLE session_refs (
    session_id {_T} PRIMARY KEY, deployment_id {_T}, vault_ids text NOT NULL DEFAULT '[]',
    mcp_urls text NOT NULL DEFAULT '[]'
);
CREATE INDEX session_refs_deployment ON session_refs(deployment_id)
    WHERE deployment_id IS NOT NULL;
CREATE TABLE session_vaults (
    vault_id {_T} NOT NULL, session_id {_T} NOT NULL, PRIMARY KEY (vault_id, session_id)
);
CREATE INDEX session_vaults_session ON session_vaults(session_id);
CREATE TABLE vaults (
    id {_T} PRIMARY KEY, display_name {_T}, archived_at {_T}, created_at {_T},
    updated_at {_T}, raw text NOT NULL
);
CREATE TABLE vault_credentials (
    id {_T} PRIMARY KEY, vault_id {_T} NOT NULL, display_name {_T}, auth_type {_T},
    mcp_server_url {_T}, archived_at {_T}, updated_at {_T}, raw text NOT NULL, validation text,
    validated_at {_T}, problem {_T}
);
CREATE INDEX vault_credentials_vault ON vault_credentials(vault_id);
CREATE TABLE memory_stores (
    id {_T} PRIMARY KEY, name {_T}, archived_at {_T}, created_at {_T}, raw text NOT NULL
);
CREATE TABLE session_outcomes (
    session_id {_T} NOT NULL, outcome_id {_T} NOT NULL, description text,
    max_iterations bigint, iteration bigint, result {_T}, verdict {_T}, explanation text,
    defined_at {_T}, at {_T}, latest bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, outcome_id)
);
CREATE INDEX session_outcomes_verdict ON session_outcomes(verdict, session_id) WHERE latest = 1;
CREATE TABLE rule_audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, session_id {_T} NOT NULL,
    tool_use_id {_T} NOT NULL, rule {_T} NOT NULL, decision {_T} NOT NULL, tool {_T},
    agent {_T}, call text, rule_json text NOT NULL, outbox_id bigint, local_event_id {_T},
    decided_at {_T} NOT NULL, UNIQUE (session_id, tool_use_id)
);
CREATE INDEX rule_audit_decided ON rule_audit(decided_at);
CREATE TABLE rule_pause (
    id integer PRIMARY KEY CHECK (id = 1), paused_at {_T} NOT NULL, paused_by {_T}
);
"""


def _v3(conn: PgConn) -> None:
    """Deployments, vaults, memory stores, outcomes and answers by rule (SQLite's step 8), the
    sessions' references and outcomes back-filled from what is already mirrored."""
    from drover.store.outcomes import backfill_outcomes
    from drover.store.platform import backfill_refs

    conn.raw.execute(TABLES_V3)
    backfill_refs(conn)
    backfill_outcomes(conn)


# SQLite's v9 (`drover.store.outbox`, `drover.store.hub_status`): who took each action (the
# inserting role by default, which a viewer cannot set), one live answer per tool call, and
# the hub's heartbeat.
TABLES_V4 = f"""
ALTER TABLE outbox ADD COLUMN actor_role {_T} DEFAULT current_user;
ALTER TABLE outbox ADD COLUMN actor_name {_T};
ALTER TABLE outbox ADD COLUMN answer_ref {_T};
CREATE UNIQUE INDEX outbox_one_answer ON outbox(session_id, answer_ref)
    WHERE answer_ref IS NOT NULL AND state <> 'failed';
CREATE TABLE hub_status (
    name {_T} PRIMARY KEY, holder {_T} NOT NULL, started_at {_T} NOT NULL,
    heartbeat_at {_T} NOT NULL, following bigint NOT NULL DEFAULT 0,
    figures text NOT NULL DEFAULT '{{}}'
);
"""


def _v4(conn: PgConn) -> None:
    """Actors and one answer per tool call on the outbox; the hub's heartbeat (SQLite's 9)."""
    conn.raw.execute(TABLES_V4)


# SQLite's v10 (`drover.store.launches`): launches and their items, one row per item.
TABLES_V5 = f"""
CREATE TABLE launches (
    id {_T} PRIMARY KEY, name {_T}, spec text NOT NULL, source text, total bigint NOT NULL,
    state {_T} NOT NULL, created_at {_T} NOT NULL, updated_at {_T} NOT NULL, error text
);
CREATE TABLE launch_items (
    launch_id {_T} NOT NULL REFERENCES launches(id), idx bigint NOT NULL, item text NOT NULL,
    request text NOT NULL, state {_T} NOT NULL, session_id {_T}, error text,
    attempts bigint NOT NULL DEFAULT 0, updated_at {_T} NOT NULL, PRIMARY KEY (launch_id, idx)
);
CREATE INDEX launch_items_session ON launch_items(session_id);
CREATE INDEX launch_items_state ON launch_items(launch_id, state);
"""


def _v5(conn: PgConn) -> None:
    """Launches and their items (SQLite's step 10)."""
    conn.raw.execute(TABLES_V5)


def _v6(conn: PgConn) -> None:
    """The hot paths: `attention_rev` and the indexes of the fleet's orders, the header's
    counts and `after:` (SQLite's 11, `drover.store.hot_paths`)."""
    from drover.store.hot_paths import hot_path_schema

    for statement in hot_path_schema(POSTGRESQL):
        conn.execute(statement)


def _v7(conn: PgConn) -> None:
    """An event's text is stored once, as its `tsv` (SQLite's 12, `drover.store.pg.
    event_text`): `tsv` becomes a plain column written by the insert, and `text` is dropped
    (both instant: no row is rewritten, so existing rows keep the dropped text's bytes until
    something rewrites them, e.g. `VACUUM FULL`; new rows are without it)."""
    columns: dict[str, str] = dict(
        conn.execute(
            "SELECT column_name, is_generated FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'events'"
        ).fetchall()
    )
    if columns.get("tsv") == "ALWAYS":
        conn.execute("ALTER TABLE events ALTER COLUMN tsv DROP EXPRESSION")
    if "text" in columns:
        conn.execute("ALTER TABLE events DROP COLUMN text")


def _v8(conn: PgConn) -> None:
    """The cost ledger's request totals per session and indexes (SQLite's 13,
    `drover.store.ledger_schema`)."""
    from drover.store.ledger_schema import ledger_schema

    columns = {
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'sessions'"
        )
    }
    for statement in ledger_schema(POSTGRESQL, columns):
        conn.execute(statement)


def _v9(conn: PgConn) -> None:
    """The indexes PostgreSQL lacked for its hot paths (found by
    tests/store/test_pg_query_plans.py; `drover.store.ledger_schema.pg_plan_index_ddl`)."""
    from drover.store.ledger_schema import pg_plan_index_ddl

    for statement in pg_plan_index_ddl():
        conn.execute(statement)


def _v10(conn: PgConn) -> None:
    """The cost ledger's rollups per group, per day and per (day, group), kept by triggers
    (SQLite's 14, `drover.store.ledger_rollups`, `drover.store.ledger_windows`)."""
    from drover.store.ledger_rollups import ledger_rollup_ddl
    from drover.store.ledger_windows import ledger_window_ddl

    for statement in [*ledger_rollup_ddl(POSTGRESQL), *ledger_window_ddl(POSTGRESQL)]:
        conn.execute(statement)


MIGRATIONS: list[Callable[[PgConn], None]] = [
    _v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10,
]  # fmt: skip
SCHEMA_VERSION = len(MIGRATIONS)


def _version(conn: PgConn) -> int:
    try:
        row = conn.execute("SELECT version FROM schema_version").fetchone()
    except psycopg.errors.UndefinedTable:
        return 0
    return int(row[0]) if row else 0


def migrate(conn: PgConn) -> int:
    """Run the steps `conn`'s database lacks, as `drover.store.migrations.migrate` does for a
    file (one query when none is missing); returns the version it is at now.

    Raises:
        MirrorVersionError: a newer drover created these tables.
    """
    version = _version(conn)
    if version > SCHEMA_VERSION:
        raise MirrorVersionError(
            f"mirror schema version {version} is newer than this drover ({SCHEMA_VERSION}); "
            "upgrade drover or point it at another database"
        )
    for step in range(version, SCHEMA_VERSION):
        with conn.transaction(lock=WRITE_LOCK):
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)"
            )
            if _version(conn) > step:  # another process ran it while we waited for the lock
                continue
            MIGRATIONS[step](conn)
            conn.execute(
                "INSERT INTO schema_version(id, version) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                (step + 1,),
            )
    return SCHEMA_VERSION
