"""`drover tail`: transcript from the mirror, followed live, agent text printed inertly."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time

import httpx
from cli_support import DROVER, api, create_session, status, wait_for

_ESCAPES = ("\x1b", "\x07", "\x9b")


def _escape_session(sim) -> str:
    sid = create_session(sim, "escape-artist", title="title with \x1b]0;owned\x07 escapes")
    wait_for(lambda: status(sim, sid) == "idle")
    return sid


def test_tail_prints_agent_escape_sequences_inertly(on_sim, drover):
    sid = _escape_session(on_sim)
    result = drover("tail", sid, "--no-follow")
    assert result.code == 0, result.err
    assert not any(c in result.out for c in _ESCAPES)
    assert "␛]0;pwned-title␇" in result.out and "␛[31mRED␛[0m" in result.out
    assert "␛[2J" in result.out and "\\x9b6n" in result.out
    assert "␛]0;owned␇" in result.out  # the title is data too
    lines = result.out.splitlines()
    assert lines[1].split()[1:] == ["you", "go"]  # after the header, in order


def test_tail_json_is_one_event_per_line_with_escapes_encoded(on_sim, drover):
    sid = _escape_session(on_sim)
    result = drover("tail", sid, "--no-follow", "--json")
    assert result.code == 0, result.err
    assert not any(c in result.out for c in _ESCAPES)
    events = [json.loads(line) for line in result.out.splitlines()]
    message = next(e for e in events if e["type"] == "agent.message")
    assert "\x1b]0;pwned-title\x07" in message["content"][0]["text"]  # intact as data


def test_tail_offline_reads_only_the_mirror(on_sim, drover, monkeypatch):
    sid = _escape_session(on_sim)
    assert drover("tail", sid, "--no-follow").code == 0
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    offline = drover("tail", sid, "--offline")
    assert offline.code == 0, offline.err
    assert "Hello" in offline.out


def test_tail_follows_live_through_a_dropped_stream_until_ctrl_c(on_sim):
    sid = _escape_session(on_sim)
    proc = subprocess.Popen(
        [str(DROVER), "tail", sid], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    seen: list[str] = []

    def saw(text: str) -> bool:
        while not lines.empty():
            seen.append(lines.get())
        return any(text in line for line in seen)

    try:
        wait_for(lambda: saw("idle: end_turn"), what="the mirrored transcript")
        wait_for(
            lambda: httpx.post(
                f"{on_sim.base_url}/_sim/streams/drop",
                json={"mode": "abort"},
                headers={"x-api-key": on_sim.api_key},
            ).json()["dropped"],
            what="an open stream to drop",
        )
        api(
            on_sim,
            "POST",
            f"/v1/sessions/{sid}/events",
            json={
                "events": [{"type": "user.message", "content": [{"type": "text", "text": "ping"}]}]
            },
        )
        wait_for(lambda: saw("Got: ping"), what="the live reply")
    finally:
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert "# live again" in err  # the drop was noticed and recovered from
    assert not any(c in "".join(seen) for c in _ESCAPES)


def test_a_drop_and_recovery_coalesced_into_one_batch_still_says_live_again(capsys):
    """The board sends coalesced batches: a stream lost and back within one arrives as a live
    state whose `since` moved on. tail must still say it was gone (it was: events may lag)."""
    from drover.cli.cmd_tail import ConnectionNotices
    from drover.sync.connection import ConnectionBoard

    now = [100.0]
    board = ConnectionBoard(clock=lambda: now[0])
    board.set("sesn_1", "live")
    notices = ConnectionNotices("sesn_1", board.get("sesn_1"))
    notices({"sesn_1": board.get("sesn_1")})  # the same live state again: nothing to say
    assert capsys.readouterr().err == ""
    now[0] = 101.0
    board.set("sesn_1", "reconnecting", attempt=1, last_error="stream aborted")
    now[0] = 101.2
    notices({"sesn_1": board.set("sesn_1", "live")})  # one batch: only the latest state
    assert capsys.readouterr().err == "# live again\n"
