"""P3 at full size: cold start to the first fleet paint over the generated 10k-session / 1M-event
mirror (the realistic one of `mirror_gen`, with threads, costs and a 100k-event session).

Run: `make bench` (or `pytest benchmarks/test_bench_cold_start_1m.py -m bench -s`).

The same measurement as `test_bench_session_open.py`'s P3 (its helpers are reused): the wall
time from constructing the app to the first frame that shows fleet rows, median of a few cold
starts, next to the bare SQLite read of the first page of sessions in the same run. The app
opens a copy of the cached mirror, since opening may write.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from mirror_gen import Manifest
from test_bench_session_open import (
    P3_START_MS,
    ROUNDS,
    SIZE,
    Stopwatch,
    _app,
    _painted,
    _query_ms,
    _report,
    _until,
    data_dir_with,
)

from drover.store.reader import MirrorReader

pytestmark = [pytest.mark.bench, pytest.mark.timeout(3600)]


def test_p3_cold_start_on_the_generated_mirror(
    generated_mirror: tuple[Path, Manifest], tmp_path: Path
) -> None:
    from drover.tui.widgets.fleet_table import FleetTable

    source, manifest = generated_mirror
    data = data_dir_with(source, tmp_path)

    async def start_once() -> tuple[float, float]:
        watch = Stopwatch()
        app = _app(data, tmp_path)
        async with app.run_test(size=SIZE):
            await _until(lambda: bool(app.screen.query(FleetTable))
                         and app.screen.query_one(FleetTable).current_id is not None)  # fmt: skip
            await _painted(app.screen)
            return watch.stop()

    samples = [asyncio.run(start_once()) for _ in range(ROUNDS + 1)][1:]  # round 0 warms up
    reader = MirrorReader(data / "default" / "mirror.db")
    floor = _query_ms(lambda: reader.sessions(limit=50))
    reader.close()
    print()
    label = f"P3 cold start ({manifest.sessions:,} sessions / {manifest.events:,} events)"
    _report(f"{label} → first fleet rows", samples, P3_START_MS, floor)
