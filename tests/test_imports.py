"""What may import what: the import-linter contracts in pyproject.toml, and the one thing they
cannot see — what a command actually loads when it runs (lazy imports, importlib by name)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    """Layers, the sim's independence, Textual only in the UI, no cycles (pyproject.toml)."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# Appended to a probe: print the modules it loaded (top-level names and drover's own modules)
# as JSON on the last line.
_REPORT = """
import json, sys
print(json.dumps(sorted(m for m in sys.modules if m.startswith("drover.") or "." not in m)))
"""

# `drover sim` as the console script runs it, stopped by the SIGTERM it handles once the health
# endpoint has answered. urllib, not httpx, so the probe itself loads nothing the sim would not.
_RUN_SIM = """
import os, signal, threading, urllib.request
import drover.cli.cmd_sim as sim_cli
from drover.cli.main import main

served = []
banner = sim_cli.banner
def record(base_url, api_key):
    served.append((base_url, api_key))
    return banner(base_url, api_key)
sim_cli.banner = record

def poke():
    while not served:
        threading.Event().wait(0.05)
    base_url, api_key = served[0]
    request = urllib.request.Request(base_url + "/_sim/health", headers={"x-api-key": api_key})
    assert urllib.request.urlopen(request, timeout=30).status == 200
    signal.raise_signal(signal.SIGTERM)
threading.Thread(target=poke, daemon=True).start()
assert main(["sim", "--port", "0", "--pace", "fast"]) == 0
"""

# The embedded mirror, its reads and search, the app's module and the offline CLI: psycopg is
# for PostgreSQL mirrors only (imported lazily by `Mirror.open` and `open_reader`).
_SQLITE_MIRROR = """
from drover.store.fleet import FleetQuery
from drover.store.mirror import Mirror
with Mirror.open("data/default/mirror.db") as mirror:
    mirror.writer.submit("ingest", "sesn_1", [{"type": "user.message", "id": "sevt_1"}]).result()
    assert mirror.reader.fleet_ids(FleetQuery()) == ["sesn_1"]
    mirror.reader.search("anything")
import drover.tui.app
from drover.cli.main import main
assert main(["ls", "--offline"]) == 0
"""

_SERVER_STACK = ("uvicorn", "starlette")
_UI_AND_SDK = ("textual", "anthropic")


def _allowed_in_sim(module: str) -> bool:
    """`drover sim` may load the CLI's parser and the sim itself, nothing else of drover's."""
    if not module.startswith("drover."):
        return True
    return module.split(".")[1] in ("cli", "sim")


def _loaded_by(code: str, tmp_path) -> list[str]:
    """Run `code` in a fresh interpreter (no key, an empty data dir and config path under
    `tmp_path`) and return the JSON list it prints on its last line."""
    env = {
        **os.environ,
        "DROVER_CONFIG": str(tmp_path / "config.toml"),
        "DROVER_DATA_DIR": str(tmp_path / "data"),
    }
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("ANTHROPIC_BASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    ("code", "banned"),
    [
        pytest.param(
            "from drover.cli.main import build_parser; build_parser()",
            (*_UI_AND_SDK, *_SERVER_STACK, "rich", "httpx", "drover.sync"),
            id="parser-stays-light",
        ),
        pytest.param(
            "from drover.cli.main import main; main(['ls', '--offline'])",
            # nor the HTTP stack, the config models, the keyring or sqlite-utils (issue 13:
            # `drover ls --offline` within 3x a bare `python -c "import sqlite3"`)
            (*_UI_AND_SDK, *_SERVER_STACK, "httpx", "pydantic", "keyring", "sqlite_utils"),
            id="offline-ls-loads-no-ui-no-sim-no-http-no-config-models",
        ),
        pytest.param(
            # a user's config file, with a profile: found through the config, never through
            # the engine factory (the HTTP stack, the keyring) (issue 13)
            "import os, pathlib\n"
            "pathlib.Path(os.environ['DROVER_CONFIG']).write_text("
            "'[profiles.default]\\nworkspace_id = \"wrkspc_1\"\\n[budgets]\\ndaily_usd = 5\\n')\n"
            "from drover.cli.main import main; assert main(['ls', '--offline']) == 0",
            # nor pydantic (the config's records check themselves: drover.config.schema), nor
            # what only writes the config, nor the readers of launches, deployments, vaults,
            # rules and search (issue 13: within 3x a bare python)
            (
                *_UI_AND_SDK,
                *_SERVER_STACK,
                "httpx",
                "keyring",
                "sqlite_utils",
                "drover.sync",
                "pydantic",
                "tomli_w",
                "tomlkit",
                "tempfile",
                "drover.store.launches",
                "drover.store.steer_models",
                "drover.store.rule_audit",
                "drover.store.search",
                # nor what the reader's transcript, sync and steering queries use: replay's
                # markers, extract (and its hashlib), the account, the hubs' heartbeats,
                # outcomes and credential health (issue 13, P10)
                "drover.store.replay",
                "drover.store.extract",
                "hashlib",
                "drover.store.account",
                "drover.store.hub_status",
                "drover.store.outcomes",
                "drover.store.credential_health",
                # nor the row classes but SessionRow (dataclasses cost ~0.5 ms each to create),
                # nor the header's rollups
                "drover.store.models",
                "drover.store.rollups",
            ),
            id="offline-ls-with-a-config-file-loads-no-http-no-keyring-no-pydantic",
        ),
        pytest.param(
            "import drover.tui.app",
            # what the fleet's first paint does not use: the HTTP stack, the config models (no
            # config file here), export, the keyring, the transcript's markdown (issue 13)
            ("httpx", "pydantic", "drover.export", "keyring", "sqlite_utils", "markdown_it"),
            id="tui-start-loads-no-http-no-config-models-no-export",
        ),
        pytest.param(_RUN_SIM, (*_UI_AND_SDK, "rich"), id="sim-runs-without-the-client"),
        pytest.param(_SQLITE_MIRROR, ("psycopg",), id="an-sqlite-mirror-never-loads-psycopg"),
    ],
)
def test_a_command_loads_only_what_it_needs(code: str, banned: tuple[str, ...], tmp_path) -> None:
    loaded = _loaded_by(code + "\n" + _REPORT, tmp_path)
    assert [m for m in loaded if any(m == b or m.startswith(b + ".") for b in banned)] == []
    if code is _RUN_SIM:
        assert [m for m in loaded if not _allowed_in_sim(m)] == []


