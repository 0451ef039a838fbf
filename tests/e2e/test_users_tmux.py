"""End to end, in a real terminal (tmux): "Where users live".

1. The bare `drover`, with the TUI's options and no API key, opens a mirror read-only at
   80×24: the header says why, the fleet keeps STATUS, TITLE and NEEDS YOU, `y` is refused.
2. `:grid` typed in one burst on a 150-session demo reaches the prompt every time.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
from test_demo_tmux import _console_script, _env, _rows
from tmux_pane import TmuxPane

sys.path.insert(0, str(Path(__file__).parents[1] / "tui"))  # the fixture mirror's builder

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def test_bare_drover_reviews_a_mirror_read_only_at_80x24(tmp_path: Path) -> None:
    from tui_support import build_mirror

    env = _env(tmp_path)
    build_mirror(Path(env["DROVER_DATA_DIR"]))
    argv = [str(_console_script()), "--profile", "default", "--theme", "drover-light"]
    pane = TmuxPane(argv, env=env, size=(80, 24))
    try:
        pane.start()
        screen = pane.wait_for(
            lambda s: "read-only" in s and len(_rows(s)) >= 5, what="the fleet, read-only"
        )
        print("\n" + screen)
        header = screen.splitlines()[1]
        for label in ("STATUS", "TITLE", "NEEDS YOU"):
            assert label in header, screen
        assert "default · offline (no API key) · read-only" in screen
        assert re.search(r"retries exhausted", screen), screen  # a reason, on screen at 80
        pane.send("y")
        pane.wait_for("Read-only (no API key)", what="the refusal")
        pane.send("C-q")
        assert pane.exit_status() == 0
    finally:
        pane.close()


def test_a_burst_after_colon_is_never_dropped_on_a_150_session_demo(tmp_path: Path) -> None:
    argv = [str(_console_script()), "demo", "--fleet", "150"]
    pane = TmuxPane(argv, env=_env(tmp_path), size=(140, 45))
    try:
        pane.start()
        pane.wait_for(lambda s: len(_rows(s)) >= 10, timeout=60, what="the demo's fleet")
        for attempt in range(4):
            pane.send(":grid", "Enter")  # one send-keys: the keys arrive as one burst
            pane.wait_for(
                lambda s: "Busiest" in s and "STATUS" not in s, what=f"the grid ({attempt})"
            )
            pane.send(":sessions", "Enter")
            pane.wait_for(lambda s: "STATUS" in s and _rows(s), what=f"the fleet ({attempt})")
        pane.send(":q!", "Enter")
        assert pane.exit_status() == 0
    finally:
        pane.close()
