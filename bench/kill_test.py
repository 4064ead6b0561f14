"""Issue 6: kill `tracker run` with SIGKILL at random moments; the warehouse must stay whole.

Fills a warehouse from a generated corpus, then, `--runs` times: rewrites some documents (so the run
has work to commit), starts `tracker run`, sends SIGKILL after a random delay, and checks:
  - no identity has two current rows (source_id, indicator, subject, mention with valid_to null);
  - the previous snapshot is intact: the same snapshots and indicator_versions rows as before the
    killed run, unless the killed run committed (its snapshot is in `snapshots`); then the old rows
    differ only by being closed by that snapshot;
  - the next run completes (exit 0 or 1) and marks the killed run `crashed` if it had started.
Delays alternate between the whole run (from the process start: mostly Prefect starting) and the
pipeline's own part (after the run took the warehouse lock), each up to the calibrated duration.
Then checks the lock: a run that finds the warehouse held waits TRACKER_LOCK_TIMEOUT_S and exits 2
naming the holder; two runs started at once both finish, one after the other.

    uv run python bench/kill_test.py [--runs 20] [--documents 2000] [--changed 100] [--seed 6]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from common import ROOT, TRACKER, bench_env, check_run, run_tracker, write_corpus, write_document
from tracker.lock import lock_path_for, run_lock
from warehouse import store

POLL_S = 0.02
LOCK_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class WarehouseState:
    snapshots: list[tuple]  # (snapshot_id, run_id)
    versions: dict[int, tuple]  # version_id -> the row
    runs: dict[str, str]  # run_id -> status
    duplicate_current: int


def read_state(db: Path) -> WarehouseState:
    with store.connect(db, read_only=True) as con:
        snapshots = con.execute("select snapshot_id, run_id from snapshots order by snapshot_id").fetchall()
        versions = con.execute(
            """
            select version_id, source_id, indicator, subject, mention, kind, value, unit, period, row_hash,
                   valid_from, valid_to, opened_snapshot, closed_snapshot, close_cause
            from indicator_versions
            """).fetchall()
        runs = dict(con.execute("select run_id, status from runs").fetchall())
        duplicates = con.execute(
            """
            select count(*) from (
                select source_id, indicator, subject, mention
                from indicator_versions
                where valid_to is null
                group by all
                having count(*) > 1)
            """).fetchall()[0][0]
    return WarehouseState(snapshots, {row[0]: row for row in versions}, runs, duplicates)


VALID_TO, CLOSED_SNAPSHOT, CLOSE_CAUSE, OPENED_SNAPSHOT = 11, 13, 14, 12


def snapshot_problems(before: WarehouseState, after: WarehouseState) -> tuple[str, list[str]]:
    """Where the kill landed (before start, during, after commit) and what broke, if anything."""
    problems = [f"{after.duplicate_current} identities with two current rows"] if after.duplicate_current else []
    new_runs = {run_id: status for run_id, status in after.runs.items() if run_id not in before.runs}
    new_snapshots = after.snapshots[len(before.snapshots):]
    if after.snapshots[:len(before.snapshots)] != before.snapshots:
        problems.append("earlier snapshots changed")
    if not new_snapshots:
        if after.versions != before.versions:
            problems.append("indicator_versions changed without a committed snapshot")
        if any(status != "running" for status in new_runs.values()):
            problems.append(f"the killed run has a final status but no snapshot: {new_runs}")
        return ("during" if new_runs else "before start"), problems
    if len(new_snapshots) > 1:
        problems.append(f"{len(new_snapshots)} snapshots from one killed run")
    snapshot_id = new_snapshots[-1][0]
    for version_id, old in before.versions.items():
        new = after.versions.get(version_id)
        if new is None:
            problems.append(f"version {version_id} disappeared")
        elif new != old and not (old[VALID_TO] is None and new[CLOSED_SNAPSHOT] == snapshot_id
                                 and new[:VALID_TO] == old[:VALID_TO] and new[OPENED_SNAPSHOT] == old[OPENED_SNAPSHOT]):
            problems.append(f"version {version_id} changed other than by being closed by snapshot {snapshot_id}")
    if any(row[OPENED_SNAPSHOT] != snapshot_id for vid, row in after.versions.items() if vid not in before.versions):
        problems.append("new versions not opened by the committed snapshot")
    return "after commit", problems


def wait_for_lock_holder(db: Path, pid: int, proc: subprocess.Popen, timeout_s: float) -> bool:
    """Until the run with this pid has taken the warehouse lock (its holder note names the pid)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if json.loads(lock_path_for(db).read_text(encoding="utf-8")).get("pid") == pid:
                return True
        except (OSError, ValueError):
            pass
        time.sleep(POLL_S)
    return False


