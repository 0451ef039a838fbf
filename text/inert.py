"""Make agent-produced text inert: it is data, never instructions to the terminal or to Rich.

Control characters become visible Unicode "control pictures" (ESC → ␛, BEL → ␇), so an escape
sequence such as `\\x1b]0;pwned\\x07` (set window title) or `\\x1b[31m` (red) is shown, not obeyed,
and the supervisor can see that an agent emitted one. Rich/Textual markup is never parsed:
callers build `rich.text.Text` / `textual.content.Content` from these strings directly, never
through `from_markup`. Newlines and tabs are kept (tabs as spaces).
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, and the C1 range (8-bit CSI/OSC introducers).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 block: ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}"  # C1 has no control pictures; show the escape itself


def inert(text: str) -> str:
    """Neutralise control characters in multi-line agent text.

    Args:
        text: text from an event (message, tool input or result, error message).

    Returns:
        The text with `\\r\\n` normalised to `\\n`, tabs expanded and every other control
        character replaced by a visible stand-in.
    """
    text = text.replace("\r\n", "\n").expandtabs(4)
    return _CONTROLS.sub(_picture, text)


def inert_line(text: str) -> str:
    """Like `inert`, but on one line: runs of whitespace (newlines included) become one space."""
    return " ".join(inert(text).split())
