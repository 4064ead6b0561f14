"""`tracker serve`: the ingest flow served on a schedule until stopped."""

from __future__ import annotations

from pathlib import Path

from prefect.schedules import Cron

from flows.ingest import ingest

DEPLOYMENT_NAME = "scheduled-ingest"


def serve(seeds_dir: Path, sources_file: Path | None, db_path: Path, cron: str, timezone: str) -> None:
    """Serve until stopped; runs never overlap (limit 1). Stopping serve pauses the schedule."""
    ingest.serve(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(cron, timezone=timezone)],
        parameters={"seeds_dir": str(seeds_dir), "sources_file": str(sources_file) if sources_file else None,
                    "db_path": str(db_path)},
        limit=1,
        global_limit=1,
        description="Read the corpus folder and URL list, store what changed as a snapshot.",
    )
