"""What the generated benchmark mirror says: variables, tool calls and outputs, messages.

Pure data for `mirror_calls`/`mirror_turns` (the agent profiles are in `mirror_profiles`).
Strings are `str.format` templates filled with one session's variables (`{owner}`,
`{project}`, `{module}`, `{file}`, `{pr}`, `{author}`, `{env}`, `{n}`, fake secrets), so file
names, repositories and error messages repeat across sessions the way they do in a real
archive: common words are everywhere, a file name is in a few percent of events, `DROP TABLE`
in a fraction of a percent and `RARE_WORD` in a handful (the search benchmark prints each
query's hit count).
"""

from __future__ import annotations

RARE_WORD = "heisenbug"
"""Planted in about one agent message in 5,000: the rare-term search case."""

VARS: dict[str, tuple[str, ...]] = {
    "owner": ("acme", "northwind", "globex", "initech", "umbrella"),
    "project": ("payments-api", "ledger", "checkout-service", "billing", "invoicing",
                "storefront", "backoffice", "merchant-portal", "search-indexer", "notifier"),
    "module": ("webhooks", "notifications", "accounts", "catalog", "checkout", "discounts",
               "fulfilment", "inventory", "customers", "reports", "auth", "exports"),
    "file": ("dispatcher", "schedule", "repository", "services", "queries", "admin",
             "serializers", "views", "tasks", "models", "client", "config"),
    "pr": ("482", "1203", "77", "2291", "915", "1348", "604", "3310", "58", "1777"),
    "author": ("mchen", "priya-k", "dvolkov", "sam-okafor", "lhernandez", "aiko.t"),
    "env": ("staging", "production", "canary", "eu-west"),
    # Fake secrets in well-known formats: exports must redact them (and pay for finding them).
    "token": ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXBsb3kifQ.c2lnbmF0dXJlLWJlbmNo",),
    "api_key": ("sk-ant-api03-BENCHfake0000000000000000000000000000",),
    "github_token": ("ghp_BENCHfake000000000000000000000000000",),
}  # fmt: skip

