"""The ingestion flow: new and changed sources in, one snapshot out.

`ingest` is the recipe: every step is a task below, named for what it does, each wrapping plain
functions from `tracker/`, `schemas/` or `warehouse/`. Extraction runs in batches on the run's
engine (flows/fanout.py): this process, local worker processes, or a Dask cluster; the commit
stays one writer, one transaction.
"""

# No `from __future__ import annotations` here: `tracker serve` runs the flow in a spawned process
# that validates parameters against these annotations, and string annotations fail there
# ("IngestModel is not fully defined; you should define Path").
import os
import time
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.utilities.annotations import quote

from flows.fanout import Engine, WorkerPool, engine_for, run_batches
from tracker import alerts, batches, catalog, diff, events, feeds, fetch, report, sources, summary as run_summary
from tracker.config import load_settings
from tracker.extract import EXTRACTOR_VERSION, extract_documents, has_article_text
from tracker.lock import run_lock
from tracker.models import (Changes, Document, Failure, ReportData, RunSummary, SnapshotResult, Source, SourceCounts,
                            SourceState)
from tracker.pending import clear_pending, load_pending, save_pending
from tracker.polite import Politeness
from tracker.progress import run_logger
from warehouse import store

SUMMARY_ARTIFACT_KEY = "tracker-run-summary"
FAILURES_ARTIFACT_KEY = "tracker-run-failures"
REPORT_ARTIFACT_KEY = "tracker-report"

# Lists of sources, documents and records go to tasks quote()d: Prefect would otherwise walk every
# item of every argument looking for futures, about 1 s per task for 10,000 documents.


@task(cache_policy=NO_CACHE)
def commit_pending(db_path: Path, wait_s: float) -> None:
    """Commit what an earlier run extracted but could not commit (tracker.pending)."""
    snapshot = load_pending(db_path)
    if snapshot is not None:
        store.commit_snapshot(db_path, snapshot, wait_s)
        clear_pending(db_path)


@task(cache_policy=NO_CACHE)
def begin_run(db_path: Path, run_id: str, started_at: datetime, seeds_dir: Path | None, sources_file: Path | None,
              wait_s: float) -> list[str]:
    """Record the run as running; mark runs that died without finishing as crashed, and alert them."""
    crashed_runs = store.unfinished_runs(db_path, wait_s)
    store.begin_run(db_path, run_id, started_at, os.getpid(), str(seeds_dir) if seeds_dir else None,
                    str(sources_file) if sources_file else None, crashed_runs,
                    alerts.crashed_runs_alert(crashed_runs), wait_s)
    return crashed_runs


@task(cache_policy=NO_CACHE)
def list_sources(seeds_dir: Path | None, sources_file: Path | None) -> sources.Listing:
    """The corpus folder's files and the sources file's URLs, feeds and sitemaps."""
    return sources.list_run_sources(seeds_dir, sources_file)


@task(cache_policy=NO_CACHE)
def known_sources(db_path: Path, wait_s: float) -> dict[str, SourceState]:
    """What the warehouse knows of every source: content hash, fetch validators, retirement."""
    return store.known_sources(db_path, wait_s)


@task(cache_policy=NO_CACHE)
def plan_reading(listing: sources.Listing, known: dict[str, SourceState]) -> sources.ReadingPlan:
    """The listed sources by how they are read (files, pages, feeds), less the retired."""
    return sources.plan_reading(listing, known)


@task(cache_policy=NO_CACHE)
def read_local(local: list[Source], max_bytes: int, known: dict[str, SourceState]) -> tuple[list[Document], list[Failure]]:
    """Read the corpus files; an unchanged file is hashed, not converted."""
    return sources.read_file_sources(local, max_bytes, known, has_text=has_article_text)


@task(cache_policy=NO_CACHE)
def prepare_fetching(db_path: Path, listed: list[Source], settings, wait_s: float) -> Politeness:
    """The run's manners for every host: rate, concurrency, robots.txt files kept from earlier runs."""
    return fetch.politeness(settings, listed, store.known_robots(db_path, wait_s))


@task(cache_policy=NO_CACHE)
def read_feeds(listings: list[Source], known: dict[str, SourceState], db_path: Path, policy: fetch.FetchPolicy,
               polite: Politeness, limits_of, wait_s: float) -> feeds.ListingsRead:
    """Fetch the feeds and sitemaps, conditionally, and choose which of their pages to fetch."""
    return fetch.fetch_listings(listings, store.known_feeds(db_path, wait_s), known, limits_of, policy, polite)


