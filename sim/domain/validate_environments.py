"""Validation of environment request bodies (§4.2, §5.2).

Each ``check_*`` returns the normalized wire form of what it checked (defaults filled in, the
response shapes of §5), so builders never see an unchecked value.
"""

from __future__ import annotations

from typing import Any

from drover.sim.domain.checks import (
    body_object,
    enum,
    field,
    metadata,
    no_unknown,
    str_list,
    text,
    typed,
)
from drover.sim.wire.errors import invalid

PACKAGE_MANAGERS = ("apt", "cargo", "gem", "go", "npm", "pip")


def check_env_config(value: Any, where: str = "body.config") -> dict:
    """An environment ``config`` → the full response form (§5.2)."""
    kind = typed(value, ("cloud", "self_hosted"), where)
    if kind == "self_hosted":
        no_unknown(value, ("type",), where)
        return {"type": kind}
    no_unknown(value, ("type", "networking", "packages"), where)
    net = value.get("networking") or {"type": "unrestricted"}
    net_kind = typed(net, ("unrestricted", "limited"), f"{where}.networking")
    if net_kind == "unrestricted":
        no_unknown(net, ("type",), f"{where}.networking")
        networking: dict = {"type": "unrestricted"}
    else:
        at = f"{where}.networking"
        no_unknown(
            net, ("type", "allowed_hosts", "allow_mcp_servers", "allow_package_managers"), at
        )
        networking = {
            "type": "limited",
            "allowed_hosts": str_list(net, "allowed_hosts", at) or [],
            "allow_mcp_servers": bool(field(net, "allow_mcp_servers", bool, at, nullable=True)),
            "allow_package_managers": bool(
                field(net, "allow_package_managers", bool, at, nullable=True)
            ),
        }
    pkgs = value.get("packages") or {}
    at = f"{where}.packages"
    if not isinstance(pkgs, dict):
        raise invalid(f"{at}: expected an object")
    no_unknown(pkgs, ("type", *PACKAGE_MANAGERS), at)
    if pkgs.get("type", "packages") != "packages":
        raise invalid(f"{at}.type: must be 'packages'")
    packages = {"type": "packages"} | {m: str_list(pkgs, m, at) or [] for m in PACKAGE_MANAGERS}
    return {"type": "cloud", "networking": networking, "packages": packages}


def check_environment(body: Any, *, update: bool) -> dict:
    """An environment create/update body → normalized fields (only those given, on update)."""
    body = body_object(body)
    no_unknown(body, ("name", "config", "description", "metadata", "scope"), "body")
    out: dict = {}
    if "name" in body or not update:
        out["name"] = text(body, "name", "body", required=True, min_len=1, max_len=256)
    if "config" in body:
        out["config"] = check_env_config(body["config"])
    if "description" in body:
        out["description"] = text(body, "description", "body", nullable=True, max_len=2048)
    if "metadata" in body:
        meta = body["metadata"] if body["metadata"] is not None else {}
        out["metadata"] = metadata(meta, "body.metadata", patch=update)
    if "scope" in body:
        # API organizations accept only `organization` (§4.2).
        out["scope"] = enum(body, "scope", ("organization",), "body")
    return out
