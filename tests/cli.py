"""The CLI run as a user runs it, and the warehouse read as a user reads it, for tests."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from tracker.cli import main


def tracker(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tracker_json(capsys, *argv):
    code, out, err = tracker(capsys, *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def query(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    """Rows of `sql` on the warehouse at `db`, read-only, as anyone with the duckdb CLI would read them."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


def cli_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment of a user's shell for `tracker` in a subprocess: the session's loopback Prefect
    API (so no process starts its own), no tracker.toml, tracebacks logged inside the test's folder."""
    import os

    from prefect.settings import get_current_settings

    env = {**os.environ, "PREFECT_API_URL": str(get_current_settings().api.url),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "TRACKER_CONFIG": str(tmp_path / "absent-tracker.toml"), "XDG_STATE_HOME": str(tmp_path / "state")}
    env.pop("TRACKER_ALERT_WEBHOOK", None)
    env.update(overrides)
    return env


def spawn_cli(env: dict[str, str], *argv, **popen):
    """`python -m tracker.cli ARGV...` started in its own process group, output captured."""
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "tracker.cli", *map(str, argv)], env=env,
                            cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **popen)


def run_cli(env: dict[str, str], *argv, timeout: float = 300, **popen) -> tuple[int, str, str]:
    """Run the CLI as a user does, in a process of its own: (exit status, stdout, stderr)."""
    process = spawn_cli(env, *argv, **popen)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err
