"""The TUI's view models: mirror rows and events turned into what the screens draw and do.

Pure or read-only helpers the screens and widgets call (event heads and bodies, pane lines,
action plans, cost tables, grid pulls, connection wording, replay targets). No Textual here,
so each is tested without an app; the widgets only lay out what these return.
"""
