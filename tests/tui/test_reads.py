"""The read pool: closing waits for reads under way and refuses new ones until it is done."""

from __future__ import annotations

import asyncio
import threading

import pytest

from drover.tui.reads import ReadPool, ReadsClosed


async def test_closing_waits_for_running_reads_and_refuses_new_ones() -> None:
    pool = ReadPool(workers=2)
    release, started = threading.Event(), threading.Event()
    order: list[str] = []

    def slow_read() -> str:
        started.set()
        release.wait(5)
        order.append("read finished")
        return "row"

    running = asyncio.ensure_future(pool.run(slow_read))
    await asyncio.to_thread(started.wait, 5)

    async def close() -> None:
        async with pool.closing():
            order.append("connections closed")

    closer = asyncio.ensure_future(close())
    await asyncio.sleep(0)
    # A worker asking now (it took the source before it was cleared) is refused.
    with pytest.raises(ReadsClosed):
        await pool.run(lambda: "late")
    release.set()
    assert await running == "row"
    await closer
    assert order == ["read finished", "connections closed"]
    assert await pool.run(lambda: "after") == "after"  # open again for the next profile
    pool.shutdown()
