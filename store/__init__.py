"""The local SQLite mirror: schema and migrations, the single writer thread, idempotent ingest,
FTS5 search and the read queries behind every view.

Entry point: `drover.store.mirror.Mirror` (a `MirrorWriter` + a `MirrorReader` on one file).

Modules: `schema` (DDL, FTS triggers), `migrations` (user_version steps, connections),
`extract` (columns from wire JSON), `ingest` (idempotent event append), `state` + `derive`
(per-session state machine, needs-you rules), `objects` (agents/environments/sessions/threads),
`outbox` (user actions), `writer` (the thread), `reader` + `search` + `rollups` (queries),
`models` (row dataclasses).

This package imports nothing from the rest of drover and never imports Textual.
"""
