"""The one door to the DuckDB warehouse: connections, transactions and every SQL statement.

Callers pass a path, never a live connection: each function opens a short connection and
closes it, because a DuckDB write connection locks the file against every other process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from tracker.aliases import Alias, AliasRefused, check_alias_keys, check_new_alias
from tracker.batches import RECORD_SCHEMA
from tracker.diff import CurrentMention, NumberedRecord
from tracker.feeds import FeedOutcome, FeedState
from tracker.models import (Alert, Change, Document, FeedEntry, Failure, Problem, ProblemDelta, ReportData,
                            SourceState, WatchedChange)
from tracker.polite import RobotsFile

SCHEMA_SQL = (Path(__file__).parent / "schema.sql").read_text(encoding="utf-8")
SCHEMA_MD5 = hashlib.md5(SCHEMA_SQL.encode("utf-8")).hexdigest()
# Warehouse files (path, inode) this process has found up to date with schema.sql.
_SCHEMA_APPLIED: set[tuple[str, int]] = set()
LOCK_RETRY_S = 0.05  # the first wait for another connection to let go; doubled up to LOCK_RETRY_MAX_S
LOCK_RETRY_MAX_S = 1.0
DEFAULT_WAIT_S = 10.0
WAIT_NOTICE_S = 2.0  # say we are waiting once the wait is longer than a blink, then every NOTICE_EVERY_S
NOTICE_EVERY_S = 15.0
# Never fetch or load code because of what a file looks like: a SQLite file passed as --db would
# otherwise make DuckDB download its sqlite extension over the network.
CONNECT_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
# What DuckDB says when the file itself is not a sound warehouse (truncated, corrupted, foreign).
DAMAGE_MARKERS = ("not a valid duckdb database", "corrupt", "checksum", "could not read enough bytes",
                  "extension", "serializ", "invalid database", "replaying wal")
FULL_MARKERS = ("no space left", "file too large", "disk quota")
log = logging.getLogger("tracker.warehouse")
WAREHOUSE_TABLES = {"runs", "snapshots", "documents", "document_archive", "source_state", "indicator_versions",
                    "validation_failures", "alerts", "indicator_aliases"}
# What versions a record: a change in value, unit, period or kind opens a new version.
ROW_HASH_SQL = ("md5(concat_ws('|', coalesce(cast(value as varchar), '-'), coalesce(unit, '-'), "
                "coalesce(period, '-'), kind))")
# The staged records as DuckDB reads them: Arrow columns (RECORD_SCHEMA, which the workers build), scanned
# without a copy.
RECORD_COLUMNS = RECORD_SCHEMA.names
# DuckDB scans an Arrow table one record batch per thread: staged records go in batches of at
# most this many rows (slices, no copy), so the hashing and the join run on every core.
STAGED_BATCH_ROWS = 16_384


class WarehouseError(Exception):
    """The warehouse cannot be used as asked (the CLI exits 2)."""


class WarehouseDamaged(WarehouseError):
    """The file is truncated, corrupted, or not a tracker warehouse at all."""


class WarehouseLocked(WarehouseError):
    """Other connections held the file longer than we were willing to wait."""


class StorageFailed(Exception):
    """The disk refused a write (full, over quota): not the user's input, not a bug (exit 3)."""


class IntegrityViolation(WarehouseError):
    """A history guarantee would break; the transaction was rolled back."""

    def __init__(self, check: str, count: int):
        super().__init__(f"history guarantee '{check}' violated by {count} row(s); the run was rolled back")
        self.check = check
        self.count = count


