"""SCD2 apply and as-of reads, measured (issue #5). Prints what it measured; asserts nothing.

    uv run python bench/scd2.py            # the full run: 1M versions, 1% changed, 10M as-of, peers
    uv run python bench/scd2.py --versions 100000 --asof-versions 1000000 --skip-peers   # a quick look

Four SCD2 applies on the same data, same machine, same run, each on its own copy of the
same starting state, each in a fresh process; only the apply step is timed:
- ours: warehouse.store.commit_snapshot with a SnapshotInput for the re-read sources (the real
  code path: documents and source_state, close + insert, guarantee checks, the snapshot's
  changes, the run row, commit), from opening the file to closing it. Its records are an Arrow
  table of store.RECORD_SCHEMA, as the flows hand them over (batches from extraction), built
  before the timing as the baseline's are; --records list gives them as NumberedRecord
  dataclasses instead, so the timing also includes turning them into Arrow;
- baseline: plain DuckDB, from the staged rows already in an Arrow table: hash, one update
  (close current versions whose key's hash differs), one insert (keys left with no current
  version), commit, also from opening the file to closing it;
- dlt: the `scd2` merge write disposition into DuckDB (merge_key = source_id, our key + row
  hash as the row version), the incremental load after an untimed initial load;
- dbt: a dbt-duckdb snapshot with the check strategy on value/unit/period/kind, the re-read
  rows as its source, after an untimed initial snapshot.
Ours and the baseline alternate for --rounds rounds (the median is shown): this machine may be
shared, and single timings vary. dlt and dbt live in bench/.venv-peers
(bench/requirements-peers.txt), created here when missing; their part runs there as a
subprocess (bench/scd2_peers.py). Every part prints one JSON line.

The data: `--versions` current records, 10 per source; `--changed` of them change their value,
one record per re-read source, and each re-read source restates all its records (so 1% changed
means 10% of sources re-read: 100k staged rows of which 10k differ).

Then the reads: a --asof-versions history (all records loaded, then daily snapshots each
shifting --changed of them at random) built by SQL range(), read by store.history (as of a
moment, and whole) and store.changes_since, each also as plain SQL on an open connection.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEERS_VENV = BENCH / ".venv-peers"
PEERS_REQUIREMENTS = BENCH / "requirements-peers.txt"
RECORDS_PER_SOURCE = 10
INDICATORS = 500
SUBJECTS = ["China", "United States", "EU", "OECD", "COMAC"]
BASE_AT = datetime(2024, 1, 1, tzinfo=timezone.utc)
APPLY_AT = datetime(2025, 1, 1, tzinfo=timezone.utc)


# --- the data ---------------------------------------------------------------------------

def records_sql(keys: str, value_version: str, doc_version: str) -> str:
    """Indicator records for the rows of `keys` (a relation with column k): each value moved by
    `value_version` steps, each read from document version `doc_version` (SQL expressions of k)."""
    subjects = "[" + ", ".join(f"'{s}'" for s in SUBJECTS) + "]"
    return f"""
        select source_id, indicator, subject, 1 as mention,
               'Indicator ' || indicator as label, 'measurement' as kind,
               value, 'percent' as unit, '2023' as period, 'general' as topic,
               value_text,
               indicator || ' for ' || subject || ' reached ' || value_text || ' in 2023.' as evidence,
               length(indicator || ' for ' || subject || ' reached ') as char_start,
               length(indicator || ' for ' || subject || ' reached ') + length(value_text) as char_end,
               cast(0.1 as double) as value_precision,
               md5(source_id || ':' || doc_version) as content_hash
        from (
            select *, cast(value as varchar) || '%' as value_text
            from (
                select k,
                       'src_' || lpad(cast(k // {RECORDS_PER_SOURCE} as varchar), 7, '0') as source_id,
                       'ind_' || lpad(cast((k // {RECORDS_PER_SOURCE} * 7 + k % {RECORDS_PER_SOURCE}) % {INDICATORS}
                                      as varchar), 3, '0') as indicator,
                       {subjects}[k % {RECORDS_PER_SOURCE} % {len(SUBJECTS)} + 1] as subject,
                       cast(round(1 + (k % 997) * 0.1 + ({value_version}) * 0.5, 1) as double) as value,
                       {doc_version} as doc_version
                from {keys}
            )
        )
        order by source_id, indicator, subject, mention
    """


def changed_keys_sql(versions: int, changed: int) -> str:
    """`changed` record keys spread evenly over the sources: at most one per source when possible."""
    stride = versions // changed
    offset = f"i % {min(RECORDS_PER_SOURCE, stride)}"
    return f"(select i * {stride} + {offset} as k from range({changed}) t(i))"


def write_inputs(workdir: Path, versions: int, changed: int) -> dict:
    """base.parquet: the records as first loaded; staged.parquet: every record of the re-read
    sources as read again, with `changed` values moved. Both carry our row_hash and, for dlt,
    a version hash of key + row_hash."""
    from warehouse.store import ROW_HASH_SQL  # the same expression the apply uses

    con = duckdb.connect()
    changed_keys = changed_keys_sql(versions, changed)
    reread_keys = f"""(
        select r.k
        from range({versions}) r(k)
        semi join {changed_keys} c on r.k // {RECORDS_PER_SOURCE} = c.k // {RECORDS_PER_SOURCE})"""
    moved = f"case when k in (select k from {changed_keys}) then 1 else 0 end"
    # content_hash follows the document: every record of a re-read source carries the new one
    for name, keys, value_version, doc_version in (("base", f"range({versions}) r(k)", "0", "0"),
                                                   ("staged", reread_keys, moved, "1")):
        sql = records_sql(keys, value_version, doc_version)
        con.execute(f"""
            copy (
                select *, {ROW_HASH_SQL} as row_hash,
                       md5(concat_ws('|', source_id, indicator, subject, mention, {ROW_HASH_SQL})) as version_hash
                from ({sql})
            ) to '{workdir / (name + '.parquet')}' (format parquet)
        """)
    counts = con.execute(f"""
        select (select count(*) from '{workdir / 'staged.parquet'}'),
               (select count(distinct source_id) from '{workdir / 'staged.parquet'}'),
               (select count(*) from '{workdir / 'staged.parquet'}' s
                where not exists (select 1 from '{workdir / 'base.parquet'}' b
                                  where b.source_id = s.source_id and b.indicator = s.indicator
                                    and b.subject = s.subject and b.mention = s.mention
                                    and b.row_hash = s.row_hash))
    """).fetchall()[0]
    con.close()
    return {"staged_rows": counts[0], "reread_sources": counts[1], "changed_rows": counts[2]}


def build_warehouse(db_path: Path, base_parquet: Path) -> None:
    """The state after a first run loaded base.parquet: one snapshot, every record current,
    a document and source_state row per source."""
    from warehouse import store

    store.ensure_schema(db_path)
    con = duckdb.connect(str(db_path))
    con.execute("set timezone = 'UTC'")
    con.execute("begin")
    con.execute("insert into snapshots values (1, 'bench-base', $at, 'bench', 'source')", {"at": BASE_AT})
    con.execute(f"""
        insert into indicator_versions
            (source_id, indicator, subject, mention, label, kind, value, unit, period, topic,
             value_text, evidence, char_start, char_end, value_precision, content_hash, row_hash,
             extractor_version, valid_from, opened_snapshot, open_cause)
        select source_id, indicator, subject, mention, label, kind, value, unit, period, topic,
               value_text, evidence, char_start, char_end, value_precision, content_hash, row_hash,
               'bench', $at, 1, 'source'
        from '{base_parquet}'
        order by source_id, indicator, subject, mention
    """, {"at": BASE_AT})
    con.execute(f"""
        insert into documents
            (source_id, content_hash, media_type, byte_size, raw_text, first_seen_at, first_snapshot_id)
        select source_id, content_hash, 'text/plain', 64, 'bench document ' || source_id, $at, 1
        from (select distinct source_id, content_hash from '{base_parquet}')
        order by source_id
    """, {"at": BASE_AT})
    con.execute(f"""
        insert into document_archive
        select content_hash, cast('bench document ' || source_id as blob)
        from (select distinct source_id, content_hash from '{base_parquet}')
    """)
    con.execute(f"""
        insert into source_state (source_id, location, content_hash, last_read_at)
        select distinct source_id, 'seeds/' || source_id || '.txt', content_hash, $at
        from '{base_parquet}'
        order by source_id
    """, {"at": BASE_AT})
    con.execute("commit")
    con.execute("checkpoint")
    con.close()


# --- ours: the real code path -------------------------------------------------------------

def part_ours(db_path: Path, staged_parquet: Path, rerun: bool, records_as: str = "arrow") -> dict:
    from tracker.diff import NumberedRecord
    from tracker.models import Document, IndicatorRecord
    from warehouse import store

    con = duckdb.connect()
    if records_as == "arrow":
        records = con.sql(f"select {', '.join(store.RECORD_COLUMNS)} from '{staged_parquet}'").to_arrow_table()
        records = records.cast(store.RECORD_SCHEMA)
        frame = records.select(["source_id", "content_hash"]).to_pandas()
    else:
        frame = con.execute(f"select * exclude (row_hash, version_hash) from '{staged_parquet}'").df()
        fields = [c for c in frame.columns if c not in ("mention", "content_hash")]
        records = [NumberedRecord(IndicatorRecord(**{f: row[f] for f in fields}), int(row["mention"]))
                   for row in frame.to_dict("records")]
    con.close()
    docs = {row.source_id: row.content_hash for row in frame[["source_id", "content_hash"]].drop_duplicates().itertuples()}
    documents = [Document(source_id=s, content_hash=h, text=f"bench document {s} re-read",
                          raw=f"bench document {s} re-read".encode()) for s, h in docs.items()]
    del frame

    def snapshot_input(run_id: str, at: datetime) -> store.SnapshotInput:
        return store.SnapshotInput(
            run_id=run_id, created_at=at, extractor_version="bench", cause="source",
            read_documents=documents, reextracted_source_ids=list(docs), records=records, failures=[],
            counts={"sources_changed": len(docs)}, locations={s: f"seeds/{s}.txt" for s in docs})

    # Time each step of commit_snapshot too, by wrapping the module's helpers it calls
    steps: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                steps[name] = steps.get(name, 0.0) + time.perf_counter() - t0
        return wrapper

    for name in ("_records_table", "_store_documents", "_apply_versions", "_check_guarantees", "_changes_of"):
        setattr(store, name, timed(name, getattr(store, name)))

    versions_before = _count_versions(db_path)
    store.begin_run(db_path, "bench-apply", APPLY_AT, os.getpid(), None, None)
    rss_before_kib = _reset_peak_rss()
    t0 = time.perf_counter()
    snapshot_id, changes = store.commit_snapshot(db_path, snapshot_input("bench-apply", APPLY_AT))
    apply_s = time.perf_counter() - t0
    rss_peak_kib = _peak_rss_since_reset()
    ru_maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    first_steps = dict(steps)
    versions_after = _count_versions(db_path)

    result = {
        "apply_s": apply_s, "steps_s": first_steps,
        "sql_s": sum(v for k, v in first_steps.items() if k != "_records_table"),
        "rss_before_mib": rss_before_kib / 1024, "rss_peak_mib": rss_peak_kib / 1024,
        "ru_maxrss_mib": ru_maxrss_kib / 1024,
        "snapshot_id": snapshot_id, "versions_added": versions_after - versions_before,
        "changes": _tally(c.change for c in changes),
    }
    if not rerun:
        return result
    # Semantic check: the same re-read again changes nothing
    steps.clear()
    store.begin_run(db_path, "bench-rerun", APPLY_AT + timedelta(hours=1), os.getpid(), None, None)
    t0 = time.perf_counter()
    _, rerun_changes = store.commit_snapshot(db_path, snapshot_input("bench-rerun", APPLY_AT + timedelta(hours=1)))
    rerun_s = time.perf_counter() - t0
    return {**result, "rerun_s": rerun_s, "rerun_versions_added": _count_versions(db_path) - versions_after,
            "rerun_changes": len(rerun_changes)}


def _reset_peak_rss() -> int:
    """Reset the kernel's peak-RSS mark (Linux: clear_refs 5) so VmHWM then measures what
    follows, not the building of the input; returns the resident size now, in KiB.

    ru_maxrss cannot be reset: it also keeps the parent's size at spawn time (the orchestrator
    that generated the data) and every peak before, so it is reported beside, not instead."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # not Linux, or not allowed: the peak then includes the input's building
    return _proc_status_kib("VmRSS:")


def _peak_rss_since_reset() -> int:
    return _proc_status_kib("VmHWM:") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _proc_status_kib(field: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _count_versions(db_path: Path) -> int:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute("select count(*) from indicator_versions").fetchall()[0][0]
    finally:
        con.close()


def _tally(items) -> dict:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


# --- baseline: two statements, nothing else -----------------------------------------------

def part_baseline(db_path: Path, staged_parquet: Path) -> dict:
    """Timed from opening the file to closing it, as commit_snapshot is (the close may checkpoint)."""
    from warehouse.store import ROW_HASH_SQL

    # the same staged rows, as Arrow columns: the cheapest input DuckDB can get
    staged = duckdb.sql(f"select * exclude (row_hash, version_hash) from '{staged_parquet}'").to_arrow_table()
    before = _count_versions(db_path)
    params = {"now": APPLY_AT, "snapshot_id": 2}
    t0 = time.perf_counter()
    con = duckdb.connect(str(db_path))
    con.execute("set timezone = 'UTC'")
    con.execute("begin")
    con.register("staged_records", staged)
    con.execute(f"create temp table staged as select *, {ROW_HASH_SQL} as row_hash from staged_records")
    con.execute("""
        update indicator_versions as v
        set valid_to = $now, closed_snapshot = $snapshot_id, close_cause = 'source'
        from staged s
        where v.valid_to is null
          and v.source_id = s.source_id and v.indicator = s.indicator
          and v.subject = s.subject and v.mention = s.mention
          and v.row_hash <> s.row_hash
    """, params)
    con.execute("""
        insert into indicator_versions
            (source_id, indicator, subject, mention, label, kind, value, unit, period, topic,
             value_text, evidence, char_start, char_end, value_precision, content_hash, row_hash,
             extractor_version, valid_from, opened_snapshot, open_cause)
        select s.source_id, s.indicator, s.subject, s.mention, s.label, s.kind, s.value, s.unit,
               s.period, s.topic, s.value_text, s.evidence, s.char_start, s.char_end,
               s.value_precision, s.content_hash, s.row_hash, 'bench', $now, $snapshot_id, 'source'
        from staged s
        anti join (select * from indicator_versions where valid_to is null) v
          on v.source_id = s.source_id and v.indicator = s.indicator
         and v.subject = s.subject and v.mention = s.mention
    """, params)
    con.execute("commit")
    con.close()
    apply_s = time.perf_counter() - t0
    return {"apply_s": apply_s, "versions_added": _count_versions(db_path) - before}


# --- as-of reads at scale -----------------------------------------------------------------

def build_history(db_path: Path, total: int, keys: int, per_snapshot: int) -> dict:
    """`total` versions of `keys` records: all opened by snapshot 1, then each daily snapshot
    after it shifts `per_snapshot` records picked at random (distinct within the snapshot), until
    `total` versions exist. Rows lie in the order a warehouse grows (by snapshot); a version is
    closed by its key's next version, so closings are scattered over old rows as in real use."""
    from warehouse import store
    from warehouse.store import ROW_HASH_SQL

    # a multiplier near keys / golden ratio, coprime with keys: consecutive j land far apart
    spread = next(m for m in range(int(keys * 0.618034) | 1, keys * 2, 2) if math.gcd(m, keys) == 1)
    snapshots = 1 + math.ceil(max(0, total - keys) / per_snapshot)
    store.ensure_schema(db_path)
    con = duckdb.connect(str(db_path))
    con.execute("set timezone = 'UTC'")
    con.execute("begin")
    con.execute("""
        insert into snapshots
        select s, 'bench-' || s, $base + to_days(cast(s as integer)), 'bench', 'source'
        from range(1, $n + 1) t(s)
    """, {"base": BASE_AT, "n": snapshots})
    subjects = "[" + ", ".join(f"'{s}'" for s in SUBJECTS) + "]"
    con.execute(f"""
        insert into indicator_versions
            (source_id, indicator, subject, mention, label, kind, value, unit, period, topic,
             value_text, evidence, char_start, char_end, value_precision, content_hash, row_hash,
             extractor_version, valid_from, valid_to, opened_snapshot, closed_snapshot,
             open_cause, close_cause)
        select source_id, indicator, subject, 1, 'Indicator ' || indicator, kind, value,
               unit, period, 'general', value_text, indicator || ' reached ' || value_text,
               0, length(value_text), 0.1, md5(source_id || opened), {ROW_HASH_SQL},
               'bench', $base + to_days(cast(opened as integer)),
               $base + to_days(cast(closed as integer)), opened, closed,
               'source', case when closed is not null then 'source' end
        from (
            select *, cast(value as varchar) || '%' as value_text,
                   'percent' as unit, 'measurement' as kind
            from (
                select n, k, opened, closed,
                       'src_' || lpad(cast(k // {RECORDS_PER_SOURCE} as varchar), 7, '0') as source_id,
                       'ind_' || lpad(cast((k // {RECORDS_PER_SOURCE} * 7 + k % {RECORDS_PER_SOURCE}) % {INDICATORS}
                                      as varchar), 3, '0') as indicator,
                       {subjects}[k % {RECORDS_PER_SOURCE} % {len(SUBJECTS)} + 1] as subject,
                       cast(round(1 + (k % 997) * 0.1 + ordinal * 0.5, 1) as double) as value,
                       cast(2020 + ordinal % 6 as varchar) as period
                from (
                    select n, k, opened,
                           lead(opened) over (partition by k order by opened) as closed,
                           row_number() over (partition by k order by opened) as ordinal
                    from (
                        select n,
                               case when n < {keys} then 1 else 2 + (n - {keys}) // {per_snapshot} end as opened,
                               case when n < {keys} then (n * {spread}) % {keys}
                                    else ((n - {keys}) % {per_snapshot} * {spread}
                                          + cast(hash(2 + (n - {keys}) // {per_snapshot}) % {keys} as bigint)) % {keys}
                               end as k
                        from range({total}) t(n)
                    )
                )
            )
        )
        order by n
    """, {"base": BASE_AT})
    con.execute("commit")
    con.execute("checkpoint")
    con.close()
    return {"snapshots": snapshots}


def part_asof(db_path: Path, repeat: int) -> dict:
    from warehouse import store

    con = duckdb.connect(str(db_path), read_only=True)
    last, middle_at = con.execute("""
        select max(snapshot_id),
               (select created_at + interval 12 hour from snapshots
                where snapshot_id = (select greatest(1, max(snapshot_id) // 2) from snapshots))
        from snapshots""").fetchall()[0]
    versions, current = con.execute(
        "select count(*), count(*) filter (where valid_to is null) from indicator_versions").fetchall()[0]
    con.close()
    indicator = "ind_042"

    def timed(fn):
        times, result = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        return {"first_s": times[0], "median_s": statistics.median(times), "rows": _rows(result)}

    def all_as_of():
        with store.connect(db_path, read_only=True) as c:
            return c.execute("""
                select count(*), count(distinct indicator), sum(value)
                from indicator_versions
                where valid_from <= $as_of and (valid_to is null or valid_to > $as_of)
            """, {"as_of": middle_at}).fetchall()

    all_rows = all_as_of()[0]
    # The same as-of query on an already open connection: the SQL alone, no connect
    open_con = duckdb.connect(str(db_path), read_only=True)
    open_con.execute("set timezone = 'UTC'")
    query_only = timed(lambda: open_con.execute("""
        select version_id, source_id, indicator, subject, mention, kind, value, unit, period,
               value_text, evidence, valid_from, valid_to, opened_snapshot, closed_snapshot,
               open_cause, close_cause, extractor_version
        from indicator_versions
        where indicator = $indicator
          and valid_from <= $as_of and (valid_to is null or valid_to > $as_of)
        order by valid_from, source_id, subject, mention, version_id
    """, {"indicator": indicator, "as_of": middle_at}).fetchall())
    changes_query_only = timed(lambda: open_con.execute("""
        select snapshot_id, source_id, indicator, subject, change, old_value, new_value,
               old_period, new_period, old_kind, new_kind, coalesce(new_unit, old_unit), cause
        from indicator_changes
        where snapshot_id > $after
        order by snapshot_id, source_id, indicator, subject, mention
    """, {"after": last - 1}).fetchall())
    open_con.close()
    return {
        "as_of_query_only": query_only, "changes_query_only": changes_query_only,
        "versions": versions, "current": current, "last_snapshot": last, "as_of": middle_at.isoformat(),
        "history_as_of": timed(lambda: store.history(db_path, indicator, as_of=middle_at)),
        "history_as_of_subject": timed(lambda: store.history(db_path, indicator, subject="China", as_of=middle_at)),
        "history_full": timed(lambda: store.history(db_path, indicator)),
        "all_as_of": {**timed(all_as_of), "valid_then": all_rows[0], "indicators": all_rows[1]},
        "changes_since": timed(lambda: store.changes_since(db_path, last - 1)),
    }


def _rows(result) -> int:
    return len(result) if isinstance(result, list) else 0


# --- peers ----------------------------------------------------------------------------------

def ensure_peers_venv() -> Path:
    python = PEERS_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {PEERS_VENV.relative_to(ROOT)} from {PEERS_REQUIREMENTS.relative_to(ROOT)} ...", file=sys.stderr)
        # The uv scripts/bootstrap put in the project's venv: a fresh machine has none on PATH
        uv = shutil.which("uv") or str(ROOT / ".venv" / "bin" / "uv")
        subprocess.run([uv, "venv", "-q", "-p", "3.11", str(PEERS_VENV)], check=True)
        subprocess.run([uv, "pip", "install", "-q", "--python", str(python), "-r", str(PEERS_REQUIREMENTS)], check=True)
    return python


# --- running the parts ----------------------------------------------------------------------

def run_part(argv: list[str], python: str = sys.executable) -> dict:
    """Run one part in a fresh process; its last stdout line is its JSON result."""
    done = subprocess.run([python, *argv], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench part {argv[:2]} failed with exit status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report_apply(args, workdir: Path) -> None:
    """The apply: ours, the baseline and the peers on the same data; prints the comparison."""
    changed = max(1, round(args.versions * args.changed))
    # Same data for everyone: parquet inputs, and one starting warehouse copied per contender
    t0 = time.perf_counter()
    shape = write_inputs(workdir, args.versions, changed)
    build_warehouse(workdir / "base.duckdb", workdir / "base.parquet")
    print(f"\n[setup {time.perf_counter() - t0:.1f} s] {args.versions:,} current versions in "
          f"{args.versions // RECORDS_PER_SOURCE:,} sources; re-read {shape['reread_sources']:,} sources = "
          f"{shape['staged_rows']:,} staged rows, of which {shape['changed_rows']:,} changed value", flush=True)

    # Ours and the baseline alternate, each round on fresh copies, so drift on a shared machine hits both
    runs: dict[str, list[dict]] = {"ours": [], "baseline": []}
    for round_no in range(args.rounds):
        order = ("ours", "baseline") if round_no % 2 == 0 else ("baseline", "ours")
        for contender in order:
            db = workdir / f"{contender}-{round_no}.duckdb"
            shutil.copy(workdir / "base.duckdb", db)
            extra = ["--rerun"] if contender == "ours" and round_no == 0 else []
            extra += ["--records", args.records] if contender == "ours" else []
            runs[contender].append(run_part([__file__, "--part", contender, "--db", str(db),
                                             "--workdir", str(workdir), *extra]))
            db.unlink()
    ours = _median_run(runs["ours"])
    baseline = _median_run(runs["baseline"])
    first = runs["ours"][0]
    peers = None
    if not args.skip_peers:
        python = ensure_peers_venv()
        peers = run_part([str(BENCH / "scd2_peers.py"), "--workdir", str(workdir)], python=str(python))

    print(f"\n== SCD2 apply: 1 snapshot over the re-read sources (wall time of the apply step only; "
          f"ours and baseline: median of {args.rounds} alternating rounds) ==")
    steps = ", ".join(f"{k.lstrip('_')} {v:.3f}" for k, v in ours["steps_s"].items())
    records_as, to_arrow = {"arrow": ("records as an Arrow table", "records checked (a table: not copied)"),
                            "list": ("records as dataclasses", "records -> Arrow")}[args.records]
    print(f"ours      {ours['apply_s']:8.3f} s  store.commit_snapshot from the SnapshotInput ({records_as}): "
          f"open the file, {to_arrow}, documents + source_state, close + insert, guarantee checks, "
          f"the snapshot's changes (list of Change), run row, commit, close   "
          f"[rounds: {_list(r['apply_s'] for r in runs['ours'])}]")
    print(f"          its steps (s): {steps}; all but records -> Arrow: {ours['sql_s']:.3f} s")
    print(f"baseline  {baseline['apply_s']:8.3f} s  plain DuckDB from the staged rows already as an Arrow table: "
          f"open the file, hash, 1 update (close where the key's hash differs) + 1 insert (keys with no "
          f"current version), commit, close   [rounds: {_list(r['apply_s'] for r in runs['baseline'])}]")
    if peers:
        dlt, dbt = peers["dlt"], peers["dbt"]
        print(f"dlt       {dlt['load_s']:8.3f} s  dlt {peers['dlt_version']} load step of the incremental run "
              f"(scd2 merge SQL in DuckDB {peers['duckdb_version']}); "
              f"whole pipeline.run {dlt['run_s']:.3f} s (extract {dlt['extract_s']:.3f} + normalize "
              f"{dlt['normalize_s']:.3f} + load); initial load of {args.versions:,} rows took {dlt['initial_run_s']:.1f} s, untimed")
        print(f"dbt       {dbt['node_s']:8.3f} s  dbt-duckdb {peers['dbt_duckdb_version']} snapshot node, check "
              f"strategy (the snapshot's SQL as dbt reports it); whole `dbt snapshot` invocation "
              f"{dbt['invocation_s']:.3f} s (parse, connect, ...); initial snapshot of "
              f"{args.versions:,} rows took {dbt['initial_invocation_s']:.1f} s, untimed")
    print("\nratios (the apply step only):")
    print(f"  ours / baseline   {ours['apply_s'] / baseline['apply_s']:6.2f}x   (goal <= 1.0x); "
          f"ours without records -> Arrow / baseline {ours['sql_s'] / baseline['apply_s']:.2f}x")
    if peers:
        print(f"  dlt / ours        {dlt['load_s'] / ours['apply_s']:6.2f}x   (goal >= 4x); "
              f"whole dlt run / ours {dlt['run_s'] / ours['apply_s']:.2f}x")
        print(f"  dbt / ours        {dbt['node_s'] / ours['apply_s']:6.2f}x   (goal >= 4x); "
              f"whole dbt invocation / ours {dbt['invocation_s'] / ours['apply_s']:.2f}x")
    print(f"\npeak RSS of our apply: {max(r['rss_peak_mib'] for r in runs['ours']):.0f} MiB (VmHWM of the process "
          f"that ran commit_snapshot, the mark reset just before the call, highest of {args.rounds} rounds; "
          f"{first['rss_before_mib']:.0f} MiB resident before it: Python, imports and the SnapshotInput of "
          f"{'' if args.records == 'arrow' else 'dataclasses for '}"
          f"{shape['staged_rows']:,} records); "
          f"ru_maxrss of that process {max(r['ru_maxrss_mib'] for r in runs['ours']):.0f} MiB (it cannot be reset: "
          f"it includes the input's building and the parent's size at spawn)")
    print("\nsame outcome:")
    print(f"  versions added: ours {ours['versions_added']:,}, baseline {baseline['versions_added']:,}"
          + (f", dlt {dlt['versions_added']:,}, dbt {dbt['versions_added']:,}" if peers else ""))
    print(f"  versions closed: ours {ours['changes'].get('shifted', 0):,} shifted in indicator_changes"
          + (f", dlt {dlt['versions_closed']:,}, dbt {dbt['versions_closed']:,}" if peers else ""))
    print(f"  our changes: {ours['changes']}; re-running the same snapshot: "
          f"{first['rerun_versions_added']} versions added, {first['rerun_changes']} changes, {first['rerun_s']:.3f} s")



def _median_run(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["apply_s"])[len(runs) // 2]


def _list(values) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", type=int, default=1_000_000, help="current versions before the apply")
    parser.add_argument("--changed", type=float, default=0.01, help="share of records whose value changes")
    parser.add_argument("--asof-versions", type=int, default=10_000_000, help="versions in the as-of table")
    parser.add_argument("--rounds", type=int, default=3,
                        help="applies of ours and of the baseline, alternating, each on a fresh copy (median shown)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions of each as-of query")
    parser.add_argument("--skip-peers", action="store_true", help="no dlt, no dbt (no venv, no download)")
    parser.add_argument("--skip-apply", action="store_true", help="only the as-of reads")
    parser.add_argument("--workdir", type=Path, default=BENCH / "out" / "scd2")
    parser.add_argument("--part", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--rerun", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--records", choices=("arrow", "list"), default="arrow",
                        help="how ours gets its records: an Arrow table (as the flows pass them) or NumberedRecord dataclasses")
    args = parser.parse_args()

    if args.part:  # one part in its own process: print its JSON result
        staged = args.workdir / "staged.parquet"
        result = {"ours": lambda: part_ours(args.db, staged, args.rerun, args.records),
                  "baseline": lambda: part_baseline(args.db, staged),
                  "asof": lambda: part_asof(args.db, args.repeat)}[args.part]()
        print(json.dumps(result, default=str))
        return

    started = time.perf_counter()
    workdir = args.workdir.resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    print(f"bench/scd2.py  duckdb {duckdb.__version__}, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores; workdir {workdir}", flush=True)

    if not args.skip_apply:
        report_apply(args, workdir)

    # As-of reads at scale
    t0 = time.perf_counter()
    per_snapshot = max(1, round(min(args.versions, args.asof_versions) * args.changed))
    history_shape = build_history(workdir / "asof.duckdb", args.asof_versions, min(args.versions, args.asof_versions), per_snapshot)
    build_s = time.perf_counter() - t0
    asof = run_part([__file__, "--part", "asof", "--db", str(workdir / "asof.duckdb"), "--workdir", str(workdir),
                     "--repeat", str(args.repeat)])
    print(f"\n== as-of reads at {asof['versions']:,} versions ==")
    print(f"[built in {build_s:.1f} s by SQL range(): {min(args.versions, args.asof_versions):,} records, "
          f"{history_shape['snapshots']} daily snapshots each shifting {per_snapshot:,}; "
          f"{asof['current']:,} current; as of {asof['as_of']}]")
    print(f"each timed {args.repeat}x: median (first call); store.* calls open their own read-only connection "
          f"each time, as the CLI does; 'SQL only' runs on a connection already open")
    for key, what, goal in (
        ("history_as_of", "store.history(db, 'ind_042', as_of=...): one indicator, the versions valid then", 0.2),
        ("as_of_query_only", "SQL only: history's select, where indicator = 'ind_042' and valid then", 0.2),
        ("history_as_of_subject", "store.history(db, 'ind_042', subject='China', as_of=...)", 0.2),
        ("history_full", "store.history(db, 'ind_042'): one indicator, every version", None),
        ("all_as_of", "all indicators as of: count, distinct indicators, sum(value) of the versions valid then", 0.2),
        ("changes_since", f"store.changes_since(db, {asof['last_snapshot'] - 1}): the last snapshot's changes", 0.05),
        ("changes_query_only", f"SQL only: the same select from indicator_changes where snapshot_id > {asof['last_snapshot'] - 1}", 0.05),
    ):
        m = asof[key]
        rows = f"{m['rows']:,} rows" if key != "all_as_of" else f"{m['valid_then']:,} versions valid, {m['indicators']} indicators"
        goal_text = f"  (goal <= {goal} s)" if goal else ""
        print(f"  {m['median_s']:7.3f} s ({m['first_s']:.3f})  {what}: {rows}{goal_text}")
    print(f"\ntotal bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
