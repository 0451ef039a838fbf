"""SSE streams: framing, heartbeats, stall watchdog, malformed frames, unicode, pool bounds."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from drover.api import (
    ConnectionFailed,
    MalformedEventError,
    NotFoundError,
    ServerError,
    StreamError,
    StreamStalled,
)

STREAM = "/v1/sessions/s1/events/stream"


def ev(n: int, **extra) -> dict:
    return {
        "type": "agent.message",
        "id": f"sevt_{n}",
        "processed_at": "2026-05-12T09:00:00Z",
        "content": [{"type": "text", "text": f"m{n}"}],
        **extra,
    }


async def collect(stream) -> list[dict]:
    return [e async for e in stream]


async def test_frames_heartbeats_and_clean_end(client, server, fs):
    server.state.stream_script = [
        ": connected\n\n",
        fs.sse("agent.message", ev(1, future={"x": [1, 2]})),
        ": ping\n\n",
        "event: ping\ndata: {}\n\n",
        fs.sse(
            "session.status_idle",
            {"type": "session.status_idle", "id": "sevt_2", "stop_reason": {"type": "end_turn"}},
        ),
        "event: agent.thinking\n\n",  # a frame without data is ignored
    ]
    ticks: list[str] = []
    async with client.stream_events("s1", on_activity=ticks.append) as stream:
        got = await collect(stream)
        assert stream.heartbeats == 3 and stream.events == 2
    assert got[0] == ev(1, future={"x": [1, 2]})  # lossless, unknown fields kept
    assert got[1]["stop_reason"] == {"type": "end_turn"}
    assert ticks == ["heartbeat", "event", "heartbeat", "heartbeat", "event"]
    (req,) = server.state.calls("GET", STREAM)
    assert req.query == [] and req.headers["accept"] == "text/event-stream"
    assert client.open_streams == 0


async def test_deltas_and_thread_path(client, server, fs):
    server.state.stream_script = [
        fs.sse(
            "event_start",
            {"type": "event_start", "event": {"type": "agent.message", "id": "sevt_9"}},
        )
    ]
    async with client.stream_events("s1", deltas=True, thread_id="sthr_1") as stream:
        got = await collect(stream)
    assert got[0]["type"] == "event_start"
    (req,) = server.state.calls("GET", "/v1/sessions/s1/threads/sthr_1/stream")
    assert req.query == [("event_deltas[]", "agent.message"), ("event_deltas[]", "agent.thinking")]


async def test_plain_async_for_opens_and_closes(client, server, fs):
    server.state.stream_script = [fs.sse("agent.message", ev(1))]
    got = [e async for e in client.stream_events("s1")]
    assert got == [ev(1)] and client.open_streams == 0


async def test_u2028_and_split_multibyte_utf8(client, server):
    text = "line\u2028sep\u2029para — ✓ 日本 🎉"
    frame = (
        "event: agent.message\ndata: "
        + json.dumps(ev(1, content=[{"type": "text", "text": text}]), ensure_ascii=False)
        + "\r\n\r\n"
    ).encode()
    cut1 = frame.index("✓".encode()) + 1  # inside a 3-byte character
    cut2 = frame.index("🎉".encode()) + 2  # inside a 4-byte character
    cut3 = len(frame) - 3  # between \r and \n
    server.state.stream_script = [
        frame[:cut1],
        0.05,
        frame[cut1:cut2],
        0.05,
        frame[cut2:cut3],
        0.05,
        frame[cut3:],
    ]
    async with client.stream_events("s1") as stream:
        got = await collect(stream)
    assert len(got) == 1 and got[0]["content"][0]["text"] == text


async def test_stall_watchdog_raises(client, server, fs):
    server.state.stream_script = [fs.sse("agent.message", ev(1)), "hang"]
    start = time.monotonic()
    got = []
    with pytest.raises(StreamStalled) as info:
        async with client.stream_events("s1", stall_timeout=0.3) as stream:
            async for event in stream:
                got.append(event)
    assert got == [ev(1)] and info.value.stall_timeout == 0.3
    assert 0.25 <= time.monotonic() - start < 3
    assert client.open_streams == 0


async def test_heartbeats_keep_a_quiet_stream_alive(client, server, fs):
    server.state.stream_script = [*[": ping\n\n", 0.1] * 6, fs.sse("agent.message", ev(1))]
    async with client.stream_events("s1", stall_timeout=0.3) as stream:
        got = await collect(stream)
    assert got == [ev(1)] and stream.heartbeats == 6


async def test_slow_consumer_is_not_a_stall(client, server, fs):
    server.state.stream_script = [fs.sse("agent.message", ev(1)), fs.sse("agent.message", ev(2))]
    async with client.stream_events("s1", stall_timeout=0.2) as stream:
        got = []
        async for event in stream:
            got.append(event)
            await asyncio.sleep(0.4)
    assert len(got) == 2


async def test_malformed_json_raises_by_default(client, server, fs):
    server.state.stream_script = [
        fs.sse("agent.message", ev(1)),
        "event: agent.message\ndata: {not json\n\n",
        fs.sse("agent.message", ev(3)),
    ]
    got = []
    with pytest.raises(MalformedEventError) as info:
        async with client.stream_events("s1") as stream:
            async for event in stream:
                got.append(event)
    assert got == [ev(1)] and info.value.event_name == "agent.message"
    assert "{not json" in info.value.snippet


async def test_malformed_json_skip_mode_counts(client, server, fs):
    server.state.stream_script = [
        "event: agent.message\ndata: {not json\n\n",
        "event: agent.message\ndata: [1, 2]\n\n",
        fs.sse("agent.message", ev(3)),
    ]
    async with client.stream_events("s1", malformed="skip") as stream:
        got = await collect(stream)
        assert stream.malformed_count == 2
    assert got == [ev(3)]


async def test_error_frame_raises_typed_error(client, server, fs):
    server.state.stream_script = [
        fs.sse(
            "error",
            {
                "type": "error",
                "request_id": "req_s",
                "error": {"type": "overloaded_error", "message": "busy"},
            },
        )
    ]
    with pytest.raises(ServerError) as info:
        async with client.stream_events("s1") as stream:
            await collect(stream)
    assert info.value.status is None and info.value.error_type == "overloaded_error"
    assert info.value.request_id == "req_s"


async def test_open_error_is_json_not_sse(client, server):
    server.state.add_fault(
        method="GET",
        path=STREAM,
        action="status",
        status=404,
        body={"type": "error", "error": {"type": "not_found_error", "message": "no session"}},
    )
    with pytest.raises(NotFoundError):
        async with client.stream_events("s1"):
            pass
    assert client.open_streams == 0


async def test_wrong_content_type(client, server):
    server.state.add_fault(
        method="GET", path=STREAM, action="status", status=200, body={"data": []}
    )
    with pytest.raises(StreamError, match="text/event-stream"):
        async with client.stream_events("s1"):
            pass


async def test_mid_stream_drop_is_connection_failed(client, server, fs):
    server.state.stream_script = [fs.sse("agent.message", ev(1)), 0.05, "drop"]
    with pytest.raises(ConnectionFailed):
        async with client.stream_events("s1") as stream:
            await collect(stream)


async def test_stream_slots_bound_and_control_calls_never_queue(make_client, server):
    client = make_client(max_streams=2)
    server.state.stream_script = [": hi\n\n", "hang"]
    a = await client.stream_events("s1").__aenter__()
    b = await client.stream_events("s1").__aenter__()
    assert client.open_streams == 2
    third = asyncio.create_task(client.stream_events("s1").__aenter__())
    await asyncio.sleep(0.2)
    assert not third.done()  # waits for a slot instead of overcommitting the pool
    start = time.monotonic()
    await client.retrieve_session("s1")  # the control client is independent of streams
    assert time.monotonic() - start < 1.0
    await a.aclose()
    c = await asyncio.wait_for(third, 2)
    assert client.open_streams == 2
    await b.aclose()
    await c.aclose()
    assert client.open_streams == 0


async def test_headers_that_never_come_count_as_a_stall(client, server, fs):
    server.state.add_fault(method="GET", path=STREAM, action="delay", seconds=2)
    with pytest.raises(StreamStalled):
        async with client.stream_events("s1", stall_timeout=0.2):
            pass
    assert client.open_streams == 0


async def test_close_from_another_task_ends_the_reader_cleanly(client, server, fs):
    server.state.stream_script = [fs.sse("a", {"type": "a"}), "hang"]
    stream = client.stream_events("s1", stall_timeout=30)
    await stream.open()
    got: list[dict] = []

    async def pump() -> None:
        async for event in stream:
            got.append(event)

    reader = asyncio.create_task(pump())
    while not got:
        await asyncio.sleep(0.01)
    await stream.aclose()
    await asyncio.wait_for(reader, 2)  # ends without an error, does not hang
    assert got == [{"type": "a"}] and client.open_streams == 0


async def test_json_too_large_to_decode_is_malformed_not_a_crash(client, server, fs):
    # json.loads raises a plain ValueError (no .msg/.pos) for an integer past Python's digit
    # limit; the frame is malformed like any other, never an AttributeError.
    server.state.stream_script = [
        'event: agent.message\ndata: {"n": ' + "9" * 5000 + "}\n\n",
        fs.sse("agent.message", ev(2)),
    ]
    async with client.stream_events("s1", malformed="skip") as stream:
        got = await collect(stream)
        assert stream.malformed_count == 1
    assert got == [ev(2)]
