"""A launch, planned: items read from a file (or counted), a template rendered once per item.

Nothing here talks to the API or the mirror; `drover.sync.launch` records and runs the plan.

**Items.** A file of one item per line gives ``{item}`` (blank lines and lines starting with
``#`` are skipped); JSON Lines give each object's fields by name (``{url}``, ``{repo}``; a line
that is a plain string or number is ``{item}``); CSV (or TSV) gives its header's columns.
``--count N`` makes N items with nothing but their number. Every item also has ``{n}``, its
position from 1.

**Placeholders** are ``{name}`` in the title, the first message, metadata values and every
string of a resource; ``{{`` and ``}}`` are literal braces. A name no item has is an error
before anything is created, naming the item and the names it has.

**Tags.** Every session gets ``drover_launch`` (the launch id) and ``drover_item`` (the item's
index, from 0) in its metadata: `sessions.create` has no idempotency key, so these are how a
resumed launch tells an item already created from one to create.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from drover.config.templates import LaunchTemplate
from drover.store.launches import NewLaunch
from drover.sync.engines import NewSession

__all__ = [
    "LAUNCH_TAG",
    "MAX_ITEMS",
    "TAG_ITEM",
    "ItemFormat",
    "LaunchPlan",
    "PlanError",
    "counted_items",
    "new_launch_id",
    "parse_items",
    "plan_launch",
    "read_items",
    "render",
    "session_request",
]

LAUNCH_TAG = "drover_launch"
"""The metadata key holding the launch id on each of its sessions."""
TAG_ITEM = "drover_item"
"""The metadata key holding the item's index (from 0)."""
MAX_ITEMS = 100_000
"""Most items one launch takes (a typo'd `--count` should not queue a day of creates)."""
MAX_METADATA = 16
MAX_KEY = 64
MAX_VALUE = 512
MAX_TITLE = 512

ItemFormat = Literal["lines", "jsonl", "csv", "tsv"]
Item = dict[str, str]

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


class PlanError(ValueError):
    """The items or the template cannot make a launch; the message says where and why."""


def new_launch_id() -> str:
    """A fresh launch id: ``lch_`` and 20 hex digits (unique enough to tag sessions with)."""
    return "lch_" + secrets.token_hex(10)


# -- items --------------------------------------------------------------------------------------


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def guess_format(path: str | None, text: str) -> ItemFormat:
    """The items' format from the file name (``.jsonl``/``.ndjson``, ``.csv``, ``.tsv``), else
    JSON Lines when every item line is a JSON object, else one item per line."""
    suffix = Path(path).suffix.lower() if path and path != "-" else ""
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv" if suffix == ".csv" else "tsv"
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and all(line.lstrip().startswith("{") for line in lines):
        return "jsonl"
    return "lines"


def parse_items(text: str, fmt: ItemFormat) -> list[Item]:
    """The items of a file's text, each as its placeholder fields (``n`` not yet added).

    Raises:
        PlanError: a JSON line that is not JSON, a CSV without a header, or no items at all.
    """
    items: list[Item] = []
    if fmt == "lines":
        for line in text.splitlines():
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                items.append({"item": stripped})
    elif fmt == "jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PlanError(f"line {number} is not JSON: {exc.msg}") from None
            if isinstance(value, dict):
                items.append({str(k): _scalar(v) for k, v in value.items() if v is not None})
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                items.append({"item": _scalar(value)})
            else:
                raise PlanError(f"line {number}: an item is a JSON object, string or number")
    else:
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if fmt == "tsv" else ",")
        if not reader.fieldnames:
            raise PlanError("the CSV file has no header line naming its columns")
        for row in reader:
            fields = {str(k).strip(): (v or "").strip() for k, v in row.items() if k is not None}
            if any(fields.values()):
                items.append(fields)
    if not items:
        raise PlanError("no items: the file is empty")
    if len(items) > MAX_ITEMS:
        raise PlanError(f"{len(items)} items: one launch takes at most {MAX_ITEMS}")
    return items


def read_items(path: str, fmt: ItemFormat | None = None, *, stdin: Any = None) -> list[Item]:
    """Read and parse an items file (``-``: standard input).

    Raises:
        PlanError: it cannot be read, or holds no items (see `parse_items`).
    """
    try:
        if path == "-":
            text = (stdin if stdin is not None else sys.stdin).read()
        else:
            text = Path(path).expanduser().read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError(f"cannot read the items file {path}: {exc}") from None
    return parse_items(text, fmt or guess_format(path, text))


def counted_items(count: int) -> list[Item]:
    """`count` items with nothing but their number (``--count N``).

    Raises:
        PlanError: `count` is not between 1 and `MAX_ITEMS`.
    """
    if not 1 <= count <= MAX_ITEMS:
        raise PlanError(f"--count takes 1 to {MAX_ITEMS}, not {count}")
    return [{} for _ in range(count)]


# -- rendering ----------------------------------------------------------------------------------


def placeholders(pattern: str) -> list[str]:
    """The placeholder names in `pattern`, in order.

    Raises:
        PlanError: a lone brace, or a placeholder that is no name.
    """
    names: list[str] = []
    for match in _PLACEHOLDER.finditer(pattern):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None or not _NAME.fullmatch(name):
            raise PlanError(
                f"{token!r} in {pattern!r} is no placeholder: write {{name}}, or {{{{ and }}}} "
                "for a literal brace"
            )
        names.append(name)
    return names


