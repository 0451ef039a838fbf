"""Profiles, paths and credentials: where drover keeps its config and mirror, and how it finds
an API key (flag/env, then the OS keyring) without ever writing one to disk."""
