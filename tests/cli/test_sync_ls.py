"""`drover sync` mirrors a small sim fleet; `drover ls` lists it, needing-you first."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

from cli_support import create_session, run_drover, status, wait_for

from drover.config import mirror_path


def _fleet(sim) -> dict[str, str]:
    ids = {
        "risky": create_session(sim, "risky-ops", ask="bash", title="encrypt the orders DB"),
        "escape": create_session(sim, "escape-artist", title="escapes"),
        "writer": create_session(sim, "general", title="plain work"),
    }
    for sid in ids.values():
        wait_for(lambda sid=sid: status(sim, sid) == "idle", what=f"{sid} idle")
    return ids


def _mirrored_events(cli_env, sid: str) -> int:
    path = mirror_path("default", cli_env["data"])
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path) as conn:
            query = "SELECT count(*) FROM events WHERE session_id = ?"
            return conn.execute(query, (sid,)).fetchone()[0]
    except sqlite3.OperationalError:  # the writer is still creating the schema
        return 0


def test_sync_until_idle_then_ls_shows_needs_you_first(on_sim, cli_env, drover):
    ids = _fleet(on_sim)
    synced = drover("sync", "--until-idle", "--timeout", "30")
    assert synced.code == 0, synced.err
    assert "caught up: 3 sessions" in synced.out
    for sid in ids.values():
        assert _mirrored_events(cli_env, sid) > 0

    table = drover("ls")
    assert table.code == 0, table.err
    lines = table.out.splitlines()
    assert lines[0].split()[:3] == ["STATUS", "ID", "TITLE"]
    assert ids["risky"] in lines[1] and "approve bash" in lines[1]
    assert "\x1b" not in table.out

    listed = json.loads(drover("ls", "--json").out)
    assert listed[0]["id"] == ids["risky"]
    assert listed[0]["needs_you"] == "requires_action" and len(listed[0]["pending_actions"]) == 1
    assert {row["id"] for row in listed} == set(ids.values())
    assert all(row["needs_you"] is None for row in listed[1:])

    only = json.loads(drover("ls", "--needs-you", "--json", "--offline").out)
    assert [row["id"] for row in only] == [ids["risky"]]


def test_sync_only_the_sessions_named(on_sim, cli_env, drover):
    wanted, other = create_session(on_sim, "general"), create_session(on_sim, "general")
    for sid in (wanted, other):
        wait_for(lambda sid=sid: status(on_sim, sid) == "idle")
    result = drover("sync", "--until-idle", "--session", wanted)
    assert result.code == 0, result.err
    assert _mirrored_events(cli_env, wanted) > 0
    assert _mirrored_events(cli_env, other) == 0


def test_sync_json_lines(on_sim, drover):
    create_session(on_sim, "general")
    result = drover("sync", "--until-idle", "--json", "--timeout", "30")
    assert result.code == 0, result.err
    records = [json.loads(line) for line in result.out.splitlines()]
    assert records[-1]["event"] == "done" and records[-1]["total"] > 0


def test_sync_follows_until_ctrl_c_and_keeps_what_it_mirrored(on_sim, cli_env):
    sid = create_session(on_sim, "general")
    wait_for(lambda: status(on_sim, sid) == "idle")
    proc = subprocess.Popen(
        [str(sys.executable), "-m", "drover.cli.main", "sync", "--debug"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while _mirrored_events(cli_env, sid) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)  # as Ctrl-C
        out, err = proc.communicate(timeout=20)
    log = (cli_env["data"] / "drover.log").read_text()
    assert _mirrored_events(cli_env, sid) > 0, (out, err, log)  # kept after the stop
    assert proc.returncode == 0, err
    assert "sync stopped (everything mirrored so far is kept)" in out
    assert "Traceback" not in err


def test_console_script_end_to_end(on_sim, cli_env):
    sid = create_session(on_sim, "risky-ops", ask="bash")
    wait_for(lambda: status(on_sim, sid) == "idle")
    synced = run_drover("sync", "--until-idle", env={})
    assert synced.returncode == 0, synced.stderr
    assert "caught up" in synced.stdout  # plain lines: stdout is a pipe
    listed = run_drover("ls", "--json", "--offline", env={})
    assert json.loads(listed.stdout)[0]["needs_you"] == "requires_action"


def test_a_mirror_refuses_a_second_account_with_one_clear_sentence(
    on_sim, cli_env, drover, sim_factory, monkeypatch
):
    create_session(on_sim, "general", title="account A's work")
    assert drover("sync", "--until-idle", "--timeout", "30").code == 0
    before = {row["id"] for row in json.loads(drover("ls", "--offline", "--json").out)}
    other = sim_factory(api_key="sk-ant-other-account")
    monkeypatch.setenv("ANTHROPIC_API_KEY", other.api_key)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", other.base_url)
    for argv in (["sync", "--until-idle", "--timeout", "30"], ["ls"]):
        refused = drover(*argv)
        assert refused.code == 1, refused.err
        assert refused.err.count("never mixes two accounts") == 1, refused.err
        assert on_sim.base_url in refused.err and other.base_url in refused.err
        assert "Traceback" not in refused.err
    after = {row["id"] for row in json.loads(drover("ls", "--offline", "--json").out)}
    assert after == before  # nothing of the other account reached the mirror
