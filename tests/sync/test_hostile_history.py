"""A hostile server's history: one bad item must not freeze a session's mirror.

The sim sits behind ``hostile_server`` (a proxy that spoils answers on demand). Each bad item —
an event without ``type``, a bare ``42``, JSON nested 1,000 deep — is quarantined with its raw
bytes and the reason, the good events are all mirrored, and ``run_until_idle`` returns.
"""

from __future__ import annotations

import json
import time

import pytest
from hostile_server import NO_TYPE, NOT_OBJECT, deep_item
from sync_support import create_session, make_client, server_event_ids, wait_idle

from drover.store.extract import event_id
from drover.store.quarantine import QUARANTINE_TYPE
from drover.sync.profiles import ProfileEngines


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def no_id_event() -> bytes:
    """A good event without an id, as the newest of the session."""
    content = [{"type": "text", "text": "no id"}]
    event = {"type": "agent.message", "processed_at": _now(), "content": content}
    return json.dumps(event).encode()


async def _idle_session(sim):
    client = make_client(sim.base_url, sim.api_key)
    try:
        sid = await create_session(client)
        await wait_idle(client, sid)
        return sid, await server_event_ids(client, sid)
    finally:
        await client.aclose()


async def test_bad_items_are_quarantined_and_every_good_event_mirrored(
    sim, hostile_factory, tmp_path
):
    proxy = hostile_factory(sim)
    sid, server_ids = await _idle_session(sim)
    newest = no_id_event()
    deep = deep_item()
    proxy.plan.inject[sid] = [NO_TYPE, NOT_OBJECT, deep, newest]
    engines = ProfileEngines.endpoint(proxy.base_url, sim.api_key, tmp_path)
    engine = await engines.open_engine(auto_follow=False)
    try:
        engine.follow(sid)
        report = await engine.run_until_idle(timeout=30)
        reader = engine.reader
        stored = reader.event_ids(sid)
        assert server_ids <= stored, "every good server event is mirrored"
        assert event_id(json.loads(newest), sid, None) in stored, "the id-less newest event too"
        quarantined = reader.quarantined(sid)
        by_raw = {row.raw: row for row in quarantined}
        assert set(by_raw) == {NO_TYPE, NOT_OBJECT, deep}
        assert by_raw[NO_TYPE].reason == "no `type`" and by_raw[NO_TYPE].event_id
        assert by_raw[NOT_OBJECT].reason == "not a JSON object (number)"
        assert "deep" in by_raw[deep].reason
        shown = [e for e in reader.transcript(sid, limit=1000) if e.type == QUARANTINE_TYPE]
        assert len(shown) == 3, "each bad item is its own row in the session"
        print(f"\nidle after {report.rounds} rounds, {report.seconds:.1f}s; quarantined 3")
    finally:
        await engine.stop()


@pytest.mark.parametrize("cursor", ["same", "new"])
async def test_a_server_that_pages_forever_is_stopped_not_followed(
    sim, hostile_factory, tmp_path, cursor
):
    proxy = hostile_factory(sim)
    sid, server_ids = await _idle_session(sim)
    proxy.plan.cursor = cursor  # every events and sessions listing: next_page forever
    engines = ProfileEngines.endpoint(proxy.base_url, sim.api_key, tmp_path)
    engine = await engines.open_engine()
    started = time.monotonic()
    try:
        await engine.run_until_idle(timeout=30)
        took = time.monotonic() - started
        assert server_ids <= engine.reader.event_ids(sid)
    finally:
        await engine.stop()
    lists = proxy.reads(r"/v1/sessions(/[^/]+/events)?")
    print(f"\n{cursor} cursor: idle in {took:.1f}s with {len(lists)} list requests")
    assert len(lists) < 40, "a repeating cursor must not eat the read budget"
