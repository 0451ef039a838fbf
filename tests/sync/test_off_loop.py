"""History and session pages are decoded off the event loop, and a back-fill stays lossless."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sync_support import create_session, server_event_ids, wait_for, wait_idle

from drover.api import page_body
from drover.sync.connection import ConnectionBoard
from drover.sync.follower import Follower
from drover.sync.poller import SessionPoller


@pytest.fixture
def decode_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The name of the thread each page decode ran on, in order."""
    threads: list[str] = []
    decode = page_body.decode_page

    def recording(body: bytes, screen: page_body.Screen = page_body.screen_object) -> object:
        threads.append(threading.current_thread().name)
        return decode(body, screen)

    monkeypatch.setattr(page_body, "decode_page", recording)
    yield threads


async def test_a_paged_back_fill_decodes_every_page_off_the_loop_and_loses_nothing(
    chaos_sim, client_factory, mirror, decode_threads
):
    sim = chaos_sim()
    client = client_factory(sim)
    sid = await create_session(client)
    await wait_idle(client, sid)
    loop_thread = threading.current_thread().name
    decode_threads.clear()
    # Small pages: the back-fill walks many of them, each decoded before the next is asked for.
    follower = Follower(sid, client=client, writer=mirror.writer, reader=mirror.reader,
                        board=ConnectionBoard(), history_limit=7)  # fmt: skip
    follower.start()
    server = await server_event_ids(client, sid)

    async def mirrored() -> bool:
        return mirror.reader.event_ids(sid) == server

    await wait_for(mirrored, timeout=20, interval=0.1, message="mirror == server")
    await follower.stop()
    assert len(server) > 30 and len(decode_threads) >= len(server) // 7
    assert loop_thread not in decode_threads
    assert all(name.startswith(page_body.DECODER_THREAD) for name in decode_threads)
    counts = mirror.counts()
    assert counts["duplicates"] == 0 and counts["events"] == counts["fts"] == len(server)


async def test_the_poller_decodes_the_session_list_off_the_loop(
    chaos_sim, client_factory, mirror, decode_threads
):
    sim = chaos_sim()
    client = client_factory(sim)
    made = {await create_session(client, kickoff=None) for _ in range(3)}
    decode_threads.clear()
    poller = SessionPoller(client, mirror.writer, reader=mirror.reader, page_limit=2)
    result = await poller.poll_once()
    assert made <= set(result.session_ids)
    assert made <= {row.id for row in mirror.reader.sessions(limit=100)}
    assert len(decode_threads) >= 2  # two pages of sessions at least (then agents, environments)
    assert threading.current_thread().name not in decode_threads
    assert all(name.startswith(page_body.DECODER_THREAD) for name in decode_threads)
