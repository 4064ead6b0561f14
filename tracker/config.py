"""Where things are and how the tracker is tuned: defaults, overridden by tracker.toml, overridden by
environment variables.

Which tracker.toml is read: the first of these that exists (none is fine: defaults and environment apply)
  1. the file named by $TRACKER_CONFIG. Naming a file pins the lookup to it: if it does not exist,
     no file is read and nothing further is searched (the tests name an absent file to mean "none");
  2. ./tracker.toml in the working directory;
  3. the user's config folder: $XDG_CONFIG_HOME/tracker/tracker.toml, by default
     ~/.config/tracker/tracker.toml.
Relative paths in the file (db, seeds) are read from the working directory, not the file's folder.

The file holds two tables: [tracker] (the keys of TRACKER_SETTINGS) and [alerts] (`watch`: indicator
keys or topic:X, subject:X, kind:X). Anything else, or a value of the wrong type, is an error naming
the key and the closest valid one: a misspelt `alert_webhook` must not silently turn alerts off.
`tracker config` shows every effective value and where it came from.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS_DIR = Path("seeds")
DEFAULT_DB_PATH = Path("warehouse/tracker.duckdb")
DEFAULT_CONFIG_PATH = Path("tracker.toml")
DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DEFAULT_SCHEDULE_CRON = "0 6 * * *"
DEFAULT_SCHEDULE_TIMEZONE = "UTC"
DEFAULT_LOCK_TIMEOUT_S = 30.0
DEFAULT_FETCH_TIMEOUT_S = 30.0
DEFAULT_FETCH_RETRIES = 2
DEFAULT_FETCH_WORKERS = 8
DEFAULT_FETCH_DEADLINE_S = 120.0  # one URL, wall-clock, retries included
DEFAULT_FETCH_BUDGET_S = 900.0  # all of a run's fetching; sources not started by then wait for the next run
DEFAULT_WRITER_WAIT_S = 120.0  # how long a commit waits for read-only connections to close
DEFAULT_MAX_RECORDS_PER_DOCUMENT = 5000
DEFAULT_MAX_EXTRACT_S_PER_DOCUMENT = 60.0
DEFAULT_ALERT_REMINDER_INTERVAL_S = 86400.0  # daily
DEFAULT_FETCH_HOST_RATE = 2.0  # requests a second to one host
DEFAULT_FETCH_HOST_CONCURRENCY = 2  # requests at once to one host
DEFAULT_ROBOTS_CACHE_S = 86400.0  # RFC 9309 §2.4: a robots.txt is kept at most a day
DEFAULT_FEED_MAX_ENTRIES = 100  # pages one feed or sitemap may fetch per run; the rest wait
DEFAULT_WORKERS = 0  # extraction worker processes; 0: one per core
DEFAULT_PARALLEL_MIN_BYTES = 8 * 1024 * 1024  # less text than this is extracted in the run's own process
DEFAULT_FEED_MAX_AGE_DAYS = 730.0  # feed entries dated longer ago are not fetched (the cap bounds a first run too)


class ConfigError(Exception):
    """Bad configuration: the CLI exits 2."""


@dataclass(frozen=True)
class Settings:
    db_path: Path
    seeds_dir: Path
    alert_webhook: str | None
    max_document_bytes: int
    schedule_cron: str
    schedule_timezone: str
    lock_timeout_s: float
    # Polite fetching: the wait for a server's next bytes, retries of 5xx/timeouts, parallel fetches
    fetch_timeout_s: float = DEFAULT_FETCH_TIMEOUT_S
    fetch_retries: int = DEFAULT_FETCH_RETRIES
    fetch_workers: int = DEFAULT_FETCH_WORKERS
    # A fixed interval instead of the cron schedule (short cadences, tests); None uses the cron
    schedule_interval_s: float | None = None
    # Budgets, so no one input holds a run hostage (over budget = a failure row for that source)
    fetch_deadline_s: float = DEFAULT_FETCH_DEADLINE_S
    fetch_budget_s: float = DEFAULT_FETCH_BUDGET_S
    writer_wait_s: float = DEFAULT_WRITER_WAIT_S
    max_records_per_document: int = DEFAULT_MAX_RECORDS_PER_DOCUMENT
    max_extract_s_per_document: float = DEFAULT_MAX_EXTRACT_S_PER_DOCUMENT
    # A problem that persists is reminded at most this often (its first alert and resolution are immediate)
    alert_reminder_interval_s: float = DEFAULT_ALERT_REMINDER_INTERVAL_S
    report_url: str | None = None  # where `tracker report` is published: alerts link to it
    # [alerts] watch: indicator keys, or topic:X, subject:X, kind:X, whose changes are alerted
    alert_watch: tuple[str, ...] = ()
    # Polite fetching per host, and how much of a feed's history one run takes (sources.toml overrides per source)
    fetch_host_rate: float = DEFAULT_FETCH_HOST_RATE
    fetch_host_concurrency: int = DEFAULT_FETCH_HOST_CONCURRENCY
    robots_cache_s: float = DEFAULT_ROBOTS_CACHE_S
    feed_max_entries: int = DEFAULT_FEED_MAX_ENTRIES
    feed_max_age_days: float = DEFAULT_FEED_MAX_AGE_DAYS
    # Where extraction runs: local worker processes (0: one per core), or a Dask scheduler's workers
    workers: int = DEFAULT_WORKERS
    dask_address: str | None = None
    parallel_min_bytes: int = DEFAULT_PARALLEL_MIN_BYTES


@dataclass(frozen=True)
class Setting:
    """One key of the [tracker] table: the Settings field it fills and the variable that overrides it."""
    key: str
    field: str
    env: str
    type: str  # path, text, secret (text never shown), int, number, optional_number ("" in the env unsets it)
    default: object
    limit: str | None = None  # a key of LIMITS


TRACKER_SETTINGS: tuple[Setting, ...] = (
    Setting("db", "db_path", "TRACKER_DB", "path", DEFAULT_DB_PATH),
    Setting("seeds", "seeds_dir", "TRACKER_SEEDS", "path", DEFAULT_SEEDS_DIR),
    Setting("alert_webhook", "alert_webhook", "TRACKER_ALERT_WEBHOOK", "secret", None),
    Setting("max_document_bytes", "max_document_bytes", "TRACKER_MAX_DOCUMENT_BYTES", "int",
            DEFAULT_MAX_DOCUMENT_BYTES),
    Setting("schedule_cron", "schedule_cron", "TRACKER_SCHEDULE_CRON", "text", DEFAULT_SCHEDULE_CRON),
    Setting("schedule_timezone", "schedule_timezone", "TRACKER_SCHEDULE_TIMEZONE", "text", DEFAULT_SCHEDULE_TIMEZONE),
    Setting("lock_timeout_s", "lock_timeout_s", "TRACKER_LOCK_TIMEOUT_S", "number", DEFAULT_LOCK_TIMEOUT_S),
    Setting("fetch_timeout_s", "fetch_timeout_s", "TRACKER_FETCH_TIMEOUT_S", "number", DEFAULT_FETCH_TIMEOUT_S,
            "positive"),
    Setting("fetch_retries", "fetch_retries", "TRACKER_FETCH_RETRIES", "int", DEFAULT_FETCH_RETRIES, "at least 0"),
    Setting("fetch_workers", "fetch_workers", "TRACKER_FETCH_WORKERS", "int", DEFAULT_FETCH_WORKERS, "at least 1"),
    Setting("schedule_interval_s", "schedule_interval_s", "TRACKER_SCHEDULE_INTERVAL_S", "optional_number", None,
            "positive"),
    Setting("fetch_deadline_s", "fetch_deadline_s", "TRACKER_FETCH_DEADLINE_S", "number", DEFAULT_FETCH_DEADLINE_S,
            "positive and finite"),
    Setting("fetch_budget_s", "fetch_budget_s", "TRACKER_FETCH_BUDGET_S", "number", DEFAULT_FETCH_BUDGET_S,
            "positive and finite"),
    Setting("writer_wait_s", "writer_wait_s", "TRACKER_WRITER_WAIT_S", "number", DEFAULT_WRITER_WAIT_S,
            "positive and finite"),
    Setting("max_records_per_document", "max_records_per_document", "TRACKER_MAX_RECORDS_PER_DOCUMENT", "int",
            DEFAULT_MAX_RECORDS_PER_DOCUMENT, "positive and finite"),
    Setting("max_extract_s_per_document", "max_extract_s_per_document", "TRACKER_MAX_EXTRACT_S_PER_DOCUMENT",
            "number", DEFAULT_MAX_EXTRACT_S_PER_DOCUMENT, "positive and finite"),
    Setting("report_url", "report_url", "TRACKER_REPORT_URL", "text", None),
    Setting("alert_reminder_interval_s", "alert_reminder_interval_s", "TRACKER_ALERT_REMINDER_INTERVAL_S", "number",
            DEFAULT_ALERT_REMINDER_INTERVAL_S, "positive and finite"),
    Setting("fetch_host_rate", "fetch_host_rate", "TRACKER_FETCH_HOST_RATE", "number", DEFAULT_FETCH_HOST_RATE,
            "positive"),
    Setting("fetch_host_concurrency", "fetch_host_concurrency", "TRACKER_FETCH_HOST_CONCURRENCY", "int",
            DEFAULT_FETCH_HOST_CONCURRENCY, "at least 1"),
    Setting("robots_cache_s", "robots_cache_s", "TRACKER_ROBOTS_CACHE_S", "number", DEFAULT_ROBOTS_CACHE_S,
            "between 0 and 86400 (a day)"),
    Setting("feed_max_entries", "feed_max_entries", "TRACKER_FEED_MAX_ENTRIES", "int", DEFAULT_FEED_MAX_ENTRIES,
            "at least 1"),
    Setting("feed_max_age_days", "feed_max_age_days", "TRACKER_FEED_MAX_AGE_DAYS", "number",
            DEFAULT_FEED_MAX_AGE_DAYS, "positive"),
    Setting("workers", "workers", "TRACKER_WORKERS", "int", DEFAULT_WORKERS, "at least 0"),
    Setting("dask_address", "dask_address", "TRACKER_DASK_ADDRESS", "text", None),
    Setting("parallel_min_bytes", "parallel_min_bytes", "TRACKER_PARALLEL_MIN_BYTES", "int",
            DEFAULT_PARALLEL_MIN_BYTES, "at least 0"),
)
LIMITS = {
    "positive": lambda value: value > 0,
    "positive and finite": lambda value: 0 < value < math.inf,
    "at least 0": lambda value: value >= 0,
    "at least 1": lambda value: value >= 1,
    "between 0 and 86400 (a day)": lambda value: 0 <= value <= 86400,
}
SECTIONS: dict[str, tuple[str, ...]] = {
    "tracker": tuple(setting.key for setting in TRACKER_SETTINGS),
    "alerts": ("watch",),
}
WATCH_PREFIXES = ("topic", "subject", "kind")
WATCH_KEY = "alerts.watch"  # how [alerts] watch is named in origins and `tracker config`
SUGGESTION_CUTOFF = 70  # rapidfuzz WRatio; below it the guess is noise ("banana" scores 60 against "db")


@dataclass(frozen=True)
class LoadedConfig:
    """The effective settings, where each came from, and which tracker.toml (if any) was read."""
    settings: Settings
    origins: dict[str, str]  # key -> "default", the file's path, or "$VARIABLE"
    file: Path | None
    looked_in: tuple[Path, ...]
    pinned: bool  # the lookup was pinned to one named file ($TRACKER_CONFIG or an argument)


def user_config_file() -> Path | None:
    """$XDG_CONFIG_HOME/tracker/tracker.toml, by default ~/.config/tracker/tracker.toml."""
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg and Path(xdg).is_absolute():  # the XDG spec: an empty or relative value is ignored
        return Path(xdg) / "tracker" / "tracker.toml"
    try:
        return Path.home() / ".config" / "tracker" / "tracker.toml"
    except RuntimeError:  # no home directory to speak of
        return None


def config_search_path(config_path: Path | None = None) -> tuple[list[Path], bool]:
    """Where tracker.toml is looked for, in order, and whether one named file pins the lookup."""
    named = config_path or os.environ.get("TRACKER_CONFIG")
    if named:
        return [Path(named)], True
    user_file = user_config_file()
    return [Path.cwd() / DEFAULT_CONFIG_PATH] + ([user_file] if user_file else []), False


def load_config(config_path: Path | None = None) -> LoadedConfig:
    """Defaults < tracker.toml (the first found, see the module docstring) < environment variables."""
    looked_in, pinned = config_search_path(config_path)
    file = next((path for path in looked_in if path.exists()), None)
    tables = _read_tables(file) if file else {}
    tracker_table, alerts_table = tables.get("tracker", {}), tables.get("alerts", {})
    values: dict = {}
    origins: dict[str, str] = {}
    for setting in TRACKER_SETTINGS:
        from_env = os.environ.get(setting.env)
        if from_env is not None and not (setting.type == "secret" and from_env == ""):  # "" leaves the file's webhook
            value, origin = _from_env(setting, from_env), f"${setting.env}"
        elif setting.key in tracker_table:
            value, origin = _from_file(setting, tracker_table[setting.key], f"{file} [tracker]"), str(file)
        else:
            value, origin = setting.default, "default"
        if setting.limit and value is not None and not LIMITS[setting.limit](value):
            raise ConfigError(f"{setting.key} must be {setting.limit}, not {value:g} (from {origin})")
        values[setting.field], origins[setting.key] = value, origin
    if "watch" in alerts_table:
        values["alert_watch"] = watch_list(alerts_table["watch"], f"{file} [alerts]")
        origins[WATCH_KEY] = str(file)
    else:
        origins[WATCH_KEY] = "default"
    return LoadedConfig(Settings(**values), origins, file, tuple(looked_in), pinned)


def load_settings(config_path: Path | None = None) -> Settings:
    """Defaults < tracker.toml (the first found, see the module docstring) < environment variables."""
    return load_config(config_path).settings


def effective_settings(loaded: LoadedConfig | None = None) -> list[tuple[str, object, str]]:
    """(key, effective value, origin) for every setting, secrets masked: what `tracker config` shows."""
    loaded = loaded or load_config()
    rows: list[tuple[str, object, str]] = []
    for setting in TRACKER_SETTINGS:
        value = getattr(loaded.settings, setting.field)
        if setting.type == "secret":
            value = masked_webhook(value)
        elif isinstance(value, Path):
            value = str(value)
        rows.append((setting.key, value, loaded.origins[setting.key]))
    rows.append((WATCH_KEY, list(loaded.settings.alert_watch), loaded.origins[WATCH_KEY]))
    return rows


def masked_webhook(url: str | None) -> str | None:
    """The webhook as safe to show: scheme and host only (the secret is in the path, query or user part),
    and the fingerprint the alerts outbox records deliveries under."""
    if not url:
        return None
    from tracker.alerts import webhook_fingerprint

    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.hostname}/… " if parts.scheme and parts.hostname else ""
    return f"{shown}(set, masked; {webhook_fingerprint(url)})"


def _read_tables(path: Path) -> dict[str, dict]:
    """The tables of tracker.toml, every section and key checked against SECTIONS."""
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot parse {path}: {exc}") from None
    except OSError as exc:  # a folder, or unreadable
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    for name, table in tables.items():
        if name not in SECTIONS:
            section = next((s for s, keys in SECTIONS.items() if name in keys), None)
            if not isinstance(table, dict) and section:
                raise ConfigError(f"setting '{name}' in {path} is outside any section; put it under [{section}]")
            if not isinstance(table, dict):
                raise ConfigError(f"unknown setting '{name}' in {path} outside any section; settings go under "
                                  f"[tracker] or [alerts]")
            raise ConfigError(f"unknown section [{name}] in {path}{did_you_mean(name, list(SECTIONS), '[{}]')}")
        if not isinstance(table, dict):
            raise ConfigError(f"'{name}' in {path} must be a section, [{name}], not {described(table)}")
        for key in table:
            if key not in SECTIONS[name]:
                raise ConfigError(f"unknown setting '{key}' in {path} [{name}]{did_you_mean(key, SECTIONS[name])}")
    return tables


def did_you_mean(word: str, known: list[str] | tuple[str, ...], shown: str = "'{}'") -> str:
    from rapidfuzz import fuzz, process

    match = process.extractOne(word, known, scorer=fuzz.WRatio, score_cutoff=SUGGESTION_CUTOFF)
    if match:
        return f"; did you mean {shown.format(match[0])}?"
    return "; valid: " + ", ".join(shown.format(k) for k in known)


def described(value) -> str:
    """A TOML value's type (and, for scalars, the value) for an error message."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"  # dates and times


