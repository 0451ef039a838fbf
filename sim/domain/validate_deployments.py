"""Validation of deployment bodies (SDK ``beta.deployments``): a session template (agent,
environment, resources, vaults, budget, initial events) plus an optional cron schedule."""

from __future__ import annotations

from typing import Any

from drover.sim.domain.checks import body_object, field, metadata, no_unknown, str_list, text
from drover.sim.domain.validate_events import check_event
from drover.sim.domain.validate_sessions import check_agent_ref, check_budget, check_resource_spec
from drover.sim.wire.cron import Cron, CronError
from drover.sim.wire.errors import invalid

DEPLOYMENT_FIELDS = (
    "agent",
    "environment_id",
    "initial_events",
    "name",
    "budget",
    "description",
    "metadata",
    "resources",
    "schedule",
    "vault_ids",
)
INITIAL_TYPES = ("user.message", "user.define_outcome", "system.message")
MAX_INITIAL = 50
MAX_RESOURCES = 500
MAX_VAULTS = 50


def check_schedule(value: Any, where: str = "body.schedule") -> dict:
    if not isinstance(value, dict) or value.get("type") != "cron":
        raise invalid(f"{where}.type: must be 'cron'")
    no_unknown(value, ("type", "expression", "timezone"), where)
    expression = text(value, "expression", where, required=True, min_len=1)
    timezone = text(value, "timezone", where, required=True, min_len=1)
    try:
        Cron(expression, timezone)
    except CronError as exc:
        raise invalid(f"{where}: {exc}") from None
    return {"type": "cron", "expression": expression, "timezone": timezone}


def resource_config(spec: dict) -> dict:
    """A checked resource spec as a deployment shows it (tokens are write-only)."""
    return {k: v for k, v in spec.items() if k != "authorization_token"}


def _initial(value: Any) -> list[dict]:
    if not isinstance(value, list):
        raise invalid("body.initial_events: expected an array")
    if not 1 <= len(value) <= MAX_INITIAL:
        raise invalid(f"body.initial_events: must have 1 to {MAX_INITIAL} events")
    out = []
    for i, event in enumerate(value):
        checked = dict(check_event(event, f"body.initial_events[{i}]", INITIAL_TYPES))
        if checked["type"] == "user.define_outcome":
            checked.setdefault("max_iterations", None)
        out.append(checked)
    return out


def check_deployment(body: Any, *, update: bool) -> dict:
    """A deployment create/update body → the fields given (agent ref unresolved)."""
    body = body_object(body)
    no_unknown(body, DEPLOYMENT_FIELDS, "body")
    out: dict = {}
    required = () if update else ("agent", "environment_id", "initial_events", "name")
    for key in required:
        if key not in body:
            raise invalid(f"body.{key}: Field required")
    if "agent" in body:
        ref = check_agent_ref(body["agent"])
        if ref["overrides"] is not None:
            raise invalid("body.agent.type: must be 'agent'")
        out["agent"] = ref
    if "environment_id" in body:
        out["environment_id"] = text(body, "environment_id", "body", required=True, min_len=1)
    if "name" in body:
        out["name"] = text(body, "name", "body", required=True, min_len=1, max_len=256)
    if "description" in body:
        out["description"] = text(body, "description", "body", nullable=True, max_len=2048)
    if "initial_events" in body:
        out["initial_events"] = _initial(body["initial_events"])
    if "metadata" in body:
        meta = body["metadata"] if body["metadata"] is not None else {}
        out["metadata"] = metadata(meta, "body.metadata", patch=update)
    if "budget" in body:
        out["budget"] = check_budget(body["budget"]) if body["budget"] is not None else None
    if "schedule" in body:
        out["schedule"] = check_schedule(body["schedule"]) if body["schedule"] else None
    if "resources" in body:
        specs = field(body, "resources", list, "body", nullable=True) or []
        if len(specs) > MAX_RESOURCES:
            raise invalid(f"body.resources: at most {MAX_RESOURCES} resources")
        out["resources"] = [
            check_resource_spec(r, f"body.resources[{i}]") for i, r in enumerate(specs)
        ]
    if "vault_ids" in body:
        out["vault_ids"] = str_list(body, "vault_ids", "body", max_items=MAX_VAULTS) or []
    return out
