"""The sliding-window gate: at most N per window, in one process or shared through a file."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

from drover.api.rate_budget import RateBudget
from drover.api.rate_window import SlidingWindow


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_at_most_limit_admissions_in_any_window():
    clock = Clock()
    window = SlidingWindow(3, 60.0, clock=clock)
    assert [window.try_admit() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert window.try_admit() == 60.0  # the oldest frees up a minute after it went out
    clock.now += 59.5
    assert window.try_admit() == 0.5
    clock.now += 0.5
    assert window.try_admit() == 0.0


def test_an_entry_from_the_future_counts_as_expired():
    clock = Clock()
    window = SlidingWindow(1, 60.0, clock=clock)
    assert window.try_admit() == 0.0
    clock.now -= 3600  # the wall clock was set back an hour
    assert window.try_admit() == 0.0


def test_windows_sharing_a_file_share_the_limit(tmp_path):
    path = tmp_path / "rate-window.read"
    clock = Clock()
    first, second = (SlidingWindow(4, 60.0, path=path, clock=clock) for _ in range(2))
    admitted = [w.try_admit() == 0.0 for w in (first, second, first, second, first, second)]
    assert admitted == [True, True, True, True, False, False]
    first.close()
    second.close()


def test_the_burst_no_longer_goes_over_the_minute():
    """A bucket of 60/min with a burst of 6 used to let 65 through in its first minute: the
    burst at once, then one a second. The window stops it at 60."""
    clock = Clock()
    start = clock.now
    budget = RateBudget(60, 60, read_burst=6, clock=clock)
    arrivals = [0.0] * 6 + [float(t) for t in range(1, 60)]  # all inside one minute

    async def offer() -> int:
        admitted = 0
        for at in arrivals:
            clock.now = start + at
            try:
                await asyncio.wait_for(budget.acquire("read"), 0.05)
            except TimeoutError:
                continue
            admitted += 1
        return admitted

    assert len(arrivals) == 65
    assert asyncio.run(offer()) == 60


def test_two_real_processes_admit_at_most_the_limit_together(tmp_path):
    path = tmp_path / "rate-window.read"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from drover.api.rate_window import SlidingWindow
        window = SlidingWindow(50, 60.0, path=Path({str(path)!r}))
        admitted = 0
        deadline = time.time() + 1.5
        while time.time() < deadline:
            try:
                if window.try_admit() == 0.0:
                    admitted += 1
            except BlockingIOError:
                pass
        print(admitted)
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    counts = [int(p.communicate(timeout=30)[0]) for p in procs]
    assert sum(counts) == 50, counts
