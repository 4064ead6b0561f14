"""What a run tells people while it works: its own log lines, separate from Prefect's chatter.

The flow writes to the `tracker.runs` logger: a start line, the one-line summary and its failures
at INFO, its stages (reading, extracting, committing) at DEBUG. Prefect ships that logger to its
API (PREFECT_LOGGING_EXTRA_LOGGERS), so the lines show in the UI whatever level Prefect's own
logs are kept at; `tracker serve` also prints the INFO lines in its terminal, and `tracker run`
on a terminal turns the stages into a progress line once a run takes longer than a moment.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

RUN_LOGGER = "tracker.runs"
TERMINAL_ENV = "TRACKER_RUNS_TO_TERMINAL"  # set by `tracker serve`: its runs are processes of their own
PROGRESS_AFTER_S = 2.0


def run_logger() -> logging.Logger:
    logger = logging.getLogger(RUN_LOGGER)
    if not getattr(logger, "_tracker_configured", False):
        logger.setLevel(logging.DEBUG)
        logger.propagate = False  # never echoed by Prefect's console handler under `tracker run`
        if os.environ.get(TERMINAL_ENV):
            terminal = logging.StreamHandler(sys.stderr)
            terminal.setLevel(logging.INFO)
            terminal.setFormatter(logging.Formatter("%(asctime)s | %(message)s", "%H:%M:%S"))
            logger.addHandler(terminal)
        logger._tracker_configured = True
    return logger


class TerminalProgress(logging.Handler):
    """A transient rich status line with the run's latest stage, shown only once the run has taken
    PROGRESS_AFTER_S: a quick run prints nothing extra."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        from rich.console import Console  # installed with Prefect

        self._console = Console(stderr=True)
        self._stage = "starting"
        self._status = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(PROGRESS_AFTER_S, self._show)
        self._timer.daemon = True

    def __enter__(self) -> TerminalProgress:
        run_logger().addHandler(self)
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        run_logger().removeHandler(self)
        with self._lock:
            if self._status is not None:
                self._status.stop()
                self._status = None

    def _show(self) -> None:
        with self._lock:
            self._status = self._console.status(self._stage)
            self._status.start()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            self._stage = record.getMessage().splitlines()[0]
            if self._status is not None:
                self._status.update(self._stage)
