"""`tracker serve`: the ingest flow served on a schedule until stopped."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prefect.schedules import Cron, Interval, Schedule
from prefect.types.entrypoint import EntrypointType

from flows.ingest import ingest
from tracker.config import ConfigError

DEPLOYMENT_NAME = "scheduled-ingest"


def ingest_schedule(cron: str, timezone: str, interval_s: float | None = None) -> Schedule:
    """The cron schedule in its timezone (DST-aware), or a fixed interval when one is configured."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown schedule timezone {timezone!r}: use an IANA name such as Europe/Berlin") from None
    if interval_s is not None:
        return Interval(timedelta(seconds=interval_s), timezone=timezone)
    try:
        return Cron(cron, timezone=timezone)
    except ValueError:
        raise ConfigError(f"invalid cron schedule {cron!r}: five fields, e.g. '0 6 * * *' for 06:00 daily") from None


def serve(seeds_dir: Path, sources_file: Path | None, db_path: Path, schedule: Schedule,
          workers: int | None = None, dask_address: str | None = None) -> None:
    """Serve until stopped. Runs never overlap: one at a time in this process (limit) and across every
    process serving the deployment (global_limit). Stopping serve pauses the schedule; serving again resumes it.
    """
    ingest.serve(
        name=DEPLOYMENT_NAME,
        schedules=[schedule],
        # Absolute paths: a scheduled run must not depend on the directory serve was started from
        parameters={"seeds_dir": str(Path(seeds_dir).resolve()),
                    "sources_file": str(Path(sources_file).resolve()) if sources_file else None,
                    "db_path": str(Path(db_path).resolve()),
                    "workers": workers, "dask_address": dask_address},
        limit=1,
        global_limit=1,
        pause_on_shutdown=True,
        entrypoint_type=EntrypointType.MODULE_PATH,
        description="Read the corpus folder and URL list, store what changed as a snapshot.",
    )
