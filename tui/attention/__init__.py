"""Attention: which sessions newly need you, and telling you (bell, title, notifications).

`tracker` decides (pure), `emit` tells (terminal and desktop), `monitor` feeds the tracker from
the mirror's change notices. No Textual here: the App subscribes the monitor to its signals.
"""
