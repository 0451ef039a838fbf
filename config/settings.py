"""The typed config model and its TOML file.

Layout of ``config.toml``::

    default_profile = "default"
    theme = "drover-dark"
    desktop_notifications = true   # false: no OSC 9/777 or notify-send (bell + title stay)

    [profiles.default]
    base_url = "https://api.anthropic.com"   # optional
    workspace_id = "wrkspc_..."              # optional
    create_per_minute = 300
    create_burst = 30                        # optional: creates allowed back-to-back
    read_per_minute = 1200
    # store = "postgresql://hub.example/drover"   # optional: a team's shared mirror

    [budgets]                                # optional; see drover.config.budgets
    daily_usd = 20

    [keys]                                   # optional: binding id = "keys"
    "fleet.allow" = "a"

    [aliases]                                # optional: your own `:` commands
    w = "grid 4"

    [profiles.default.rules.pytest]          # optional; see drover.config.rules
    tool = "bash"
    input = "pytest( -q)?"

    [templates.pr-review]                    # optional: launch templates (`drover launch`)
    agent = "agent_…"
    environment = "env_…"
    message = "Review {item}"

Launch templates are described in :mod:`drover.config.templates`.

Theme files of your own live beside it, in ``themes/*.toml`` (see
:mod:`drover.config.user_themes`).

A missing file gives the defaults; a malformed one raises :class:`ConfigError` naming the
file and, when it can be found, the line. API keys never go here (see
:mod:`drover.config.credentials`); a ``api_key`` entry is rejected as an unknown key.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from drover.config.budgets import Budgets
from drover.config.errors import ConfigError
from drover.config.paths import config_file, mirror_path, validate_profile_name
from drover.config.rules import Rule
from drover.config.schema import Record, SchemaError, limits
from drover.config.templates import TEMPLATE_NAME, LaunchTemplate

__all__ = [
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "Config",
    "ConfigError",
    "Profile",
    "ResolvedProfile",
    "check_store",
    "load_config",
    "load_theme",
    "save_config",
    "validate_text",
]

DEFAULT_BASE_URL = "https://api.anthropic.com"
BASE_URL_ENV = "ANTHROPIC_BASE_URL"


@dataclass(kw_only=True)
class HubSettings(Record):
    """`[profiles.NAME.hub]`: how `drover hub` runs for a profile."""

    listen: str = "127.0.0.1:8790"
    """Where its webhook and health server listens (loopback unless you say otherwise)."""
    webhook_secret_env: str = "DROVER_WEBHOOK_SECRET"
    """The environment variable holding the webhook signing secret (never the config file)."""
    poll_seconds: float = field(default=120.0, metadata=limits(gt=0))
    """With webhooks arriving: the safety poll of the session list, in seconds."""
    name: str | None = None
    """The hub's name in its heartbeat (default: the profile's)."""


def _rule_names(value: dict[str, Rule]) -> dict[str, Rule]:
    for name in value:
        if not re.fullmatch(r"[\w.-]{1,64}", name):
            raise ValueError(f"rule {name!r}: a name of letters, digits, . _ - (1-64)")
    return value


def _http_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("base_url must start with http:// or https://")
    return value


def check_store(value: str) -> str:
    """A shared mirror's location as given, once it is a PostgreSQL URL without a password.

    Raises:
        ValueError: another kind of location, or a password in it (it would sit in a config
            file or in `ps`).
    """
    if not re.match(r"^postgres(ql)?://", value, re.IGNORECASE):
        raise ValueError("store must be a postgresql:// URL")
    parts = urlsplit(value)
    if parts.password is not None or "password=" in parts.query.lower():
        raise ValueError(
            "store must not contain a password: put it in PGPASSWORD or ~/.pgpass instead"
        )
    return value


@dataclass(kw_only=True)
class Profile(Record):
    """One account/endpoint drover can talk to."""

    base_url: str | None = field(default=None, metadata=limits(then=_http_url))
    """API root; None means the default (or ``ANTHROPIC_BASE_URL``)."""
    workspace_id: str | None = None
    """Sent as ``anthropic-workspace-id`` when set."""
    create_per_minute: float = field(default=300, metadata=limits(gt=0))
    """Org create-request limit drover budgets under (documented: 300/min)."""
    create_burst: int | None = field(default=None, metadata=limits(ge=1))
    """Creates allowed back-to-back before the rest are paced (default: a tenth of a minute's
    worth); the sliding minute caps them at `create_per_minute` either way."""
    read_per_minute: float = field(default=1200, metadata=limits(gt=0))
    """Org read-request limit, streams included (documented: 1,200/min)."""
    budgets: Budgets | None = None
    """Spend caps for this profile's mirror (None: the config's top-level `budgets`)."""
    store: str | None = field(default=None, metadata=limits(then=check_store))
    """Where this profile's mirror lives when a team shares it: a PostgreSQL URL
    (``postgresql://hub.example/drover``); None: a file under the data dir. Never with a
    password in it: libpq reads one from ``PGPASSWORD`` or ``~/.pgpass``."""
    display_name: str | None = field(default=None, metadata=limits(max_length=80))
    """The name your actions are recorded under on a shared mirror, beside your database role
    (``Ana``: the audit line and "already allowed by Ana (ana_viewer)" say it)."""
    hub: HubSettings | None = None
    """What `drover hub` does for this profile (webhooks, its address)."""
    rules: dict[str, Rule] = field(default_factory=dict, metadata=limits(then=_rule_names))
    """Automatic answers to matching tool calls, by rule name (`drover.config.rules`); only
    this profile's sessions are ever answered by them."""


@dataclass(frozen=True, slots=True)
class ResolvedProfile:
    """A profile with every default and override applied: what a client is built from."""

    name: str
    base_url: str
    workspace_id: str | None
    create_per_minute: float
    read_per_minute: float
    create_burst: int | None = None


def _template_names(value: dict[str, LaunchTemplate]) -> dict[str, LaunchTemplate]:
    for name in value:
        if not TEMPLATE_NAME.fullmatch(name):
            raise ValueError(f"template {name!r}: letters, digits, '.', '_' and '-' only")
    return value


def _valid_keys(value: dict[str, str]) -> dict[str, str]:
    for binding, keys in value.items():
        if not keys.strip() or any(not key.strip() for key in keys.split(",")):
            raise ValueError(f"keys.{binding}: give one or more keys, comma separated")
    return value


def _valid_aliases(value: dict[str, str]) -> dict[str, str]:
    for name, line in value.items():
        if not re.fullmatch(r"[^\s:]+", name):
            raise ValueError(f"alias {name!r}: one word, without ':'")
        if not line.strip().lstrip(":"):
            raise ValueError(f"alias {name!r}: give the command line it runs")
    return value


def _profile_names(value: dict[str, Profile]) -> dict[str, Profile]:
    for name in value:
        validate_profile_name(name)
    return value


@dataclass(kw_only=True)
class Config(Record):
    """The whole config file: app settings plus named profiles."""

    default_profile: str = field(default="default", metadata=limits(then=validate_profile_name))
    """Profile used when none is named on the command line."""
    theme: str = "drover-dark"
    """Textual theme name."""
    desktop_notifications: bool = True
    """Desktop notifications (OSC 9/777, `notify-send`) on attention transitions; the bell and
    the "N need you" title counter stay on either way."""
    profiles: dict[str, Profile] = field(default_factory=dict, metadata=limits(then=_profile_names))
    """Profiles by name."""
    budgets: Budgets | None = None
    """Spend caps warned about in the cost ledger (a profile's own `budgets` replace them)."""
    keys: dict[str, str] = field(default_factory=dict, metadata=limits(then=_valid_keys))
    """Key remapping: a binding id (`?` shows them) → the keys that trigger it, comma
    separated, e.g. `"fleet.allow" = "a"` or `"fleet.interrupt" = "ctrl+i,I"`. Single keys
    approve, deny and interrupt: move them where you won't hit them by accident."""
    aliases: dict[str, str] = field(default_factory=dict, metadata=limits(then=_valid_aliases))
    """Your own `:` commands: a name → the command line it runs, e.g. `w = "grid 4"`,
    `ask = "inbox"`. An alias never replaces a built-in command."""
    templates: dict[str, LaunchTemplate] = field(
        default_factory=dict, metadata=limits(then=_template_names)
    )
    """Launch templates by name (`drover launch --template NAME`, the TUI's `L`)."""

    def profile(self, name: str | None = None) -> Profile:
        """The named profile (default: ``default_profile``).

        An undefined *default* profile yields the built-in defaults, so drover works with no
        config file at all; any other undefined name is an error.

        Raises:
            ConfigError: the profile is not defined.
        """
        name = name or self.default_profile
        if name in self.profiles:
            return self.profiles[name]
        if name == self.default_profile:
            return Profile()
        known = ", ".join(sorted(self.profiles)) or "none"
        raise ConfigError(f"no profile named {name!r} (defined: {known})")

    def budgets_for(self, name: str | None = None) -> Budgets:
        """The budgets in force for a profile: its own, else the top-level ones, else none."""
        profile = self.profiles.get(name or self.default_profile)
        if profile is not None and profile.budgets is not None:
            return profile.budgets
        return self.budgets or Budgets()

    def rules_for(self, name: str | None = None) -> dict[str, Rule]:
        """A profile's rules by name (none for a profile the file does not define)."""
        profile = self.profiles.get(name or self.default_profile)
        return dict(profile.rules) if profile is not None else {}

    def mirror_location(
        self, name: str, data_dir: Path | None = None, *, create: bool = False
    ) -> str | Path:
        """Where profile `name`'s mirror lives: its `store` (a shared PostgreSQL mirror), else
        its file under `data_dir` (also for a profile the config does not define)."""
        store = self.profiles[name].store if name in self.profiles else None
        return store or mirror_path(name, data_dir, create=create)

    def resolve(self, name: str | None = None, *, base_url: str | None = None) -> ResolvedProfile:
        """Apply defaults and an override to a profile.

        ``base_url`` precedence: the ``base_url`` argument (what overrides the start profile:
        a flag or ``ANTHROPIC_BASE_URL``, see ``drover.sync.account.Overrides``) → the
        profile's ``base_url`` → https://api.anthropic.com. The environment is not read here,
        so it can never leak into a profile other than the one drover starts on.
        """
        name = validate_profile_name(name or self.default_profile)
        prof = self.profile(name)
        return ResolvedProfile(
            name=name,
            base_url=(base_url or prof.base_url or DEFAULT_BASE_URL).rstrip("/"),
            workspace_id=prof.workspace_id,
            create_per_minute=prof.create_per_minute,
            read_per_minute=prof.read_per_minute,
            create_burst=prof.create_burst,
        )


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the config file (see :func:`drover.config.paths.config_file` for ``path``).

    Returns:
        The config; the defaults when the file does not exist.

    Raises:
        ConfigError: unreadable file, invalid TOML or invalid values, naming file and line.
    """
    file = config_file(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {file}: {exc}") from None
    return validate_text(file, text)


def validate_text(file: Path, text: str) -> Config:
    """Parse and validate a config file's text.

    Raises:
        ConfigError: invalid TOML or invalid values, naming `file` and the line.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_error(file, exc)) from None
    try:
        return Config.from_data(data)
    except SchemaError as exc:
        raise ConfigError(_validation_error(file, text, exc)) from None


