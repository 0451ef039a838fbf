"""Creating one item of a launch, and what each answer of the server means for it.

`drover.sync.launch.Launcher` runs a launch's rounds and workers; each worker hands an item to
`create_item`, which marks it ``creating`` (committed) before the request goes out, then
records the outcome: created, refused (``failed``: nothing was created), requeued (the key, a
429 after the client's own retries, a connection that never sent), or *in doubt* (a 5xx or a
dropped connection after sending: the launch reads the server back before creating it again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from drover.api.errors import (
    ApiError,
    AuthenticationError,
    ConnectionFailed,
    DroverApiError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from drover.sync.engines import NewSession
from drover.sync.launch_plan import PlanError, session_request
from drover.sync.launch_state import LaunchProgress, ProgressCallback

if TYPE_CHECKING:
    from pathlib import Path

    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorReads, MirrorWrites
    from drover.store.launches import LaunchItemRow, LaunchRow

__all__ = ["FAILURES_TO_STOP", "LaunchHost", "LaunchRun", "create_item"]

log = logging.getLogger("drover.sync.launch")

FAILURES_TO_STOP = 5
"""Refusals in a row, with nothing created in between, that stop a launch (a wrong template
should cost five requests, not three hundred)."""


class LaunchHost(Protocol):
    """What a launcher needs of a sync engine (`drover.sync.engine.SyncEngine` is one)."""

    client: ManagedAgentsClient
    writer: MirrorWrites
    reader: MirrorReads

    @property
    def launch_folder(self) -> Path:
        """Where the profile's launch locks live (`drover.sync.launch_state.lock_path`)."""
        ...

    async def create_session(self, request: NewSession, *, follow: bool = True) -> str:
        """Create a session; its id."""
        ...


@dataclass
class LaunchRun:
    """One run of a launch: its progress so far, and why it stops early (if it does)."""

    launch: LaunchRow
    progress: LaunchProgress
    started: float
    failures_in_row: int = 0
    stop: str | None = None  # why this run stops early
    again: set[int] = field(default_factory=set)  # items another round must look at


async def create_item(
    host: LaunchHost,
    run: LaunchRun,
    item: LaunchItemRow,
    emit: ProgressCallback,
    *,
    follow: bool,
    environ: Mapping[str, str],
    clock: Callable[[], float],
) -> None:
    """Create one queued item through the host's create path and record what came of it
    (`run.progress` updated and emitted before the request and after the answer)."""
    writer, launch_id = host.writer, run.launch.id
    try:
        request = session_request(run.launch.spec, item.request, environ)
    except PlanError as exc:
        run.stop = str(exc)
        return
    if not await writer.launch_item_creating(launch_id, item.idx):
        return  # no longer queued
    progress = run.progress
    run.progress = replace(progress, in_flight=progress.in_flight + 1)
    emit(run.progress)
    outcome: str
    try:
        session_id = await host.create_session(request, follow=follow)
    except (AuthenticationError, PermissionDeniedError) as exc:
        await writer.launch_items_requeue(launch_id, [item.idx], note=_describe(exc))
        run.stop, outcome = f"the key cannot create sessions: {_describe(exc)}", "requeued"
    except RateLimitError as exc:  # the client already waited and retried
        await writer.launch_items_requeue(launch_id, [item.idx], note=_describe(exc))
        await asyncio.sleep(exc.retry_after or 5.0)
        run.again.add(item.idx)  # another round picks it up
        outcome = "requeued"
    except (ServerError, ConnectionFailed) as exc:
        if isinstance(exc, ConnectionFailed) and not exc.maybe_sent:
            await writer.launch_items_requeue(launch_id, [item.idx], note=_describe(exc))
            outcome = "requeued"
        else:
            outcome = "doubt"
        run.again.add(item.idx)
        log.warning("%s item %d: %s (%s)", launch_id, item.idx, exc, outcome)
    except (ApiError, DroverApiError) as exc:  # the server refused it: nothing was created
        await writer.launch_item_failed(launch_id, item.idx, _describe(exc))
        run.failures_in_row += 1
        outcome = "failed"
        if run.failures_in_row >= FAILURES_TO_STOP and run.progress.created_now == 0:
            run.stop = f"{run.failures_in_row} creates refused in a row: {_describe(exc)}"
    except asyncio.CancelledError:
        run.progress = replace(run.progress, in_flight=run.progress.in_flight - 1,
                               in_doubt=run.progress.in_doubt + 1)  # fmt: skip
        raise
    else:
        await writer.launch_item_created(launch_id, item.idx, session_id)
        run.failures_in_row = 0
        outcome = "created"
    progress = run.progress
    run.progress = replace(
        progress,
        in_flight=progress.in_flight - 1,
        created=progress.created + (outcome == "created"),
        created_now=progress.created_now + (outcome == "created"),
        failed=progress.failed + (outcome == "failed"),
        in_doubt=progress.in_doubt + (outcome == "doubt"),
        elapsed=clock() - run.started,
        error=run.stop,
    )
    emit(run.progress)


def _describe(error: BaseException) -> str:
    if isinstance(error, ApiError) and error.message:
        return f"{error.message} ({error.status})" if error.status else error.message
    return str(error) or type(error).__name__