# (command, output, is_error). Outputs carry the error messages searches look for.
BASH_COMMON = (
    ("cd /workspace/repo && pytest -q tests/{module}", "{n} passed in 3.41s", False),
    ("cd /workspace/repo && pytest -q tests/{module}/test_{file}.py",
     "..F.\nFAILED tests/{module}/test_{file}.py::test_retry_schedule - AssertionError: "
     "expected 200, got 503\n1 failed, {n} passed in 2.07s", True),
    ("cd /workspace/repo && git diff --stat origin/main...HEAD",
     " src/app/{module}/{file}.py | {n} ++++++----\n tests/{module}/test_{file}.py | 24 ++++\n"
     " 2 files changed", False),
    ("cd /workspace/repo && git log --oneline -5",
     "a41c9e2 Narrow exception in {file} retry loop\n7f03d1b Add tests for {module}\n"
     "c2e8a90 Bump httpx to 0.28.1", False),
    ("ruff check src/app/{module}", "All checks passed!", False),
    ("ruff check src/app/{module} && mypy src/app/{module}",
     "src/app/{module}/{file}.py:{n}: error: Argument 1 to \"deliver\" has incompatible type "
     "\"str | None\"; expected \"str\"  [arg-type]\nFound 1 error in 1 file", True),
    ("curl -sS https://{project}.internal.example.com/healthz",
     "curl: (56) Recv failure: Connection reset by peer", True),
    ("cd /workspace/repo && python -m app.{module}.{file} --dry-run",
     "Traceback (most recent call last):\n  File \"src/app/{module}/{file}.py\", line {n}\n"
     "ConnectionResetError: [Errno 104] Connection reset by peer", True),
    ("cd /workspace/repo && pip install -r requirements.txt",
     "Successfully installed httpx-0.28.1 pytest-8.3.2 requests-2.32.3", False),
    ("cd /workspace/repo && python -c 'import app.{module}'",
     "ModuleNotFoundError: No module named 'orjson'", True),
    ("cd /workspace/repo && env | grep -E 'TOKEN|KEY' | sort",
     "ANTHROPIC_API_KEY={api_key}\nGITHUB_TOKEN={github_token}\nPYTHONDONTWRITEBYTECODE=1", False),
    ("grep -rn TODO src/app/{module} | head",
     "src/app/{module}/{file}.py:{n}:    # TODO: handle the timeout from the upstream API", False),
)  # fmt: skip
BASH_DEPLOY = (
    ("curl -sS -H 'Authorization: Bearer {token}' https://deploy.{owner}.example.com/v1/{project}",
     "{{\"service\": \"{project}\", \"env\": \"{env}\", \"status\": \"healthy\"}}", False),
    ("./scripts/deploy.sh {env} {project}",
     "Deploying {project} to {env}...\nbuilding image {project}:{pr}\n"
     "deployment \"{project}\" successfully rolled out", False),
    ("kubectl -n {env} rollout status deploy/{project} --timeout=120s",
     "Waiting for deployment \"{project}\" rollout to finish: 2 of 3 updated replicas are "
     "available...\nerror: timed out waiting for the condition", True),
    ("kubectl -n {env} get pods -l app={project}",
     "NAME                        READY   STATUS             RESTARTS\n"
     "{project}-7d9f8b6c4-x2k9p   0/1     CrashLoopBackOff   {n}", False),
    ("helm rollback {project} -n {env}", "Rollback was a success! Happy Helming!", False),
)  # fmt: skip
BASH_RISKY = (
    ("psql \"$DATABASE_URL\" -c 'DROP TABLE IF EXISTS legacy_{module}_events;'",
     "DROP TABLE", False),
    ("psql \"$DATABASE_URL\" -c 'DELETE FROM {module}_jobs WHERE finished_at < now() - "
     "interval '90 days';'", "DELETE {n}", False),
    ("rm -rf /workspace/repo/.cache /workspace/repo/build", "", False),
    ("git push --force origin HEAD:main",
     "remote: error: GH006: Protected branch update failed for refs/heads/main.", True),
)  # fmt: skip

READ_PATHS = (
    "/workspace/repo/src/app/{module}/{file}.py",
    "/workspace/repo/tests/{module}/test_{file}.py",
    "/workspace/repo/README.md",
    "/workspace/repo/pyproject.toml",
    "/workspace/repo/docs/{module}/index.md",
    "/workspace/repo/migrations/versions/0{n}_{module}.sql",
)
READ_OUTPUTS = (
    "import logging\n\nfrom app.{module}.schedule import backoff\n\nlog = logging.getLogger"
    "(__name__)\n\n\ndef deliver(event, *, attempts=5):\n    for attempt in range(attempts):\n"
    "        try:\n            return _post(event)\n        except TimeoutError:\n"
    "            time.sleep(backoff(attempt))\n",
    "# {project}\n\nThe {module} service for {owner}. Run `make test` before opening a PR.\n",
    '[project]\nname = "{project}"\nrequires-python = ">=3.11"\ndependencies = '
    '["httpx>=0.27", "sqlalchemy>=2.0", "pydantic>=2.7"]\n',
    "-- migrate {module}\nALTER TABLE {module}_events ADD COLUMN retried_at timestamptz;\n"
    "CREATE INDEX {module}_events_retried ON {module}_events (retried_at);\n",
)
EDITS = (
    ("except Exception:", "except (TimeoutError, ConnectionResetError):"),
    ("    time.sleep(backoff(attempt))", "    await asyncio.sleep(backoff(attempt))"),
    ("session.query(Model).filter_by(id=pk).one()", "session.get(Model, pk)"),
    ("config = settings.dict()", "config = settings.model_dump()"),
)
WRITES = (
    ("/workspace/repo/tests/{module}/test_{file}_retry.py",
     "import pytest\n\nfrom app.{module}.{file} import deliver\n\n\ndef test_gives_up_after_"
     "five_attempts(fake_api):\n    fake_api.fail_with(503)\n    with pytest.raises"
     "(DeliveryFailed):\n        deliver(make_event())\n"),
    ("/workspace/repo/docs/{module}/getting-started.md",
     "# Getting started with {module}\n\nInstall the package, set `API_TOKEN`, then call "
     "`Client().get()`. Retries and timeouts are configured in settings.\n"),
    ("/workspace/repo/CHANGELOG.md",
     "## Unreleased\n- {module}: retry webhook deliveries with exponential backoff (#{pr}).\n"),
)  # fmt: skip
GREPS = (("def deliver\\(", "src"), ("timeout", "src/app/{module}"),
         ("legacy_", "migrations"), ("session\\.query\\(", "src/app"))  # fmt: skip
