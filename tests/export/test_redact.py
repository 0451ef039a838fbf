"""The redactor alone: every known format in text, secret keys in JSON, what it leaves alone."""

from __future__ import annotations

import pytest
from export_support import KEY_SECRETS, SECRETS

from drover.export.redact import Redactor, is_secret_key


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_each_format_is_replaced_in_text(kind):
    text, needle = SECRETS[kind]
    redactor = Redactor()
    out = redactor.text(f"before {text} after")
    assert needle not in out
    assert "[REDACTED:" in out
    assert out.startswith("before ") and out.endswith(" after")
    assert redactor.count >= 1


def test_only_the_secret_part_is_replaced():
    redactor = Redactor()
    assert (
        redactor.text("curl -H 'Authorization: Bearer abcdef0123456789xyz' https://x")
        == "curl -H 'Authorization: Bearer [REDACTED:authorization]' https://x"
    )
    assert (
        redactor.text("https://alice:s3cretpass@example.com/repo")
        == "https://alice:[REDACTED:url-credentials]@example.com/repo"
    )
    assert redactor.text("GITHUB_TOKEN=abcdef123456 x") == "GITHUB_TOKEN=[REDACTED:secret] x"
    assert redactor.kinds == {"authorization": 1, "url-credentials": 1, "secret": 1}


def test_ordinary_text_is_left_alone():
    redactor = Redactor()
    texts = [
        "input_tokens: 5210, output_tokens=320, max_tokens: 4096, token_count=3",
        "https://github.com:443/acme/payments and ask-the-user and task-runner-01",
        "the token: abc; password: 12345678",
        "sesn_011CZkZZ and sevt_011CtIqNI4sQCh2MyosA6aGS",
        # A hex digest is not an AWS secret, even beside an access key id's look-alike word.
        "commit 3f786850e387550fdab836ed7e6dc881de23001b by AKIA-team",
        "sk_live is a Stripe prefix; npm_config_cache=/tmp; rk_test_",
        # A short key at a line's end does not swallow the next line's first word.
        "sk-ant-api03-x\nhello world",
    ]
    for text in texts:
        assert redactor.text(text) == text
    assert redactor.count == 0


def test_secret_keys_are_recognised_without_case_or_separators():
    for key in ("api_key", "X-Api-Key", "apiKey", "token", "access_token", "client_secret",
                "password", "Authorization", "aws_secret_access_key", "github_token"):  # fmt: skip
        assert is_secret_key(key), key
    for key in ("input_tokens", "tokens", "name", "command", "secretary_name_list", "key"):
        assert not is_secret_key(key), key


def test_json_values_keep_structure_ids_and_other_fields():
    event = {
        "type": "agent.tool_use",
        "id": "sevt_1",
        "processed_at": "2026-05-12T10:00:00Z",
        "session_thread_id": "sthr_1",
        "input": {"command": "echo hi", "headers": {"Authorization": "Bearer abc"},
                  "items": [{"password": "pw"}, 3, None, True], **KEY_SECRETS},
        "usage": {"input_tokens": 5},
    }  # fmt: skip
    redactor = Redactor()
    out = redactor.value(event)
    assert out["id"] == "sevt_1" and out["type"] == "agent.tool_use"
    assert out["processed_at"] == event["processed_at"] and out["session_thread_id"] == "sthr_1"
    assert out["input"]["command"] == "echo hi"
    assert out["input"]["headers"] == {"Authorization": "[REDACTED:secret]"}
    assert out["input"]["items"] == [{"password": "[REDACTED:secret]"}, 3, None, True]
    assert all(out["input"][k] == "[REDACTED:secret]" for k in KEY_SECRETS)
    assert out["usage"] == {"input_tokens": 5}
    assert event["input"]["api_key"] == KEY_SECRETS["api_key"]  # the input is not modified
    assert redactor.count == 2 + len(KEY_SECRETS)


def test_redacting_twice_finds_nothing_more():
    redactor = Redactor()
    once = redactor.value({"api_key": "abcdefgh1234", "text": SECRETS["bearer"][0]})
    first = redactor.count
    assert redactor.value(once) == once
    assert redactor.count == first


def test_disabled_redactor_changes_nothing():
    redactor = Redactor(enabled=False)
    text, _ = SECRETS["anthropic-key"]
    assert redactor.text(text) == text
    assert redactor.value({"api_key": "abcdefgh1234"}) == {"api_key": "abcdefgh1234"}
    assert redactor.count == 0
    assert redactor.summary() == "not redacted"


def test_summary_counts_by_kind():
    redactor = Redactor()
    redactor.text(f"{SECRETS['github-token'][0]} {SECRETS['github-pat'][0]} {SECRETS['jwt'][0]}")
    assert redactor.summary() == "redacted: 3 replacements (github-token 2, jwt 1)"
    assert Redactor().summary() == "redacted: no secrets found"


def test_a_wrapped_key_and_a_bare_aws_secret_go_whole():
    redactor = Redactor()
    key = "sk-ant-api03-" + "Ab1Cd2Ef3" * 5
    out = redactor.text(f"key:\n{key}\n  ContinuedKeyTail\nnext line")
    assert out == "key:\n[REDACTED:anthropic-key]\nnext line"
    assert redactor.text("sk-ant-api03-shortkey1\nhello") == "[REDACTED:anthropic-key]\nhello"
