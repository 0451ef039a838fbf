"""P9: memory stays flat over a long replay and seek session (issue 13).

Run: `make bench` (or `pytest benchmarks/test_bench_memory.py -m bench -s -p no:randomly`).

The offline app (headless, `run_test`) on a copy of the generated mirror (10k sessions / 1M
events by default): the fleet, then CYCLES rounds of the same work, each

* replay of the big session (100k events): play it at the fastest pace for a while;
* SEEKS seeks across it, by time and by event id (each pages a new window in);
* the live view of SESSIONS other sessions, opened and closed in turn.

A thread samples the process's resident memory (`/proc/self/statm`) every SAMPLE_S seconds.
Printed: RSS once the fleet shows, the first plateau (the highest RSS of the first round,
when every kind of read has run once and the page caches have filled), the highest and the
final RSS of the later rounds, and max ÷ first plateau against the goal (≤ 1.2×). The figures
are printed, not asserted.
"""

from __future__ import annotations

import _sqlite3
import asyncio
import ctypes
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from mirror_gen import Manifest
from test_bench_session_open import (
    SIZE,
    FrameClock,
    Stopwatch,
    _app,
    _settle,
    data_dir_with,
    shows,
)

from drover.store.fleet import FleetQuery
from drover.store.reader import MirrorReader

pytestmark = [pytest.mark.bench, pytest.mark.timeout(3600)]

CYCLES = int(os.environ.get("DROVER_BENCH_MEMORY_CYCLES", "4"))
SEEKS = 20
SESSIONS = 25
PLAY_S = 3.0
SAMPLE_S = 0.05
FLAT = 1.2
_PAGE = os.sysconf("SC_PAGE_SIZE")


_SQLITE = ctypes.CDLL(_sqlite3.__file__)  # resolves to the libsqlite3 it links
_SQLITE.sqlite3_memory_used.restype = ctypes.c_int64


def sqlite_mb() -> float:
    """What SQLite holds on its heap in this process (page caches, schemas, statements), MB."""
    return float(_SQLITE.sqlite3_memory_used()) / 2**20


def rss_mb() -> float:
    """This process's resident set size in MB (the second field of /proc/self/statm)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * _PAGE / 2**20


class RssSampler:
    """Samples `rss_mb()` on a thread, each sample tagged with the phase running then."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, str, float, float]] = []  # (s, phase, RSS, SQLite)
        self.phase = "start"
        self._stop = threading.Event()
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            self._sample()

    def _sample(self) -> None:
        now = time.perf_counter() - self._started
        self.samples.append((now, self.phase, rss_mb(), sqlite_mb()))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def peak(self, phase: Callable[[str], bool], field: int = 2) -> float:
        """The highest RSS (`field` 3: SQLite heap) sampled during the phases `phase` accepts."""
        return max(sample[field] for sample in self.samples if phase(sample[1]))


def _targets(reader: MirrorReader, big: str) -> list[tuple[datetime, Any]]:
    """SEEKS (time, event row) pairs spread over the big session, in a scattered order."""
    span = reader.lane_span(big)
    assert span is not None and span.first_at and span.last_at
    out = []
    for i in range(SEEKS):
        when = span.first_at + (span.last_at - span.first_at) * ((i * 0.37 + 0.05) % 1)
        seq = reader.seq_at_time(big, None, when)
        assert seq is not None
        row = reader.transcript(big, before_seq=max(2, seq - 7_000), limit=1)[0]
        out.append((when, row))
    return out


