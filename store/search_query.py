"""The search language: free text plus facet tokens, parsed into an FTS5 expression and filters.

What a user may type (the TUI's search box and `drover search` take the same text)::

    deploy "connection refused" kube* -flaky agent:pr-reviewer type:tool_use after:2026-05-01

* words are all required; `"quoted phrases"` match as phrases; `word*` matches a prefix (at
  least two letters before the `*`, since a one-letter prefix walks most of the index);
  `-word` (or `-"phrase"`) excludes events containing it.
* facets narrow the hits: `agent:NAME|ID`, `session:ID`, `status:idle` (the session's current
  status), `type:agent.tool_use` (or a short form, see `resolve_types`), `tool:bash` (tool uses
  of that tool and the results, confirmations and answers that refer to them), `outcome:met`
  (`not_met`, `evaluating`, `any`: the session's current outcome), `after:DATE` and
  `before:DATE` (`since:`/`until:` also work; `until:` includes its whole day). Several values
  of one facet match any of them (`tool:bash tool:edit`); different facets must all match.
* a value with spaces is quoted (`agent:"pr reviewer"`); text with a colon that is not a
  filter is quoted too (`"colour:red"`). URLs (`https://…`) are left as text.

Every bad query raises `SearchSyntaxError` with a message meant for the user, never a traceback.
Nothing here touches SQLite; the facets themselves are `drover.store.search_filters`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from drover.store.search_filters import (
    FACETS,
    SearchFilters,
    SearchSyntaxError,
    day_after,
    parse_bound,
)

__all__ = ["ParsedQuery", "SearchFilters", "SearchSyntaxError", "Term", "parse_query"]

_ALIASES = {"since": "after"}
_KEYS = frozenset((*FACETS, "until"))  # `until:DAY` is `before:` the next day
_KEY = re.compile(r"([A-Za-z_]+):(?=[^\s])")
_SEGMENTS = re.compile(r"[^\W_]+")  # the runs the unicode61 tokenizer keeps (`_` splits)
MIN_PREFIX = 2


@dataclass(frozen=True)
class Term:
    """One text term, as any full-text index can take it: the words of a phrase, in order.

    Attributes:
        segments: the runs of letters and digits the index keeps (one for a plain word).
        prefix: the last segment is a prefix (`deplo*`).
        negated: the term excludes (`-flaky`).
    """

    segments: tuple[str, ...]
    prefix: bool = False
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed search.

    Attributes:
        match: the FTS5 expression (None: no text, so the facets alone select events).
        filters: the facets typed in the query.
        words: the text terms as typed (for display).
        terms: the same text terms, for indexes other than FTS5 (`drover.store.pg.search`).
    """

    match: str | None
    filters: SearchFilters = field(default_factory=SearchFilters)
    words: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()


def parse_query(text: str) -> ParsedQuery:
    """Parse what the user typed into an FTS5 expression and facets.

    Every text term is emitted as a quoted FTS5 string (quotes doubled), so `AND`, `(`, `:` or
    `NEAR` in the text are matched as words, never parsed as FTS5 syntax.

    Raises:
        SearchSyntaxError: unbalanced quotes, a too-short prefix, an unknown filter key, a bad
            value, or only excluded words.
    """
    positives: list[str] = []
    negatives: list[str] = []
    words: list[str] = []
    terms: list[Term] = []
    facets: dict[str, list[str]] = {}
    for negated, key, value, prefix, shown in _tokens(text):
        if key is not None:
            if negated:
                raise SearchSyntaxError(f"filters can't be excluded: drop the - in {shown}")
            facets.setdefault(key, []).append(value)
            continue
        term = _fts_term(value, prefix, shown)
        if term is None:
            continue
        words.append(shown)
        terms.append(Term(tuple(_SEGMENTS.findall(value)), prefix, negated))
        (negatives if negated else positives).append(term)
    if negatives and not positives:
        raise SearchSyntaxError("-word only excludes: add a word to search for as well")
    match = " ".join(positives) or None
    if match and negatives:
        match = f"({match}) " + " ".join(f"NOT {term}" for term in negatives)
    return ParsedQuery(match, _facet_filters(facets), tuple(words), tuple(terms))


def _tokens(text: str) -> Iterable[tuple[bool, str | None, str, bool, str]]:
    """Yield `(negated, facet key or None, value, prefix, as typed)` per token."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        i += negated
        key = None
        found = _KEY.match(text, i)
        if found and not text.startswith("//", found.end()):  # `https://…` stays text
            key = found[1].lower()
            key = _ALIASES.get(key, key)
            if key not in _KEYS:
                raise SearchSyntaxError(
                    f"unknown filter {found[1]}; use {', '.join(FACETS)} "
                    f'(to search for the text, quote it: "{found[0]}…")'
                )
            i = found.end()
        quoted = i < n and text[i] == '"'
        if quoted:
            close = text.find('"', i + 1)
            if close < 0:
                raise SearchSyntaxError(
                    f'unbalanced quote in {text[start:].strip()}: close the phrase with "'
                )
            value, i = text[i + 1 : close], close + 1
        else:
            end = i
            while end < n and not text[end].isspace() and text[end] != '"':
                end += 1
            value, i = text[i:end], end
        prefix = quoted and i < n and text[i] == "*"
        i += prefix
        if not quoted and value.endswith("*"):
            prefix, value = True, value.rstrip("*")
        shown = text[start:i]
        if key is not None and not value.strip():
            raise SearchSyntaxError(f"{key}: needs a value, e.g. {key}:{_example(key)}")
        yield negated, key, value, prefix, shown


def _fts_term(value: str, prefix: bool, shown: str) -> str | None:
    """One FTS5 string for a word or phrase (None when it has nothing the index keeps)."""
    segments = _SEGMENTS.findall(value)
    if not segments:
        if prefix:
            raise SearchSyntaxError(
                f"{shown} has no letters before the *; give at least {MIN_PREFIX} (e.g. deplo*)"
            )
        return None  # punctuation only: the tokenizer would drop it anyway
    if prefix and len(segments[-1]) < MIN_PREFIX:
        raise SearchSyntaxError(
            f"prefix {shown} is too short; give at least {MIN_PREFIX} letters before the *"
        )
    return '"' + value.replace('"', '""') + '"' + ("*" if prefix else "")


def _facet_filters(facets: dict[str, list[str]]) -> SearchFilters:
    """Validate the facet tokens of one query (several date bounds intersect)."""
    afters = [parse_bound(v, "after") for v in facets.get("after", [])]
    befores = [parse_bound(v, "before") for v in facets.get("before", [])]
    befores += [day_after(parse_bound(v, "until")) for v in facets.get("until", [])]
    built = SearchFilters.build(
        agent=facets.get("agent"),
        session_id=facets.get("session"),
        status=facets.get("status"),
        types=facets.get("type"),
        tool=facets.get("tool"),
        outcome=facets.get("outcome"),
    )
    return built.merged(
        SearchFilters(after=max(afters, default=None), before=min(befores, default=None))
    )


def _example(key: str) -> str:
    return {
        "agent": "pr-reviewer",
        "session": "sesn_…",
        "status": "idle",
        "type": "tool_use",
        "tool": "bash",
        "outcome": "met",
        "until": "2026-05-31",
    }.get(key, "2026-05-01")
