"""Settling a launch's items in doubt by reading the server's sessions of the launch back.

An item left ``creating`` (a crash, a 5xx or a dropped connection after its request went out)
may or may not have a session on the server. Before it may be created again, the server's
session list is read (the launch's agent, created since shortly before the launch began,
archived ones included) and each session tagged with the launch's id is matched to its item
by ``drover_item``: found, the item is created with that session; not found, it is queued
again. `drover.sync.launch` runs this at the start of every resume and between rounds.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from drover.api.timestamps import parse_timestamp
from drover.sync.launch_plan import LAUNCH_TAG, TAG_ITEM

if TYPE_CHECKING:
    from drover.api.client import ManagedAgentsClient
    from drover.store.api import MirrorReads, MirrorWrites
    from drover.store.launches import LaunchItemRow, LaunchRow

__all__ = ["SKEW", "Settled", "sessions_on_server", "settle_doubt"]

log = logging.getLogger("drover.sync.launch")

SKEW = timedelta(hours=1)
"""How far before the launch's start (local clock) the server's list is read back: room for
a client clock running ahead of the server's."""


@dataclass(frozen=True)
class Settled:
    """What a read-back found among the items in doubt."""

    found: int  # in doubt, but created on the server: now recorded as created
    requeued: int  # in doubt and not on the server: queued to be created again


async def sessions_on_server(
    client: ManagedAgentsClient, launch: LaunchRow
) -> dict[int, list[dict[str, Any]]]:
    """The server's sessions tagged with `launch`'s id, by item index, oldest first."""
    created = parse_timestamp(launch.created_at) or datetime.now().astimezone()
    since = (created - SKEW).strftime("%Y-%m-%dT%H:%M:%SZ")
    found: dict[int, list[dict[str, Any]]] = {}
    sessions = client.iter_sessions(
        agent_id=str(launch.spec.get("agent_id")),
        created_at_gte=since,
        include_archived=True,
        order="asc",
        limit=100,
    )
    async for session in sessions:
        metadata = session.get("metadata")
        if not isinstance(metadata, dict) or metadata.get(LAUNCH_TAG) != launch.id:
            continue
        try:
            idx = int(metadata.get(TAG_ITEM, ""))
        except ValueError:
            continue
        found.setdefault(idx, []).append(session)
    for sessions_of_item in found.values():
        sessions_of_item.sort(key=lambda s: str(s.get("created_at") or ""))
    return found


async def settle_doubt(
    client: ManagedAgentsClient,
    writer: MirrorWrites,
    reader: MirrorReads,
    launch: LaunchRow,
    doubt: list[LaunchItemRow],
) -> Settled:
    """Match the server's sessions of `launch` to its items; queue again those in doubt and
    not found. Sessions of items the mirror does not yet call created are adopted into it."""
    found = await sessions_on_server(client, launch)
    twins = {idx: len(sessions) for idx, sessions in found.items() if len(sessions) > 1}
    if twins:  # never made by drover; said loudly if a server or a user ever made one
        log.error("%s: items with more than one session: %s", launch.id, twins)
    created = await asyncio.to_thread(reader.launch_items, launch.id, states=("created",))
    settled = {item.idx for item in created}
    adopt = [s[0] for idx, s in sorted(found.items()) if idx not in settled]
    if adopt:
        await writer.upsert_sessions(adopt)
    for session in adopt:
        idx = int(session["metadata"][TAG_ITEM])
        await writer.launch_item_created(launch.id, idx, str(session["id"]))
    missing = [item.idx for item in doubt if item.idx not in found]
    if missing:
        await writer.launch_items_requeue(
            launch.id, missing, note="not found on the server: created again"
        )
    result = Settled(found=len(doubt) - len(missing), requeued=len(missing))
    if doubt:
        log.info("%s: %d in doubt, %d already created, %d queued again",
                 launch.id, len(doubt), result.found, result.requeued)  # fmt: skip
    return result
