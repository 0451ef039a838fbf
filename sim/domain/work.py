"""The work queue of self-hosted environments (SDK ``beta.environments.work``): what an
environment worker polls to run sessions in its own sandbox.

A session created in a ``self_hosted`` environment queues a work item (``data`` names the
session); so does a message to a session whose last item has stopped. A worker polls (the item
becomes *pending*, its ``secret`` handed over once), acknowledges (``starting``), heartbeats to
hold the lease (``active``), and stops it (``stopping``, or ``stopped`` when forced or when the
session ends). A poll that finds nothing answers ``null``. Items polled but not acknowledged
within ``reclaim_older_than_ms`` (default 5 s) go back to the queue.
"""

from __future__ import annotations

import copy

from drover.sim.domain.checks import apply_metadata_patch, metadata
from drover.sim.domain.state import SimState
from drover.sim.wire.errors import SimError, invalid, not_found
from drover.sim.wire.ids import parse_rfc3339, rfc3339
from drover.sim.wire.platform import new_work, work_secret

DEFAULT_TTL = 60
DEFAULT_RECLAIM_MS = 5000
#: The literal a worker sends as ``expected_last_heartbeat`` to claim an unclaimed lease.
NO_HEARTBEAT = "NO_HEARTBEAT"
_PRIVATE = ("_polled_at", "_ttl")


def _public(work: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in work.items() if k not in _PRIVATE}


