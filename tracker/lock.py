"""One writer at a time: an advisory file lock beside the warehouse, released by the OS if a run dies."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

POLL_S = 0.2


class WarehouseBusy(Exception):
    """Another run holds the warehouse; `holder` says who."""

    def __init__(self, db_path: Path, holder: str, waited_s: float):
        super().__init__(f"{db_path} is busy: another run holds it ({holder}); waited {waited_s:g} s")
        self.db_path = db_path
        self.holder = holder


def lock_path_for(db_path: Path) -> Path:
    return Path(str(db_path) + ".lock")


@contextmanager
def run_lock(db_path: Path, timeout_s: float, run_id: str) -> Iterator[None]:
    """Hold the writer lock for a run; wait up to timeout_s, then raise WarehouseBusy."""
    path = lock_path_for(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    raise WarehouseBusy(db_path, _describe(handle.read()), timeout_s) from None
                time.sleep(POLL_S)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "run_id": run_id,
                                 "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock


def _describe(holder_json: str) -> str:
    try:
        holder = json.loads(holder_json)
        return f"run {holder['run_id']}, pid {holder['pid']} on {holder['host']}, since {holder['since']}"
    except (ValueError, KeyError, TypeError):
        return "an unknown process"
