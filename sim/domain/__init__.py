"""The domain facade the HTTP layer calls: agents, environments and sessions, validated
against the protocol, as plain Python."""
