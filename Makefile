.PHONY: demo test bench lint screenshots lock

# The README's first command: install and run drover on the embedded demo fleet.
demo:
	@scripts/bootstrap
	@.venv/bin/drover demo

# The README's second command (and CI's): install everything and run the test suite.
test:
	@scripts/test

# Benchmarks print figures as ratios against a baseline measured in the same run.
bench:
	@scripts/bootstrap
	@.venv/bin/python -m pytest benchmarks -m bench -s -p no:randomly

lint:
	@.venv/bin/ruff check . && .venv/bin/ruff format --check .
	@.venv/bin/lint-imports --no-logo && .venv/bin/python scripts/typecheck

screenshots:
	@.venv/bin/python scripts/screenshots.py

# Re-resolve requirements.lock from pyproject.toml's ranges (exact pins with hashes, for every
# platform), then reinstall. Run after changing a dependency; commit both files.
lock:
	@scripts/bootstrap
	@.venv/bin/python -m pip install --quiet uv
	@.venv/bin/uv pip compile pyproject.toml --extra test --extra web --universal \
		--python-version 3.11 --generate-hashes --quiet -o requirements.lock
	@scripts/bootstrap
