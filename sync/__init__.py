"""Keeps the local mirror in step with the API: session-list poller, one follower per watched
session, and the outbox that delivers the user's actions exactly once."""
