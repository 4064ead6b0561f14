"""One writer at a time: a run that finds the warehouse held waits a bounded time, then exits 2 naming the holder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracker.lock import WarehouseBusy, run_lock

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "seeds"


def test_second_holder_waits_its_timeout_then_names_the_first(tmp_path):
    db = tmp_path / "tracker.duckdb"
    with run_lock(db, 0, "first-run"):
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as busy:
            with run_lock(db, 0.5, "second-run"):
                pytest.fail("two holders of one warehouse lock")
        waited_s = time.monotonic() - started
    assert 0.5 <= waited_s < 5
    assert busy.value.holder.startswith(f"run first-run, pid {os.getpid()} on ")
    with run_lock(db, 0, "third-run"):  # released with its holder: the next run takes it at once
        pass


def test_run_exits_2_naming_the_holder_while_the_warehouse_is_held(tmp_path, prefect_backend):
    from prefect.settings import get_current_settings

    db = tmp_path / "warehouse" / "tracker.duckdb"
    env = {**os.environ,
           "PREFECT_API_URL": str(get_current_settings().api.url),  # the session's loopback test server
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "TRACKER_LOCK_TIMEOUT_S": "1"}
    with run_lock(db, 0, "holder-run-1234"):
        done = subprocess.run([sys.executable, "-m", "tracker.cli", "run", "--seeds", str(SEEDS), "--db", str(db)],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    [message] = done.stderr.strip().splitlines()  # the one clean line, no Prefect traceback before it
    assert message.startswith(f"Error: {db} is busy: another run holds it (run holder-run-1234, pid {os.getpid()} on ")
    assert message.endswith("; waited 1 s")
    assert not db.exists()  # the waiting run never wrote
