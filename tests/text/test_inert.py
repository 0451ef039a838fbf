"""Inert text: escapes, bidi overrides and zero-width characters are shown, never obeyed."""

from __future__ import annotations

import pytest

from drover.text.inert import inert, inert_line

HIDDEN = {
    "\u202e": "⟨U+202E⟩",  # right-to-left override
    "\u202a": "⟨U+202A⟩",  # left-to-right embedding
    "\u2066": "⟨U+2066⟩",  # left-to-right isolate
    "\u2067": "⟨U+2067⟩",
    "\u2068": "⟨U+2068⟩",
    "\u2069": "⟨U+2069⟩",  # pop directional isolate
    "\u200b": "⟨U+200B⟩",  # zero-width space
    "\u200d": "⟨U+200D⟩",  # zero-width joiner
    "\u200f": "⟨U+200F⟩",  # right-to-left mark
    "\u2060": "⟨U+2060⟩",  # word joiner
    "\ufeff": "⟨U+FEFF⟩",  # zero-width no-break space
    "\u061c": "⟨U+061C⟩",  # Arabic letter mark
}


@pytest.mark.parametrize("char", sorted(HIDDEN))
def test_each_invisible_character_is_named(char):
    assert inert(f"a{char}b") == f"a{HIDDEN[char]}b"
    assert inert_line(f"a{char}b") == f"a{HIDDEN[char]}b"


def test_a_reordered_command_reads_as_it_is():
    # Shown raw, this reads `rm -rf ~/cache/txt.sh` but is `rm -rf ~/` + reversed text.
    command = "rm -rf ~/\u202ehs.txt/ehcac\u202c"
    assert inert_line(command) == "rm -rf ~/⟨U+202E⟩hs.txt/ehcac⟨U+202C⟩"


def test_terminal_escapes_become_pictures():
    text = "\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x9b31m"
    assert inert(text) == "␛]0;pwned␇␛]52;c;ZXZpbA==␇␛[2J\\x9b31m"


def test_ordinary_unicode_and_layout_are_kept():
    assert inert("naïve café 日本語 😀\n\tend") == "naïve café 日本語 😀\n    end"
    assert inert_line("one\ntwo\u2028three") == "one two⟨U+2028⟩three"
