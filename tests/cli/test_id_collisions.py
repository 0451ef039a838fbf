"""End to end: a server that reissues event ids already mirrored for another session (as a sim
restarted with the same seed once did). `drover sync` keeps the mirror's rows intact, records
the colliding events for the session missing them and says so, instead of silently mirroring
fewer events than the server has."""

from __future__ import annotations

import json
import sqlite3

from cli_support import create_session, events, status, wait_for

from drover.config import mirror_path


def _reissue_ids(sim, from_sid: str, to_sid: str, kind: str) -> list[str]:
    """Make the server hand out `from_sid`'s ids of `kind` events again, on `to_sid`'s."""

    def rewrite() -> list[str]:
        source = [e for e in sim.domain.record(from_sid).log.events() if e["type"] == kind]
        target = [e for e in sim.domain.record(to_sid).log.events() if e["type"] == kind]
        for old, new in zip(source, target, strict=False):
            new["id"] = old["id"]
        return [e["id"] for e in target[: len(source)]]

    return sim.call(rewrite)


def _mirror_rows(cli_env, sid: str) -> list[tuple]:
    with sqlite3.connect(mirror_path("default", cli_env["data"])) as conn:
        return conn.execute(
            "SELECT id, session_id, type, raw FROM events WHERE session_id = ? ORDER BY seq", (sid,)
        ).fetchall()


def test_sync_reports_ids_reissued_for_another_session(on_sim, cli_env, drover):
    first = create_session(on_sim, "general", title="first")
    wait_for(lambda: status(on_sim, first) == "idle", what="first idle")
    assert drover("sync", "--until-idle", "--timeout", "30").code == 0
    first_rows = _mirror_rows(cli_env, first)

    second = create_session(on_sim, "general", title="second")
    wait_for(lambda: status(on_sim, second) == "idle", what="second idle")
    reissued = _reissue_ids(on_sim, first, second, "agent.message")
    assert reissued

    synced = drover("sync", "--until-idle", "--timeout", "30")
    assert synced.code == 0, synced.err
    assert f"warning: {second}: {len(reissued)} event(s) not mirrored" in synced.err
    assert first in synced.err  # names the session holding the ids
    assert _mirror_rows(cli_env, first) == first_rows  # untouched
    mirrored = {row[0] for row in _mirror_rows(cli_env, second)}
    on_server = {e["id"] for e in events(on_sim, second)}
    assert on_server - mirrored == set(reissued)  # exactly the colliding ones are missing

    listed = {row["id"]: row for row in json.loads(drover("ls", "--json").out)}
    assert listed[second]["id_collisions"] == len(reissued)
    assert listed[first]["id_collisions"] == 0

    third = create_session(on_sim, "general", title="third")
    wait_for(lambda: status(on_sim, third) == "idle", what="third idle")
    clashes = _reissue_ids(on_sim, first, third, "session.status_running")
    as_json = drover("sync", "--until-idle", "--timeout", "30", "--json")
    assert as_json.code == 0, as_json.err
    lines = [json.loads(line) for line in as_json.out.splitlines() if line.startswith("{")]
    reported = [line for line in lines if line.get("event") == "id_collision"]
    assert reported == [
        {"event": "id_collision", "session_id": third, "new": len(clashes),
         "total": len(clashes), "stored_for": [first]}
    ]  # fmt: skip
    assert lines[-1]["event"] == "done" and lines[-1]["id_collisions"] == {third: len(clashes)}

    quiet = drover("sync", "--until-idle", "--timeout", "30")
    assert quiet.code == 0 and "warning" not in quiet.err  # each collision is reported once
