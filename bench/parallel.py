"""Issue 18: one run over a >= 30 MB corpus, extraction on 1 vs 2 local worker processes and on a local
Dask cluster (`dask scheduler` + 2 `dask worker`), same records, wall ratio printed.

Every run is `tracker run` as a user types it, on a fresh warehouse, against one Prefect server the
bench starts (so no run pays for an ephemeral server of its own, and all pay the same flow start).

    uv run python bench/parallel.py [--mb 30] [--skip-dask]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from common import PYTHON, ROOT, bench_env, check_run, run_empty_flow, run_tracker
from extract_speed import build_corpus

from tests.cli import query

YEAR = re.compile(r"\b(?:19|20)\d\d\b")
CURRENT = ("select source_id, indicator, subject, mention, kind, value, unit, period, char_start "
           "from indicators_current order by all")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not start within {timeout_s:g} s")


def prefect_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([str(ROOT / ".venv/bin/prefect"), "server", "start", "--host", "127.0.0.1",
                                "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    wait_for(healthy, "the Prefect server")
    return process, url


def dask_cluster(env: dict[str, str], folder: Path) -> tuple[list[subprocess.Popen], str]:
    scheduler_file = folder / "scheduler.json"
    bin_dir = ROOT / ".venv" / "bin"
    processes = [subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(scheduler_file)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    wait_for(scheduler_file.exists, "the Dask scheduler")
    address = json.loads(scheduler_file.read_text())["address"]
    for _ in range(2):
        processes.append(subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nthreads", "1",
                                           "--host", "127.0.0.1", "--no-dashboard", "--preload", "flows.worker_setup"],
                                          env=env, cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    wait = ("from distributed import Client\n"
            f"with Client({address!r}, timeout=60) as c: c.wait_for_workers(2, timeout=120)\n")
    subprocess.run([str(PYTHON), "-c", wait], env=env, check=True, timeout=180)
    return processes, address


def fingerprint(db: Path) -> tuple[int, str]:
    rows = query(db, CURRENT)
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=30.0, help="corpus size in MB (default 30)")
    parser.add_argument("--skip-dask", action="store_true", help="local worker processes only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-parallel-"))
    corpus = work / "corpus"
    corpus.mkdir()
    # Each document's years moved by its own offset: shuffled paragraphs of a few articles would
    # otherwise make thousands of sources state the same figure for the same year, which a real
    # corpus does not (and which the cross-source views pay for quadratically)
    rng = random.Random(18)
    documents = [YEAR.sub(lambda m, shift=rng.randint(-40, 5): str(int(m.group()) + shift), text)
                 for text in build_corpus(args.mb)]
    for number, text in enumerate(documents):
        (corpus / f"{number:05d}_report.txt").write_text(text, encoding="utf-8")
    size_mb = sum(len(d.encode("utf-8")) for d in documents) / 1_000_000
    print(f"corpus: {len(documents)} documents, {size_mb:.1f} MB (paragraphs of tests/texts/), "
          f"on a machine with {__import__('os').cpu_count()} cores")

    env = bench_env(work / "prefect", TRACKER_CONFIG=str(work / "absent.toml"))
    server, api_url = prefect_server(env)
    env["PREFECT_API_URL"] = api_url
    cluster: list[subprocess.Popen] = []
    try:
        print(f"Prefect server at {api_url}; an empty flow on it: {run_empty_flow(env).seconds:.2f} s")
        runs = [("--workers 1", ["--workers", "1"]), ("--workers 2", ["--workers", "2"])]
        if not args.skip_dask:
            cluster, address = dask_cluster(env, work)
            runs.append((f"--dask (scheduler + 2 workers)", ["--dask", address]))
        results = {}
        for name, flags in runs:
            db = work / f"{name.split()[0].strip('-')}-{len(results)}.duckdb"
            timed = check_run(run_tracker(db, env, "--seeds", corpus, "--format", "json", *flags, timeout_s=1800), name)
            summary = json.loads(timed.stdout)
            results[name] = (timed.seconds, summary["extraction_s"], fingerprint(db))
            print(f"{name:32s} wall {timed.seconds:7.2f} s, of which extraction {summary['extraction_s']:6.2f} s on "
                  f"{summary['extraction_engine']}; sources {summary['sources_new']}, records {results[name][2][0]}")
        base_s, base_extract_s, base_records = results["--workers 1"]
        for name, (seconds, extract_s, records) in results.items():
            same = "same records" if records == base_records else f"DIFFERENT records {records} vs {base_records}"
            print(f"{name:32s} {seconds / base_s:5.2f}x the run's wall of --workers 1, "
                  f"{extract_s / base_extract_s:5.2f}x its extraction ({same})")
        if any(records != base_records for *_, records in results.values()):
            raise SystemExit(1)
    finally:
        for process in cluster + [server]:
            process.terminate()
        for process in cluster + [server]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
