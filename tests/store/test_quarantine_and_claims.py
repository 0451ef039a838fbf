"""Migration v7: quarantined items (kept once, shown as a row) and outbox claims (one owner)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from drover.store.migrations import MIGRATIONS, SCHEMA_VERSION, connect
from drover.store.mirror import Mirror
from drover.store.quarantine import QUARANTINE_TYPE, QuarantineItem

DEEP = b"[" * 1000 + b"]" * 1000


def _v6_file(path: Path) -> None:
    """A mirror as drover wrote it at schema v6, with an action left `sending` by a crash."""
    db = connect(path)
    conn = db.conn
    conn.execute("PRAGMA journal_mode = WAL")
    for version, step in enumerate(MIGRATIONS[:6], start=1):
        step(conn)
        conn.execute(f"PRAGMA user_version = {version}")
    conn.execute(
        "INSERT INTO outbox(session_id, kind, payload, state, created_at, updated_at) "
        "VALUES ('sesn_a', 'message', '{\"text\": \"hi\"}', 'sending', 'now', 'now')"
    )
    conn.close()


def test_v7_migrates_a_v6_file_and_its_ownerless_sending_row_can_be_taken_over(tmp_path):
    path = tmp_path / "old.db"
    _v6_file(path)
    with Mirror.open(path) as mirror:
        [row] = mirror.reader.outbox(unfinished=True)
        assert row.state == "sending" and row.owner is None
        claim = mirror.writer.submit("claim_action", row.id, "h:1:a", 9e9, take_over="")
        assert claim.result() == "sesn_a"
        assert mirror.reader.outbox()[0].owner == "h:1:a"
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 7
    check.close()


async def test_only_one_of_two_claims_wins(mirror_location):
    with Mirror.open(mirror_location) as mirror:
        writer = mirror.writer
        action = await writer.enqueue_action("sesn_a", "message", {"text": "once"})
        first = await writer.claim_action(action, "h:1:a", 9e9)
        second = await writer.claim_action(action, "h:2:b", 9e9)
        assert (first, second) == (True, False)
        stolen = await writer.claim_action(action, "h:2:b", 9e9, take_over="h:3:c")
        assert not stolen, "a takeover names the owner it replaces"
        assert await writer.claim_action(action, "h:2:b", 9e9, take_over="h:1:a")
        assert await writer.renew_leases("h:2:b", 1e10) == 1
        [row] = mirror.reader.outbox()
        assert (row.state, row.owner, row.lease_until, row.attempts) == (
            "sending",
            "h:2:b",
            1e10,
            1,
        )


async def test_a_quarantined_item_is_kept_once_and_shown_as_its_own_row(mirror_location):
    with Mirror.open(mirror_location) as mirror:
        writer, reader = mirror.writer, mirror.reader
        await writer.ingest(
            "sesn_a",
            [{"id": "sevt_1", "type": "agent.message", "processed_at": "2026-01-01T00:00:00Z"}],
        )
        items = [
            QuarantineItem(DEEP, "nested too deep to decode"),
            QuarantineItem(b'{"id":"sevt_2"}', "no `type`", event_id="sevt_2"),
        ]
        first = await writer.quarantine("sesn_a", items)
        again = await writer.quarantine("sesn_a", items)
        assert len(first) == 2 and again == []
        rows = reader.quarantined("sesn_a")
        assert [(r.raw, r.reason, r.size) for r in rows] == [
            (DEEP, "nested too deep to decode", 2000),
            (b'{"id":"sevt_2"}', "no `type`", 15),
        ]
        shown = [e for e in reader.transcript("sesn_a") if e.type == QUARANTINE_TYPE]
        assert [e.id for e in shown] == first
        assert shown[0].event["reason"] == "nested too deep to decode"
        assert reader.cursor("sesn_a").last_processed_at == "2026-01-01T00:00:00Z"
        assert reader.unaccounted_keys("sesn_a", ["sevt_1", "sevt_2", "sevt_3"]) == {"sevt_3"}


def test_processes_opening_a_new_mirror_at_once_migrate_it_once(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "new.db"
    script = (
        "import sys; from drover.store.migrations import connect, migrate; "
        "db = connect(sys.argv[1]); print(migrate(db))"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]  # fmt: skip
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _out, err in results]
    assert {out.strip() for out, _err in results} == {str(SCHEMA_VERSION)}
