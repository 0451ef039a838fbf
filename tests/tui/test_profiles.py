"""Two profiles on two accounts: `:profile` switches the whole connection, never mixes them.

Two sims stand for two accounts, each with its own key (stored in the real OS keyring under its
profile). Each sim counts the requests it serves; a request with the other account's key would
be a 401 there, and a mirror holding the other account's sessions would show it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sim_http import api, server_events
from tui_support import risky_session, settle, until

from drover.config import Config, Profile, delete_key, store_key
from drover.store.reader import MirrorReader
from drover.sync.account import Overrides
from drover.sync.profiles import ProfileEngines
from drover.tui.app import DroverApp
from drover.tui.commands import run_command
from drover.tui.screens.fleet import FleetScreen

KEY_A, KEY_B = "sk-ant-account-a-0001", "sk-ant-account-b-0002"
ALPHA, BETA = "alpha-test", "beta-test"


@pytest.fixture
def accounts(sim_factory: Any) -> Iterator[tuple[Any, Any]]:
    """Two sims (different seeds, so different ids), each with a fleet and its own key; the keys
    stored in the OS keyring under the two profiles."""
    a = sim_factory(api_key=KEY_A, seed=1, fleet=4, fleet_active=0)
    b = sim_factory(api_key=KEY_B, seed=2, fleet=4, fleet_active=0)
    store_key(ALPHA, KEY_A)
    store_key(BETA, KEY_B)
    yield a, b
    delete_key(ALPHA)
    delete_key(BETA)


def served(sim: Any) -> int:
    """Requests the sim has served so far (its own counter, read in-process: no request)."""
    return int(sim.context.requests)


def server_ids(sim: Any) -> set[str]:
    return {s["id"] for s in api(sim, "GET", "/v1/sessions", params={"limit": 100})["data"]}


def mirrored_ids(data_dir: Path, profile: str) -> set[str]:
    """The sessions in a profile's mirror (none while the app has not created it yet)."""
    path = data_dir / profile / "mirror.db"
    if not path.exists():
        return set()
    reader = MirrorReader(path)
    try:
        return {row.id for row in reader.sessions(limit=1000, include_archived=True)}
    except sqlite3.OperationalError:  # the file exists, its tables are still being created
        return set()
    finally:
        reader.close()


def two_profiles(a: Any, b: Any, data_dir: Path, **overrides: Any) -> ProfileEngines:
    config = Config(
        default_profile=ALPHA,
        profiles={ALPHA: Profile(base_url=a.base_url), BETA: Profile(base_url=b.base_url)},
    )
    return ProfileEngines(config, data_dir, start=ALPHA, overrides=Overrides(**overrides))


async def switch(pilot: Any, app: DroverApp, profile: str, sim: Any) -> None:
    run_command(app, f"profile {profile}")
    ids = server_ids(sim)
    await until(pilot, lambda: app.profile == profile and app.engine is not None, "the switch")
    await until(pilot, lambda: ids <= mirrored_ids(app.data_dir, profile), f"{profile} mirrored")


