"""`:cost` (and `$` on the fleet): the cost ledger screen on the fixture mirror."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Sparkline, Static, TabbedContent
from tui_support import ingest, settle

from drover.text.cost import runtime
from drover.text.format import tokens
from drover.tui.screens import cost as cost_screen
from drover.tui.screens.cost import CostScreen
from drover.tui.screens.session import SessionScreen

TOP = "sesn_cost_top"


def _usage(eid: str, at: str, cents: int, active: float, budget: int | None) -> dict[str, Any]:
    return {
        "type": "session.usage",
        "id": eid,
        "usage": {
            "input_tokens": 1_200_000,
            "output_tokens": 34_000,
            "cache_read_input_tokens": 5_600_000,
            "cache_creation": {"ephemeral_5m_input_tokens": 78_000},
            "list_cost": {"amount": str(cents), "currency": "USD"},
            "active_seconds": active,
        },
        "budget": None
        if budget is None
        else {"type": "limit", "max_list_cost": {"amount": str(budget), "currency": "USD"}},
        "processed_at": at,
    }


def _text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def _cells(table: DataTable, row: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(row)]


async def _open_cost(pilot: Any) -> CostScreen:
    await pilot.press("colon", *"cost", "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CostScreen)
    return screen


async def test_cost_screen_shows_the_ledger_and_opens_a_session(make_app, tmp_path) -> None:
    (tmp_path / "config.toml").write_text("[budgets]\ndaily_usd = 150\n")
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await app.mirror.writer.upsert_sessions(
            [{"id": TOP, "title": "the big one", "agent": {"id": "agent_z", "name": "Spender"}}]
        )
        # $123.45 of a $150.00 budget (82%): a warning, on the session and on the daily cap.
        await ingest(app, TOP, [_usage("sevt_c1", "2026-05-12T10:00:00Z", 12345, 5400.0, 15000)])
        screen = await _open_cost(pilot)
        totals = app.mirror.reader.cost_totals()
        header = _text(screen, "#cost-totals")
        assert f"spend ${totals.list_cost_cents / 100:,.2f}" in header
        for kind, count in (
            ("input", totals.input_tokens),
            ("cache read", totals.cache_read_tokens),
            ("cache write", totals.cache_write_tokens),
            ("output", totals.output_tokens),
        ):
            assert f"{kind} {tokens(count)}" in header
        assert f"runtime {runtime(totals)}" in header and totals.active_seconds >= 5400
        assert f"{totals.sessions:,} sessions" in header
        sessions = screen.query_one("#cost-session", DataTable)
        top = _cells(sessions, 0)
        assert top[:3] == ["the big one", "Spender", "$123.45"]
        assert top[3:7] == ["1.2M", "5.6M", "78.0k", "34.0k"]  # input, cache read/write, output
        assert top[7] == "1.50 h · $0.12" and top[-2] == "82% of $150.00" and top[-1] == TOP
        budgets = [w for w in screen.query("#cost-budgets Static")]
        warned = [str(w.render()) for w in budgets if w.has_class("-warning")]
        assert any(TOP in line and "82%" in line for line in warned)
        assert any(line.startswith("daily budget: $12") for line in warned)
        spark = screen.query_one("#cost-spark", Sparkline)
        assert list(spark.data or []) and max(spark.data or []) >= 123.45
        assert "peak" in _text(screen, "#cost-range")
        legend = _text(screen, "#cost-legend")
        for term in ("list cost", "input", "cache read", "cache write", "output", "runtime"):
            assert f"{term}:" in legend
        agents = screen.query_one("#cost-agent", DataTable)
        assert _cells(agents, 0)[:3] == ["Spender", "1", "$123.45"]
        days = screen.query_one("#cost-day", DataTable)
        assert _cells(days, 0)[0] == "2026-05-12"

        await pilot.press("enter")  # the cursor is on the most expensive session
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen) and app.screen.session_id == TOP
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_dollar_key_window_and_pages(make_app, monkeypatch) -> None:
    monkeypatch.setattr(cost_screen, "PAGE_SIZE", 10)
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("dollar_sign")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CostScreen)
        total = app.mirror.reader.cost_totals().sessions
        tabs = screen.query_one(TabbedContent)
        assert str(tabs.get_tab("tab-session").label) == f"Sessions 1–10 of {total}"
        first_page = _cells(screen.query_one("#cost-session", DataTable), 0)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert str(tabs.get_tab("tab-session").label) == f"Sessions 11–20 of {total}"
        table = screen.query_one("#cost-session", DataTable)
        assert table.row_count == 10 and _cells(table, 0) != first_page
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert str(tabs.get_tab("tab-session").label) == f"Sessions 1–10 of {total}"
        await pilot.press("w")  # all time -> this month (the clock says 2026-05-12)
        await settle(pilot)
        assert "this month (2026-05-01 → 2026-05-12)" in _text(screen, "#cost-title")
        await pilot.press("a")
        assert tabs.active == "tab-agent"


async def test_refreshes_when_the_mirror_changes(make_app, monkeypatch) -> None:
    monkeypatch.setattr(cost_screen, "REFRESH_SECONDS", 0.01)
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = await _open_cost(pilot)
        before = app.mirror.reader.cost_totals().list_cost_cents
        await ingest(app, "sesn_new", [_usage("sevt_n1", "2026-05-12T11:00:00Z", 900, 60.0, None)])
        await pilot.pause(0.05)
        await settle(pilot)
        assert f"spend ${(before + 900) / 100:,.2f}" in _text(screen, "#cost-totals")


async def test_a_bad_budget_config_is_shown_not_raised(make_app, tmp_path) -> None:
    (tmp_path / "config.toml").write_text("[budgets]\ndaily_usd = -3\n")
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = await _open_cost(pilot)
        shown = [str(w.render()) for w in screen.query("#cost-budgets Static")]
        assert any("budgets not read" in s and "budgets.daily_usd" in s for s in shown)
        await pilot.press("colon", *"cost 2026-05-12 nonsense", "enter")
        await settle(pilot)
        assert app.screen is screen and screen.window.name == "all time"  # told, unchanged
        await pilot.press("colon", *"cost 2026-05-12", "enter")
        await settle(pilot)
        assert app.screen is screen and screen.window.since == "2026-05-12"
        assert "2026-05-12 → now" in _text(screen, "#cost-title")
