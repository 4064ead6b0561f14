"""`tracker replay`: re-read the archived documents with the current extractor.

The changes it makes are recorded with cause 'extractor', so "the source changed" stays
distinguishable from "we got better at reading it".
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from flows.fanout import engine_for
from flows.ingest import commit_pending, commit_snapshot, current_mentions, extract_all
from tracker import published
from tracker.config import load_settings
from tracker.extract import EXTRACTOR_VERSION
from tracker.lock import run_lock
from tracker.models import Document, SnapshotResult
from warehouse import store


@task(cache_policy=NO_CACHE)
def archived_documents(db_path: Path) -> list[Document]:
    """The current version of every source, from the archive, with its title and date read again."""
    # The reader of titles and publication dates may have improved too
    return [published.with_masthead(doc) for doc in store.current_documents(db_path)]


@flow(name="replay")
def replay(db_path: Path = Path("warehouse/tracker.duckdb"), workers: int | None = None,
           dask_address: str | None = None) -> SnapshotResult:
    """Re-extract every current document with this extractor; changes are recorded with cause 'extractor'."""
    run_id = "replay-" + uuid.uuid4().hex[:12]
    if not Path(db_path).exists():  # replaying nothing must not create an empty warehouse
        raise store.WarehouseError(f"no warehouse at {db_path}: run `tracker run` first")
    settings = load_settings()
    wait_s = settings.writer_wait_s
    with run_lock(db_path, settings.lock_timeout_s, run_id):
        commit_pending(db_path, wait_s)
        store.begin_run(db_path, run_id, datetime.now(timezone.utc), os.getpid(), seeds_dir=None, sources_file=None,
                        wait_s=wait_s)
        documents = archived_documents(db_path)
        engine = engine_for(workers if workers is not None else settings.workers, dask_address or settings.dask_address,
                            sum(len(doc.text or "") for doc in documents), settings.parallel_min_bytes)
        current = current_mentions(db_path, quote(documents), wait_s)
        extracted = extract_all(documents, current, engine, settings)
        dropped = {f.source_id for f in extracted.over_budget}  # over budget: its current records stay as they are
        documents = [doc for doc in documents if doc.source_id not in dropped]
        snapshot = store.SnapshotInput(
            run_id=run_id, created_at=datetime.now(timezone.utc), extractor_version=EXTRACTOR_VERSION,
            cause="extractor", read_documents=documents,
            reextracted_source_ids=[doc.source_id for doc in documents], records=extracted.records,
            failures=extracted.over_budget + extracted.rejected, counts={"sources_unchanged": len(documents)},
            locations={})
        return commit_snapshot(db_path, quote(snapshot), wait_s)
