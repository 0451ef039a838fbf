"""The viewers' role on a real PostgreSQL server: with `drover hub grants` applied, a
teammate's login can read the whole mirror and queue actions (recorded as theirs), and nothing
else: no update, delete or insert anywhere but the outbox's allowed columns, no other actor's
name in the role column, no new tables."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import psycopg
import pytest

from drover.store.mirror import Mirror
from drover.store.pg.roles import viewer_grants
from drover.store.pg.schema import SCHEMA_VERSION

pytestmark = pytest.mark.usefixtures("pg_cluster")


def _as(url: str, user: str) -> str:
    return url.replace("postgresql://drover@", f"postgresql://{quote(user)}@", 1)


def test_a_viewer_role_reads_and_queues_actions_and_can_do_nothing_else(pg_cluster, pg_url):
    schema = pg_url.split("search_path%3D", 1)[1].split("%2C", 1)[0]
    role, login = f"viewers_{uuid.uuid4().hex[:8]}", f"ana_{uuid.uuid4().hex[:8]}"
    with Mirror.open(pg_url) as hub:  # the hub's role creates and owns the tables
        hub.writer.submit(
            "upsert_sessions", [{"id": "sesn_a", "title": "t", "status": "idle"}]
        ).result()
    pg_cluster.execute(viewer_grants(role, schema))
    pg_cluster.execute(f"CREATE ROLE {login} LOGIN IN ROLE {role}")
    viewer_url = _as(pg_url, login)

    with Mirror.open(viewer_url) as viewer:  # what a viewer's drover does
        assert [s.id for s in viewer.reader.sessions()] == ["sesn_a"]
        action = viewer.writer.submit(
            "enqueue_action", "sesn_a", "message", {"text": "hi"}, actor_name="Ana"
        ).result()
        [row] = viewer.reader.outbox("sesn_a")
        assert (row.id, row.actor_role, row.actor_name) == (action, login, "Ana")
        assert viewer.reader.hub_status() == []

    forbidden = [
        f"UPDATE outbox SET state = 'sent' WHERE id = {action}",
        f"DELETE FROM outbox WHERE id = {action}",
        "UPDATE sessions SET title = 'x'",
        "DELETE FROM sessions",
        "INSERT INTO sessions(id) VALUES ('sesn_b')",
        "INSERT INTO outbox(session_id, kind, payload, created_at, updated_at, actor_role) "
        "VALUES ('sesn_a', 'message', '{}', 'x', 'x', 'someone_else')",
        "INSERT INTO outbox(session_id, kind, payload, created_at, updated_at, state) "
        "VALUES ('sesn_a', 'message', '{}', 'x', 'x', 'sent')",
        "CREATE TABLE mine (x int)",
        "TRUNCATE events",
        f"UPDATE schema_version SET version = {SCHEMA_VERSION + 1}",
    ]
    with psycopg.connect(viewer_url, autocommit=True) as conn:
        for sql in forbidden:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)  # type: ignore[arg-type]
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (1,)
