"""`drover doctor` checks the mirror; `--repair` rebuilds a damaged one from the sim, keeping
what the server cannot give back (imported sessions, undelivered actions) where the old file
can still be read."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from cli_support import create_session, events, run_drover, status, wait_for

from drover.config import mirror_path
from drover.store.migrations import SCHEMA_VERSION
from drover.store.mirror import Mirror

HINT = "  hint: `drover doctor --repair` moves it aside and rebuilds it from the server"


def _finished(sim, n: int, name: str = "run") -> list[str]:
    ids = [create_session(sim, "general", title=f"{name} {i}") for i in range(n)]
    for sid in ids:
        wait_for(lambda sid=sid: status(sim, sid) == "idle", what=f"{sid} idle")
    return ids


def _ids(path: Path, sid: str) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT id FROM events WHERE session_id = ?", (sid,)).fetchall()
    return {row[0] for row in rows}


def _overwrite_root_page(path: Path, table: str) -> None:
    """Damage one table the rebuild does not need to read (its root page becomes garbage)."""
    with sqlite3.connect(path) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
        page = root.fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as f:
        f.seek((page - 1) * size)
        f.write(b"\xa5" * size)


def test_a_healthy_mirror_checks_out(on_sim, cli_env, drover):
    _finished(on_sim, 1)
    assert drover("sync", "--until-idle", "--timeout", "30").code == 0
    result = drover("doctor")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("mirror   ") and f"schema {SCHEMA_VERSION})" in lines[0]
    assert lines[1] == "ok       integrity check passed"
    assert lines[2].startswith("ok       ") and lines[2].endswith(" events in 1 session")
    assert lines[3:] == ["ok       every row stored compressed", "ok       file mode 600"]
    assert json.loads(drover("doctor", "--json").out)["ok"] is True
    assert drover("doctor", "--repair").out.endswith("nothing to repair\n")


def test_repair_rebuilds_from_the_server_and_keeps_imports_and_queued_actions(
    on_sim, sim_factory, cli_env, drover, tmp_path
):
    ids = _finished(on_sim, 3)
    assert drover("sync", "--until-idle", "--timeout", "30").code == 0
    # A session imported from another server's export: the rebuild cannot fetch it.
    other = sim_factory(seed=4242)  # other ids than on_sim's
    foreign = _finished(other, 1, "foreign")[0]
    elsewhere = tmp_path / "elsewhere"
    other_env = ["--data-dir", str(elsewhere), "--base-url", other.base_url]
    assert drover("sync", "--until-idle", *other_env, "--api-key", other.api_key).code == 0
    export = tmp_path / "foreign.jsonl"
    assert drover("export", foreign, "-o", str(export), "--data-dir", str(elsewhere)).code == 0
    assert drover("import", str(export)).code == 0
    path = mirror_path("default", cli_env["data"])
    imported_ids = _ids(path, foreign)
    assert foreign not in ids and imported_ids
    with Mirror.open(path) as mirror:  # an action queued while offline, never delivered
        mirror.writer.submit("enqueue_action", ids[0], "message", {"text": "later"}).result()

    _overwrite_root_page(path, "daily_usage")
    checked = drover("doctor")
    assert checked.code == 1
    assert checked.err.splitlines() == [checked.err.splitlines()[0], HINT]
    assert checked.err.startswith(f"drover: the mirror {path} is damaged (")

    repaired = drover("doctor", "--repair")
    assert repaired.code == 0, repaired.err
    lines = repaired.out.splitlines()
    aside = next(path.parent.glob("mirror.db.damaged-*"))
    assert lines[1] == f"moved the damaged mirror aside: {aside}"
    assert "kept 1 of 1 imported sessions" in lines, repaired.out + repaired.err
    assert "kept 1 undelivered actions (the next sync sends them)" in lines
    assert "rebuilding 3 sessions (the old mirror's sessions) from the server…" in lines
    assert lines[-1].startswith(f"rebuilt 3 sessions from {on_sim.base_url}: ")

    assert drover("doctor").code == 0  # healthy again
    for sid in ids:  # every event the server has, back in the mirror
        assert _ids(path, sid) == {e["id"] for e in events(on_sim, sid)}
    assert _ids(path, foreign) == imported_ids
    with sqlite3.connect(path) as conn:
        origin = conn.execute("SELECT origin FROM sessions WHERE id = ?", (foreign,)).fetchone()
        queued = conn.execute("SELECT session_id, kind, state FROM outbox").fetchall()
    assert origin == ("import",)
    assert queued == [(ids[0], "message", "queued")]


def test_repair_of_an_unreadable_file_rebuilds_every_session_on_the_server(on_sim, cli_env, drover):
    ids = _finished(on_sim, 2)
    assert drover("sync", "--until-idle", "--timeout", "30").code == 0
    path = mirror_path("default", cli_env["data"])
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    with path.open("r+b") as f:
        f.write(b"garbage, not a header")
    repaired = drover("doctor", "--repair")
    assert repaired.code == 0, repaired.err
    assert "rebuilding 2 sessions (every session on the server) from the server…" in repaired.out
    for sid in ids:
        assert _ids(path, sid) == {e["id"] for e in events(on_sim, sid)}
    assert drover("ls", "--offline").code == 0


def _store_plain(path: Path) -> int:
    """Rewrite every row as plain JSON text, as a drover before v14 stored it."""
    from drover.store.event_raw import raw_json
    from drover.store.migrations import connect

    conn = connect(path).conn
    conn.create_function("plain", 1, raw_json, deterministic=True)
    n = conn.execute("UPDATE events SET raw = plain(raw)").rowcount
    conn.execute("UPDATE sessions SET raw = plain(raw) WHERE raw IS NOT NULL")
    conn.close()
    return n


def test_doctor_counts_plain_rows_and_compact_deflates_them(on_sim, cli_env, drover):
    sid = _finished(on_sim, 1)[0]
    assert drover("sync", "--until-idle", "--timeout", "30").code == 0
    path = mirror_path("default", cli_env["data"])
    plain = _store_plain(path)
    assert plain > 0
    every = ("search", "--session", sid, "--limit", "10000", "--json")
    found = drover(*every).out
    assert len(json.loads(found)) == plain  # every event, its snippet and tool

    lines = drover("doctor").out.splitlines()
    assert (
        f"ok       {plain:,} events and 1 session stored uncompressed (about 0 MB to gain)" in lines
    )
    assert drover("doctor", "--vacuum").code != 0  # only with --compact

    done = drover("doctor", "--compact", "--vacuum", "--json")
    assert done.code == 0, done.err
    report = json.loads(done.out)
    assert (report["plain_events"], report["compacted_events"]) == (plain, plain)
    assert report["compacted_sessions"] == 1 and report["vacuum_seconds"] is not None
    assert drover(*every).out == found
    assert _ids(path, sid) == {e["id"] for e in events(on_sim, sid)}
    assert "ok       every row stored compressed" in drover("doctor").out.splitlines()
    again = json.loads(drover("doctor", "--compact", "--json").out)
    assert (again["plain_events"], again["compacted_events"]) == (0, 0)


def test_the_hint_to_compact_shows_when_it_is_worth_it(tmp_path, capsys):
    from drover.cli.cmd_doctor import COMPACT_HINT, _report_plain
    from drover.store.health import MirrorCheck

    _report_plain(MirrorCheck(tmp_path, 0, plain_events=1_000, plain_sessions=10))
    assert COMPACT_HINT not in capsys.readouterr().out
    _report_plain(MirrorCheck(tmp_path, 0, plain_events=1_000_000, plain_sessions=10_000))
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "warn     1,000,000 events and 10,000 sessions stored uncompressed (about 200 MB to gain)",
        f"  {COMPACT_HINT}",
    ]


def test_an_interrupted_compaction_keeps_its_batches_and_continues(tmp_path):
    import signal
    import subprocess
    import time

    from cli_support import DROVER

    from drover.store.compact import BATCH_ROWS
    from drover.store.migrations import connect, migrate

    data = tmp_path / "data"
    path = mirror_path("default", data)
    path.parent.mkdir(parents=True)
    db = connect(path)
    migrate(db, upto=13)  # written by a drover before v14: plain rows
    n = 5 * BATCH_ROWS
    rows = [
        (f"sevt_{i}", "user.message", json.dumps({"type": "user.message", "id": f"sevt_{i}",
         "content": [{"type": "text", "text": f"feed the ocelot {i}"}]}))
        for i in range(n)
    ]  # fmt: skip
    db.conn.execute("BEGIN")
    db.conn.executemany(
        "INSERT INTO events(id, session_id, type, raw) VALUES (?, 'sesn_1', ?, ?)", rows
    )
    db.conn.execute("COMMIT")
    db.conn.close()
    argv = [str(DROVER), "doctor", "--compact", "--json", "--data-dir", str(data)]
    run = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    done = 0
    while done == 0 and time.monotonic() < deadline and run.poll() is None:
        with sqlite3.connect(path) as conn:
            done = conn.execute(
                "SELECT count(*) FROM events WHERE typeof(raw) = 'blob'"
            ).fetchone()[0]
        time.sleep(0.005)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=30)
    assert run.returncode == 130, out + err
    assert "drover doctor --compact` continues from there" in err
    with sqlite3.connect(path) as conn:
        kept = conn.execute("SELECT count(*) FROM events WHERE typeof(raw) = 'blob'").fetchone()[0]
    assert 0 < kept < n and kept % BATCH_ROWS == 0  # whole batches: the one under way rolled back

    rest = json.loads(run_drover("doctor", "--compact", "--json", "--data-dir", str(data),
                                 env={}).stdout)  # fmt: skip
    assert (rest["plain_events"], rest["compacted_events"]) == (n - kept, n - kept)
    with Mirror.open(path) as mirror:
        assert len(mirror.reader.search("ocelot", limit=n)) == n
