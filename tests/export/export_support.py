"""Helpers for the export tests (imported as ``export_support``): mirrors filled through the
store's real ingest path, planted secrets, and a row-by-row comparison of two mirrors.

The secrets are fakes in each provider's format, assembled at run time so that no
scanner mistakes this file for a leak.
"""

from __future__ import annotations

import dataclasses
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

from drover.export import write_export
from drover.store.mirror import Mirror

EXAMPLES = Path(__file__).resolve().parents[1] / "store" / "data" / "example-events.jsonl"


def _fake(*parts: str) -> str:
    return "".join(parts)


# kind -> (the text an agent or user would write, the secret part that must never survive)
SECRETS: dict[str, tuple[str, str]] = {}


def _secret(kind: str, text: str, needle: str) -> None:
    SECRETS[kind] = (text, needle)


_tok = _fake("sk-ant-", "api03-", "Zx9Qw" * 12)
_secret("anthropic-key", f"ANTHROPIC key {_tok}", _tok)
_tok = _fake("sk-", "proj-", "Q7rT" * 8)
_secret("api-key", f"openai {_tok}", _tok)
_tok = _fake("gh", "p_", "a1B2c3" * 6)
_secret("github-token", f"token {_tok}", _tok)
_tok = _fake("github", "_pat_", "11ABCD" * 6)
_secret("github-pat", f"pat {_tok}", _tok)
_tok = _fake("AK", "IA", "IOSFODNN7EXAMPQ")
_secret("aws-access-key-id", f"aws {_tok}A", _tok + "A")
_tok = _fake("xo", "xb-", "1234567890-", "abcdefghijKLMNOP")
_secret("slack-token", f"slack {_tok}", _tok)
_tok = _fake("AI", "za", "SyB", "x7Y" * 11)
_secret("google-api-key", f"google {_tok}", _tok)
_tok = _fake("eyJ", "hbGciOiJIUzI1NiJ9", ".eyJ", "zdWIiOiIxMjM0NTY3ODkwIn0", ".", "s1gN" * 8)
_secret("jwt", f"jwt {_tok}", _tok)
_secret("bearer", "curl -H 'Authorization: Bearer tok9bearer0value1234'", "tok9bearer0value1234")
_secret("basic", "Authorization: Basic ZGVwbG95OmNvcnJlY3Rob3JzZQ==", "ZGVwbG95OmNvcnJlY3Rob3JzZQ")
_tok = "MIIEpAIBAAKCAQEAplantedPrivateKeyBody0123456789"
_secret(
    "private-key",
    f"-----BEGIN RSA PRIVATE KEY-----\n{_tok}\nmoreKeyMaterial42\n-----END RSA PRIVATE KEY-----",
    _tok,
)
_secret("url-credentials", "git clone https://deploy:Hunter2Hunter2@git.example.com/r.git",
        "Hunter2Hunter2")  # fmt: skip
_secret("assignment", "export DB_PASSWORD=CorrectHorse9Battery", "CorrectHorse9Battery")
# Formats the first version missed (each found leaking in a test of the issue):
_tok = _fake("sk_", "live_", "51HqLyjW" * 4)
_secret("stripe-secret-key", f"stripe {_tok}", _tok)
_tok = _fake("rk_", "live_", "51HqRstr" * 4)
_secret("stripe-restricted-key", f"restricted {_tok}", _tok)
_tok = _fake("np", "m_", "a1B2c3D4e5" * 3, "F6g7H8")
_secret("npm-token", f"//registry.npmjs.org/:_authToken {_tok}", _tok)
_tok = _fake("Zx9Qw", "Encoded", "0123456789")
_secret("url-encoded-key", f"GET /v1/x?key=sk%2Dant%2Dapi03%2D{_tok} 200", _tok)
_tok = _fake("Wr4pp3d", "C0ntinu4t10n", "Tail")
_secret(
    "wrapped-key",
    f"echo $KEY\n{_fake('sk-ant-', 'api03-', 'Ab1Cd2Ef3' * 5)}\n{_tok}\ndone",
    _tok,
)
_tok = _fake("wJalrXUtnFEMI", "/K7MDENG/bPxRfiCY", "EXAMPLEKEY")
_secret(
    "aws-secret-key",
    f"[default]\naws_access_key_id = {_fake('AK', 'IA', 'Q3EGRRZBXO7EXAMP')}\n"
    f"aws_secret_access_key {_tok}",
    _tok,
)
_tok = _fake("je7MtGbClwBF", "/2Zp9Utk/h3yCo8nvb", "EXAMPLEKEY")
_secret("aws-secret-key-first", f"{_tok} {_fake('AS', 'IA', 'Q3EGRRZBXO7EXAMP')}", _tok)

KEY_SECRETS = {"api_key": "plainApiKeyValue123", "client_secret": "clientSecretValue456"}
"""Secrets that only their JSON key gives away (in tool input and output objects)."""
NEEDLES = [needle for _, needle in SECRETS.values()] + list(KEY_SECRETS.values())
SECRET_TITLE = f"deploy with {SECRETS['github-token'][1]}"


