"""`drover hub` as a process on a real PostgreSQL mirror, fed by the sim:

* a validly signed webhook wakes the hub at once (its session is mirrored long before the
  safety poll); a bad signature, a stale timestamp and a replayed webhook id are answered 400,
  logged as JSON with the reason, and nothing they name is ingested;
* the sim's own signed webhooks reach the hub and bring new sessions without a poll;
* `drover hub status` reads the heartbeat (followers, lag, reads/min, outbox depth);
* a viewer with no key answers a call through the hub (`drover approve --store`); the session
  header's audit line says who allowed it and when;
* SIGTERM stops it cleanly: exit 0, the last heartbeat says stopped, status then fails.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
from cli_support import create_session, events, run_drover, status, wait_for
from hub_support import SECRET, HubProcess, hub_env, mirrored, post, webhook

from drover.store.mirror import Mirror
from drover.tui.widgets.session_header import outbox_line

QUIET = 2.0
"""Seconds a refused webhook is given to (wrongly) bring its session into the mirror."""


def _config(cli_env, poll_seconds: float = 600) -> None:
    cli_env["config"].parent.mkdir(parents=True, exist_ok=True)
    cli_env["config"].write_text(
        f"[profiles.default]\nread_per_minute = 600\n"
        f'[profiles.default.hub]\npoll_seconds = {poll_seconds}\nname = "team"\n'
    )


def test_webhooks_wake_the_hub_and_bad_ones_ingest_nothing(csim, cli_env, pg_url, tmp_path):
    _config(cli_env)
    hub = HubProcess(pg_url, hub_env(csim), tmp_path / "hub.log")
    try:
        hub.wait_healthy()
        # Created after the hub's first poll, and the next is 600 s away: only a webhook can
        # bring these into the mirror.
        forged, stale, replayed, woken = (create_session(csim, "general") for _ in range(4))
        bad_key = "whsec_" + "QkFEa2V5QkFEa2V5QkFEa2V5"
        assert post(hub, webhook("session.created", forged, secret=bad_key)) == 400
        old = time.time() - 600
        assert post(hub, webhook("session.created", stale, at=old)) == 400
        first = webhook("session.created", woken, message_id="msg_once")
        assert post(hub, first) == 204
        wait_for(lambda: mirrored(pg_url, woken), timeout=10, what="the woken session")
        assert post(hub, first) == 400  # the same delivery again
        again = webhook("session.created", replayed, message_id="msg_once")
        assert post(hub, again) == 400  # a new body under a seen id
        time.sleep(QUIET)
        for refused in (forged, stale, replayed):
            assert not mirrored(pg_url, refused), f"{refused} was ingested from a refused webhook"

        refusals = [line for line in hub.log_lines() if line["msg"].startswith("webhook refused")]
        assert sorted(line["reason"] for line in refusals) == sorted([
            "no matching signature", "stale webhook-timestamp (older than the tolerance)",
            "replayed webhook-id", "replayed webhook-id",
        ])  # fmt: skip
        health = httpx.get(f"{hub.url}/healthz", timeout=5).json()
        assert health["webhooks"]["accepted"] == 1
        assert sum(health["webhooks"]["refused"].values()) == 4

        # The sim signs its own webhooks now: a new session arrives with no poll.
        reply = httpx.post(
            f"{csim.base_url}/_sim/webhooks", headers=csim.headers,
            json={"url": f"{hub.url}/webhooks", "secret": SECRET}, timeout=5,
        )  # fmt: skip
        reply.raise_for_status()
        polls = httpx.get(f"{hub.url}/healthz", timeout=5).json()["polls"]
        pushed = create_session(csim, "general")
        wait_for(lambda: mirrored(pg_url, pushed), timeout=10, what="the sim's webhook")
        assert httpx.get(f"{hub.url}/healthz", timeout=5).json()["polls"] == polls

        status = run_drover("hub", "status", "--store", pg_url, env={})
        assert status.returncode == 0, status.stderr
        assert "hub team on" in status.stdout and ": following," in status.stdout
        for topic in ("followers", "lag", "reads", "outbox", "webhooks"):
            assert f"\n  {topic} " in status.stdout, status.stdout
    finally:
        code = hub.stop()
    assert code == 0, hub.read_log()
    events = [line["event"] for line in hub.log_lines() if "event" in line]  # all JSON lines
    assert events[0] == "hub_started" and events[-1] == "hub_stopped"
    after = run_drover("hub", "status", "--store", pg_url, env={})
    assert after.returncode == 1 and ": stopped," in after.stdout


def test_a_viewer_answers_through_the_hub_with_no_key(
    csim, cli_env, drover, pg_url, tmp_path, monkeypatch
):
    _config(cli_env, poll_seconds=1)
    hub = HubProcess(pg_url, hub_env(csim), tmp_path / "hub.log")
    try:
        hub.wait_healthy()
        sid = create_session(csim, "risky-ops", ask="bash")
        wait_for(lambda: status(csim, sid) == "idle", what="the call waiting")
        wait_for(lambda: _waiting(pg_url, sid), timeout=15, what="the hub mirroring the call")
        monkeypatch.setenv("DROVER_DISPLAY_NAME", "Ana")
        # cli_env took the key and the base URL away: this drover can only use the mirror.
        approved = drover("approve", sid, "--store", pg_url, "--wait", "20")
        assert approved.code == 0, approved.err
        assert approved.out.startswith(f"sent tool_confirmation to {sid}: sevt_")
        with Mirror.open(pg_url) as mirror:
            rows = tuple(mirror.reader.outbox(sid))
        assert [(r.actor_name, r.actor_role, r.state) for r in rows] == [("Ana", "drover", "sent")]
        queued_at = datetime.strptime(rows[0].created_at, "%Y-%m-%dT%H:%M:%S.%fZ")
        audit = outbox_line(rows, queued_at.replace(tzinfo=UTC) + timedelta(seconds=3))
        assert audit == "actions: allow by Ana (drover) 3s ago ✓ sent", audit
        unknown = drover("send", "sesn_nothere", "hi", "--store", pg_url)
        assert unknown.code == 1 and "sesn_nothere" in unknown.err
    finally:
        assert hub.stop() == 0, hub.read_log()
    sent = [e for e in events(csim, sid, "user.tool_confirmation")]
    assert len(sent) == 1 and sent[0]["result"] == "allow"


def _waiting(store: str, sid: str) -> bool:
    with Mirror.open(store) as mirror:
        row = mirror.reader.session(sid)
        return row is not None and row.needs_you == "requires_action"
