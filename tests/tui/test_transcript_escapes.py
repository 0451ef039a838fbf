"""Escape hatches from the transcript: copy an id (Textual's clipboard, which also sends OSC 52),
an event or the whole transcript in `$PAGER`, a long reply in `$EDITOR`.

Pilot runs headless, where the app cannot lend its terminal: the pager and editor keys must say
so instead of failing. With `App.suspend` stood in for (the real suspend is exercised in a real
terminal by tests/e2e/test_escape_hatches_tmux.py), real `$PAGER`/`$EDITOR` programs run and
the tests read what they were given.
"""

from __future__ import annotations

import contextlib
import stat
import sys
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import TextArea
from transcript_fixtures import TEST_OUTPUT, TOOL_EVENTS, TOOLS, add_session
from tui_support import settle

from drover.tui.screens.confirm import ConfirmScreen


async def _open_at(pilot, event_id: str):
    await settle(pilot)
    await add_session(pilot.app, TOOLS, TOOL_EVENTS)
    pilot.app.open_session(TOOLS)
    await settle(pilot)
    events = pilot.app.screen.events
    events.go_to(next(b.row.seq for b in events.blocks if b.row.id == event_id))
    await settle(pilot)
    return events


def _notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(f"#!{sys.executable}\nimport sys, pathlib\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


async def test_c_copies_the_event_id_and_shift_c_the_session_id(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_at(pilot, "sevt_t09")
        await pilot.press("c")
        assert app.clipboard == "sevt_t09"
        await pilot.press("C")
        assert app.clipboard == TOOLS
        assert any("Copied the session id sesn_tools" in n for n in _notes(app))


async def test_pager_and_editor_say_why_not_when_there_is_no_terminal(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_at(pilot, "sevt_t09")
        await pilot.press("p")
        await settle(pilot)
        assert any("needs a terminal" in n and "v shows it here" in n for n in _notes(app))
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert any("needs a terminal" in n for n in _notes(app))
        assert isinstance(app.screen, ConfirmScreen)  # the dialog is still there to type in


@pytest.fixture
def lendable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the headless app "lend" its terminal: the external program just runs."""
    monkeypatch.setattr(App, "suspend", lambda self: contextlib.nullcontext())


async def test_p_pages_the_whole_call_and_shift_p_the_transcript(
    make_app, tmp_path, monkeypatch, lendable
) -> None:
    seen = tmp_path / "paged.txt"
    body = f"pathlib.Path({str(seen)!r}).write_text(pathlib.Path(sys.argv[-1]).read_text())"
    pager = _script(tmp_path, "pager", body)
    monkeypatch.setenv("PAGER", f"{pager} --some-flag")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_at(pilot, "sevt_t09")
        await pilot.press("p")
        await settle(pilot)
        text = seen.read_text()
        assert text.startswith("agent.tool_use · sevt_t09 · 2026-05-12T11:00:03Z")
        assert "$ cd /workspace/repo && python -m pytest -q tests" in text
        assert TEST_OUTPUT in text and "✗ exit 1 · 4.3s" in text
        await pilot.press("P")
        await settle(pilot)
        text = seen.read_text()
        assert text.startswith("# sesn_tools · fix the rounding test")
        assert "tool   bash  $ cd /workspace/repo && python -m pytest -q tests" in text
        assert "error  bash ✗ exit 1 · 4.3s" in text
        assert not list(Path(seen.parent).glob("drover-*"))  # temp files are gone


async def test_ctrl_e_writes_a_long_reply_in_the_editor(
    make_app, tmp_path, monkeypatch, lendable
) -> None:
    more = " and a second paragraph.\n\nThird.\n"
    body = f"p = pathlib.Path(sys.argv[-1]); p.write_text(p.read_text() + {more!r})"
    editor = _script(tmp_path, "editor", body)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_at(pilot, "sevt_t09")
        await pilot.press("m")
        await settle(pilot)
        field = app.screen.query_one(TextArea)
        field.text = "First thought"
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert field.text == "First thought and a second paragraph.\n\nThird."
        assert app.screen.focused is field
