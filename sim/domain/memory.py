"""Memory stores, their memories and the memories' version history (SDK
``beta.memory_stores``; its own beta, ``agent-memory-2026-07-22``).

Every write adds a ``memory_version`` (``created``, ``modified`` or ``deleted``) that outlives
the memory. A memory's path is unique in its store: a clash is a 409
``memory_path_conflict_error`` naming the other memory; a failed ``content_sha256``
precondition is a 409 ``memory_precondition_failed_error``. Documented choices: versions list
newest first; the version holding a live memory's current content cannot be redacted (400);
an archived store is read-only (400 on writes).
"""

from __future__ import annotations

import copy

from drover.sim.domain.checks import apply_metadata_patch
from drover.sim.domain.state import SimState
from drover.sim.domain.validate_memory import (
    check_memory_create,
    check_memory_update,
    check_prefix,
    check_sha256,
    check_store,
)
from drover.sim.wire.errors import SimError, invalid, not_found
from drover.sim.wire.ids import rfc3339
from drover.sim.wire.platform import digest, memory_view, new_memory_store, version_view

#: Who the sim says wrote through the API (there is one API key).
API_ACTOR = {"type": "api_actor", "api_key_id": "apikey_011CsimDroverDemoKey0001"}
OPERATIONS = ("created", "modified", "deleted")


def _conflict(path: str, other: dict) -> SimError:
    return SimError(
        409,
        f"a memory already exists at {path!r}",
        error_type="memory_path_conflict_error",
        extra={"conflicting_memory_id": other["id"], "conflicting_path": other["path"]},
    )


