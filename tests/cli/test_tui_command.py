"""`drover tui` (the bare `drover`): common options, and a clear instruction without a key."""

from __future__ import annotations

from drover.cli.main import main


def test_tui_without_a_key_or_a_mirror_says_what_to_do(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    # 1, as `drover ls` without a key: the same failure has the same exit code everywhere.
    assert main(["tui", "--data-dir", str(tmp_path / "data")]) == 1
    err = capsys.readouterr().err
    assert "drover login" in err and "drover demo" in err and "Traceback" not in err
    assert err.count("drover: ") == 1 and "  hint: to try drover without an account" in err


def test_tui_takes_the_options_every_command_takes(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    assert main(["tui", "--profile", "nope"]) == 1  # an unknown profile, said once, no traceback
    err = capsys.readouterr().err
    assert err.count("no profile named 'nope'") == 1 and "Traceback" not in err
    assert main(["tui", "--base-url", "ftp://x"]) == 2


def test_the_bare_command_takes_the_tui_options(monkeypatch, tmp_path, capsys) -> None:
    from drover.cli.main import build_parser, with_default_command

    parser = build_parser()
    argv = with_default_command(parser, ["--readonly", "--profile", "work", "--theme", "x"])
    args = parser.parse_args(argv)
    assert (args.command, args.readonly, args.profile, args.theme) == ("tui", True, "work", "x")
    assert with_default_command(parser, ["--help"]) == ["--help"]  # drover's own help
    assert with_default_command(parser, ["ls", "--json"]) == ["ls", "--json"]
    monkeypatch.setenv("DROVER_CONFIG", str(tmp_path / "config.toml"))
    assert main(["--profile", "nope"]) == 1  # the TUI's own error, not a usage error
    assert capsys.readouterr().err.count("no profile named 'nope'") == 1
