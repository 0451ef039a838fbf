"""Files and skills (SDK ``beta.files``, ``beta.skills``): what sessions mount and load.

The sim has no upload endpoint (uploads are multipart and not something a supervisor does);
instead its library starts with a few uploaded files and skills, and every file a session
writes (a successful ``write`` tool call) becomes a session-scoped output file, downloadable,
listed under ``scope_id`` = the session id, as the platform lists session outputs. Files list
newest first.
"""

from __future__ import annotations

import copy
import mimetypes
import posixpath

from drover.sim.domain.state import SimState
from drover.sim.wire.errors import SimError, not_found
from drover.sim.wire.ids import rfc3339
from drover.sim.wire.platform import new_file

#: Files present from the start: (name, mime type, content).
SEED_FILES = (
    ("grading-rubric.md", "text/markdown", "# Rubric\n\n- Tests pass\n- No new lint errors\n"),
    ("q3-metrics.csv", "text/csv", "week,p50_ms,p99_ms\n27,41,380\n28,39,410\n29,44,1210\n"),
    ("architecture.pdf", "application/pdf", "%PDF-1.7 (a small stand-in document)\n"),
)
#: Skills present from the start: (skill id or None for a generated id, display name,
#: source, [(version name, description)]).
SEED_SKILLS = (
    ("xlsx", "Excel", "anthropic", [("xlsx", "Create and edit spreadsheets")]),
    ("pptx", "PowerPoint", "anthropic", [("pptx", "Create and edit slide decks")]),
    ("docx", "Word", "anthropic", [("docx", "Create and edit documents")]),
    ("pdf", "PDF", "anthropic", [("pdf", "Read, fill and merge PDFs")]),
    (
        None,
        "Release checklist",
        "custom",
        [
            ("release-checklist", "Steps to cut a release"),
            ("release-checklist", "Steps to cut a release, with a rollback section"),
        ],
    ),
)


class LibraryOps:
    """Mixin of :class:`~drover.sim.domain.facade.SimDomain`: files and skills."""

    state: SimState

    def seed_library(self) -> None:
        """Put the seed files and skills in place (called once by the domain)."""
        now = rfc3339(self.state.clock.now())
        for name, mime, content in SEED_FILES:
            meta = new_file(self.state.ids.new("file"), name, mime, len(content), now, None)
            self.state.files[meta["id"]] = {"meta": meta, "content": content.encode()}
        for number, (skill_id, display, source, versions) in enumerate(SEED_SKILLS):
            skill_id = skill_id or self.state.ids.new("skill")
            made = []
            for v, (name, description) in enumerate(versions):
                made.append(
                    {
                        "type": "skill_version",
                        "id": f"2026{number:02d}{v:02d}000000",
                        "skill_id": skill_id,
                        "name": name,
                        "description": description,
                        "created_at": now,
                    }
                )
            self.state.skills[skill_id] = {
                "type": "skill",
                "id": skill_id,
                "display_name": display,
                "source": {"type": source},
                "latest_version_id": made[-1]["id"],
                "created_at": now,
                "updated_at": now,
            }
            self.state.skill_versions[skill_id] = made

    # -- files -----------------------------------------------------------------------------

    def _collect_outputs(self) -> None:
        """Turn new successful ``write`` calls of every session into output files."""
        for session_id, record in self.state.sessions.items():
            events = record.log.events()
            seen = self.state.file_scan.get(session_id, 0)
            if seen >= len(events):
                continue
            uses = {}
            for event in events[:seen]:
                if event["type"] == "agent.tool_use" and event["name"] == "write":
                    uses[event["id"]] = event
            for event in events[seen:]:
                if event["type"] == "agent.tool_use" and event["name"] == "write":
                    uses[event["id"]] = event
                elif event["type"] == "agent.tool_result" and not event.get("is_error"):
                    use = uses.get(event["tool_use_id"])
                    if use is not None and use["id"] not in self.state.file_sources:
                        self._output_file(session_id, use, event["processed_at"])
            self.state.file_scan[session_id] = len(events)

    def _output_file(self, session_id: str, use: dict, when: str) -> None:
        path = str(use["input"].get("file_path") or "output.txt")
        content = str(use["input"].get("content") or "").encode()
        name = posixpath.basename(path) or "output.txt"
        mime = mimetypes.guess_type(name)[0] or "text/plain"
        scope = {"type": "session", "id": session_id}
        meta = new_file(self.state.ids.new("file"), name, mime, len(content), when, scope)
        self.state.files[meta["id"]] = {"meta": meta, "content": content}
        self.state.file_sources[use["id"]] = meta["id"]

    def list_files(self, scope_id: str | None = None, ids: list[str] | None = None) -> list[dict]:
        """Files newest first (``created_at`` ascending order reversed by the caller's page)."""
        self._collect_outputs()
        out = []
        for held in self.state.files.values():
            meta = held["meta"]
            if scope_id is not None and (meta["scope"] or {}).get("id") != scope_id:
                continue
            if ids is not None and meta["id"] not in ids:
                continue
            out.append(copy.deepcopy(meta))
        return sorted(out, key=lambda m: m["created_at"])

    def file(self, file_id: str) -> dict:
        self._collect_outputs()
        held = self.state.files.get(file_id)
        if held is None:
            raise not_found("file", file_id)
        return held

    def get_file(self, file_id: str) -> dict:
        return copy.deepcopy(self.file(file_id)["meta"])

    def file_content(self, file_id: str) -> tuple[bytes, str]:
        """A downloadable file's bytes and mime type."""
        held = self.file(file_id)
        if not held["meta"]["downloadable"]:
            raise SimError(
                400,
                f"file {file_id!r} was uploaded, not produced by a tool; it cannot be downloaded",
                error_code="file_not_downloadable",
            )
        return held["content"], held["meta"]["mime_type"]

    def delete_file(self, file_id: str) -> dict:
        self.file(file_id)
        del self.state.files[file_id]
        return {"id": file_id, "type": "file_deleted"}

    # -- skills ----------------------------------------------------------------------------

    def list_skills(self, source: str | None = None) -> list[dict]:
        return [
            copy.deepcopy(s)
            for s in self.state.skills.values()
            if source is None or s["source"]["type"] == source
        ]

    def get_skill(self, skill_id: str) -> dict:
        if skill_id not in self.state.skills:
            raise not_found("skill", skill_id)
        return copy.deepcopy(self.state.skills[skill_id])

    def list_skill_versions(self, skill_id: str) -> list[dict]:
        self.get_skill(skill_id)
        return copy.deepcopy(self.state.skill_versions[skill_id])

    def get_skill_version(self, skill_id: str, version: str) -> dict:
        versions = self.list_skill_versions(skill_id)
        if version == "latest":
            version = self.state.skills[skill_id]["latest_version_id"]
        for item in versions:
            if item["id"] == version:
                return item
        raise not_found("skill_version", version)
