"""Helpers shared by the sync tests and benchmarks (imported as ``sync_support``)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from drover.api.client import ManagedAgentsClient
from drover.api.rate_budget import RateBudget
from drover.config.paths import mirror_path
from drover.store.reader import MirrorReader
from drover.store.writer import MirrorWriter
from drover.sync.connection import ConnectionBoard
from drover.sync.follower import Follower

SCENARIOS = Path(__file__).parent / "scenarios"


class Mirror:
    """A writer + reader pair over one mirror file, plus raw checks for the invariants."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer = MirrorWriter(path)
        self.reader = MirrorReader(path)

    def close(self) -> None:
        self.writer.close()
        self.reader.close()

    def counts(self) -> dict[str, int]:
        """Content rows, FTS rows and duplicate ids, straight from SQLite."""
        with sqlite3.connect(self.path) as conn:
            events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
            fts = conn.execute("SELECT count(*) FROM events_fts_docsize").fetchone()[0]  # index
            dups = conn.execute(
                "SELECT count(*) FROM (SELECT id FROM events GROUP BY id HAVING count(*) > 1)"
            ).fetchone()[0]
        return {"events": events, "fts": fts, "duplicates": dups}

    def types(self) -> set[str]:
        """Every event type stored."""
        with sqlite3.connect(self.path) as conn:
            return {r[0] for r in conn.execute("SELECT DISTINCT type FROM events")}

    def integrity(self) -> str:
        with sqlite3.connect(self.path) as conn:
            return conn.execute("PRAGMA integrity_check").fetchone()[0]


def make_client(base_url: str, api_key: str, **kw: Any) -> ManagedAgentsClient:
    """A client with generous budgets (tests measure correctness, not pacing)."""
    kw.setdefault("rate_budget", RateBudget(6000, 60000))
    kw.setdefault("stall_timeout", 2.0)
    return ManagedAgentsClient(base_url, api_key, **kw)


async def create_session(
    client: ManagedAgentsClient,
    *,
    scenario: str = "chaos-writer",
    kickoff: str | None = "go",
    agent_name: str = "Chaos Agent",
    ask: bool = False,
) -> str:
    """Create an agent playing ``scenario``, an environment and a session; return its id.

    Args:
        ask: give the agent toolset an ``always_ask`` policy, so tool calls wait for approval.
    """
    policy = "always_ask" if ask else "always_allow"
    agent = await client.request(
        "POST",
        "/v1/agents",
        json={
            "name": agent_name,
            "model": "claude-sonnet-4-6",
            "metadata": {"scenario": scenario},
            "tools": [
                {
                    "type": "agent_toolset_20260401",
                    "default_config": {"enabled": True, "permission_policy": {"type": policy}},
                }
            ],
        },
    )
    env = await client.request(
        "POST",
        "/v1/environments",
        json={"name": f"env-{time.monotonic_ns()}", "config": {"type": "cloud"}},
    )
    fields: dict[str, Any] = {}
    if kickoff is not None:
        fields["initial_events"] = [
            {"type": "user.message", "content": [{"type": "text", "text": kickoff}]}
        ]
    session = await client.create_session(agent["id"], env["id"], **fields)
    return session["id"]


async def server_event_ids(client: ManagedAgentsClient, session_id: str) -> set[str]:
    """Every persisted event id of a session (all pages) plus its child threads' events."""
    ids = {e["id"] async for e in client.iter_events(session_id, limit=1000)}
    async for thread in client.iter_threads(session_id):
        if thread.get("parent_thread_id"):
            ids |= {e["id"] async for e in client.iter_thread_events(session_id, thread["id"])}
    return ids


async def session_status(client: ManagedAgentsClient, session_id: str) -> str:
    return (await client.retrieve_session(session_id))["status"]