def spawn_run(db: Path, corpus: Path, env: dict[str, str]) -> subprocess.Popen:
    # Its own session, so the Prefect server it starts can be found (by group id) once it is killed
    return subprocess.Popen([str(TRACKER), "run", "--db", str(db), "--seeds", str(corpus)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def end_leftovers(group_id: int) -> int:
    """Stop what the killed run left behind in its session (Prefect's ephemeral server); how many were left."""
    left = [pid for pid in _pids_in_group(group_id)]
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(left)


def _pids_in_group(group_id: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group_id and fields[0] != "Z":  # pgrp, state
            pids.append(int(entry.name))
    return pids


def change_documents(corpus: Path, count: int, total: int, rng: random.Random) -> None:
    for number in rng.sample(range(total), count):
        write_document(corpus, number, rng)


def calibrate(db: Path, corpus: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from start until the run holds the lock, and until it ends, for a run with changes."""
    started = time.monotonic()
    proc = spawn_run(db, corpus, env)
    took_lock = wait_for_lock_holder(db, proc.pid, proc, timeout_s=600)
    locked_at = time.monotonic() - started
    code = proc.wait()
    total = time.monotonic() - started
    end_leftovers(proc.pid)
    if code not in (0, 1) or not took_lock:
        raise RuntimeError(f"calibration run exited {code} (took the lock: {took_lock})")
    return locked_at, total


def kill_rounds(args, db: Path, corpus: Path, env: dict[str, str], rng: random.Random) -> None:
    change_documents(corpus, args.changed, args.documents, rng)
    lock_s, total_s = calibrate(db, corpus, env)
    print(f"calibration: a run with {args.changed} changed documents takes {total_s:.2f} s, "
          f"holds the lock from {lock_s:.2f} s", flush=True)
    tally, held, leaked = Counter(), 0, 0
    for number in range(1, args.runs + 1):
        change_documents(corpus, args.changed, args.documents, rng)
        before = read_state(db)
        proc = spawn_run(db, corpus, env)
        started = time.monotonic()
        if number % 2:
            window = "whole run"
            time.sleep(rng.uniform(0, total_s))
        else:
            window = "pipeline"
            wait_for_lock_holder(db, proc.pid, proc, timeout_s=600)
            time.sleep(rng.uniform(0, total_s - lock_s))
        finished_first = proc.poll() is not None
        killed_at = time.monotonic() - started
        if not finished_first:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        leftovers = end_leftovers(proc.pid)
        leaked += leftovers
        after = read_state(db)
        where, problems = snapshot_problems(before, after)
        killed_runs = [run_id for run_id, status in after.runs.items()
                       if run_id not in before.runs and status == "running"]
        recovery = run_tracker(db, env, "--seeds", corpus)
        recovered = read_state(db)
        if recovery.returncode not in (0, 1):
            problems.append(f"the next run exited {recovery.returncode}: {recovery.stderr.strip()[-300:]}")
        for run_id in killed_runs:
            if recovered.runs.get(run_id) != "crashed":
                problems.append(f"killed run {run_id} is {recovered.runs.get(run_id)!r} after the next run, not 'crashed'")
        if recovered.duplicate_current:
            problems.append(f"{recovered.duplicate_current} duplicate current identities after the next run")
        tally[where] += 1
        held += not problems
        print(f"run {number:2d}: killed at {killed_at:5.2f} s ({window}{', already finished' if finished_first else ''})"
              f" -> {where}; next run exit {recovery.returncode}"
              f"{', marked ' + ', '.join(killed_runs) + ' crashed' if killed_runs else ''}; "
              f"{leftovers} leftover process(es) ended; "
              + ("invariants held" if not problems else "BROKEN: " + "; ".join(problems)), flush=True)
    print(f"killed before start: {tally['before start']}, during: {tally['during']}, "
          f"after commit: {tally['after commit']}; invariants held {held}/{args.runs}; "
          f"{leaked} Prefect server process(es) outlived their killed run")


def lock_checks(db: Path, corpus: Path, env: dict[str, str], rng: random.Random, documents: int) -> None:
    # A run that finds the warehouse held waits TRACKER_LOCK_TIMEOUT_S, then exits 2 naming the holder
    before = read_state(db)
    busy_env = {**env, "TRACKER_LOCK_TIMEOUT_S": str(LOCK_TIMEOUT_S)}
    with run_lock(db, 0, "bench-holder"):
        busy = run_tracker(db, busy_env, "--seeds", corpus)
    after = read_state(db)
    named = "busy" in busy.stderr and "bench-holder" in busy.stderr
    wrote = after.snapshots != before.snapshots or after.runs != before.runs
    print(f"lock held by the bench: run exit {busy.returncode} after {busy.seconds:.2f} s "
          f"(lock timeout {LOCK_TIMEOUT_S:g} s); stderr names the holder: {named}; wrote: {wrote}")
    print(f"  stderr: {busy.stderr.strip().splitlines()[-1] if busy.stderr.strip() else '(empty)'}")
    # Two runs at once: the second waits for the first; both finish, two snapshots, no duplicates
    change_documents(corpus, 10, documents, rng)
    before = read_state(db)
    pair = [spawn_run(db, corpus, env) for _ in range(2)]
    codes = [proc.wait() for proc in pair]
    for proc in pair:
        end_leftovers(proc.pid)
    after = read_state(db)
    print(f"two runs at once: exits {codes}, {len(after.snapshots) - len(before.snapshots)} new snapshot(s), "
          f"{after.duplicate_current} duplicate current identities, "
          f"statuses {[after.runs[r] for r in after.runs if r not in before.runs]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--changed", type=int, default=100, help="documents rewritten before each run")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-kill-") as tmp:
        tmp = Path(tmp)
        corpus, db = tmp / "corpus", tmp / "warehouse" / "tracker.duckdb"
        write_corpus(corpus, args.documents)
        env = bench_env(tmp / "prefect-home")
        check_run(run_tracker(db, env, "--seeds", corpus), "first run (fills the warehouse)")
        kill_rounds(args, db, corpus, env, rng)
        lock_checks(db, corpus, env, rng, args.documents)


if __name__ == "__main__":
    main()