def test_p9_memory_over_replay_seeks_and_sessions(
    generated_mirror: tuple[Path, Manifest], tmp_path: Path
) -> None:
    from drover.tui.screens.replay import ReplayScreen
    from drover.tui.screens.session import SessionScreen

    source, manifest = generated_mirror
    data = data_dir_with(source, tmp_path)
    big = manifest.big_session_id
    reader = MirrorReader(data / "default" / "mirror.db")
    targets = _targets(reader, big)
    others = [s for s in reader.fleet_ids(FleetQuery(), limit=SESSIONS + 1) if s != big]
    reader.close()

    async def until_shown(frames: FrameClock, check: Callable[[Any], bool], act: Any) -> None:
        frames.expect(check)
        watch = Stopwatch()
        act()
        await frames.wait(watch, timeout=60)

    async def cycle(app: Any, frames: FrameClock, sampler: RssSampler, round_: int) -> None:
        sampler.phase = f"{round_}:replay"
        await until_shown(frames, shows(ReplayScreen), lambda: app.open_replay(big))
        screen = app.screen
        await _settle(app)
        for _ in range(5):
            screen.action_speed(1)
        screen.action_play()
        await asyncio.sleep(PLAY_S)
        if screen.playing:
            screen.action_play()
        await _settle(app)
        sampler.phase = f"{round_}:seeks"
        for when, row in targets:
            # (a seek may land on an event the transcript folds away: no frame to wait for,
            # so wait for the seek's reads and the page they bring in instead)
            for act in (lambda w=when: screen._seek_target(None, w),
                        lambda r=row: screen._seek_target(r.id, None)):  # fmt: skip
                act()
                await _settle(app)
                await _settle(app)
        screen.dismiss()
        await _settle(app)
        sampler.phase = f"{round_}:sessions"
        for sid in others:
            # (some sessions have no events: the screen itself is what shows then)
            await until_shown(frames, lambda screen: isinstance(screen, SessionScreen),
                              lambda s=sid: app.open_session(s))  # fmt: skip
            await _settle(app)
            app.screen.dismiss()
            await _settle(app)

    async def run(sampler: RssSampler) -> None:
        app = _app(data, tmp_path)
        frames = FrameClock(app)
        async with app.run_test(size=SIZE):
            await _settle(app)
            sampler.phase = "fleet"
            await asyncio.sleep(0.5)
            for round_ in range(CYCLES):
                await cycle(app, frames, sampler, round_)
            sampler.phase = "end"
            await asyncio.sleep(0.5)
            nonlocal connections
            connections = len(getattr(app.mirror.reader, "_conns", ()))

    connections = 0
    started = time.perf_counter()
    with RssSampler() as sampler:
        asyncio.run(run(sampler))
    took = time.perf_counter() - started
    fleet = sampler.peak(lambda p: p == "fleet")
    plateau = sampler.peak(lambda p: p.startswith("0:"))
    later = sampler.peak(lambda p: p not in ("start", "fleet") and not p.startswith("0:"))
    final = sampler.samples[-1][2]
    final_heap = sampler.peak(lambda p: p == "end", field=3)
    print(f"\nP9 memory, offline app on {manifest.sessions:,} sessions / {manifest.events:,} "
          f"events ({took:.0f} s, {len(sampler.samples)} samples; per round: replay "
          f"{PLAY_S:.0f} s at the fastest pace, {SEEKS}×2 seeks in the "
          f"{manifest.big_session:,}-event session, {len(others)} sessions opened):")  # fmt: skip
    for round_ in range(CYCLES):
        peaks = "  ".join(
            f"{kind} {sampler.peak(lambda p, k=f'{round_}:{kind}': p == k):.0f}"
            for kind in ("replay", "seeks", "sessions")
        )
        heap = sampler.peak(lambda p, r=f"{round_}:": p.startswith(r), field=3)
        print(f"  round {round_}: peak RSS MB  {peaks}  · SQLite heap peak {heap:.0f} MB")
    ratio = later / plateau
    if CYCLES > 2:
        slope = (sampler.peak(lambda p: p.startswith(f"{CYCLES - 1}:"))
                 - sampler.peak(lambda p: p.startswith("1:"))) / (CYCLES - 2)  # fmt: skip
        print(f"  growth after round 1: {slope:+.1f} MB per round")
    verdict = "meets" if ratio <= FLAT else "MISSES"
    print(f"  fleet shown {fleet:.0f} MB · first plateau (round 0's peak) {plateau:.0f} MB · "
          f"later max {later:.0f} MB · final {final:.0f} MB (SQLite heap {final_heap:.0f} MB, "
          f"{connections} reader connections)")  # fmt: skip
    print(f"  later max ÷ first plateau {ratio:.2f}× (goal ≤ {FLAT}×) — {verdict}; "
          f"first plateau ÷ fleet {plateau / fleet:.2f}×")  # fmt: skip
