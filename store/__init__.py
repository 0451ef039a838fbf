"""The local SQLite mirror: schema and migrations, the single writer thread, idempotent ingest,
FTS5 search and the read queries behind every view."""
