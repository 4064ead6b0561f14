"""Alerts about failed validation and crashed runs, POSTed as Slack-compatible JSON.

The webhook URL is a secret: it is never printed, logged or stored; a fingerprint stands in.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass

import requests

from tracker.models import RunSummary

TIMEOUT_S = (5.0, 10.0)
ATTEMPTS = 3
BACKOFF_S = (0.5, 2.0)
EXAMPLES = 5


@dataclass(frozen=True)
class Alert:
    text: str

    @property
    def payload(self) -> str:
        return json.dumps({"text": self.text}, ensure_ascii=False)


@dataclass(frozen=True)
class Delivery:
    status: str  # sent, failed, not_configured
    attempts: int
    last_error: str | None


def alert_for(summary: RunSummary) -> Alert | None:
    """One alert summarising a run's failures and the crashed runs it found; None when all is well."""
    if not summary.failures and not summary.crashed_runs:
        return None
    lines = [f":warning: tracker run {summary.run_id}"]
    if summary.failures:
        by_check = Counter(f"{f.check}/{f.reason}" for f in summary.failures)
        counts = ", ".join(f"{check} ×{n}" for check, n in sorted(by_check.items()))
        lines.append(f"{len(summary.failures)} input(s) failed validation or could not be read: {counts}")
        for failure in summary.failures[:EXAMPLES]:
            where = failure.source_id + (f" [{failure.indicator}]" if failure.indicator else "")
            lines.append(f"• {where}: {failure.message}")
        if len(summary.failures) > EXAMPLES:
            lines.append(f"… and {len(summary.failures) - EXAMPLES} more: select * from validation_failures "
                         f"where run_id = '{summary.run_id}'")
    for run_id in summary.crashed_runs:
        lines.append(f"• run {run_id} ended without finishing (killed or crashed); its work was not committed")
    return Alert("\n".join(lines))


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

