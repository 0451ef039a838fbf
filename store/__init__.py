"""The mirror: schema and migrations, the single writer thread, idempotent ingest, full-text
search and the read queries behind every view — in a local SQLite file by default, or in a
team's shared PostgreSQL database (`pg`, loaded only for a `postgresql://` location).

Entry point: `drover.store.mirror.Mirror.open(location)` (a writer + a reader on one mirror);
the layers above type against `api` (`MirrorReads`, `MirrorWrites`), never a backend.

Modules: `api` (the interfaces), `location` + `backends` (where a mirror is; opening a reader
there), `dialect` (the `Conn` shape every query takes, and the SQL that differs between the
backends), `schema` (DDL, FTS triggers), `migrations` (user_version steps, connections),
`extract` (columns from wire JSON), `ingest` (idempotent event append), `state` + `derive`
(per-session state machine, needs-you rules), `daily` (per-day cost and request usage),
`objects` (agents/environments/sessions/threads), `outbox` (user actions), `imports` (loading
export files), `writer` (the thread), `reader` + `search` + `rollups` + `ledger` (queries;
`ledger` is the cost ledger), `models` (row dataclasses), `pg` (the PostgreSQL backend).

This package imports nothing from the rest of drover and never imports Textual.
"""