@task(cache_policy=NO_CACHE)
def fetch_remote(remote: list[Source], known: dict[str, SourceState], policy: fetch.FetchPolicy,
                 polite: Politeness) -> list:
    """Fetch the page URLs on a thread pool; each URL fails alone, as a Failure value."""
    # One task for the batch: per-URL tasks cost ~50 ms each (bench/fetch_noop.py)
    return fetch.fetch_all(remote, known, policy, has_text=has_article_text, polite=polite)


@task(cache_policy=NO_CACHE)
def gather_documents(plan: sources.ReadingPlan, listing: sources.Listing, local: tuple, listings_read,
                     feed_pages: list[Source], fetched: list, known: dict[str, SourceState]) -> sources.DocumentsRead:
    """Sort what was read: new, changed and unchanged documents, failures, listed and missing sources."""
    return sources.gather_documents(plan, listing, local, listings_read, feed_pages, fetched, known)


@task(cache_policy=NO_CACHE)
def current_mentions(db_path: Path, documents: list[Document], wait_s: float) -> list[diff.CurrentMention]:
    """The current versions of the re-read sources, which their new mentions are numbered against."""
    return store.current_mentions(db_path, [doc.source_id for doc in documents], wait_s)


@task(cache_policy=NO_CACHE)
def extract_batch(batch: batches.WorkBatch, max_records: int, max_seconds: float) -> batches.ExtractedBatch:
    """Extract, validate and number one batch of documents, on whichever worker runs it."""
    from schemas.indicator import validate_records  # pandas + pandera: loaded only where records are checked

    records, over_budget = extract_documents(batch.documents, max_records, max_seconds)
    dropped = {f.source_id for f in over_budget}  # over budget: its earlier records stay current
    kept = [doc for doc in batch.documents if doc.source_id not in dropped]
    valid, rejected = validate_records(records, {doc.source_id: doc.text for doc in kept},
                                       catalog.validation_range, catalog.known_units())
    hashes = {doc.source_id: doc.content_hash for doc in kept}  # a record's problem is of its version
    rejected = [replace(f, content_hash=hashes.get(f.source_id)) for f in rejected]
    numbered = diff.number_mentions(valid, [m for m in batch.current if m.source_id in hashes])
    return batches.ExtractedBatch(batches.numbered_table(numbered, hashes), rejected, over_budget)


def extract_all(documents: list[Document], current: list[diff.CurrentMention], engine: Engine, settings,
                pool: WorkerPool | None = None) -> batches.ExtractedBatch:
    """extract_batch over the documents in batches on the engine; one ExtractedBatch of them all."""
    parts = 1 if not engine.parallel else max(engine.workers, 1) * batches.BATCHES_PER_WORKER
    done = run_batches(extract_batch, [
        {"batch": batch, "max_records": settings.max_records_per_document,
         "max_seconds": settings.max_extract_s_per_document}
        for batch in batches.work_batches(documents, current, parts)], engine, pool)
    return batches.ExtractedBatch(records=batches.concat_records([b.records for b in done]),
                                  rejected=[f for b in done for f in b.rejected],
                                  over_budget=[f for b in done for f in b.over_budget])


@task(cache_policy=NO_CACHE)
def commit_snapshot(db_path: Path, snapshot: store.SnapshotInput, wait_s: float) -> SnapshotResult:
    """Store the run in one transaction: documents, versions, failures, problems, alerts, feeds."""
    try:
        snapshot_id, changes = store.commit_snapshot(db_path, snapshot, wait_s)
        return SnapshotResult(snapshot_id, Changes(changes))
    except store.WarehouseLocked as exc:
        # Readers outlasted our patience: keep the work, so the next run commits it instead of redoing it
        kept = save_pending(db_path, snapshot)
        raise store.WarehouseLocked(f"{exc}; this run's work is kept in {kept} and the next run commits it") from None


@task(cache_policy=NO_CACHE)
def record_error(db_path: Path, run_id: str, error: str, webhook_url: str | None, wait_s: float) -> None:
    """Mark the run as ended in error and alert it; if even that fails, the next run finds it crashed."""
    store.fail_run(db_path, run_id, error, alerts.run_error_alert(run_id, error), wait_s)
    alerts.deliver_outbox(db_path, webhook_url, wait_s)


@task(cache_policy=NO_CACHE)
def deliver_alerts(db_path: Path, webhook_url: str | None, wait_s: float) -> None:
    """Send the outbox: this run's alert and whatever earlier runs queued or failed to deliver."""
    alerts.deliver_outbox(db_path, webhook_url, wait_s)


