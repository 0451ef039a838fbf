"""Validation of events clients send (§6.2, §6.3, §7): ``POST …/events`` and ``initial_events``.

These checks need no session state; state-dependent rules (answering an unknown tool use,
sending while paused at a budget…) belong to the runtime.
"""

from __future__ import annotations

from typing import Any

from drover.sim.domain.checks import body_object, enum, field, no_unknown, text, typed
from drover.sim.wire.errors import invalid

USER_TYPES = (
    "user.message",
    "user.interrupt",
    "user.tool_confirmation",
    "user.custom_tool_result",
    "user.define_outcome",
    "user.tool_result",
    "system.message",
)
INITIAL_TYPES = ("user.message", "user.define_outcome")
MESSAGE_BLOCKS = ("text", "image", "document", "redacted")
RESULT_BLOCKS = ("text", "image", "document", "search_result")
MAX_RUBRIC = 262_144
MAX_INITIAL_EVENTS = 50
#: Events a ``system.message`` may immediately follow (§6.3).
SYSTEM_MESSAGE_AFTER = ("user.message", "user.tool_result", "user.custom_tool_result")


def _source(value: Any, options: tuple[str, ...], where: str) -> dict:
    kind = typed(value, options, where)
    keys = {
        "base64": ("type", "media_type", "data"),
        "text": ("type", "media_type", "data"),
        "url": ("type", "url"),
        "file": ("type", "file_id"),
    }[kind]
    no_unknown(value, keys, where)
    for key in keys[1:]:
        text(value, key, where, required=True)
    return value


def check_block(block: Any, options: tuple[str, ...], where: str) -> dict:
    """One content block of an allowed type, with its required fields."""
    kind = typed(block, options, where)
    if kind == "text":
        no_unknown(block, ("type", "text"), where)
        text(block, "text", where, required=True)
    elif kind == "redacted":
        no_unknown(block, ("type",), where)
    elif kind == "image":
        no_unknown(block, ("type", "source"), where)
        _source(block.get("source"), ("base64", "url", "file"), f"{where}.source")
    elif kind == "document":
        no_unknown(block, ("type", "source", "title", "context"), where)
        _source(block.get("source"), ("base64", "text", "url", "file"), f"{where}.source")
        text(block, "title", where, nullable=True)
        text(block, "context", where, nullable=True)
    else:  # search_result
        no_unknown(block, ("type", "source", "title", "content", "citations"), where)
        text(block, "source", where, required=True)
        text(block, "title", where, required=True)
        content(block, "content", ("text",), where, required=True)
        citations = field(block, "citations", dict, where, required=True)  # required (SDK)
        no_unknown(citations, ("enabled",), f"{where}.citations")
        field(citations, "enabled", bool, f"{where}.citations", required=True)
    return block


def content(
    obj: dict,
    key: str,
    options: tuple[str, ...],
    where: str,
    *,
    required: bool,
    min_items: int = 0,
    max_items: int | None = None,
) -> list | None:
    """A ``content[]`` array of blocks."""
    blocks = field(obj, key, list, where, required=required)
    if blocks is None:
        return None
    if len(blocks) < min_items:
        raise invalid(f"{where}.{key}: must have at least {min_items} item(s)")
    if max_items is not None and len(blocks) > max_items:
        raise invalid(f"{where}.{key}: at most {max_items} items")
    for i, block in enumerate(blocks):
        check_block(block, options, f"{where}.{key}[{i}]")
    return blocks


