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

from flows.ingest import commit_snapshot, extract, number_mentions, read_mastheads, validate
from tracker.config import load_settings
from tracker.extract import EXTRACTOR_VERSION
from tracker.lock import run_lock
from warehouse import store


@flow(name="replay")
def replay(db_path: Path = Path("warehouse/tracker.duckdb")) -> tuple[int, list]:
    run_id = "replay-" + uuid.uuid4().hex[:12]
    with run_lock(db_path, load_settings().lock_timeout_s, run_id):
        store.begin_run(db_path, run_id, datetime.now(timezone.utc), os.getpid(), seeds_dir=None, sources_file=None)
        # Titles and publication dates are read again too: the reader of them may have improved
        documents = read_mastheads(store.current_documents(db_path))
        valid, rejected = validate(extract(documents), documents)
        numbered = number_mentions(db_path, valid, documents)
        snapshot = store.SnapshotInput(
            run_id=run_id, created_at=datetime.now(timezone.utc), extractor_version=EXTRACTOR_VERSION,
            cause="extractor", read_documents=documents,
            reextracted_source_ids=[doc.source_id for doc in documents], records=numbered,
            failures=rejected, counts={"sources_unchanged": len(documents)}, locations={})
        return commit_snapshot(db_path, snapshot)