def _from_file(setting: Setting, value, where: str):
    """A value from tracker.toml, checked against the setting's type: TOML is typed, so "30" for a number
    is a mistake, not something to convert."""
    if setting.type in ("path", "text", "secret"):
        if not isinstance(value, str):
            raise ConfigError(f"setting '{setting.key}' in {where} must be a string, not {described(value)}")
        return Path(value) if setting.type == "path" else (value or None) if setting.type == "secret" else value
    whole = setting.type == "int"
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        wanted = "a whole number" if whole else "a number"
        raise ConfigError(f"setting '{setting.key}' in {where} must be {wanted}, not {described(value)}")
    return value if whole else float(value)


def _from_env(setting: Setting, text: str):
    if setting.type == "path":
        return Path(text)
    if setting.type in ("text", "secret"):
        return text
    if setting.type == "optional_number" and text == "":
        return None
    whole = setting.type == "int"
    try:
        return int(text) if whole else float(text)
    except ValueError:
        wanted = "a whole number" if whole else "a number"
        raise ConfigError(f"${setting.env} must be {wanted}, not {text!r}") from None


def watch_list(value, where: str) -> tuple[str, ...]:
    """[alerts] watch: a list of indicator keys or topic:X, subject:X, kind:X."""
    usage = "a list of indicator keys or topic:X, subject:X, kind:X"
    if not isinstance(value, list):
        raise ConfigError(f"setting 'watch' in {where} must be {usage}, not {described(value)}")
    for number, entry in enumerate(value, 1):
        if not isinstance(entry, str) or not entry.strip():
            shown = "an empty string" if isinstance(entry, str) else described(entry)
            raise ConfigError(f"setting 'watch' in {where} must be {usage}; entry {number} is {shown}")
        prefix, colon, rest = entry.partition(":")
        if colon and (prefix not in WATCH_PREFIXES or not rest.strip()):  # "topc:ai" would never match anything
            hint = did_you_mean(prefix, WATCH_PREFIXES, "'{}:'") if prefix not in WATCH_PREFIXES else ""
            raise ConfigError(f"watch entry {entry!r} in {where} is not an indicator key or topic:X, subject:X, "
                              f"kind:X{hint}")
        if prefix == "kind" and colon:
            from tracker.models import KINDS

            if rest not in KINDS:
                raise ConfigError(f"watch entry {entry!r} in {where}: the kind is one of {', '.join(KINDS)}")
    return tuple(value)

