"""Checking the sim against the official TypeScript SDK (@anthropic-ai/sdk, pinned in
``tests/ts/package.json``): Node and the installed package, the shape harvest, and ``tsc``.

Why TypeScript: the Python SDK's models give every nullable field a default, so they cannot
tell a *required* nullable field (``url_sources: X | null``) from an optional one; the
TypeScript declarations can. Each distinct object shape the sim emits is written out as a
typed literal (``const s12: BetaManagedAgentsSession = {...}``) and compiled with
``tsc --strict``: a missing required key, a wrong type, an unknown enum value or an excess
property (TypeScript's check for object literals) is a compile error naming the shape.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TS_DIR = Path(__file__).resolve().parent / "ts"
GENERATED = TS_DIR / ".generated"
TSC = TS_DIR / "node_modules" / "typescript" / "bin" / "tsc"
SDK_VERSION = "1.17.0"

#: Where each SDK type lives, under ``@anthropic-ai/sdk/resources/``.
TYPE_MODULES = {
    "BetaManagedAgentsAgent": "beta/agents/agents",
    "BetaEnvironment": "beta/environments/environments",
    "BetaEnvironmentDeleteResponse": "beta/environments/environments",
    "BetaManagedAgentsSession": "beta/sessions/sessions",
    "BetaManagedAgentsDeletedSession": "beta/sessions/sessions",
    "BetaManagedAgentsSessionThread": "beta/sessions/threads/threads",
    "BetaManagedAgentsSessionEvent": "beta/sessions/events",
    "BetaManagedAgentsStreamSessionEvents": "beta/sessions/events",
    "BetaManagedAgentsSessionResource": "beta/sessions/resources",
    "BetaManagedAgentsDeleteSessionResource": "beta/sessions/resources",
    "BetaManagedAgentsVault": "beta/vaults/vaults",
    "BetaManagedAgentsDeletedVault": "beta/vaults/vaults",
    "BetaManagedAgentsCredential": "beta/vaults/credentials",
    "BetaManagedAgentsDeletedCredential": "beta/vaults/credentials",
    "BetaManagedAgentsCredentialValidation": "beta/vaults/credentials",
    "BetaManagedAgentsMemoryStore": "beta/memory-stores/memory-stores",
    "BetaManagedAgentsDeletedMemoryStore": "beta/memory-stores/memory-stores",
    "BetaManagedAgentsMemoryListItem": "beta/memory-stores/memories",
    "BetaManagedAgentsDeletedMemory": "beta/memory-stores/memories",
    "BetaManagedAgentsErrorObject": "beta/memory-stores/memories",
    "BetaManagedAgentsMemoryVersion": "beta/memory-stores/memory-versions",
    "BetaFileMetadata": "beta/files",
    "BetaDeletedFile": "beta/files",
    "BetaSkill": "beta/skills/skills",
    "BetaDeletedSkill": "beta/skills/skills",
    "BetaSkillVersion": "beta/skills/versions",
    "BetaManagedAgentsDeployment": "beta/deployments",
    "BetaManagedAgentsDeploymentRun": "beta/deployment-runs",
    "BetaSelfHostedWork": "beta/environments/work",
    "BetaSelfHostedWorkHeartbeatResponse": "beta/environments/work",
    "BetaSelfHostedWorkQueueStats": "beta/environments/work",
    "ErrorDetails": "shared",
}
#: Object ``type`` → SDK type (events are typed by where they were seen; see :func:`ts_type`).
BY_TYPE = {
    "agent": "BetaManagedAgentsAgent",
    "environment": "BetaEnvironment",
    "environment_deleted": "BetaEnvironmentDeleteResponse",
    "session": "BetaManagedAgentsSession",
    "session_deleted": "BetaManagedAgentsDeletedSession",
    "session_thread": "BetaManagedAgentsSessionThread",
    "session_resource_deleted": "BetaManagedAgentsDeleteSessionResource",
    "github_repository": "BetaManagedAgentsSessionResource",
    "memory_store": "BetaManagedAgentsMemoryStore",
    "vault": "BetaManagedAgentsVault",
    "vault_deleted": "BetaManagedAgentsDeletedVault",
    "vault_credential": "BetaManagedAgentsCredential",
    "vault_credential_deleted": "BetaManagedAgentsDeletedCredential",
    "vault_credential_validation": "BetaManagedAgentsCredentialValidation",
    "memory_store_deleted": "BetaManagedAgentsDeletedMemoryStore",
    "memory": "BetaManagedAgentsMemoryListItem",
    "memory_prefix": "BetaManagedAgentsMemoryListItem",
    "memory_deleted": "BetaManagedAgentsDeletedMemory",
    "memory_version": "BetaManagedAgentsMemoryVersion",
    "file_deleted": "BetaDeletedFile",
    "skill": "BetaSkill",
    "skill_deleted": "BetaDeletedSkill",
    "skill_version": "BetaSkillVersion",
    "deployment": "BetaManagedAgentsDeployment",
    "deployment_run": "BetaManagedAgentsDeploymentRun",
    "work": "BetaSelfHostedWork",
    "work_heartbeat": "BetaSelfHostedWorkHeartbeatResponse",
    "work_queue_stats": "BetaSelfHostedWorkQueueStats",
    "error": "ErrorEnvelope",
}
#: Keys whose values are free-form (tool inputs, JSON schemas, metadata): their inner keys do
#: not make a new shape.
OPAQUE = frozenset({"input", "input_schema", "metadata", "properties"})


def node_problem() -> str | None:
    """Why the TypeScript checks cannot run here, or ``None``.

    Node missing is a reason to skip; Node present without the pinned package installed is
    not (``scripts/bootstrap`` installs it with ``npm ci``), so that is reported as a failure
    by the caller.
    """
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm are not installed on this machine"
    return None


def installed_sdk_version() -> str | None:
    package = TS_DIR / "node_modules" / "@anthropic-ai" / "sdk" / "package.json"
    if not package.exists() or not TSC.exists():
        return None
    return json.loads(package.read_text())["version"]


def ts_type(obj: dict, seen_as: str) -> str:
    """The SDK type a harvested object is checked against.

    Args:
        obj: The wire object.
        seen_as: ``event`` (a persisted event from history), ``frame`` (anything a stream
            carried) or ``object`` (a response body).
    """
    if seen_as == "event":
        return "BetaManagedAgentsSessionEvent"
    if seen_as == "frame":
        return "BetaManagedAgentsStreamSessionEvents"
    kind = obj.get("type")
    if kind == "file":
        return "BetaManagedAgentsSessionResource" if "file_id" in obj else "BetaFileMetadata"
    if kind == "memory_store" and "memory_store_id" in obj:
        return "BetaManagedAgentsSessionResource"
    return BY_TYPE.get(kind, "BetaManagedAgentsStreamSessionEvents")


def signature(value: Any, key: str = "") -> str:
    """A value's structure: keys and JSON types, with ``type`` discriminators kept."""
    if key in OPAQUE and isinstance(value, dict):
        return "{*}"
    if isinstance(value, dict):
        parts = []
        for k in sorted(value):
            item = value[k]
            shown = (
                json.dumps(item) if k == "type" and isinstance(item, str) else signature(item, k)
            )
            parts.append(f"{k}:{shown}")
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list):
        return "[" + "|".join(sorted({signature(v) for v in value})) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int | float):
        return "n"
    return "s"


