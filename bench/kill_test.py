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

Issue 14, `--at commit`: the kills are aimed at the commit itself and at the gap between the commit
and the alert delivery. The corpus keeps an empty file (it fails as `empty`), so every run ends
`failed_inputs` and queues an alert in the commit's transaction; a webhook receiver on 127.0.0.1
records every alert POSTed to it. The bench follows the run's open files (/proc/<pid>/fd): the
warehouse opened for writing after the run's reads is the commit's connection, then its WAL, then
the checkpoint. The rounds take turns:
  - transaction: SIGKILL a random moment after the commit's connection opened (up to the calibrated
    time its transaction takes), so most land inside the transaction;
  - wal: SIGKILL 0-50 ms after the WAL appears (skewed to the first milliseconds): inside the WAL
    write, during the checkpoint, just after;
  - delivery: the receiver holds the POST unanswered (or, every other time, answers it) and the run
    is killed as soon as it arrives (once answered: 0-40 ms later, around recording it `sent`).
Where each kill landed comes from the warehouse afterwards (the run's snapshot present? its alert
row's status?) and from what the run had open when it was killed. After each kill: no identity has
two current rows; the previous snapshot is intact or the new one whole (every changed document
current, its failures and its alert stored); then a recovery run, after which no alert is lost
(every committed run has its alert, every alert is sent and was answered by the receiver at least
once; every killed run that did not commit is `crashed` and its crash alert was received).
By default the runs share one Prefect server on 127.0.0.1 (a round then takes ~10 s, not ~25 s);
`--prefect ephemeral` gives each run its own, as `tracker run` does alone.

    uv run python bench/kill_test.py --at commit [--runs 20] [--documents 600] [--changed 100]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import requests

from common import PYTHON, ROOT, TRACKER, bench_env, check_run, run_tracker, write_corpus, write_document
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


# --- issue 14: kills aimed at the commit and at the alert delivery (--at commit) ----------------

EMPTY_DOCUMENT = "zz_empty.txt"  # fails every run (not UTF-8), each time with new bytes: every run ends
# failed_inputs with a new problem (and the previous one resolved), so every committed run queues one alert


def renew_bad_document(corpus: Path) -> None:
    """The always-failing document, with bytes never seen before: a new problem for the run about to start."""
    (corpus / EMPTY_DOCUMENT).write_bytes(f"caf\xe9 {time.time_ns()}".encode("latin-1"))
WATCH_POLL_S = 0.001
WAL_KILL_WINDOW_S = 0.05
ANSWERED_KILL_WINDOW_S = 0.04
SERVER_START_S = 180
ROUND_TIMEOUT_S = 300
CRASH_ALERT_MARK = "ended without finishing"


class AlertReceiver:
    """A webhook on 127.0.0.1 that records every alert POSTed to it; it can hold one POST unanswered."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answered: list[str] = []  # texts of the POSTs answered 200
        self.unanswered: list[str] = []  # texts of the POSTs held and never answered
        self.mode = "answer"  # answer | hold (keep the POST unanswered) | answer-and-signal
        self.arrived = threading.Event()  # a POST came in (hold), or was answered (answer-and-signal)
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    text = json.loads(body)["text"]
                except (ValueError, KeyError, TypeError):
                    text = body.decode("utf-8", "replace")
                with receiver.lock:
                    mode = receiver.mode
                    if mode == "hold":
                        receiver.mode = "answer"  # hold only the first one
                        receiver.unanswered.append(text)
                if mode == "hold":
                    receiver.arrived.set()
                    receiver.release.wait(60)
                    self.close_connection = True
                    return  # never answered: the sender was killed meanwhile
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                    self.wfile.flush()
                except OSError:
                    return
                with receiver.lock:
                    receiver.answered.append(text)
                if mode == "answer-and-signal":
                    receiver.arrived.set()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/alerts"

    def arm(self, mode: str) -> None:
        with self.lock:
            self.mode = mode
            self.arrived.clear()
            self.release.clear()

    def disarm(self) -> None:
        with self.lock:
            self.mode = "answer"
        self.release.set()

    def answered_counts(self) -> Counter:
        with self.lock:
            return Counter(self.answered)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def prefect_server(home: Path, env: dict[str, str]) -> Iterator[str]:
    """One Prefect server on a free loopback port for every run of the bench (as tests/test_serve.py starts one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "server.log"
    api_url = f"http://127.0.0.1:{port}/api"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [str(PYTHON), "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
             "--no-ui", "--analytics-off"],
            env={**env, "PREFECT_HOME": str(home)}, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        try:
            deadline = time.monotonic() + SERVER_START_S
            while True:
                try:
                    if requests.get(f"{api_url}/health", timeout=1).ok:
                        break
                except requests.RequestException:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the Prefect server did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.3)
            yield api_url
        finally:
            if server.poll() is None:
                server.send_signal(signal.SIGINT)
                try:
                    server.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait(5)


class CommitWatch:
    """What a run has open of the warehouse, from /proc/<pid>/fd, and so where it is around its commit.

    A run opens the warehouse read-only (unfinished runs), for writing (begin_run), read-only twice
    (known sources, current mentions), then for writing again: the commit. `phase` is `before commit`
    until that connection opens, then `transaction`, `wal write` (its WAL open), `checkpoint` (the WAL
    written and closed, the connection still open), then `after commit`.
    """

    def __init__(self, pid: int, db: Path) -> None:
        self.fd_dir = f"/proc/{pid}/fd"
        self.fdinfo_dir = f"/proc/{pid}/fdinfo"
        self.db = os.path.realpath(db)
        self.wal = self.db + ".wal"
        self.mode: str | None = None
        self.reads = 0
        self.writes = 0
        self.phase = "before commit"
        self.at: dict[str, float] = {}  # phase -> when it began (time.monotonic)

    def sample(self) -> str:
        mode, wal_open = None, False
        try:
            fds = os.listdir(self.fd_dir)
        except OSError:
            return self.phase
        for fd in fds:
            try:
                target = os.readlink(f"{self.fd_dir}/{fd}")
            except OSError:
                continue
            if target == self.wal:
                wal_open = True
            elif target == self.db:
                try:
                    with open(f"{self.fdinfo_dir}/{fd}") as info:
                        flags = int(info.read().split("flags:")[1].split()[0], 8)
                except (OSError, IndexError, ValueError):
                    continue
                mode = "write" if flags & os.O_ACCMODE == os.O_RDWR else (mode or "read")
        wal_exists = os.path.exists(self.wal)
        now = time.monotonic()
        if mode != self.mode:
            if mode == "read":
                self.reads += 1
            elif mode == "write":
                self.writes += 1
                if self.phase == "before commit" and self.reads >= 2:
                    self._enter("transaction", now)
            self.mode = mode
        if self.phase in ("transaction", "wal write", "checkpoint") and mode != "write":
            self._enter("after commit", now)
        elif self.phase == "transaction" and (wal_open or wal_exists):
            self._enter("wal write" if wal_open else "checkpoint", now)
        elif self.phase == "wal write" and not wal_open:
            self._enter("checkpoint", now)
        return self.phase

    def _enter(self, phase: str, now: float) -> None:
        self.phase = phase
        self.at.setdefault(phase, now)

    @property
    def wal_seen_at(self) -> float | None:
        return self.at.get("wal write") or self.at.get("checkpoint")


@dataclass(frozen=True)
class Outbox:
    alerts: list[tuple]  # (alert_id, run_id, status, text)
    runs: dict[str, tuple]  # run_id -> (status, snapshot_id, failures)
    failure_rows: dict[str, int]  # run_id -> validation_failures rows
    sources: dict[str, str | None]  # source_id -> content_hash
    snapshot_runs: dict[str, int]  # run_id -> snapshot_id


def read_outbox(db: Path) -> Outbox:
    with store.connect(db, read_only=True) as con:
        alerts = con.execute("select alert_id, run_id, status, text from alerts order by alert_id").fetchall()
        runs = {r[0]: r[1:] for r in con.execute("select run_id, status, snapshot_id, failures from runs").fetchall()}
        failure_rows = dict(con.execute("select run_id, count(*) from validation_failures group by run_id").fetchall())
        sources = dict(con.execute("select source_id, content_hash from source_state").fetchall())
        snapshot_runs = {run_id: sid for sid, run_id in con.execute("select snapshot_id, run_id from snapshots").fetchall()}
    return Outbox(alerts, runs, failure_rows, sources, snapshot_runs)


def corpus_hashes(corpus: Path) -> dict[str, str]:
    """What source_state must say once a run committed: every readable document's sha256."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(corpus.iterdir()) if path.name != EMPTY_DOCUMENT}


def failures_alert_of(outbox: Outbox, run_id: str) -> list[tuple]:
    return [a for a in outbox.alerts if a[1] == run_id and a[3].startswith(f":warning: tracker run {run_id}")]


def wholeness_problems(run_id: str | None, committed: bool, before: Outbox, after: Outbox,
                       files_now: dict[str, str]) -> list[str]:
    """The killed run's commit is all there (every changed document current, its failures, its alert) or not at all."""
    problems = []
    if run_id is None:
        return ["the killed run left no runs row (killed before begin_run?)"]
    status, snapshot_id, failures = after.runs[run_id]
    if committed:
        if status != "failed_inputs" or snapshot_id is None or snapshot_id != after.snapshot_runs.get(run_id):
            problems.append(f"committed run is {status!r} with snapshot {snapshot_id}, not failed_inputs with "
                            f"its snapshot {after.snapshot_runs.get(run_id)} (it re-read changed documents)")
        if after.sources != files_now:
            stale = sum(after.sources.get(name) != digest for name, digest in files_now.items())
            problems.append(f"new snapshot not whole: {stale} document(s) not current in source_state")
        if after.failure_rows.get(run_id, 0) != (failures or 0) or not failures:
            problems.append(f"new snapshot not whole: {after.failure_rows.get(run_id, 0)} validation_failures rows, "
                            f"the run counts {failures}")
        if len(failures_alert_of(after, run_id)) != 1:
            problems.append(f"committed run has {len(failures_alert_of(after, run_id))} alert rows, not 1")
    else:
        if after.sources != before.sources:
            problems.append("source_state changed without a committed snapshot")
        if after.failure_rows.get(run_id) or any(a[1] == run_id for a in after.alerts):
            problems.append("failures or alerts of the killed run stored without its snapshot")
        if [a for a in after.alerts if a not in before.alerts and a[1] != run_id]:
            problems.append("alert rows changed without a commit")
    return problems


def lost_alerts(outbox: Outbox, answered: Counter) -> set[tuple[str, str]]:
    """What the outbox failed to deliver, after a recovery run: one key per lost alert."""
    lost = set()
    answered_texts = set(answered)
    for run_id, (status, _snapshot_id, _failures) in outbox.runs.items():
        if (run_id in outbox.snapshot_runs or status == "failed_inputs") and not failures_alert_of(outbox, run_id):
            lost.add(("committed run without its alert row", run_id))
        if status == "running":
            lost.add(("run still marked running after the recovery run", run_id))
        if status == "crashed" and not any(run_id in text and CRASH_ALERT_MARK in text for text in answered_texts):
            lost.add(("crashed run whose crash alert was never received", run_id))
    for alert_id, run_id, status, text in outbox.alerts:
        if status != "sent":
            lost.add((f"alert row {status!r} after the recovery run", str(alert_id)))
        if text not in answered_texts:
            lost.add(("alert row never received by the webhook", str(alert_id)))
    return lost


def calibrate_commit(db: Path, corpus: Path, env: dict[str, str]) -> dict[str, float]:
    """One unkilled run, watched: when its commit connection opens, its WAL appears, it closes, the alert arrives."""
    renew_bad_document(corpus)
    proc = spawn_run(db, corpus, env)
    watch = CommitWatch(proc.pid, db)
    while proc.poll() is None:
        watch.sample()
        time.sleep(WATCH_POLL_S)
    end_leftovers(proc.pid)
    if proc.returncode not in (0, 1) or "transaction" not in watch.at or watch.wal_seen_at is None:
        raise RuntimeError(f"calibration run exited {proc.returncode}; phases seen: {sorted(watch.at)}")
    opened = watch.at["transaction"]
    return {"transaction_s": watch.wal_seen_at - opened,
            "wal_to_close_s": watch.at.get("after commit", watch.wal_seen_at) - watch.wal_seen_at}


ROUND_KINDS = ("transaction", "wal", "delivery")


def aim_and_kill(proc: subprocess.Popen, watch: CommitWatch, receiver: AlertReceiver, kind: str,
                 delay_s: float) -> tuple[str, str, float | None]:
    """Follow the run and SIGKILL it as aimed; (phase when killed, what the kill was aimed at, ms after the mark)."""
    deadline = time.monotonic() + ROUND_TIMEOUT_S
    mark = None
    while proc.poll() is None and time.monotonic() < deadline:
        phase = watch.sample()
        if mark is None:
            if kind == "transaction" and "transaction" in watch.at:
                mark = watch.at["transaction"]
            elif kind == "wal" and watch.wal_seen_at is not None:
                mark = watch.wal_seen_at
            elif kind == "delivery" and receiver.arrived.is_set():
                mark = time.monotonic()
        if mark is not None and time.monotonic() >= mark + delay_s:
            phase = watch.sample()
            os.kill(proc.pid, signal.SIGKILL)
            return phase, kind, (time.monotonic() - mark) * 1000
        if kind == "delivery":
            receiver.arrived.wait(WATCH_POLL_S)
        else:
            time.sleep(WATCH_POLL_S)
    if proc.poll() is None:  # never reached the mark: stop it anyway
        os.kill(proc.pid, signal.SIGKILL)
        return watch.sample(), f"{kind} (mark not seen in {ROUND_TIMEOUT_S} s)", None
    return "finished", f"{kind} (finished before the mark)", None


def commit_rounds(args, db: Path, corpus: Path, env: dict[str, str], receiver: AlertReceiver,
                  rng: random.Random) -> None:
    change_documents(corpus, args.changed, args.documents, rng)
    timings = calibrate_commit(db, corpus, env)
    print(f"calibration: the commit's transaction takes {timings['transaction_s'] * 1000:.0f} ms until its WAL "
          f"appears, then {timings['wal_to_close_s'] * 1000:.0f} ms until the connection closes", flush=True)
    landed, phases = Counter(), Counter()
    held = duplicates = dup_rows = 0  # dup_rows: identities with two current rows, after kills and recoveries
    lost: set[tuple[str, str]] = set()
    for number in range(1, args.runs + 1):
        kind = ROUND_KINDS[(number - 1) % len(ROUND_KINDS)]
        change_documents(corpus, args.changed, args.documents, rng)
        files_now = corpus_hashes(corpus)
        before, before_box = read_state(db), read_outbox(db)
        if kind == "transaction":
            delay_s = rng.uniform(0, timings["transaction_s"])
        elif kind == "wal":
            delay_s = WAL_KILL_WINDOW_S * rng.random() ** 2  # half of them in the first 12 ms
        else:  # held: killed the moment the POST arrives; answered: up to 40 ms later, around the `sent` update
            held_post = bool(number % 2)
            delay_s = 0.0 if held_post else rng.uniform(0, ANSWERED_KILL_WINDOW_S)
            receiver.arm("hold" if held_post else "answer-and-signal")
            kind_note = "POST held" if held_post else "POST answered"
        renew_bad_document(corpus)
        proc = spawn_run(db, corpus, env)
        watch = CommitWatch(proc.pid, db)
        phase, aimed, after_mark_ms = aim_and_kill(proc, watch, receiver, kind, delay_s)
        proc.wait()
        receiver.disarm()
        end_leftovers(proc.pid)
        wal_left = os.path.getsize(str(db) + ".wal") if os.path.exists(str(db) + ".wal") else None
        problems = []
        try:
            after, after_box = read_state(db), read_outbox(db)
        except Exception as exc:  # the warehouse cannot even be read after the kill
            print(f"round {number:2d}: BROKEN: cannot read the warehouse after the kill ({phase}): "
                  f"{type(exc).__name__}: {exc}", flush=True)
            raise
        new_runs = [r for r in after.runs if r not in before.runs]
        run_id = new_runs[0] if len(new_runs) == 1 else None
        if len(new_runs) != 1:
            problems.append(f"{len(new_runs)} new runs rows from one killed run")
        # Committed: its snapshot is there, or its row has a final status from the commit
        committed = run_id in after_box.snapshot_runs or (
            run_id is not None and after_box.runs[run_id][0] in ("failed_inputs", "succeeded"))
        alert_rows = failures_alert_of(after_box, run_id) if run_id else []
        alert_status = alert_rows[0][2] if alert_rows else None
        if not committed:
            where = "in commit" if phase in ("transaction", "wal write", "checkpoint") else "before commit"
            outcome = "not committed"
        elif phase in ("transaction", "wal write", "checkpoint"):
            where, outcome = "in commit", f"committed, alert {alert_status}"
        elif alert_status == "sent":
            where, outcome = "after delivery", "committed, alert sent"
        else:
            where, outcome = "between commit and delivery", f"committed, alert {alert_status}"
        # (a) and (b): right after the kill
        if after.duplicate_current:
            problems.append(f"{after.duplicate_current} identities with two current rows after the kill")
        _, snapshot_breaks = snapshot_problems(before, after)
        snapshot_breaks += wholeness_problems(run_id, committed, before_box, after_box, files_now)
        problems += snapshot_breaks
        # (c): the recovery run delivers what is owed
        renew_bad_document(corpus)
        recovery = run_tracker(db, env, "--seeds", corpus)
        recovered, recovered_box = read_state(db), read_outbox(db)
        if recovery.returncode not in (0, 1):
            problems.append(f"the recovery run exited {recovery.returncode}: {recovery.stderr.strip()[-300:]}")
        if recovered.duplicate_current:
            problems.append(f"{recovered.duplicate_current} identities with two current rows after the recovery run")
        answered = receiver.answered_counts()
        round_lost = lost_alerts(recovered_box, answered) - lost
        if run_id and not committed and recovered_box.runs.get(run_id, ("?",))[0] != "crashed":
            round_lost.add(("killed run not marked crashed", run_id))
        lost |= round_lost
        dup_rows += after.duplicate_current + recovered.duplicate_current
        problems += [f"lost alert: {what} {key}" for what, key in sorted(round_lost)]
        if run_id and committed and alert_rows:
            times_received = answered[alert_rows[0][3]]
            duplicates += max(0, times_received - 1)
            alert_note = f"its alert received {times_received}x"
        elif run_id and not committed:
            crash = [t for t in answered if run_id in t and CRASH_ALERT_MARK in t]
            alert_note = f"marked crashed, crash alert received {sum(answered[t] for t in crash)}x"
        else:
            alert_note = ""
        landed[where] += 1
        phases[(where, phase, outcome.split(",")[0])] += 1
        held += not snapshot_breaks and not after.duplicate_current
        aim = (f"{aimed} mark +{after_mark_ms:.0f} ms" if after_mark_ms is not None else aimed)
        if kind == "delivery":
            aim += f", {kind_note}"
        print(f"round {number:2d}: aimed at {aim}; killed in '{phase}' -> {where} ({outcome}"
              f"{f', WAL of {wal_left} B left' if wal_left is not None else ''}); recovery exit {recovery.returncode}, "
              f"{alert_note}; " + ("invariants held" if not problems else "BROKEN: " + "; ".join(problems)),
              flush=True)
    final = read_outbox(db)
    answered = receiver.answered_counts()
    delivered = sum(1 for alert in final.alerts if answered[alert[3]])
    print(f"{held}/{args.runs} previous snapshot intact or new snapshot whole; {dup_rows} duplicate current rows; "
          f"{len(lost)} lost alerts ({len(final.alerts)} alerts queued, {delivered} delivered); "
          f"kills: {landed['before commit']} before commit, {landed['in commit']} in commit, "
          f"{landed['between commit and delivery']} between commit and delivery, "
          f"{landed['after delivery']} after delivery")
    print("  by phase: " + "; ".join(f"{where} / '{phase}' / {outcome}: {n}"
                                     for (where, phase, outcome), n in sorted(phases.items())))
    print(f"  {duplicates} alert(s) delivered twice (killed after the webhook answered, before the run "
          f"recorded it sent: at-least-once delivery)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--at", choices=("random", "commit"), default="random",
                        help="random: kills at random moments (issue 6); commit: aimed at the commit and the alert delivery")
    parser.add_argument("--documents", type=int, default=None, help="corpus size (2000; 600 with --at commit)")
    parser.add_argument("--changed", type=int, default=100, help="documents rewritten before each run")
    parser.add_argument("--prefect", choices=("server", "ephemeral"), default="server",
                        help="--at commit: one Prefect server for the bench, or an ephemeral one per run")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    if args.documents is None:
        args.documents = 600 if args.at == "commit" else 2000
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-kill-") as tmp:
        tmp = Path(tmp)
        corpus, db = tmp / "corpus", tmp / "warehouse" / "tracker.duckdb"
        write_corpus(corpus, args.documents)
        if args.at == "commit":
            commit_bench(args, tmp, corpus, db, rng)
            return
        env = bench_env(tmp / "prefect-home")
        check_run(run_tracker(db, env, "--seeds", corpus), "first run (fills the warehouse)")
        kill_rounds(args, db, corpus, env, rng)
        lock_checks(db, corpus, env, rng, args.documents)


def commit_bench(args, tmp: Path, corpus: Path, db: Path, rng: random.Random) -> None:
    renew_bad_document(corpus)
    started = time.monotonic()
    receiver = AlertReceiver()
    try:
        env = bench_env(tmp / "prefect-home", TRACKER_ALERT_WEBHOOK=receiver.url)
        if args.prefect == "server":
            with prefect_server(tmp / "prefect-server-home", env) as api_url:
                commit_bench_runs(args, corpus, db, {**env, "PREFECT_API_URL": api_url}, receiver, rng)
        else:
            commit_bench_runs(args, corpus, db, env, receiver, rng)
    finally:
        receiver.close()
    print(f"took {time.monotonic() - started:.0f} s")


def commit_bench_runs(args, corpus: Path, db: Path, env: dict[str, str], receiver: AlertReceiver,
                      rng: random.Random) -> None:
    renew_bad_document(corpus)
    first = check_run(run_tracker(db, env, "--seeds", corpus), "first run (fills the warehouse)")
    if first.returncode != 1:
        raise RuntimeError(f"the first run exited {first.returncode}: {EMPTY_DOCUMENT} should fail it (exit 1)")
    commit_rounds(args, db, corpus, env, receiver, rng)


if __name__ == "__main__":
    main()
