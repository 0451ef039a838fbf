"""Regenerate the README screenshots in `screenshots/` from the real app on a simulated fleet.

Run with `make screenshots`. Deterministic by construction: the sim's fleet comes from a fixed
seed with no session kept working, sync mirrors it until idle and the sim is stopped, then the
app runs offline on that mirror at a fixed terminal size with its clock pinned to the newest
mirrored event (so ages read the same every run). Each picture is taken after the app's
workers have finished (no sleeps).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from drover.sim.server import SimServer
from drover.sim.settings import SimConfig
from drover.store.reader import MirrorReader
from drover.sync.profiles import ProfileEngines

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SIZE = (140, 40)
SEED = 7
FLEET = 24
PROFILE = "demo"
THEMES = ("drover-dark", "drover-light")


async def mirror_fleet(data_dir: Path) -> Path:
    """Serve a seeded sim fleet, mirror all of it, stop the sim; return the mirror file."""
    config = SimConfig(seed=SEED, pace="fast", fleet=FLEET, fleet_active=0, port=0)
    async with SimServer(config) as sim:
        engines = ProfileEngines.endpoint(sim.base_url, sim.api_key, data_dir, name=PROFILE)
        engine = await engines.open_engine()
        try:
            await engine.run_until_idle(timeout=120)
        finally:
            await engine.stop()
    return engines.mirror_path()


def pick(reader: MirrorReader) -> dict[str, str]:
    """The sessions worth a picture: one awaiting tool approval, one multi-agent."""
    sessions = reader.sessions(limit=1000)
    approval = next(s.id for s in sessions if s.needs_you and s.pending_actions)
    multi = max(sessions, key=lambda s: len(reader.threads(s.id))).id
    return {"approval": approval, "multi": multi}


def clock_for(reader: MirrorReader) -> datetime:
    """A fixed "now" a few minutes after the newest event, so ages are stable."""
    newest = max(s.last_event_at or s.created_at or "" for s in reader.sessions(limit=1000))
    return datetime.fromisoformat(newest.replace("Z", "+00:00")) + timedelta(minutes=3)


async def shoot(data_dir: Path, config: Path, theme: str, names: dict[str, str], now: datetime,
                full: bool) -> list[Path]:  # fmt: skip
    """Drive the app through the screens and save each picture; returns the files written."""
    tests = Path(__file__).resolve().parent.parent / "tests"
    sys.path[:0] = [str(tests / "tui"), str(tests)]  # tui_support imports tests/sim_http.py
    from tui_support import settle

    from drover.tui.app import DroverApp

    app = DroverApp(profile=PROFILE, data_dir=data_dir, config_path=config, clock=lambda: now,
                    theme=theme)  # fmt: skip
    written: list[Path] = []

    def save(name: str) -> None:
        written.append(Path(app.save_screenshot(f"{name}.svg", path=str(OUT))))

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        save(f"fleet-{theme}")
        if not full:
            return written
        await pilot.press("question_mark")
        await settle(pilot)
        save("help")
        await pilot.press("escape")
        app.go("inbox")
        await settle(pilot)
        save("inbox")
        for key in ("approval", "multi"):
            app.open_session(names[key])
            await settle(pilot)
            save("session-approval" if key == "approval" else "session-multiagent")
            if key == "multi":
                await pilot.press("t")
                await settle(pilot)
                save("session-multiagent-lane")
            app.screen.dismiss()
            await settle(pilot)
        app.open_replay(names["multi"])
        await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        save("replay")
        app.screen.dismiss()
        await settle(pilot)
    return written


async def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="drover-shots-") as tmp:
        data_dir = Path(tmp) / "data"
        path = await mirror_fleet(data_dir)
        reader = MirrorReader(path)
        try:
            names, now = pick(reader), clock_for(reader)
        finally:
            reader.close()
        written: list[Any] = []
        for index, theme in enumerate(THEMES):
            written += await shoot(data_dir, Path(tmp) / "config.toml", theme, names, now,
                                   full=index == 0)  # fmt: skip
    for file in written:
        print(f"wrote {file.relative_to(OUT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
