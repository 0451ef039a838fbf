"""The smallest Textual app: one line of text. Its start time (exec to the text on a terminal)
is the floor no Textual app can go under on the machine; `test_bench_start.py` compares
drover's start with it."""

from textual.app import App, ComposeResult
from textual.widgets import Static


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("minimal app ready")


if __name__ == "__main__":
    Minimal().run()
