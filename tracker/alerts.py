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

from tracker.models import Alert, Problem, ProblemDelta, WatchedChange
from tracker.summary import format_value  # the one number format of every output

TIMEOUT_S = (5.0, 10.0)
ATTEMPTS = 3
BACKOFF_S = (0.5, 2.0)
EXAMPLES = 5
WATCHED_SHOWN = 20


@dataclass(frozen=True)
class Delivery:
    status: str  # sent, failed, not_configured
    attempts: int
    last_error: str | None


def problems_alert(run_id: str, delta: ProblemDelta, report_url: str | None = None) -> Alert | None:
    """One alert for what changed about the problems: new ones (each once), resolved ones, and a
    reminder of those still open past the reminder interval; None when none of that happened,
    so a bad file that stays is not re-alerted on every run."""
    if not delta:
        return None
    lines = [f":warning: tracker run {run_id}" if delta.new or delta.reminders else f":white_check_mark: tracker run {run_id}"]
    if delta.new:
        by_check = Counter(f"{p.check}/{p.reason}" for p in delta.new)
        counts = ", ".join(f"{check} ×{n}" for check, n in sorted(by_check.items()))
        lines.append(f"{len(delta.new)} input(s) failed validation or could not be read: {counts}")
        lines += _problem_lines(delta.new, "select * from open_problems")
    if delta.resolved:
        lines.append(f"Resolved: {len(delta.resolved)} problem(s) no longer seen (the source reads clean or is gone)")
        lines += _problem_lines(delta.resolved, "select * from problems where resolved_at is not null")
    if delta.reminders:
        lines.append(f"Still open: {len(delta.reminders)} problem(s) (reminder)")
        lines += _problem_lines(delta.reminders, "select * from open_problems", since=True)
    return Alert("\n".join(lines), link=report_url)


def is_watched(change: WatchedChange, watch: tuple[str, ...]) -> bool:
    """[alerts] watch: an indicator key, or topic:X, subject:X, kind:X (subjects and topics ignore case)."""
    for entry in watch:
        field, _, wanted = entry.partition(":") if ":" in entry else ("indicator", "", entry)
        value = {"indicator": change.indicator, "topic": change.topic, "subject": change.subject,
                 "kind": change.kind}.get(field)
        if value is not None and value.casefold() == wanted.casefold():
            return True
    return False


def watched_changes_alert(run_id: str, changes: list[WatchedChange], watch: tuple[str, ...],
                          report_url: str | None = None,
                          source_watch: dict[str, tuple[str, ...]] | None = None) -> Alert | None:
    """One alert listing the watched records a run added, removed or shifted, and the revisions across
    sources it brought; None when nothing watched changed. `source_watch`: a sources.toml's rules
    for one source's (or feed's) pages only, by source id."""
    source_watch = source_watch or {}
    watched = [c for c in changes if is_watched(c, watch) or is_watched(c, source_watch.get(c.source_id, ()))]
    if not watched:
        return None
    lines = [f":eyes: tracker run {run_id}: {len(watched)} watched change(s)"]
    for c in watched[:WATCHED_SHOWN]:
        unit = f" {c.unit}" if c.unit else ""
        where = f"{c.indicator} ({c.subject}) in {c.title or c.source_id} ({c.source_id})"
        if c.change == "added":
            what = f"added: {format_value(c.new_value)}{unit} [{c.new_period or '-'}, {c.kind}]"
        elif c.change == "removed":
            what = f"removed: was {format_value(c.old_value)}{unit} [{c.old_period or '-'}]"
        elif c.change == "conflict":
            what = (f"now conflicts with {c.revision_of}: {format_value(c.new_value)}{unit} against "
                    f"{format_value(c.old_value)}{unit} [{c.new_period or '-'}]")
        else:
            what = (f"{'revises ' + c.revision_of if c.change == 'revised' else 'shifted'}: "
                    f"{format_value(c.old_value)}{unit} [{c.old_period or '-'}] → {format_value(c.new_value)}{unit} "
                    f"[{c.new_period or '-'}]")
        lines.append(f"• {where}, {what}")
        if c.evidence:
            lines.append(f"  «{c.evidence if len(c.evidence) <= 300 else c.evidence[:299] + '…'}»")
    if len(watched) > WATCHED_SHOWN:
        lines.append(f"… and {len(watched) - WATCHED_SHOWN} more: tracker changes")
    return Alert("\n".join(lines), link=report_url)


def _problem_lines(problems: list[Problem], query: str, since: bool = False) -> list[str]:
    lines = []
    for problem in problems[:EXAMPLES]:
        where = problem.source_id + (f" [{problem.indicator}]" if problem.indicator else "")
        seen = (f" (since {problem.first_seen_at:%Y-%m-%d %H:%M} UTC, in {problem.runs_seen} run(s))" if since else "")
        lines.append(f"• {where}: {problem.message}{seen}")
    if len(problems) > EXAMPLES:
        lines.append(f"… and {len(problems) - EXAMPLES} more: {query}")
    return lines


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



def deliver_outbox(db_path, webhook_url: str | None, wait_s: float) -> dict[int, Delivery]:
    """Send every queued or failed alert in the warehouse's outbox, oldest first, recording each attempt."""
    from warehouse import store  # the outbox lives in the warehouse; this is its one delivery loop

    destination = webhook_fingerprint(webhook_url)
    outcomes = {}
    for alert_id, payload in store.undelivered_alerts(db_path, wait_s):
        outcomes[alert_id] = delivery = deliver(payload, webhook_url)
        store.update_alert_delivery(db_path, alert_id, destination, delivery.status,
                                    delivery.attempts, delivery.last_error, wait_s)
    return outcomes


def test_alert() -> Alert:
    return Alert(":test_tube: tracker test alert: if you read this, alerts reach you (`tracker alerts --test`)")


def composers(report_url: str | None, watch: tuple[str, ...], source_watch: dict[str, tuple[str, ...]]):
    """What a commit composes its alerts with: the problems alert always; the watched-changes alert when
    [alerts] watch or a sources.toml names something to watch."""
    from functools import partial

    problems = partial(problems_alert, report_url=report_url)
    watched = (partial(watched_changes_alert, watch=watch, report_url=report_url, source_watch=source_watch)
               if watch or source_watch else None)
    return problems, watched


def with_alert_outcome(summary, queued: list[tuple[int, str, str, str | None]]):
    """The run summary with what became of the run's alerts (store.alerts_of_run: id, text, status,
    error): their text, and the worst status, since a failed delivery is what the reader must see."""
    from dataclasses import replace

    if not queued:
        return summary
    worst = next((q for q in queued if q[2] == "failed"), queued[0])
    return replace(summary, alert_text="\n\n".join(q[1] for q in queued), alert_status=worst[2],
                   alert_error=worst[3])
