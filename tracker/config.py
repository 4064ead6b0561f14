"""Where things are and how the tracker is tuned: defaults, overridden by env vars and tracker.toml."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

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


def load_settings(config_path: Path | None = None) -> Settings:
    """Defaults < tracker.toml ($TRACKER_CONFIG) < environment variables."""
    path = config_path or Path(os.environ.get("TRACKER_CONFIG", DEFAULT_CONFIG_PATH))
    file_settings: dict = {}
    if path.exists():
        try:
            file_settings = tomllib.loads(path.read_text(encoding="utf-8")).get("tracker", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot parse {path}: {exc}") from None
    env = os.environ

    def setting(env_name: str, key: str, default):
        return env.get(env_name, file_settings.get(key, default))

    try:
        max_bytes = int(env.get("TRACKER_MAX_DOCUMENT_BYTES", file_settings.get("max_document_bytes", DEFAULT_MAX_DOCUMENT_BYTES)))
        lock_timeout = float(env.get("TRACKER_LOCK_TIMEOUT_S", file_settings.get("lock_timeout_s", DEFAULT_LOCK_TIMEOUT_S)))
        fetch_timeout = float(setting("TRACKER_FETCH_TIMEOUT_S", "fetch_timeout_s", DEFAULT_FETCH_TIMEOUT_S))
        fetch_retries = int(setting("TRACKER_FETCH_RETRIES", "fetch_retries", DEFAULT_FETCH_RETRIES))
        fetch_workers = int(setting("TRACKER_FETCH_WORKERS", "fetch_workers", DEFAULT_FETCH_WORKERS))
        interval = setting("TRACKER_SCHEDULE_INTERVAL_S", "schedule_interval_s", None)
        interval_s = float(interval) if interval not in (None, "") else None
        budgets = {
            "fetch_deadline_s": float(setting("TRACKER_FETCH_DEADLINE_S", "fetch_deadline_s", DEFAULT_FETCH_DEADLINE_S)),
            "fetch_budget_s": float(setting("TRACKER_FETCH_BUDGET_S", "fetch_budget_s", DEFAULT_FETCH_BUDGET_S)),
            "writer_wait_s": float(setting("TRACKER_WRITER_WAIT_S", "writer_wait_s", DEFAULT_WRITER_WAIT_S)),
            "max_records_per_document": int(setting("TRACKER_MAX_RECORDS_PER_DOCUMENT", "max_records_per_document",
                                                    DEFAULT_MAX_RECORDS_PER_DOCUMENT)),
            "max_extract_s_per_document": float(setting("TRACKER_MAX_EXTRACT_S_PER_DOCUMENT",
                                                        "max_extract_s_per_document",
                                                        DEFAULT_MAX_EXTRACT_S_PER_DOCUMENT)),
        }
    except ValueError as exc:
        raise ConfigError(f"bad number in configuration: {exc}") from None
    if fetch_timeout <= 0 or fetch_retries < 0 or fetch_workers < 1 or (interval_s is not None and interval_s <= 0):
        raise ConfigError("fetch_timeout_s and schedule_interval_s must be positive, fetch_retries at least 0, "
                          "fetch_workers at least 1")
    for name, value in budgets.items():
        if not 0 < value < float("inf"):
            raise ConfigError(f"{name} must be a positive, finite number, not {value:g}")
    return Settings(
        db_path=Path(env.get("TRACKER_DB", file_settings.get("db", DEFAULT_DB_PATH))),
        seeds_dir=Path(env.get("TRACKER_SEEDS", file_settings.get("seeds", DEFAULT_SEEDS_DIR))),
        alert_webhook=env.get("TRACKER_ALERT_WEBHOOK") or file_settings.get("alert_webhook") or None,
        max_document_bytes=max_bytes,
        schedule_cron=env.get("TRACKER_SCHEDULE_CRON", file_settings.get("schedule_cron", DEFAULT_SCHEDULE_CRON)),
        schedule_timezone=env.get("TRACKER_SCHEDULE_TIMEZONE", file_settings.get("schedule_timezone", DEFAULT_SCHEDULE_TIMEZONE)),
        lock_timeout_s=lock_timeout,
        fetch_timeout_s=fetch_timeout,
        fetch_retries=fetch_retries,
        fetch_workers=fetch_workers,
        schedule_interval_s=interval_s,
        **budgets,
    )
