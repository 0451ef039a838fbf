"""`drover tui` without a key: a clear instruction and a non-zero exit, no traceback."""

from __future__ import annotations

import argparse

from drover.tui import cli


def test_tui_without_a_key_says_what_to_do(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["tui"])
    assert args.run(args) == 2
    err = capsys.readouterr().err
    assert "drover login" in err and "drover demo" in err and "Traceback" not in err
