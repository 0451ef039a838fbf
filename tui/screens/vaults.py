"""`:vaults` (`VaultsScreen`): every vault, and each credential's health.

A vault holds credentials sessions use to reach MCP servers (or as environment variables). Sync
validates each MCP OAuth credential now and then (`drover.sync.platform`: a live probe of its
server); a credential that failed is a needs-you reason on every session using it, and this
list says what it needs: re-authorizing, or a look at its server URL. Failing vaults list first.
Secrets are write-only: neither the API nor drover ever shows one.

`v` validates every credential again now (a probe of each MCP server; refused read-only),
`enter` on a failing credential shows the sessions it holds up (the inbox, filtered).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding

from drover.store.steer_models import CredentialRow, VaultRow
from drover.text.inert import inert_line
from drover.tui.screens.platform_list import PlatformList

_HEALTH = {"valid": ("✓ valid", "green"), "invalid": ("✗ invalid", "bold red"),
           "unknown": ("? unknown", "yellow")}  # fmt: skip
_TYPES = {"mcp_oauth": "MCP OAuth", "static_bearer": "bearer token",
          "environment_variable": "env variable"}  # fmt: skip


def health(cred: CredentialRow) -> Text:
    """A credential's health cell: its latest validation, or why it has none."""
    if cred.problem:
        text, style = (
            _HEALTH["invalid"] if cred.status == "invalid" else ("✗ unreachable", "bold red")
        )
        return Text(text, style=style)
    if cred.status in _HEALTH:
        text, style = _HEALTH[cred.status]
        return Text(text, style=style)
    if cred.auth_type == "mcp_oauth":
        return Text("… not validated yet", style="dim")
    return Text("– not validatable", style="dim")


class VaultsScreen(PlatformList):
    """Vaults and their credentials, one row each (credentials indented under their vault)."""

    TITLE_TEXT = "vaults"
    COLUMNS = ("VAULT / CREDENTIAL", "TYPE", "HEALTH", "SESSIONS", "FIX", "CHECKED", "MCP SERVER")
    BINDINGS = [  # noqa: RUF012
        Binding("v", "validate", "Validate now", id="vaults.validate"),
        Binding("enter", "open", "Sessions held up", id="vaults.open"),
    ]
    MUTATING_ACTIONS = frozenset({"validate"})

    def read(self) -> list[VaultRow | CredentialRow]:
        reader = self.drover.reader
        if reader is None:
            return []
        out: list[VaultRow | CredentialRow] = []
        for vault in reader.vaults():
            out.append(vault)
            out.extend(vault.credentials)
        return out

    def cells(self, item: Any) -> list[Text]:
        if isinstance(item, VaultRow):
            count = len(item.credentials)
            failing = f" · {item.failing} failing" if item.failing else ""
            state = Text(f"{count} credential{'s' if count != 1 else ''}{failing}",
                         style="bold red" if item.failing else "")  # fmt: skip
            archived = " (archived)" if item.archived_at else ""
            return [
                Text(f"▾ {inert_line(item.name)}{archived}", style="bold"), Text(""), state,
                Text(f"{item.sessions} use it", justify="right"), Text(""), Text(""), Text(""),
            ]  # fmt: skip
        cred: CredentialRow = item
        checked = cred.validated_at[:16].replace("T", " ") if cred.validated_at else "-"
        held = f"{cred.sessions} need you" if cred.sessions else ""
        return [
            Text(f"  {inert_line(cred.name)}"),
            Text(_TYPES.get(cred.auth_type or "", inert_line(cred.auth_type or "-"))),
            health(cred),
            Text(held, justify="right", style="bold red" if held else ""),
            Text(inert_line(cred.fix or ""), style="red" if cred.problem else ""),
            Text(checked),
            Text(inert_line(cred.mcp_server_url or "-")),
        ]

    def count(self, items: list[Any]) -> str:
        vaults = sum(1 for i in items if isinstance(i, VaultRow))
        creds = len(items) - vaults
        return f"{vaults} vault{'s' if vaults != 1 else ''} · {creds} credentials"

    def note(self, items: list[Any]) -> str:
        if not items:
            return "No vaults mirrored (sync reads them every few polls; r reads now)."
        failing = sum(1 for i in items if isinstance(i, CredentialRow) and i.problem)
        lead = (
            f"{failing} credential{'s' if failing != 1 else ''} failing: each session using "
            "one needs you until it is fixed · "
            if failing
            else ""
        )
        keys = "v: validate every credential now · enter: sessions it holds up"
        return f"{lead}{keys} · secrets are never shown"

    def action_validate(self) -> None:
        """Validate every MCP OAuth credential again (at the next poll, within seconds)."""
        engine = self.drover.engine
        if engine is not None:
            engine.refresh_platform(validate=True)
        self.notify("Validating every MCP OAuth credential at the next poll.")

    def action_open(self) -> None:
        """Show the sessions a failing credential holds up (the inbox, filtered)."""
        item = self.current()
        if not isinstance(item, CredentialRow) or not item.problem:
            self.notify("Nothing waits on this one.")
            return
        self.app.run_worker(self._inbox(), group="vault-inbox", exclusive=True)

    async def _inbox(self) -> None:
        await self.app.switch_mode("inbox")
        setter = getattr(self.app.screen, "set_filter", None)
        if setter is not None:
            setter("credential")
