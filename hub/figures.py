"""The hub's health figures: what `drover hub status` and `GET /healthz` report.

* **followers live**: sessions whose stream is connected now (and how many are followed);
* **lag**: how long events took from the server (`processed_at`) to a commit in the mirror,
  p50/p95/max over the last minute, measured on the newest event of each committed batch
  (`committed` is the mirror's `on_change`; up to `LAG_SAMPLES` sessions are looked at per
  heartbeat);
* **reads/min**: API reads admitted by the hub's rate budget in the trailing minute (stream
  opens included), against the profile's limit;
* **outbox depth**: actions queued or being sent;
* **webhooks**: accepted, refused by reason, and what they woke; polls of the session list.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import TYPE_CHECKING, Any

from drover.api.timestamps import parse_timestamp
from drover.store.lanes import ALL_THREADS

if TYPE_CHECKING:
    from drover.store.api import MirrorReads
    from drover.store.models import OutboxRow
    from drover.sync.engine import SyncEngine

__all__ = ["LAG_SAMPLES", "HubFigures"]

LAG_SAMPLES = 50
"""Sessions whose newest commit is timed per heartbeat (the rest wait for the next one)."""
WINDOW = 60.0


class HubFigures:
    """Counts what the hub does; `snapshot` turns it into figures.

    Args:
        clock: wall-clock seconds (injectable for tests).
    """

    def __init__(self, clock: Any = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[int, float]] = {}
        self._lags: deque[tuple[float, float]] = deque(maxlen=10_000)
        self.webhooks_accepted = 0
        self.webhooks_refused: Counter[str] = Counter()
        self.woken: Counter[str] = Counter()
        self.last_webhook_at: float | None = None
        self.started = clock()

    def committed(self, session_id: str, high_water_seq: int) -> None:
        """The mirror's `on_change` (the writer's thread): a session's events committed."""
        with self._lock:
            self._pending[session_id] = (high_water_seq, self._clock())

    def webhook(self, accepted: bool, reason: str = "") -> None:
        """Count a delivery (`reason`: why it was refused)."""
        if accepted:
            self.webhooks_accepted += 1
            self.last_webhook_at = self._clock()
        else:
            self.webhooks_refused[reason or "refused"] += 1

    def measure_lag(self, reader: MirrorReads) -> None:
        """Time the newest event of up to `LAG_SAMPLES` committed sessions (blocking reads:
        call it off the loop)."""
        with self._lock:
            pending = list(self._pending.items())[:LAG_SAMPLES]
            for session_id, _ in pending:
                del self._pending[session_id]
        for session_id, (seq, at) in pending:
            rows = reader.transcript(session_id, thread=ALL_THREADS, after_seq=seq - 1, limit=1)
            moment = parse_timestamp(rows[0].processed_at) if rows else None
            sent = moment.timestamp() if moment is not None else None
            if sent is not None:
                self._lags.append((at, max(0.0, at - sent)))

    def lag(self) -> dict[str, float | int | None]:
        """Ingest lag over the last minute: p50, p95, max (seconds) and how many were timed."""
        now = self._clock()
        recent = sorted(lag for at, lag in self._lags if now - at <= WINDOW)
        if not recent:
            return {"p50": None, "p95": None, "max": None, "timed": 0}

        def pick(q: float) -> float:
            return round(recent[min(len(recent) - 1, int(q * len(recent)))], 3)

        top = round(recent[-1], 3)
        return {"p50": pick(0.5), "p95": pick(0.95), "max": top, "timed": len(recent)}

    def snapshot(self, engine: SyncEngine, outbox: list[OutboxRow]) -> dict[str, Any]:
        """Every figure, as plain data (on the loop: it reads the engine's state).

        Args:
            engine: the hub's engine.
            outbox: the unfinished outbox rows (read off the loop).
        """
        states = engine.connection_states()
        followed = engine.followed
        live = sum(1 for s in states.values() if s.state == "live" and s.session_id in followed)
        usage = engine.client.rate_budget.usage()["read"]
        return {
            "following": engine.followed_by is None,
            "followers": len(followed),
            "followers_live": live,
            "lag_seconds": self.lag(),
            "reads_per_minute": usage.admitted_last_minute,
            "read_limit_per_minute": usage.per_minute,
            "reads_total": usage.admitted_total,
            "outbox_depth": len(outbox),
            "outbox_sending": sum(1 for r in outbox if r.state == "sending"),
            "polls": engine.poller.polls,
            "poll_interval_seconds": engine.poller.interval,
            "webhooks": {
                "accepted": self.webhooks_accepted,
                "refused": dict(self.webhooks_refused),
                "woke": dict(self.woken),
                "last_seconds_ago": (
                    round(self._clock() - self.last_webhook_at, 1)
                    if self.last_webhook_at is not None
                    else None
                ),
            },
            "uptime_seconds": round(self._clock() - self.started, 1),
        }