def test_each_command_is_registered_by_the_module_that_runs_it() -> None:
    """`drover X` builds only COMMAND_OF[X]'s parser: every command the full parser knows is
    in COMMAND_OF, under the module that registers it."""
    import argparse

    from drover.cli.main import COMMAND_MODULES, COMMAND_OF

    registered: dict[str, str] = {}
    for module_name in COMMAND_MODULES:
        parser = argparse.ArgumentParser()
        subparsers = parser.add_subparsers(dest="command")
        __import__(module_name, fromlist=["register"]).register(subparsers)
        for name in subparsers.choices:
            registered[name] = module_name
    assert registered == COMMAND_OF


# A config file with every kind of record drover.config checks: a profile with its hub, budgets
# and a rule, top-level budgets, a launch template, key bindings (one naming no binding) and an
# alias; and a theme file beside it.
_EVERY_RECORD = """\
default_profile = "default"
[profiles.default]
workspace_id = "wrkspc_1"
[profiles.default.hub]
poll_seconds = 60
[profiles.default.budgets]
daily_usd = 5
[profiles.default.rules.pytest]
tool = "bash"
input = "pytest( -q)?"
until = 2030-01-01T00:00:00Z
[budgets.agents."Test Writer"]
monthly_usd = 50
[templates.nightly]
agent = "agent_1"
environment = "env_1"
message = "Document {item}"
[keys]
"fleet.nope" = "x"
[aliases]
w = "grid 4"
"""

# The app's first fleet rows with that config file: the modules loaded by then (drover's and
# the top-level ones), as JSON on the last line.
_FIRST_ROWS_WITH_KEYS = (
    """
import asyncio, json, os, pathlib, sys
config = pathlib.Path(os.environ["DROVER_CONFIG"])
"""
    + f"config.write_text({_EVERY_RECORD!r})\n"
    + """
(config.parent / "themes").mkdir()
(config.parent / "themes" / "nord.toml").write_text('primary = "#88C0D0"\\n')
from drover.store.mirror import Mirror
with Mirror.open("data/default/mirror.db") as mirror:
    mirror.writer.submit("upsert_sessions", [{"id": "sesn_1", "type": "session",
        "status": "idle", "created_at": "2026-05-01T00:00:00Z"}]).result()
from drover.tui.app import DroverApp
from drover.tui.widgets.fleet_table import FleetTable

async def first_rows():
    app = DroverApp(data_dir=pathlib.Path("data"), config_path=None)
    async with app.run_test(size=(100, 30)):
        while not (app.screen.query(FleetTable) and app.screen.query_one(FleetTable).ids):
            await asyncio.sleep(0.005)
        assert app.settings.profiles["default"].rules["pytest"].tool == "bash"
        print(json.dumps(sorted(m for m in sys.modules if m.startswith("drover.") or "." not in m)))
asyncio.run(first_rows())
"""
)


@pytest.fixture(scope="module")
def loaded_by_first_rows(tmp_path_factory) -> list[str]:
    """What the app's start up to its first rows loads, with every kind of config record and
    a theme file (one interpreter run, shared by the tests that read it)."""
    return _loaded_by(_FIRST_ROWS_WITH_KEYS, tmp_path_factory.mktemp("first_rows"))


def test_a_keys_table_does_not_load_every_screen_before_the_first_rows(
    loaded_by_first_rows,
) -> None:
    """Checking `[keys]` against every binding loads every screen's module (~0.3 s): the app
    does it after the fleet's first paint, on a thread (issue 13)."""
    loaded = loaded_by_first_rows
    screens = ("replay", "grid", "search", "launch_dialog", "session")
    assert [m for m in loaded if m in [f"drover.tui.screens.{s}" for s in screens]] == []


def test_the_config_and_its_themes_are_checked_without_pydantic(loaded_by_first_rows) -> None:
    """Every kind of config record and a theme file, loaded by the app's start: pydantic (~100 ms
    of imports and model building) never loads, nor what only writes the config (issue 13)."""
    loaded = loaded_by_first_rows
    assert "drover.config.theme_file" in loaded  # the theme file was checked
    assert [m for m in loaded if m in ("pydantic", "pydantic_core", "tomli_w", "tomlkit")] == []