def _ts(second: int) -> str:
    return f"2026-05-12T10:{second // 60:02d}:{second % 60:02d}.000Z"


def _text(eid: str, etype: str, text: str, at: int) -> dict[str, Any]:
    return {"type": etype, "id": eid, "content": [{"type": "text", "text": text}],
            "processed_at": _ts(at)}  # fmt: skip


def planted_events() -> list[dict[str, Any]]:
    """A session with every secret in a user message, a tool input, a tool result and an
    agent message (plus key-only secrets in a tool's input and a JSON tool result)."""
    out: list[dict[str, Any]] = []
    at = 0
    for n, (kind, (text, _)) in enumerate(SECRETS.items()):
        at += 4
        use = f"sevt_use_{n}"
        out += [
            _text(f"sevt_user_{n}", "user.message", f"Use this ({kind}): {text}", at),
            {"type": "agent.tool_use", "id": use, "name": "bash", "processed_at": _ts(at + 1),
             "input": {"command": f"run --with '{text}'", "env": {"NOTE": text}},
             "evaluated_permission": "allow"},
            {"type": "agent.tool_result", "id": f"sevt_res_{n}", "tool_use_id": use,
             "content": [{"type": "text", "text": f"stdout:\n{text}\nok"}],
             "processed_at": _ts(at + 2)},
            _text(f"sevt_agent_{n}", "agent.message", f"Done with {text}.", at + 3),
        ]  # fmt: skip
    out += [
        {"type": "agent.mcp_tool_use", "id": "sevt_mcp", "name": "call", "mcp_server_name": "api",
         "input": {"url": "https://api.example.com", **KEY_SECRETS}, "processed_at": _ts(at + 5)},
        {"type": "agent.mcp_tool_result", "id": "sevt_mcp_res", "mcp_tool_use_id": "sevt_mcp",
         "content": [{"type": "text", "text": json.dumps({"config": KEY_SECRETS})}],
         "processed_at": _ts(at + 6)},
    ]  # fmt: skip
    return out


def session_object(sid: str, title: str) -> dict[str, Any]:
    """A server Session object (enough for the header and the derived state)."""
    return {
        "id": sid, "type": "session", "title": title, "status": "idle",
        "agent": {"id": "agent_1", "name": "Deployer", "model": {"id": "claude-sonnet-4-6"}},
        "environment_id": "env_1", "created_at": _ts(0), "updated_at": _ts(0),
        "usage": {"input_tokens": 10, "output_tokens": 5,
                  "list_cost": {"amount": "12", "currency": "USD"}},
    }  # fmt: skip


def fill_planted(mirror: Mirror, sid: str = "sesn_secrets") -> str:
    """Ingest the planted session (Session object included); returns its id."""
    mirror.writer.submit("upsert_sessions", [session_object(sid, SECRET_TITLE)]).result()
    mirror.writer.submit("ingest", sid, planted_events()).result()
    return sid


def example_scenarios() -> dict[str, list[tuple[str | None, dict[str, Any]]]]:
    """The protocol's example deliveries per scenario: (thread id or None, event)."""
    out: dict[str, list[tuple[str | None, dict[str, Any]]]] = {}
    for line in EXAMPLES.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            stream = record["stream"]
            thread = None if stream == "session" else stream.split(":", 1)[1]
            out.setdefault(record["scenario"], []).append((thread, record["event"]))
    return out


def fill_examples(mirror: Mirror) -> list[str]:
    """Ingest every example scenario as a live stream would (one delivery at a time)."""
    ids = []
    for name, deliveries in example_scenarios().items():
        sid = f"sesn_{name}"
        for thread, event in deliveries:
            mirror.writer.submit("ingest", sid, [event], thread_id=thread).result()
        ids.append(sid)
    return ids


def export_text(mirror: Mirror, sid: str, fmt: str, **options: Any) -> tuple[str, Any]:
    """The export as a string, and its summary."""
    out = io.StringIO()
    summary = write_export(mirror.reader, sid, fmt, out, **options)
    return out.getvalue(), summary


EVENT_COLUMNS = "id, session_id, thread_id, on_primary, type, processed_at, ref_id, raw"
# Local bookkeeping that legitimately differs between two mirrors (seqs, write times).
LOCAL_SESSION_FIELDS = {"high_water_seq", "origin", "attention_rev"}


def event_rows(path: Path, sid: str) -> list[tuple[Any, ...]]:
    """A session's event rows in mirror order, every column but the local seq."""
    with sqlite3.connect(path) as conn:
        query = f"SELECT {EVENT_COLUMNS} FROM events WHERE session_id = ? ORDER BY seq"
        return conn.execute(query, (sid,)).fetchall()


def session_fields(mirror: Any, sid: str) -> dict[str, Any]:
    """A session's row as the read API returns it, local bookkeeping left out."""
    row = dataclasses.asdict(mirror.reader.session(sid))
    return {k: v for k, v in row.items() if k not in LOCAL_SESSION_FIELDS}


def thread_rows(mirror: Any, sid: str) -> list[Any]:
    """A session's threads as the read API returns them."""
    return mirror.reader.threads(sid)
