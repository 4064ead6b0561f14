"""How long `tracker report` takes on a warehouse of a million indicator versions.

    uv run python bench/report_speed.py [--versions 1000000] [--keep DIR]

Builds the warehouse synthetically with set-based SQL over `range()` (through the store's own
connection, so the schema is the real one), then times `tracker report` as a user runs it: a
fresh process, from start to the written file. Goal: at most 10 s.

The shape: 20 indicators, 5,000 sources, 10 versions per record (each a shift of the one
before, a few with a moved period), 100 snapshots an hour apart, about two sources per
(indicator, subject, period) so the conflicts view has real work, 10,000 validation failures.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.report import render_html  # noqa: E402
from warehouse import store  # noqa: E402

GOAL_S = 10.0
VERSIONS_PER_RECORD = 10
SNAPSHOTS = 100

BUILD_SQL = """
insert into snapshots (snapshot_id, run_id, created_at, extractor_version, cause)
select s, 'run' || s, timestamptz '2026-01-01 00:00:00+00' + to_hours(s), 'bench', 'source'
from range(1, $snapshots + 1) t(s);

insert into runs (run_id, started_at, finished_at, status, snapshot_id, records_shifted, failures)
select 'run' || s, timestamptz '2026-01-01 00:00:00+00' + to_hours(s),
       timestamptz '2026-01-01 00:00:00+00' + to_hours(s) + to_seconds(30),
       case when s % 10 = 0 then 'failed_inputs' else 'succeeded' end, s, $records // 10, 100
from range(1, $snapshots + 1) t(s);

insert into source_state (source_id, location, content_hash, last_read_at)
select 'source_' || lpad(cast(s as varchar), 4, '0') || '.txt', '/corpus/source_' || s || '.txt',
       md5(cast(s as varchar)), timestamptz '2026-01-05 00:00:00+00'
from range(5000) t(s);

insert into indicator_versions
    (source_id, indicator, subject, mention, label, kind, value, unit, period, topic, value_text,
     evidence, char_start, char_end, value_precision, content_hash, row_hash, extractor_version,
     valid_from, valid_to, opened_snapshot, closed_snapshot, open_cause, close_cause)
with records as (
    select k,
           'source_' || lpad(cast(k % 5000 as varchar), 4, '0') || '.txt' as source_id,
           'indicator_' || lpad(cast(k // 5000 as varchar), 2, '0') as indicator,
           'subject_' || (k % 50) as subject,
           2000 + (k // 50) % 50 as year
    from range($records) t(k)
),
versions as (
    select r.*, j,
           1 + j * 10 + r.k % 10 as opened,
           case when j < $per_record - 1 then 1 + (j + 1) * 10 + r.k % 10 end as closed,
           round(1 + r.k % 7 + j * 0.1, 1) as value,
           cast(r.year + case when j >= 5 and r.k % 3 = 0 then 3 else 0 end as varchar) as period
    from records r, range($per_record) v(j)
)
select source_id, indicator, subject, 1, 'Synthetic ' || indicator, 'measurement', value, 'percent',
       period, 'general', value || '%',
       'The synthetic figure for ' || subject || ' stood at ' || value || '% in ' || period || '.',
       0, 4, 0.1, md5(source_id || j), md5(value || period), 'bench',
       timestamptz '2026-01-01 00:00:00+00' + to_hours(opened),
       timestamptz '2026-01-01 00:00:00+00' + to_hours(closed),
       opened, closed, 'source', case when closed is not null then 'source' end
from versions;

insert into validation_failures (run_id, created_at, source_id, indicator, check_name, reason, message, offending_value)
select 'run' || (1 + f % $snapshots), timestamptz '2026-01-01 00:00:00+00' + to_hours(1 + f % $snapshots),
       'source_' || lpad(cast(f % 5000 as varchar), 4, '0') || '.txt', 'indicator_00', 'plausible_range',
       'implausible_value', 'indicator_00 = ''' || f || '%'' failed plausible_range', f || ' percent'
from range(10000) t(f);

insert into alerts (run_id, created_at, text, payload, destination, status, attempts)
select 'run' || s, timestamptz '2026-01-01 00:00:00+00' + to_hours(s) + to_seconds(31),
       'tracker run run' || s || ': 100 input(s) failed validation', '{}', 'none', 'not_configured', 0
from range(1, $snapshots + 1) t(s);
"""


TIMELINE_GOAL_S = 0.5


def build_warehouse(db_path: Path, versions: int) -> None:
    records = versions // VERSIONS_PER_RECORD
    with store.transaction(db_path) as con:
        for statement in filter(str.strip, BUILD_SQL.split(";\n")):
            params = {name: value for name, value in
                      {"snapshots": SNAPSHOTS, "records": records, "per_record": VERSIONS_PER_RECORD}.items()
                      if f"${name}" in statement}
            con.execute(statement, params)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--versions", type=int, default=1_000_000, help="indicator versions to generate")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build and report into DIR and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tracker-report-bench-") as scratch:
        where = args.keep or Path(scratch)
        where.mkdir(parents=True, exist_ok=True)
        db_path, out = where / "bench.duckdb", where / "report"
        db_path.unlink(missing_ok=True)

        started = time.perf_counter()
        build_warehouse(db_path, args.versions)
        build_s = time.perf_counter() - started
        total = store.load_report(db_path, top_indicators=0).stats["versions"]
        print(f"built {total:,} indicator versions in {build_s:.1f} s ({db_path.stat().st_size / 1e6:.0f} MB)")

        # In-process split: the queries, then the rendering
        started = time.perf_counter()
        data = store.load_report(db_path)
        query_s = time.perf_counter() - started
        started = time.perf_counter()
        html = render_html(data)
        render_s = time.perf_counter() - started
        print(f"load_report {query_s:.2f} s, render_html {render_s:.2f} s ({len(html) / 1e3:.0f} kB of HTML)")

        # What a user waits for: a fresh `tracker report` process
        command = [sys.executable, "-m", "tracker.cli", "report", "--db", str(db_path), "--out", str(out)]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        report_s = time.perf_counter() - started
        verdict = "within" if report_s <= GOAL_S else "OVER"
        print(f"tracker report on {total:,} versions: {report_s:.2f} s ({verdict} the {GOAL_S:.0f} s goal)")

        # `tracker timeline` of one indicator across every source (issue 13: <= 0.5 s)
        started = time.perf_counter()
        statements = store.timeline(db_path, "indicator_00")
        timeline_query_s = time.perf_counter() - started
        command = [sys.executable, "-m", "tracker.cli", "timeline", "indicator_00", "--db", str(db_path), "--format", "json"]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        timeline_s = time.perf_counter() - started
        verdict = "within" if timeline_s <= TIMELINE_GOAL_S else "OVER"
        print(f"timeline of indicator_00 ({len(statements):,} statements): query {timeline_query_s:.2f} s, "
              f"tracker timeline {timeline_s:.2f} s ({verdict} the {TIMELINE_GOAL_S} s goal)")
        return 0 if report_s <= GOAL_S and timeline_s <= TIMELINE_GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