@contextmanager
def connect(db_path: Path, read_only: bool = False, wait_s: float = DEFAULT_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short connection; waits up to wait_s, with backoff, while another process holds the file.

    DuckDB's errors about the file itself come out as WarehouseDamaged, a full disk as StorageFailed.
    """
    db_path = Path(db_path)
    if read_only and not db_path.exists():
        raise WarehouseError(f"no warehouse at {db_path}: run `tracker run` first")
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = _open(db_path, read_only, wait_s)
        try:
            _check_not_truncated(con, db_path)
            if not read_only:
                _ensure_schema(con, db_path)
            elif not _schema_is_current(con, db_path):
                # A warehouse made by an older version: upgrade it through a short write connection
                # (schema.sql is idempotent), then read as asked.
                con.close()
                with connect(db_path, wait_s=wait_s):
                    pass
                con = _open(db_path, True, wait_s)
            con.execute("set timezone = 'UTC'")
            yield con
        finally:
            con.close()
    except duckdb.Error as exc:
        translated = _translated(exc, db_path)
        if translated is exc:
            raise
        raise translated from exc


def _open(db_path: Path, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    started = time.monotonic()
    pause, noticed = LOCK_RETRY_S, 0.0
    while True:
        try:
            return duckdb.connect(str(db_path), read_only=read_only, config=CONNECT_CONFIG)
        except duckdb.IOException as exc:
            waited = time.monotonic() - started
            if "lock" not in str(exc).lower():
                raise
            if waited >= wait_s:
                raise WarehouseLocked(f"{db_path} is busy: another process (a run, or someone's open read-only "
                                    f"connection) kept it for {waited:.0f} s; close it, or raise writer_wait_s "
                                    f"(now {wait_s:g} s)") from None
            if waited >= WAIT_NOTICE_S and waited - noticed >= (NOTICE_EVERY_S if noticed else 0):
                noticed = waited
                log.warning("waiting for other connections to %s to close (%.0f s so far, up to %g s)",
                            db_path, waited, wait_s)
            time.sleep(min(pause, max(0.0, wait_s - waited)))
            pause = min(pause * 2, LOCK_RETRY_MAX_S)


HEADER_BYTES = 3 * 4096  # DuckDB's file header and its two database headers, before the first block


def _check_not_truncated(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """A file shorter than the blocks its header lists lost its end (a copy cut short, a full disk):
    DuckDB reads blocks lazily and would answer some queries from it and fail others."""
    if Path(str(db_path) + ".wal").exists():
        return  # blocks replayed from the WAL are not on disk yet: the sizes cannot be compared
    # Free blocks at the end may be cut off by a checkpoint; the blocks in use need room on disk
    _, _, block_size, _, used_blocks, *_ = con.execute("pragma database_size").fetchone()
    needed = HEADER_BYTES + block_size * used_blocks if used_blocks else 0
    actual = db_path.stat().st_size
    if actual < needed:
        raise WarehouseDamaged(f"{db_path} is damaged: {actual} bytes, too few for the {used_blocks} blocks "
                               "its header says are in use (truncated); restore it from a copy, or pass another --db")


def _file_starts_with(path: Path, magic: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(magic)) == magic
    except OSError:
        return False


def _translated(exc: duckdb.Error, db_path: Path) -> Exception:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    lowered = str(exc).lower()
    if any(marker in lowered for marker in FULL_MARKERS):
        return StorageFailed(f"cannot write {db_path}: {message}")
    if isinstance(exc, (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException,
                        duckdb.FatalException)) or type(exc) is duckdb.Error:
        if _file_starts_with(db_path, b"SQLite format 3\x00"):
            return WarehouseDamaged(f"{db_path} is a SQLite database, not a tracker warehouse; pass another --db")
        if any(marker in lowered for marker in DAMAGE_MARKERS):
            return WarehouseDamaged(f"{db_path} is damaged or not a tracker warehouse ({message}); "
                                    "restore it from a copy, or pass another --db")
    return exc


def _schema_is_current(con: duckdb.DuckDBPyConnection, db_path: Path) -> bool:
    applied_key = (str(db_path.resolve()), os.stat(db_path).st_ino)
    if applied_key in _SCHEMA_APPLIED:
        return True
    try:
        stamped = con.execute("select schema_md5 from warehouse_schema").fetchall()
    except duckdb.CatalogException:
        _refuse_foreign(con, db_path)
        return False  # an empty file, or a warehouse from before the stamp: schema.sql makes it current
    if stamped == [(SCHEMA_MD5,)]:
        _SCHEMA_APPLIED.add(applied_key)
        return True
    return False


def _refuse_foreign(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """A DuckDB file with tables but none of ours is someone else's database: never add our schema to it."""
    tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
    if tables and not tables & WAREHOUSE_TABLES:
        raise WarehouseDamaged(f"{db_path} is a DuckDB database but not a tracker warehouse (its tables: "
                               f"{', '.join(sorted(tables)[:3])}{', …' if len(tables) > 3 else ''}); pass another --db")


def _ensure_schema(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Run schema.sql unless this very text already ran on this file (its md5 is stamped), so a
    write connection does not rewrite every view in the catalog each time it opens."""
    applied_key = (str(db_path.resolve()), os.stat(db_path).st_ino)
    if applied_key in _SCHEMA_APPLIED:  # checked by this process already: skip even the select
        return
    try:
        stamped = con.execute("select schema_md5 from warehouse_schema").fetchall()
    except duckdb.CatalogException:
        _refuse_foreign(con, db_path)
        stamped = []
    if stamped != [(SCHEMA_MD5,)]:
        con.execute("begin transaction")
        con.execute(SCHEMA_SQL)
        con.execute("create or replace table warehouse_schema as select $md5 as schema_md5", {"md5": SCHEMA_MD5})
        con.execute("commit")
    _SCHEMA_APPLIED.add(applied_key)


@contextmanager
def transaction(db_path: Path, wait_s: float = DEFAULT_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """One write transaction: committed whole or not at all."""
    with connect(db_path, wait_s=wait_s) as con:
        con.execute("begin transaction")
        try:
            yield con
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")


def ensure_schema(db_path: Path) -> None:
    with connect(db_path):
        pass


# A record's key with the user's merges applied (indicator_aliases, resolved by the view
# indicator_alias_map): the subject's own alias first, then the general one, else the key itself.
MERGED_KEY_JOINS = """
    left join indicator_alias_map ms on ms.from_indicator = {v}.indicator and ms.subject = {v}.subject
    left join indicator_alias_map mg on mg.from_indicator = {v}.indicator and mg.subject is null
    """
MERGED_KEY_SQL = "coalesce(ms.to_indicator, mg.to_indicator, {v}.indicator)"


# --- runs -----------------------------------------------------------------------------


def unfinished_runs(db_path: Path, wait_s: float = DEFAULT_WAIT_S) -> list[str]:
    """Runs still marked running: while the caller holds the run lock, they died (killed or crashed)."""
    if not Path(db_path).exists():
        return []
    with connect(db_path, read_only=True, wait_s=wait_s) as con:
        return [row[0] for row in con.execute(
            "select run_id from runs where status = 'running' order by started_at").fetchall()]


def begin_run(db_path: Path, run_id: str, started_at: datetime, pid: int,
              seeds_dir: str | None, sources_file: str | None, crashed: list[str] = (),
              crash_alert: Alert | None = None, wait_s: float = DEFAULT_WAIT_S) -> None:
    """Record a run as running; mark the runs that died as crashed and queue their alert, in one transaction."""
    with transaction(db_path, wait_s) as con:
        con.execute(
            """
            update runs
            set status = 'crashed', finished_at = $now, error = 'the run ended without finishing (killed or crashed)'
            where status = 'running' and run_id in (select unnest($crashed::varchar[]))
            """, {"now": started_at, "crashed": list(crashed)})
        con.execute(
            """
            insert into runs (run_id, started_at, status, pid, seeds_dir, sources_file)
            values ($run_id, $started_at, 'running', $pid, $seeds_dir, $sources_file)
            """,
            {"run_id": run_id, "started_at": started_at, "pid": pid,
             "seeds_dir": seeds_dir, "sources_file": sources_file})
        _queue_alert(con, run_id, crash_alert, started_at)


def fail_run(db_path: Path, run_id: str, error: str, alert: Alert | None = None,
             wait_s: float = DEFAULT_WAIT_S) -> None:
    """Mark a run as ended in error, and queue its alert in the same transaction."""
    now = datetime.now(timezone.utc)
    with transaction(db_path, wait_s) as con:
        con.execute(
            """
            update runs
            set status = 'error', finished_at = $now, error = $error
            where run_id = $run_id
            """, {"run_id": run_id, "now": now, "error": error})
        _queue_alert(con, run_id, alert, now)


# --- what is known --------------------------------------------------------------------


def known_sources(db_path: Path, wait_s: float = DEFAULT_WAIT_S) -> dict[str, SourceState]:
    # Read-only, like every read of a run: analysts' read-only connections do not block it
    if not Path(db_path).exists():
        return {}
    with connect(db_path, read_only=True, wait_s=wait_s) as con:
        rows = con.execute(
            """
            select source_id, content_hash, etag, last_modified, retired_at is not null
            from source_state
            """).fetchall()
    return {row[0]: SourceState(*row) for row in rows}


def known_feeds(db_path: Path, wait_s: float = DEFAULT_WAIT_S) -> dict[str, FeedState]:
    """Every feed and sitemap read before, with every entry it listed."""
    if not Path(db_path).exists():
        return {}
    with connect(db_path, read_only=True, wait_s=wait_s) as con:
        feeds = con.execute("select feed_url, etag, last_modified, content_hash from feeds").fetchall()
        entries = con.execute(
            """
            select feed_url, entry_url, entry_kind, title, published_on, version, source_id
            from feed_entries
            order by feed_url, first_seen_at, entry_url
            """).fetchall()
    listed: dict[str, dict[str, FeedEntry]] = {}
    for feed_url, url, kind, title, published_on, version, source_id in entries:
        listed.setdefault(feed_url, {})[url] = FeedEntry(feed_url=feed_url, url=url, kind=kind, title=title,
                                                         published_on=published_on, version=version,
                                                         source_id=source_id)
    return {url: FeedState(url, etag, last_modified, content_hash, listed.get(url, {}))
            for url, etag, last_modified, content_hash in feeds}


def known_robots(db_path: Path, wait_s: float = DEFAULT_WAIT_S) -> dict[str, RobotsFile]:
    """The robots.txt files kept from earlier runs, by host (tracker.polite decides which are fresh)."""
    if not Path(db_path).exists():
        return {}
    with connect(db_path, read_only=True, wait_s=wait_s) as con:
        rows = con.execute("select host, status, body, fetched_at from robots_files").fetchall()
    return {row[0]: RobotsFile(*row) for row in rows}


def current_mentions(db_path: Path, source_ids: list[str], wait_s: float = DEFAULT_WAIT_S) -> list[CurrentMention]:
    if not source_ids or not Path(db_path).exists():
        return []
    with connect(db_path, read_only=True, wait_s=wait_s) as con:
        rows = con.execute(
            """
            select source_id, indicator, subject, mention, value, unit, period, kind
            from indicator_versions
            where valid_to is null
              and source_id in (select unnest($source_ids))
            """, {"source_ids": source_ids}).fetchall()
    return [CurrentMention(*row) for row in rows]


# --- the snapshot ---------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotInput:
    """Everything one run commits."""

    run_id: str
    created_at: datetime
    extractor_version: str
    cause: str  # source, extractor
    read_documents: list[Document]  # every document read this run, changed or not
    reextracted_source_ids: list[str]  # sources whose records were re-derived this run
    # Every record of those sources, as they stand now, in either of two forms:
    # - a pyarrow.Table with the columns of RECORD_SCHEMA (content_hash included: the document
    #   version each record was read from), in any order, other columns ignored, types cast to
    #   RECORD_SCHEMA's when they differ: scanned by DuckDB as it is, no Python work per record;
    # - a list[NumberedRecord]: turned into that table here, each record's content_hash taken
    #   from its source's document in read_documents.
    records: list[NumberedRecord] | pa.Table
    failures: list[Failure]
    counts: dict[str, int]  # sources_new, sources_changed, sources_unchanged, sources_failed, sources_missing
    locations: dict[str, str]  # source_id -> path or URL
    alert: Alert | None = None  # queued in the outbox by the same transaction
    # Problem tracking (ingest runs): the run's failures become problems, alerted once when new,
    # reminded after the interval, resolved when their source is gone or reads clean; the alert
    # is composed from that delta inside the transaction
    compose_alert: Callable[[str, ProblemDelta], Alert | None] | None = None
    # Watched changes ([alerts] watch): their alert, composed from this snapshot's changes and revisions
    compose_watch_alert: Callable[[str, list[WatchedChange]], Alert | None] | None = None
    listed_source_ids: tuple[str, ...] = ()
    reminder_interval_s: float = 86400.0
    # Feeds and sitemaps: what each listing did this run, the entries to keep, robots.txt files read
    feed_outcomes: list[FeedOutcome] = field(default_factory=list)
    feed_entries: list[FeedEntry] = field(default_factory=list)
    robots: list[RobotsFile] = field(default_factory=list)


def commit_snapshot(db_path: Path, snapshot: SnapshotInput,
                    wait_s: float = DEFAULT_WAIT_S) -> tuple[int | None, list[Change]]:
    """Apply one run in one transaction: a crash anywhere leaves the previous snapshot intact.
    A run that re-read nothing makes no snapshot (snapshot id None): `tracker changes` keeps showing
    the latest real changes."""
    with transaction(db_path, wait_s) as con:
        watching = snapshot.compose_watch_alert is not None and bool(snapshot.reextracted_source_ids)
        conflicts_before = _conflicts_of(con, snapshot.reextracted_source_ids) if watching else set()
        if snapshot.reextracted_source_ids:
            snapshot_id, now = _open_snapshot(con, snapshot)
        else:  # nothing re-read, so nothing can change: no snapshot, only the run's row (and its failures)
            snapshot_id, now = None, snapshot.created_at
        _store_documents(con, snapshot, snapshot_id, now)
        _store_listings(con, snapshot, now)
        if snapshot.reextracted_source_ids:  # nothing re-read: no version can open or close
            touched = pa.table({"source_id": pa.array(snapshot.reextracted_source_ids, pa.string())})
            staged = _records_table(snapshot.records, snapshot.read_documents, snapshot.reextracted_source_ids)
            applied = _apply_versions(con, staged, touched, snapshot_id, now, snapshot.extractor_version,
                                      snapshot.cause)
            del staged  # a list's records as Arrow: not needed past the apply
            _check_guarantees(con, touched, snapshot_id, now)
            changes = _changes_of(con, snapshot_id, applied)
        else:
            changes = []
        _store_failures(con, snapshot.run_id, now, snapshot.failures)
        _finish_run(con, snapshot, snapshot_id, changes)
        if snapshot.compose_alert is None:
            _queue_alert(con, snapshot.run_id, snapshot.alert, now)
        else:
            delta = _track_problems(con, snapshot, now)
            alert = snapshot.compose_alert(snapshot.run_id, delta)
            _queue_alert(con, snapshot.run_id, alert, now)
            if alert is not None:
                _mark_alerted(con, [p.fingerprint for p in delta.new + delta.reminders], now)
        if watching:
            started = [c for key, c in _conflicts_of(con, snapshot.reextracted_source_ids, detail=True).items()
                       if key not in conflicts_before]
            detail = _snapshot_changes_in_detail(con, snapshot_id) if changes else []
            if detail or started:
                _queue_alert(con, snapshot.run_id, snapshot.compose_watch_alert(snapshot.run_id, detail + started), now)
    return snapshot_id, changes


def _open_snapshot(con: duckdb.DuckDBPyConnection, snapshot: SnapshotInput) -> tuple[int, datetime]:
    # One timestamp per run, strictly after the last one, so valid_from < valid_to always.
    last_id, last_at = con.execute("select max(snapshot_id), max(created_at) from snapshots").fetchall()[0]
    now = snapshot.created_at
    if last_at is not None and now <= last_at:
        now = last_at + timedelta(microseconds=1)
    snapshot_id = (last_id or 0) + 1
    con.execute(
        """
        insert into snapshots (snapshot_id, run_id, created_at, extractor_version, cause)
        values ($snapshot_id, $run_id, $created_at, $extractor_version, $cause)
        """,
        {"snapshot_id": snapshot_id, "run_id": snapshot.run_id, "created_at": now,
         "extractor_version": snapshot.extractor_version, "cause": snapshot.cause})
    return snapshot_id, now


def _store_documents(con: duckdb.DuckDBPyConnection, snapshot: SnapshotInput, snapshot_id: int, now: datetime) -> None:
    if not snapshot.read_documents:
        return
    docs = snapshot.read_documents
    frame = pa.table({
        "source_id": pa.array([doc.source_id for doc in docs], pa.string()),
        "content_hash": pa.array([doc.content_hash for doc in docs], pa.string()),
        "media_type": pa.array([doc.media_type for doc in docs], pa.string()),
        "byte_size": pa.array([len(doc.raw) for doc in docs], pa.int64()),
        "raw_text": pa.array([doc.text for doc in docs], pa.string()),
        "raw_bytes": pa.array([doc.raw for doc in docs], pa.binary()),
        "etag": pa.array([doc.etag for doc in docs], pa.string()),
        "last_modified": pa.array([doc.last_modified for doc in docs], pa.string()),
        "location": pa.array([snapshot.locations.get(doc.source_id) for doc in docs], pa.string()),
        "title": pa.array([doc.title for doc in docs], pa.string()),
        "published_on": pa.array([doc.published_on for doc in docs], pa.date32()),
    })
    con.register("read_documents", frame)
    # A stated date after the day the document was read is a typo or a scheduled page, not a
    # publication date: kept null (a day's slack for time zones).
    inserted = con.execute(
        f"""
        insert into documents
            (source_id, content_hash, media_type, byte_size, raw_text, first_seen_at, first_snapshot_id,
             title, published_on)
        select r.source_id, r.content_hash, r.media_type, r.byte_size, r.raw_text, $now, $snapshot_id,
               r.title, {PUBLISHED_ON_SQL}
        from read_documents r
        anti join documents d
          on d.source_id = r.source_id and d.content_hash = r.content_hash
        """, {"now": now, "snapshot_id": snapshot_id}).fetchall()[0][0]
    # A version read again as text (a replay, or an unchanged page re-read) refreshes what it
    # states about itself: a better reader of dates and titles reaches stored versions too.
    # When every document read was a new version (all inserted just now, as read) there is none.
    if inserted < len(docs):
        con.execute(
            f"""
            update documents as d
            set title = r.title,
                published_on = {PUBLISHED_ON_SQL}
            from read_documents r
            where d.source_id = r.source_id and d.content_hash = r.content_hash
              and r.raw_text is not null
              and (d.title is distinct from r.title or d.published_on is distinct from {PUBLISHED_ON_SQL})
            """, {"now": now})
    con.execute(
        """
        insert into document_archive (content_hash, raw_bytes)
        select r.content_hash, any_value(r.raw_bytes)
        from read_documents r
        anti join document_archive a on a.content_hash = r.content_hash
        group by r.content_hash
        """)
    con.execute(
        """
        update source_state as s
        set location = coalesce(r.location, s.location),
            content_hash = r.content_hash,
            etag = r.etag,
            last_modified = r.last_modified,
            last_read_at = $now,
            retired_at = null
        from read_documents r
        where s.source_id = r.source_id
        """, {"now": now})
    con.execute(
        """
        insert into source_state (source_id, location, content_hash, etag, last_modified, last_read_at)
        select r.source_id, r.location, r.content_hash, r.etag, r.last_modified, $now
        from read_documents r
        anti join source_state s on s.source_id = r.source_id
        """, {"now": now})
    con.unregister("read_documents")


def _arrow_of(items: list, **columns) -> pa.Table:
    """An Arrow table of the items' attributes: column=type, or column=(attribute, type)."""
    arrays = {}
    for column, typed in columns.items():
        attribute, arrow_type = typed if isinstance(typed, tuple) else (column, typed)
        arrays[column] = pa.array([getattr(item, attribute) for item in items], arrow_type)
    return pa.table(arrays)


def _store_listings(con: duckdb.DuckDBPyConnection, snapshot: SnapshotInput, now: datetime) -> None:
    """Feeds' state, their entries and this run's counts, robots.txt files: in the run's transaction,
    so a crash never leaves a feed marked read whose pages were not stored."""
    outcomes = snapshot.feed_outcomes
    if outcomes:
        text, count = pa.string(), pa.int32()
        con.register("feed_outcomes", _arrow_of(outcomes, feed_url=text, kind=text, name=text, title=text,
                                                parent_url=text, etag=text, last_modified=text, content_hash=text,
                                                status=text, entries_seen=count, entries_new=count,
                                                pages_fetched=count, pages_failed=count, deferred=count,
                                                too_old=count, error=text))
        fetched = "o.status in ('changed', 'not_modified', 'unchanged')"
        con.execute(
            f"""
            update feeds as f
            set kind = o.kind, name = coalesce(o.name, f.name), title = coalesce(o.title, f.title),
                parent_url = o.parent_url, etag = o.etag, last_modified = o.last_modified,
                content_hash = o.content_hash,
                last_fetched_at = case when {fetched} then $now else f.last_fetched_at end,
                last_status = o.status
            from feed_outcomes o
            where f.feed_url = o.feed_url
            """, {"now": now})
        con.execute(
            f"""
            insert into feeds
            select o.feed_url, o.kind, o.name, o.title, o.parent_url, o.etag, o.last_modified, o.content_hash,
                   case when {fetched} then $now end, o.status
            from feed_outcomes o
            anti join feeds f on f.feed_url = o.feed_url
            """, {"now": now})
        con.execute(
            """
            insert into feed_runs
            select $run_id, feed_url, status, entries_seen, entries_new, pages_fetched, pages_failed, deferred,
                   too_old, error
            from feed_outcomes
            """, {"run_id": snapshot.run_id})
        con.unregister("feed_outcomes")
    entries = snapshot.feed_entries
    if entries:
        con.register("listed_entries", _arrow_of(entries, feed_url=pa.string(), entry_url=("url", pa.string()),
                                                 entry_kind=("kind", pa.string()), source_id=pa.string(),
                                                 title=pa.string(), published_on=pa.date32(), version=pa.string()))
        # One row per (feed, entry), as tracker.feeds.settle_pages gives them. The version is that of
        # the page as read: a page whose new
        # version failed or waits keeps its old one, so a later run fetches it
        con.execute(
            """
            update feed_entries as f
            set source_id = coalesce(e.source_id, f.source_id), title = e.title, published_on = e.published_on,
                version = e.version, last_seen_at = $now
            from listed_entries e
            where f.feed_url = e.feed_url and f.entry_url = e.entry_url
            """, {"now": now})
        con.execute(
            """
            insert into feed_entries
            select e.feed_url, e.entry_url, e.entry_kind, e.source_id, e.title, e.published_on, e.version,
                   $now, $now
            from listed_entries e
            anti join feed_entries f on f.feed_url = e.feed_url and f.entry_url = e.entry_url
            """, {"now": now})
        con.unregister("listed_entries")
    if snapshot.robots:
        con.register("read_robots", _arrow_of(snapshot.robots, host=pa.string(), status=pa.int32(), body=pa.string(),
                                              fetched_at=pa.timestamp("us", tz="UTC")))
        con.execute("delete from robots_files where host in (select host from read_robots)")
        con.execute("insert into robots_files select host, status, body, fetched_at from read_robots")
        con.unregister("read_robots")


# Each listing's part of the latest run that read it, with the pages it has led to (the report's feeds table)
LATEST_FEED_RUNS_SQL = """
            select r.feed_url, f.kind, f.name, f.title, f.parent_url, r.status, r.entries_seen, r.entries_new,
                   r.pages_fetched, r.pages_failed, r.deferred, r.too_old, r.error, u.started_at,
                   (select count(*) from feed_entries e where e.feed_url = r.feed_url and e.entry_kind = 'page'
                      and e.source_id is not null) as pages_read
            from feed_runs r
            join runs u using (run_id)
            left join feeds f using (feed_url)
            qualify row_number() over (partition by r.feed_url order by u.started_at desc) = 1
            order by r.feed_url
"""


PUBLISHED_ON_SQL = ("case when r.published_on <= cast($now + interval 1 day as date) "
                    "then r.published_on end")


# The identity of a record, and what _apply_versions returns of each version it opened or closed.
RECORD_KEY = ("source_id", "indicator", "subject", "mention")
DELTA_COLUMNS = (*RECORD_KEY, "value", "unit", "period", "kind")


@dataclass(frozen=True)
class AppliedVersions:
    """What one apply changed, handed back rather than left in the connection: the versions the
    snapshot opened and those it closed, one row each (key, value, unit, period, kind: Arrow
    columns DELTA_COLUMNS; closed ones as they were), and the snapshot's cause."""

    cause: str
    opened: pa.Table
    closed: pa.Table


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, **tables: pa.Table) -> Iterator[None]:
    """Arrow tables visible to the connection's SQL by these names, for the block's length only."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)


def _apply_versions(con: duckdb.DuckDBPyConnection, staged: pa.Table, touched: pa.Table, snapshot_id: int,
                    now: datetime, extractor_version: str, cause: str) -> AppliedVersions:
    """SCD2 as one read and two writes: find what changed, close what is gone, insert what is new.

    `staged` holds every record of the re-read sources (RECORD_SCHEMA), `touched` those sources
    (column source_id). One full join of the staged rows with the current versions of the
    touched sources, on key and row hash (one scan of indicator_versions), gives both sides at
    once: a current version no staged row matches closes (its rowid, key and old value, unit,
    period, kind come back), a staged row no current version matches opens (its position and
    row hash come back). Only keys and what the row hash covers go through the join; the new
    versions' other columns are taken from the staged table by position, in Arrow. The close
    finds its rows by rowid, the insert reads the new versions alone. Nothing is left behind in
    the connection: the delta is what this returns.
    """
    params = {"now": now, "snapshot_id": snapshot_id, "cause": cause}
    positions = pc.subtract(pc.cumulative_sum(pc.fill_null(pa.nulls(staged.num_rows, pa.int64()), 1)), 1)
    keyed = staged.select([*RECORD_KEY, "value", "unit", "period", "kind"]).append_column("position", positions)
    # A staged row always has a position, a current version always a rowid: the side that is
    # null says which one a delta row is.
    with _registered(con, staged_records=keyed, touched_sources=touched):
        delta = con.sql(
            f"""
            with staged as (
                select position, source_id, indicator, subject, mention, {ROW_HASH_SQL} as row_hash
                from staged_records),
            reread_current as (
                select rowid as version_rowid, source_id, indicator, subject, mention, row_hash,
                       value, unit, period, kind
                from indicator_versions
                where valid_to is null
                  and source_id in (select source_id from touched_sources))
            select s.position, s.row_hash, c.version_rowid,
                   c.source_id, c.indicator, c.subject, c.mention, c.value, c.unit, c.period, c.kind
            from staged s
            full join reread_current c
              on c.source_id = s.source_id and c.indicator = s.indicator
             and c.subject = s.subject and c.mention = s.mention
             and c.row_hash = s.row_hash
            where s.position is null or c.version_rowid is null
            """).to_arrow_table()
    opens = pc.is_valid(delta.column("position"))
    # In staged order: a take of ascending positions reads each batch once, and the new versions
    # come back in the order they were staged
    opening = delta.filter(opens).sort_by("position")
    opened = staged.take(opening.column("position")).append_column("row_hash", opening.column("row_hash"))
    closing = delta.filter(pc.invert(opens))
    with _registered(con, closing_versions=closing, opened_versions=opened):
        con.execute(
            """
            update indicator_versions
            set valid_to = $now, closed_snapshot = $snapshot_id, close_cause = $cause
            where rowid in (select version_rowid from closing_versions)
            """, params)
        con.execute(
            """
            insert into indicator_versions
                (source_id, indicator, subject, mention, label, kind, value, unit, period, topic,
                 value_text, evidence, char_start, char_end, value_precision, content_hash, row_hash,
                 extractor_version, valid_from, opened_snapshot, open_cause)
            select source_id, indicator, subject, mention, label, kind, value, unit, period, topic,
                   value_text, evidence, char_start, char_end, value_precision, content_hash, row_hash,
                   $extractor_version, $now, $snapshot_id, $cause
            from opened_versions
            order by source_id, indicator, subject, mention
            """, {**params, "extractor_version": extractor_version})
    return AppliedVersions(cause=cause, opened=opened.select(list(DELTA_COLUMNS)),
                           closed=closing.select(list(DELTA_COLUMNS)))


def _check_guarantees(con: duckdb.DuckDBPyConnection, touched: pa.Table, snapshot_id: int, now: datetime) -> None:
    """Checked inside the transaction, on the sources this snapshot touched (`touched`, column
    source_id: the only ones that can gain or close a version), in one pass over their versions
    grouped by key."""
    with _registered(con, touched_sources=touched):
        duplicates, inverted, overlapping = con.execute(
            """
            select count(*) filter (where current_versions > 1),
                   coalesce(sum(inverted_now), 0),
                   coalesce(sum(live_versions - 1) filter (where opened_now > 0), 0)
            from (
                select count(*) filter (where valid_to is null) as current_versions,
                       count(*) filter (where valid_to is null or valid_to > $now) as live_versions,
                       count(*) filter (where opened_snapshot = $snapshot_id) as opened_now,
                       count(*) filter (where closed_snapshot = $snapshot_id and valid_to <= valid_from) as inverted_now
                from indicator_versions
                where source_id in (select source_id from touched_sources)
                group by source_id, indicator, subject, mention)
            """, {"snapshot_id": snapshot_id, "now": now}).fetchall()[0]
    if duplicates:
        raise IntegrityViolation("one_current_version", duplicates)
    if inverted:
        raise IntegrityViolation("valid_from_before_valid_to", inverted)
    # A new version starts at $now: any other version of its key still valid after then overlaps it
    if overlapping:
        raise IntegrityViolation("no_overlap", overlapping)


def _store_failures(con: duckdb.DuckDBPyConnection, run_id: str, now: datetime, failures: list[Failure]) -> None:
    if not failures:
        return
    frame = pa.table({
        "source_id": pa.array([f.source_id for f in failures], pa.string()),
        "indicator": pa.array([f.indicator for f in failures], pa.string()),
        "check_name": pa.array([f.check for f in failures], pa.string()),
        "reason": pa.array([f.reason for f in failures], pa.string()),
        "message": pa.array([f.message for f in failures], pa.string()),
        "offending_value": pa.array([f.value for f in failures], pa.string()),
        "fingerprint": pa.array([f.fingerprint for f in failures], pa.string()),
    })
    con.register("run_failures", frame)
    con.execute(
        """
        insert into validation_failures
            (run_id, created_at, source_id, indicator, check_name, reason, message, offending_value, fingerprint)
        select $run_id, $now, source_id, indicator, check_name, reason, message, offending_value, fingerprint
        from run_failures
        """, {"run_id": run_id, "now": now})
    con.unregister("run_failures")


def _track_problems(con: duckdb.DuckDBPyConnection, snapshot: SnapshotInput, now: datetime) -> ProblemDelta:
    """Fold this run's failures into `problems`: persisting ones seen again, gone ones resolved, new ones added."""
    failed = pa.table({
        "fingerprint": pa.array([f.fingerprint for f in snapshot.failures], pa.string()),
        "source_id": pa.array([f.source_id for f in snapshot.failures], pa.string()),
        "check_name": pa.array([f.check for f in snapshot.failures], pa.string()),
        "reason": pa.array([f.reason for f in snapshot.failures], pa.string()),
        "indicator": pa.array([f.indicator for f in snapshot.failures], pa.string()),
        "message": pa.array([f.message for f in snapshot.failures], pa.string()),
    })
    con.register("run_problems", failed)
    reextracted = set(snapshot.reextracted_source_ids)
    con.register("run_sources", pa.table({
        "source_id": pa.array(list(snapshot.listed_source_ids), pa.string()),
        "reextracted": pa.array([s in reextracted for s in snapshot.listed_source_ids], pa.bool_())}))
    params = {"now": now, "run_id": snapshot.run_id}
    # Persisting: seen again
    con.execute(
        """
        update problems as p
        set last_seen_at = $now, runs_seen = p.runs_seen + 1, message = r.message
        from (select fingerprint, any_value(message) as message from run_problems group by fingerprint) r
        where p.fingerprint = r.fingerprint and p.resolved_at is null
        """, {"now": now})
    # Resolved: the source is gone from the run, or it failed nothing this run and was read again
    # (a record's problem needs a re-extraction to be cleared; a document's needs only a clean read)
    resolved = con.execute(
        f"""
        update problems as p
        set resolved_at = $now, resolved_run_id = $run_id
        where p.resolved_at is null
          and p.fingerprint not in (select fingerprint from run_problems)
          and (p.source_id not in (select source_id from run_sources)
               or p.source_id in (select source_id from run_sources where reextracted or p.indicator is null))
        returning {PROBLEM_COLUMNS}
        """, params).fetchall()
    new = con.execute(
        f"""
        insert into problems (fingerprint, source_id, check_name, reason, indicator, message, first_run_id,
                              first_seen_at, last_seen_at, runs_seen)
        select fingerprint, any_value(source_id), any_value(check_name), any_value(reason), any_value(indicator),
               any_value(message), $run_id, $now, $now, 1
        from run_problems
        where fingerprint not in (select fingerprint from problems where resolved_at is null)
        group by fingerprint
        returning {PROBLEM_COLUMNS}
        """, params).fetchall()
    reminders = con.execute(
        f"""
        select {PROBLEM_COLUMNS}
        from problems
        where resolved_at is null and first_run_id <> $run_id
          and coalesce(last_alerted_at, first_seen_at) <= $now - to_seconds($interval)
        order by first_seen_at, source_id
        """, {**params, "interval": float(snapshot.reminder_interval_s)}).fetchall()
    con.unregister("run_problems")
    con.unregister("run_sources")
    return ProblemDelta(new=sorted(map(_problem, new), key=attrgetter("source_id")),
                        resolved=sorted(map(_problem, resolved), key=attrgetter("source_id")),
                        reminders=[_problem(row) for row in reminders])


def _conflicts_of(con: duckdb.DuckDBPyConnection, source_ids: list[str], detail: bool = False):
    """Current conflicting pairs that involve these sources: their keys, or (detail) key -> WatchedChange
    of change 'conflict' (old: the other source's value; new: this one's)."""
    rows = con.execute(
        """
        select c.indicator, c.subject, c.kind, c.unit, c.period, c.source_a, c.value_a, c.source_b, c.value_b,
               d.title, v.evidence, v.topic
        from indicator_conflicts c
        left join source_state ss on ss.source_id = c.source_b
        left join documents d on d.source_id = c.source_b and d.content_hash = ss.content_hash
        left join indicators_current v
          on v.source_id = c.source_b and v.indicator = c.indicator and v.subject = c.subject
         and v.period is not distinct from c.period and v.value = c.value_b
        where c.status = 'conflicting'
          and (c.source_a in (select unnest($ids::varchar[])) or c.source_b in (select unnest($ids::varchar[])))
        """, {"ids": list(source_ids)}).fetchall()
    found = {}
    for indicator, subject, kind, unit, period, source_a, value_a, source_b, value_b, title, evidence, topic in rows:
        key = (indicator, subject, kind, period, source_a, source_b)
        found[key] = WatchedChange(change="conflict", source_id=source_b, indicator=indicator, subject=subject,
                                   kind=kind, topic=topic, unit=unit, old_value=value_a, new_value=value_b,
                                   old_period=period, new_period=period, title=title, evidence=evidence,
                                   revision_of=source_a)
    return found if detail else set(found)


def _snapshot_changes_in_detail(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> list[WatchedChange]:
    """A snapshot's changes and the revisions it brought, each with its topic, source title and evidence."""
    rows = con.execute(
        """
        select c.change, c.source_id, c.indicator, c.subject, coalesce(c.new_kind, c.old_kind), v.topic,
               coalesce(c.new_unit, c.old_unit), c.old_value, c.new_value, c.old_period, c.new_period,
               d.title, c.evidence, null
        from indicator_changes c
        left join (select source_id, indicator, subject, mention, any_value(topic) as topic
                   from indicator_versions
                   where opened_snapshot = $s or closed_snapshot = $s
                   group by all) v
          on v.source_id = c.source_id and v.indicator = c.extracted_indicator and v.subject = c.subject
         and v.mention = c.mention
        left join source_state ss on ss.source_id = c.source_id
        left join documents d on d.source_id = c.source_id and d.content_hash = ss.content_hash
        where c.snapshot_id = $s
        union all
        select 'revised', t.source_id, t.indicator, t.subject, t.kind, t.topic, t.unit, t.previous_value, t.value,
               t.previous_period, t.period, t.title, t.evidence, t.revision_of
        from indicator_timeline t
        where t.revision is not null and t.revised_in_snapshot = $s
        order by 1, 2, 3, 4
        """, {"s": snapshot_id}).fetchall()
    return [WatchedChange(*row) for row in rows]


PROBLEM_COLUMNS = "fingerprint, source_id, check_name, reason, indicator, message, first_seen_at, runs_seen"


def _problem(row: tuple) -> Problem:
    return Problem(*row)


def _mark_alerted(con: duckdb.DuckDBPyConnection, fingerprints: list[str], now: datetime) -> None:
    if fingerprints:
        con.execute("update problems set last_alerted_at = $now where resolved_at is null "
                    "and fingerprint in (select unnest($fingerprints::varchar[]))",
                    {"now": now, "fingerprints": fingerprints})


def _finish_run(con: duckdb.DuckDBPyConnection, snapshot: SnapshotInput, snapshot_id: int,
                changes: list[Change]) -> None:
    counts = snapshot.counts
    tally = Counter(map(attrgetter("change"), changes))
    con.execute(
        """
        update runs
        set finished_at = $now,
            status = $status,
            snapshot_id = $snapshot_id,
            sources_new = $sources_new,
            sources_changed = $sources_changed,
            sources_unchanged = $sources_unchanged,
            sources_failed = $sources_failed,
            sources_missing = $sources_missing,
            records_added = $added,
            records_removed = $removed,
            records_shifted = $shifted,
            failures = $failures
        where run_id = $run_id
        """,
        {"now": datetime.now(timezone.utc), "run_id": snapshot.run_id, "snapshot_id": snapshot_id,
         "status": "failed_inputs" if snapshot.failures else "succeeded",
         "sources_new": counts.get("sources_new", 0), "sources_changed": counts.get("sources_changed", 0),
         "sources_unchanged": counts.get("sources_unchanged", 0),
         "sources_failed": counts.get("sources_failed", 0), "sources_missing": counts.get("sources_missing", 0),
         "added": tally["added"], "removed": tally["removed"], "shifted": tally["shifted"],
         "failures": len(snapshot.failures)})


def _records_table(records: list[NumberedRecord] | pa.Table, documents: list[Document],
                   reread: list[str]) -> pa.Table:
    """The snapshot's records as an Arrow table of RECORD_SCHEMA, in batches of at most
    STAGED_BATCH_ROWS rows: a table as it is (its columns picked, cast only where a type
    differs), a list column by column with C-level maps (no dict per record, each record's
    content_hash from its source's document). Either way every record must belong to a re-read
    source."""
    if isinstance(records, pa.Table):
        table = _as_record_schema(records)
        source_ids = table.column("source_id")
        stray = pc.invert(pc.is_in(source_ids, value_set=pa.array(reread, pa.string())))
        if pc.any(stray).as_py():  # None for no records at all
            _refuse_strays(pc.unique(pc.filter(source_ids, stray)).to_pylist())
        return _in_batches(table)
    plain = list(map(attrgetter("record"), records))
    source_ids = list(map(attrgetter("source_id"), plain))
    strays = set(source_ids).difference(reread)
    if strays:
        _refuse_strays(strays)
    content_hashes = {doc.source_id: doc.content_hash for doc in documents}
    arrays = []
    for field in RECORD_SCHEMA:
        if field.name == "source_id":
            values = source_ids
        elif field.name == "mention":
            values = list(map(attrgetter("mention"), records))
        elif field.name == "content_hash":
            values = list(map(content_hashes.__getitem__, source_ids))
        else:
            values = list(map(attrgetter(field.name), plain))
        try:
            arrays.append(pa.array(values, field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):  # e.g. a Decimal value: a float here
            arrays.append(pa.array([None if v is None else float(v) for v in values], field.type))
    return _in_batches(pa.Table.from_arrays(arrays, schema=RECORD_SCHEMA))


def _in_batches(table: pa.Table) -> pa.Table:
    return pa.Table.from_batches(table.to_batches(max_chunksize=STAGED_BATCH_ROWS), schema=table.schema)


def _as_record_schema(table: pa.Table) -> pa.Table:
    """A caller's table with RECORD_SCHEMA's columns, in its order and types (no copy when they match)."""
    missing = [name for name in RECORD_COLUMNS if name not in table.column_names]
    if missing:
        raise WarehouseError(f"the snapshot's records table lacks column(s) {', '.join(missing)}: "
                             f"it needs every column of RECORD_SCHEMA ({', '.join(RECORD_COLUMNS)})")
    table = table.select(RECORD_COLUMNS)
    if table.schema.equals(RECORD_SCHEMA):
        return table
    try:
        return table.cast(RECORD_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise WarehouseError(f"the snapshot's records table does not fit RECORD_SCHEMA: {exc}") from exc


def _refuse_strays(strays) -> None:
    raise WarehouseError(f"records of sources not re-read this run: {sorted(strays)[:3]}; "
                         "list every source whose records are committed in reextracted_source_ids")


# --- retirement -----------------------------------------------------------------------


def retire_source(db_path: Path, source_id: str, run_id: str, extractor_version: str) -> tuple[int | None, list[Change]]:
    """Close every current record of a source explicitly: the only way records end without a re-read."""
    now = datetime.now(timezone.utc)
    with transaction(db_path) as con:
        known = con.execute("select count(*) from source_state where source_id = $s",
                            {"s": source_id}).fetchall()[0][0]
        if not known:
            listed = [row[0] for row in con.execute(
                "select source_id from source_state where retired_at is null order by source_id limit 11").fetchall()]
            raise WarehouseError(f"unknown source {source_id!r}; known sources: "
                                 + (", ".join(listed[:10]) + (", …" if len(listed) > 10 else "") if listed else "none"))
        current = con.execute("select count(*) from indicator_versions where valid_to is null and source_id = $s",
                              {"s": source_id}).fetchall()[0][0]
        if not current:  # nothing to close: no snapshot, but the source stays retired all the same
            con.execute("update source_state set retired_at = coalesce(retired_at, $now) where source_id = $s",
                        {"now": now, "s": source_id})
            return None, []
        snapshot = SnapshotInput(run_id=run_id, created_at=now, extractor_version=extractor_version,
                                 cause="retire", read_documents=[], reextracted_source_ids=[],
                                 records=[], failures=[], counts={}, locations={})
        snapshot_id, now = _open_snapshot(con, snapshot)
        con.execute(
            """
            update indicator_versions
            set valid_to = $now, closed_snapshot = $snapshot_id, close_cause = 'retire'
            where valid_to is null and source_id = $source_id
            """, {"now": now, "snapshot_id": snapshot_id, "source_id": source_id})
        con.execute("update source_state set retired_at = $now where source_id = $source_id",
                    {"now": now, "source_id": source_id})
        changes = _changes_of(con, snapshot_id)
    return snapshot_id, changes


def unretire_source(db_path: Path, source_id: str) -> None:
    """Undo a retirement: the next run reads the source again (its stored hash is forgotten, so even
    an unchanged file is re-read and its records reopen)."""
    with transaction(db_path) as con:
        state = con.execute("select retired_at from source_state where source_id = $s", {"s": source_id}).fetchall()
        if not state:
            raise WarehouseError(f"unknown source {source_id!r}")
        if state[0][0] is None:
            raise WarehouseError(f"{source_id!r} is not retired")
        con.execute("update source_state set retired_at = null, content_hash = null, etag = null, "
                    "last_modified = null where source_id = $s", {"s": source_id})


# --- reading history ------------------------------------------------------------------


def _changes_of(con: duckdb.DuckDBPyConnection, snapshot_id: int,
                applied: AppliedVersions | None = None) -> list[Change]:
    """The changes a snapshot made, as indicator_changes shows them. `applied` is what
    _apply_versions returned in this transaction: the versions the snapshot opened and closed,
    paired here on their key, instead of joining indicator_versions with itself."""
    if applied is None:
        return _fetch_changes(con, snapshot_id, snapshot_id)
    # Keys as indicator_changes shows them: with the user's merges applied.
    with _registered(con, opened_versions=applied.opened, closed_versions=applied.closed):
        table = con.sql(
            f"""
            with c as (
                select coalesce(n.source_id, o.source_id) as source_id, coalesce(n.indicator, o.indicator) as indicator,
                       coalesce(n.subject, o.subject) as subject, coalesce(n.mention, o.mention) as mention,
                       case when n.source_id is null then 'removed' when o.source_id is null then 'added'
                            else 'shifted' end as change,
                       o.value as old_value, n.value as new_value, o.period as old_period, n.period as new_period,
                       o.kind as old_kind, n.kind as new_kind, coalesce(n.unit, o.unit) as unit
                from opened_versions n
                full join closed_versions o
                  on o.source_id = n.source_id and o.indicator = n.indicator
                 and o.subject = n.subject and o.mention = n.mention)
            select c.source_id, {MERGED_KEY_SQL.format(v="c")} as indicator, c.subject, c.change,
                   c.old_value, c.new_value, c.old_period, c.new_period, c.old_kind, c.new_kind, c.unit
            from c
            {MERGED_KEY_JOINS.format(v="c")}
            order by 1, 2, 3, c.mention
            """).to_arrow_table()
    # Through Arrow, column by column: a third of the time fetchall() takes to make the same values
    columns = [column.to_pylist() for column in table.columns]
    return [Change(snapshot_id, *row, cause=applied.cause) for row in zip(*columns)]


def _fetch_changes(con: duckdb.DuckDBPyConnection, first_snapshot: int, last_snapshot: int) -> list[Change]:
    """indicator_changes for a range of snapshots: the filter reaches both sides of the view's joins."""
    rows = con.execute(
        """
        select snapshot_id, source_id, indicator, subject, change, old_value, new_value,
               old_period, new_period, old_kind, new_kind, coalesce(new_unit, old_unit), cause
        from indicator_changes
        where snapshot_id between $first and $last
        order by snapshot_id, source_id, indicator, subject, mention
        """, {"first": first_snapshot, "last": last_snapshot}).fetchall()
    return [Change(*row) for row in rows]


def document_versions(db_path: Path, source_id: str) -> list[dict]:
    """Every stored version of a source, oldest first, with its raw bytes from the archive."""
    with connect(db_path, read_only=True) as con:
        cursor = con.execute(
            """
            select d.content_hash, d.media_type, d.byte_size, d.first_seen_at, d.first_snapshot_id,
                   a.raw_bytes
            from documents d
            join document_archive a using (content_hash)
            where d.source_id = $source_id
            order by d.first_snapshot_id, d.first_seen_at
            """, {"source_id": source_id})
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def latest_snapshot_id(db_path: Path) -> int | None:
    with connect(db_path, read_only=True) as con:
        return con.execute("select max(snapshot_id) from snapshots").fetchall()[0][0]


def snapshot_at(db_path: Path, moment: datetime) -> int:
    """The last snapshot committed at or before a moment (0 if none)."""
    with connect(db_path, read_only=True) as con:
        found = con.execute("select max(snapshot_id) from snapshots where created_at <= $moment",
                            {"moment": moment}).fetchall()[0][0]
    return found or 0


def _latest_changing_snapshot(con: duckdb.DuckDBPyConnection) -> int | None:
    """The newest snapshot that opened or closed a version (one that only re-read documents changed nothing)."""
    return con.execute("select greatest(max(opened_snapshot), max(closed_snapshot)) from indicator_versions").fetchall()[0][0]


def changes_since(db_path: Path, after_snapshot: int | None) -> list[Change]:
    """Changes made after a snapshot; None means the changes of the latest snapshot that changed something."""
    with connect(db_path, read_only=True) as con:
        latest = con.execute("select max(snapshot_id) from snapshots").fetchall()[0][0]
        if latest is None:
            return []
        if after_snapshot is None:  # the latest snapshot that changed a record, not one that only re-read
            changed = _latest_changing_snapshot(con)
            return _fetch_changes(con, changed, changed) if changed is not None else []
        first = after_snapshot + 1
        return _fetch_changes(con, first, latest)


def history(db_path: Path, indicator: str, subject: str | None = None,
            as_of: datetime | None = None) -> list[dict]:
    """Every version of an indicator (merges applied: a merged key's history holds the versions
    of every key merged into it), oldest first; with as_of, the versions valid then."""
    # Only the conditions asked for: a `$x is null or ...` guard would keep DuckDB from
    # pushing them into the scan as filters. The extracted keys that can read as `indicator`
    # are looked up first, so the scan filters on a short list of keys.
    where = ["v.indicator in (select unnest($keys))"]
    params: dict = {"indicator": indicator}
    if subject is not None:
        where.append("v.subject = $subject")
        params["subject"] = subject
    if as_of is not None:
        where.append("v.valid_from <= $as_of and (v.valid_to is null or v.valid_to > $as_of)")
        params["as_of"] = as_of
    with connect(db_path, read_only=True) as con:
        params["keys"] = [indicator] + [row[0] for row in con.execute(
            "select distinct from_indicator from indicator_alias_map where to_indicator = $indicator",
            {"indicator": indicator}).fetchall()]
        cursor = con.execute(
            f"""
            select * from (
                select v.version_id, v.source_id,
                       {MERGED_KEY_SQL.format(v="v")} as indicator,
                       v.indicator as extracted_indicator,
                       v.subject, v.mention, v.kind, v.value, v.unit, v.period,
                       v.value_text, v.evidence, v.valid_from, v.valid_to, v.opened_snapshot, v.closed_snapshot,
                       v.open_cause, v.close_cause, v.extractor_version
                from indicator_versions v
                {MERGED_KEY_JOINS.format(v="v")}
                where {" and ".join(where)})
            where indicator = $indicator
            order by valid_from, source_id, subject, mention, version_id
            """, params)
        return _dicts(cursor)


def merged_into(db_path: Path, indicator: str) -> list[dict]:
    """Where an extracted key's records now read: its aliases, resolved (empty if never merged)."""
    with connect(db_path, read_only=True) as con:
        return _dicts(con.execute(
            """
            select subject, to_indicator
            from indicator_alias_map
            where from_indicator = $indicator
            order by subject nulls last
            """, {"indicator": indicator}))


CONFLICTS_SQL = """
    select indicator, subject, kind, unit, period, source_a, value_a, value_text_a,
           source_b, value_b, value_text_b, status
    from indicator_conflicts
    where $all or status = 'conflicting'
    order by indicator, subject, period, source_a, source_b
    limit $limit
    """


def conflicts(db_path: Path, include_consistent: bool = False, limit: int | None = None) -> list[dict]:
    with connect(db_path, read_only=True) as con:
        return _dicts(con.execute(CONFLICTS_SQL, {"all": include_consistent, "limit": limit}))


# --- merges and the indicator listing ------------------------------------------------


def _aliases(con: duckdb.DuckDBPyConnection) -> list[Alias]:
    rows = con.execute(
        """
        select from_indicator, to_indicator, subject, created_at, created_by, note
        from indicator_aliases
        order by from_indicator, subject nulls first
        """).fetchall()
    return [Alias(*row) for row in rows]


def aliases(db_path: Path) -> list[Alias]:
    """Every merge a user made, by key, the general one before subject ones."""
    with connect(db_path, read_only=True) as con:
        return _aliases(con)


def add_alias(db_path: Path, alias: Alias) -> Alias | None:
    """Record a merge; returns the alias it replaced (same key and subject), if any.

    Refused (AliasRefused) when FROM is a key the warehouse never extracted (for that subject,
    if one is given) nor merged into, when FROM is TO, or when the merge would close a cycle.
    """
    check_alias_keys(alias)
    with transaction(db_path) as con:
        params = {"key": alias.from_indicator, "subject": alias.subject}
        known = con.execute(
            """
            select exists (select 1 from indicator_versions
                           where indicator = $key and ($subject is null or subject = $subject))
                or exists (select 1 from indicator_aliases where to_indicator = $key)
            """, params).fetchall()[0][0]
        if not known:
            where = f" for {alias.subject}" if alias.subject else ""
            raise AliasRefused("unknown_indicator",
                               f"unknown indicator {alias.from_indicator!r}{where}: the warehouse has no record "
                               "of it; see `tracker indicators` for the keys it knows")
        existing = _aliases(con)
        check_new_alias(existing, alias)
        replaced = next((a for a in existing if a.scope == alias.scope), None)
        con.execute(
            """
            delete from indicator_aliases
            where from_indicator = $key and subject is not distinct from $subject
            """, params)
        con.execute(
            """
            insert into indicator_aliases (from_indicator, to_indicator, subject, created_at, created_by, note)
            values ($from_indicator, $to_indicator, $subject, $created_at, $created_by, $note)
            """, alias.to_dict())
    return replaced


def remove_alias(db_path: Path, from_indicator: str, subject: str | None = None) -> Alias:
    """Undo a merge (the one of this key and subject); records read as extracted again."""
    with transaction(db_path) as con:
        found = [a for a in _aliases(con) if a.scope == (from_indicator, subject)]
        if not found:
            where = f" for {subject}" if subject else " for every subject"
            raise AliasRefused("no_such_alias", f"no alias of {from_indicator}{where}; "
                                                "see `tracker alias --list`")
        con.execute(
            """
            delete from indicator_aliases
            where from_indicator = $key and subject is not distinct from $subject
            """, {"key": from_indicator, "subject": subject})
    return found[0]


# --- the timeline and revisions across sources --------------------------------------

# Period order (a span by its end year); a statement without a period sorts by the year it was
# published (else first seen); then publication date, first seen, source, place in the text.
TIMELINE_SQL = """
    select source_id, indicator, subject, kind, value, unit, period, published_on, first_seen, title,
           evidence, value_text, label, extracted_indicator, revision, revision_of, previous_value,
           previous_period, revised_in_snapshot
    from indicator_timeline
    where {where}
    order by coalesce(period_order, cast(year(stated_at) as varchar)), period nulls first,
             published_on nulls last, first_seen, source_id, char_start, subject, mention
    """


def _equal_filters(**columns: str | None) -> tuple[str, dict]:
    """A `where` clause testing each given column for equality with its bound value ("true" when none is given)."""
    given = {column: value for column, value in columns.items() if value is not None}
    return " and ".join(f"{column} = ${column}" for column in given) or "true", given


def timeline(db_path: Path, indicator: str, subject: str | None = None, kind: str | None = None) -> list[dict]:
    """Every current statement of an indicator (merges applied) across all sources, in period
    order, each with its source's title and publication date, and the revision it makes."""
    where, params = _equal_filters(indicator=indicator, subject=subject, kind=kind)
    with connect(db_path, read_only=True) as con:
        return _dicts(con.execute(TIMELINE_SQL.format(where=where), params))


def known_indicator_keys(db_path: Path) -> list[str]:
    """Every key a current statement reads as (merges applied)."""
    with connect(db_path, read_only=True) as con:
        return [row[0] for row in con.execute(
            "select distinct indicator from indicators_current order by indicator").fetchall()]


REVISIONS_SQL = """
    select revised_in_snapshot as snapshot_id, source_id, indicator, subject, 'revised' as change,
           previous_value as old_value, value as new_value, previous_period as old_period,
           period as new_period, kind as old_kind, kind as new_kind, unit, revision as cause,
           revision_of
    from indicator_timeline
    where revision is not null
      and revised_in_snapshot between $first and $last
    order by revised_in_snapshot, indicator, subject, period, source_id
    """


def revisions_since(db_path: Path, after_snapshot: int | None) -> list[Change]:
    """Revisions across sources (CONTRACT section 3: a newer source states another value or
    deadline) brought by the snapshots after one; None means by the latest snapshot. Read from
    the current statements: a revision whose statements are gone is no longer listed."""
    with connect(db_path, read_only=True) as con:
        latest = con.execute("select max(snapshot_id) from snapshots").fetchall()[0][0]
        if latest is None:
            return []
        if after_snapshot is None:  # the latest snapshot that changed a record, as changes_since
            first = latest = _latest_changing_snapshot(con)
            if first is None:
                return []
        else:
            first = after_snapshot + 1
        rows = con.execute(REVISIONS_SQL, {"first": first, "last": latest}).fetchall()
    return [Change(*row) for row in rows]


# The sort key of a period: a span (2021-2025) sorts by its end year.
PERIOD_ORDER_SQL = "case when regexp_full_match(period, '[0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]') then right(period, 4) else period end"

INDICATORS_SQL = f"""
    with statements as (
        -- "Latest": the latest period, then the latest published source (else the latest read)
        select c.*, row_number() over (
                   partition by c.indicator
                   order by {PERIOD_ORDER_SQL} desc nulls last, c.period desc nulls last,
                            coalesce(cast(d.published_on as timestamptz), c.valid_from) desc,
                            c.source_id, c.subject, c.mention) as recency
        from indicators_current c
        left join documents d on d.source_id = c.source_id and d.content_hash = c.content_hash
        where {{where}}
    )
    select indicator,
           coalesce(mode(label) filter (where extracted_indicator = indicator), mode(label)) as label,
           list(distinct topic order by topic) as topics,
           list(distinct subject order by subject) as subjects,
           count(distinct source_id) as sources,
           count(*) as statements,
           list(distinct extracted_indicator order by extracted_indicator) as extracted_indicators,
           list(distinct unit order by unit) filter (where unit is not null) as units,
           any_value(period) filter (where recency = 1) as latest_period,
           any_value(value) filter (where recency = 1) as latest_value,
           any_value(unit) filter (where recency = 1) as latest_unit,
           any_value(kind) filter (where recency = 1) as latest_kind,
           any_value(source_id) filter (where recency = 1) as latest_source
    from statements
    group by indicator
    order by indicator
    """


def indicators(db_path: Path, topic: str | None = None, subject: str | None = None) -> list[dict]:
    """The indicators the warehouse knows now (merges applied), one row per key."""
    where, params = _equal_filters(topic=topic, subject=subject)
    with connect(db_path, read_only=True) as con:
        return _dicts(con.execute(INDICATORS_SQL.format(where=where), params))


# Two keys one source states for the same subject and period with different values: that
# source tells them apart, so they are not suggested as duplicates.
CO_STATED_SQL = """
    select distinct a.indicator as key_a, b.indicator as key_b
    from indicators_current a
    join indicators_current b
      on a.source_id = b.source_id and a.subject = b.subject
     and a.period is not distinct from b.period
     and a.indicator < b.indicator
    where a.value is distinct from b.value
    """


def indicator_profiles(db_path: Path, topic: str | None = None, subject: str | None = None):
    """What duplicate suggestions compare: each current key's label, units, subjects, periods
    and sources (merges applied), the key pairs a source tells apart, and the merges made."""
    from tracker.suggest import IndicatorProfile

    where, params = _equal_filters(topic=topic, subject=subject)
    with connect(db_path, read_only=True) as con:
        rows = con.execute(
            f"""
            select indicator,
                   coalesce(mode(label) filter (where extracted_indicator = indicator), mode(label)),
                   list(distinct unit) filter (where unit is not null),
                   list(distinct subject),
                   list(distinct period) filter (where period is not null),
                   list(distinct source_id)
            from indicators_current
            where {where}
            group by indicator
            order by indicator
            """, params).fetchall()
        co_stated = {frozenset(pair) for pair in con.execute(CO_STATED_SQL).fetchall()}
        merges = _aliases(con)
    profiles = [IndicatorProfile(key=r[0], label=r[1], units=frozenset(r[2] or ()), subjects=frozenset(r[3]),
                                 periods=frozenset(r[4] or ()), sources=frozenset(r[5])) for r in rows]
    return profiles, co_stated, merges


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


# --- the report -----------------------------------------------------------------------
# Everything is aggregated and capped in SQL, so the report costs the same on ten versions
# as on millions: an index row per indicator, a bounded number of statements per charted
# indicator (its busiest subjects, latest periods first), the latest revisions, changes,
# conflicts, failures and alerts.

REPORT_STATS_SQL = """
    select (select count(*) from runs) as runs,
           (select count(*) from snapshots) as snapshots,
           (select max(snapshot_id) from snapshots) as latest_snapshot,
           (select max(created_at) from snapshots) as latest_snapshot_at,
           (select count(*) from indicator_versions) as versions,
           (select count(*) from indicator_versions where valid_to is null) as current_records,
           (select count(distinct indicator) from indicators_current) as indicators,
           (select count(*) from source_state where retired_at is null) as sources,
           (select count(*) from indicator_conflicts where status = 'conflicting') as conflicts,
           (select count(*) from indicator_timeline where revision is not null) as revisions,
           (select count(*) from validation_failures) as failures,
           (select count(*) from alerts) as alerts,
           (select count(*) from alerts where status = 'failed') as alerts_undelivered
    """

LATEST_RUN_SQL = """
    select run_id, started_at, finished_at, status as run_status, snapshot_id as run_snapshot,
           records_added, records_removed, records_shifted, failures as run_failures
    from runs
    order by started_at desc
    limit 1
    """

# What a source is called: where it was read from, and the title and publication date of its
# latest document version (a source replayed from the archive alone may have no location).
SOURCE_NAMES_SQL = """
    select s.source_id, s.location, d.title, d.published_on
    from source_state s
    left join (
        select source_id, title, published_on
        from documents
        qualify row_number() over (partition by source_id order by first_seen_at desc) = 1
    ) d using (source_id)
    """

# One row per indicator (merges applied): its topic, counts by kind, revisions and conflicts,
# and its latest figure (the latest period's measurement, else its latest statement). The
# busiest $charted indicators are charted; the index lists up to $limit.
REPORT_INDEX_SQL = """
    with statements as (
        select *, row_number() over (
                   partition by indicator
                   order by (kind = 'measurement' and value is not null) desc, period_order desc nulls last,
                            stated_at desc nulls last, source_id, subject, mention) as recency
        from indicator_timeline
    ),
    conflicts as (
        select indicator, count(*) as conflicts
        from indicator_conflicts
        where status = 'conflicting'
        group by indicator
    ),
    rows as (
        select indicator,
               coalesce(mode(label) filter (where extracted_indicator = indicator), mode(label)) as label,
               mode(topic) as topic,
               count(*) as statements,
               count(distinct source_id) as sources,
               count(distinct subject) as subjects,
               list(distinct subject order by subject)[1:12] as some_subjects,
               count(*) filter (where kind = 'measurement') as measurements,
               count(*) filter (where kind = 'target') as targets,
               count(*) filter (where kind = 'estimate') as estimates,
               count(*) filter (where kind = 'milestone') as milestones,
               count(*) filter (where revision is not null) as revisions,
               any_value(subject) filter (where recency = 1) as latest_subject,
               any_value(kind) filter (where recency = 1) as latest_kind,
               any_value(value) filter (where recency = 1) as latest_value,
               any_value(unit) filter (where recency = 1) as latest_unit,
               any_value(period) filter (where recency = 1) as latest_period
        from statements
        group by indicator
    )
    select r.*, coalesce(c.conflicts, 0) as conflicts,
           row_number() over (order by r.statements desc, r.indicator) <= $charted as charted
    from rows r
    left join conflicts c using (indicator)
    order by r.topic, r.statements desc, r.indicator
    limit $limit
    """

# The statements drawn for $indicators: each indicator's $max_subjects busiest subjects, at
# most $max_points statements each (latest periods first), with the source's name, whether the
# statement is in a current conflict (and with whom), and the statement it revises.
REPORT_STATEMENTS_SQL = f"""
    with names as ({SOURCE_NAMES_SQL}),
    ranked as (
        select *, count(*) over (partition by indicator, subject) as subject_statements
        from indicator_timeline
        where indicator in (select unnest($indicators))
    ),
    subjects as (
        select *, dense_rank() over (partition by indicator order by subject_statements desc, subject)
                  as subject_rank
        from ranked
    ),
    shown as (
        select *
        from subjects
        where subject_rank <= $max_subjects
        qualify row_number() over (
            partition by indicator
            order by period_order desc nulls last, stated_at desc nulls last, source_id, subject, mention)
            <= $max_points
    ),
    sides as (
        select indicator, subject, kind, unit, period, source_a as source_id, source_b as other,
               value_text_b as other_says
        from indicator_conflicts
        where status = 'conflicting' and indicator in (select unnest($indicators))
        union all
        select indicator, subject, kind, unit, period, source_b, source_a, value_text_a
        from indicator_conflicts
        where status = 'conflicting' and indicator in (select unnest($indicators))
    ),
    conflicted as (
        select s.indicator, s.subject, s.kind, s.unit, s.period, s.source_id,
               string_agg(coalesce(n.title, n.location, s.other) || ' says ' || s.other_says, '; '
                          order by s.other) as conflicts_with
        from sides s
        left join names n on n.source_id = s.other
        group by all
    )
    select s.indicator, s.label, s.topic, s.subject, s.subject_rank, s.kind, s.value, s.unit, s.period,
           s.period_order, s.value_text, s.evidence, s.source_id, s.mention, s.title, s.published_on,
           s.first_seen, s.stated_at, n.location, s.revision, s.revision_of, s.previous_value,
           s.previous_period, coalesce(p.title, p.location, s.revision_of) as revision_of_name,
           c.conflicts_with
    from shown s
    left join names n on n.source_id = s.source_id
    left join names p on p.source_id = s.revision_of
    left join conflicted c
      on c.indicator = s.indicator and c.subject = s.subject and c.kind = s.kind
     and c.unit = s.unit and c.period = s.period and c.source_id = s.source_id
    order by s.indicator, s.subject_rank, s.kind, s.period_order nulls first, s.stated_at, s.source_id,
             s.char_start
    """

# Revisions across sources, newest statement first, with both sources' names and dates.
LATEST_REVISIONS_SQL = f"""
    with names as ({SOURCE_NAMES_SQL})
    select t.revised_in_snapshot as snapshot_id, t.valid_from as changed_at, 'revised' as change,
           t.source_id, t.indicator, t.label, t.subject, t.kind, t.revision,
           t.previous_value as old_value, t.value as new_value, t.unit, t.previous_period as old_period,
           t.period as new_period, t.evidence, t.title, t.published_on, n.location,
           t.revision_of, p.title as revision_of_title, p.published_on as revision_of_published_on,
           p.location as revision_of_location
    from indicator_timeline t
    left join names n on n.source_id = t.source_id
    left join names p on p.source_id = t.revision_of
    where t.revision is not null
    order by t.stated_at desc, t.revised_in_snapshot desc, t.indicator, t.subject, t.source_id
    limit $limit
    """

LATEST_CHANGES_SQL = f"""
    with names as ({SOURCE_NAMES_SQL})
    select c.snapshot_id, c.changed_at, c.change, c.source_id, c.indicator, c.label, c.subject,
           c.old_value, c.new_value, coalesce(c.new_unit, c.old_unit) as unit, c.old_period, c.new_period,
           c.old_kind, c.new_kind, c.cause, c.evidence, n.title, n.published_on, n.location
    from indicator_changes c
    left join names n using (source_id)
    order by c.snapshot_id desc, c.source_id, c.indicator, c.subject, c.mention
    limit $limit
    """

REPORT_CONFLICTS_SQL = f"""
    with names as ({SOURCE_NAMES_SQL}),
    shown as (  -- the first $limit, before the names are joined to them
        select * from indicator_conflicts
        where status = 'conflicting'
        order by indicator, subject, period, source_a, source_b
        limit $limit
    )
    select c.indicator, c.subject, c.kind, c.unit, c.period, c.source_a, c.value_a, c.value_text_a,
           c.source_b, c.value_b, c.value_text_b, c.status,
           a.title as title_a, a.published_on as published_on_a, a.location as location_a,
           b.title as title_b, b.published_on as published_on_b, b.location as location_b
    from shown c
    left join names a on a.source_id = c.source_a
    left join names b on b.source_id = c.source_b
    order by c.indicator, c.subject, c.period, c.source_a, c.source_b
    """

LATEST_FAILURES_SQL = f"""
    with names as ({SOURCE_NAMES_SQL})
    select f.created_at, f.run_id, f.source_id, f.indicator, f.check_name, f.reason, f.message,
           f.offending_value, n.title, n.location
    from validation_failures f
    left join names n using (source_id)
    order by f.created_at desc, f.failure_id desc
    limit $limit
    """

LATEST_ALERTS_SQL = """
    select created_at, run_id, status, destination, attempts, last_error, text
    from alerts
    order by created_at desc, alert_id desc
    limit $limit
    """


def load_report(db_path: Path, top_indicators: int = 400, max_subjects: int = 6, max_points: int = 240,
                max_index: int = 5000, latest_revisions: int = 30, latest_changes: int = 50,
                max_conflicts: int = 50, latest_failures: int = 30, latest_alerts: int = 20) -> ReportData:
    """What the report shows, read in one read-only connection, every view with merges applied.

    `indicators` is the index (one row per indicator, `charted` for the `top_indicators`
    busiest); `timeline_points` the current statements drawn for the charted ones; `changes`
    the latest per-source changes followed by the latest revisions across sources (`change`
    'revised'); `evidence` stays empty (each statement carries its own). top_indicators=0 reads
    the headline tables only.
    """
    with connect(db_path, read_only=True) as con:
        stats = _dicts(con.execute(REPORT_STATS_SQL))[0]
        stats.update((_dicts(con.execute(LATEST_RUN_SQL)) or [{}])[0])
        index = (_dicts(con.execute(REPORT_INDEX_SQL, {"charted": top_indicators, "limit": max_index}))
                 if top_indicators else [])
        charted = [row["indicator"] for row in index if row["charted"]]
        points = _dicts(con.execute(REPORT_STATEMENTS_SQL, {
            "indicators": charted, "max_subjects": max_subjects, "max_points": max_points})) if charted else []
        changes = _dicts(con.execute(LATEST_CHANGES_SQL, {"limit": latest_changes}))
        changes += _dicts(con.execute(LATEST_REVISIONS_SQL, {"limit": latest_revisions}))
        return ReportData(
            generated_at=datetime.now(timezone.utc),
            stats=stats,
            indicators=index,
            timeline_points=points,
            changes=changes,
            conflicts=_dicts(con.execute(REPORT_CONFLICTS_SQL, {"limit": max_conflicts})),
            failures=_dicts(con.execute(LATEST_FAILURES_SQL, {"limit": latest_failures})),
            alerts=_dicts(con.execute(LATEST_ALERTS_SQL, {"limit": latest_alerts})),
            feeds=_dicts(con.execute(LATEST_FEED_RUNS_SQL)),
        )


# --- alerts ---------------------------------------------------------------------------


def _queue_alert(con: duckdb.DuckDBPyConnection, run_id: str | None, alert: Alert | None,
                 now: datetime) -> int | None:
    """Put an alert in the outbox (status pending), inside the caller's transaction; its id."""
    if alert is None:
        return None
    return con.execute(
        """
        insert into alerts (run_id, created_at, text, payload, destination, status, attempts)
        values ($run_id, $now, $text, $payload, 'none', 'pending', 0)
        returning alert_id
        """, {"run_id": run_id, "now": now, "text": alert.text, "payload": alert.payload}).fetchall()[0][0]


def undelivered_alerts(db_path: Path, wait_s: float = DEFAULT_WAIT_S) -> list[tuple[int, str]]:
    """The outbox: alerts queued but not yet sent, or whose delivery failed; oldest first."""
    with connect(db_path, read_only=True, wait_s=wait_s) as con:
        return con.execute(
            """
            select alert_id, payload
            from alerts
            where status in ('pending', 'failed')
            order by alert_id
            """).fetchall()


def update_alert_delivery(db_path: Path, alert_id: int, destination: str, status: str,
                          attempts: int, last_error: str | None, wait_s: float = DEFAULT_WAIT_S) -> None:
    with transaction(db_path, wait_s) as con:
        con.execute(
            """
            update alerts
            set status = $status,
                destination = $destination,
                attempts = attempts + $attempts,
                last_error = $last_error,
                delivered_at = case when $status = 'sent' then $now end
            where alert_id = $alert_id
            """,
            {"alert_id": alert_id, "destination": destination, "status": status, "attempts": attempts,
             "last_error": last_error, "now": datetime.now(timezone.utc)})


def current_documents(db_path: Path) -> list[Document]:
    """The archived current version of every unretired source, as read when it was stored."""
    with connect(db_path) as con:
        rows = con.execute(
            """
            select s.source_id, s.content_hash, d.raw_text, d.media_type, a.raw_bytes, s.etag, s.last_modified,
                   d.title, d.published_on, e.feed_url, e.entry_url, e.title, e.published_on, e.version
            from source_state s
            join documents d on d.source_id = s.source_id and d.content_hash = s.content_hash
            join document_archive a on a.content_hash = s.content_hash
            left join (select * from feed_entries where source_id is not null
                       qualify row_number() over (partition by source_id order by first_seen_at, feed_url) = 1) e
              on e.source_id = s.source_id
            where s.retired_at is null
            order by s.source_id
            """).fetchall()
    # A page a feed listed is re-read with its entry, whose title and date come first (tracker.published)
    return [Document(source_id=r[0], content_hash=r[1], text=r[2], media_type=r[3], raw=bytes(r[4]),
                     etag=r[5], last_modified=r[6], title=r[7], published_on=r[8],
                     listing=FeedEntry(feed_url=r[9], url=r[10], title=r[11], published_on=r[12], version=r[13],
                                       source_id=r[0]) if r[9] is not None else None)
            for r in rows]


def alerts_of_run(db_path: Path, run_id: str) -> list[tuple[int, str, str, str | None]]:
    """(alert_id, text, status, last_error) of the alerts a run queued."""
    with connect(db_path, read_only=True) as con:
        return con.execute("select alert_id, text, status, last_error from alerts where run_id = $r order by alert_id",
                           {"r": run_id}).fetchall()


def recent_alerts(db_path: Path, limit: int = 20) -> list[dict]:
    """The latest alerts, newest first, with their delivery status."""
    with connect(db_path, read_only=True) as con:
        return _dicts(con.execute(
            """
            select alert_id, run_id, created_at, status, attempts, last_error, delivered_at, destination, text
            from alerts order by alert_id desc limit $limit
            """, {"limit": limit}))


def record_alert(db_path: Path, run_id: str | None, alert: Alert, wait_s: float = DEFAULT_WAIT_S) -> int:
    """Queue one alert outside a run (`tracker alerts --test`); returns its id."""
    with transaction(db_path, wait_s) as con:
        return _queue_alert(con, run_id, alert, datetime.now(timezone.utc))


def conflicts_opened_in(db_path: Path, snapshot_id: int, limit: int | None = None) -> tuple[int, list[dict]]:
    """How many current conflicting pairs a record this snapshot opened takes part in (the
    disagreements the snapshot started, or renewed with a new value), and the first `limit` of them."""
    with connect(db_path, read_only=True) as con:
        rows = _dicts(con.execute(
            """
            with opened as (
                select distinct source_id, subject, period from indicator_versions
                where opened_snapshot = $s and valid_to is null and period is not null
            )
            select c.indicator, c.subject, c.kind, c.unit, c.period, c.source_a, c.value_a, c.source_b, c.value_b,
                   count(*) over () as conflicts
            from indicator_conflicts c
            where c.status = 'conflicting'
              -- two semi-joins, not one exists over `source_id in (a, b)`, which DuckDB runs as a
              -- nested loop over every conflict and every version
              and ((c.source_a, c.subject, c.period) in (select source_id, subject, period from opened)
                   or (c.source_b, c.subject, c.period) in (select source_id, subject, period from opened))
            order by c.indicator, c.subject, c.period, c.source_a, c.source_b
            limit $limit
            """, {"s": snapshot_id, "limit": limit}))
    count = rows[0]["conflicts"] if rows else 0  # limit 0 would hide it: events ask for at least one
    return count, [{key: value for key, value in row.items() if key != "conflicts"} for row in rows]
