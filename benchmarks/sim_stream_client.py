"""Client half of the sim benchmarks, run in its own process so it does not share the
server's GIL.

Usage: ``python sim_stream_client.py MODE BASE_URL API_KEY SECONDS SID [SID…]`` where MODE is
``streams`` (one stream per session id; says READY once all are open, waits for a line on
stdin, then counts frames) or ``requests`` (one worker per session id looping
``GET /v1/sessions/{id}``). Prints one JSON line with the count and the seconds measured.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx

FRAME = b"event: agent.message\n"


async def _follow(client: httpx.AsyncClient, sid: str, state: dict) -> None:
    async with client.stream("GET", f"/v1/sessions/{sid}/events/stream") as response:
        response.raise_for_status()
        state["connected"] += 1
        async for chunk in response.aiter_raw():
            if state["measuring"]:
                state["count"] += chunk.count(FRAME)


async def _poll(client: httpx.AsyncClient, sid: str, state: dict) -> None:
    while True:
        response = await client.get(f"/v1/sessions/{sid}")
        if state["measuring"] and response.status_code == 200:
            state["count"] += 1


async def main(mode: str, base_url: str, key: str, seconds: float, sids: list[str]) -> None:
    headers = {"x-api-key": key, "anthropic-beta": "managed-agents-2026-04-01"}
    limits = httpx.Limits(max_connections=len(sids) + 4)
    state = {"count": 0, "connected": 0, "measuring": False}
    worker = _follow if mode == "streams" else _poll
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=httpx.Timeout(30, read=60)
    ) as client:
        tasks = [asyncio.create_task(worker(client, sid, state)) for sid in sids]
        if mode == "streams":
            while state["connected"] < len(sids):
                await asyncio.sleep(0.01)
            print("READY", flush=True)
            sys.stdin.readline()  # the parent starts producing, then tells us to measure
        state["measuring"] = True
        start = time.perf_counter()
        await asyncio.sleep(seconds)
        state["measuring"] = False
        elapsed = time.perf_counter() - start
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"count": state["count"], "seconds": elapsed}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5:]))