async def wait_for(
    predicate: Callable[[], Any],
    *,
    timeout: float = 20.0,
    interval: float = 0.05,
    message: str = "condition",
) -> Any:
    """Poll ``predicate`` (sync or async) until truthy or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        await asyncio.sleep(interval)


async def wait_idle(client: ManagedAgentsClient, session_id: str, timeout: float = 30.0) -> None:
    """Wait until the server says the session is not running any more."""

    async def idle() -> bool:
        return await session_status(client, session_id) in ("idle", "terminated")

    await wait_for(idle, timeout=timeout, interval=0.1, message=f"{session_id} idle")


async def past_idle(call: Callable[[str], Any], session_id: str, timeout: float = 5.0) -> Any:
    """``call(session_id)`` (another client's archive or delete right after idle), repeated
    through the sim's post-idle race (the 400 for a running session, on by default)."""
    from drover.sync.control import is_running_refusal

    deadline = time.monotonic() + timeout
    while True:
        try:
            return await call(session_id)
        except Exception as exc:
            if not is_running_refusal(exc) or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


def set_faults(sim: Any, **plan: Any) -> None:
    """Change the sim's fault plan through its control endpoint (as an operator would)."""
    response = httpx.post(
        f"{sim.base_url}/_sim/faults", json=plan, headers={"x-api-key": sim.api_key}, timeout=10
    )
    response.raise_for_status()


def clear_faults(sim: Any) -> None:
    httpx.delete(
        f"{sim.base_url}/_sim/faults", headers={"x-api-key": sim.api_key}, timeout=10
    ).raise_for_status()


def sim_stats(sim: Any) -> dict[str, Any]:
    response = httpx.get(
        f"{sim.base_url}/_sim/stats", headers={"x-api-key": sim.api_key}, timeout=10
    )
    response.raise_for_status()
    return response.json()


# -- chaos -------------------------------------------------------------------------------------

FAULT_PLANS: list[dict[str, Any]] = [
    {"stream_close_after": 2, "stream_close_mode": "mid_frame"},
    {"stream_close_after": 3, "stream_close_mode": "abort", "fail_probability": 0.2},
    {"stream_close_after": 1, "stream_close_mode": "clean", "duplicate_user_events": True},
    {"stream_stall_after": 3},
    {"stream_error_after": 2, "fail_probability": 0.1},
    {"fail_probability": 0.4, "fail_status": 503, "stream_close_after": 4},
    {
        "fail_probability": 0.3,
        "fail_status": 529,
        "stream_close_after": 2,
        "stream_close_mode": "mid_frame",
    },
    {"throttle_probability": 0.3, "retry_after_seconds": 1, "stream_close_after": 3},
    {
        "duplicate_user_events": True,
        "stream_close_after": 2,
        "stream_close_mode": "abort",
        "fail_probability": 0.2,
        "fail_status": 500,
    },
]


async def send_blindly(client: ManagedAgentsClient, session_id: str, text: str) -> None:
    """Send a follow-up, retrying through injected faults (duplicates are fine here: the test
    compares the mirror with whatever the server ended up with)."""
    event = {"type": "user.message", "content": [{"type": "text", "text": text}]}
    for _ in range(50):
        try:
            await client.send_events(session_id, [event])
            return
        except Exception:  # injected 5xx/429/drops
            await asyncio.sleep(0.05)
    raise AssertionError("could not send through the faults")


def start_followers(
    client: ManagedAgentsClient, mirror: Any, session_ids: list[str], *, stall_timeout: float
) -> list[Follower]:
    """Start one follower per session on a shared connection board (the chaos set-up)."""
    board = ConnectionBoard()
    followers = [
        Follower(
            sid,
            client=client,
            writer=mirror.writer,
            reader=mirror.reader,
            board=board,
            stall_timeout=stall_timeout,
        )
        for sid in session_ids
    ]
    for follower in followers:
        follower.start()
    return followers


async def run_chaos(
    sim: Any,
    client: ManagedAgentsClient,
    session_ids: list[str],
    *,
    min_faults: int,
    max_seconds: float,
    switch_every: float = 0.3,
) -> dict[str, Any]:
    """Rotate fault plans while sending follow-ups until ``min_faults`` faults were injected.

    Returns:
        ``{"faults": n, "rounds": r, "chaos_seconds": s}``.
    """
    started = time.monotonic()
    rounds = 0
    base = sim_stats(sim)["faults_injected"]
    while True:
        injected = sim_stats(sim)["faults_injected"] - base
        if injected >= min_faults or time.monotonic() - started > max_seconds:
            break
        plan = {"seed": rounds, **FAULT_PLANS[rounds % len(FAULT_PLANS)]}
        await asyncio.to_thread(set_faults, sim, **plan)
        await asyncio.gather(
            *(send_blindly(client, sid, f"round {rounds}: more \u2028 ✓") for sid in session_ids)
        )
        await asyncio.sleep(switch_every)
        await asyncio.to_thread(clear_faults, sim)
        rounds += 1
    await asyncio.to_thread(clear_faults, sim)
    injected = sim_stats(sim)["faults_injected"] - base
    return {"faults": injected, "rounds": rounds, "chaos_seconds": time.monotonic() - started}


async def converge(
    client: ManagedAgentsClient, mirror: Mirror, session_ids: list[str], timeout: float
) -> float:
    """Wait until every session is idle on the server and its mirror equals the server's log.

    Returns:
        Seconds it took.
    """
    started = time.monotonic()
    for sid in session_ids:
        await wait_idle(client, sid, timeout=timeout)

    async def all_equal() -> bool:
        for sid in session_ids:
            if mirror.reader.event_ids(sid) != await server_event_ids(client, sid):
                return False
        return True

    await wait_for(all_equal, timeout=timeout, interval=0.2, message="mirrors == server")
    return time.monotonic() - started


# -- crash -------------------------------------------------------------------------------------

WORKER = Path(__file__).parent / "crash_worker.py"


def worker_mirror(data_dir: Path) -> Path:
    """The mirror file the crash worker syncs into under `data_dir`."""
    return mirror_path("default", data_dir)


def start_worker(sim: Any, data_dir: Path, *extra: str) -> Any:
    """Start the engine in a subprocess (key via the environment, never argv)."""
    import os
    import subprocess

    env = {**os.environ, "ANTHROPIC_API_KEY": sim.api_key}
    return subprocess.Popen(
        [sys.executable, str(WORKER), sim.base_url, str(data_dir), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def committed_ids(path: Path) -> set[str]:
    """Every event id committed to the mirror file right now (a separate connection)."""
    if not path.exists():
        return set()
    with sqlite3.connect(path, timeout=30) as conn:
        try:
            return {r[0] for r in conn.execute("SELECT id FROM events")}
        except sqlite3.OperationalError:  # schema not created yet
            return set()


async def keep_talking(
    client: ManagedAgentsClient, session_ids: list[str], stop: asyncio.Event, every: float = 0.3
) -> int:
    """Send follow-ups round-robin until ``stop`` is set, so ingest is always busy."""
    sent = 0
    while not stop.is_set():
        await send_blindly(client, session_ids[sent % len(session_ids)], f"more work {sent}")
        sent += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
    return sent


async def crash_cycles(
    sim: Any,
    client: ManagedAgentsClient,
    data_dir: Path,
    session_ids: list[str],
    *,
    kills: int,
    rng: Any,
) -> list[dict[str, Any]]:
    """SIGKILL the engine subprocess ``kills`` times while the sessions keep producing events.

    After each kill: integrity_check must be ok and every id committed before the kill present.

    Returns:
        One record per kill: ids before/after, integrity result, lifetime of the process.
    """
    import signal

    path = worker_mirror(data_dir)
    records = []
    stop = asyncio.Event()
    talker = asyncio.create_task(keep_talking(client, session_ids, stop))
    try:
        for _ in range(kills):
            proc = start_worker(sim, data_dir)
            line = await asyncio.to_thread(proc.stdout.readline)
            assert line.strip() == "started", proc.stderr.read() if proc.poll() else line
            before_start = len(committed_ids(path))
            await wait_for(
                lambda b=before_start: len(committed_ids(path)) > b,
                timeout=20,
                message="the worker ingesting",
            )
            await asyncio.sleep(rng.uniform(0.05, 0.8))
            snapshot = committed_ids(path)
            proc.send_signal(signal.SIGKILL)
            await asyncio.to_thread(proc.wait)
            proc.stdout.close()
            proc.stderr.close()
            with sqlite3.connect(path) as conn:
                integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            after = committed_ids(path)
            records.append(
                {
                    "before": len(snapshot),
                    "after": len(after),
                    "integrity": integrity,
                    "lost": len(snapshot - after),
                }
            )
    finally:
        stop.set()
        await talker
    return records


# -- benchmarks --------------------------------------------------------------------------------


class SimProcess:
    """``drover sim`` in its own process (so the sim does not share the measured loop).

    Args:
        *args: extra ``drover sim`` arguments (``--fleet 500``, ``--pace 20eps``…).
    """

    def __init__(self, *args: str) -> None:
        import os
        import socket
        import subprocess

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.api_key = "sk-ant-sim-drover-demo"
        self.base_url = f"http://127.0.0.1:{self.port}"
        import tempfile

        # A file, not a pipe: an unread pipe fills up and blocks the sim mid-benchmark.
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (lives as long as the sim)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "drover.cli.main", "sim", "--port", str(self.port), *args],
            env=dict(os.environ),
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(
                    f"{self.base_url}/_sim/health", headers={"x-api-key": self.api_key}, timeout=1
                ).raise_for_status()
                break
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    self.log.seek(0)
                    raise RuntimeError(f"sim did not start: {self.log.read()[-2000:]}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
        self.log.close()


class LoopLag:
    """Measures event-loop lag: how late a 10 ms timer fires, sampled continuously."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            t0 = loop.time()
            await asyncio.sleep(self.interval)
            self.samples.append(max(0.0, loop.time() - t0 - self.interval))

    def stop(self) -> dict[str, float]:
        if self._task:
            self._task.cancel()
        return percentiles(self.samples)


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds."""
    if not values:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0, "n": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": ordered[-1] * 1000,
        "n": len(ordered),
    }
