"""Alerts about failed validation, failed and crashed runs, POSTed as Slack-compatible JSON.

An alert is queued in the warehouse (the `alerts` outbox) in the same transaction as what it
reports, and delivered afterwards; what is not delivered is retried by the next run, so a run
killed between its commit and the POST loses no alert.
The webhook URL is a secret: it is never printed, logged or stored; a fingerprint stands in.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass

import requests

from tracker.models import Alert, Failure

TIMEOUT_S = (5.0, 10.0)
ATTEMPTS = 3
BACKOFF_S = (0.5, 2.0)
EXAMPLES = 5


@dataclass(frozen=True)
class Delivery:
    status: str  # sent, failed, not_configured
    attempts: int
    last_error: str | None


def failures_alert(run_id: str, failures: list[Failure]) -> Alert | None:
    """One alert summarising a run's failed inputs; None when every input was read and valid."""
    if not failures:
        return None
    lines = [f":warning: tracker run {run_id}"]
    by_check = Counter(f"{f.check}/{f.reason}" for f in failures)
    counts = ", ".join(f"{check} ×{n}" for check, n in sorted(by_check.items()))
    lines.append(f"{len(failures)} input(s) failed validation or could not be read: {counts}")
    for failure in failures[:EXAMPLES]:
        where = failure.source_id + (f" [{failure.indicator}]" if failure.indicator else "")
        lines.append(f"• {where}: {failure.message}")
    if len(failures) > EXAMPLES:
        lines.append(f"… and {len(failures) - EXAMPLES} more: select * from validation_failures "
                     f"where run_id = '{run_id}'")
    return Alert("\n".join(lines))


def crashed_runs_alert(run_ids: list[str]) -> Alert | None:
    """Runs found still marked running: killed or crashed, their work not committed."""
    if not run_ids:
        return None
    return Alert("\n".join([":x: tracker run(s) ended without finishing (killed or crashed); "
                            "their work was not committed and the next runs redo it"]
                           + [f"• run {run_id} ended without finishing" for run_id in run_ids]))


def run_error_alert(run_id: str, error: str) -> Alert:
    return Alert(f":x: tracker run {run_id} failed and committed nothing: {error}")


def webhook_fingerprint(url: str | None) -> str:
    if not url:
        return "none"
    return "webhook sha256:" + hashlib.sha256(url.encode()).hexdigest()[:12]


def deliver(payload: str, url: str | None, attempts: int = ATTEMPTS,
            backoff_s: tuple[float, ...] = BACKOFF_S) -> Delivery:
    """POST with a timeout, retrying with backoff; errors are reported without the URL."""
    if not url:
        return Delivery("not_configured", 0, None)
    last_error = None
    for attempt in range(1, attempts + 1):
        try:
            response = requests.post(url, data=payload.encode("utf-8"), timeout=TIMEOUT_S,
                                     headers={"Content-Type": "application/json"})
            if response.status_code < 300:
                return Delivery("sent", attempt, None)
            last_error = f"HTTP {response.status_code}"
        except requests.exceptions.RequestException as exc:
            last_error = type(exc).__name__  # the message would carry the secret URL
        if attempt < attempts:
            time.sleep(backoff_s[min(attempt - 1, len(backoff_s) - 1)])
    return Delivery("failed", attempts, last_error)