GREP_OUTPUT = "src/app/{module}/{file}.py:{n}:def deliver(event, *, attempts=5):"
GLOBS = ("src/app/{module}/**/*.py", "tests/**/test_*.py", "docs/**/*.md")
GLOB_OUTPUT = "src/app/{module}/{file}.py\nsrc/app/{module}/__init__.py\ntests/{module}/conftest.py"
FETCHES = (
    (
        "https://docs.sqlalchemy.org/en/20/changelog/migration_20.html",
        "SQLAlchemy 2.0 - Major Migration Guide. The Query object is legacy; use select().",
    ),
    (
        "https://www.python-httpx.org/advanced/timeouts/",
        "HTTPX enforces timeouts by default: 5 seconds of network inactivity.",
    ),
    (
        "https://status.example.com/{project}",
        "Degraded performance: elevated 503 errors in {env} since 09:12 UTC.",
    ),
)
SEARCHES = (
    (
        "ConnectionResetError errno 104 httpx retry",
        "Handling connection resets in httpx - Stack Overflow; Retries in HTTPX transports",
    ),
    ("kubernetes CrashLoopBackOff {project}", "Debugging CrashLoopBackOff: check the logs"),
    ("postgres DROP TABLE IF EXISTS lock timeout", "DROP TABLE takes an ACCESS EXCLUSIVE lock"),
)
# (server, tool, input keys → templates, output)
MCP_CALLS = (
    ("github", "get_pull_request", {"owner": "{owner}", "repo": "{project}", "pull_number": "{pr}"},
     "PR #{pr} by {author}: Retry webhook deliveries with exponential backoff. 4 files changed."),
    ("github", "create_pull_request_review",
     {"owner": "{owner}", "repo": "{project}", "pull_number": "{pr}", "event": "COMMENT",
      "body": "The retry loop in {file}.py sleeps on the request thread; move it to a task."},
     "Review submitted on {owner}/{project}#{pr}."),
    ("sentry", "get_issue", {"issue_id": "PAY-{n}"},
     "ConnectionResetError in app.{module}.{file}.deliver: 1,204 events in the last 24h."),
    ("linear", "create_issue", {"team": "PLAT", "title": "Flaky {module} tests after deploy"},
     "Created PLAT-{n}."),
)  # fmt: skip

COMMON_MESSAGES = (
    "I'll start by reading the {module} code and its tests.",
    "The failure is in `{file}.py`: the retry loop catches every exception, including the "
    "ones it should not retry.",
    "Tests pass locally now; running the linters before I summarise.",
    "That command timed out; retrying with a longer timeout.",
    "The connection reset by peer errors line up with the deploy at 09:12.",
    "Done. Summary: {n} files changed, all tests green, nothing left unexplained.",
    "I could not reproduce the failure on main; it only shows under the {env} settings.",
)
FOLLOWUPS = (
    "Thanks. Can you also check the {module} callers?",
    "{author} pushed fixes. Can you take another look?",
    "Please double-check the migration before we deploy to {env}.",
    "Why did the tests fail on CI but not here?",
    "Ok, go ahead and open the PR.",
)
