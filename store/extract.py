"""Pure helpers that pull columns out of raw wire objects.

Nothing here touches SQLite: the functions turn server JSON (events, sessions, threads, money)
into the scalar values the schema indexes, so that the writer and the tests share one
definition of "the searchable text of an event" or "the cost in cents".
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Literal, TypedDict

from drover.store.models import JSONObject

# Per-event cap on indexed text: a tool result can carry megabytes (a dumped log); indexing
# all of it would slow ingest and bloat the index for little search value. Raw JSON is kept whole.
MAX_TEXT_CHARS = 32_000

# Fields that name the event another event answers or completes. Indexed so the derived state
# can ask "was this tool use answered?" with one index probe instead of scanning the session.
_REF_FIELDS = ("tool_use_id", "custom_tool_use_id", "mcp_tool_use_id")

# Answer types: these close a pending action (§9 step 3).
ANSWER_TYPES = ("user.tool_confirmation", "user.custom_tool_result", "user.tool_result")


# One encoder reused: json.dumps() with non-default options builds a new encoder per call,
# which showed up in ingest profiles.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(obj: object) -> str:
    """Serialise compactly; `ensure_ascii=False` keeps agent text byte-identical and smaller."""
    return _ENCODER.encode(obj)


def event_id(event: JSONObject, session_id: str, thread_id: str | None) -> str:
    """Return the key an event is stored under.

    The server id when present. Some implementations send `user.interrupt` with `id == ""`
    (§2): those get a deterministic local id derived from their content, so re-delivery of
    the same object stays idempotent while two different empty-id events don't collide.
    """
    eid = event.get("id")
    if isinstance(eid, str) and eid:
        return eid
    import hashlib  # on first use: only an empty-id event needs it, and `drover ls` reads none

    digest = hashlib.sha1(
        dumps([session_id, thread_id, event]).encode("utf-8"), usedforsecurity=False
    ).hexdigest()
    return f"local_{digest[:24]}"


def ref_id(event: JSONObject) -> str | None:
    """Return the id of the event this one refers to (a tool use it answers), if any."""
    for field in _REF_FIELDS:
        value = event.get(field)
        if isinstance(value, str) and value:
            return value
    return None


def _collect_text(node: object, out: list[str], budget: list[int]) -> None:
    """Walk nested content collecting `text` strings (never base64 `data`)."""
    if budget[0] <= 0:
        return
    if isinstance(node, dict):
        text = node.get("text")
        if isinstance(text, str):
            out.append(text)
            budget[0] -= len(text)
        for key, value in node.items():
            if key != "text" and isinstance(value, dict | list):
                _collect_text(value, out, budget)
    elif isinstance(node, list):
        for item in node:
            _collect_text(item, out, budget)


_NAME_KEYS = ("name", "mcp_server_name", "agent_name", "to_agent_name", "from_agent_name")
_PROSE_KEYS = ("deny_message", "description", "explanation")


def event_text(event: JSONObject) -> str:
    """Return the searchable text of an event ('' when it has none).

    Content blocks give their `text`; tool uses give the tool name and input (so "rm -rf"
    finds the command); errors their type and message; denials their message. Unknown event
    types fall back to the same content walk, so new types with `content[]` are searchable.
    """
    get = event.get
    parts = [v for k in _NAME_KEYS if type(v := get(k)) is str]
    tool_input = get("input")
    if isinstance(tool_input, dict):
        parts.append(dumps(tool_input))
    parts.extend(v for k in _PROSE_KEYS if type(v := get(k)) is str)
    error = get("error")
    if isinstance(error, dict):
        parts.extend(v for k in ("type", "message") if type(v := error.get(k)) is str)
    content = get("content")
    if content:
        _collect_text(content, parts, [MAX_TEXT_CHARS])
    text = "\n".join(parts)
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS]


_FAST_TS = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z")


def ts_key(value: object) -> str | None:
    """Normalise an RFC 3339 timestamp to a fixed-width UTC string that sorts correctly.

    Server timestamps vary in fractional digits (`…:00Z` vs `…:00.120Z`), and plain string
    comparison then misorders events inside one second. Unparseable values give None.
    """
    if not isinstance(value, str) or not value:
        return None
    fast = _FAST_TS.fullmatch(value)
    if fast is not None:  # the server's usual shape: string surgery, ~10x cheaper than parsing
        return f"{fast[1]}.{(fast[2] or '').ljust(6, '0')[:6]}Z"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def json_object(value: object) -> JSONObject:
    """`value` if it is a JSON object, else an empty one (a missing or malformed field is data
    to tolerate, never a crash)."""
    return value if isinstance(value, dict) else {}


def loads_object(text: str | None) -> JSONObject:
    """A stored JSON text as an object: empty for no text, malformed JSON or another type (a
    column of figures, a spec, a payload is read back whatever a bug once wrote into it)."""
    if not text:
        return {}
    try:
        return json_object(json.loads(text))
    except ValueError:
        return {}


def key_moment(value: str | None) -> datetime | None:
    """A stored timestamp (`ts_key` form, or any RFC 3339 one) as an aware UTC datetime; None
    when it is missing or malformed. The store's one reader of its own timestamps."""
    key = ts_key(value)
    if key is None:
        return None
    try:  # `ts_key` only reshapes the usual form: a month 13 is caught here
        return datetime.strptime(key, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def now_key() -> str:
    """Return the current time in `ts_key` form (for local bookkeeping columns)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def money_cents(value: object) -> int | None:
    """Return a `BetaMonetaryAmount` (`{"amount": "187", ...}`) as integer cents."""
    if not isinstance(value, dict):
        return None
    try:
        return int(str(value.get("amount")))
    except ValueError:
        return None


def budget_cents(budget: object) -> int | None:
    """Return a session budget's cap in cents, or None for no budget."""
    if isinstance(budget, dict):
        return money_cents(budget.get("max_list_cost"))
    return None


class UsageColumns(TypedDict, total=False):
    """The `sessions` columns a `usage` object carries (see `usage_columns`)."""

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_creation_tokens: int
    list_cost_cents: int
    active_seconds: float


_TOKEN_COLUMNS: tuple[
    tuple[str, Literal["input_tokens", "output_tokens", "cache_read_tokens"]], ...
] = (
    ("input_tokens", "input_tokens"),
    ("output_tokens", "output_tokens"),
    ("cache_read_input_tokens", "cache_read_tokens"),
)
"""(wire field of `usage`, column)."""


def usage_columns(usage: object) -> UsageColumns:
    """Return the session columns carried by a `usage` object (absent fields are omitted)."""
    if not isinstance(usage, dict):
        return {}
    cols: UsageColumns = {}
    for src, dst in _TOKEN_COLUMNS:
        if isinstance(usage.get(src), int):
            cols[dst] = usage[src]
    creation = usage.get("cache_creation")
    if isinstance(creation, dict):
        cols["cache_creation_tokens"] = sum(v for v in creation.values() if isinstance(v, int))
    cost = money_cents(usage.get("list_cost"))
    if cost is not None:
        cols["list_cost_cents"] = cost
    if isinstance(usage.get("active_seconds"), int | float):
        cols["active_seconds"] = float(usage["active_seconds"])
    return cols
