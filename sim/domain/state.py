"""The sim's in-memory world: agents, environments and sessions, each as wire-shaped JSON."""

from __future__ import annotations

from dataclasses import dataclass, field

from drover.sim.engine.record import SessionRecord
from drover.sim.wire.ids import Clock, IdFactory


@dataclass(eq=False)
class SimState:
    """Everything the sim knows. Dicts keep insertion (= creation) order.

    Attributes:
        agents: Agent id → its versions, oldest first (``versions[n - 1]`` is version ``n``).
        environments: Environment id → ``environment`` object.
        sessions: Session id → record; a deleted session is removed.
        vaults: Vault id → ``vault`` object.
        credentials: Credential id → ``{"vault_id", "credential", "secrets"}`` (the secrets
            are write-only and never leave the sim).
        memory_stores: Store id → ``memory_store`` object.
        memories: Store id → memory id → ``memory`` (content included).
        memory_versions: Store id → its ``memory_version`` objects, oldest first.
        files: File id → ``{"meta": file metadata, "content": bytes}``.
        file_sources: Tool-use event id → the output file it produced.
        file_scan: Session id → how many of its events were scanned for output files.
        skills: Skill id → ``skill``; skill_versions: skill id → its versions, oldest first.
        deployments: Deployment id → ``{"deployment", "specs", "last_run_at", "fired_until"}``
            (``specs`` keep the write-only repository tokens the object hides).
        deployment_runs: Run id → ``deployment_run``.
        work: Work id → ``work`` object plus private lease fields (``_polled_at``...).
        workers_polling: Environment id → worker id → when it last polled (monotonic).
    """

    ids: IdFactory
    clock: Clock
    agents: dict[str, list[dict]] = field(default_factory=dict)
    environments: dict[str, dict] = field(default_factory=dict)
    sessions: dict[str, SessionRecord] = field(default_factory=dict)
    vaults: dict[str, dict] = field(default_factory=dict)
    credentials: dict[str, dict] = field(default_factory=dict)
    memory_stores: dict[str, dict] = field(default_factory=dict)
    memories: dict[str, dict[str, dict]] = field(default_factory=dict)
    memory_versions: dict[str, list[dict]] = field(default_factory=dict)
    files: dict[str, dict] = field(default_factory=dict)
    file_sources: dict[str, str] = field(default_factory=dict)
    file_scan: dict[str, int] = field(default_factory=dict)
    skills: dict[str, dict] = field(default_factory=dict)
    skill_versions: dict[str, list[dict]] = field(default_factory=dict)
    deployments: dict[str, dict] = field(default_factory=dict)
    deployment_runs: dict[str, dict] = field(default_factory=dict)
    work: dict[str, dict] = field(default_factory=dict)
    workers_polling: dict[str, dict[str, float]] = field(default_factory=dict)