@dataclass
class Shape:
    """One distinct shape: its SDK type, an example and where it was seen."""

    ts_type: str
    example: dict
    sources: set[str] = field(default_factory=set)


@dataclass
class Harvest:
    """Distinct shapes by (SDK type, signature)."""

    shapes: dict[tuple[str, str], Shape] = field(default_factory=dict)
    objects: int = 0

    def add(self, obj: dict, seen_as: str, source: str) -> None:
        self.objects += 1
        kind = ts_type(obj, seen_as)
        key = (kind, signature(obj))
        shape = self.shapes.setdefault(key, Shape(kind, obj))
        shape.sources.add(source)

    def add_all(self, objs: Iterable[dict], seen_as: str, source: str) -> None:
        for obj in objs:
            self.add(obj, seen_as, source)

    def sources(self) -> set[str]:
        return {s for shape in self.shapes.values() for s in shape.sources}


def _header(types: set[str]) -> str:
    lines = []
    modules: dict[str, list[str]] = {}
    for name in sorted(types | {"BetaManagedAgentsErrorObject", "ErrorDetails"}):
        if name in TYPE_MODULES:
            modules.setdefault(TYPE_MODULES[name], []).append(name)
    for module, names in sorted(modules.items()):
        lines.append(
            f"import type {{ {', '.join(names)} }} from '@anthropic-ai/sdk/resources/{module}';"
        )
    lines.append(
        "type ErrorEnvelope = { type: 'error'; request_id: string | null; "
        "error: BetaManagedAgentsErrorObject & { details?: ErrorDetails } };"
    )
    return "\n".join(lines)


def write_module(harvest: Harvest, name: str) -> tuple[Path, list[Shape]]:
    """Write every shape as a typed literal into ``.generated/<name>.ts``."""
    GENERATED.mkdir(exist_ok=True)
    shapes = sorted(harvest.shapes.values(), key=lambda s: (s.ts_type, json.dumps(s.example)))
    body = [_header({s.ts_type for s in shapes}), ""]
    for i, shape in enumerate(shapes):
        where = ", ".join(sorted(shape.sources))[:300]
        body.append(f"// #{i} {shape.ts_type} from {where}")
        body.append(f"export const shape{i}: {shape.ts_type} = {json.dumps(shape.example)};")
    path = GENERATED / f"{name}.ts"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    return path, shapes


_ERROR = re.compile(r"^(?P<file>[^(]+)\((?P<line>\d+),\d+\): error (?P<text>.*)$")


def tsc(*files: Path, project: Path | None = None, timeout: float = 240) -> list[str]:
    """Run ``tsc --strict --noEmit`` on ``files`` (or a project); return the error lines."""
    args = ["node", str(TSC), "--pretty", "false"]
    if project is not None:
        args += ["-p", str(project)]
    else:
        args += [
            "--strict", "--noEmit", "--skipLibCheck", "--target", "es2022",
            "--module", "nodenext", "--moduleResolution", "nodenext", *map(str, files),
        ]  # fmt: skip
    done = subprocess.run(args, cwd=TS_DIR, capture_output=True, text=True, timeout=timeout)
    if done.returncode == 0:
        return []
    return [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]


def failing_shapes(errors: list[str], path: Path, shapes: list[Shape]) -> dict[int, list[str]]:
    """Map tsc's errors to the shapes (by line: the header, then two lines per shape); the
    indented lines that explain an error stay with it; anything else is under ``-1``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("// #0 ")) + 1
    out: dict[int, list[str]] = {}
    last = -1
    for error in errors:
        match = _ERROR.match(error)
        if match is None and error.startswith(" ") and last in out:
            out[last][-1] += "\n" + error.strip()
            continue
        if match is None or not match["file"].endswith(path.name):
            last = -1
            out.setdefault(-1, []).append(error)
            continue
        last = (int(match["line"]) - first) // 2
        out.setdefault(last, []).append(match["text"])
    return out
