"""Pure text helpers shared by the CLI, the TUI and exports: inert agent text, figures, labels.

Nothing here imports Textual or does I/O, so `drover ls` and `drover export` stay light.
"""
