"""Who owns an outbox row: this process, a live one, or a dead one (whose row may be taken)."""

from __future__ import annotations

import subprocess
import sys
import time

from drover.sync.process_owner import ProcessOwner, owner_alive


def test_identities_round_trip_and_this_process_is_alive():
    me = ProcessOwner.current()
    assert ProcessOwner.parse(str(me)) == me
    assert ProcessOwner.parse("host-with:colons:12:abcd") == ProcessOwner(
        "host-with:colons", 12, "abcd"
    )
    assert ProcessOwner.parse("garbage") is None
    assert owner_alive(str(me), 0.0, now=time.time())  # our own claims never lapse for us


def test_a_dead_pid_on_this_host_is_dead_at_once_and_a_lapsed_lease_is_dead_anywhere():
    now = time.time()
    me = ProcessOwner.current()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = f"{me.host}:{child.pid}:beef"
    live_elsewhere = "some-other-host:1:beef"
    assert not owner_alive(dead, now + 30, now=now)
    assert owner_alive(live_elsewhere, now + 30, now=now)
    assert not owner_alive(live_elsewhere, now - 1, now=now)
    assert not owner_alive(None, now + 30, now=now) and not owner_alive("", None, now=now)
