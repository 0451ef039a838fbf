"""The headline promise across processes: parallel `drover send`s deliver each message once.

Each round starts several real `drover send` processes on one profile (one mirror, one
outbox table) a moment apart, while the hostile proxy holds every ``POST …/events`` for two
seconds: the later processes start while the first one's POST is still on its way. Before
outbox rows had owners, a second process took every ``sending`` row for a crash leftover,
found nothing in the idle session's history and sent it again (3 out of 3 times).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter

from cli_support import DROVER, create_session, events, status, wait_for

from drover.config.paths import mirror_path
from drover.store.reader import MirrorReader

ROUNDS = int(os.environ.get("DROVER_TWO_PROCESS_ROUNDS", "4"))
PROCESSES = 3
POST_DELAY = 2.0


def _texts(sim, sid: str) -> Counter[str]:
    return Counter(
        "".join(b.get("text", "") for b in e.get("content", []))
        for e in events(sim, sid, "user.message")
    )


def test_parallel_sends_from_several_processes_deliver_each_message_once(
    csim, hostile_factory, cli_env
):
    proxy = hostile_factory(csim)
    sid = create_session(csim, "general")
    wait_for(lambda: status(csim, sid) == "idle", what="the first turn")
    proxy.plan.post_delay = POST_DELAY
    env = {**os.environ, "ANTHROPIC_API_KEY": csim.api_key, "ANTHROPIC_BASE_URL": proxy.base_url}
    sent: list[str] = []
    started = time.monotonic()
    for round_ in range(ROUNDS):
        procs = []
        for n in range(PROCESSES):
            text = f"round {round_} from process {n}"
            sent.append(text)
            procs.append(
                subprocess.Popen(
                    [str(DROVER), "send", sid, text, "--wait", "60"],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            time.sleep(0.7)  # the next one starts while this one's POST is held
        for proc in procs:
            _out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        wait_for(lambda: status(csim, sid) == "idle", timeout=60, what="the round's turns")
    counts = _texts(csim, sid)
    duplicates = {text: n for text, n in counts.items() if n > 1}
    missing = [text for text in sent if counts[text] == 0]
    print(
        f"\ntwo-process send: {ROUNDS} rounds x {PROCESSES} processes = {len(sent)} messages, "
        f"{len(duplicates)} duplicated, {len(missing)} missing, "
        f"{time.monotonic() - started:.0f}s"
    )
    assert not duplicates and not missing
    reader = MirrorReader(mirror_path("default", cli_env["data"]))
    try:
        assert Counter(row.state for row in reader.outbox(sid)) == {"sent": len(sent)}
    finally:
        reader.close()