def render(pattern: str, fields: Mapping[str, str]) -> str:
    """`pattern` with every ``{name}`` replaced by ``fields[name]``.

    Raises:
        PlanError: a name `fields` lacks, or a malformed placeholder.
    """

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name is None or not _NAME.fullmatch(name):
            placeholders(pattern)  # raises with the explanation
        if name not in fields:
            known = ", ".join("{" + k + "}" for k in fields) or "none"
            raise PlanError(f"{{{name}}} is not a field of the item (it has {known})")
        return fields[name]

    return _PLACEHOLDER.sub(one, pattern)


def _render_tree(value: Any, fields: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return render(value, fields)
    if isinstance(value, list):
        return [_render_tree(v, fields) for v in value]
    if isinstance(value, dict):
        return {k: _render_tree(v, fields) for k, v in value.items()}
    return value


# -- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LaunchPlan:
    """A launch ready to record: what every item shares and what each one sends.

    Attributes:
        launch: the record (`drover.store.launches.NewLaunch`).
        requests: per item, the session it creates, secrets excepted.
        token_envs: environment variables resources read their tokens from.
    """

    launch: NewLaunch
    requests: Sequence[NewSession]
    token_envs: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        """The launch id."""
        return self.launch.id


def plan_launch(
    template: LaunchTemplate,
    items: Sequence[Item],
    *,
    agent_id: str,
    environment_id: str,
    name: str | None = None,
    source: str | None = None,
    launch_id: str | None = None,
) -> LaunchPlan:
    """Render `template` over `items` (agent and environment already resolved to ids).

    Raises:
        PlanError: a placeholder an item lacks, metadata over the API's limits, a title too
            long, or nothing to send.
    """
    launch_id = launch_id or new_launch_id()
    if len(template.metadata) + 2 > MAX_METADATA:
        raise PlanError(
            f"metadata: at most {MAX_METADATA - 2} keys (drover adds {LAUNCH_TAG} and {TAG_ITEM})"
        )
    for key in template.metadata:
        if key in (LAUNCH_TAG, TAG_ITEM):
            raise PlanError(f"metadata: {key} is drover's own tag")
        if not key or len(key) > MAX_KEY:
            raise PlanError(f"metadata key {key!r}: 1 to {MAX_KEY} characters")
    for pattern in (template.title or "", template.message or "", *template.metadata.values()):
        placeholders(pattern)
    budget = round(template.budget_usd * 100) if template.budget_usd is not None else None
    spec: dict[str, Any] = {
        "agent_id": agent_id,
        "agent": template.agent,
        "agent_version": template.agent_version,
        "environment_id": environment_id,
        "environment": template.environment,
        "title": template.title,
        "message": template.message,
        "metadata": dict(template.metadata),
        "vault_ids": list(template.vault_ids),
        "resources": list(template.resources),
        "budget_cents": budget,
    }
    records: list[tuple[Item, dict[str, Any]]] = []
    requests: list[NewSession] = []
    for idx, raw in enumerate(items):
        fields = {**raw, "n": str(idx + 1)}
        try:
            request = _item_request(template, fields, launch_id, idx)
        except PlanError as exc:
            raise PlanError(f"item {idx + 1}: {exc}") from None
        records.append((fields, request))
        requests.append(session_request(spec, request))
    envs = tuple(
        sorted(
            {
                str(r["authorization_token_env"])
                for r in template.resources
                if r.get("authorization_token_env")
            }
        )
    )
    launch = NewLaunch(launch_id, name, spec, source, records)
    return LaunchPlan(launch, requests, envs)


def _item_request(
    template: LaunchTemplate, fields: Mapping[str, str], launch_id: str, idx: int
) -> dict[str, Any]:
    """What one item sends besides the shared spec: title, message, metadata, resources."""
    title = render(template.title, fields).strip() if template.title else None
    if title and len(title) > MAX_TITLE:
        raise PlanError(f"the title is {len(title)} characters; the API takes {MAX_TITLE}")
    metadata = {k: render(v, fields) for k, v in template.metadata.items()}
    for key, value in metadata.items():
        if len(value) > MAX_VALUE:
            raise PlanError(f"metadata {key}: {len(value)} characters; the API takes {MAX_VALUE}")
    metadata[LAUNCH_TAG] = launch_id
    metadata[TAG_ITEM] = str(idx)
    return {
        "title": title or None,
        "message": render(template.message, fields) if template.message else None,
        "metadata": metadata,
        "resources": _render_tree(template.resources, fields),
    }


def session_request(
    spec: Mapping[str, Any],
    request: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
) -> NewSession:
    """The `NewSession` of one recorded item.

    Args:
        spec: the launch's shared fields.
        request: the item's rendered fields.
        environ: where resources' tokens are read (None: leave them out, for display).

    Raises:
        PlanError: a token's environment variable is not set.
    """
    resources: list[dict[str, Any]] = []
    for resource in request.get("resources") or []:
        resource = dict(resource)
        env = resource.pop("authorization_token_env", None)
        if env and environ is not None:
            token = environ.get(str(env), "")
            if not token:
                raise PlanError(f"{env} is not set: the repository's token is read from it")
            resource["authorization_token"] = token
        resources.append(resource)
    budget = spec.get("budget_cents")
    return NewSession(
        agent_id=str(spec["agent_id"]),
        environment_id=str(spec["environment_id"]),
        title=request.get("title"),
        first_message=request.get("message"),
        agent_version=spec.get("agent_version"),
        metadata=dict(request.get("metadata") or {}),
        vault_ids=tuple(spec.get("vault_ids") or ()),
        resources=tuple(resources),
        budget_cents=int(budget) if budget is not None else None,
    )


def check_token_envs(envs: Iterable[str], environ: Mapping[str, str]) -> None:
    """Fail before launching when a token's environment variable is not set.

    Raises:
        PlanError: naming the first one missing.
    """
    for env in envs:
        if not environ.get(env):
            raise PlanError(f"{env} is not set: the template reads a repository token from it")
