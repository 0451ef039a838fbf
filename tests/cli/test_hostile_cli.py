"""`drover sync --until-idle` and `drover tail` against a hostile server.

Each payload is served by `hostile_server`'s proxy in front of a real sim: a history item
without `type`, a bare `42`, JSON nested 1,000 deep, a good event without an id as the newest,
and a `next_page` that repeats (the same, or a new one every time). Every good event is
mirrored, each bad item is quarantined (raw bytes and reason) and printed as its own line, and
neither command hangs. The oversize-line case runs `drover sync` as a process and measures its
peak memory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time

import pytest
from cli_support import DROVER, create_session, events, status, wait_for
from hostile_server import NO_TYPE, NOT_OBJECT, deep_item

from drover.config import mirror_path
from drover.store.extract import event_id
from drover.store.reader import MirrorReader

NO_ID = json.dumps(  # stamped in the future, too: it must not freeze the cursor there
    {
        "type": "agent.message",
        "processed_at": "2030-01-01T00:00:00.000Z",
        "content": [{"type": "text", "text": "the newest event has no id"}],
    }
).encode()
DEEP = deep_item()
BAD = {"no-type": NO_TYPE, "not-an-object": NOT_OBJECT, "deep": DEEP}
REASONS = {"no-type": "no `type`", "not-an-object": "not a JSON object", "deep": "too deep"}


@pytest.fixture
def hostile_sim(csim, hostile_factory, cli_env, monkeypatch):
    """A session on the sim (idle after its first turn) and the proxy the profile points at."""
    proxy = hostile_factory(csim)
    sid = create_session(csim, "general")
    wait_for(lambda: status(csim, sid) == "idle", what="the first turn")
    monkeypatch.setenv("ANTHROPIC_API_KEY", csim.api_key)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", proxy.base_url)
    return csim, proxy, sid


def _reader(cli_env) -> MirrorReader:
    return MirrorReader(mirror_path("default", cli_env["data"]))


@pytest.mark.parametrize(
    "case", [*BAD, "no-id-newest", "cursor-same", "cursor-new", "endless-line"]
)
def test_sync_and_tail_keep_the_good_events_and_quarantine_the_bad(
    hostile_sim, cli_env, drover, case
):
    sim, proxy, sid = hostile_sim
    if case in BAD:
        proxy.plan.inject[sid] = [BAD[case]]
    elif case == "no-id-newest":
        proxy.plan.inject[sid] = [NO_ID]
    elif case == "endless-line":
        proxy.plan.oversize[sid] = 1_600_000_000  # on the next stream open (tail's)
    else:
        proxy.plan.cursor = case.removeprefix("cursor-")
    started = time.monotonic()
    tail = drover("tail", sid, "--no-follow")
    assert tail.code == 0, tail.err
    synced = drover("sync", "--until-idle", "--timeout", "60")
    assert synced.code == 0, synced.err
    took = time.monotonic() - started
    reader = _reader(cli_env)
    try:
        mirrored = reader.event_ids(sid)
        assert {e["id"] for e in events(sim, sid)} <= mirrored, "every good event is mirrored"
        quarantined = reader.quarantined(sid)
        cursor = reader.cursor(sid)
    finally:
        reader.close()
    if case in BAD:
        [row] = quarantined
        assert row.raw == BAD[case] and REASONS[case] in row.reason
        assert f"quarantined a history item ({len(BAD[case])} bytes)" in tail.out
    else:
        assert quarantined == []
    if case == "no-id-newest":
        assert event_id(json.loads(NO_ID), sid, None) in mirrored
        assert cursor is not None and cursor.last_processed_at < "2030", "no future cursor"
        assert "the newest event has no id" in tail.out
    lists = len(proxy.reads(r"/v1/sessions(/[^/]+/events)?"))
    print(f"\n{case}: tail + sync --until-idle in {took:.1f}s, {lists} list requests")
    assert lists < 60


def _peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as status_file:
        for line in status_file:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def test_an_endless_line_is_dropped_recovered_from_history_and_memory_stays_bounded(
    hostile_sim, cli_env
):
    sim, proxy, sid = hostile_sim
    junk = 1_600_000_000  # characters without a newline (the report saw 1.57 GB take 2.1 GB RSS)
    proxy.plan.oversize[sid] = junk
    proc = subprocess.Popen(
        [str(DROVER), "sync", "--session", sid],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            try:
                peak[0] = max(peak[0], _peak_rss_mb(proc.pid))
            except OSError:
                return
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    log_path = cli_env["data"] / "drover.log"
    try:
        wait_for(
            lambda: log_path.exists() and "recovering it from history" in log_path.read_text(),
            timeout=60,
            what="the oversize frame to be dropped",
        )
        live_opens = len(proxy.reads(rf"/v1/sessions/{sid}/events/stream"))
        wait_for(
            lambda: len(proxy.reads(rf"/v1/sessions/{sid}/events/stream")) >= 2,
            what="the stream reopened",
        )
    finally:
        proc.send_signal(signal.SIGTERM)  # a service manager stopping it
        _out, err = proc.communicate(timeout=60)
        sampler.join()
    assert proc.returncode == 0, err
    reader = _reader(cli_env)
    try:
        assert {e["id"] for e in events(sim, sid)} <= reader.event_ids(sid)
    finally:
        reader.close()
    log = log_path.read_text()
    assert "stream frame over 134,217,728 characters dropped" in log
    print(
        f"\nendless line of {junk:,} characters: dropped at the cap, stream reopened "
        f"({live_opens}+ opens); peak RSS {peak[0]:.0f} MB; SIGTERM exit {proc.returncode}"
    )
    assert 0 < peak[0] < 500, "memory must stay bounded by the frame cap"
