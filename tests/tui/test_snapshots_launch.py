"""Snapshots of launching and acting where you look, in drover-dark and drover-light, on the
showcase mirror: the launch dialog (a saved template over an items file), a launch's progress,
`:launches`, a launch's record, the grid following who needs you, and the fleet showing one
launch with archived sessions.

Stable as the other snapshots: fixed size, injected clock, private data and config, workers
awaited, cursors still, animations off; launch times are fixed in the mirror.
"""

from __future__ import annotations

from typing import Any

from launch_fixtures import DONE, HALF, PRS, add_launches
from textual.widgets import Input, Select
from tui_support import command, settle, still

from drover.config.templates import LaunchTemplate
from drover.sync.launch_state import LaunchProgress

SIZE = (120, 36)


def _with_launches(app: Any) -> Any:
    add_launches(app.data_dir / "default" / "mirror.db")
    return app


class TestLaunchDialog:
    def test_a_saved_template_over_an_items_file_previews_the_first_session(
        self, snap_compare, snap_app, tmp_path, monkeypatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        (tmp_path / "prs.txt").write_text("\n".join(PRS) + "\n")
        snap_app.settings.templates["pr-review"] = LaunchTemplate(
            agent="pr-reviewer",
            environment="cloud-default",
            title="PR {n}",
            message="Review {item}. Post one comment with what must change.",
            metadata={"team": "web"},
            budget_usd=2.5,
        )

        async def fill(pilot: Any) -> None:
            await settle(pilot)
            await pilot.press("L")
            await settle(pilot)
            dialog = pilot.app.screen
            dialog.query_one("#template", Select).value = "pr-review"
            dialog.query_one("#items", Input).value = "prs.txt"
            await still(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=fill)


class TestLaunchProgress:
    def test_the_bar_says_how_many_how_fast_and_how_long(self, snap_compare, snap_app) -> None:
        progress = LaunchProgress(
            DONE, 300, created=120, failed=2, in_flight=1, created_now=120, elapsed=125.0,
            limit_per_minute=60.0,
        )  # fmt: skip

        async def show(pilot: Any) -> None:
            from drover.tui.screens.launches import show_progress

            await settle(pilot)
            pilot.app.launch_progress[DONE] = progress
            show_progress(pilot.app, DONE)
            await still(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=show)


class TestLaunches:
    def test_launches_lists_each_with_its_outcomes(self, snap_compare, snap_app) -> None:
        async def show(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "launches")
            await still(pilot)

        assert snap_compare(_with_launches(snap_app), terminal_size=SIZE, run_before=show)

    def test_a_record_shows_item_session_state_and_spend(self, snap_compare, snap_app) -> None:
        async def show(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, f"launches {DONE}")
            await still(pilot)

        assert snap_compare(_with_launches(snap_app), terminal_size=SIZE, run_before=show)


class TestActWhereYouLook:
    def test_the_grid_follows_who_needs_you_and_names_the_keys(
        self, snap_compare, snap_app
    ) -> None:
        async def show(pilot: Any) -> None:
            await settle(pilot)
            await command(pilot, "grid 4 needs")
            await still(pilot)

        assert snap_compare(snap_app, terminal_size=SIZE, run_before=show)

    def test_the_fleet_shows_one_launch_with_archived_sessions(
        self, snap_compare, snap_app
    ) -> None:
        async def show(pilot: Any) -> None:
            from drover.tui.screens.launches import show_in_fleet

            await settle(pilot)
            await pilot.app.mirror.writer.upsert_sessions([{
                "id": "sesn_fleet_011", "type": "session", "status": "terminated",
                "title": "nightly docs 011", "created_at": "2026-05-12T09:20:00Z",
                "archived_at": "2026-05-12T11:40:00Z",
            }])  # fmt: skip
            show_in_fleet(pilot.app, HALF)
            await settle(pilot)
            await pilot.press("a")
            await still(pilot)

        assert snap_compare(_with_launches(snap_app), terminal_size=SIZE, run_before=show)
