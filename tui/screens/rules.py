"""`:rules` (`RulesScreen`): the open profile's rules, and the calls they answered.

The top table lists each rule (`[profiles.NAME.rules.*]` in `config.toml`, or made from a row
with `Y`): what it answers (tool, agent, input pattern), allow or deny, until when, and whether
it is in force, lapsed or paused. Below it, the audit trail: every automatic answer, newest
first, with the rule that gave it, the call it matched and whether the outbox delivered it.
`!` pauses every rule of the profile (and resumes them); `d` deletes the highlighted rule from
the config. `--readonly` applies none.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from drover.config.rules import Rule
from drover.store.rule_audit import AuditRow
from drover.text.inert import inert_line
from drover.tui.screens.base import DroverScreen
from drover.tui.widgets.drover_table import DroverTable
from drover.tui.widgets.key_bar import KeyBar

AUDIT_SHOWN = 200


def rule_state(rule: Rule, now: datetime, paused: bool, readonly: bool) -> Text:
    """In force, lapsed, paused, or not applied read-only."""
    if not rule.active(now):
        return Text("lapsed", style="dim")
    if readonly:
        return Text("not applied (read-only)", style="dim")
    if paused:
        return Text("paused", style="yellow")
    return Text("in force", style="green")


class RulesScreen(DroverScreen):
    """The profile's rules and their audit trail."""

    DEFAULT_CSS = """
    RulesScreen .title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    RulesScreen #rules { height: auto; max-height: 45%; }
    RulesScreen #audit { height: 1fr; }
    RulesScreen #note { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [  # noqa: RUF012
        Binding("d", "delete_rule", "Delete rule", id="rules.delete"),
        Binding("r", "reload", "Reload", id="rules.reload"),
        Binding("enter", "open", "Open session", id="rules.open"),
    ]
    MUTATING_ACTIONS = frozenset({"delete_rule"})

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.audit: list[AuditRow] = []

    def compose(self) -> ComposeResult:
        yield Static(id="rules-title", classes="title")
        rules: DroverTable[Text] = DroverTable(cursor_type="row", id="rules")
        rules.add_columns("RULE", "ANSWERS", "TOOL", "AGENT", "INPUT PATTERN", "UNTIL", "STATE")
        yield rules
        yield Static(id="audit-title", classes="title")
        audit: DroverTable[Text] = DroverTable(cursor_type="row", id="audit")
        audit.add_columns("WHEN", "RULE", "ANSWER", "TOOL", "CALL", "SESSION", "DELIVERY")
        yield audit
        yield Static(id="note")
        yield KeyBar()

    def on_mount(self) -> None:
        self.drover.mirror_changed.subscribe(self, lambda _ids: self.reload())

    def on_screen_resume(self) -> None:
        self.reload()

    def refresh_rules(self) -> None:
        """The rules changed (saved, paused): read again."""
        self.reload()

    def action_reload(self) -> None:
        """Read the rules and the audit trail again."""
        self.reload()

    def reload(self) -> None:
        """Read the config's rules and the mirror's audit trail."""
        self._load()

    @work(exclusive=True, group="rules", exit_on_error=False)
    async def _load(self) -> None:
        reader = self.drover.reader
        if reader is None:
            return
        paused = await self.drover.reads.run(reader.rules_paused)
        self.audit = await self.drover.reads.run(lambda: reader.rule_audit(limit=AUDIT_SHOWN))
        rules = self.drover.profile_rules()
        now, readonly = self.drover.now(), self.drover.readonly
        table = self.query_one("#rules", DataTable)
        table.clear()
        self.names = list(rules)
        for name, rule in rules.items():
            until = f"{rule.until:%Y-%m-%d %H:%M}" if rule.until else "until removed"
            table.add_row(
                Text(inert_line(name)),
                Text(rule.action, style="bold" if rule.action == "deny" else ""),
                Text(inert_line(rule.tool)), Text(inert_line(rule.agent or "any agent")),
                Text(inert_line(rule.input)), Text(until),
                rule_state(rule, now, paused is not None, readonly),
            )  # fmt: skip
        state = (
            f"paused since {paused[:16].replace('T', ' ')} · ! resumes"
            if paused
            else "! pauses all"
        )
        self.query_one("#rules-title", Static).update(
            Content(f"rules of profile {self.drover.profile} · {len(rules)} · {state}")
        )
        audit = self.query_one("#audit", DataTable)
        audit.clear()
        for row in self.audit:
            audit.add_row(
                Text(row.decided_at[:19].replace("T", " ")), Text(inert_line(row.rule)),
                Text(row.decision), Text(inert_line(row.tool or "-")),
                Text(inert_line(row.call or "")[:80]), Text(row.session_id),
                Text(row.delivery or "-"),
            )  # fmt: skip
        self.query_one("#audit-title", Static).update(
            Content(f"answered by rule · {len(self.audit)} (newest first)")
        )
        note = "Y on a waiting call makes a rule · d deletes the highlighted rule"
        if not rules:
            note = (
                "No rules for this profile. Y on a call waiting for approval makes one; or add "
                "[profiles.NAME.rules.NAME] to config.toml (see the README)."
            )
        self.query_one("#note", Static).update(Content(note))

    def action_open(self) -> None:
        """Open the session of the highlighted automatic answer."""
        audit = self.query_one("#audit", DataTable)
        if audit.has_focus and 0 <= audit.cursor_row < len(self.audit):
            self.drover.open_session(self.audit[audit.cursor_row].session_id)

    def action_delete_rule(self) -> None:
        """Delete the highlighted rule from the config (it stops answering at once)."""
        table = self.query_one("#rules", DataTable)
        if not table.has_focus or not 0 <= table.cursor_row < len(self.names):
            self.notify("Highlight a rule in the upper table first.", severity="warning")
            return
        self.drover.delete_rule(self.names[table.cursor_row])
