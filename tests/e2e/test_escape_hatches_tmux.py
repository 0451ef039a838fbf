"""End to end: the transcript's escape hatches in a real terminal (tmux).

`p` suspends drover and hands the terminal to `$PAGER` (here a script that keeps what it was
given), then drover comes back; `c` copies an event id with OSC 52 (tmux, with
`set-clipboard on`, turns it into a paste buffer, as a terminal puts it on the clipboard);
`ctrl+e` in the reply dialog hands the draft to `$EDITOR` and takes back what it saved.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest
from tmux_pane import TmuxPane
from transcript_fixtures import TOOL_EVENTS, TOOLS, session

from drover.store.mirror import Mirror

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def _script(path: Path, body: str) -> str:
    path.write_text(f"#!{sys.executable}\nimport pathlib, sys\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def _env(tmp_path: Path) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    paged, edited = tmp_path / "paged.txt", tmp_path / "edited.txt"
    env.update(
        TERM="xterm-256color",
        LANG=env.get("LANG") or "C.UTF-8",
        DROVER_DATA_DIR=str(tmp_path / "data"),
        DROVER_CONFIG=str(tmp_path / "config.toml"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        # A key, so the app may act (`m`); the endpoint is a closed loopback port: the reply
        # only ever reaches the outbox, and nothing leaves the machine.
        ANTHROPIC_API_KEY="sk-ant-escape-hatch-test",
        ANTHROPIC_BASE_URL="http://127.0.0.1:9",
        PAGER=_script(
            tmp_path / "pager",
            f"pathlib.Path({str(paged)!r}).write_text(pathlib.Path(sys.argv[1]).read_text())\n"
            "print('PAGER RUNNING'); sys.stdout.flush()",
        ),
        EDITOR=_script(
            tmp_path / "editor",
            "p = pathlib.Path(sys.argv[1])\n"
            "p.write_text(p.read_text() + ' -- and a paragraph from the editor')\n"
            f"pathlib.Path({str(edited)!r}).write_text(p.read_text())",
        ),
    )
    env.pop("VISUAL", None)
    return env


def test_pager_clipboard_and_editor_in_a_real_terminal(tmp_path: Path) -> None:
    mirror = Mirror.open(tmp_path / "data" / "default" / "mirror.db")
    try:
        mirror.writer.submit("upsert_sessions", [session(TOOLS, "fix the rounding test")]).result()
        mirror.writer.submit("ingest", TOOLS, TOOL_EVENTS).result()
    finally:
        mirror.close()
    drover = Path(sys.executable).parent / "drover"
    pane = TmuxPane([str(drover), "tui"], env=_env(tmp_path), size=(120, 36))
    try:
        pane.start()
        pane._tmux("set-option", "-s", "set-clipboard", "on")
        pane.wait_for("fix the rounding", what="the fleet row")
        pane.send("Enter")
        pane.wait_for("awaiting approval", what="the session")
        pane.send("Up")  # from the idle status to the call waiting for approval
        pane.send("p")
        paged = tmp_path / "paged.txt"
        pane.wait_for(lambda s: paged.exists() and "awaiting approval" in s, what="pager, back")
        text = paged.read_text()
        assert text.startswith("agent.tool_use · sevt_t15 · ")
        assert "$ git push --force origin main" in text and "── no result yet ──" in text

        pane.send("c")
        pane.wait_for("Copied the event id sevt_t15", what="copy notice")
        assert pane._tmux("show-buffer").strip() == "sevt_t15"  # OSC 52 reached the terminal

        pane.send("m")
        pane.wait_for("ctrl+s: send", what="the reply dialog")
        pane.type("Draft")
        pane.send("C-e")
        pane.wait_for("paragraph from the editor", what="the edited reply")
        assert (tmp_path / "edited.txt").read_text().startswith("Draft -- and a paragraph")
        pane.send("Escape")
        pane.wait_for(lambda s: "paragraph from the editor" not in s, what="the dialog closed")
        pane.send("C-q")
        assert pane.exit_status() == 0
        assert "Traceback" not in pane.screen()
    finally:
        pane.close()
