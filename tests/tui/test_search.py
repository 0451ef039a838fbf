"""The search screen: typing finds hits, facets narrow, bad queries explain themselves, a new
query cancels the one in flight, scrolling pages, Enter opens replay at the hit."""

from __future__ import annotations

import threading

from textual.widgets import Input
from tui_support import HOSTILE, LONG, settle

from drover.store.search import SearchCancelled
from drover.tui.screens import search as search_screen
from drover.tui.screens.replay import ReplayScreen
from drover.tui.screens.search import HINT, SearchScreen

SIZE = (120, 40)


async def _search(pilot, text: str) -> SearchScreen:
    """Replace the query with `text` and search now (Enter skips the typing pause)."""
    screen = pilot.app.screen
    assert isinstance(screen, SearchScreen)
    screen.query_one(Input).value = text
    await pilot.press("enter")
    await settle(pilot)
    return screen


async def _open(pilot) -> SearchScreen:
    await pilot.press("ctrl+f")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SearchScreen)
    return pilot.app.screen


def _plain(screen: SearchScreen) -> list[str]:
    hits = screen.hit_list
    return [hits.get_option_at_index(i).prompt.plain for i in range(hits.option_count)]


async def test_typing_finds_hits_newest_first_with_facets(make_app, monkeypatch) -> None:
    monkeypatch.setattr(search_screen, "DEBOUNCE", 0.01)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _open(pilot)
        assert screen.state == HINT and screen.query_one(Input).has_focus
        await pilot.press(*"module")  # no Enter: the paused-typing timer starts the search
        for _ in range(50):  # the timer needs a little real time to fire
            await pilot.pause(0.02)
            await settle(pilot)
            if screen.hit_list.option_count:
                break
        assert screen.state == "40 hits, newest first"
        seqs = [hit.seq for hit in screen.hit_list.hits]
        assert seqs == sorted(seqs, reverse=True)
        first = _plain(screen)[0]
        assert "nightly docs 039" in first and "user.message" in first
        assert "Generate docs for module 39" in first and "ago" in first

        await _search(pilot, "module agent:docgen-1 type:message")
        hits = screen.hit_list.hits
        assert len(hits) == 13 and {h.agent_name for h in hits} == {"docgen-1"}
        status = screen.query_one("#status").render().plain
        assert "agent:docgen-1" in status and "type:agent.message" in status
        assert status.endswith("13 hits, newest first")


async def test_bad_queries_show_a_message_and_keep_the_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _open(pilot)
        await _search(pilot, "module")
        listed = screen.hit_list.option_count
        for text, message in [
            ("colour:red", "unknown filter colour; use agent, session, status, type, tool"),
            ('"unbalanced', "unbalanced quote"),
            ("m*", "prefix m* is too short"),
            ("module after:someday", "bad date 'someday' in after:"),
        ]:
            await _search(pilot, text)
            assert screen.state.startswith(message), screen.state
            assert screen.query_one("#status").has_class("-error")
            assert screen.hit_list.option_count == listed  # the last good hits stay
        assert app.screen is screen
        await _search(pilot, "")
        assert screen.state == HINT and screen.hit_list.option_count == 0


async def test_a_new_query_cancels_the_one_in_flight(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _open(pilot)
        reader = app.mirror.reader
        real = reader.search
        calls: list[tuple[str, threading.Event]] = []

        def slow_first(query, *args, cancel, **kwargs):
            calls.append((query, cancel))
            if len(calls) == 1:  # stands for a long search: runs until it is cancelled
                if not cancel.wait(10):
                    raise AssertionError("the first search was never cancelled")
                raise SearchCancelled("search cancelled")
            return real(query, *args, cancel=cancel, **kwargs)

        reader.search = slow_first
        screen.query_one(Input).value = "module"
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause()
            if calls:
                break
        assert [q for q, _ in calls] == ["module"] and screen.state == "searching…"
        assert not calls[0][1].is_set()
        await _search(pilot, "line 42")
        assert calls[0][1].is_set(), "the new query did not cancel the running one"
        assert [q for q, _ in calls] == ["module", "line 42"]
        assert [h.session_id for h in screen.hit_list.hits] == [LONG]
        assert screen.state == "1 hit, newest first"


async def test_reaching_the_end_loads_the_next_page(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _open(pilot)
        expected = [h.seq for h in app.mirror.reader.search("line", limit=1000)]
        assert len(expected) > 2 * search_screen.PAGE
        await _search(pilot, "line")
        assert screen.hit_list.option_count == search_screen.PAGE
        assert "more load as you scroll" in screen.state
        await pilot.press("down")  # from the query to the hits
        assert screen.hit_list.has_focus
        for _ in range(10):
            await pilot.press("end")
            await settle(pilot)
        assert [h.seq for h in screen.hit_list.hits] == expected
        assert screen.state == f"{len(expected)} hits, newest first"


async def test_enter_on_a_hit_opens_replay_at_that_event(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _open(pilot)
        await _search(pilot, "module 7")
        await pilot.press("enter")  # the query is unchanged: Enter moves to the hits
        assert screen.hit_list.has_focus
        hit = screen.hit_list.hits[0]
        await pilot.press("enter")
        await settle(pilot)
        replay = app.screen
        assert isinstance(replay, ReplayScreen)
        assert (replay.session_id, replay.at_seq) == (hit.session_id, hit.seq)
        assert hit.session_id == "sesn_fleet_007"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.hit_list.option_count == 1


async def test_search_command_and_ctrl_f_reuse_one_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        depth = len(app.screen_stack)
        await pilot.press("colon", *"search module 12", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen) and screen.query_one(Input).value == "module 12"
        assert [h.session_id for h in screen.hit_list.hits] == ["sesn_fleet_012"]
        screen.hit_list.focus()
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert app.screen is screen and len(app.screen_stack) == depth + 1
        assert screen.query_one(Input).has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert len(app.screen_stack) == depth


async def test_agent_text_in_hits_is_inert(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await _open(pilot)
        await _search(pilot, f"red session:{HOSTILE}")
        (line,) = _plain(screen)
        assert "\x1b" not in line and "␛[31m" in line and "[bold red]x[/]" in line
        assert "␛]0;pwned␇" in line  # from the session title
