"""Scenario files (TOML data) that script the sim's agents."""
