"""`:deployments` (`DeploymentsScreen`) and one deployment's runs (`DeploymentScreen`).

A deployment is a session template run on demand or on a cron schedule; each run creates a
session (its `deployment_id` set) or records why it could not (and pauses the deployment). The
list shows each deployment's schedule, status, last and next run, runs and failures, and what
its sessions spent; `enter` opens its runs (newest first, each with its session as mirrored or
its error), `s` shows its sessions on the fleet list. On the runs, `enter` opens a run's
session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from drover.store.steer_models import DeploymentRow, RunRow
from drover.text import format as fmt
from drover.text.inert import inert_line
from drover.tui.screens.base import DroverScreen
from drover.tui.screens.platform_list import PlatformList
from drover.tui.widgets.drover_table import DroverTable
from drover.tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from drover.tui.app import DroverApp


def _when(value: str | None) -> str:
    """`2026-05-12 06:00` (UTC), or `-`."""
    return value[:16].replace("T", " ") if value else "-"


def _status(row: DeploymentRow) -> str:
    if row.status == "paused" and row.paused_reason:
        reason = "by hand" if row.paused_reason == "manual" else row.paused_reason
        return f"paused ({reason})"
    return row.status or "-"


_NEEDS = {
    "requires_action": "approve", "budget_reached": "budget reached", "credential": "credential",
    "retries_exhausted": "retries exhausted", "refusal": "refusal", "terminated": "ended",
    "error_terminal": "error", "error_exhausted": "error",
}  # fmt: skip


def _right(value: str) -> Text:
    return Text(value, justify="right")


def show_deployment_sessions(app: DroverApp, wanted: str) -> None:
    """Show the fleet list narrowed to one deployment's sessions (by name, id or id prefix)."""
    app.run_worker(
        _narrow(app, wanted), group="deployment-sessions", exclusive=True, exit_on_error=False
    )


async def _narrow(app: DroverApp, wanted: str) -> None:
    reader = app.reader
    if reader is None:
        return
    rows = await app.reads.run(reader.deployments)
    low = wanted.lower()
    found = [r for r in rows if r.name.lower() == low or r.id == wanted] or [
        r for r in rows if r.id.startswith(wanted) or low in r.name.lower()
    ]
    if len(found) != 1:
        known = ", ".join(inert_line(r.name) for r in rows[:6]) or "none mirrored yet"
        what = "No deployment" if not found else f"{len(found)} deployments"
        app.notify(f"{what} called {inert_line(wanted)!r} (deployments: {known})",
                   severity="warning")  # fmt: skip
        return
    await app.switch_mode("sessions")
    screen = app.screen
    setter = getattr(screen, "set_deployment", None)
    if setter is not None:
        setter(found[0].id, found[0].name)


class DeploymentsScreen(PlatformList):
    """Every mirrored deployment."""

    TITLE_TEXT = "deployments"
    COLUMNS = (
        "NAME", "STATUS", "SCHEDULE", "LAST RUN", "NEXT RUN", "RUNS", "FAILED", "SESSIONS",
        "SPEND", "AGENT",
    )  # fmt: skip
    BINDINGS = [  # noqa: RUF012
        Binding("enter", "open", "Runs", id="deployments.open"),
        Binding("s", "sessions", "Sessions", id="deployments.sessions"),
    ]

    def read(self) -> list[DeploymentRow]:
        reader = self.drover.reader
        return reader.deployments() if reader is not None else []

    def cells(self, item: Any) -> list[Text]:
        row: DeploymentRow = item
        failed = Text(str(row.failed_runs), justify="right")
        if row.failed_runs:
            failed.stylize("bold red")
        return [
            Text(inert_line(row.name)), Text(inert_line(_status(row))),
            Text(inert_line(row.schedule or "on demand")), Text(_when(row.last_run_at)),
            Text(_when(row.next_run_at)), _right(str(row.runs)), failed,
            _right(str(row.sessions)), _right(fmt.money(row.spend_cents)),
            Text(inert_line(row.agent_name or "-")),
        ]  # fmt: skip

    def note(self, items: list[Any]) -> str:
        if not items:
            return "No deployments mirrored (sync reads them every few polls; r reads now)."
        return "enter: its runs · s: its sessions on the fleet list · r: read again"

    def action_open(self) -> None:
        """Show the highlighted deployment's runs."""
        row = self.current()
        if row is not None:
            self.app.push_screen(DeploymentScreen(row))

    def action_sessions(self) -> None:
        """Show the highlighted deployment's sessions on the fleet list."""
        row = self.current()
        if row is not None:
            show_deployment_sessions(self.drover, row.id)