@task(cache_policy=NO_CACHE)
def summarize_run(run_id: str, result: SnapshotResult, counts: SourceCounts, read: sources.DocumentsRead,
                  listing: sources.Listing, plan: sources.ReadingPlan, failures: list[Failure],
                  crashed_runs: list[str], db_path: Path) -> RunSummary:
    """What the run did, with what became of its alerts."""
    summary = RunSummary(run_id=run_id, snapshot_id=result.snapshot_id, sources_new=counts.new,
                         sources_changed=counts.changed, sources_unchanged=counts.unchanged,
                         sources_failed=counts.failed, sources_missing=read.missing,
                         sources_skipped=listing.skipped, sources_retired=plan.retired, changes=result.changes,
                         failures=failures, crashed_runs=crashed_runs,
                         feeds=[run_summary.feed_counts(outcome) for outcome in read.feed_outcomes])
    return alerts.with_alert_outcome(summary, store.alerts_of_run(db_path, run_id))


@task(cache_policy=NO_CACHE)
def emit_run_events(summary: RunSummary, db_path: Path) -> int:
    """The run's outcome, its changes, the revisions across sources and the conflicts it brought, as Prefect events."""
    revisions = store.revisions_since(db_path, summary.snapshot_id - 1) if summary.snapshot_id else []
    started, conflicts = (store.conflicts_opened_in(db_path, summary.snapshot_id, events.MAX_CHANGE_EVENTS)
                          if summary.snapshot_id else (0, []))
    specs = events.run_events(summary, revisions, conflicts, started)
    for spec in specs:
        emit_event(**spec)
    return len(specs)


@task(cache_policy=NO_CACHE)
def load_report(db_path: Path) -> ReportData:
    """The report's headline tables (no timelines)."""
    return store.load_report(db_path, top_indicators=0)


@task(cache_policy=NO_CACHE)
def publish_artifacts(summary: RunSummary, db_path: Path) -> None:
    """The summary, the failures and (when something changed) the report's headline tables, as Prefect artifacts."""
    create_markdown_artifact(key=SUMMARY_ARTIFACT_KEY, markdown=run_summary.summary_markdown(summary),
                             description="What this tracker run changed and what failed")
    create_table_artifact(key=FAILURES_ARTIFACT_KEY, table=run_summary.failure_rows(summary),
                          description="Sources and records this tracker run rejected, with reason codes")
    # Refreshed only when the run changed something: its queries scan the whole history
    if summary.changes or summary.failures:
        create_markdown_artifact(key=REPORT_ARTIFACT_KEY, markdown=report.render_markdown(load_report(db_path)),
                                 description="Latest changes, current conflicts and recent validation failures")


