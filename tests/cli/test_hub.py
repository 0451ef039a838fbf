"""`drover hub` as a process on a real PostgreSQL mirror, fed by the sim:

* a validly signed webhook wakes the hub at once (its session is mirrored long before the
  safety poll); a bad signature, a stale timestamp and a replayed webhook id are answered 400,
  logged as JSON with the reason, and nothing they name is ingested;
* the sim's own signed webhooks reach the hub and bring new sessions without a poll;
* `drover hub status` reads the heartbeat (followers, lag, reads/min, outbox depth);
* SIGTERM stops it cleanly: exit 0, the last heartbeat says stopped, status then fails.
"""

from __future__ import annotations

import time

import httpx
from cli_support import create_session, run_drover, wait_for
from hub_support import SECRET, HubProcess, hub_env, mirrored, post, webhook

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