class DeploymentScreen(DroverScreen):
    """One deployment: what it is, and its runs with their sessions.

    Args:
        deployment: the deployment as the list read it.
    """

    DEFAULT_CSS = """
    DeploymentScreen #title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    DeploymentScreen #facts { height: auto; padding: 0 1; color: $text-muted; }
    DeploymentScreen DataTable { height: 1fr; }
    """
    BINDINGS = [  # noqa: RUF012
        Binding("escape,backspace", "back", "Back", id="deployment.back"),
        Binding("enter", "open", "Open session", id="deployment.open"),
        Binding("s", "sessions", "Sessions", id="deployment.sessions"),
        Binding("r", "reload", "Reload", id="deployment.reload"),
    ]
    COLUMNS = ("WHEN", "TRIGGER", "SESSION", "STATUS", "NEEDS YOU", "SPEND", "ID")

    def __init__(self, deployment: DeploymentRow) -> None:
        super().__init__()
        self.deployment = deployment
        self.runs: list[RunRow] = []

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield Static(id="facts")
        table: DroverTable[Text] = DroverTable(cursor_type="row")
        table.add_columns(*self.COLUMNS)
        yield table
        yield KeyBar()

    def on_mount(self) -> None:
        self.drover.mirror_changed.subscribe(self, lambda _ids: self.reload())
        self.reload()

    def action_reload(self) -> None:
        """Re-read the deployment and its runs."""
        self.reload()

    def reload(self) -> None:
        """Re-read from the mirror."""
        self._load()

    @work(exclusive=True, group="deployment", exit_on_error=False)
    async def _load(self) -> None:
        reader = self.drover.reader
        if reader is None:
            return
        did = self.deployment.id
        fresh = await self.drover.reads.run(reader.deployment, did)
        self.deployment = fresh or self.deployment
        self.runs = await self.drover.reads.run(reader.deployment_runs, did)
        self._show()

    def _show(self) -> None:
        d = self.deployment
        self.query_one("#title", Static).update(Content(f"deployment {inert_line(d.name)}"))
        description = d.raw.get("description") if isinstance(d.raw, dict) else None
        budget = d.raw.get("budget") if isinstance(d.raw, dict) else None
        cap = fmt.money(int(budget["max_list_cost"]["amount"])) if isinstance(budget, dict) else "-"
        facts = [
            f"{_status(d)} · {d.schedule or 'on demand'} · next {_when(d.next_run_at)} · "
            f"agent {d.agent_name or '-'} · session budget {cap}",
            f"{d.runs} runs · {d.failed_runs} failed · {d.sessions} sessions mirrored · "
            f"spent {fmt.money(d.spend_cents)} · {d.id}",
        ]
        if isinstance(description, str) and description:
            facts.insert(0, description)
        self.query_one("#facts", Static).update(Content("\n".join(inert_line(f) for f in facts)))
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for run in self.runs:
            if run.error_type:
                what = Text(f"✖ {inert_line(run.error_message or run.error_type)}", style="red")
            else:
                what = Text(inert_line(run.session_title or run.session_id or "-"))
            table.add_row(
                Text(_when(run.created_at)), Text(inert_line(run.trigger or "-")), what,
                Text(inert_line(run.session_status or ("-" if run.error_type else "not mirrored"))),
                Text(_NEEDS.get(run.needs_you or "", inert_line(run.needs_you or "")),
                     style="bold" if run.needs_you else ""),
                _right(fmt.money(run.spend_cents)),
                Text(run.session_id or run.id),
            )  # fmt: skip
        if self.runs:
            table.move_cursor(row=min(cursor, len(self.runs) - 1))

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        """Open the highlighted run's session."""
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.runs):
            run = self.runs[row]
            if run.session_id:
                self.drover.open_session(run.session_id)
            else:
                self.notify(f"This run made no session: {run.error_type}", severity="warning")

    def action_sessions(self) -> None:
        """Show this deployment's sessions on the fleet list."""
        show_deployment_sessions(self.drover, self.deployment.id)

    def action_back(self) -> None:
        """Back to the list."""
        self.dismiss()
