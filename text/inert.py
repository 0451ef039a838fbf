"""Make agent- and server-produced text inert: it is data, never instructions to the terminal.

Control characters become visible Unicode "control pictures" (ESC → ␛, BEL → ␇), so an escape
sequence such as `\\x1b]0;pwned\\x07` (set window title) or `\\x1b[31m` (red) is shown, not obeyed,
and the supervisor can see that an agent emitted one. Invisible formatting characters that can
make text read differently from what it is — bidi overrides, embeddings and isolates (U+202A–
202E, U+2066–2069), directional marks, zero-width spaces and joiners, the word joiner and the
byte-order mark — are shown by name as `⟨U+202E⟩`, so an approval prompt's command cannot be
displayed visually reordered. Rich/Textual markup is never parsed: callers build
`rich.text.Text` / `textual.content.Content` from these strings directly, never through
`from_markup`. Newlines and tabs are kept (tabs as spaces).

Every string a server or an agent provides goes through here before it reaches a screen: event
text, titles, and the API's error messages alike.
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, the C1 range (8-bit CSI/OSC introducers), and the
# invisible characters that reorder or hide text: U+061C (Arabic letter mark), U+180E
# (Mongolian vowel separator), U+200B–200F (zero-width space, non-joiner, joiner, LRM, RLM),
# U+2028/2029 (line/paragraph separators), U+202A–202E (embeddings, overrides), U+2060–2064
# (word joiner, invisible operators), U+2066–2069 (isolates) and U+FEFF (zero-width no-break
# space).
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 block: ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return f"\\x{code:02x}"  # C1 has no control pictures; show the escape itself
    return f"⟨U+{code:04X}⟩"


def inert(text: str) -> str:
    """Neutralise control and invisible formatting characters in multi-line text.

    Args:
        text: text from an event (message, tool input or result, error message) or a server.

    Returns:
        The text with `\\r\\n` normalised to `\\n`, tabs expanded and every other control or
        invisible formatting character replaced by a visible stand-in.
    """
    text = text.replace("\r\n", "\n").expandtabs(4)
    return _CONTROLS.sub(_picture, text)


def inert_line(text: str) -> str:
    """Like `inert`, but on one line: runs of whitespace (newlines included) become one space."""
    return " ".join(inert(text).split())
