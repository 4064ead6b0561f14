"""The ingestion flow: new and changed sources in, one snapshot out.

Tasks are thin: each wraps one plain function from `tracker/`, `schemas/` or `warehouse/`.
"""

# No `from __future__ import annotations` here: `tracker serve` runs the flow in a spawned process
# that validates parameters against these annotations, and string annotations fail there
# ("IngestModel is not fully defined; you should define Path").
import os
import uuid
from dataclasses import replace
from functools import partial
from datetime import datetime, timezone
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.utilities.annotations import quote

from tracker import alerts, catalog, diff, events, feeds, fetch, published, report, sources, summary as run_summary
from tracker.config import load_settings
from tracker.extract import EXTRACTOR_VERSION, extract_documents, has_article_text
from tracker.lock import run_lock
from tracker.pending import clear_pending, load_pending, save_pending
from tracker.polite import Politeness
from tracker.progress import run_logger
from tracker.models import Document, Failure, IndicatorRecord, ReportData, RunSummary, Source, SourceState
from warehouse import store

SUMMARY_ARTIFACT_KEY = "tracker-run-summary"
FAILURES_ARTIFACT_KEY = "tracker-run-failures"
REPORT_ARTIFACT_KEY = "tracker-report"


@task(cache_policy=NO_CACHE)
def list_sources(seeds_dir: Path | None, sources_file: Path | None) -> sources.Listing:
    return sources.list_run_sources(seeds_dir, sources_file)


@task(cache_policy=NO_CACHE)
def read_local(local: list[Source], max_bytes: int, known: dict[str, SourceState]) -> tuple[list[Document], list[Failure]]:
    return sources.read_file_sources(local, max_bytes, known, has_text=has_article_text)


@task(cache_policy=NO_CACHE)
def read_feeds(listings: list[Source], known: dict[str, SourceState], db_path: Path, policy: fetch.FetchPolicy,
               polite: Politeness, limits_of, wait_s: float) -> feeds.ListingsRead:
    """Fetch the feeds and sitemaps, conditionally, and choose which of their pages to fetch."""
    return fetch.fetch_listings(listings, store.known_feeds(db_path, wait_s), known, limits_of, policy, polite)


@task(cache_policy=NO_CACHE)
def fetch_remote(remote: list[Source], known: dict[str, SourceState], policy: fetch.FetchPolicy,
                 polite: Politeness) -> list[Document | fetch.NotModified | Failure]:
    # One task for the batch, a thread pool inside: per-URL tasks cost ~50 ms each (bench/fetch_noop.py);
    # every URL still fails alone, as a Failure value
    return fetch.fetch_all(remote, known, policy, has_text=has_article_text, polite=polite)


@task(cache_policy=NO_CACHE)
def known_sources(db_path: Path, wait_s: float) -> dict[str, SourceState]:
    return store.known_sources(db_path, wait_s)


@task(cache_policy=NO_CACHE)
def extract(documents: list[Document], max_records: int, max_seconds: float) -> tuple[list[IndicatorRecord], list[Failure]]:
    return extract_documents(documents, max_records, max_seconds)


@task(cache_policy=NO_CACHE)
def read_mastheads(documents: list[Document]) -> list[Document]:
    return [published.with_masthead(doc) for doc in documents]


@task(cache_policy=NO_CACHE)
def validate(records: list[IndicatorRecord], documents: list[Document]) -> tuple[list[IndicatorRecord], list[Failure]]:
    from schemas.indicator import validate_records  # pandas + pandera: loaded only when a run has records

    texts = {doc.source_id: doc.text for doc in documents}
    return validate_records(records, texts, catalog.validation_range, catalog.known_units())


@task(cache_policy=NO_CACHE)
def number_mentions(db_path: Path, records: list[IndicatorRecord], documents: list[Document],
                    wait_s: float) -> list[diff.NumberedRecord]:
    current = store.current_mentions(db_path, [doc.source_id for doc in documents], wait_s)
    return diff.number_mentions(records, current)


