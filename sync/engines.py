"""What the TUI and the CLI may ask of a sync engine, and the engine for a mirror without one.

`Engine` is the one interface: the live `SyncEngine`, the demo's `DeferredEngine` (which
connects once its simulator is up) and `OfflineEngine` (a mirror reviewed with no account, or
whose account could not be reached) all implement it, so callers never ask which one they hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from drover.sync.connection import ConnectionBoard

if TYPE_CHECKING:  # annotations only: the TUI's first paint needs no config models nor HTTP
    from drover.api.wire import JSONObject
    from drover.config.rules import Rule
    from drover.store.api import MirrorWrites
    from drover.store.mirror import Mirror
    from drover.sync.account import Account
    from drover.sync.backoff import Failure
    from drover.sync.follow_lock import FollowHolder

__all__ = [
    "ActionKind",
    "Engine",
    "EngineSource",
    "LaunchRunner",
    "NewSession",
    "NotConnectedError",
    "OfflineEngine",
]

ActionKind = Literal[
    "message", "interrupt", "tool_confirmation", "custom_tool_result", "define_outcome"
]
"""The actions the outbox delivers (see `drover.sync.outbox.build_events` for payloads)."""


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session to create: the one shape every way of creating one fills in (`N` in the
    TUI, `drover create`, each item of a launch).

    Attributes:
        agent_id: the agent.
        environment_id: the environment to run in.
        title: the title, or None for the server's default.
        first_message: the opening `user.message`, or None to create the session idle.
        agent_version: pin this version of the agent (None: its latest).
        metadata: key-value metadata (at most 16 pairs; a launch adds its tags here).
        vault_ids: vaults whose credentials the session may use.
        resources: resources to mount, as the API takes them (a repository's token included:
            it is sent, never stored).
        budget_cents: the server-enforced spend ceiling in US cents (None: uncapped).
    """

    agent_id: str
    environment_id: str
    title: str | None = None
    first_message: str | None = None
    agent_version: int | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    vault_ids: tuple[str, ...] = ()
    resources: tuple[Mapping[str, Any], ...] = ()
    budget_cents: int | None = None

    def body(self) -> dict[str, Any]:
        """The `POST /v1/sessions` body fields besides `agent` and `environment_id`."""
        fields: dict[str, Any] = {}
        if self.title:
            fields["title"] = self.title
        if self.first_message:
            text = self.first_message
            fields["initial_events"] = [
                {"type": "user.message", "content": [{"type": "text", "text": text}]}
            ]
        if self.metadata:
            fields["metadata"] = dict(self.metadata)
        if self.vault_ids:
            fields["vault_ids"] = list(self.vault_ids)
        if self.resources:
            fields["resources"] = [dict(r) for r in self.resources]
        if self.budget_cents is not None:
            fields["budget"] = {
                "type": "limit",
                "max_list_cost": {"amount": str(self.budget_cents), "currency": "USD"},
            }
        return fields

    def agent(self) -> str | dict[str, Any]:
        """The request's `agent`: the id (latest version), or the pinned version."""
        if self.agent_version is None:
            return self.agent_id
        return {"type": "agent", "id": self.agent_id, "version": self.agent_version}


class LaunchRunner(Protocol):
    """What `Engine.launcher` hands out: `drover.sync.launch.Launcher` (named here as a
    protocol, since that module builds on this one)."""

    async def record(self, plan: Any) -> str:
        """Write a planned launch into the mirror; its id."""
        ...

    async def run(
        self,
        launch_id: str,
        *,
        on_progress: Callable[[Any], None] | None = None,
        retry_failed: bool = False,
        read_back: bool = True,
    ) -> Any:
        """Create the launch's queued items; the final progress."""
        ...

    def cancel(self) -> None:
        """Stop after the creates in flight."""
        ...


class NotConnectedError(RuntimeError):
    """A call that needs the API was made on an engine that has none; the message says why."""


