"""`drover create`, `drover archive`, `drover delete`: the lifecycle from scripts, through the
engine's control plane (the TUI's path), with --yes and --json."""

from __future__ import annotations

import json

from cli_support import status, wait_for
from launch_support import agent_and_environment
from sim_http import api


def test_create_archive_delete_from_a_script(on_sim, drover):
    agent, env = agent_and_environment(on_sim)
    created = drover(
        "create", "--agent", agent, "--environment", env, "--title", "one", "-m", "hello",
        "--metadata", "team=web", "--budget-usd", "2", "--json",
    )  # fmt: skip
    assert created.code == 0, created.err
    session = json.loads(created.out)
    sid = session["id"]
    server = api(on_sim, "GET", f"/v1/sessions/{sid}")
    assert server["title"] == "one" and server["metadata"] == {"team": "web"}
    assert server["budget"]["max_list_cost"]["amount"] == "200"
    wait_for(lambda: status(on_sim, sid) == "idle", what="the first turn")

    plain = drover("create", "--agent", agent, "--environment", env)
    assert plain.code == 0 and plain.out.strip().startswith("sesn_")
    other = plain.out.strip()

    refused = drover("archive", sid)  # no terminal to ask on, no --yes
    assert refused.code == 2 and "add --yes" in refused.err
    assert api(on_sim, "GET", f"/v1/sessions/{sid}")["archived_at"] is None

    archived = drover("archive", sid, other, "--yes", "--json")
    assert archived.code == 0, archived.err
    assert json.loads(archived.out) == [
        {"id": sid, "archived": True},
        {"id": other, "archived": True},
    ]
    assert api(on_sim, "GET", f"/v1/sessions/{sid}")["archived_at"] is not None

    deleted = drover("delete", other, "sesn_nope", "--yes")
    assert deleted.code == 1
    assert f"deleted {other}" in deleted.out
    assert "delete sesn_nope refused: no such session on the server" in deleted.err

    shown = drover("ls", "--offline", "--archived", "--json")
    assert sid in {row["id"] for row in json.loads(shown.out)}
