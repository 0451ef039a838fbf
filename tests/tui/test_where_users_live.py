""" "Where users live": narrow terminals, big fleets, the mouse, bulk acts, honest dialogs and
read-only review. Each test proves one point of that issue on the real app (Pilot)."""

from __future__ import annotations

from typing import Any

from test_inbox_actions import A, B, C, fleet_with_asks, queued
from tui_support import HOSTILE, settle

from drover.store.fleet import SORT_KEYS
from drover.tui.app import DroverApp
from drover.tui.screens.confirm import ConfirmScreen, QuitDialog
from drover.tui.screens.fleet import FleetScreen
from drover.tui.widgets.fleet_summary import FleetSummary

ASKS = {
    A: [("sevt_a1", "rm -rf build")],
    B: [("sevt_b1", "terraform apply")],
    C: [("sevt_c1", "git push")],
}


def lines(app: DroverApp) -> list[str]:
    """The screen as text, one string per row."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


async def test_at_80x24_the_fleet_keeps_status_title_and_needs_you(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await fleet_with_asks(pilot, ASKS)
        screen = lines(app)
        header = next(line for line in screen if "STATUS" in line)
        for label in ("STATUS", "TITLE", "NEEDS YOU", "WAITING"):
            assert label in header, header
        row = next(line for line in screen if "nightly docs 001" in line)
        assert "approve bash: rm -rf" in row  # the reason, on screen
        title_width = header.index(header.split("TITLE")[1].split()[0]) - header.index("TITLE")
        assert title_width >= 22, header  # titles stay readable (was 7 cells)


async def test_at_160x45_every_column_shows(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await fleet_with_asks(pilot, ASKS)
        header = next(line for line in lines(app) if "STATUS" in line)
        for label in ("AGENT", "MODEL", "AGE", "ACTIVE", "TOKENS", "COST", "CONN", "WAITING"):
            assert label in header, header


async def test_a_click_highlights_a_row_and_a_double_click_opens_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await fleet_with_asks(pilot, ASKS)
        table = screen.table
        await pilot.click(table, offset=(5, 3))
        await settle(pilot)
        assert table.cursor == 3
        await pilot.click(table, offset=(5, 3), times=2)
        await settle(pilot)
        assert type(app.screen).__name__ == "SessionScreen"
        assert app.screen.session_id == table.ids[3]


async def test_a_click_on_a_column_name_sorts_by_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        screen = await fleet_with_asks(pilot, ASKS)
        header = next(line for line in lines(app) if "STATUS" in line)
        await pilot.click("#columns", offset=(header.index("COST") + 1, 0))
        await settle(pilot)
        assert screen.query_state.sort == "cost"


async def test_slash_approve_finds_the_sessions_waiting_for_approval(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await fleet_with_asks(pilot, ASKS)
        await pilot.press("slash", *"approve", "enter")
        await settle(pilot)
        assert {A, B, C} <= set(screen.table.ids) and len(screen.table.ids) <= 4
        await pilot.press("slash", "ctrl+u", *"terraform", "enter")  # a pending call's input
        await settle(pilot)
        assert list(screen.table.ids) == [B]


async def test_mark_all_matching_the_filter_then_one_bulk_allow(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await fleet_with_asks(pilot, ASKS)
        await pilot.press("slash", *"rm -rf|terraform", "enter")
        await settle(pilot)
        await pilot.press("asterisk")
        await pilot.pause()
        assert sorted(screen.table.marked) == sorted([A, B])
        assert screen.query_one(FleetSummary).marked == 2
        await pilot.press("y")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "y or enter allow · esc cancel" in dialog.key_help()
        await pilot.press("enter")  # enter agrees with the y that opened it
        await settle(pilot)
        assert sorted(sid for sid, _, _ in queued(app)) == sorted([A, B])
        await pilot.press("escape")  # drop the filter: all rows again
        await settle(pilot)
        await pilot.press("asterisk")
        assert len(screen.table.marked) == len(screen.table.ids)
        await pilot.press("asterisk")  # again: unmark
        assert screen.table.marked == []


async def test_dialogs_say_which_key_does_what_and_a_cancel_is_never_silent(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await fleet_with_asks(pilot, ASKS)
        screen.table.cursor = list(screen.table.ids).index(A)
        await pilot.press("i")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.key_help() == "y interrupt · enter or esc cancel"
        assert "Interrupt  y" in str(dialog.query_one("#confirm").label)
        await pilot.press("enter")  # interrupt stops work: enter is the safe answer
        await settle(pilot)
        assert queued(app) == []
        assert any("nothing was sent" in n.message for n in app._notifications)


async def test_the_waiting_column_and_its_sort(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        screen = await fleet_with_asks(pilot, ASKS)
        assert "waiting" in SORT_KEYS
        screen.set_sort("waiting")
        await settle(pilot)
        waiting = [sid for sid in screen.table.ids if sid in (A, B, C)]
        assert waiting == [A, B, C] or len(waiting) == 3  # same instant: ties by id
        row = next(line for line in lines(app) if "nightly docs 001" in line)
        assert " 1m approve bash" in row  # waiting since 11:58:09, the clock says 12:00


async def test_quitting_with_undelivered_actions_warns_first(make_app) -> None:
    app = make_app()  # offline: queued actions stay in the outbox
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await fleet_with_asks(pilot, ASKS)
        screen.table.cursor = list(screen.table.ids).index(A)
        await pilot.press("y")
        await settle(pilot)
        assert len(queued(app)) == 1
        await pilot.press("ctrl+q")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, QuitDialog)
        assert "not delivered yet" in dialog.question and "next time" in dialog.question
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, FleetScreen)
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
    assert not app.is_running


async def test_quitting_with_an_empty_outbox_does_not_ask(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running


class NoKey:
    """An engine source whose profiles have no API key (what `drover tui` meets)."""

    async def engine(self, name: str, mirror: Any, **_: Any) -> Any:
        from drover.config.errors import MissingApiKeyError

        raise MissingApiKeyError(f"no API key for profile {name!r}; run `drover login`")


async def test_no_key_means_read_only_and_the_header_says_why(make_app) -> None:
    app = make_app(engines=NoKey())
    async with app.run_test(size=(160, 30)) as pilot:
        screen = await fleet_with_asks(pilot, ASKS)
        assert app.readonly and app.readonly_reason == "no API key"
        summary = str(screen.query_one(FleetSummary).render())
        assert "default · offline (no API key) · read-only" in summary
        row = next(line for line in lines(app) if "nightly docs 001" in line)
        assert "awaits approval · bash: rm -rf build" in row and "approve bash" not in row
        screen.table.cursor = list(screen.table.ids).index(A)
        await pilot.press("y")
        await settle(pilot)
        assert queued(app) == []
        assert any(
            "Read-only (no API key): Allow refused" in n.message and "drover login" in n.message
            for n in app._notifications
        )
        assert "Allow" not in "".join(lines(app)[-1:])  # not offered in the footer
        await pilot.press("enter")
        await settle(pilot)
        header = "\n".join(lines(app)[:4])
        assert "awaits approval · bash" in header and "approve bash" not in header


async def test_header_says_when_a_budget_is_crossed(make_app, tmp_path) -> None:
    (tmp_path / "config.toml").write_text("[budgets]\ndaily_usd = 0.01\n")
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        summary = app.screen.query_one(FleetSummary)
        assert summary.budgets and summary.budgets[0].level == "reached"
        assert "$ daily budget" in str(summary.render())


async def test_the_hostile_title_stays_inert_at_80_columns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await fleet_with_asks(pilot, {})
        screen.set_filter("hostile")
        await settle(pilot)
        assert HOSTILE in screen.table.ids
        assert "\x1b" not in "".join(lines(app))


def burst(app: DroverApp, text: str) -> None:
    """Type `text` and enter as one burst: every key queued before any is handled."""
    from textual import events

    names = {":": "colon", "/": "slash", " ": "space", "!": "exclamation_mark"}
    for char in text:
        app.post_message(events.Key(names.get(char, char), char))
    app.post_message(events.Key("enter", "\r"))


async def test_keys_typed_in_a_burst_after_colon_are_never_dropped(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        for _ in range(4):
            burst(app, ":grid")
            await settle(pilot)
            assert app.current_mode == "grid", app.screen
            burst(app, ":sessions")
            await settle(pilot)
            assert app.current_mode == "sessions" and isinstance(app.screen, FleetScreen)
        burst(app, "/approve")
        await settle(pilot)
        assert app.screen.query_state.pattern == "approve"


async def test_the_colon_prompt_completes_and_remembers(make_app, tmp_path) -> None:
    from drover.tui.screens.prompt import PromptScreen

    (tmp_path / "config.toml").write_text('[aliases]\nw = "grid 1"\n')
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"inb", "tab", "enter")  # tab completes :inb → :inbox
        await settle(pilot)
        assert app.current_mode == "inbox"
        await pilot.press("colon", *"th", "tab")
        await settle(pilot)
        assert app.screen.input.value == "theme"
        await pilot.press("escape", "colon", "up")  # the last line typed comes back
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, PromptScreen) and prompt.input.value == "inbox"
        await pilot.press("down")
        assert prompt.input.value == ""
        await pilot.press("escape")
        burst(app, ":w")  # an alias of your own
        await settle(pilot)
        assert app.current_mode == "grid"
        assert app.screen.pane_count == 1


async def test_keys_remap_from_the_config_and_help_lists_drovers_keys_first(
    make_app, tmp_path
) -> None:
    from drover.tui.screens.help import HelpScreen

    (tmp_path / "config.toml").write_text(
        '[keys]\n"act.allow" = "a"\n"act.interrupt" = "ctrl+i"\n"fleet.nope" = "x"\n'
    )
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with_asks(pilot, ASKS)
        assert any("fleet.nope" in n.message for n in app._notifications)  # a typo is told
        screen.table.cursor = list(screen.table.ids).index(A)
        await pilot.press("y")  # no longer allows
        await settle(pilot)
        assert queued(app) == []
        await pilot.press("a")
        await settle(pilot)
        assert [sid for sid, _, _ in queued(app)] == [A]
        await pilot.press("question_mark")
        await settle(pilot)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert ("a", "Allow") in help_screen.bindings and help_screen.ids["Allow"] == "act.allow"
        generic = {what for _, what in help_screen.generic}
        assert "palette" in " ".join(generic).lower()  # Textual's own: listed, but last
        assert not {what for _, what in help_screen.bindings} & generic
        order = [t.id for t in help_screen.query("DataTable")]
        assert order == ["keys", "commands", "generic"]


async def test_agents_and_envs_lists_are_readable_at_80_and_60_columns(make_app) -> None:
    from test_resources import AGENT, ENV, OPEN_ENV

    for width, kind in ((80, "agents"), (60, "envs"), (60, "agents")):
        app = make_app()
        async with app.run_test(size=(width, 20)) as pilot:
            await settle(pilot)
            await app.mirror.writer.upsert_agents([AGENT, {"id": "agent_min", "name": "Minimal"}])
            await app.mirror.writer.upsert_environments([ENV, OPEN_ENV])
            await pilot.press("colon", *kind, "enter")
            await settle(pilot)
            shown = "\n".join(lines(app))
            if kind == "agents":
                assert "Infra Operator" in shown and "claude-opus-4-8" in shown, shown
            else:
                assert "python-sandbox" in shown and "limited (2 hosts)" in shown, shown


async def test_j_and_k_move_in_every_table(make_app) -> None:
    from test_resources import AGENT
    from textual.widgets import DataTable

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await fleet_with_asks(pilot, {})
        await pilot.press("j", "j", "k")
        assert screen.table.cursor == 1  # the fleet
        await app.mirror.writer.upsert_agents([AGENT, {"id": "agent_min", "name": "Minimal"}])
        await pilot.press("colon", *"agents", "enter")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        await pilot.press("j")
        assert table.cursor_row == 1
        await pilot.press("k")
        assert table.cursor_row == 0  # :agents (and :envs, the same screen)
        await pilot.press("colon", *"cost", "enter")
        await settle(pilot)
        cost_table = app.screen.query_one("#cost-session", DataTable)
        assert cost_table.has_focus and cost_table.row_count > 2
        await pilot.press("j", "j", "k")
        assert cost_table.cursor_row == 1  # the cost ledger
        await pilot.press("colon", *"search line", "enter")
        await settle(pilot)
        hits = app.screen.hit_list
        await pilot.press("down")  # from the query to the hits
        await settle(pilot)
        assert hits.has_focus
        await pilot.press("j", "j", "k")
        assert hits.highlighted == 1  # search hits


async def test_the_first_paint_shows_the_mirrors_rows(make_app, monkeypatch) -> None:
    from drover.tui.widgets.fleet_table import FleetTable

    # No worker fills the list: what it shows was read before the screen first painted.
    monkeypatch.setattr(FleetScreen, "_load_order", lambda self, keep: None)
    seen: list[int] = []
    original = FleetTable.render_line

    def spy(self: FleetTable, y: int) -> Any:
        if not seen:
            seen.append(len(self.ids))  # the list's very first painted line
        return original(self, y)

    monkeypatch.setattr(FleetTable, "render_line", spy)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        assert seen and seen[0] == len(screen.table.ids) == 47
        summary = screen.query_one(FleetSummary)
        assert summary.counts is not None and summary.counts.sessions == 47
        assert "0/0" not in str(summary.render())


async def test_an_empty_mirror_says_so_instead_of_0_of_0(make_app, tmp_path) -> None:
    app = make_app(profile="fresh")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one(FleetSummary).render())
        assert "no sessions mirrored yet" in text and "0/0" not in text


async def test_an_imported_export_is_reviewed_without_an_account(
    make_app, data_dir, tmp_path, monkeypatch, capsys
) -> None:
    from test_inbox_actions import asking as ask_events

    from drover.cli.main import main
    from drover.store.mirror import Mirror
    from drover.tui.screens.session import SessionScreen

    asking = A  # left waiting on a tool approval, then exported and imported elsewhere
    mirror = Mirror.open(data_dir / "default" / "mirror.db")
    try:
        mirror.writer.submit("ingest", A, ask_events(A, ("sevt_a1", "rm -rf build"))).result()
    finally:
        mirror.close()
    export = tmp_path / "run.jsonl"
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    argv = ["--data-dir", str(data_dir)]
    assert main(["export", asking, "--format", "jsonl", "-o", str(export), *argv]) == 0
    review = tmp_path / "review"
    assert main(["import", str(export), "--data-dir", str(review)]) == 0
    capsys.readouterr()

    app = make_app(data_dir=review, engines=NoKey())
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FleetScreen) and list(screen.table.ids) == [asking]
        assert app.readonly and "no API key" in app.sub_title
        row = next(line for line in lines(app) if line.startswith("idle"))
        assert "was awaiting approval · " in row and "approve " not in row
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen) and app.screen.session_id == asking
        header = "\n".join(lines(app)[:4])
        assert "was awaiting approval" in header and "approve " not in header
        await pilot.press("y")
        await settle(pilot)
        assert app.mirror.reader.outbox() == []
        assert any("Read-only (no API key)" in n.message for n in app._notifications)


async def test_user_theme_files_are_listed_used_and_saved(make_app, tmp_path) -> None:
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "nord.toml").write_text(
        '# mine\ndark = true\nprimary = "#88C0D0"\nbackground = "#2E3440"\n'
        '[variables]\nsession-needs-you = "#EBCB8B"\n'
    )
    (themes / "broken.toml").write_text('primary = "blue-ish"\n')
    config = tmp_path / "config.toml"
    config.write_text('# my config\ntheme = "drover-dark"  # for now\n')
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "nord" in app.drover_theme_names() and "broken" not in app.available_themes
        assert any("broken.toml" in n.message for n in app._notifications)
        await pilot.press("colon", *"theme nord", "enter")
        await settle(pilot)
        assert app.theme == "nord"
        assert app.current_theme.variables["session-needs-you"] == "#EBCB8B"
        await app.workers.wait_for_complete()
    assert config.read_text() == '# my config\ntheme = "nord"  # for now\n'
    again = make_app()  # the next run starts on it
    async with again.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert again.theme == "nord"
