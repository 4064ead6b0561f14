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