class MemoryOps:
    """Mixin of :class:`~drover.sim.domain.facade.SimDomain`: memory stores."""

    state: SimState

    def _mstamp(self) -> str:
        return rfc3339(self.state.clock.now())

    # -- stores ----------------------------------------------------------------------------

    def memory_store(self, store_id: str) -> dict:
        """A memory store, not copied (404 if unknown)."""
        if store_id not in self.state.memory_stores:
            raise not_found("memory_store", store_id)
        return self.state.memory_stores[store_id]

    def _writable(self, store_id: str) -> dict:
        store = self.memory_store(store_id)
        if store["archived_at"] is not None:
            raise invalid(f"memory store {store_id!r} is archived and read-only")
        return store

    def create_memory_store(self, body: dict) -> dict:
        fields = check_store(body, update=False)
        store = new_memory_store(self.state.ids.new("memstore"), fields, self._mstamp())
        self.state.memory_stores[store["id"]] = store
        self.state.memories[store["id"]] = {}
        self.state.memory_versions[store["id"]] = []
        return copy.deepcopy(store)

    def get_memory_store(self, store_id: str) -> dict:
        return copy.deepcopy(self.memory_store(store_id))

    def update_memory_store(self, store_id: str, body: dict) -> dict:
        store = self.memory_store(store_id)
        fields = check_store(body, update=True)
        self._writable(store_id)
        if "metadata" in fields:
            fields["metadata"] = apply_metadata_patch(
                store["metadata"], fields["metadata"], "body.metadata"
            )
        if any(store[k] != v for k, v in fields.items()):
            store.update(fields, updated_at=self._mstamp())
        return copy.deepcopy(store)

    def list_memory_stores(self, include_archived: bool = False) -> list[dict]:
        return [
            copy.deepcopy(s)
            for s in self.state.memory_stores.values()
            if include_archived or s["archived_at"] is None
        ]

    def archive_memory_store(self, store_id: str) -> dict:
        store = self.memory_store(store_id)
        if store["archived_at"] is None:
            store["archived_at"] = store["updated_at"] = self._mstamp()
        return copy.deepcopy(store)

    def delete_memory_store(self, store_id: str) -> dict:
        self.memory_store(store_id)
        for table in (self.state.memory_stores, self.state.memories, self.state.memory_versions):
            table.pop(store_id, None)
        return {"id": store_id, "type": "memory_store_deleted"}

    # -- memories --------------------------------------------------------------------------

    def _memory(self, store_id: str, memory_id: str) -> dict:
        self.memory_store(store_id)
        memory = self.state.memories[store_id].get(memory_id)
        if memory is None:
            raise not_found("memory", memory_id)
        return memory

    def _at_path(self, store_id: str, path: str) -> dict | None:
        return next((m for m in self.state.memories[store_id].values() if m["path"] == path), None)

    def _version(self, store_id: str, memory: dict, operation: str, actor: dict) -> dict:
        gone = operation == "deleted"
        version = {
            "type": "memory_version",
            "id": self.state.ids.new("memver"),
            "memory_id": memory["id"],
            "memory_store_id": store_id,
            "operation": operation,
            "path": memory["path"],
            "content": None if gone else memory["content"],
            "content_sha256": None if gone else memory["content_sha256"],
            "content_size_bytes": None if gone else memory["content_size_bytes"],
            "created_by": dict(actor),
            "created_at": self._mstamp(),
            "redacted_at": None,
        }
        self.state.memory_versions[store_id].append(version)
        return version

    def write_memory(self, store_id: str, path: str, content: str, actor: dict) -> dict:
        """Create or overwrite the memory at ``path`` (how a session writes through its mount)."""
        existing = self._at_path(store_id, path)
        if existing is not None:
            return self._change(store_id, existing, {"content": content}, actor)
        return self._create(store_id, path, content, actor)

    def _create(self, store_id: str, path: str, content: str, actor: dict) -> dict:
        sha, size = digest(content)
        now = self._mstamp()
        memory = {
            "type": "memory",
            "id": self.state.ids.new("mem"),
            "memory_store_id": store_id,
            "path": path,
            "content": content,
            "content_sha256": sha,
            "content_size_bytes": size,
            "memory_version_id": "",
            "created_at": now,
            "updated_at": now,
        }
        self.state.memories[store_id][memory["id"]] = memory
        memory["memory_version_id"] = self._version(store_id, memory, "created", actor)["id"]
        return memory

    def _change(self, store_id: str, memory: dict, changes: dict, actor: dict) -> dict:
        if (
            changes.get("path", memory["path"]) == memory["path"]
            and changes.get("content", memory["content"]) == memory["content"]
        ):
            return memory  # nothing changes: no new version
        memory.update(changes)
        memory["content_sha256"], memory["content_size_bytes"] = digest(memory["content"])
        memory["updated_at"] = self._mstamp()
        memory["memory_version_id"] = self._version(store_id, memory, "modified", actor)["id"]
        return memory

    def create_memory(self, store_id: str, body: dict, *, full: bool = False) -> dict:
        fields = check_memory_create(body)
        self._writable(store_id)
        if (other := self._at_path(store_id, fields["path"])) is not None:
            raise _conflict(fields["path"], other)
        memory = self._create(store_id, fields["path"], fields["content"], API_ACTOR)
        return memory_view(copy.deepcopy(memory), full)

    def get_memory(self, store_id: str, memory_id: str, *, full: bool = True) -> dict:
        return memory_view(copy.deepcopy(self._memory(store_id, memory_id)), full)

    def update_memory(self, store_id: str, memory_id: str, body: dict, *, full=False) -> dict:
        memory = self._memory(store_id, memory_id)
        fields = check_memory_update(body)
        self._writable(store_id)
        expected = fields.pop("precondition_sha", None)
        if expected is not None and expected != memory["content_sha256"]:
            raise SimError(
                409,
                "the memory's content_sha256 does not match the precondition",
                error_type="memory_precondition_failed_error",
            )
        other = self._at_path(store_id, fields["path"]) if "path" in fields else None
        if other is not None and other is not memory:
            raise _conflict(fields["path"], other)
        self._change(store_id, memory, fields, API_ACTOR)
        return memory_view(copy.deepcopy(memory), full)

    def delete_memory(self, store_id: str, memory_id: str, expected_sha: str | None) -> dict:
        memory = self._memory(store_id, memory_id)
        if expected_sha is not None:
            check_sha256(expected_sha, "expected_content_sha256")
        self._writable(store_id)
        if expected_sha is not None and expected_sha != memory["content_sha256"]:
            raise SimError(
                409,
                "the memory's content_sha256 does not match expected_content_sha256",
                error_type="memory_precondition_failed_error",
            )
        self._version(store_id, memory, "deleted", API_ACTOR)
        del self.state.memories[store_id][memory_id]
        return {"id": memory_id, "type": "memory_deleted"}

    def list_memories(
        self, store_id: str, *, prefix: str | None = None, depth: int = 0, full: bool = False
    ) -> list[dict]:
        """Memories under ``prefix`` by path; with ``depth`` N, deeper ones fold into
        ``memory_prefix`` items N segments below the prefix."""
        self.memory_store(store_id)
        root = check_prefix(prefix)
        items: dict[str, dict] = {}
        for memory in self.state.memories[store_id].values():
            if not memory["path"].startswith(root):
                continue
            rest = memory["path"][len(root) :].split("/")
            if depth and len(rest) > depth:
                folded = root + "/".join(rest[:depth]) + "/"
                items.setdefault(folded, {"type": "memory_prefix", "path": folded})
            else:
                items[memory["path"]] = memory_view(copy.deepcopy(memory), full)
        return [items[path] for path in sorted(items)]

    # -- versions --------------------------------------------------------------------------

    def _find_version(self, store_id: str, version_id: str) -> dict:
        self.memory_store(store_id)
        for version in self.state.memory_versions[store_id]:
            if version["id"] == version_id:
                return version
        raise not_found("memory_version", version_id)

    def get_memory_version(self, store_id: str, version_id: str, *, full: bool = True) -> dict:
        return version_view(copy.deepcopy(self._find_version(store_id, version_id)), full)

    def list_memory_versions(self, store_id: str, *, full: bool = False, **filters) -> list[dict]:
        """Versions oldest first (the route lists them newest first), filtered by
        ``memory_id``, ``operation``, ``session_id``, ``api_key_id``, ``service_account_id``
        (``None`` = any)."""
        self.memory_store(store_id)
        actor_keys = ("session_id", "api_key_id", "service_account_id")
        out = []
        for version in self.state.memory_versions[store_id]:
            if filters.get("memory_id") not in (None, version["memory_id"]):
                continue
            if filters.get("operation") not in (None, version["operation"]):
                continue
            actor = version.get("created_by") or {}
            if any(filters.get(k) not in (None, actor.get(k)) for k in actor_keys):
                continue
            out.append(version_view(copy.deepcopy(version), full))
        return out

    def redact_memory_version(self, store_id: str, version_id: str) -> dict:
        version = self._find_version(store_id, version_id)
        live = self.state.memories[store_id].get(version["memory_id"])
        if live is not None and live["memory_version_id"] == version_id:
            raise invalid("the version holding a memory's current content cannot be redacted")
        if version["redacted_at"] is None:
            version.update(
                content=None,
                path=None,
                content_sha256=None,
                content_size_bytes=None,
                redacted_at=self._mstamp(),
                redacted_by=dict(API_ACTOR),
            )
        return version_view(copy.deepcopy(version), True)

    def check_memory_store_ids(self, resources: list[dict], where: str = "body.resources") -> None:
        """Memory stores a session or deployment mounts must exist (404), not archived (400)."""
        for i, spec in enumerate(resources):
            if spec["type"] != "memory_store":
                continue
            store = self.memory_store(spec["memory_store_id"])
            if store["archived_at"] is not None:
                raise invalid(f"{where}[{i}]: memory store {store['id']!r} is archived")
