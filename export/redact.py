"""Secret redaction for exports: known token formats in any text, and secret-looking JSON keys.

Exports leave the machine (they are made to be shared), so they are redacted unless the user
says otherwise. Two passes, both counted:

* **Text**: every string is scanned once for API keys and tokens in their known formats
  (Anthropic `sk-ant-…`, also URL-encoded or wrapped across a line, other `sk-…` keys, Stripe
  `sk_live_`/`rk_live_`/`whsec_`, npm `npm_`, GitHub `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_`/
  `github_pat_`, AWS access key ids and the bare secret keys next to them, Slack `xox?-`,
  Google `AIza…`, JWTs), `Authorization:`
  headers and bare `Bearer` tokens, PEM private key blocks, passwords in URLs
  (`https://user:pass@host`) and `key=value` / `"key": "value"` assignments whose key looks
  secret (`api_key`, `token`, `password`, `client_secret`…). Only the secret part is replaced,
  so `Authorization: Bearer [REDACTED:bearer-token]` still reads.
* **Structure**: in JSON values (tool inputs, tool results, raw events for JSONL), a string
  under a secret-looking key is replaced whole; every other string gets the text pass. Keys,
  structure and every other field are kept, so a redacted JSONL export still imports. Ids,
  types and timestamps are never touched (an import needs them intact).

Replacements read `[REDACTED:<kind>]`. Redaction is best effort over known formats: a
password in free prose ("the password is hunter2") is not recognised.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

__all__ = ["Redactor", "is_secret_key"]

_MARK = "[REDACTED:{}]"


@dataclass(frozen=True)
class _Rule:
    """One secret format: its kind, the literals it cannot match without, and its pattern.

    The pattern may capture `keep` (text before the secret, kept as is) and must capture
    `secret` (what is replaced). `hints` are checked first with plain substring tests (cheap
    C loops); the regex only runs on strings that contain one, which is what keeps redaction
    of a 100k-event export close to the cost of writing it. `lower`: the hints are compared
    with the lower-cased string. `gate`: a second, cheap pattern (searched in the lower-cased
    string) for a rule whose hints are common words.
    """

    kind: str
    hints: tuple[str, ...]
    pattern: re.Pattern[str]
    lower: bool = False
    gate: re.Pattern[str] | None = None


def _rule(
    kind: str, hints: tuple[str, ...], pattern: str, *, lower: bool = False, gate: str = ""
) -> _Rule:
    return _Rule(kind, hints, re.compile(pattern), lower, re.compile(gate) if gate else None)


_AWS_IDS = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA")
_AWS_ID = r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b"
_AWS_SECRET = (
    r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])"
    r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
)

# Applied in order, each to the previous one's output; a replaced secret starts with
# `[REDACTED`, which no later rule takes as a secret (so `api_key=sk-ant-…` counts once).
_RULES: tuple[_Rule, ...] = (
    _rule(
        "private-key", ("PRIVATE KEY",),
        r"(?P<secret>-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?"
        r"(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|\Z))",
    ),
    _rule(
        "authorization", ("authori",),
        r"(?i:(?P<keep>\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?\s*"
        r"(?:(?:bearer|basic|token|digest|negotiate)\s+)?))"
        # The scheme alone is never the secret (`Bearer [REDACTED:…]` redacted again).
        r"(?P<secret>(?!\[REDACTED)(?!(?i:bearer|basic|token|digest|negotiate)\s)"
        r"[^\s\"',;}\]]{6,})",
        lower=True,
    ),
    _rule(
        "bearer-token", ("bearer",),
        r"(?i:(?P<keep>\bbearer\s+))(?P<secret>(?!\[REDACTED)[A-Za-z0-9._~+/-]{12,}=*)",
        lower=True,
    ),
    _rule(
        "url-credentials", ("://",),
        r"(?P<keep>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@\"'<>]+:)"
        r"(?P<secret>(?!\[REDACTED)[^\s/@\"'<>]+)(?=@)",
    ),
    _rule(
        # Also URL-encoded (`sk%2Dant%2D…`, as in a logged request URL) and wrapped: a line that
        # ends in 40+ key characters and goes on with more of them on the next line (a
        # terminal or an editor wrapped it) is one key, continuation included.
        "anthropic-key", ("sk-ant-", "sk%2Dant%2D", "sk%2dant%2d"),
        r"(?P<secret>\bsk(?:-|%2[Dd])ant(?:-|%2[Dd])(?:[A-Za-z0-9_-]|%2[Dd]|%5[Ff]){8,}"
        r"(?:(?<=[A-Za-z0-9_-]{40})[ \t]*\\?\r?\n[ \t>#*/\"']*[A-Za-z0-9_-]+)*)",
    ),
    _rule(
        "api-key", ("sk-", "sk%2D", "sk%2d"),
        r"(?P<secret>\bsk(?:-|%2[Dd])(?:(?:proj|svcacct|live|test)(?:-|%2[Dd]))?"
        r"(?:[A-Za-z0-9_-]|%2[Dd]|%5[Ff]){20,})",
    ),
    _rule(
        "stripe-key", ("sk_live_", "rk_live_", "sk_test_", "rk_test_", "whsec_"),
        r"(?P<secret>\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{20,}))",
    ),
    _rule("npm-token", ("npm_",), r"(?P<secret>\bnpm_[A-Za-z0-9]{36}\b)"),
    _rule(
        "github-token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        r"(?P<secret>\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}))",
    ),
    # A bare AWS secret access key has no prefix of its own: 40 characters of base64 with
    # both cases (so a hex digest does not count), within 200 characters of an access key
    # id, before or after it (a credentials file, `aws configure` output, an env dump).
    _rule(
        "aws-secret-key", _AWS_IDS,
        rf"(?P<keep>{_AWS_ID}[\s\S]{{0,200}}?)(?P<secret>{_AWS_SECRET})",
    ),
    _rule(
        "aws-secret-key", _AWS_IDS,
        rf"(?P<secret>{_AWS_SECRET})(?=[\s\S]{{0,200}}?{_AWS_ID})",
    ),
    _rule(
        "aws-access-key-id", _AWS_IDS,
        r"(?P<secret>\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b)",
    ),
    _rule("slack-token", ("xox",), r"(?P<secret>\bxox[abposr]-[A-Za-z0-9-]{10,})"),
    _rule("google-api-key", ("AIza",), r"(?P<secret>\bAIza[0-9A-Za-z_-]{30,})"),
    _rule(
        "jwt", ("eyJ",),
        r"(?P<secret>\beyJ[A-Za-z0-9_-]{6,}\.eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]+)",
    ),
    _rule(
        # `api_key=…`, `"password": "…"`, `export GITHUB_TOKEN=…`: the key must end in a
        # secret word (so `input_tokens: 5210` and `token_count=3` are left alone) and the
        # value must look like one (6+ characters, not only digits). Only the value goes.
        "secret", ("key", "secret", "passw", "token"),
        r"(?i:(?P<keep>(?:api[_-]?key|secret|passw(?:or)?d|token|private[_-]?key|access[_-]?key)"
        r"(?![A-Za-z0-9_])[\"']?\s*[:=]\s*[\"']?))"
        r"(?P<secret>(?!\[REDACTED)(?!\d+\b)[^\s\"'`,;&}\])]{6,})",
        lower=True,
        # "key" and "token" are common words: only strings with an assignment go further
        # (the full pattern is case-insensitive with look-arounds, ~10x slower to scan).
        gate=r"(?:key|secret|passw(?:or)?d|token)[\"']?\s*[:=]",
    ),
)  # fmt: skip

_SECRET_KEYS = frozenset(
    {
        "apikey", "xapikey", "token", "accesstoken", "refreshtoken", "idtoken", "authtoken",
        "sessiontoken", "bearertoken", "secret", "clientsecret", "secretkey", "password",
        "passwd", "pwd", "passphrase", "authorization", "proxyauthorization", "cookie",
        "setcookie", "privatekey", "accesskey", "secretaccesskey", "credential", "credentials",
    }
)  # fmt: skip
_SECRET_SUFFIXES = (
    "apikey", "token", "secret", "password", "passwd", "privatekey", "accesskey", "passphrase",
)  # fmt: skip
# Wire bookkeeping an import relies on: never rewritten, whatever its key or value.
_KEPT_KEYS = frozenset({"id", "type", "processed_at", "created_at", "updated_at"})


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """True when a JSON key names a credential (`api_key`, `X-Api-Key`, `client_secret`…).

    Keys are compared without case, `-`, `_` and spaces; plural counters such as
    `input_tokens` do not count.
    """
    norm = re.sub(r"[-_\s]", "", key).lower()
    return norm in _SECRET_KEYS or norm.endswith(_SECRET_SUFFIXES)


class Redactor:
    """Replaces secrets and counts what it replaced, by kind.

    Args:
        enabled: False makes every method return its input unchanged (`--no-redact`).
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.kinds: Counter[str] = Counter()
        """Replacements made so far, per kind (`github-token`, `secret`, …)."""

    @property
    def count(self) -> int:
        """Replacements made so far."""
        return sum(self.kinds.values())

    def text(self, value: str) -> str:
        """Redact the known secret formats in free text."""
        if not self.enabled or not value:
            return value
        lowered = value.lower()
        for rule in _RULES:
            source = lowered if rule.lower else value
            for hint in rule.hints:  # plain loops: this runs for every string exported
                if hint in source:
                    break
            else:
                continue
            if rule.gate is not None and rule.gate.search(lowered) is None:
                continue
            replaced = rule.pattern.sub(functools.partial(self._replace, rule.kind), value)
            if replaced != value:
                value, lowered = replaced, replaced.lower()
        return value

    def _replace(self, kind: str, match: re.Match[str]) -> str:
        self.kinds[kind] += 1
        return (match.groupdict().get("keep") or "") + _MARK.format(kind)

    def value(self, value: Any, *, key: str | None = None) -> Any:
        """Redact a JSON value recursively (a new value; the input is not modified).

        Args:
            value: any JSON value (dict, list, str, number, bool, None).
            key: the key it sits under in its parent object, if any.
        """
        if not self.enabled:
            return value
        if isinstance(value, str):
            if key is not None and (key in _KEPT_KEYS or key.endswith("_id")):
                return value
            if key is not None and value and is_secret_key(key):
                if value.startswith("[REDACTED:"):
                    return value
                self.kinds["secret"] += 1
                return _MARK.format("secret")
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v, key=k) for k, v in value.items()}
        if isinstance(value, list):
            if key is not None and key.endswith("_ids"):
                return value
            return [self.value(v, key=key) for v in value]
        return value

    def summary(self) -> str:
        """One line for people: how many replacements, of which kinds."""
        if not self.enabled:
            return "not redacted"
        if not self.kinds:
            return "redacted: no secrets found"
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.kinds.items()))
        plural = "" if self.count == 1 else "s"
        return f"redacted: {self.count} replacement{plural} ({kinds})"
