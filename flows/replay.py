"""`tracker replay`: re-read the archived documents with the current extractor.

The changes it makes are recorded with cause 'extractor', so "the source changed" stays
distinguishable from "we got better at reading it".
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

from prefect import flow

from flows.ingest import commit_pending, commit_snapshot, extract, number_mentions, read_mastheads, validate
from tracker.config import load_settings
from tracker.extract import EXTRACTOR_VERSION
from tracker.lock import run_lock
from warehouse import store


@flow(name="replay")
def replay(db_path: Path = Path("warehouse/tracker.duckdb")) -> tuple[int, list]:
    run_id = "replay-" + uuid.uuid4().hex[:12]
    if not Path(db_path).exists():  # replaying nothing must not create an empty warehouse
        raise store.WarehouseError(f"no warehouse at {db_path}: run `tracker run` first")
    settings = load_settings()
    wait_s = settings.writer_wait_s
    with run_lock(db_path, settings.lock_timeout_s, run_id):
        commit_pending(db_path, wait_s)
        store.begin_run(db_path, run_id, datetime.now(timezone.utc), os.getpid(), seeds_dir=None, sources_file=None,
                        wait_s=wait_s)
        # Titles and publication dates are read again too: the reader of them may have improved
        documents = read_mastheads(store.current_documents(db_path))
        records, over_budget = extract(documents, settings.max_records_per_document,
                                       settings.max_extract_s_per_document)
        dropped = {f.source_id for f in over_budget}  # over budget: its current records stay as they are
        documents = [doc for doc in documents if doc.source_id not in dropped]
        valid, rejected = validate(records, documents)
        numbered = number_mentions(db_path, valid, documents, wait_s)
        snapshot = store.SnapshotInput(
            run_id=run_id, created_at=datetime.now(timezone.utc), extractor_version=EXTRACTOR_VERSION,
            cause="extractor", read_documents=documents,
            reextracted_source_ids=[doc.source_id for doc in documents], records=numbered,
            failures=over_budget + rejected, counts={"sources_unchanged": len(documents)}, locations={})
        return commit_snapshot(db_path, snapshot, wait_s)
