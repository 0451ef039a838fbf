"""Sync leaves imported sessions alone: no reconcile fetch, no follower, the mirror keeps them.

The sim is real and has never heard of the imported session (it ran on another server); a
recording transport shows which paths drover asked for.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sync_support import create_session, wait_idle

from drover.store.imports import ImportedEvent
from drover.sync.engine import SyncEngine
from drover.sync.imported import ImportedSessionError
from drover.sync.poller import SessionPoller

IMPORTED = "sesn_011CImportedElsewhere0001"


class Recording(httpx.AsyncHTTPTransport):
    """A real transport that remembers every request path."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await super().handle_async_request(request)

    def touched(self, session_id: str) -> list[str]:
        return [p for p in self.paths if session_id in p]


def _import(mirror: Any, session_id: str = IMPORTED) -> None:
    """An idle session from elsewhere, loaded the way `drover import` does."""
    at = "2026-05-12T10:00:0{}Z"
    events = [
        ImportedEvent("sevt_imp_1", None, True, {"type": "user.message", "id": "sevt_imp_1",
                      "processed_at": at.format(1), "content": [{"type": "text", "text": "hi"}]}),
        ImportedEvent("sevt_imp_2", None, True, {"type": "session.status_running",
                      "id": "sevt_imp_2", "processed_at": at.format(2)}),
        ImportedEvent("sevt_imp_3", None, True, {"type": "session.status_idle", "id": "sevt_imp_3",
                      "processed_at": at.format(3), "stop_reason": {"type": "end_turn"}}),
    ]  # fmt: skip
    result = mirror.writer.submit("import_session", session_id, None, [], iter(events)).result()
    assert result.created and result.origin == "import"


async def test_the_poller_never_reconciles_an_imported_session(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    recording = Recording()
    client = client_factory(sim, transport=recording)
    synced = await create_session(client)
    await wait_idle(client, synced)
    _import(mirror)
    assert mirror.reader.session(IMPORTED).status == "idle"  # active: reconcile would pick it

    poller = SessionPoller(client, mirror.writer, reader=mirror.reader)
    await poller.poll_once()
    await poller.poll_once()

    assert recording.touched(IMPORTED) == []
    row = mirror.reader.session(IMPORTED)
    assert row is not None and not row.deleted and row.origin == "import" and row.status == "idle"
    assert len(mirror.reader.event_ids(IMPORTED)) == 3
    assert mirror.reader.session(synced).origin is None


async def test_the_engine_never_follows_an_imported_session(chaos_sim, client_factory, mirror):
    sim = chaos_sim(pace="fast")
    recording = Recording()
    client = client_factory(sim, transport=recording)
    _import(mirror)
    engine = SyncEngine(client, mirror.writer, mirror.reader, poll_min=0.2, poll_max=0.2)
    await engine.start()
    try:
        with pytest.raises(ImportedSessionError, match="imported from an export file"):
            engine.follow(IMPORTED)
        engine.set_focus(IMPORTED)  # what the TUI does when the session is opened
        synced = await create_session(client)
        engine.set_focus(synced)  # an ordinary session is still followed on focus
        # Wait for three more poll rounds (each could have picked the imported session up).
        rounds = engine.poller.polls + 3
        deadline = asyncio.get_running_loop().time() + 30
        while engine.poller.polls < rounds and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        assert engine.poller.polls >= rounds
        assert IMPORTED not in engine.followed and IMPORTED not in engine.finished
        assert synced in engine.followed or synced in engine.finished
    finally:
        await engine.stop()
    assert recording.touched(IMPORTED) == []
    row = mirror.reader.session(IMPORTED)
    assert not row.deleted and len(mirror.reader.event_ids(IMPORTED)) == 3
