"""The outbox's actions: their wire events, and which rows of a session may go out now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drover.api.wire import JSONObject

if TYPE_CHECKING:
    from drover.store.models import OutboxRow

__all__ = [
    "ACTION_KINDS",
    "ANSWER_FIELD",
    "MAX_ITERATIONS",
    "build_events",
    "deliverable",
    "outcome_event",
]

ACTION_KINDS = ("message", "interrupt", "tool_confirmation", "custom_tool_result", "define_outcome")
ANSWER_FIELD = {
    "tool_confirmation": ("user.tool_confirmation", "tool_use_id"),
    "custom_tool_result": ("user.custom_tool_result", "custom_tool_use_id"),
}


def build_events(kind: str, payload: JSONObject) -> list[JSONObject]:
    """The wire events for an outbox action; validates the payload.

    Payloads: ``message`` ``{"text"}``; ``interrupt`` ``{"thread_id"?}``;
    ``tool_confirmation`` ``{"tool_use_id", "allow": bool, "deny_message"?}``;
    ``custom_tool_result`` ``{"custom_tool_use_id", "content"?: [blocks] | str, "is_error"?}``;
    ``define_outcome`` ``{"description", "rubric": str | {"type": "text", "content"} |
    {"type": "file", "file_id"}, "max_iterations"?: 1-20}``. A ``rule`` key (the rule that
    answered a tool confirmation, see `drover.store.rule_audit`) is the mirror's alone and is
    never sent.

    Raises:
        ValueError: unknown kind or a payload missing what the kind needs.
    """
    p = payload
    if kind == "message":
        if not isinstance(p.get("text"), str) or not p["text"].strip():
            raise ValueError("a message needs non-empty text")
        return [{"type": "user.message", "content": [{"type": "text", "text": p["text"]}]}]
    if kind == "interrupt":
        event: JSONObject = {"type": "user.interrupt"}
        if p.get("thread_id"):
            event["session_thread_id"] = p["thread_id"]
        return [event]
    if kind == "tool_confirmation":
        if not p.get("tool_use_id") or not isinstance(p.get("allow"), bool):
            raise ValueError("a tool confirmation needs tool_use_id and allow")
        event = {
            "type": "user.tool_confirmation",
            "tool_use_id": p["tool_use_id"],
            "result": "allow" if p["allow"] else "deny",
        }
        if not p["allow"] and p.get("deny_message"):
            event["deny_message"] = p["deny_message"]
        return [event]
    if kind == "custom_tool_result":
        if not p.get("custom_tool_use_id"):
            raise ValueError("a custom tool result needs custom_tool_use_id")
        content = p.get("content") or []
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        return [
            {
                "type": "user.custom_tool_result",
                "custom_tool_use_id": p["custom_tool_use_id"],
                "content": content,
                "is_error": bool(p.get("is_error", False)),
            }
        ]
    if kind == "define_outcome":
        return [outcome_event(p)]
    raise ValueError(f"unknown action kind {kind!r}; known: {ACTION_KINDS}")


MAX_ITERATIONS = 20
"""The most evaluate-then-revise cycles an outcome may ask for (the API's limit)."""


def outcome_event(p: JSONObject) -> JSONObject:
    """A ``user.define_outcome`` from an outbox payload (see `build_events`).

    Raises:
        ValueError: no description, no rubric, or `max_iterations` outside 1-20.
    """
    description = p.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ValueError("an outcome needs a description of what the agent should produce")
    rubric = p.get("rubric")
    if isinstance(rubric, str):
        rubric = {"type": "text", "content": rubric}
    valid_text = (
        isinstance(rubric, dict)
        and rubric.get("type") == "text"
        and (isinstance(rubric.get("content"), str) and rubric["content"].strip())
    )
    valid_file = (
        isinstance(rubric, dict)
        and rubric.get("type") == "file"
        and (isinstance(rubric.get("file_id"), str) and rubric["file_id"])
    )
    if not (valid_text or valid_file):
        raise ValueError("an outcome needs a rubric: text to grade by, or a file id")
    event: JSONObject = {"type": "user.define_outcome", "description": description,
                         "rubric": rubric}  # fmt: skip
    most = p.get("max_iterations")
    if most is not None:
        if not isinstance(most, int) or isinstance(most, bool) or not 1 <= most <= MAX_ITERATIONS:
            raise ValueError(f"max_iterations must be 1-{MAX_ITERATIONS}")
        event["max_iterations"] = most
    return event


def deliverable(rows: list[OutboxRow]) -> list[OutboxRow]:
    """The rows that may go out now: the oldest unfinished row of each session, plus — when
    that row is a message still being verified (``sending``) — the first answer or interrupt
    behind it. A message queued behind a pending approval cannot be verified until the
    approval is sent, so holding the approval back would deadlock the session's lane.
    """
    lanes: dict[str, list[OutboxRow]] = {}
    for row in rows:  # oldest first
        lane = lanes.setdefault(row.session_id, [])
        if not lane or (
            len(lane) == 1
            and lane[0].kind == "message"
            and lane[0].state == "sending"
            and row.kind != "message"
        ):
            lane.append(row)
    return [row for lane in lanes.values() for row in lane]
