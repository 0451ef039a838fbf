"""The real emitter's byte sequences, its notify-send call and the app's terminal writer."""

from __future__ import annotations

from typing import Any

from tui_support import settle

from drover.tui.attention.emit import TerminalEmitter, clean, safe_env
from drover.tui.attention.monitor import AttentionMonitor, terminal_writer
from drover.tui.attention.tracker import Transition

HOSTILE = Transition(
    "sesn_1", "needs_you", "deploy\x1b]0;pwned\x07 now; ok", "approve bash: rm\x1b[31m -rf\n/"
)


def recorder(
    notify_send: str | None = "/usr/bin/notify-send", **kw: Any
) -> tuple[TerminalEmitter, list[str], list[list[str]]]:
    written: list[str] = []
    ran: list[list[str]] = []
    emitter = TerminalEmitter(
        written.append, runner=ran.append, which=lambda name: notify_send, **kw
    )
    return emitter, written, ran


def test_alert_writes_bell_osc9_and_osc777_with_clean_text() -> None:
    emitter, written, ran = recorder()
    emitter.alert(Transition("sesn_1", "needs_you", "fix CI", "approve bash: make test"))
    assert written == [
        "\x07",
        "\x1b]9;drover · fix CI: approve bash: make test\x07"
        "\x1b]777;notify;drover: fix CI — needs you;drover · fix CI: approve bash: make test\x07",
    ]
    assert ran == [
        ["/usr/bin/notify-send", "--app-name=drover", "--", "drover: fix CI — needs you",
         "drover · fix CI: approve bash: make test"],
    ]  # fmt: skip


def test_agent_text_cannot_break_out_of_the_sequences() -> None:
    emitter, written, ran = recorder()
    emitter.alert(HOSTILE)
    osc = written[1]
    # Only our own introducers and terminators: ESC ] at the two starts, BEL at the two ends.
    assert osc.count("\x1b") == 2 and osc.count("\x07") == 2
    assert "pwned" in osc and "\n" not in osc
    title_field = osc.split("\x1b]777;notify;")[1].split(";")[0]
    assert title_field == "drover: deploy ]0,pwned now, ok — needs you"
    assert all("\x1b" not in arg and "\x07" not in arg for arg in ran[0])
    assert clean("a\x9bb\x7fc") == "a b c"


def test_title_sequence_and_desktop_switch() -> None:
    emitter, written, ran = recorder(desktop=False)
    emitter.alert(HOSTILE)
    emitter.set_title("drover — 3 need you")
    assert written == ["\x07", "\x1b]2;drover — 3 need you\x07"] and ran == []


def test_notify_send_only_when_on_path_and_ring_uses_the_app_bell() -> None:
    rings: list[int] = []
    emitter, written, ran = recorder(notify_send=None, ring=lambda: rings.append(1))
    emitter.alert(HOSTILE)
    assert ran == [] and rings == [1] and len(written) == 1  # bell via ring(), not write


def test_notifier_environment_carries_no_credentials() -> None:
    env = {"PATH": "/bin", "DBUS_SESSION_BUS_ADDRESS": "unix:x", "ANTHROPIC_API_KEY": "sk",
           "GITHUB_TOKEN": "t", "MY_SECRET": "s", "XAUTHORITY": "/x", "DISPLAY": ":0"}  # fmt: skip
    assert safe_env(env) == {"PATH": "/bin", "DBUS_SESSION_BUS_ADDRESS": "unix:x", "DISPLAY": ":0"}


async def test_app_wiring_uses_the_driver_and_the_config_flag(
    make_app, tmp_path, monkeypatch
) -> None:
    (tmp_path / "config.toml").write_text("desktop_notifications = false\n")
    app = make_app()
    assert isinstance(app.attention, AttentionMonitor)
    assert app.attention.emitter.desktop is False
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        sent: list[str] = []
        app._driver.write = sent.append  # the headless driver: nothing must reach it
        terminal_writer(app)("\x1b]2;x\x07")
        assert sent == []
        with monkeypatch.context() as patch:
            patch.setattr(type(app), "is_headless", property(lambda self: False))
            terminal_writer(app)("\x1b]2;x\x07")
        assert sent == ["\x1b]2;x\x07"]
