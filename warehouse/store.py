"""The one door to the DuckDB warehouse: connections, transactions and every SQL statement.

Callers pass a path, never a live connection: each function opens a short connection and
closes it, because a DuckDB write connection locks the file against every other process.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import duckdb

from tracker.diff import CurrentMention, NumberedRecord
from tracker.models import Change, Document, Failure, SourceState

if TYPE_CHECKING:  # pandas is imported where frames are built: a run that changes nothing never needs it
    import pandas as pd

SCHEMA_SQL = (Path(__file__).parent / "schema.sql").read_text(encoding="utf-8")
LOCK_RETRY_S = 0.05
# Warehouse files (path, inode) this process has already brought up to schema.sql: each later
# connection skips the statements, which rewrite the views and force a checkpoint on close.
_SCHEMA_APPLIED: set[tuple[str, int]] = set()
RECORD_COLUMNS = [
    "source_id", "indicator", "subject", "mention", "label", "kind", "value", "unit", "period",
    "topic", "value_text", "evidence", "char_start", "char_end", "value_precision", "content_hash",
]


class WarehouseError(Exception):
    """The warehouse cannot be used as asked."""


class IntegrityViolation(WarehouseError):
    """A history guarantee would break; the transaction was rolled back."""

    def __init__(self, check: str, count: int):
        super().__init__(f"history guarantee '{check}' violated by {count} row(s); the run was rolled back")
        self.check = check
        self.count = count


@contextmanager
def connect(db_path: Path, read_only: bool = False, wait_s: float = 10.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short connection; waits up to wait_s while another process holds the file."""
    db_path = Path(db_path)
    if read_only and not db_path.exists():
        raise WarehouseError(f"no warehouse at {db_path}: run `tracker run` first")
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            con = duckdb.connect(str(db_path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise WarehouseError(f"cannot open {db_path}: {exc}") from None
            time.sleep(LOCK_RETRY_S)
    try:
        if not read_only:
            _apply_schema_once(con, db_path)
        con.execute("set timezone = 'UTC'")
        yield con
    finally:
        con.close()


def _apply_schema_once(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    key = (str(db_path.resolve()), os.stat(db_path).st_ino)
    if key not in _SCHEMA_APPLIED:
        con.execute(SCHEMA_SQL)
        _SCHEMA_APPLIED.add(key)


@contextmanager
def transaction(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One write transaction: committed whole or not at all."""
    with connect(db_path) as con:
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


# --- runs -----------------------------------------------------------------------------


def begin_run(db_path: Path, run_id: str, started_at: datetime, pid: int,
              seeds_dir: str | None, sources_file: str | None) -> list[str]:
    """Record a run as running; runs still marked running died (the caller holds the run lock)."""
    with transaction(db_path) as con:
        crashed = [row[0] for row in con.execute(
            "select run_id from runs where status = 'running' order by started_at").fetchall()]
        con.execute(
            """
            update runs
            set status = 'crashed', finished_at = $now, error = 'the run ended without finishing (killed or crashed)'
            where status = 'running'
            """, {"now": started_at})
        con.execute(
            """
            insert into runs (run_id, started_at, status, pid, seeds_dir, sources_file)
            values ($run_id, $started_at, 'running', $pid, $seeds_dir, $sources_file)
            """,
            {"run_id": run_id, "started_at": started_at, "pid": pid,
             "seeds_dir": seeds_dir, "sources_file": sources_file})
    return crashed


def fail_run(db_path: Path, run_id: str, error: str) -> None:
    with transaction(db_path) as con:
        con.execute(
            """
            update runs
            set status = 'error', finished_at = $now, error = $error
            where run_id = $run_id
            """, {"run_id": run_id, "now": datetime.now(timezone.utc), "error": error})


# --- what is known --------------------------------------------------------------------


def known_sources(db_path: Path) -> dict[str, SourceState]:
    with connect(db_path) as con:
        rows = con.execute(
            """
            select source_id, content_hash, etag, last_modified, retired_at is not null
            from source_state
            """).fetchall()
    return {row[0]: SourceState(*row) for row in rows}


def current_mentions(db_path: Path, source_ids: list[str]) -> list[CurrentMention]:
    if not source_ids:
        return []
    with connect(db_path) as con:
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
    records: list[NumberedRecord]
    failures: list[Failure]
    counts: dict[str, int]  # sources_new, sources_changed, sources_unchanged, sources_failed, sources_missing
    locations: dict[str, str]  # source_id -> path or URL


def commit_snapshot(db_path: Path, snapshot: SnapshotInput) -> tuple[int, list[Change]]:
    """Apply one run in one transaction: a crash anywhere leaves the previous snapshot intact."""
    with transaction(db_path) as con:
        snapshot_id, now = _open_snapshot(con, snapshot)
        _store_documents(con, snapshot, snapshot_id, now)
        if snapshot.reextracted_source_ids:  # nothing re-read: no version can open or close
            _stage_records(con, snapshot)
            _apply_versions(con, snapshot_id, now, snapshot.extractor_version, snapshot.cause)
            _check_guarantees(con, snapshot_id)
            con.unregister("staged_records")
            con.unregister("touched_sources")
        _store_failures(con, snapshot.run_id, now, snapshot.failures)
        changes = _changes_of(con, snapshot_id)
        _finish_run(con, snapshot, snapshot_id, changes)
    return snapshot_id, changes


def _stage_records(con: duckdb.DuckDBPyConnection, snapshot: SnapshotInput) -> None:
    """The run's records and re-read sources as views `staged_records` and `touched_sources`."""
    import pandas as pd

    hashes = {doc.source_id: doc.content_hash for doc in snapshot.read_documents}
    con.register("staged_records", _records_frame(snapshot.records, hashes))
    con.register("touched_sources",
                 pd.DataFrame({"source_id": pd.Series(snapshot.reextracted_source_ids, dtype="string")}))


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
    import pandas as pd

    frame = pd.DataFrame([{
        "source_id": doc.source_id, "content_hash": doc.content_hash, "media_type": doc.media_type,
        "byte_size": len(doc.raw), "raw_text": doc.text, "raw_bytes": doc.raw,
        "etag": doc.etag, "last_modified": doc.last_modified,
        "location": snapshot.locations.get(doc.source_id, doc.source_id),
    } for doc in snapshot.read_documents])
    con.register("read_documents", frame)
    con.execute(
        """
        insert or ignore into documents
            (source_id, content_hash, media_type, byte_size, raw_text, first_seen_at, first_snapshot_id)
        select source_id, content_hash, media_type, byte_size, raw_text, $now, $snapshot_id
        from read_documents
        """, {"now": now, "snapshot_id": snapshot_id})
    con.execute(
        """
        insert or ignore into document_archive (content_hash, raw_bytes)
        select content_hash, any_value(raw_bytes)
        from read_documents
        group by content_hash
        """)
    con.execute(
        """
        insert into source_state (source_id, location, content_hash, etag, last_modified, last_read_at)
        select source_id, location, content_hash, etag, last_modified, $now
        from read_documents
        on conflict (source_id) do update set
            location = excluded.location,
            content_hash = excluded.content_hash,
            etag = excluded.etag,
            last_modified = excluded.last_modified,
            last_read_at = excluded.last_read_at,
            retired_at = null
        """, {"now": now})
    con.unregister("read_documents")


def _apply_versions(con: duckdb.DuckDBPyConnection, snapshot_id: int, now: datetime,
                    extractor_version: str, cause: str) -> None:
    """SCD2 as two set-based statements: close what is gone, insert what is new."""
    params = {"now": now, "snapshot_id": snapshot_id, "cause": cause}
    con.execute(
        """
        create or replace temp table staged as
        select *,
               md5(concat_ws('|', coalesce(cast(value as varchar), '-'), coalesce(unit, '-'),
                             coalesce(period, '-'), kind)) as row_hash
        from staged_records
        """)
    con.execute(
        """
        update indicator_versions as v
        set valid_to = $now, closed_snapshot = $snapshot_id, close_cause = $cause
        where v.valid_to is null
          and v.source_id in (select source_id from touched_sources)
          and not exists (
              select 1 from staged s
              where s.source_id = v.source_id and s.indicator = v.indicator
                and s.subject = v.subject and s.mention = v.mention
                and s.row_hash = v.row_hash)
        """, params)
    con.execute(
        """
        insert into indicator_versions
            (source_id, indicator, subject, mention, label, kind, value, unit, period, topic,
             value_text, evidence, char_start, char_end, value_precision, content_hash, row_hash,
             extractor_version, valid_from, opened_snapshot, open_cause)
        select s.source_id, s.indicator, s.subject, s.mention, s.label, s.kind, s.value, s.unit,
               s.period, s.topic, s.value_text, s.evidence, s.char_start, s.char_end,
               s.value_precision, s.content_hash, s.row_hash,
               $extractor_version, $now, $snapshot_id, $cause
        from staged s
        where not exists (
            select 1 from indicator_versions v
            where v.valid_to is null
              and v.source_id = s.source_id and v.indicator = s.indicator
              and v.subject = s.subject and v.mention = s.mention
              and v.row_hash = s.row_hash)
        """, {**params, "extractor_version": extractor_version})
    con.execute("drop table staged")


def _check_guarantees(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> None:
    """Checked inside the transaction, on the sources this snapshot touched."""
    duplicates = con.execute(
        """
        select count(*) from (
            select source_id, indicator, subject, mention
            from indicator_versions
            where valid_to is null
              and source_id in (select source_id from touched_sources)
            group by all
            having count(*) > 1)
        """).fetchall()[0][0]
    if duplicates:
        raise IntegrityViolation("one_current_version", duplicates)
    inverted = con.execute(
        """
        select count(*)
        from indicator_versions
        where closed_snapshot = $snapshot_id and valid_to <= valid_from
        """, {"snapshot_id": snapshot_id}).fetchall()[0][0]
    if inverted:
        raise IntegrityViolation("valid_from_before_valid_to", inverted)
    overlapping = con.execute(
        """
        select count(*)
        from indicator_versions n
        join indicator_versions o
          on o.source_id = n.source_id and o.indicator = n.indicator
         and o.subject = n.subject and o.mention = n.mention
         and o.version_id <> n.version_id
        where n.opened_snapshot = $snapshot_id
          and (o.valid_to is null or o.valid_to > n.valid_from)
        """, {"snapshot_id": snapshot_id}).fetchall()[0][0]
    if overlapping:
        raise IntegrityViolation("no_overlap", overlapping)


def _store_failures(con: duckdb.DuckDBPyConnection, run_id: str, now: datetime, failures: list[Failure]) -> None:
    if not failures:
        return
    import pandas as pd

    frame = pd.DataFrame([{
        "source_id": f.source_id, "indicator": f.indicator, "check_name": f.check,
        "reason": f.reason, "message": f.message, "offending_value": f.value,
    } for f in failures])
    con.register("run_failures", frame)
    con.execute(
        """
        insert into validation_failures
            (run_id, created_at, source_id, indicator, check_name, reason, message, offending_value)
        select $run_id, $now, source_id, indicator, check_name, reason, message, offending_value
        from run_failures
        """, {"run_id": run_id, "now": now})
    con.unregister("run_failures")


def _finish_run(con: duckdb.DuckDBPyConnection, snapshot: SnapshotInput, snapshot_id: int,
                changes: list[Change]) -> None:
    counts = snapshot.counts
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
         "added": sum(c.change == "added" for c in changes),
         "removed": sum(c.change == "removed" for c in changes),
         "shifted": sum(c.change == "shifted" for c in changes),
         "failures": len(snapshot.failures)})


def _records_frame(records: list[NumberedRecord], content_hashes: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    rows = [{**numbered.record.to_dict(), "mention": numbered.mention,
             "content_hash": content_hashes[numbered.record.source_id]} for numbered in records]
    frame = pd.DataFrame(rows, columns=RECORD_COLUMNS)
    frame = frame.astype({"value": "float64", "value_precision": "float64", "mention": "int64",
                          "char_start": "int64", "char_end": "int64"})
    # object columns keep None as SQL null (pandas' string dtype would turn it into NA text)
    for column in ("unit", "period"):
        frame[column] = frame[column].astype("object")
    return frame


# --- retirement -----------------------------------------------------------------------


def retire_source(db_path: Path, source_id: str, run_id: str, extractor_version: str) -> tuple[int, list[Change]]:
    """Close every current record of a source explicitly: the only way records end without a re-read."""
    now = datetime.now(timezone.utc)
    with transaction(db_path) as con:
        known = con.execute("select count(*) from source_state where source_id = $s",
                            {"s": source_id}).fetchall()[0][0]
        if not known:
            raise WarehouseError(f"unknown source {source_id!r}: see `select source_id from source_state`")
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


# --- reading history ------------------------------------------------------------------


def _changes_of(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> list[Change]:
    return _fetch_changes(con, "snapshot_id = $snapshot_id", {"snapshot_id": snapshot_id})


def _fetch_changes(con: duckdb.DuckDBPyConnection, where: str, params: dict) -> list[Change]:
    rows = con.execute(
        f"""
        select snapshot_id, source_id, indicator, subject, change, old_value, new_value,
               old_period, new_period, old_kind, new_kind, coalesce(new_unit, old_unit), cause
        from indicator_changes
        where {where}
        order by snapshot_id, source_id, indicator, subject, mention
        """, params).fetchall()
    return [Change(*row) for row in rows]


def latest_snapshot_id(db_path: Path) -> int | None:
    with connect(db_path, read_only=True) as con:
        return con.execute("select max(snapshot_id) from snapshots").fetchall()[0][0]


def snapshot_at(db_path: Path, moment: datetime) -> int:
    """The last snapshot committed at or before a moment (0 if none)."""
    with connect(db_path, read_only=True) as con:
        found = con.execute("select max(snapshot_id) from snapshots where created_at <= $moment",
                            {"moment": moment}).fetchall()[0][0]
    return found or 0


def changes_since(db_path: Path, after_snapshot: int | None) -> list[Change]:
    """Changes made after a snapshot; None means the changes the latest snapshot made."""
    with connect(db_path, read_only=True) as con:
        if after_snapshot is None:
            latest = con.execute("select max(snapshot_id) from snapshots").fetchall()[0][0]
            if latest is None:
                return []
            return _fetch_changes(con, "snapshot_id = $snapshot_id", {"snapshot_id": latest})
        return _fetch_changes(con, "snapshot_id > $after", {"after": after_snapshot})


def history(db_path: Path, indicator: str, subject: str | None = None,
            as_of: datetime | None = None) -> list[dict]:
    """Every version of an indicator, oldest first; with as_of, the versions valid then."""
    with connect(db_path, read_only=True) as con:
        cursor = con.execute(
            """
            select version_id, source_id, indicator, subject, mention, kind, value, unit, period,
                   value_text, evidence, valid_from, valid_to, opened_snapshot, closed_snapshot,
                   open_cause, close_cause, extractor_version
            from indicator_versions
            where indicator = $indicator
              and ($subject is null or subject = $subject)
              and ($as_of is null or (valid_from <= $as_of and (valid_to is null or valid_to > $as_of)))
            order by valid_from, source_id, subject, mention, version_id
            """, {"indicator": indicator, "subject": subject, "as_of": as_of})
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def conflicts(db_path: Path, include_consistent: bool = False) -> list[dict]:
    with connect(db_path, read_only=True) as con:
        cursor = con.execute(
            """
            select indicator, subject, kind, unit, period, source_a, value_a, value_text_a,
                   source_b, value_b, value_text_b, status
            from indicator_conflicts
            where $all or status = 'conflicting'
            order by indicator, subject, period, source_a, source_b
            """, {"all": include_consistent})
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


# --- alerts ---------------------------------------------------------------------------


def record_alert(db_path: Path, run_id: str | None, text: str, payload: str, destination: str,
                 status: str, attempts: int, last_error: str | None) -> int:
    now = datetime.now(timezone.utc)
    with transaction(db_path) as con:
        return con.execute(
            """
            insert into alerts (run_id, created_at, text, payload, destination, status, attempts,
                                last_error, delivered_at)
            values ($run_id, $now, $text, $payload, $destination, $status, $attempts, $last_error,
                    case when $status = 'sent' then $now end)
            returning alert_id
            """,
            {"run_id": run_id, "now": now, "text": text, "payload": payload, "destination": destination,
             "status": status, "attempts": attempts, "last_error": last_error}).fetchall()[0][0]


def undelivered_alerts(db_path: Path) -> list[tuple[int, str]]:
    """Alerts a webhook never received; re-sent by the next run."""
    with connect(db_path) as con:
        return con.execute(
            """
            select alert_id, payload
            from alerts
            where status = 'failed'
            order by alert_id
            """).fetchall()


def update_alert_delivery(db_path: Path, alert_id: int, destination: str, status: str,
                          attempts: int, last_error: str | None) -> None:
    with transaction(db_path) as con:
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
