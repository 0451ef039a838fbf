"""Typed rows of the platform views (deployments, runs, vaults, credentials): plain frozen
dataclasses, like `drover.store.models`, that `drover.text` and the TUI format."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from drover.store.models import JSONObject

__all__ = ["CredentialRow", "DeploymentRow", "RunRow", "VaultRow"]


@dataclass(frozen=True)
class DeploymentRow:
    """A deployment with what its mirrored runs and sessions add up to.

    Attributes:
        id: `depl_…`.
        name: its name.
        status: `active` or `paused`.
        paused_reason: `manual`, the error type that paused it, or None.
        schedule: the cron expression and time zone (`0 6 * * * UTC`), or None (manual).
        last_run_at: the newest run's time (the schedule's `last_run_at` when no run is
            mirrored).
        next_run_at: the schedule's next firing time, if any.
        runs: runs mirrored.
        failed_runs: of which could not create their session.
        sessions: sessions it created that the mirror holds.
        spend_cents: those sessions' list cost.
        agent_name: its agent (name when mirrored, else id).
        raw: the Deployment object.
    """

    id: str
    name: str
    status: str | None
    paused_reason: str | None
    schedule: str | None
    last_run_at: str | None
    next_run_at: str | None
    runs: int
    failed_runs: int
    sessions: int
    spend_cents: int
    agent_name: str | None
    raw: JSONObject = field(repr=False, default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Machine-readable (cents as integers)."""
        out = asdict(self)
        out.pop("raw")
        return out


@dataclass(frozen=True)
class RunRow:
    """One deployment run, with its session's state when mirrored."""

    id: str
    deployment_id: str
    created_at: str | None
    trigger: str | None
    session_id: str | None
    error_type: str | None
    error_message: str | None
    session_title: str | None = None
    session_status: str | None = None
    needs_you: str | None = None
    spend_cents: int | None = None

    def as_json(self) -> dict[str, Any]:
        """Machine-readable."""
        return asdict(self)


@dataclass(frozen=True)
class CredentialRow:
    """A vault credential and its health (never a secret: the mirror holds none).

    Attributes:
        status: the latest validation's `status` (`valid`, `invalid`, `unknown`), or None
            when it was never validated (only `mcp_oauth` credentials can be).
        problem: why it fails (`drover.store.credential_health.PROBLEMS`), or None.
        sessions: sessions not terminated that use it and need you for it.
    """

    id: str
    vault_id: str
    name: str
    auth_type: str | None
    mcp_server_url: str | None
    status: str | None
    problem: str | None
    fix: str | None
    validated_at: str | None
    expires_at: str | None
    archived_at: str | None
    sessions: int = 0


@dataclass(frozen=True)
class VaultRow:
    """A vault and its credentials' health."""

    id: str
    name: str
    archived_at: str | None
    credentials: tuple[CredentialRow, ...]
    sessions: int

    @property
    def failing(self) -> int:
        """Credentials whose latest validation failed."""
        return sum(1 for c in self.credentials if c.problem)