class WorkOps:
    """Mixin of :class:`~drover.sim.domain.facade.SimDomain`: self-hosted work."""

    state: SimState

    def _now_text(self) -> str:
        return rfc3339(self.state.clock.now())

    def queue_work(self, environment_id: str, session_id: str) -> dict | None:
        """Queue a session's work if its environment is self-hosted (else nothing)."""
        env = self.state.environments.get(environment_id)
        if env is None or env["config"]["type"] != "self_hosted":
            return None
        work = new_work(self.state.ids.new("work"), environment_id, session_id, self._now_text())
        work.update(_polled_at=None, _ttl=DEFAULT_TTL)
        self.state.work[work["id"]] = work
        return work

    def requeue_work(self, environment_id: str, session_id: str) -> None:
        """A message to a session whose last work item stopped queues new work."""
        items = [w for w in self.state.work.values() if w["data"]["id"] == session_id]
        if items and items[-1]["state"] == "stopped":
            self.queue_work(environment_id, session_id)

    def stop_session_work(self, session_id: str) -> None:
        """The session ended: its open work items stop."""
        now = self._now_text()
        for work in self.state.work.values():
            if work["data"]["id"] == session_id and work["state"] != "stopped":
                work.update(state="stopped", stopped_at=now)
                work["stop_requested_at"] = work["stop_requested_at"] or now

    def _work(self, environment_id: str, work_id: str) -> dict:
        self.environment(environment_id)
        work = self.state.work.get(work_id)
        if work is None or work["environment_id"] != environment_id:
            raise not_found("work", work_id)
        return work

    def list_work(self, environment_id: str) -> list[dict]:
        self.environment(environment_id)
        items = self.state.work.values()
        return [_public(w) for w in items if w["environment_id"] == environment_id]

    def get_work(self, environment_id: str, work_id: str) -> dict:
        return _public(self._work(environment_id, work_id))

    def update_work(self, environment_id: str, work_id: str, body: dict) -> dict:
        work = self._work(environment_id, work_id)
        if not isinstance(body, dict) or set(body) != {"metadata"}:
            raise invalid("body: exactly one field, metadata, is expected")
        patch = metadata(body["metadata"] or {}, "body.metadata", patch=True)
        work["metadata"] = apply_metadata_patch(work["metadata"], patch, "body.metadata")
        return _public(work)

    def _reclaim(self, environment_id: str, older_than_ms: int) -> None:
        now = self.state.clock.now()
        for work in self.state.work.values():
            polled = work["_polled_at"]
            mine = work["environment_id"] == environment_id and work["state"] == "queued"
            if (
                mine
                and polled
                and (now - parse_rfc3339(polled)).total_seconds() * 1000 >= (older_than_ms)
            ):
                work["_polled_at"] = None

    def poll_work(
        self, environment_id: str, *, reclaim_older_than_ms: int | None, worker_id: str | None
    ) -> dict | None:
        """Hand the oldest queued, unclaimed item to a worker (with its secret), or ``None``."""
        self.environment(environment_id)
        self._reclaim(environment_id, reclaim_older_than_ms or DEFAULT_RECLAIM_MS)
        if worker_id:
            seen = self.state.workers_polling.setdefault(environment_id, {})
            seen[worker_id] = self.state.clock.monotonic()
        for work in self.state.work.values():
            mine = work["environment_id"] == environment_id and work["state"] == "queued"
            if mine and work["_polled_at"] is None:
                work["_polled_at"] = self._now_text()
                shown = _public(work)
                shown["secret"] = work_secret(work["data"]["id"])
                return shown
        return None

    def ack_work(self, environment_id: str, work_id: str) -> dict:
        work = self._work(environment_id, work_id)
        if work["state"] != "queued":
            raise invalid(f"work {work_id!r} is {work['state']}; only queued work can be acked")
        work.update(state="starting", acknowledged_at=self._now_text())
        return _public(work)

    def _lease(self, work: dict) -> dict:
        return {
            "last_heartbeat": work["latest_heartbeat_at"],
            "lease_extended": False,
            "state": work["state"],
            "ttl_seconds": work["_ttl"],
        }

    def heartbeat_work(
        self, environment_id: str, work_id: str, *, desired_ttl: int | None, expected: str | None
    ) -> dict:
        """Extend the lease; ``expected`` guards against another worker holding it (412)."""
        work = self._work(environment_id, work_id)
        closing = work["state"] in ("stopping", "stopped")
        if expected is not None and not closing:
            current = work["latest_heartbeat_at"] or NO_HEARTBEAT
            if expected != current:
                raise SimError(
                    412,
                    "expected_last_heartbeat does not match: another worker may hold the lease",
                    error_code="heartbeat_precondition_failed",
                    details={"current_state": self._lease(work)},
                )
        if desired_ttl is not None:
            if not 1 <= desired_ttl <= 3600:
                raise invalid("desired_ttl_seconds: must be between 1 and 3600")
            work["_ttl"] = desired_ttl
        extended = not closing
        if extended:
            now = self._now_text()
            work["latest_heartbeat_at"] = now
            if work["state"] in ("queued", "starting"):
                work.update(state="active", started_at=work["started_at"] or now)
        return {
            "type": "work_heartbeat",
            "last_heartbeat": work["latest_heartbeat_at"] or "",
            "lease_extended": extended,
            "state": work["state"],
            "ttl_seconds": work["_ttl"],
        }

    def stop_work(self, environment_id: str, work_id: str, *, force: bool = False) -> dict:
        work = self._work(environment_id, work_id)
        now = self._now_text()
        if work["state"] != "stopped":
            work["stop_requested_at"] = work["stop_requested_at"] or now
            work["state"] = "stopped" if force or work["state"] == "queued" else "stopping"
            if work["state"] == "stopped":
                work["stopped_at"] = now
        return _public(work)

    def work_stats(self, environment_id: str) -> dict:
        self.environment(environment_id)
        queued = [
            w
            for w in self.state.work.values()
            if w["environment_id"] == environment_id and w["state"] == "queued"
        ]
        cutoff = self.state.clock.monotonic() - 30
        seen = self.state.workers_polling.get(environment_id)
        return {
            "type": "work_queue_stats",
            "depth": sum(w["_polled_at"] is None for w in queued),
            "pending": sum(w["_polled_at"] is not None for w in queued),
            "oldest_queued_at": min((w["created_at"] for w in queued), default=None),
            "workers_polling": sum(t >= cutoff for t in seen.values()) if seen else None,
        }
