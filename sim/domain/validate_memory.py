"""Validation of memory-store request bodies (SDK ``beta.memory_stores``, ``.memories``)."""

from __future__ import annotations

import unicodedata
from typing import Any

from drover.sim.domain.checks import body_object, field, metadata, no_unknown, text, typed
from drover.sim.wire.errors import invalid

MAX_CONTENT_BYTES = 102_400
MAX_PATH_BYTES = 1024
MAX_SEGMENTS = 20
#: Characters a path may not hold besides control and format characters.
_SEPARATORS = ("\u2028", "\u2029")


def check_store(body: Any, *, update: bool) -> dict:
    """A memory store create/update body → the fields given."""
    body = body_object(body)
    no_unknown(body, ("name", "description", "metadata"), "body")
    out: dict = {}
    if "name" in body or not update:
        name = text(body, "name", "body", required=not update, nullable=update, max_len=255)
        if name is not None:
            if not name.strip():
                raise invalid("body.name: must not be empty")
            out["name"] = name
    if "description" in body:
        out["description"] = text(body, "description", "body", nullable=update) or ""
    if "metadata" in body:
        meta = body["metadata"] if body["metadata"] is not None else {}
        out["metadata"] = metadata(meta, "body.metadata", patch=update)
    return out


def check_path(path: Any, where: str) -> str:
    """A memory path: ``/``-rooted, 1-20 non-empty segments (not ``.``/``..``), NFC, no
    control or format characters, at most 1,024 UTF-8 bytes."""
    if not isinstance(path, str):
        raise invalid(f"{where}: expected a string")
    if not path.startswith("/"):
        raise invalid(f"{where}: must start with '/'")
    if len(path.encode("utf-8")) > MAX_PATH_BYTES:
        raise invalid(f"{where}: at most {MAX_PATH_BYTES} bytes")
    if unicodedata.normalize("NFC", path) != path:
        raise invalid(f"{where}: must be in Unicode Normalization Form C")
    if any(unicodedata.category(c) in ("Cc", "Cf") or c in _SEPARATORS for c in path):
        raise invalid(f"{where}: must not contain control or format characters")
    segments = path[1:].split("/")
    if not 1 <= len(segments) <= MAX_SEGMENTS:
        raise invalid(f"{where}: must have 1 to {MAX_SEGMENTS} segments")
    if any(s in ("", ".", "..") for s in segments):
        raise invalid(f"{where}: segments must not be empty, '.' or '..'")
    return path


def check_content(value: Any, where: str) -> str:
    """Memory content: UTF-8 text of at most 100 kB (``null`` is stored as empty)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(f"{where}: expected a string")
    if len(value.encode("utf-8")) > MAX_CONTENT_BYTES:
        raise invalid(f"{where}: at most {MAX_CONTENT_BYTES} bytes")
    return value


def check_sha256(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef"):
        raise invalid(f"{where}: 64 lowercase hexadecimal characters")
    return value


def check_memory_create(body: Any) -> dict:
    body = body_object(body)
    no_unknown(body, ("path", "content"), "body")
    if "content" not in body:
        raise invalid("body.content: Field required")
    return {
        "path": check_path(field(body, "path", str, "body", required=True), "body.path"),
        "content": check_content(body["content"], "body.content"),
    }


def check_memory_update(body: Any) -> dict:
    """An update → ``{content?, path?, precondition_sha?}`` (only what was given)."""
    body = body_object(body)
    no_unknown(body, ("content", "path", "precondition"), "body")
    out: dict = {}
    if body.get("content") is not None:
        out["content"] = check_content(body["content"], "body.content")
    if body.get("path") is not None:
        out["path"] = check_path(body["path"], "body.path")
    if body.get("precondition") is not None:
        where = "body.precondition"
        typed(body["precondition"], ("content_sha256",), where)
        no_unknown(body["precondition"], ("type", "content_sha256"), where)
        sha = body["precondition"].get("content_sha256")
        if sha is not None:
            out["precondition_sha"] = check_sha256(sha, f"{where}.content_sha256")
    return out


def check_prefix(value: str | None) -> str:
    """A ``path_prefix`` filter: ends with ``/`` (whole segments), ``/`` when omitted."""
    if value is None or value == "":
        return "/"
    if not value.startswith("/") or not value.endswith("/"):
        raise invalid("path_prefix: must start and end with '/'")
    return value
