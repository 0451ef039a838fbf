"""Fixtures for the in-process hub tests (a real sim, a real PostgreSQL mirror)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # makes inprocess_hub importable by tests
