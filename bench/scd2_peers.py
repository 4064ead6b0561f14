"""The peers of bench/scd2.py: dlt's `scd2` merge and a dbt-duckdb snapshot on the same data.

Runs inside bench/.venv-peers (bench/requirements-peers.txt), started by bench/scd2.py; reads
base.parquet (the first load) and staged.parquet (the re-read sources) from --workdir and
prints one JSON line. Each peer first loads base.parquet (untimed, reported), then applies
staged.parquet, which is what is compared with our commit_snapshot.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

# Offline and quiet: no telemetry, no version check
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")  # arrow vs dlt column hint notices
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DBT_VERSION_CHECK", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import duckdb  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402



def bench_dlt(workdir: Path) -> dict:
    import dlt

    db_path = workdir / "dlt.duckdb"
    pipeline = dlt.pipeline(pipeline_name="scd2bench", pipelines_dir=str(workdir / "dlt-pipelines"),
                            destination=dlt.destinations.duckdb(str(db_path)), dataset_name="bench")

    def indicator_versions(table):
        # Same semantics as ours: a version is (key, row_hash); only re-read sources retire records
        return dlt.resource(table, name="indicator_versions", merge_key="source_id",
                            write_disposition={"disposition": "merge", "strategy": "scd2",
                                               "row_version_column_name": "version_hash"})

    base = pq.read_table(workdir / "base.parquet").drop_columns(["row_hash"])
    staged = pq.read_table(workdir / "staged.parquet").drop_columns(["row_hash"])
    t0 = time.perf_counter()
    pipeline.run(indicator_versions(base))
    initial_run_s = time.perf_counter() - t0
    before = _count(db_path, "bench.indicator_versions", "_dlt_valid_to")

    t0 = time.perf_counter()
    pipeline.extract(indicator_versions(staged))
    t1 = time.perf_counter()
    pipeline.normalize()
    t2 = time.perf_counter()
    pipeline.load()
    t3 = time.perf_counter()
    after = _count(db_path, "bench.indicator_versions", "_dlt_valid_to")
    return {"initial_run_s": initial_run_s, "extract_s": t1 - t0, "normalize_s": t2 - t1, "load_s": t3 - t2,
            "run_s": t3 - t0, "versions_added": after[0] - before[0], "versions_closed": after[1] - before[1]}


DBT_PROJECT = """\
name: scd2bench
version: "1.0"
config-version: 2
profile: scd2bench
model-paths: ["models"]
snapshot-paths: ["snapshots"]
"""
DBT_PROFILES = """\
scd2bench:
  target: bench
  outputs:
    bench:
      type: duckdb
      path: "{path}"
      threads: 2
"""
DBT_SOURCES = """\
version: 2
sources:
  - name: bench
    schema: main
    tables:
      - name: staged_records
"""
DBT_SNAPSHOT = """\
snapshots:
  - name: indicator_versions
    relation: source('bench', 'staged_records')
    config:
      schema: snapshots  # dbt names it main_snapshots
      unique_key: [source_id, indicator, subject, mention]
      strategy: check
      check_cols: [value, unit, period, kind]
"""


def bench_dbt(workdir: Path) -> dict:
    """`dbt snapshot` as a user runs it, a process of its own (dbt-duckdb keeps its connection open
    in-process); the snapshot node's own time comes from target/run_results.json."""
    project = workdir / "dbt"
    (project / "models").mkdir(parents=True, exist_ok=True)
    (project / "snapshots").mkdir(exist_ok=True)
    db_path = workdir / "dbt.duckdb"
    (project / "dbt_project.yml").write_text(DBT_PROJECT)
    (project / "profiles.yml").write_text(DBT_PROFILES.format(path=db_path))
    (project / "models" / "sources.yml").write_text(DBT_SOURCES)
    (project / "snapshots" / "indicator_versions.yml").write_text(DBT_SNAPSHOT)
    dbt = Path(sys.executable).parent / "dbt"
    args = [str(dbt), "snapshot", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]

    def source_rows(parquet: Path) -> None:
        con = duckdb.connect(str(db_path))
        con.execute(f"create or replace table staged_records as "
                    f"select * exclude (row_hash, version_hash) from '{parquet}'")
        con.close()

    def snapshot() -> tuple[float, float]:
        t0 = time.perf_counter()
        done = subprocess.run(args, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        invocation_s = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"dbt snapshot failed ({done.returncode}): {done.stdout[-2000:]}")
        results = json.loads((project / "target" / "run_results.json").read_text())["results"]
        return invocation_s, sum(r["execution_time"] for r in results)

    source_rows(workdir / "base.parquet")
    initial_invocation_s, _ = snapshot()
    before = _count(db_path, "main_snapshots.indicator_versions", "dbt_valid_to")
    source_rows(workdir / "staged.parquet")  # the re-read sources, as the source relation
    invocation_s, node_s = snapshot()
    after = _count(db_path, "main_snapshots.indicator_versions", "dbt_valid_to")
    return {"initial_invocation_s": initial_invocation_s, "invocation_s": invocation_s, "node_s": node_s,
            "versions_added": after[0] - before[0], "versions_closed": after[1] - before[1]}


def _count(db_path: Path, table: str, valid_to: str) -> tuple[int, int]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(f"select count(*), count({valid_to}) from {table}").fetchall()[0]
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args()
    from importlib.metadata import version

    result = {"dlt_version": version("dlt"), "dbt_core_version": version("dbt-core"),
              "dbt_duckdb_version": version("dbt-duckdb"), "duckdb_version": duckdb.__version__,
              "dlt": bench_dlt(args.workdir), "dbt": bench_dbt(args.workdir)}
    sys.stdout.flush()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