@task(cache_policy=NO_CACHE)
def commit_snapshot(db_path: Path, snapshot: store.SnapshotInput, wait_s: float) -> tuple[int, list]:
    try:
        return store.commit_snapshot(db_path, snapshot, wait_s)
    except store.WarehouseLocked as exc:
        # Readers outlasted our patience: keep the work, so the next run commits it instead of redoing it
        kept = save_pending(db_path, snapshot)
        raise store.WarehouseLocked(f"{exc}; this run's work is kept in {kept} and the next run commits it") from None


@task(cache_policy=NO_CACHE)
def commit_pending(db_path: Path, wait_s: float) -> None:
    """Commit what an earlier run extracted but could not commit (tracker.pending)."""
    snapshot = load_pending(db_path)
    if snapshot is not None:
        store.commit_snapshot(db_path, snapshot, wait_s)
        clear_pending(db_path)


@task(cache_policy=NO_CACHE)
def deliver_alerts(db_path: Path, webhook_url: str | None, wait_s: float) -> None:
    """Send the outbox: this run's alert and whatever earlier runs queued or failed to deliver."""
    alerts.deliver_outbox(db_path, webhook_url, wait_s)


@task(cache_policy=NO_CACHE)
def emit_run_events(summary: RunSummary, db_path: Path) -> int:
    """The run's outcome, its changes, the revisions across sources and the conflicts it brought, as Prefect events."""
    revisions = store.revisions_since(db_path, summary.snapshot_id - 1) if summary.snapshot_id else []
    conflicts = store.conflicts_opened_in(db_path, summary.snapshot_id) if summary.snapshot_id else []
    specs = events.run_events(summary, revisions, conflicts)
    for spec in specs:
        emit_event(**spec)
    return len(specs)


@task(cache_policy=NO_CACHE)
def load_report(db_path: Path) -> ReportData:
    return store.load_report(db_path, top_indicators=0)  # the headline tables; no timelines


@flow(name="ingest")
def ingest(seeds_dir: Path | None = Path("seeds"), sources_file: Path | None = None,
           db_path: Path = Path("warehouse/tracker.duckdb")) -> RunSummary:
    """One run: new and changed sources in, one snapshot out."""
    settings = load_settings()
    wait_s = settings.writer_wait_s
    run_id = uuid.uuid4().hex[:12]
    started_at = datetime.now(timezone.utc)
    log = run_logger()
    log.info("tracker run %s started: corpus %s, sources %s, warehouse %s", run_id, seeds_dir, sources_file, db_path)
    # One writer at a time; a second run waits a bounded time, then fails naming the holder
    with run_lock(db_path, settings.lock_timeout_s, run_id):
        commit_pending(db_path, wait_s)
        crashed_runs = store.unfinished_runs(db_path, wait_s)
        store.begin_run(db_path, run_id, started_at, os.getpid(), str(seeds_dir) if seeds_dir else None,
                        str(sources_file) if sources_file else None, crashed_runs,
                        alerts.crashed_runs_alert(crashed_runs), wait_s)
        try:
            summary = _ingest(run_id, started_at, seeds_dir, sources_file, db_path, settings, crashed_runs)
        except store.WarehouseLocked:
            raise  # its work is kept (tracker.pending); the next run commits it and finishes this run's row
        except BaseException as exc:
            _record_error(db_path, run_id, exc, settings)
            raise
        # The alert was queued by the commit; deliver it (and any earlier) as a step of its own
        deliver_alerts(db_path, settings.alert_webhook, wait_s)
        summary = _with_alert_outcome(summary, db_path)
    emit_run_events(quote(summary), db_path)
    log.info("%s", run_summary.summary_line(summary))
    for failure in summary.failures[:run_summary.SHOWN_FAILURES]:
        log.warning("  failed: %s", run_summary.describe_failure(failure))
    create_markdown_artifact(key=SUMMARY_ARTIFACT_KEY, markdown=run_summary.summary_markdown(summary),
                             description="What this tracker run changed and what failed")
    create_table_artifact(key=FAILURES_ARTIFACT_KEY, table=run_summary.failure_rows(summary),
                          description="Sources and records this tracker run rejected, with reason codes")
    # The report's headline tables: latest changes, conflicts, failures (`tracker report` draws the
    # rest); refreshed only when the run changed something (its queries scan the whole history)
    if summary.changes or summary.failures:
        create_markdown_artifact(key=REPORT_ARTIFACT_KEY, markdown=report.render_markdown(load_report(db_path)),
                                 description="Latest changes, current conflicts and recent validation failures")
    return summary


