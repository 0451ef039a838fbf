"""`drover launch`, `drover launches`, `drover ls --launch`: a fleet from a template, the record,
a template saved and reused, mistakes caught before anything is created, and a launch
SIGKILLed halfway then resumed with no duplicate (a real subprocess, a real sim)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from cli_support import DROVER, run_drover, wait_for
from launch_support import agent_and_environment, recorded_created, recorded_launch, server_view
from sim_http import api

from drover.config.settings import load_config
from drover.sim.settings import FaultPlan


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_launch_over_a_file_of_urls_then_read_the_record(on_sim, drover, tmp_path):
    agent, env = agent_and_environment(on_sim)
    items = tmp_path / "prs.txt"
    pulls = [f"https://github.com/acme/web/pull/{n}" for n in (1, 2, 3)]
    items.write_text(f"{pulls[0]}\n\n# skipped\n{pulls[1]}\n{pulls[2]}\n")
    result = drover(
        "launch", "--agent", agent, "--environment", env, "--message", "Review {item}",
        "--title", "PR {n}", "--items", str(items), "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    final = _lines(result.out)[-1]
    assert final["event"] == "result" and final["state"] == "done" and final["created"] == 3
    launch_id = final["launch_id"]
    view = server_view(on_sim, launch_id)
    assert len(view.sessions) == 3 and view.duplicates == 0
    titles = sorted(s["title"] for s in view.sessions)
    assert titles == ["PR 1", "PR 2", "PR 3"]
    first = next(s for s in view.sessions if s["metadata"]["drover_item"] == "0")
    events = api(on_sim, "GET", f"/v1/sessions/{first['id']}/events",
                 params={"types[]": "user.message"})["data"]  # fmt: skip
    assert events[0]["content"][0]["text"] == "Review https://github.com/acme/web/pull/1"

    listing = drover("launches", "--json")
    assert listing.code == 0, listing.err
    (row,) = _lines(listing.out)[0]
    assert row["id"] == launch_id and row["state"] == "done" and row["items"] == {"created": 3}

    record = drover("launches", launch_id[:10], "--json")
    detail = _lines(record.out)[0]["items_detail"]
    assert detail[0]["item"]["item"] == "https://github.com/acme/web/pull/1"
    assert {d["session_id"] for d in detail} == {s["id"] for s in view.sessions}
    assert all(d["outcome"] in ("running", "done", "needs you") for d in detail)

    text = drover("launches", launch_id)
    assert f"launch {launch_id} · done · 3/3 sessions · $" in text.out
    assert "https://github.com/acme/web/pull/2" in text.out

    fleet = drover("ls", "--launch", launch_id, "--json", "--offline")
    assert {r["id"] for r in _lines(fleet.out)[0]} == {s["id"] for s in view.sessions}


def test_json_lines_fields_a_saved_template_and_a_dry_run(on_sim, drover, tmp_path, cli_env):
    agent, env = agent_and_environment(on_sim)
    items = tmp_path / "prs.jsonl"
    items.write_text('{"url": "u1", "repo": "web"}\n{"url": "u2", "repo": "api"}\n')
    saved = drover("launch", "--agent", agent, "--environment", env,
                   "--message", "Review {url} in {repo}", "--title", "{repo}: {url}",
                   "--metadata", "team={repo}", "--budget-usd", "1.5",
                   "--items", str(items), "--save-template", "review", "--json")  # fmt: skip
    assert saved.code == 0, saved.err
    template = load_config(cli_env["config"]).templates["review"]
    assert template.message == "Review {url} in {repo}" and template.budget_usd == 1.5
    assert template.metadata == {"team": "{repo}"}
    launch_id = _lines(saved.out)[-1]["launch_id"]
    view = server_view(on_sim, launch_id)
    assert sorted(s["metadata"]["team"] for s in view.sessions) == ["api", "web"]
    assert all(s["budget"]["max_list_cost"]["amount"] == "150" for s in view.sessions)

    before = api(on_sim, "GET", "/_sim/stats")["creates"]["requests"]
    dry = drover("launch", "--template", "review", "--items", str(items), "--dry-run", "--json")
    assert dry.code == 0, dry.err
    shown = _lines(dry.out)[0]
    assert shown["items"] == 2 and shown["title"] == "web: u1"
    assert shown["metadata"]["team"] == "web" and shown["metadata"]["drover_item"] == "0"
    assert api(on_sim, "GET", "/_sim/stats")["creates"]["requests"] == before


def test_mistakes_are_caught_before_anything_is_created(on_sim, drover, tmp_path):
    agent, env = agent_and_environment(on_sim)
    items = tmp_path / "prs.csv"
    items.write_text("url,repo\nu1,web\nu2,\n")
    before = api(on_sim, "GET", "/_sim/stats")["creates"]["requests"]
    missing = drover("launch", "--agent", agent, "--environment", env, "-m", "{url} {team}",
                     "--items", str(items))  # fmt: skip
    assert missing.code == 2
    assert "item 1: {team} is not a field of the item (it has {url}, {repo}, {n})" in missing.err
    unknown = drover("launch", "--agent", "nobody", "--environment", env, "-m", "x",
                     "--count", "3")  # fmt: skip
    assert unknown.code == 2 and "no agent 'nobody'" in unknown.err
    nothing = drover("launch", "--agent", agent, "--environment", env, "-m", "x")
    assert nothing.code == 2 and "--items FILE or --count N" in nothing.err
    no_template = drover("launch", "--template", "nope", "--count", "2")
    assert no_template.code == 2 and "no template 'nope'" in no_template.err
    assert api(on_sim, "GET", "/_sim/stats")["creates"]["requests"] == before


def test_a_launch_killed_halfway_resumes_without_duplicates(sim_factory, cli_env):
    """SIGKILL while creates are on the wire: the server made sessions the dead process never
    heard of. The resume reads them back by their tags, creates the rest, and the server's own
    log shows the create limit was never passed, across both processes."""
    limit = 60
    sim = sim_factory(rate_limit_create=limit)
    agent, env = agent_and_environment(sim)
    cli_env["config"].parent.mkdir(parents=True, exist_ok=True)
    cli_env["config"].write_text(
        f"[profiles.default]\ncreate_per_minute = {limit}\ncreate_burst = 2\n"
    )
    env_vars = {"ANTHROPIC_API_KEY": sim.api_key, "ANTHROPIC_BASE_URL": sim.base_url}
    # Each create is answered 0.8 s after the server made the session.
    sim.faults = FaultPlan(answer_latency_seconds=0.8)
    proc = subprocess.Popen(
        [str(DROVER), "launch", "--agent", agent, "--environment", env, "-m", "job {n}",
         "--count", "20", "--json"],
        env={**os.environ, **env_vars}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    launch_id = wait_for(lambda: recorded_launch(_mirror(cli_env)), what="the launch recorded")
    wait_for(lambda: len(server_view(sim, launch_id).sessions) >= 8, timeout=40,
             what="half the sessions")  # fmt: skip
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    time.sleep(1.0)  # creates that were on the wire land on the server
    made = len(server_view(sim, launch_id).sessions)
    recorded = recorded_created(_mirror(cli_env), launch_id)
    assert made > recorded, "some sessions exist that the killed process never recorded"

    listing = run_drover("launches", "--json", "--offline", env=env_vars)
    assert json.loads(listing.stdout)[0]["state"] == "interrupted"
    resumed = run_drover("launch", "--resume", launch_id, "--json", env=env_vars, timeout=90)
    assert resumed.returncode == 0, resumed.stderr
    final = _lines(resumed.stdout)[-1]
    assert final["state"] == "done" and final["created"] == 20
    assert final["found_already_created"] >= made - recorded
    view = server_view(sim, launch_id)
    assert len(view.sessions) == 20 and view.duplicates == 0
    assert sorted(view.by_item) == list(range(20))
    assert view.creates["throttled"] == 0 and view.peak() <= limit
    print(
        f"\nkilled at {recorded} recorded / {made} on the server; resumed to 20 sessions, "
        f"0 duplicates; create peak {view.peak()} per sliding minute (limit {limit})"
    )


def _mirror(cli_env) -> Path:
    return cli_env["data"] / "default" / "mirror.db"