@flow(name="ingest")
def ingest(seeds_dir: Path | None = Path("seeds"), sources_file: Path | None = None,
           db_path: Path = Path("warehouse/tracker.duckdb"), workers: int | None = None,
           dask_address: str | None = None) -> RunSummary:
    """One run: new and changed sources in, one snapshot out.

    `workers`: local worker processes for extraction (None: the configured number, 0 there: one per
    core); `dask_address`: a Dask scheduler whose workers extract instead.
    """
    settings = load_settings()
    wait_s = settings.writer_wait_s
    run_id, started_at = uuid.uuid4().hex[:12], datetime.now(timezone.utc)
    log = run_logger()
    log.info("tracker run %s started: corpus %s, sources %s, warehouse %s", run_id, seeds_dir, sources_file, db_path)
    # One writer at a time; a second run waits a bounded time, then fails naming the holder
    workers = workers if workers is not None else settings.workers
    dask_address = dask_address or settings.dask_address
    with run_lock(db_path, settings.lock_timeout_s, run_id), WorkerPool() as pool:
        commit_pending(db_path, wait_s)
        crashed_runs = begin_run(db_path, run_id, started_at, seeds_dir, sources_file, wait_s)
        try:
            # What to read: a source we cannot read or fetch becomes a failure row, not an exception
            listing = list_sources(seeds_dir, sources_file)
            known = known_sources(db_path, wait_s)
            plan = plan_reading(listing, known)
            log.debug("reading %d files, %d feeds and sitemaps, fetching %d URLs",
                      len(plan.local), len(plan.listings), len(plan.pages))
            # New files enough for local workers: they start now, while the files are read
            pool.start(engine_for(workers, dask_address, sources.new_file_bytes(plan.local, known),
                                  settings.parallel_min_bytes).workers)
            # Read: files, then feeds (for the pages they list), then pages; robots.txt obeyed
            local = read_local(quote(plan.local), settings.max_document_bytes, quote(known))
            policy = fetch.fetch_policy(settings)
            polite = prepare_fetching(db_path, quote(plan.listed), settings, wait_s)
            limits_of = partial(feeds.listing_limits, max_entries=settings.feed_max_entries,
                                max_age_days=settings.feed_max_age_days, today=started_at.date())
            listings_read = read_feeds(quote(plan.listings), quote(known), db_path, policy, quote(polite), limits_of,
                                       wait_s)
            feed_pages = sources.feed_pages_to_fetch(plan, listings_read, known)
            fetched = fetch_remote(quote(plan.pages + feed_pages), quote(known), policy, quote(polite))
            read = gather_documents(quote(plan), quote(listing), quote(local), quote(listings_read),
                                    quote(feed_pages), quote(fetched), quote(known))
            # Extract, validate and number what changed since the last snapshot, in batches on the engine
            reread = read.reread
            extracted = batches.ExtractedBatch(batches.RECORD_SCHEMA.empty_table())
            engine, extraction_s = None, None
            if reread:
                engine = engine_for(workers, dask_address, sum(len(doc.text or "") for doc in reread),
                                    settings.parallel_min_bytes)
                log.debug("extracting %d new or changed documents on %s", len(reread), engine.describe())
                current = current_mentions(db_path, quote(reread), wait_s)
                extraction_started = time.perf_counter()
                extracted = extract_all(reread, current, engine, settings, pool)
                extraction_s = time.perf_counter() - extraction_started
            # A document over its extraction budget keeps its earlier records: it is not re-read this run
            dropped = {f.source_id for f in extracted.over_budget}
            new = [d for d in read.new if d.source_id not in dropped]
            changed = [d for d in read.changed if d.source_id not in dropped]
            failures = read.failures + extracted.over_budget + extracted.rejected
            counts = SourceCounts(new=len(new), changed=len(changed), unchanged=read.unchanged_count,
                                  failed=len({f.source_id for f in read.failures + extracted.over_budget}),
                                  missing=len(read.missing))
            compose_alert, compose_watch_alert = alerts.composers(settings.report_url, settings.alert_watch,
                                                                  read.source_watch)
            snapshot = store.SnapshotInput(
                run_id=run_id, created_at=started_at, extractor_version=EXTRACTOR_VERSION, cause="source",
                # What was re-read, and unchanged pages whose new ETag the next conditional GET needs
                read_documents=new + changed + read.unchanged,
                reextracted_source_ids=[doc.source_id for doc in new + changed],
                records=extracted.records, failures=failures, counts=counts.as_run_columns(),
                locations={**{doc.source_id: doc.source_id for doc in new + changed if doc.listing is not None},
                           **{s.source_id: sources.escape_undecodable(s.location) for s in plan.listed}},
                compose_alert=compose_alert, compose_watch_alert=compose_watch_alert,
                listed_source_ids=tuple(sorted(read.listed_ids)) + tuple(
                    f.source_id for f in failures if f.check == "sources_file"),
                reminder_interval_s=settings.alert_reminder_interval_s,
                feed_outcomes=read.feed_outcomes, feed_entries=read.feed_entries, robots=polite.robots_read())
            log.debug("committing %d records of %d documents", snapshot.records.num_rows, len(new + changed))
            result = commit_snapshot(db_path, quote(snapshot), wait_s)
        except store.WarehouseLocked:
            raise  # its work is kept (tracker.pending); the next run commits it and finishes this run's row
        except BaseException as exc:
            _record_error(db_path, run_id, exc, settings)
            raise
        # The alert was queued by the commit; deliver it (and any earlier) as a step of its own
        deliver_alerts(db_path, settings.alert_webhook, wait_s)
    summary = summarize_run(run_id, result, counts, quote(read), quote(listing), quote(plan), quote(failures),
                            crashed_runs, db_path)
    if engine is not None:
        summary = replace(summary, extraction_engine=engine.describe(), extraction_s=extraction_s)
    # Events and artifacts side by side: both only read the warehouse, mostly inside DuckDB
    emitted = emit_run_events.submit(quote(summary), db_path)
    log.info("%s", run_summary.summary_line(summary))
    for failure in summary.failures[:run_summary.SHOWN_FAILURES]:
        log.warning("  failed: %s", run_summary.describe_failure(failure))
    publish_artifacts(quote(summary), db_path)
    emitted.result()
    return summary


def _record_error(db_path: Path, run_id: str, exc: BaseException, settings) -> None:
    error = f"{type(exc).__name__}: {exc}"
    run_logger().error("tracker run %s failed and committed nothing: %s", run_id, error)
    try:
        record_error(db_path, run_id, error, settings.alert_webhook, settings.writer_wait_s)
    except Exception as failure:  # the original error matters more; the next run will find this one crashed
        get_run_logger().warning("could not record run %s as failed: %s", run_id, failure)
