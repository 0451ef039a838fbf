"""A tiny stand-in for ``SimDomain`` so HTTP-layer tests (framing, faults, middleware) do not
depend on the scenario engine: sessions are bare dicts with a real :class:`EventLog`."""

from __future__ import annotations

from drover.sim.engine.log import EventLog
from drover.sim.wire.errors import invalid, not_found


class FakeDomain:
    """Implements the slice of the facade the plumbing tests touch."""

    def __init__(self) -> None:
        self.duplicate_user_events = False
        self.sessions: dict[str, dict] = {}
        self.logs: dict[str, EventLog] = {}
        self._n = 0
        self.started = self.stopped = False

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    def create_session(self, body: dict) -> dict:
        if not isinstance(body.get("agent"), str):
            raise invalid("agent: required")
        self._n += 1
        sid = f"sesn_{self._n:04d}"
        self.sessions[sid] = {
            "type": "session",
            "id": sid,
            "status": "idle",
            "created_at": f"2026-05-01T00:00:{self._n:02d}.000Z",
        }
        self.logs[sid] = EventLog()
        return dict(self.sessions[sid])

    def get_session(self, sid: str) -> dict:
        if sid not in self.sessions:
            raise not_found("session", sid)
        return dict(self.sessions[sid])

    def list_sessions(self, **filters: object) -> list[dict]:
        return [dict(s) for s in self.sessions.values()]

    def delete_session(self, sid: str) -> dict:
        self.get_session(sid)
        log = self.logs.pop(sid)
        del self.sessions[sid]
        log.append({"type": "session.deleted", "id": f"sevt_del_{sid}", "processed_at": None})
        log.close()
        return {"id": sid, "type": "session_deleted"}

    def list_events(self, sid: str, thread_id: str | None = None) -> list[dict]:
        self.get_session(sid)
        return list(self.logs[sid].events(thread_id))

    def subscribe(self, sid: str, thread_id: str | None = None, deltas=frozenset()):
        self.get_session(sid)
        return self.logs[sid].subscribe(thread_id, deltas)

    def emit(self, sid: str, count: int, text: str = "hi") -> None:
        """Append ``count`` agent messages (run through ``SimServer.call``)."""
        log = self.logs[sid]
        for _ in range(count):
            self._n += 1
            log.append(
                {
                    "type": "agent.message",
                    "id": f"sevt_{self._n:06d}",
                    "processed_at": f"2026-05-01T00:01:{self._n % 60:02d}.000Z",
                    "content": [{"type": "text", "text": text}],
                }
            )
