"""drover's built-in themes, as data.

Each theme sets Textual's base palette plus the five `session-*` variables from
`drover.themes.semantic`. Colours live here (Python data) and nowhere in TCSS.
"""

from __future__ import annotations

from textual.theme import Theme

DROVER_DARK = Theme(
    name="drover-dark",
    primary="#5B8DEF",
    secondary="#9A7BE0",
    accent="#F2A65A",
    warning="#FFB224",
    error="#E5484D",
    success="#4EBF71",
    foreground="#D8DEE9",
    background="#14171C",
    surface="#1C2028",
    panel="#252B36",
    dark=True,
    variables={
        "session-running": "#4EBF71",
        "session-idle": "#8A94A6",
        "session-needs-you": "#FFB224",
        "session-error": "#E5484D",
        "session-terminated": "#5E6673",
    },
)

DROVER_LIGHT = Theme(
    name="drover-light",
    primary="#2F5FC4",
    secondary="#6E4FB8",
    accent="#B85C00",
    warning="#A35C00",
    error="#C4262E",
    success="#1E7F3E",
    foreground="#1F2430",
    background="#F6F7F9",
    surface="#FFFFFF",
    panel="#E4E8EE",
    dark=False,
    variables={
        "session-running": "#1E7F3E",
        "session-idle": "#5A6478",
        "session-needs-you": "#A35C00",
        "session-error": "#C4262E",
        "session-terminated": "#8C8C8C",
    },
)

DROVER_SOLARIZED = Theme(
    name="drover-solarized",
    primary="#268BD2",
    secondary="#6C71C4",
    accent="#CB4B16",
    warning="#B58900",
    error="#DC322F",
    success="#859900",
    foreground="#93A1A1",
    background="#002B36",
    surface="#073642",
    panel="#0B4552",
    dark=True,
    variables={
        "session-running": "#859900",
        "session-idle": "#839496",
        "session-needs-you": "#B58900",
        "session-error": "#DC322F",
        "session-terminated": "#586E75",
    },
)

DROVER_HIGH_CONTRAST = Theme(
    name="drover-high-contrast",
    primary="#00A2FF",
    secondary="#FF00FF",
    accent="#FFFF00",
    warning="#FFFF00",
    error="#FF3333",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    dark=True,
    luminosity_spread=0.25,
    text_alpha=1.0,
    variables={
        "session-running": "#00FF00",
        "session-idle": "#FFFFFF",
        "session-needs-you": "#FFFF00",
        "session-error": "#FF3333",
        "session-terminated": "#A0A0A0",
    },
)

THEMES: tuple[Theme, ...] = (DROVER_DARK, DROVER_LIGHT, DROVER_SOLARIZED, DROVER_HIGH_CONTRAST)
"""Every built-in drover theme, the default first."""

DEFAULT_THEME = DROVER_DARK.name