class Engine(Protocol):
    """One profile's sync engine, as its users see it.

    Attributes:
        account: the account it syncs (None when it has none, or not yet).
        board: the connection state of every followed session, published to observers.
        fatal: the failure that stopped sync for good (a rejected key), else None.
    """

    board: ConnectionBoard

    @property
    def account(self) -> Account | None: ...

    @property
    def fatal(self) -> Failure | None: ...

    @property
    def followed_by(self) -> FollowHolder | None:
        """Another process following this mirror (this engine then only observes), or None."""
        ...

    async def start(self) -> None:
        """Start syncing (returns once started; the work runs on the loop)."""
        ...

    async def stop(self) -> None:
        """Stop every task and close what the engine owns."""
        ...

    def set_focus(self, session_id: str | None) -> None:
        """Ask for live previews of one session only (None: of none)."""
        ...

    async def submit_action(self, session_id: str, kind: ActionKind, **payload: Any) -> int:
        """Persist an action in the outbox (delivered exactly once); returns its outbox id."""
        ...

    async def create_session(self, request: NewSession, *, follow: bool = True) -> str:
        """Create a session (and follow it, unless `follow` is False); returns its id."""
        ...

    async def launcher(self, **options: Any) -> LaunchRunner:
        """A launcher creating through this engine (`drover.sync.launch.Launcher` options)."""
        ...

    async def archive_session(self, session_id: str) -> None:
        """Archive a session upstream."""
        ...

    async def delete_session(self, session_id: str) -> None:
        """Delete a session upstream (the mirror keeps its history)."""
        ...

    # -- steering (drover.sync.steer_control) --------------------------------------------------

    async def set_budget(self, session_id: str, cents: int) -> JSONObject:
        """Set a session's budget (resumes one stopped at `budget_reached`)."""
        ...

    def set_rules(self, rules: Mapping[str, Rule]) -> None:
        """Apply these rules from now on (the profile's config changed)."""
        ...

    async def pause_rules(self, paused: bool) -> str | None:
        """Pause or resume the profile's rules; returns when they were paused, or None."""
        ...

    def refresh_platform(self, *, validate: bool = False) -> None:
        """Read deployments, vaults and memory stores again now."""
        ...

    async def memories(self, store_id: str, path_prefix: str | None = None) -> list[JSONObject]:
        """One folder of a memory store (live)."""
        ...

    async def memory(self, store_id: str, memory_id: str) -> JSONObject:
        """One memory with its content (live)."""
        ...

    async def memory_versions(self, store_id: str, memory_id: str) -> list[JSONObject]:
        """A memory's versions, newest first (live)."""
        ...


class EngineSource(Protocol):
    """Where the TUI gets each profile's engine (`drover.sync.profiles.ProfileEngines`, or the
    demo's, which defers to a simulator still starting)."""

    async def engine(self, name: str | None, mirror: Mirror, **options: Any) -> Engine:
        """The engine of profile `name` over its opened `mirror`.

        Raises:
            ConfigError: no such profile.
            CredentialError: the profile has no key.
            MirrorAccountError: the mirror holds another account's sessions.
        """
        ...


class OfflineEngine:
    """The engine of a mirror with no API behind it.

    Actions wait in the mirror's outbox for the next sync of this profile (by the TUI or
    `drover sync`); calls that need an answer from the API raise `NotConnectedError`.

    Args:
        writer: the mirror's writer (for the outbox).
        reason: why there is no connection, as a sentence fragment ("no API key for …").
    """

    def __init__(self, writer: MirrorWrites, reason: str) -> None:
        self.board = ConnectionBoard()
        self.reason = reason
        self._writer = writer

    @property
    def account(self) -> Account | None:
        """No account: nothing is synced."""
        return None

    @property
    def fatal(self) -> Failure | None:
        """Nothing failed: there is nothing to run."""
        return None

    @property
    def followed_by(self) -> FollowHolder | None:
        """Not known: an offline engine takes no part in following."""
        return None

    async def start(self) -> None:
        """Nothing to start."""

    async def stop(self) -> None:
        """Nothing to stop (the mirror belongs to its opener)."""

    def set_focus(self, session_id: str | None) -> None:
        """No previews without a stream."""

    async def submit_action(self, session_id: str, kind: ActionKind, **payload: Any) -> int:
        """Queue the action for the next sync."""
        from drover.sync.outbox import build_events

        build_events(kind, payload)  # refuse an invalid action now, not at the next sync
        return await self._writer.enqueue_action(session_id, kind, payload)

    def _refuse(self) -> NotConnectedError:
        return NotConnectedError(f"not connected to an API ({self.reason}): nothing was sent")

    async def create_session(self, request: NewSession, *, follow: bool = True) -> str:
        """Refused: creating needs the API."""
        raise self._refuse()

    async def launcher(self, **options: Any) -> LaunchRunner:
        """Refused: launching needs the API."""
        raise self._refuse()

    async def archive_session(self, session_id: str) -> None:
        """Refused: archiving needs the API."""
        raise self._refuse()

    async def delete_session(self, session_id: str) -> None:
        """Refused: deleting needs the API."""
        raise self._refuse()

    async def set_budget(self, session_id: str, cents: int) -> JSONObject:
        """Refused: a budget is changed on the server."""
        raise self._refuse()

    def set_rules(self, rules: Mapping[str, Rule]) -> None:
        """Nothing applies rules offline."""

    async def pause_rules(self, paused: bool) -> str | None:
        """Pause or resume in the mirror (every process on the profile obeys it)."""
        return await self._writer.set_rules_paused(paused, "drover")

    def refresh_platform(self, *, validate: bool = False) -> None:
        """Nothing to refresh from."""

    async def memories(self, store_id: str, path_prefix: str | None = None) -> list[JSONObject]:
        """Refused: memories are read live."""
        raise self._refuse()

    async def memory(self, store_id: str, memory_id: str) -> JSONObject:
        """Refused: memories are read live."""
        raise self._refuse()

    async def memory_versions(self, store_id: str, memory_id: str) -> list[JSONObject]:
        """Refused: memories are read live."""
        raise self._refuse()
