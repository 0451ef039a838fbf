"""drover's semantic colour variables: the names, and the fallbacks a theme may omit.

Every TCSS rule that colours a session state uses one of these variables (`$session-running`
…), never a literal colour, so a theme restyles the whole app by supplying five values.
"""

from __future__ import annotations

SESSION_STATES: tuple[str, ...] = ("running", "idle", "needs-you", "error", "terminated")
"""The visual states a session row or badge can take, in display-priority order."""

SESSION_VARIABLES: tuple[str, ...] = tuple(f"session-{state}" for state in SESSION_STATES)
"""Theme variable names, e.g. `session-needs-you` (used as `$session-needs-you` in TCSS)."""

_DEFAULTS: dict[str, str] = {
    "session-running": "#4EBF71",
    "session-idle": "#8A94A6",
    "session-needs-you": "#FFB224",
    "session-error": "#E5484D",
    "session-terminated": "#6B6B6B",
}


def variable_defaults() -> dict[str, str]:
    """Return fallbacks for drover's theme variables (for `App.get_theme_variable_defaults`).

    Returns:
        A fresh mapping of variable name to colour, so callers may extend it safely.
    """
    return dict(_DEFAULTS)
