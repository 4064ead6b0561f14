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
    try:
        max_bytes = int(env.get("TRACKER_MAX_DOCUMENT_BYTES", file_settings.get("max_document_bytes", DEFAULT_MAX_DOCUMENT_BYTES)))
        lock_timeout = float(env.get("TRACKER_LOCK_TIMEOUT_S", file_settings.get("lock_timeout_s", DEFAULT_LOCK_TIMEOUT_S)))
    except ValueError as exc:
        raise ConfigError(f"bad number in configuration: {exc}") from None
    return Settings(
        db_path=Path(env.get("TRACKER_DB", file_settings.get("db", DEFAULT_DB_PATH))),
        seeds_dir=Path(env.get("TRACKER_SEEDS", file_settings.get("seeds", DEFAULT_SEEDS_DIR))),
        alert_webhook=env.get("TRACKER_ALERT_WEBHOOK") or file_settings.get("alert_webhook") or None,
        max_document_bytes=max_bytes,
        schedule_cron=env.get("TRACKER_SCHEDULE_CRON", file_settings.get("schedule_cron", DEFAULT_SCHEDULE_CRON)),
        schedule_timezone=env.get("TRACKER_SCHEDULE_TIMEZONE", file_settings.get("schedule_timezone", DEFAULT_SCHEDULE_TIMEZONE)),
        lock_timeout_s=lock_timeout,
    )
