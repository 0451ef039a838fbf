"""`drover demo`: the TUI on a simulated fleet, painted before the fleet exists.

The sim builds its whole fleet's history before it listens (about a second of CPU for the
default fleet). Run in this process, that second holds the GIL the TUI needs to import Textual
and paint, and later its scripted agents compete with the UI loop. So the sim runs as a child
process (`drover sim --port 0`) on the machine's other core, started before Textual is even
imported; the TUI paints its empty fleet at once and sync connects when the child prints its
address (`DeferredEngine`). The demo's profile, `demo`, is the start profile with the sim's
address and key as its overrides; every other profile opens as configured. No Textual at
module level.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from drover.store.mirror import Mirror
    from drover.sync.connection import ConnectionBoard
    from drover.sync.engines import Engine
    from drover.sync.profiles import ProfileEngines

DEMO_PROFILE = "demo"
SIM_START_TIMEOUT = 60.0
"""Seconds to wait for the child sim to print its address before giving up."""
_ADDRESS = re.compile(r"export ANTHROPIC_(BASE_URL|API_KEY)=(\S+)")


@dataclass
class SimProcess:
    """A `drover sim` child process serving on `base_url`."""

    process: subprocess.Popen[str]
    base_url: str
    api_key: str

    def stop(self) -> None:
        """Ask the sim to stop (SIGTERM), then kill it if it does not."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_sim(args: argparse.Namespace, log: IO[str]) -> SimProcess:
    """Start `drover sim` with the demo's fleet and wait until it prints its address.

    Args:
        args: the demo's arguments (`fleet`, `pace`).
        log: where the child's stderr goes (never the terminal the TUI draws on).

    Raises:
        RuntimeError: the child exited or printed no address in time.
    """
    argv = [sys.executable, "-m", "drover.cli.main", "sim", "--port", "0",
            "--fleet", str(args.fleet), "--pace", str(args.pace)]  # fmt: skip
    child = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, text=True
    )
    found: dict[str, str] = {}
    timer = threading.Timer(SIM_START_TIMEOUT, child.kill)
    timer.start()
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if match := _ADDRESS.search(line):
                found[match[1]] = match[2]
            if len(found) == 2:
                break
    finally:
        timer.cancel()
    if len(found) < 2:
        child.kill()
        child.wait()
        log.flush()
        last = Path(log.name).read_text(errors="replace").strip().splitlines()[-1:]
        why = f": {last[0]}" if last else ""
        raise RuntimeError(f"drover sim exited with status {child.returncode}{why}")
    # Nothing more is read from stdout; the child writes only a line or two on exit.
    return SimProcess(child, found["BASE_URL"], found["API_KEY"])


def _start_in_background(
    args: argparse.Namespace, log: IO[str]
) -> concurrent.futures.Future[SimProcess]:
    ready: concurrent.futures.Future[SimProcess] = concurrent.futures.Future()

    def run() -> None:
        try:
            ready.set_result(start_sim(args, log))
        except BaseException as exc:  # reported by the UI; a thread must not die silently
            ready.set_exception(exc)

    threading.Thread(target=run, name="drover-demo-sim", daemon=True).start()
    return ready


def run_demo(args: argparse.Namespace) -> int:
    """Start the sim child, mirror it into a temporary data dir and run the TUI on it.

    Returns:
        The exit status: 0, or 1 when the simulator did not start.
    """
    print(f"drover demo: starting a simulated fleet of {args.fleet} sessions…", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="drover-demo-") as tmp:
        log_path = Path(tmp) / "sim.log"
        with log_path.open("w") as log:
            sim_ready = _start_in_background(args, log)
            data_dir = Path(args.data_dir) if args.data_dir else Path(tmp)
            try:
                return _run_app(args, data_dir, sim_ready)
            finally:
                with contextlib.suppress(Exception):  # a sim that failed has nothing to stop
                    sim_ready.result(timeout=SIM_START_TIMEOUT).stop()


class DemoEngines:
    """The demo's engine source: `demo` connects once its sim is up, others as configured.

    Args:
        engines: the user's profiles (the `demo` one is added if the config lacks it).
        sim_ready: resolves to the started sim.
        on_failed: called when the sim never came up.
    """

    def __init__(
        self,
        engines: ProfileEngines,
        sim_ready: concurrent.futures.Future[SimProcess],
        on_failed: Callable[[BaseException], None],
    ) -> None:
        self.engines = engines
        self._sim_ready = sim_ready
        self._on_failed = on_failed

    async def engine(self, name: str | None, mirror: Mirror, **options: Any) -> Engine:
        """The demo profile's deferred engine, or another profile's real one."""
        from drover.sync.account import Overrides
        from drover.sync.deferred import DeferredEngine
        from drover.sync.profiles import ProfileEngines

        if name not in (None, DEMO_PROFILE):
            return await self.engines.engine(name, mirror, **options)

        async def build(sim: SimProcess, board: ConnectionBoard) -> Engine:
            overrides = Overrides(base_url=sim.base_url, api_key=sim.api_key)
            demo = ProfileEngines(
                self.engines.config, self.engines.data_dir, start=DEMO_PROFILE, overrides=overrides
            )
            return await demo.engine(DEMO_PROFILE, mirror, board=board, **options)

        return DeferredEngine(self._sim_ready, build, self._on_failed)


def _run_app(
    args: argparse.Namespace, data_dir: Path, sim_ready: concurrent.futures.Future[SimProcess]
) -> int:
    from drover.config import Profile, load_config
    from drover.sync.profiles import ProfileEngines
    from drover.tui.app import DroverApp

    config = load_config()
    config.profiles.setdefault(DEMO_PROFILE, Profile())
    app = DroverApp(profile=DEMO_PROFILE, data_dir=data_dir, readonly=args.readonly,
                    theme=args.theme)  # fmt: skip

    def failed(exc: BaseException) -> None:
        app.exit(return_code=1, message=f"drover demo: the simulator did not start: {exc}")

    app.engines = DemoEngines(ProfileEngines(config, data_dir, start=DEMO_PROFILE), sim_ready,
                              failed)  # fmt: skip
    app.run()
    return app.return_code or 0
