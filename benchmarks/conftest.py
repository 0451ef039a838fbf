r"""Shared benchmark fixtures: the generated 10k-session / 1M-event mirror.

Sizes come from the environment (defaults are the issue's sizes)::

    DROVER_BENCH_MIRROR_SESSIONS=10000 DROVER_BENCH_MIRROR_EVENTS=1000000 \
        DROVER_BENCH_MIRROR_BIG=100000

`DROVER_BENCH_SIZE` picks one of `SIZES` (the variables above still win):

* `1x` (the default): 10,000 sessions / 1,000,000 events, a 100,000-event session;
* `10x`: ten times the fleet (issue 13), 100,000 sessions / 10,000,000 events, a
  1,000,000-event session (about 15 minutes to build here, once);
* `100k-sessions`: 100,000 sessions / 1,000,000 events, a 10,000-event session: ten times the
  sessions at the default's events, which the issue-13 figures before the 10M build used.

The mirror is built once and kept under `.bench-cache/` (see `mirror_gen.cached_mirror`);
`DROVER_BENCH_MIRROR=/path/to/file.db` uses a file made by `benchmarks/mirror_gen.py` instead.
Benchmarks only read it; one that writes copies it first.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from mirror_gen import Manifest, cached_mirror


def _size(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value.replace("_", "")) if value else default
    except ValueError:
        raise pytest.UsageError(f"{name} must be a whole number, not {value!r}") from None


SIZES = {
    "1x": (10_000, 1_000_000, 100_000),
    "10x": (100_000, 10_000_000, 1_000_000),
    "100k-sessions": (100_000, 1_000_000, 10_000),
}
"""The generated mirror's sizes (`DROVER_BENCH_SIZE`): (sessions, events, big session)."""

BENCH_TIMEOUT = 3600
"""Seconds a benchmark may take (with the mirror's first build): the suite's 120 s timeout is
for unit tests, and the follower and reconnect benchmarks outlast it on 2 busy cores."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every benchmark without a timeout of its own BENCH_TIMEOUT (`make bench` ran into
    pytest-timeout's default, issue 13)."""
    for item in items:
        if item.get_closest_marker("bench") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(BENCH_TIMEOUT))


@pytest.fixture(scope="session")
def generated_mirror() -> tuple[Path, Manifest]:
    """(database path, manifest) of the generated mirror, read-only."""
    override = os.environ.get("DROVER_BENCH_MIRROR")
    if override:
        path = Path(override)
        meta = Path(f"{path}.json")
        if not path.exists() or not meta.exists():
            raise pytest.UsageError(f"DROVER_BENCH_MIRROR: {path} or {meta} is missing")
        return path, Manifest(**json.loads(meta.read_text()))
    started = time.perf_counter()
    size = SIZES.get(os.environ.get("DROVER_BENCH_SIZE") or "1x")
    if size is None:
        raise pytest.UsageError(f"DROVER_BENCH_SIZE must be one of {', '.join(SIZES)}")
    sessions, events, big = size
    path, manifest = cached_mirror(
        sessions=_size("DROVER_BENCH_MIRROR_SESSIONS", sessions),
        events=_size("DROVER_BENCH_MIRROR_EVENTS", events),
        big_session=_size("DROVER_BENCH_MIRROR_BIG", big),
    )
    took = time.perf_counter() - started
    how = "reused" if took < manifest.build_seconds / 2 else "built"
    print(
        f"\n[mirror] {how} {path.name}: {manifest.sessions:,} sessions / "
        f"{manifest.events:,} events (the build took {manifest.build_seconds:.0f} s)"
    )
    return path, manifest
