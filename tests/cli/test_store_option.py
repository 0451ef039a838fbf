"""`--store` and a profile's `store`: the commands on a team's shared PostgreSQL mirror, with
no file written under the data dir; passwords are refused; an unreachable server is one clear
sentence."""

from __future__ import annotations

import json

import pytest
from cli_support import create_session, status, wait_for

from drover.config import mirror_path


def test_sync_then_offline_reads_on_a_shared_mirror(on_sim, cli_env, drover, pg_url):
    sid = create_session(on_sim, "risky-ops", ask="bash", title="encrypt the orders DB")
    wait_for(lambda: status(on_sim, sid) == "idle", what=f"{sid} idle")

    synced = drover("sync", "--until-idle", "--timeout", "30", "--store", pg_url)
    assert synced.code == 0, synced.err
    assert not mirror_path("default", cli_env["data"]).exists()  # nothing local

    listed = json.loads(drover("ls", "--offline", "--json", "--store", pg_url).out)
    assert [row["id"] for row in listed] == [sid]
    assert listed[0]["needs_you"] == "requires_action"
    hits = drover("search", "type:tool_use", "--json", "--store", pg_url)
    assert hits.code == 0, hits.err
    assert sid in hits.out
    assert drover("cost", "--json", "--store", pg_url).code == 0


def test_a_profile_store_in_the_config_is_used(cli_env, drover, pg_url):
    from drover.store.mirror import Mirror

    with Mirror.open(pg_url) as mirror:
        mirror.writer.submit("upsert_sessions", [{"id": "sesn_shared", "title": "shared run",
                                                  "status": "idle"}]).result()  # fmt: skip
    cli_env["config"].parent.mkdir(parents=True, exist_ok=True)
    cli_env["config"].write_text(f'[profiles.default]\nstore = "{pg_url}"\n')
    listed = json.loads(drover("ls", "--offline", "--json").out)
    assert [row["id"] for row in listed] == ["sesn_shared"]


@pytest.mark.parametrize(
    "store", ["postgresql://ops:hunter2@hub/drover", "postgresql://hub/drover?password=hunter2"]
)
def test_a_password_in_the_store_is_refused(cli_env, drover, store):
    result = drover("ls", "--offline", "--store", store)
    assert result.code == 2
    assert "PGPASSWORD" in result.err and "hunter2" not in result.err + result.out


@pytest.mark.parametrize("command", ["ls", "import"])
def test_an_unreachable_store_is_one_sentence(cli_env, drover, tmp_path, command):
    export = tmp_path / "run.jsonl"
    export.write_text("{}\n")
    argv = ["ls", "--offline"] if command == "ls" else ["import", str(export)]
    result = drover(*argv, "--store", f"postgresql://nobody@/none?host={tmp_path}")
    assert result.code == 1
    assert result.err.startswith("drover: cannot reach the mirror at postgresql://nobody@/none")
    assert "hint:" in result.err and "Traceback" not in result.err
