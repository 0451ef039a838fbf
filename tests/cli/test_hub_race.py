"""The double-answer race: two viewer processes (Ana allows, Bo denies) answer the same
`requires_action` at the same moment, `ROUNDS` times, through a real hub on PostgreSQL.

Each time exactly one answer is queued and the other is refused with who won ("already
allowed by Ana (role) 0s ago"); the server receives exactly one confirmation per tool call,
with the winner's verdict; every outbox row is sent and records who took it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from cli_support import create_session, wait_for
from hub_support import HubProcess, hub_env
from sim_http import api

from drover.store.mirror import Mirror

ROUNDS = int(os.environ.get("DROVER_RACE_ROUNDS", "200"))
WORKER = Path(__file__).with_name("race_viewer.py")


def _viewer(name: str, deny: bool, env: dict[str, str]) -> subprocess.Popen[str]:
    viewer_env = {k: v for k, v in env.items() if k != "ANTHROPIC_API_KEY"}  # no key at all
    viewer_env["DROVER_DISPLAY_NAME"] = name
    argv = [sys.executable, str(WORKER), *(["--deny"] if deny else [])]
    proc = subprocess.Popen(
        argv, env=viewer_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _pending(sim, sid: str, answered: set[str]) -> str | None:
    """The tool call the server waits on now (None: none yet)."""
    params = [("types[]", "session.status_idle"), ("order", "desc"), ("limit", "1")]
    page = api(sim, "GET", f"/v1/sessions/{sid}/events", params=params)
    for idle in page["data"]:
        stop = idle.get("stop_reason") or {}
        for ref in stop.get("event_ids") or ():
            if ref not in answered:
                return str(ref)
    return None


def test_two_viewers_answer_the_same_call_and_one_answer_is_delivered(
    csim, cli_env, pg_url, tmp_path
):
    cli_env["config"].parent.mkdir(parents=True, exist_ok=True)
    cli_env["config"].write_text(
        f'[profiles.default]\nstore = "{pg_url}"\nread_per_minute = 6000\n'
    )
    env = hub_env(csim)
    hub = HubProcess(pg_url, env, tmp_path / "hub.log")
    viewers: list[subprocess.Popen[str]] = []
    try:
        hub.wait_healthy()
        viewers = [_viewer("Ana", False, env), _viewer("Bo", True, env)]
        sid = create_session(csim, "ask-loop", ask="bash")
        answered: set[str] = set()
        winners: dict[str, str] = {}
        started = time.monotonic()
        for _ in range(ROUNDS):
            ref = wait_for(lambda: _pending(csim, sid, answered), timeout=30, what="a call")
            for viewer in viewers:  # both at once: neither waits for the other's answer
                assert viewer.stdin is not None
                viewer.stdin.write(f"{sid} {ref}\n")
                viewer.stdin.flush()
            answers = [json.loads(v.stdout.readline()) for v in viewers]  # type: ignore[union-attr]
            queued = [name for name, a in zip(("Ana", "Bo"), answers, strict=True) if "queued" in a]
            assert len(queued) == 1, answers
            winner = queued[0]
            [lost] = [a["taken"] for a in answers if "taken" in a]
            verb = "allowed" if winner == "Ana" else "denied"
            assert lost.startswith(f"already {verb} by {winner} ("), lost
            assert lost.endswith("s ago"), lost
            winners[ref] = winner
            answered.add(ref)
        elapsed = time.monotonic() - started
        confirmations = wait_for(
            lambda: (c := _confirmations(csim, sid)) and len(c) >= ROUNDS and c,
            timeout=30, what="every answer delivered",
        )  # fmt: skip
    finally:
        for viewer in viewers:
            viewer.stdin.close()  # type: ignore[union-attr]
            viewer.wait(timeout=30)
        code = hub.stop()
    assert code == 0, hub.read_log()

    per_call = Counter(c["tool_use_id"] for c in confirmations)
    assert set(per_call) == set(winners) and set(per_call.values()) == {1}
    for c in confirmations:
        assert c["result"] == ("allow" if winners[c["tool_use_id"]] == "Ana" else "deny")
    with Mirror.open(pg_url) as mirror:
        rows = mirror.reader.outbox(sid)
    assert len(rows) == ROUNDS and {r.state for r in rows} == {"sent"}
    assert {r.answer_ref: r.actor_name for r in rows} == winners
    wins = Counter(winners.values())
    print(
        f"\ndouble-answer race: {ROUNDS} calls answered by 2 viewer processes at once in "
        f"{elapsed:.0f}s; delivered exactly once each ({wins['Ana']} won by Ana, {wins['Bo']} "
        f"by Bo); {ROUNDS} losers told who won"
    )


def _confirmations(sim, sid: str) -> list[dict]:
    params = [("types[]", "user.tool_confirmation"), ("limit", "1000")]
    return api(sim, "GET", f"/v1/sessions/{sid}/events", params=params)["data"]
