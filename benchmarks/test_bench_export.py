"""Export of the generated 100k-event session (Markdown, HTML, JSONL) and JSONL import.

Run: `make bench` (or `pytest benchmarks/test_bench_export.py -m bench -s`).

Export: `drover.export.write_export(reader, session, fmt, file, redact=True)` into a real file,
in events/s, next to the bare read it cannot go under, measured in the same run: iterating the
same session with `MirrorReader.iter_events` (keyset pages, JSON decoded). Import: the JSONL
export loaded into a fresh mirror with `drover.export.import_file`, next to the store's plain
`ingest` of the same events into another fresh mirror (the same writer path without the file).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mirror_gen import Manifest, lane_runs

from drover.export import import_file, write_export
from drover.store.mirror import Mirror
from drover.store.reader import MirrorReader

pytestmark = [pytest.mark.bench, pytest.mark.timeout(3600)]

ROUNDS = 3


def _best_of(fn: Callable[[], Any], rounds: int = ROUNDS) -> tuple[float, float, Any]:
    """(best s, median s, last result) of `rounds` calls."""
    samples, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return min(samples), statistics.median(samples), result


@pytest.fixture(scope="module")
def big(generated_mirror: tuple[Path, Manifest]) -> Iterator[tuple[MirrorReader, str, int]]:
    path, manifest = generated_mirror
    if not manifest.big_session_id:
        pytest.skip("the generated mirror has no big session (DROVER_BENCH_MIRROR_BIG=0)")
    reader = MirrorReader(path)
    yield reader, manifest.big_session_id, manifest.big_session
    reader.close()


def test_export_100k_events(big: tuple[MirrorReader, str, int], tmp_path: Path) -> None:
    reader, sid, events = big
    bare, _, count = _best_of(lambda: sum(1 for _ in reader.iter_events(sid)))
    assert count == events
    print(f"\n[export] session of {events:,} events · best of {ROUNDS} · bare iter_events "
          f"{bare:.2f} s = {events / bare:,.0f} events/s")  # fmt: skip
    for fmt in ("md", "html", "jsonl"):
        target = tmp_path / f"export.{fmt}"

        def export(fmt: str = fmt, target: Path = target) -> Any:
            with target.open("w", encoding="utf-8") as out:
                return write_export(reader, sid, fmt, out, redact=True)

        best, median, summary = _best_of(export)
        assert summary.events == events
        size = target.stat().st_size
        print(
            f"[export] {fmt:<5} {best:6.2f} s (median {median:.2f}) = {events / best:>8,.0f} "
            f"events/s · {size / 1e6:6.1f} MB · {summary.written:,} written, "
            f"{summary.redactions} redactions · ratio to bare read {best / bare:.1f}×"
        )


def test_import_the_jsonl_export(big: tuple[MirrorReader, str, int], tmp_path: Path) -> None:
    reader, sid, events = big
    session, threads = reader.session(sid), reader.threads(sid)
    assert session is not None and session.raw is not None
    exported = tmp_path / "session.jsonl"
    with exported.open("w", encoding="utf-8") as out:
        write_export(reader, sid, "jsonl", out, redact=True)
    timeline = [(row.thread_id, row.event) for row in reader.iter_events(sid)]

    def baseline() -> float:
        target = tmp_path / f"ingest-{time.monotonic_ns()}.db"
        with Mirror.open(target) as mirror:
            started = time.perf_counter()
            submit = mirror.writer.submit
            submit("upsert_sessions", [session.raw]).result()
            submit("upsert_threads", [t.raw for t in threads]).result()
            runs = lane_runs(timeline)  # as the generator (and sync) ingest: stream by stream
            futures = [submit("ingest", sid, run, thread_id=lane) for lane, run in runs]
            for future in futures:
                future.result()
            return time.perf_counter() - started

    def imported() -> tuple[float, Any]:
        target = tmp_path / f"import-{time.monotonic_ns()}.db"
        with Mirror.open(target) as mirror:
            started = time.perf_counter()
            summary = import_file(mirror.writer, exported)
            took = time.perf_counter() - started
            assert mirror.reader.count_events(sid) == events
        return took, summary

    ingest = min(baseline() for _ in range(ROUNDS))
    took, summary = min((imported() for _ in range(ROUNDS)), key=lambda r: r[0])
    assert summary.new_events == events
    print(f"\n[import] {events:,} events ({len(threads)} threads) from a "
          f"{exported.stat().st_size / 1e6:.1f} MB JSONL export: {took:.2f} s = "
          f"{events / took:,.0f} events/s · plain ingest of the same events {ingest:.2f} s = "
          f"{events / ingest:,.0f} events/s · ratio {took / ingest:.2f}×")  # fmt: skip
