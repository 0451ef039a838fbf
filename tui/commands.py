"""The `:` command line (k9s style) and the command-palette provider that mirrors it.

One table, `COMMANDS`, defines what `:name [arg]` does; the palette lists the same entries
(plus sorts and themes), so the two ways of navigating can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from drover.tui.app import DroverApp


@dataclass(frozen=True, slots=True)
class Command:
    """One `:` command.

    Attributes:
        names: the command and its aliases (`sessions`, `s`).
        help: one line for the palette and `?`.
        run: `run(app, argument)`; the argument is '' when none was typed.
    """

    names: tuple[str, ...]
    help: str
    run: Callable[[DroverApp, str], None]


def _grid(app: DroverApp, argument: str) -> None:
    # Imported here: the grid's screen modules are heavier than this table needs at import.
    from drover.tui.screens.grid import show_grid

    show_grid(app, argument)


def _replay(app: DroverApp, argument: str) -> None:
    if not argument.strip():
        app.notify("Usage: :replay SESSION_ID (or R on a session)", severity="warning")
        return
    app.open_replay(argument.strip())


def _export(app: DroverApp, argument: str) -> None:
    from drover.tui.screens.export_dialog import open_export

    if argument.strip():
        open_export(app, argument.strip())
    elif hasattr(app.screen, "action_export"):
        app.screen.action_export()
    else:
        app.notify("Usage: :export SESSION_ID (or e on a session)", severity="warning")


def _cost(app: DroverApp, argument: str) -> None:
    from drover.tui.screens.cost import show_cost

    show_cost(app, argument)


def _sessions(app: DroverApp, argument: str) -> None:
    """`:sessions [deployment:NAME]`: the fleet, or only one deployment's sessions."""
    from drover.tui.screens.deployments import show_deployment_sessions

    key, _, value = argument.partition(":") if ":" in argument else argument.partition("=")
    if argument and key.strip() in ("deployment", "depl", "d") and value.strip():
        show_deployment_sessions(app, value.strip())
        return
    if argument:
        app.notify("Usage: :sessions [deployment:NAME]", severity="warning")
    app.go("sessions")


def _search(app: DroverApp, argument: str) -> None:
    from drover.tui.screens.search import open_search

    open_search(app, argument)


def _launch(app: DroverApp, argument: str) -> None:
    from drover.tui.screens.launches import open_launch_dialog

    open_launch_dialog(app)


def _launches(app: DroverApp, argument: str) -> None:
    from drover.tui.screens.launches import launches_command

    launches_command(app, argument)


COMMANDS: tuple[Command, ...] = (
    Command(("sessions", "s", "fleet"), "The fleet list: :sessions [deployment:NAME]", _sessions),
    Command(("inbox", "needs"), "Only sessions that need you", lambda app, _: app.go("inbox")),
    Command(("grid",), "Tiled live panes: :grid [1-9] [needs]", lambda app, a: _grid(app, a)),
    Command(("search", "find"), "Search every run: :search [QUERY]", _search),
    Command(("launch",), "Launch a fleet from a template (L)", _launch),
    Command(("launches",), "Launches and their records: :launches [LAUNCH_ID]", _launches),
    Command(("replay",), "Replay a session: :replay SESSION_ID", lambda app, a: _replay(app, a)),
    Command(("export",), "Export a session: :export [SESSION_ID]", lambda app, a: _export(app, a)),
    Command(("cost", "$"), "Cost ledger: :cost [SINCE [UNTIL]]", lambda app, a: _cost(app, a)),
    Command(("agents", "ag"), "Agents in the mirror", lambda app, _: app.go("agents")),
    Command(("envs", "environments"), "Environments", lambda app, _: app.go("envs")),
    Command(
        ("deployments", "deploy", "dp"),
        "Deployments: schedules, runs, failures, spend",
        lambda app, _: app.go("deployments"),
    ),
    Command(
        ("vaults", "vault"), "Vaults and their credentials' health", lambda app, _: app.go("vaults")
    ),
    Command(
        ("memory", "mem"), "Memory stores: what agents remembered", lambda app, _: app.go("memory")
    ),
    Command(("rules",), "Your rules and what they answered", lambda app, _: app.go("rules")),
    Command(
        ("profile", "ctx"), "Switch profile: :profile NAME", lambda app, a: app.switch_profile(a)
    ),
    Command(("theme",), "Switch theme: :theme NAME", lambda app, a: app.set_theme(a)),
    Command(
        ("q", "quit"),
        "Quit drover (warns about undelivered actions)",
        lambda app, _: app.call_later(app.run_action, "quit"),
    ),
    Command(("q!",), "Quit now, whatever the outbox holds", lambda app, _: app.exit()),
)


def run_command(app: DroverApp, line: str) -> bool:
    """Run one `:` command line.

    Args:
        app: the app to act on.
        line: what was typed after `:` (leading `:` tolerated).

    Returns:
        True when a command matched; otherwise the user has been told it is unknown.
    """
    name, _, argument = line.strip().lstrip(":").partition(" ")
    command = find(name)
    if command is not None:
        command.run(app, argument.strip())
        return True
    alias = app.alias(name) if name else None
    if alias is not None:
        # An alias stands for a built-in command line; what was typed after it is appended.
        real, _, fixed = alias.strip().lstrip(":").partition(" ")
        command = find(real)
        if command is not None:
            command.run(app, " ".join(part for part in (fixed.strip(), argument.strip()) if part))
            return True
        app.notify(f"Alias :{name} runs :{real}, which is no command", severity="warning")
        return False
    if name:
        app.notify(f"Unknown command :{name}  (try :sessions, :inbox, :q)", severity="warning")
    return False


def find(name: str) -> Command | None:
    """The built-in command called `name` (or one of its short names)."""
    return next((command for command in COMMANDS if name in command.names), None)


def command_completions(app: DroverApp) -> list[str]:
    """What the `:` prompt completes to: commands, your aliases, profiles and themes."""
    words = [name for command in COMMANDS for name in command.names if len(name) > 1]
    words += sorted(app.settings.aliases)
    words += [f"profile {name}" for name in app.profile_names()]
    words += [f"theme {name}" for name in app.drover_theme_names()]
    return words


class DroverCommands(Provider):
    """Palette entries for every `:` command and every drover theme."""

    def _entries(self) -> list[tuple[str, str, Callable[[], None]]]:
        app = cast("DroverApp", self.app)
        entries: list[tuple[str, str, Callable[[], None]]] = []
        for command in COMMANDS:
            if command.names[0] not in ("profile", "theme"):
                entries.append(
                    (f":{command.names[0]}", command.help, partial(command.run, app, ""))
                )
        for profile in app.profile_names():
            entries.append(
                (
                    f":profile {profile}",
                    "Switch to this profile",
                    partial(app.switch_profile, profile),
                )
            )
        for theme in app.drover_theme_names():
            entries.append((f"theme: {theme}", "Switch theme", partial(app.set_theme, theme)))
        return entries

    async def discover(self) -> Hits:
        for label, help_text, callback in self._entries():
            yield DiscoveryHit(label, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, help_text, callback in self._entries():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, help=help_text)
