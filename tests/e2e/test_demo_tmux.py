"""End to end: the installed `drover demo` console script in a real terminal (tmux).

What a person would do on first run: wait for the fleet, open the inbox with `:inbox`, look at
`?` help, open a session, go back, quit with ctrl+q. Each step asserts what the screen shows.
The time from launch to the first fleet rows is printed (PERFORMANCE.md P3's spirit for the
demo); the bound asserted here is loose on purpose, the figure is the point.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from tmux_pane import TmuxPane

SIZE = (140, 45)
FIRST_ROWS_LIMIT = 20.0
"""Seconds allowed to the first fleet rows (generous: CI machines are slow and shared)."""
STEP_LIMIT = 30.0
"""Seconds allowed to any later screen (a loaded 2-core box also runs the sim and sync)."""

ROW = re.compile(r"^(idle|running|resched|retrying|terminated)\s+\S.*$", re.MULTILINE)
SUMMARY = re.compile(r"(\d+)/(\d+) sessions .*?▲ (\d+) need you")

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _console_script() -> Path:
    """The `drover` script pip installed next to the interpreter running the tests."""
    script = Path(sys.executable).parent / "drover"
    if not script.exists():
        pytest.fail(f"console script not installed at {script} (run scripts/bootstrap)")
    return script


def _env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: private data and config dirs, a known terminal, no API key."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        LANG=env.get("LANG") or "C.UTF-8",
        DROVER_DATA_DIR=str(tmp_path / "data"),
        DROVER_CONFIG=str(tmp_path / "config.toml"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


def _rows(screen: str) -> list[str]:
    return [m.group(0) for m in ROW.finditer(screen)]


def _summary(screen: str) -> tuple[int, int, int] | None:
    match = SUMMARY.search(screen)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def test_demo_first_run_in_a_real_terminal(tmp_path: Path) -> None:
    pane = TmuxPane([str(_console_script()), "demo"], env=_env(tmp_path), size=SIZE)
    try:
        pane.start()
        # 1. The fleet: a summary with sessions and session rows under the column header.
        screen = pane.wait_for(
            lambda s: "STATUS" in s and len(_rows(s)) >= 3,
            timeout=FIRST_ROWS_LIMIT, what="fleet rows",
        )  # fmt: skip
        first_rows = pane.elapsed()
        print(f"\ndrover demo: first fleet rows after {first_rows * 1000:.0f} ms")
        assert "TITLE" in screen and "NEEDS YOU" in screen
        assert "Help" in screen and "Quit" in screen  # the footer
        # Wait until sync has mirrored the fleet: every session listed, some needing you.
        pane.wait_for(
            lambda s: (c := _summary(s)) is not None and c[0] == c[1] > 0 and c[2] > 0,
            timeout=STEP_LIMIT, what="the whole fleet, with sessions needing you",
        )  # fmt: skip

        # 2. `:inbox` shows only sessions that need you, each with its reason.
        pane.send(":")
        pane.wait_for("sessions · inbox", what="the : prompt")
        pane.type("inbox")
        pane.send("Enter")
        screen = pane.wait_for(
            lambda s: (c := _summary(s)) is not None and 0 < c[0] == c[2] < c[1],
            what="inbox: shown == need you < all",
        )  # fmt: skip
        inbox_rows = _rows(screen)
        # Every inbox row carries its reason in the NEEDS YOU column (the last one).
        reason_at = screen.splitlines()[1].index("NEEDS YOU")
        assert inbox_rows and all(line[reason_at:].strip() for line in inbox_rows), screen

        # 3. `?` lists the keys of the screen it was opened on (generated from its bindings).
        pane.send("?")
        screen = pane.wait_for(lambda s: re.search(r"\bKeys\b", s), what="help")
        assert re.search(r"⏎\s+Open", screen) and re.search(r"/\s+Filter", screen), screen
        pane.send("Escape")
        pane.wait_for(lambda s: not re.search(r"\bKeys\b", s) and _rows(s), what="help closed")

        # 4. enter opens the highlighted session: header figures and its transcript.
        pane.send("Enter")
        screen = pane.wait_for(
            lambda s: " events · conn " in s and "Follow tail" in s, what="session screen"
        )
        assert not _rows(screen[: screen.find("\n")])  # the fleet list is gone
        assert "sesn_" in screen
        pane.wait_for(lambda s: re.search(r"^\s*(You|Agent|⚙|──|↳)", s, re.M), what="events")

        # 5. escape goes back to the list the session was opened from.
        pane.send("Escape")
        pane.wait_for(lambda s: "STATUS" in s and _rows(s) and "events · conn" not in s)

        # 6. ctrl+q quits cleanly and gives the terminal back.
        pane.send("C-q")
        assert pane.exit_status() == 0
        assert "Traceback" not in pane.screen()
    finally:
        pane.close()
