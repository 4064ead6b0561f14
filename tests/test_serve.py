"""`tracker serve` against a real Prefect server on 127.0.0.1: a scheduled run completes, its snapshot
lands in DuckDB, and stopping serve pauses the schedule.

Deselect with `-m "not serve"`; it runs in the default test command (~60 s).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from warehouse import store

pytestmark = pytest.mark.serve

SERVER_START_S = 60
RUN_WAIT_S = 60
STOP_WAIT_S = 60  # a run under way finishes first; on a loaded machine that takes a while


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prefect_env(prefect_home: Path, api_url: str | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PREFECT_", "TRACKER_"))}  # nothing of the test session's own Prefect
    env.update({
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_UI_ENABLED": "false",
        # schedule new deployments within a second, and let serve poll for due runs every second
        "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "1",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    })
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def stop(process: subprocess.Popen, wait_s: float) -> None:
    """Ctrl-C, as a person stops serve; the process group is killed only if it does not exit in time."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(wait_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A real Prefect server on a free loopback port with its own PREFECT_HOME; stopped at the end."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    log = open(home / "server.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
         "--no-ui", "--analytics-off"],
        env=prefect_env(home), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    api_url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + SERVER_START_S
    try:
        while True:
            try:
                if requests.get(f"{api_url}/health", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Prefect server did not start: {(home / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield api_url, home
    finally:
        stop(server, STOP_WAIT_S)
        log.close()


def scheduled_runs(api_url: str, deployment_id: str) -> list[dict]:
    response = requests.post(f"{api_url}/flow_runs/filter", timeout=5,
                             json={"deployments": {"id": {"any_": [deployment_id]}}})
    response.raise_for_status()
    return [run for run in response.json() if run["auto_scheduled"]]


def deployment(api_url: str) -> dict | None:
    response = requests.get(f"{api_url}/deployments/name/ingest/scheduled-ingest", timeout=5)
    return response.json() if response.ok else None


def wait_for(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


def test_scheduled_run_completes_and_lands_a_snapshot(prefect_server, tmp_path):
    api_url, home = prefect_server
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "report.txt").write_text("R&D spending reached 2.4% of GDP in 2023.\n", encoding="utf-8")
    db_path = tmp_path / "warehouse" / "tracker.duckdb"
    env = prefect_env(home, api_url) | {"TRACKER_SCHEDULE_INTERVAL_S": "5",
                                        "TRACKER_CONFIG": str(tmp_path / "absent.toml")}
    tracker = Path(sys.executable).with_name("tracker")
    log = open(tmp_path / "serve.log", "wb")
    serve = subprocess.Popen([str(tracker), "serve", "--seeds", str(seeds), "--db", str(db_path)],
                             env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        served = wait_for(lambda: deployment(api_url), 30, "the deployment to be registered")
        assert served["concurrency_limit"] == 1 or served["global_concurrency_limit"]["limit"] == 1
        assert served["parameters"]["db_path"] == str(db_path)

        completed = wait_for(
            lambda: [run for run in scheduled_runs(api_url, served["id"]) if run["state_type"] == "COMPLETED"],
            RUN_WAIT_S, f"a scheduled run to complete (serve log: {tmp_path / 'serve.log'})")
        assert completed[0]["deployment_id"] == served["id"]

        assert store.latest_snapshot_id(db_path) >= 1
        rows = store.history(db_path, "rd_intensity")
        assert {row["source_id"] for row in rows} == {"report.txt"}
        # The run's own lines reach the Prefect UI at INFO, though Prefect's level here is WARNING. Lines
        # arrive in batches, and the API lists runs in id order, not time order: wait for the first run's
        # summary among every completed run's lines.
        def run_lines() -> list[str]:
            ids = [run["id"] for run in scheduled_runs(api_url, served["id"]) if run["state_type"] == "COMPLETED"]
            entries = requests.post(f"{api_url}/logs/filter", timeout=10,
                                    json={"logs": {"flow_run_id": {"any_": ids}}}).json()
            lines = [entry["message"] for entry in entries if entry["message"].startswith("tracker run")]
            started = any(" started: corpus " in line for line in lines)
            first_summary = any(" succeeded: snapshot 1; sources 1 new" in line for line in lines)
            return lines if started and first_summary else []
        wait_for(run_lines, 30, "the first run's start and summary lines in the API")
    finally:
        stop(serve, STOP_WAIT_S)
        log.close()
    printed = (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")
    assert serve.returncode is not None
    # stopping serve pauses the schedule
    assert deployment(api_url)["paused"] is True, f"exit code {serve.returncode}; serve log ends:\n{printed[-3000:]}"
    # ... and serve's terminal shows each run: its start and its one-line summary
    assert " | tracker run " in printed and " succeeded: snapshot 1; " in printed
