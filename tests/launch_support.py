"""Helpers for the launch tests and benchmark (imported as ``launch_support``): an agent and an
environment on a sim, and the server's own view of a launch (its sessions, its create log)."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim_http import api

from drover.sim.http.ratelimit import sliding_peak


def agent_and_environment(sim: Any, *, scenario: str = "general", ask: bool = False) -> tuple:
    """A new agent (playing `scenario`) and environment on `sim`: their ids."""
    policy = "always_ask" if ask else "always_allow"
    agent = api(
        sim,
        "POST",
        "/v1/agents",
        json={
            "name": f"Launch agent {time.monotonic_ns()}",
            "model": "claude-sonnet-4-6",
            "metadata": {"scenario": scenario},
            "tools": [
                {
                    "type": "agent_toolset_20260401",
                    "default_config": {"enabled": True, "permission_policy": {"type": policy}},
                }
            ],
        },
    )
    env = api(
        sim,
        "POST",
        "/v1/environments",
        json={"name": f"env-{time.monotonic_ns()}", "config": {"type": "cloud"}},
    )
    return agent["id"], env["id"]


@dataclass(frozen=True)
class ServerView:
    """A launch as the server sees it.

    Attributes:
        sessions: the launch's sessions (metadata-tagged), every page.
        by_item: sessions per item index.
        creates: the server's create counters (`/_sim/stats` → creates).
        create_times: arrival time of every create request the server admitted.
    """

    sessions: list[dict[str, Any]]
    by_item: Counter[int]
    creates: dict[str, int]
    create_times: list[float]

    @property
    def duplicates(self) -> int:
        """Sessions beyond the first of each item."""
        return sum(n - 1 for n in self.by_item.values() if n > 1)

    def peak(self, window: float = 60.0) -> int:
        """Most create requests in any `window` seconds, as the server counted them."""
        return sliding_peak(self.create_times, window)


def server_view(sim: Any, launch_id: str) -> ServerView:
    """Read the launch's sessions and the create log straight from the sim."""
    sessions: list[dict[str, Any]] = []
    page: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1000, "include_archived": "true"}
        if page:
            params["page"] = page
        body = api(sim, "GET", "/v1/sessions", params=params)
        sessions += [
            s for s in body["data"] if (s.get("metadata") or {}).get("drover_launch") == launch_id
        ]
        page = body.get("next_page")
        if not page:
            break
    by_item = Counter(int(s["metadata"]["drover_item"]) for s in sessions)
    stats = api(sim, "GET", "/_sim/stats")
    times = sim.call(lambda: list(sim.context.creates.admitted))
    return ServerView(sessions, by_item, stats["creates"], times)


def recorded_launch(mirror: Path) -> str | None:
    """The id of the launch a `drover launch` process recorded in `mirror`, once it has."""
    if not mirror.exists():
        return None
    try:
        with sqlite3.connect(mirror) as conn:
            row = conn.execute("SELECT id FROM launches").fetchone()
    except sqlite3.OperationalError:  # the process has not made its tables yet
        return None
    return row[0] if row else None


def recorded_created(mirror: Path, launch_id: str) -> int:
    """Items the launch's process recorded as created (it may have made more before dying)."""
    with sqlite3.connect(mirror) as conn:
        return int(conn.execute(
            "SELECT count(*) FROM launch_items WHERE launch_id = ? AND state = 'created'",
            (launch_id,),
        ).fetchone()[0])  # fmt: skip
