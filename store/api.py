"""The store's interfaces: what the layers above may call on a mirror, whatever its backend.

A mirror is `drover.store.mirror.Mirror`: a `writer` (`MirrorWrites`) and a `reader`
(`MirrorReads`), opened from a location by `Mirror.open` — a file path for the embedded SQLite
mirror (`MirrorWriter`, `MirrorReader`), a `postgresql://` URL for a shared one
(`drover.store.pg`: `PgMirrorWriter`, `PgMirrorReader`). The screens, the CLI's offline commands,
export and sync type against these protocols and never learn which backend they have; a test
checks that both readers and both writers implement every method listed here.

Change notices reach the `on_change(session_id, high_water_seq)` given to `Mirror.open` either
way: from the writer's thread after each commit, and on PostgreSQL also from a listener thread
for what other processes (the hub) committed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import Any, Literal, Protocol, Unpack, get_args

from drover.store.account import AccountBinding
from drover.store.collisions import IdCollision
from drover.store.disk import DiskState
from drover.store.errors import DiskFullError, MirrorStorageError
from drover.store.fleet import FleetQuery
from drover.store.ingest import IngestResult
from drover.store.launches import LaunchItemRow, LaunchRow, NewLaunch
from drover.store.ledger import Cap, Dimension, RowsQuery, Window
from drover.store.models import (
    BudgetState,
    EventRow,
    HeaderCounts,
    JSONObject,
    LedgerRow,
    OutboxRow,
    SearchHit,
    SessionRow,
    SyncCursor,
    ThreadRow,
)
from drover.store.quarantine import QuarantineItem
from drover.store.reader_sync import QuarantineRow
from drover.store.replay import LaneSpan, Marker

__all__ = ["OPERATION_NAMES", "MirrorReads", "MirrorWrites", "Operation"]

Operation = Literal[
    "ingest", "upsert_sessions", "upsert_threads", "upsert_agents", "upsert_environments",
    "enqueue_action", "mark_sending", "claim_action", "renew_leases", "quarantine", "mark_sent",
    "mark_failed", "recompute_session", "import_session", "bind_account", "noop",
    "create_launch", "set_launch_state", "launch_item_creating", "launch_item_created",
    "launch_item_failed", "launch_items_requeue",
]  # fmt: skip
"""The operations `MirrorWrites.submit` queues (each writer's `OPERATIONS`)."""
OPERATION_NAMES: tuple[str, ...] = get_args(Operation)


class MirrorReads(Protocol):
    """Every read the screens, the CLI, export and sync make (see `MirrorReader` for each
    method's arguments and guarantees). Safe from any thread; never waits for the writer."""

    @property
    def location(self) -> str:
        """Where the mirror is: a file path or a `postgresql://` URL (password never shown)."""
        ...

    def close(self) -> None: ...

    # sessions, threads, agents, environments
    def session(self, session_id: str) -> SessionRow | None: ...
    def sessions(
        self,
        *,
        status: str | Iterable[str] | None = None,
        agent_id: str | None = None,
        needs_you: bool | None = None,
        include_archived: bool = False,
        include_deleted: bool = False,
        sort: str = "created_at",
        descending: bool = True,
        limit: int = 500,
        offset: int = 0,
    ) -> list[SessionRow]: ...
    def fleet_ids(self, query: FleetQuery) -> list[str]: ...
    def fleet_rows(self, ids: Sequence[str]) -> dict[str, SessionRow]: ...
    def inbox(self, *, limit: int = 500, include_archived: bool = False) -> list[SessionRow]: ...
    def threads(self, session_id: str) -> list[ThreadRow]: ...
    def agents(self) -> list[JSONObject]: ...
    def environments(self) -> list[JSONObject]: ...
    def header_counts(self, *, today: str | None = None) -> HeaderCounts: ...
    def account(self) -> AccountBinding | None: ...

    # events
    def transcript(
        self,
        session_id: str,
        *,
        thread: str | None = None,
        after_seq: int | None = None,
        before_seq: int | None = None,
        limit: int = 200,
    ) -> list[EventRow]: ...
    def events_by_type(
        self,
        session_id: str,
        types: str | Iterable[str],
        *,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> list[EventRow]: ...
    def event_by_id(self, event_id: str) -> EventRow | None: ...
    def linked_events(self, session_id: str, rows: Sequence[EventRow]) -> list[EventRow]: ...
    def event_ids(self, session_id: str) -> set[str]: ...
    def iter_events(
        self, session_id: str, *, thread: str | None = "*", page: int = 1000
    ) -> Iterator[EventRow]: ...
    def count_events(self, session_id: str, from_seq: int = 0, to_seq: int = 2**62) -> int: ...
    def busiest_sessions(
        self, since: str | None = None, limit: int = 9, *, window: int = 20_000
    ) -> list[tuple[str, int]]: ...

    # outbox and sync state
    def outbox(
        self, session_id: str | None = None, *, unfinished: bool = False
    ) -> list[OutboxRow]: ...
    def cursor(self, session_id: str, thread_id: str | None = None) -> SyncCursor | None: ...
    def id_collisions(self, session_id: str | None = None) -> list[IdCollision]: ...
    def quarantined(self, session_id: str) -> list[QuarantineRow]: ...
    def unaccounted_keys(self, session_id: str, keys: Iterable[str]) -> set[str]: ...
    def newest_seq(self) -> int: ...
    def sessions_changed_after(self, seq: int) -> dict[str, int]: ...
    def ids_with_prefix(
        self, kind: str, prefix: str, *, session_id: str | None = None, limit: int = 10
    ) -> list[str]: ...

    # replay
    def lane_span(self, session_id: str, thread: str | None = None) -> LaneSpan | None: ...
    def markers(
        self, session_id: str, thread: str | None, *, start: datetime, end: datetime, cells: int
    ) -> list[Marker]: ...
    def seq_at_time(self, session_id: str, thread: str | None, when: datetime) -> int | None: ...
    def next_marker(
        self, session_id: str, thread: str | None, seq: int, *, forward: bool
    ) -> int | None: ...

    # search (the same query language and facets on both backends)
    def search(
        self,
        query: str = "",
        limit: int = 50,
        before_seq: int | None = None,
        *,
        session_id: str | Iterable[str] | None = None,
        agent: str | Iterable[str] | None = None,
        status: str | Iterable[str] | None = None,
        types: str | Iterable[str] | None = None,
        tool: str | Iterable[str] | None = None,
        after: str | None = None,
        before: str | None = None,
        raw: bool = False,
        cancel: threading.Event | None = None,
    ) -> list[SearchHit]: ...

    # launches (`drover.store.launches`)
    def launches(self, *, limit: int = 200) -> list[LaunchRow]: ...
    def launch(self, launch_id: str) -> LaunchRow | None: ...
    def launch_ids_with_prefix(self, prefix: str, *, limit: int = 10) -> list[str]: ...
    def launch_items(
        self, launch_id: str, *, states: Sequence[str] | None = None
    ) -> list[LaunchItemRow]: ...

    # the cost ledger
    def cost_totals(self, **window: Unpack[Window]) -> LedgerRow: ...
    def cost_rows(self, by: Dimension, **window: Unpack[RowsQuery]) -> list[LedgerRow]: ...
    def cost_budgets(self, caps: Iterable[Cap] = (), *, today: str) -> list[BudgetState]: ...


class MirrorWrites(Protocol):
    """Every write, queued to the mirror's one writer thread and committed in batches (see
    `MirrorWriter`). A returned future or awaited call resolves after COMMIT."""

    def submit(self, operation: Operation, *args: Any, **kwargs: Any) -> Future[Any]: ...
    async def ingest(
        self,
        session_id: str,
        events: list[JSONObject],
        *,
        thread_id: str | None = None,
        cursor: str | None = "auto",
    ) -> IngestResult: ...
    async def upsert_sessions(self, sessions: list[JSONObject]) -> list[str]: ...
    async def upsert_threads(self, threads: list[JSONObject]) -> list[str]: ...
    async def upsert_agents(self, agents: list[JSONObject]) -> list[str]: ...
    async def upsert_environments(self, envs: list[JSONObject]) -> list[str]: ...
    async def enqueue_action(self, session_id: str, kind: str, payload: object) -> int: ...
    async def mark_sending(self, action_id: int) -> None: ...
    async def claim_action(
        self, action_id: int, owner: str, lease_until: float, *, take_over: str | None = None
    ) -> bool: ...
    async def renew_leases(self, owner: str, lease_until: float) -> int: ...
    async def quarantine(
        self, session_id: str, items: list[QuarantineItem], *, thread_id: str | None = None
    ) -> list[str]: ...
    async def mark_sent(self, action_id: int, server_ids: list[str]) -> None: ...
    async def mark_failed(self, action_id: int, reason: str) -> None: ...
    async def bind_account(self, account: AccountBinding) -> AccountBinding: ...
    async def recompute_session(self, session_id: str) -> None: ...
    async def create_launch(self, launch: NewLaunch) -> str: ...
    async def set_launch_state(
        self, launch_id: str, state: str, error: str | None = None
    ) -> None: ...
    async def launch_item_creating(self, launch_id: str, idx: int) -> bool: ...
    async def launch_item_created(self, launch_id: str, idx: int, session_id: str) -> None: ...
    async def launch_item_failed(self, launch_id: str, idx: int, error: str) -> None: ...
    async def launch_items_requeue(
        self,
        launch_id: str,
        idxs: list[int],
        *,
        states: tuple[str, ...] = ("creating",),
        note: str | None = None,
    ) -> int: ...
    def flush(self, timeout: float | None = None) -> None: ...
    def close(self, timeout: float | None = 30.0) -> None: ...

    # the storage under it (an SQLite file's disk; a server keeps its own: never full here)
    disk: DiskState

    @property
    def disk_full(self) -> DiskFullError | None: ...
    @property
    def broken(self) -> MirrorStorageError | None: ...
    async def wait_for_space(self, **options: float) -> None: ...
