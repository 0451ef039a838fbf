"""`drover pull`: chosen sessions copied from the shared PostgreSQL mirror into the local
SQLite file, readable there with no database; pulling again changes nothing; an unknown id or
an SQLite source is refused with nothing pulled."""

from __future__ import annotations

import json

from cli_support import create_session, status, wait_for

from drover.config import mirror_path
from drover.store.mirror import Mirror


def test_pull_copies_sessions_for_offline_review(on_sim, cli_env, drover, pg_url):
    wanted, other = (create_session(on_sim, "general") for _ in range(2))
    wait_for(lambda: {status(on_sim, s) for s in (wanted, other)} == {"idle"}, what="idle")
    assert drover("sync", "--until-idle", "--timeout", "30", "--store", pg_url).code == 0

    pulled = drover("pull", wanted, "--store", pg_url)
    assert pulled.code == 0, pulled.err
    local = mirror_path("default", cli_env["data"])
    assert pulled.out.startswith(f"pulled {wanted}: ") and str(local) in pulled.out

    with Mirror.open(pg_url) as shared, Mirror.open(local) as copy:
        assert [s.id for s in copy.reader.sessions()] == [wanted]  # only the chosen one
        ours = [(e.id, e.type) for e in copy.reader.iter_events(wanted)]
        theirs = [(e.id, e.type) for e in shared.reader.iter_events(wanted)]
        assert ours == theirs and ours
    listed = json.loads(drover("ls", "--offline", "--json").out)  # no --store: the local file
    assert [row["id"] for row in listed] == [wanted]
    tail = drover("tail", wanted, "--offline")
    assert tail.code == 0 and tail.out.strip()

    again = drover("pull", wanted, "--store", pg_url)
    assert again.code == 0 and "nothing new" in again.out


def test_pull_refuses_what_it_cannot_copy(cli_env, drover, pg_url):
    unknown = drover("pull", "sesn_nothere", "--store", pg_url)
    assert unknown.code == 1 and "not in the shared mirror: sesn_nothere" in unknown.err
    local = drover("pull", "sesn_nothere")
    assert local.code == 2 and "--store postgresql://" in local.err
    assert not mirror_path("default", cli_env["data"]).exists()