def _with_alert_outcome(summary: RunSummary, db_path: Path) -> RunSummary:
    """The summary with what became of the run's alert: sent, failed (why), or none to send."""
    queued = store.alerts_of_run(db_path, summary.run_id)
    if not queued:
        return summary
    # Problems and watched changes may each have sent one; a failed delivery is what the reader must see
    worst = next((q for q in queued if q[2] == "failed"), queued[0])
    return replace(summary, alert_text="\n\n".join(q[1] for q in queued), alert_status=worst[2],
                   alert_error=worst[3])


def _record_error(db_path: Path, run_id: str, exc: BaseException, settings) -> None:
    """Mark the run as ended in error and alert it; if even that fails, the next run finds it crashed and alerts."""
    error = f"{type(exc).__name__}: {exc}"
    run_logger().error("tracker run %s failed and committed nothing: %s", run_id, error)
    try:
        store.fail_run(db_path, run_id, error, alerts.run_error_alert(run_id, error), settings.writer_wait_s)
        deliver_alerts(db_path, settings.alert_webhook, settings.writer_wait_s)
    except Exception as failure:  # the original error matters more; the next run will find this one crashed
        get_run_logger().warning("could not record run %s as failed: %s", run_id, failure)


def _ingest(run_id, started_at, seeds_dir, sources_file, db_path, settings, crashed_runs) -> RunSummary:
    # Lists of sources, documents and records go to tasks quote()d: Prefect would otherwise walk
    # every item of every argument looking for futures, about 1 s per task for 10,000 documents.
    # Read: a source we cannot read or fetch becomes a failure row, not an exception
    log = run_logger()
    log.debug("listing sources")
    listing = list_sources(seeds_dir, sources_file)
    known = known_sources(db_path, settings.writer_wait_s)
    # A retired source stays retired until `tracker unretire`, even while its file is still there
    retired = sources.retired_sources(known, listing.sources)
    listed = [s for s in listing.sources if s.source_id not in retired]
    failures = listing.failures
    local = [s for s in listed if not s.is_remote]
    pages = [s for s in listed if s.is_remote and s.kind == "page"]
    listings = [s for s in listed if s.kind in sources.LISTING_KINDS]
    log.debug("reading %d files, %d feeds and sitemaps, fetching %d URLs", len(local), len(listings), len(pages))
    documents, read_failures = read_local(quote(local), settings.max_document_bytes, quote(known))
    # Remote sources: robots.txt obeyed, each host at its rate; feeds first, for the pages they list
    policy = fetch.fetch_policy(settings)
    polite = fetch.politeness(settings, listed, store.known_robots(db_path, settings.writer_wait_s))
    limits_of = partial(feeds.listing_limits, max_entries=settings.feed_max_entries,
                        max_age_days=settings.feed_max_age_days, today=started_at.date())
    listed_by_feeds = read_feeds(quote(listings), quote(known), db_path, policy, quote(polite), limits_of,
                                 settings.writer_wait_s)
    page_ids = {s.source_id for s in pages}
    feed_pages = [p for p in listed_by_feeds.pages if p.source_id not in page_ids
                  and not ((state := known.get(p.source_id)) is not None and state.retired)]
    fetched = fetch_remote(quote(pages + feed_pages), quote(known), policy, quote(polite))
    feed_outcomes, feed_entries = feeds.settle_pages(listed_by_feeds, feed_pages, fetched[len(pages):])
    documents, failures, not_modified = sources.sort_fetched(documents, failures + read_failures + listed_by_feeds.failures,
                                                             fetched)
    documents = sources.first_of_each(documents)  # a feed's page that redirects to a page already read
    listed_ids = ({s.source_id for s in listed} | listed_by_feeds.listed_page_ids
                  | {doc.source_id for doc in documents})
    source_watch = sources.watch_rules(listed + feed_pages, feed_pages, fetched[len(pages):])
    # Keep what changed since the last snapshot
    new, changed, unchanged = diff.classify_documents(documents, known)
    reread = new + changed
    # Extract, then validate lazily so a bad record costs only itself; a run that re-read nothing skips both
    valid, rejected, numbered = [], [], []
    if reread:
        log.debug("extracting %d new or changed documents", len(reread))
        records, over_budget = extract(quote(reread), settings.max_records_per_document,
                                       settings.max_extract_s_per_document)
        # A document over its budget keeps its earlier records: it is not re-read this run
        failures += over_budget
        dropped = {f.source_id for f in over_budget}
        new, changed = [d for d in new if d.source_id not in dropped], [d for d in changed if d.source_id not in dropped]
        reread = new + changed
        valid, rejected = validate(quote(records), quote(reread))
        hashes = {doc.source_id: doc.content_hash for doc in reread}  # a record's problem is of its version
        rejected = [replace(f, content_hash=hashes.get(f.source_id)) for f in rejected]
        numbered = number_mentions(db_path, quote(valid), quote(reread), settings.writer_wait_s)
    missing = sources.missing_sources(known, listed_ids)
    # Pages of feeds that were not fetched (their entries did not change) are unchanged sources too
    attempted = {s.source_id for s in pages + feed_pages} | {doc.source_id for doc in documents}
    untouched = sum(1 for source_id in listed_by_feeds.listed_page_ids - attempted
                    if (state := known.get(source_id)) is not None and state.content_hash and not state.retired)
    counts = {"sources_new": len(new), "sources_changed": len(changed),
              "sources_unchanged": len(unchanged) + len(not_modified) + untouched,
              "sources_failed": len({f.source_id for f in failures})}
    # Store in one transaction: a crash here leaves the previous snapshot intact
    snapshot = store.SnapshotInput(
        run_id=run_id, created_at=started_at, extractor_version=EXTRACTOR_VERSION, cause="source",
        # What was re-read, and unchanged pages whose new ETag the next conditional GET needs
        read_documents=reread + diff.with_new_validators(unchanged, known),
        reextracted_source_ids=[doc.source_id for doc in reread],
        records=numbered, failures=failures + rejected,
        counts={**counts, "sources_missing": len(missing)},
        locations={**{doc.source_id: doc.source_id for doc in documents if doc.listing is not None},
                   **{s.source_id: sources.escape_undecodable(s.location) for s in listed}},
        # One alert per new problem, resolved ones and due reminders: composed inside the commit
        compose_alert=partial(alerts.problems_alert, report_url=settings.report_url),
        listed_source_ids=tuple(sorted(listed_ids)) + tuple(f.source_id for f in failures
                                                            if f.check == "sources_file"),
        reminder_interval_s=settings.alert_reminder_interval_s,
        compose_watch_alert=(partial(alerts.watched_changes_alert, watch=settings.alert_watch,
                                     report_url=settings.report_url, source_watch=source_watch)
                             if settings.alert_watch or source_watch else None),
        feed_outcomes=feed_outcomes, feed_entries=feed_entries, robots=polite.robots_read())
    log.debug("committing %d records of %d documents", len(numbered), len(reread))
    snapshot_id, changes = commit_snapshot(db_path, quote(snapshot), settings.writer_wait_s)
    return RunSummary(run_id=run_id, snapshot_id=snapshot_id, **counts, sources_missing=missing,
                      sources_skipped=listing.skipped, sources_retired=retired,
                      changes=changes, failures=failures + rejected, crashed_runs=crashed_runs,
                      feeds=[run_summary.feed_counts(outcome) for outcome in feed_outcomes])
