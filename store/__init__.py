"""The local SQLite mirror: schema and migrations, the single writer thread, idempotent ingest,
FTS5 search and the read queries behind every view.

Entry point: `drover.store.mirror.Mirror` (a `MirrorWriter` + a `MirrorReader` on one file).

Modules: `schema` (DDL, FTS triggers), `migrations` (user_version steps, connections),
`extract` (columns from wire JSON), `ingest` (idempotent event append), `state` + `derive`
(per-session state machine, needs-you rules), `daily` (per-day cost and request usage),
`objects` (agents/environments/sessions/threads), `outbox` (user actions), `imports` (loading
export files), `writer` (the thread), `reader` + `search` + `rollups` + `ledger` (queries;
`ledger` is the cost ledger), `models` (row dataclasses).

This package imports nothing from the rest of drover and never imports Textual.
"""
