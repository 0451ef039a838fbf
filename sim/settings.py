"""``SimConfig``: everything that shapes one sim server, as one dataclass, with the
:class:`FaultPlan` it starts with (plain data; ``/_sim/faults`` replaces it at run time).

The default API key is ``sk-ant-sim-drover-demo``: the sim is a local stand-in, so the key only
proves a client sends one (``x-api-key: K`` or ``Authorization: Bearer K``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_API_KEY = "sk-ant-sim-drover-demo"
DEFAULT_PORT = 8765
BETA = "managed-agents-2026-04-01"
#: The beta of the memory-store endpoints; they also accept :data:`BETA`.
MEMORY_BETA = "agent-memory-2026-07-22"

#: The organisation limits the platform documents today (requests per minute). The sim applies
#: them by default, so the demo, the tests and the benchmarks meet what real users meet; a test
#: that hammers the sim on purpose raises them explicitly.
DEFAULT_RATE_LIMIT_CREATE = 300.0
DEFAULT_RATE_LIMIT_READ = 1200.0

#: How a stream fault ends a connection: ``clean`` finishes the HTTP response (the client sees
#: EOF), ``abort`` drops the TCP connection without the closing chunk, ``mid_frame`` writes half
#: of the next frame first and then drops the connection.
CLOSE_MODES = ("clean", "abort", "mid_frame")

#: Statuses a request fault may answer with.
FAIL_STATUSES = (500, 502, 503, 504, 529)

#: Seconds after ``session.status_idle`` during which archive and delete still find the session
#: running (a 400), as the real API's queryable status lags its stream (protocol §5.3).
POST_IDLE_RACE_SECONDS = 0.5


@dataclass
class FaultPlan:
    """Which faults to inject. All off by default, except two things the real API always does:
    queued copies of user events (``duplicate_user_events``) and the post-idle race.

    Attributes:
        seed: Seed of the injector's random generator.
        latency_seconds: Added before every API request is handled.
        answer_latency_seconds: Added after a create request is handled, before its answer
            goes out: the server has acted, and a client that dies or gives up meanwhile
            never learns of it (how a create ends up "in doubt").
        fail_next: The next N API requests fail with ``fail_status``.
        fail_probability: Each API request fails with ``fail_status`` with this probability.
        fail_status: Status of injected failures (500 ``api_error``, 529 ``overloaded_error``…).
        throttle_every: Every Nth API request gets a 429 (0 = off).
        throttle_probability: Each API request gets a 429 with this probability.
        retry_after_seconds: The ``retry-after`` header of injected 429s.
        stream_close_after: Close every stream after it has carried N event frames (0 = off).
        stream_close_mode: How that close happens: ``clean``, ``abort`` or ``mid_frame``.
        stream_stall_after: After N event frames a stream goes silent (no frames, no
            heartbeats) but stays open (0 = off).
        stream_error_after: After N event frames a stream sends an ``event: error`` frame
            (an ``overloaded_error`` envelope; the SDK raises it) and ends (0 = off).
        duplicate_user_events: Queued copies, **on by default**: ``user.message``,
            ``user.interrupt`` and ``user.tool_confirmation`` reach streams twice, first queued
            (``processed_at: null``, as the send receipt shows them), then processed. Kept in
            the plan (and ``/_sim/faults``) so a test can turn them off, never because they are
            a fault.
        post_idle_race_seconds: For this long after ``session.status_idle`` an archive or
            delete still gets the 400 for a running session (0 = off).
    """

    seed: int = 0
    latency_seconds: float = 0.0
    answer_latency_seconds: float = 0.0
    fail_next: int = 0
    fail_probability: float = 0.0
    fail_status: int = 500
    throttle_every: int = 0
    throttle_probability: float = 0.0
    retry_after_seconds: int = 1
    stream_close_after: int = 0
    stream_close_mode: str = "clean"
    stream_stall_after: int = 0
    stream_error_after: int = 0
    duplicate_user_events: bool = True
    post_idle_race_seconds: float = POST_IDLE_RACE_SECONDS

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check ranges and enums.

        Raises:
            ValueError: A field is out of range.
        """
        for name in (
            "latency_seconds",
            "answer_latency_seconds",
            "fail_next",
            "throttle_every",
            "retry_after_seconds",
            "stream_close_after",
            "stream_stall_after",
            "stream_error_after",
            "post_idle_race_seconds",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("fail_probability", "throttle_probability"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.fail_status not in FAIL_STATUSES:
            raise ValueError(f"fail_status must be one of {FAIL_STATUSES}")
        if self.stream_close_mode not in CLOSE_MODES:
            raise ValueError(f"stream_close_mode must be one of {CLOSE_MODES}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def updated(self, patch: dict[str, Any]) -> FaultPlan:
        """A copy with the fields in ``patch`` replaced (types checked).

        Raises:
            ValueError: Unknown field, wrong type or out-of-range value.
        """
        known = {f.name: f for f in fields(self)}
        values = self.to_dict()
        for key, value in patch.items():
            if key not in known:
                raise ValueError(f"unknown fault field {key!r}")
            values[key] = _coerce(key, known[key].type, value)
        return FaultPlan(**values)


def _coerce(key: str, annotation: Any, value: Any) -> Any:
    """Type-check one JSON value against a field annotation (the annotations are strings)."""
    kind = {"int": int, "float": float, "bool": bool, "str": str}[str(annotation)]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (kind is not bool and isinstance(value, bool)) or not isinstance(value, kind):
        raise ValueError(f"{key} must be of type {kind.__name__}")
    return value


@dataclass
class SimConfig:
    """Settings of one sim server.

    Attributes:
        host: Interface to bind.
        port: TCP port; 0 picks a free one (read it back from ``SimServer.port``).
        api_key: The key clients must send.
        seed: Seed of the domain (ids, scenario choices).
        pace: ``realtime``, ``fast``, ``Nx`` or ``Neps``, or a domain ``Pace`` object.
        heartbeat_seconds: Interval of ``: ping`` comments on streams.
        fleet: Sessions to populate at start (0 = none).
        fleet_active: Sessions the fleet keeper keeps working; ``None`` means a fifth of
            ``fleet`` (at least one).
        max_body_bytes: Larger request bodies get a 413.
        faults: Faults injected from the start (changeable at run time via ``/_sim/faults``).
        rate_limit_create: Create requests per minute; the documented org limit by default,
            ``None`` = unlimited.
        rate_limit_read: Read requests (stream opens included) per minute; the documented org
            limit by default, ``None`` = unlimited.
        event_time_filter: The event field a ``created_at[...]`` filter on the events listing
            compares against: ``processed_at`` (the API reference's reading, the default) or
            ``created_at`` (one guide page's). Events carry no ``created_at``, so under the
            second reading an event is placed by its ``created_at`` when it has one (a test can
            give it one) and by its ``processed_at`` otherwise.
        scenarios_dir: Folder of scenario files replacing the shipped ones.
        log_level: uvicorn's log level.
        webhook_url: Where to POST signed webhooks (None: none are sent; see
            ``drover.sim.http.webhooks``).
        webhook_secret: Their signing secret (``whsec_…``), needed with ``webhook_url``.
    """

    host: str = "127.0.0.1"
    port: int = 0
    api_key: str = DEFAULT_API_KEY
    seed: int = 0
    pace: Any = "realtime"
    heartbeat_seconds: float = 15.0
    fleet: int = 0
    fleet_active: int | None = None
    max_body_bytes: int = 32 * 1024 * 1024
    faults: FaultPlan = field(default_factory=FaultPlan)
    rate_limit_create: float | None = DEFAULT_RATE_LIMIT_CREATE
    rate_limit_read: float | None = DEFAULT_RATE_LIMIT_READ
    event_time_filter: str = "processed_at"
    scenarios_dir: Path | None = None
    log_level: str = "warning"
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)

    @property
    def fleet_active_sessions(self) -> int:
        """How many sessions the keeper keeps working."""
        if self.fleet_active is not None:
            return self.fleet_active
        return max(1, self.fleet // 5) if self.fleet else 0
