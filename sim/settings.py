"""``SimConfig``: everything that shapes one sim server, as one dataclass.

The default API key is ``sk-ant-sim-drover-demo``: the sim is a local stand-in, so the key only
proves a client sends one (``x-api-key: K`` or ``Authorization: Bearer K``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drover.sim.http.faults import FaultPlan

DEFAULT_API_KEY = "sk-ant-sim-drover-demo"
DEFAULT_PORT = 8765
BETA = "managed-agents-2026-04-01"


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
        max_body_bytes: Larger request bodies get 413 ``request_too_large``.
        faults: Faults injected from the start (changeable at run time via ``/_sim/faults``).
        rate_limit_create: Create requests per minute (``None`` = unlimited).
        rate_limit_read: Read requests (stream opens included) per minute (``None`` = unlimited).
        scenarios_dir: Folder of scenario files replacing the shipped ones.
        log_level: uvicorn's log level.
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
    rate_limit_create: float | None = None
    rate_limit_read: float | None = None
    scenarios_dir: Path | None = None
    log_level: str = "warning"

    @property
    def fleet_active_sessions(self) -> int:
        """How many sessions the keeper keeps working."""
        if self.fleet_active is not None:
            return self.fleet_active
        return max(1, self.fleet // 5) if self.fleet else 0
