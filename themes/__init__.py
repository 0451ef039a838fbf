"""drover's Textual themes, as data."""

from drover.themes.palettes import DEFAULT_THEME, THEMES
from drover.themes.semantic import SESSION_STATES, SESSION_VARIABLES, variable_defaults

__all__ = ["DEFAULT_THEME", "SESSION_STATES", "SESSION_VARIABLES", "THEMES", "variable_defaults"]