def check_event(event: Any, where: str, allowed: tuple[str, ...] = USER_TYPES) -> dict:
    """One sent event; returns it (unchanged) when valid."""
    kind = typed(event, allowed, where)
    if kind == "user.message":
        no_unknown(event, ("type", "content"), where)
        content(event, "content", MESSAGE_BLOCKS, where, required=True, min_items=1)
    elif kind == "user.interrupt":
        no_unknown(event, ("type", "session_thread_id"), where)
        text(event, "session_thread_id", where, nullable=True)
    elif kind == "user.tool_confirmation":
        no_unknown(
            event, ("type", "tool_use_id", "result", "deny_message", "session_thread_id"), where
        )
        text(event, "tool_use_id", where, required=True, min_len=1)
        result = enum(event, "result", ("allow", "deny"), where, required=True)
        if text(event, "deny_message", where, nullable=True) is not None and result != "deny":
            raise invalid(f"{where}.deny_message: only valid with result 'deny'")
        text(event, "session_thread_id", where, nullable=True)
    elif kind in ("user.custom_tool_result", "user.tool_result"):
        id_key = "custom_tool_use_id" if kind == "user.custom_tool_result" else "tool_use_id"
        no_unknown(event, ("type", id_key, "content", "is_error", "session_thread_id"), where)
        text(event, id_key, where, required=True, min_len=1)
        content(event, "content", RESULT_BLOCKS, where, required=False)
        field(event, "is_error", bool, where, nullable=True)
        text(event, "session_thread_id", where, nullable=True)
    elif kind == "user.define_outcome":
        no_unknown(event, ("type", "description", "rubric", "max_iterations"), where)
        text(event, "description", where, required=True, min_len=1)
        rubric = field(event, "rubric", dict, where, required=True)
        if typed(rubric, ("text", "file"), f"{where}.rubric") == "text":
            no_unknown(rubric, ("type", "content"), f"{where}.rubric")
            text(rubric, "content", f"{where}.rubric", required=True, min_len=1, max_len=MAX_RUBRIC)
        else:
            no_unknown(rubric, ("type", "file_id"), f"{where}.rubric")
            text(rubric, "file_id", f"{where}.rubric", required=True, min_len=1)
        iterations = field(event, "max_iterations", int, where, nullable=True)
        if iterations is not None and not 1 <= iterations <= 20:
            raise invalid(f"{where}.max_iterations: must be between 1 and 20")
    else:  # system.message
        no_unknown(event, ("type", "content"), where)
        content(event, "content", ("text",), where, required=True, min_items=1, max_items=1000)
    return event


def check_send_body(body: Any) -> list[dict]:
    """The ``{"events": [...]}`` body of ``POST …/events``; returns the events.

    Also enforces the ``system.message`` placement rules that need only the request itself.
    """
    body = body_object(body)
    no_unknown(body, ("events",), "body")
    events = field(body, "events", list, "body", required=True)
    if not events:
        raise invalid("body.events: must have at least 1 item")
    for i, event in enumerate(events):
        check_event(event, f"body.events[{i}]")
    systems = [i for i, e in enumerate(events) if e["type"] == "system.message"]
    if len(systems) > 1:
        raise invalid("body.events: at most one system.message per request")
    if systems:
        at = systems[0]
        if at != len(events) - 1 or at == 0 or events[at - 1]["type"] not in SYSTEM_MESSAGE_AFTER:
            raise invalid(
                "body.events: a system.message must be last and immediately follow a "
                "user.message, user.tool_result or user.custom_tool_result"
            )
    return events


def check_initial_events(value: Any) -> list[dict]:
    """``initial_events`` of a session create: ≤50, only user.message / user.define_outcome."""
    if not isinstance(value, list):
        raise invalid("body.initial_events: expected an array")
    if len(value) > MAX_INITIAL_EVENTS:
        raise invalid(f"body.initial_events: at most {MAX_INITIAL_EVENTS} events")
    for i, event in enumerate(value):
        where = f"body.initial_events[{i}]"
        if (
            isinstance(event, dict)
            and event.get("type") in USER_TYPES
            and event["type"] not in INITIAL_TYPES
        ):
            raise invalid(f"{where}.type: only user.message and user.define_outcome are allowed")
        check_event(event, where, INITIAL_TYPES)
    return value
