"""The session engine: one task per session plays its scenario into an append-only event log."""
