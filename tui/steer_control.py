"""`SteerControl`: the App's budget raises and rules (save, count, pause) through the engine.

A budget raise is a control-plane call like archive (`drover.sync.steer_control`): it runs in a
worker and says how it went, the server's refusal included. A rule made from a row is written
into `config.toml` under the open profile (`drover.config.editor.save_rule`, in place), then the
engine applies the profile's rules from that moment. `!` pauses every rule of the profile (a
switch in the mirror that every drover process on it obeys) and again resumes them. Read-only
refuses all of it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import work

from drover.api.errors import DroverApiError
from drover.config.errors import ConfigError
from drover.sync.engines import Engine, NotConnectedError
from drover.text.format import money
from drover.tui.session_control import describe

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from drover.config.rules import Rule
    from drover.config.settings import Config
    from drover.store.reader import MirrorReader
    from drover.tui.reads import ReadPool


class SteerControl:
    """Mixin for `DroverApp` (see the module docstring)."""

    if TYPE_CHECKING:
        engine: Engine | None
        readonly: bool
        profile: str
        settings: Config
        config_path: Path | None
        reads: ReadPool

        @property
        def reader(self) -> MirrorReader | None: ...

        def notify(self, message: str, **kwargs: Any) -> None: ...

        def refuse_readonly(self, what: str) -> None: ...

        def now(self) -> datetime: ...

        def without_config(self) -> bool: ...

    def profile_rules(self) -> dict[str, Rule]:
        """The open profile's rules, as the config says."""
        if self.without_config():
            return {}  # no config file, no rules: the fleet's header loads no config models
        return self.settings.rules_for(self.profile)

    def rules_in_force(self) -> int:
        """How many of the open profile's rules hold now (not lapsed); none read-only."""
        rules = {} if self.readonly else self.profile_rules()
        if not rules:
            return 0
        from drover.sync.rules import active_rules

        return len(active_rules(rules, self.now()))

    def raise_budget(self, session_id: str, cents: int) -> None:
        """Set a session's budget to `cents` (refused read-only)."""
        if self.readonly:
            self.refuse_readonly("budget")
            return
        self._raise_budget(session_id, cents)

    @work(group="steer-control", exit_on_error=False)
    async def _raise_budget(self, session_id: str, cents: int) -> None:
        if self.engine is None:
            self.notify("No mirror is open: nothing was sent.", severity="error")
            return
        try:
            await self.engine.set_budget(session_id, cents)
        except (DroverApiError, NotConnectedError) as exc:
            self.notify(f"Budget not raised: {describe(exc)}", severity="error", timeout=10)
            return
        self.notify(f"Budget of {session_id} raised to {money(cents)}")

    def save_rule(self, name: str, rule: Rule) -> None:
        """Save a rule under the open profile and apply it now (refused read-only)."""
        if self.readonly:
            self.refuse_readonly("rule")
            return
        self._save_rule(name, rule)

    @work(group="steer-control", exit_on_error=False)
    async def _save_rule(self, name: str, rule: Rule) -> None:
        from drover.config.editor import save_rule
        from drover.config.settings import load_config

        fields = rule.to_data(exclude_none=True)
        try:
            await asyncio.to_thread(save_rule, self.profile, name, fields, self.config_path)
            self.settings = await asyncio.to_thread(load_config, self.config_path)
        except (ConfigError, OSError) as exc:
            self.notify(f"Rule not saved: {exc}", severity="error", timeout=10)
            return
        if self.engine is not None:
            self.engine.set_rules(self.profile_rules())
        until = f" until {rule.until:%H:%M} UTC" if rule.until else ""
        self.notify(f"Rule {name} saved: {rule.action} {rule.tool} calls like this{until}")
        self._refresh_rules_header()

    def delete_rule(self, name: str) -> None:
        """Remove a rule of the open profile from the config (refused read-only)."""
        if self.readonly:
            self.refuse_readonly("rule")
            return
        self._delete_rule(name)

    @work(group="steer-control", exit_on_error=False)
    async def _delete_rule(self, name: str) -> None:
        from drover.config.editor import remove_rule
        from drover.config.settings import load_config

        try:
            await asyncio.to_thread(remove_rule, self.profile, name, self.config_path)
            self.settings = await asyncio.to_thread(load_config, self.config_path)
        except (ConfigError, OSError) as exc:
            self.notify(f"Rule not deleted: {exc}", severity="error", timeout=10)
            return
        if self.engine is not None:
            self.engine.set_rules(self.profile_rules())
        self.notify(f"Rule {name} deleted")
        self._refresh_rules_header()

    def action_pause_rules(self) -> None:
        """`!`: pause every rule of the profile, or resume them."""
        if self.readonly:
            self.refuse_readonly("pausing rules")
            return
        self._toggle_pause()

    @work(group="steer-control", exclusive=True, exit_on_error=False)
    async def _toggle_pause(self) -> None:
        reader, engine = self.reader, self.engine
        if reader is None or engine is None:
            return
        paused = await self.reads.run(reader.rules_paused)
        await engine.pause_rules(paused is None)
        count = self.rules_in_force()
        if paused is None:
            self.notify(f"Rules paused ({count} in force): no call is answered automatically.")
        else:
            self.notify(f"Rules resumed: {count} in force.")
        self._refresh_rules_header()

    def _refresh_rules_header(self) -> None:
        """Lists showing the rules' count re-read it."""
        screen = getattr(self, "screen", None)
        refresh = getattr(screen, "refresh_rules", None)
        if refresh is not None:
            refresh()