async def test_switching_profiles_talks_to_each_account_with_its_own_key(
    accounts: tuple[Any, Any], tmp_path: Path
) -> None:
    a, b = accounts
    asking = risky_session(b)
    b_ids = server_ids(b)
    b_setup = served(b)
    data_dir = tmp_path / "data"
    app = DroverApp(
        profile=ALPHA,
        data_dir=data_dir,
        config_path=tmp_path / "config.toml",
        engines=two_profiles(a, b, data_dir),
        desktop_notifications=False,
    )
    async with app.run_test(size=(140, 40)) as pilot:
        a_ids = server_ids(a)
        await until(pilot, lambda: a_ids <= mirrored_ids(data_dir, ALPHA), "alpha mirrored")
        assert served(b) == b_setup  # nothing reached the other account yet
        await switch(pilot, app, BETA, b)
        assert mirrored_ids(data_dir, BETA) == b_ids
        assert app.sub_title == BETA

        # Alpha's engine is stopped: it asks its server nothing more while beta is open.
        a_before = served(a)
        row = await until(
            pilot,
            lambda: (r := app.mirror.reader.session(asking)) and r.needs_you and r,
            "beta's session asking for approval",
        )
        [pending] = row.pending_actions
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        await until(pilot, lambda: asking in screen.table.ids, "the row")
        screen.table.cursor = list(screen.table.ids).index(asking)
        await pilot.press("y")
        answers = await until(
            pilot, lambda: server_events(b, asking, "user.tool_confirmation"), "the answer on beta"
        )
        assert [(x["tool_use_id"], x["result"]) for x in answers] == [
            (pending["event_id"], "allow")
        ]
        assert served(a) == a_before

        await switch(pilot, app, ALPHA, a)
        b_before = served(b)
        time.sleep(0.5)
        await settle(pilot)
        assert served(b) == b_before  # back on alpha: beta hears nothing
    assert mirrored_ids(data_dir, ALPHA) == a_ids
    assert mirrored_ids(data_dir, BETA) == b_ids


async def test_the_environment_overrides_only_the_start_profile(
    accounts: tuple[Any, Any], tmp_path: Path
) -> None:
    a, b = accounts
    data_dir = tmp_path / "data"
    # As if ANTHROPIC_BASE_URL/ANTHROPIC_API_KEY pointed at account A: alpha's config says B.
    env = {"ANTHROPIC_BASE_URL": a.base_url, "ANTHROPIC_API_KEY": KEY_A}
    engines = two_profiles(b, b, data_dir)
    engines.overrides = Overrides.from_command_line(env=env)
    app = DroverApp(
        profile=ALPHA,
        data_dir=data_dir,
        config_path=tmp_path / "config.toml",
        engines=engines,
        desktop_notifications=False,
    )
    async with app.run_test(size=(140, 40)) as pilot:
        a_ids = server_ids(a)
        await until(pilot, lambda: a_ids <= mirrored_ids(data_dir, ALPHA), "alpha from the env")
        assert app.sub_title == f"{ALPHA} · from ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY"
        await switch(pilot, app, BETA, b)  # beta: its own URL and its keyring key, not the env's
        assert app.sub_title == BETA
    assert mirrored_ids(data_dir, BETA) == server_ids(b)


async def test_a_mirror_of_another_account_is_shown_offline_never_synced(
    accounts: tuple[Any, Any], tmp_path: Path
) -> None:
    a, b = accounts
    data_dir = tmp_path / "data"
    config = Config(default_profile=ALPHA, profiles={ALPHA: Profile(base_url=a.base_url)})
    engine = await ProfileEngines(config, data_dir).open_engine()
    await engine.run_until_idle(timeout=60)
    await engine.stop()
    a_ids = mirrored_ids(data_dir, ALPHA)
    assert a_ids == server_ids(a)
    # The profile now points at account B: its mirror must not take B's sessions.
    moved = Config(default_profile=ALPHA, profiles={ALPHA: Profile(base_url=b.base_url)})
    b_before = served(b)
    app = DroverApp(
        profile=ALPHA,
        data_dir=data_dir,
        config_path=tmp_path / "config.toml",
        engines=ProfileEngines(moved, data_dir),
        desktop_notifications=False,
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: app.engine is not None, "the profile opened")
        await settle(pilot)
        told = [n.message for n in app._notifications if n.severity == "error"]
        assert len(told) == 1 and "never mixes two accounts" in told[0]
        assert a.base_url.lower() in told[0] and b.base_url.lower() in told[0]
        assert app.sub_title == f"{ALPHA} · offline"
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        await until(pilot, lambda: set(screen.table.ids) == a_ids, "the mirror still shown")
    assert served(b) == b_before
    assert mirrored_ids(data_dir, ALPHA) == a_ids
