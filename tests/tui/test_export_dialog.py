"""`e` exports a session from the fleet or the session screen (the export dialog), and an
imported session opened in the TUI is never followed by sync (real sim, real engine)."""

from __future__ import annotations

import json
from typing import Any

from test_new_session import fleet_on
from textual.widgets import Input, Select, Static, Switch
from tui_support import ingest, settle, until

from drover.store.imports import ImportedEvent
from drover.store.mirror import Mirror
from drover.sync.profiles import ProfileEngines
from drover.tui.screens.export_dialog import ExportDialog, open_export
from drover.tui.screens.fleet import FleetScreen
from drover.tui.screens.session import SessionScreen

A = "sesn_fleet_001"
TOKEN = "gh" + "p_" + "Kq7" * 12


def _error(dialog: ExportDialog) -> str:
    error = dialog.query_one("#error", Static)
    return str(error.render()) if error.has_class("-shown") else ""


def _notices(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def _open_dialog(pilot: Any, sid: str = A) -> ExportDialog:
    await fleet_on(pilot, sid)
    await pilot.press("e")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ExportDialog) and dialog.session_id == sid
    return dialog


async def test_e_on_the_fleet_exports_the_highlighted_session(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(readonly=True)  # exporting only reads: allowed read-only
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        at = "2026-05-12T09:30:00Z"
        message = {"type": "agent.message", "id": "sevt_tok", "processed_at": at,
                   "content": [{"type": "text", "text": f"key is {TOKEN}"}]}  # fmt: skip
        await ingest(app, A, [message])
        dialog = await _open_dialog(pilot)
        path = dialog.query_one("#path", Input)
        assert path.value == str(tmp_path / f"drover-{A}.md")
        assert dialog.query_one("#redact", Switch).value is True
        dialog.query_one("#format", Select).value = "html"
        await pilot.pause()
        assert path.value == str(tmp_path / f"drover-{A}.html")  # follows the format
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        written = tmp_path / f"drover-{A}.html"
        text = written.read_text()
        assert text.startswith("<!DOCTYPE html>") and "Generate docs for module 1" in text
        assert TOKEN not in text and "[REDACTED:github-token]" in text
        assert any(f"to {written}" in n and "1 secret redacted" in n for n in _notices(app)), (
            _notices(app)
        )


async def test_e_on_the_session_screen_exports_jsonl_unredacted(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await fleet_on(pilot, A)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog) and dialog.session_id == A
        dialog.query_one("#format", Select).value = "jsonl"
        dialog.query_one("#redact", Switch).value = False
        target = tmp_path / "out" / "run.jsonl"
        target.parent.mkdir()
        dialog.query_one("#path", Input).value = str(target)
        dialog.query_one("#path", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        lines = [json.loads(line) for line in target.read_text().splitlines()]
        assert lines[0]["session_id"] == A and lines[0]["redacted"] is False
        assert any("NOT redacted" in n for n in _notices(app))


async def test_an_existing_file_or_a_missing_folder_is_said_inline(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        dialog = await _open_dialog(pilot)
        existing = tmp_path / "taken.md"
        existing.write_text("keep me")
        dialog.query_one("#path", Input).value = str(existing)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        assert "already exists" in _error(dialog) and "Replace" in _error(dialog)
        assert existing.read_text() == "keep me"

        dialog.query_one("#path", Input).value = str(tmp_path / "nowhere" / "x.md")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and "no folder" in _error(dialog)

        dialog.query_one("#path", Input).value = str(existing)
        dialog.query_one("#overwrite", Switch).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        assert existing.read_text().startswith("# nightly docs 001")


async def test_escape_cancels_and_writes_nothing(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await _open_dialog(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        assert list(tmp_path.glob("drover-*")) == []


async def test_open_export_takes_a_range(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        rows = app.mirror.reader.transcript("sesn_long", thread="*", after_seq=0, limit=50)
        open_export(app.screen, "sesn_long", rows[10].seq, rows[19].seq, title="long migration")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert f"events {rows[10].seq}…{rows[19].seq}" in str(dialog.query_one("#scope").render())
        dialog.query_one("#format", Select).value = "jsonl"
        target = tmp_path / "range.jsonl"
        dialog.query_one("#path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        lines = [json.loads(line) for line in target.read_text().splitlines()]
        assert [line["id"] for line in lines[1:-1]] == [r.id for r in rows[10:20]]
        assert lines[0]["partial"] is True


async def test_an_imported_session_opened_in_the_tui_is_not_followed(sim, tmp_path, monkeypatch):
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    data = tmp_path / "data"
    sid = "sesn_011CImportedIntoTheTui01"
    mirror = Mirror.open(data / "default" / "mirror.db")
    events = [
        ImportedEvent("sevt_i1", None, True, {"type": "user.message", "id": "sevt_i1",
                      "processed_at": "2026-05-12T10:00:00Z",
                      "content": [{"type": "text", "text": "reviewed offline"}]}),
        ImportedEvent("sevt_i2", None, True, {"type": "session.status_idle", "id": "sevt_i2",
                      "processed_at": "2026-05-12T10:00:01Z", "stop_reason": {"type": "end_turn"}}),
    ]  # fmt: skip
    mirror.writer.submit("import_session", sid, None, [], iter(events)).result()
    mirror.close()
    from drover.tui.app import DroverApp

    app = DroverApp(
        data_dir=data,
        config_path=tmp_path / "config.toml",
        engines=ProfileEngines.endpoint(sim.base_url, sim.api_key, data),
        desktop_notifications=False,
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: app.engine is not None, "the engine")
        app.open_session(sid)
        # Not `settle`: with live sync, screen loads restart (and cancel) as notices arrive.
        await until(pilot, lambda: isinstance(app.screen, SessionScreen), "the session screen")
        await pilot.pause(0.5)  # time enough for a follower to have started and hit a 404
        engine = app.engine
        assert sid not in engine.followed and sid not in engine.finished
        row = app.mirror.reader.session(sid)
        assert row.origin == "import" and not row.deleted
        assert len(app.mirror.reader.event_ids(sid)) == 2
