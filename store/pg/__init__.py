"""The PostgreSQL mirror: the same tables, queries and read API as the SQLite one, for a team.

One hub per organisation writes the mirror into PostgreSQL; every teammate's drover reads it.
Imported only when a mirror's location is a `postgresql://` URL (`drover.store.mirror.Mirror.open`),
so the embedded SQLite mirror never loads psycopg.

Modules: `conn` (psycopg behind the store's `Conn` shape: `?`/`:name` parameters, rows that
index by name), `schema` (tables, the `tsvector` search column, migrations in `schema_version`),
`writer` (the writer thread on PostgreSQL: a lock per batch, `NOTIFY` in the same transaction),
`listen` (change notices from other processes), `reader` (the read API), `search` (full-text
search with `tsquery`), `mirror` (opening all of it from a URL).

The query modules of `drover.store` run unchanged on it; what differs is in
`drover.store.dialect`.
"""
