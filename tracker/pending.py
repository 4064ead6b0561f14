"""Work a run could not commit, kept beside the warehouse so the next run commits it instead of redoing it.

A run whose commit finds the warehouse held open by readers for longer than it may wait saves its
snapshot here (written to a temporary name, then renamed, so a half-written file never counts)
and exits 2; the next writer commits it first, under the same run lock, so nothing was committed
in between and the saved work is still what the warehouse expects.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path


def pending_path_for(db_path: Path) -> Path:
    return Path(str(db_path) + ".pending")


def save_pending(db_path: Path, work: object) -> Path:
    path = pending_path_for(db_path)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as handle:
        pickle.dump(work, handle, protocol=pickle.HIGHEST_PROTOCOL)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return path


def load_pending(db_path: Path) -> object | None:
    """The saved work, or None; a file that cannot be read is set aside (renamed .unreadable), not retried forever."""
    path = pending_path_for(db_path)
    if not path.exists():
        return None
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        os.replace(path, path.with_name(path.name + ".unreadable"))
        return None


def clear_pending(db_path: Path) -> None:
    pending_path_for(db_path).unlink(missing_ok=True)