def save_config(config: Config, path: str | os.PathLike[str] | None = None) -> Path:
    """Write the config atomically (temp file + rename). Returns the path written."""
    file = config_file(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    import tempfile

    import tomli_w  # only `save_config` writes: reading the config (every start) needs neither

    payload = tomli_w.dumps(config.to_data(exclude_none=True))
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=file.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return file


def load_theme(path: str | os.PathLike[str] | None = None) -> str | None:
    """The saved theme name, or None when the config has none or cannot be read."""
    try:
        return load_config(path).theme
    except ConfigError:
        return None


def _toml_error(file: Path, exc: tomllib.TOMLDecodeError) -> str:
    # Python 3.11's TOMLDecodeError has no lineno attribute; the position is in the text.
    message = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if found:
        reason = message[: found.start()].strip()
        return f"invalid config file {file}, line {found[1]}, column {found[2]}: {reason}"
    return f"invalid config file {file}: {message}"


def _validation_error(file: Path, text: str, exc: SchemaError) -> str:
    line = _find_line(text, [str(part) for part in exc.first.path])
    at = f", line {line}" if line else ""
    return f"invalid config file {file}{at}: {exc}"


def _find_line(text: str, loc: list[str]) -> int | None:
    """Best-effort line of the offending key: the last key of ``loc`` assigned in the file."""
    if not loc:
        return None
    key = re.escape(loc[-1])
    pattern = re.compile(rf"^\s*(\[.*\b{key}\]|\"?{key}\"?\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None
