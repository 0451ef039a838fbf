"""The settings of the agent toolset's web tools (SDK ``BetaManagedAgentsWebFetchToolConfig``,
``…WebSearchToolConfig``): domain lists, ``max_content_tokens``, web_fetch's ``url_sources`` and
web_search's ``user_location``.

Requests may use the shorthand strings ``"all"``/``"none"``; responses always use the object
form, and web_fetch always carries ``url_sources`` (``null`` when not set).
"""

from __future__ import annotations

from typing import Any

from drover.sim.domain.checks import field, no_unknown, text
from drover.sim.wire.errors import invalid

#: Settings each web tool takes besides name, type, enabled and permission_policy.
WEB_SETTINGS = {
    "web_fetch": ("allowed_domains", "blocked_domains", "max_content_tokens", "url_sources"),
    "web_search": ("allowed_domains", "blocked_domains", "user_location"),
}
MAX_DOMAINS = 64
MAX_TOOL_NAMES = 128
SERVER_TOOLS = ("web_search", "web_fetch")
_SOURCE_KEYS = ("user_input", "client_tool_results", "server_tool_results")


def _domains(config: dict, key: str, where: str) -> list[str] | None:
    value = field(config, key, list, where)
    if value is None:
        return None
    if not 1 <= len(value) <= MAX_DOMAINS:
        raise invalid(f"{where}.{key}: 1 to {MAX_DOMAINS} entries (omit the field instead)")
    for i, host in enumerate(value):
        if not isinstance(host, str) or not host or "://" in host:
            raise invalid(f"{where}.{key}[{i}]: a plain hostname")
    return value


def _filter(value: Any, where: str, *, lists: bool) -> dict | None:
    """One source: ``"all"``/``"none"`` or ``{type: all|none|only|except, tools?}``."""
    if value is None:
        return None
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, dict):
        raise invalid(f"{where}: expected 'all', 'none' or an object")
    kinds = ("all", "none", "only", "except") if lists else ("all", "none")
    kind = value.get("type")
    if kind not in kinds:
        raise invalid(f"{where}.type: must be one of {', '.join(kinds)}")
    if kind in ("all", "none"):
        no_unknown(value, ("type",), where)
        return {"type": kind}
    no_unknown(value, ("type", "tools"), where)
    tools = field(value, "tools", list, where, required=True)
    if not 1 <= len(tools) <= MAX_TOOL_NAMES:
        raise invalid(f"{where}.tools: 1 to {MAX_TOOL_NAMES} entries")
    names = []
    for i, ref in enumerate(tools):
        at = f"{where}.tools[{i}]"
        if not isinstance(ref, dict) or ref.get("type") != "tool_reference":
            raise invalid(f"{at}.type: must be 'tool_reference'")
        no_unknown(ref, ("type", "name"), at)
        names.append(text(ref, "name", at, required=True, min_len=1))
    if len(set(names)) != len(names):
        raise invalid(f"{where}.tools: names must differ")
    return {"type": kind, "tools": [{"type": "tool_reference", "name": n} for n in names]}


def check_url_sources(value: Any, where: str, custom_tools: set[str]) -> dict | None:
    """web_fetch's ``url_sources`` → the object form (every key present, ``null`` = unset)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid(f"{where}: expected an object")
    no_unknown(value, _SOURCE_KEYS, where)
    out = {
        "user_input": _filter(value.get("user_input"), f"{where}.user_input", lists=False),
        "client_tool_results": _filter(
            value.get("client_tool_results"), f"{where}.client_tool_results", lists=True
        ),
        "server_tool_results": _filter(
            value.get("server_tool_results"), f"{where}.server_tool_results", lists=True
        ),
    }
    for name in _names(out["client_tool_results"]):
        if name not in custom_tools:
            raise invalid(f"{where}.client_tool_results: {name!r} is not a custom tool here")
    for name in _names(out["server_tool_results"]):
        if name not in SERVER_TOOLS:
            raise invalid(f"{where}.server_tool_results: {name!r} is not web_search or web_fetch")
    if all(out[k] == {"type": "none"} for k in _SOURCE_KEYS):
        raise invalid(f"{where}: setting every source to 'none' leaves nothing to fetch")
    return out


def _names(source: dict | None) -> list[str]:
    return [ref["name"] for ref in (source or {}).get("tools", [])]


def check_user_location(value: Any, where: str) -> dict | None:
    """web_search's approximate ``user_location``."""
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") != "approximate":
        raise invalid(f"{where}.type: must be 'approximate'")
    no_unknown(value, ("type", "city", "country", "region", "timezone"), where)
    out: dict = {"type": "approximate"}
    for key in ("city", "region", "timezone"):
        if (item := text(value, key, where, nullable=True)) is not None:
            out[key] = item
    country = text(value, "country", where, nullable=True)
    if country is not None:
        if len(country) != 2 or not country.isalpha() or not country.isupper():
            raise invalid(f"{where}.country: a two-letter uppercase ISO 3166-1 code")
        out["country"] = country
    return out


def check_web_settings(name: str, config: dict, where: str, custom_tools: set[str]) -> dict:
    """The web settings of one toolset config entry, in response form."""
    out: dict = {}
    allowed = _domains(config, "allowed_domains", where)
    blocked = _domains(config, "blocked_domains", where)
    if allowed is not None and blocked is not None:
        raise invalid(f"{where}: allowed_domains and blocked_domains cannot be combined")
    if allowed is not None:
        out["allowed_domains"] = allowed
    if blocked is not None:
        out["blocked_domains"] = blocked
    if name == "web_fetch":
        tokens = field(config, "max_content_tokens", int, where, nullable=True)
        if tokens is not None:
            if tokens < 1:
                raise invalid(f"{where}.max_content_tokens: must be positive")
            out["max_content_tokens"] = tokens
        out["url_sources"] = check_url_sources(
            config.get("url_sources"), f"{where}.url_sources", custom_tools
        )
    else:
        location = check_user_location(config.get("user_location"), f"{where}.user_location")
        if location is not None:
            out["user_location"] = location
    return out
