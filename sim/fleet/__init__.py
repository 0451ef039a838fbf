"""The demo fleet: agents, environments and sessions in varied states, and a keeper that keeps
some of them working."""
