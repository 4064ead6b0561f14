"""A run summary as text for the terminal and as markdown for the Prefect artifact."""

from __future__ import annotations

from tracker.models import Change, RunSummary
from tracker.text import printable

SHOWN_CHANGES = 20
SHOWN_FAILURES = 5  # in the one-line run log
SHOWN_FEEDS = 20
# Rows of a Prefect artifact: a run of 100,000 changes would make a markdown page no one reads
# and an event the Prefect server refuses; the warehouse has them all
ARTIFACT_ROWS = 1000
FEED_STATUS = {"changed": "new entries read", "not_modified": "not modified (304)",
               "unchanged": "same bytes as before", "failed": "failed", "not_fetched": "sitemap lastmod unchanged"}


def describe_change(change: Change) -> str:
    unit = f" {change.unit}" if change.unit else ""
    where = f"{printable(change.source_id)}: {change.indicator} ({printable(change.subject)})"
    if change.change == "added":
        return f"+ {where} = {_fmt(change.new_value)}{unit} [{change.new_period or '-'}, {change.new_kind}]"
    if change.change == "removed":
        return f"- {where} was {_fmt(change.old_value)}{unit} [{change.old_period or '-'}]"
    if change.change == "revised":
        return (f"* {where} revises {change.revision_of}: {_fmt(change.old_value)}{unit} "
                f"[{change.old_period or '-'}] -> {_fmt(change.new_value)}{unit} [{change.new_period or '-'}] "
                f"({change.new_kind}, {change.cause})")
    moved = []
    if change.old_value != change.new_value:
        moved.append(f"{_fmt(change.old_value)} -> {_fmt(change.new_value)}{unit}")
    if change.old_period != change.new_period:
        moved.append(f"period {change.old_period or '-'} -> {change.new_period or '-'}")
    if change.old_kind != change.new_kind:
        moved.append(f"{change.old_kind} -> {change.new_kind}")
    return f"~ {where}: {', '.join(moved)}"


def alert_outcome(summary: RunSummary) -> str:
    if summary.alert_status is None:
        return "none (nothing new, resolved or due a reminder)"
    return {"sent": "sent",
            "failed": f"delivery failed ({summary.alert_error}); the next run retries it",
            "pending": "queued; the next run delivers it",
            "not_configured": "recorded, not sent (no webhook configured)"}.get(summary.alert_status,
                                                                                 summary.alert_status)


def summary_line(summary: RunSummary) -> str:
    """The whole run on one line, for `tracker serve`'s terminal and the Prefect UI."""
    snapshot = f"snapshot {summary.snapshot_id}" if summary.snapshot_id is not None else "no new snapshot"
    return (f"tracker run {summary.run_id} {summary.status}: {snapshot}; sources {summary.sources_new} new, "
            f"{summary.sources_changed} changed, {summary.sources_unchanged} unchanged, {summary.sources_failed} "
            f"failed, {len(summary.sources_missing)} missing; indicators {summary.count('added')} added, "
            f"{summary.count('removed')} removed, {summary.count('shifted')} shifted; "
            f"{len(summary.failures)} failure(s)")


def feed_counts(outcome) -> dict:
    """One feed's or sitemap's part of a run (tracker.feeds.FeedOutcome) as the summary shows it."""
    return {"feed_url": outcome.feed_url, "kind": outcome.kind, "name": outcome.name, "status": outcome.status,
            "entries_seen": outcome.entries_seen, "entries_new": outcome.entries_new,
            "pages_fetched": outcome.pages_fetched, "pages_failed": outcome.pages_failed,
            "deferred": outcome.deferred, "too_old": outcome.too_old, "error": outcome.error}


def describe_feed(feed: dict) -> str:
    """`feed news.example.org/feed.xml: 40 entries seen, 3 new; 3 pages fetched, 0 failed`."""
    name = printable(feed["name"] or feed["feed_url"])
    waits = f"; {feed['deferred']} wait for the next run (feed_max_entries)" if feed["deferred"] else ""
    old = f"; {feed['too_old']} too old" if feed["too_old"] else ""
    why = f" ({printable(feed['error'])})" if feed["error"] else ""
    # An unread body (304, same bytes, lastmod unchanged, failed) lists what it listed before
    entries = (f"{feed['entries_seen']} entries seen, {feed['entries_new']} new" if feed["status"] == "changed"
               else f"{feed['entries_seen']} entries as before")
    return (f"{feed['kind']} {name}: {FEED_STATUS.get(feed['status'], feed['status'])}{why}; {entries}; "
            f"{_count(feed['pages_fetched'], 'page')} fetched, {feed['pages_failed']} failed{waits}{old}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def describe_failure(failure) -> str:
    where = printable(failure.source_id) + (f" [{failure.indicator}]" if failure.indicator else "")
    return f"{where}: {printable(failure.message)}"


def summary_text(summary: RunSummary) -> str:
    lines = [
        f"Run {summary.run_id}: "
        + (f"snapshot {summary.snapshot_id}" if summary.snapshot_id is not None else "no new snapshot (nothing changed)"),
        f"Sources:    {summary.sources_new} new, {summary.sources_changed} changed, "
        f"{summary.sources_unchanged} unchanged, {summary.sources_failed} failed, "
        f"{len(summary.sources_missing)} missing",
        f"Indicators: {summary.count('added')} added, {summary.count('removed')} removed, "
        f"{summary.count('shifted')} shifted",
        *([f"Extracted:  {summary.sources_new + summary.sources_changed} document(s) on {summary.extraction_engine} "
           f"in {summary.extraction_s:.1f} s"] if summary.extraction_engine else []),
        f"Failures:   {len(summary.failures) or 'none'}",
        f"Alert:      {alert_outcome(summary)}",
    ]
    if summary.feeds:
        lines.insert(2, f"Feeds:      {len(summary.feeds)} read: "
                        f"{sum(f['entries_seen'] for f in summary.feeds)} entries seen, "
                        f"{sum(f['entries_new'] for f in summary.feeds)} new, "
                        f"{_count(sum(f['pages_fetched'] for f in summary.feeds), 'page')} fetched, "
                        f"{sum(f['pages_failed'] for f in summary.feeds)} failed")
        lines[3:3] = ["  " + describe_feed(feed) for feed in summary.feeds[:SHOWN_FEEDS]]
        if len(summary.feeds) > SHOWN_FEEDS:
            lines.insert(3 + SHOWN_FEEDS, f"  … {len(summary.feeds) - SHOWN_FEEDS} more: tracker report")
    for change in summary.changes[:SHOWN_CHANGES]:
        lines.append("  " + describe_change(change))
    if len(summary.changes) > SHOWN_CHANGES:
        lines.append(f"  … {len(summary.changes) - SHOWN_CHANGES} more: tracker changes")
    for source_id in summary.sources_missing:
        lines.append(f"  missing: {printable(source_id)} (its records stay current; `tracker retire` closes them)")
    for source_id in summary.sources_retired:
        lines.append(f"  retired: {printable(source_id)} (not read; `tracker unretire` reads it again)")
    if summary.sources_skipped:
        shown = ", ".join(printable(name) for name in summary.sources_skipped[:SHOWN_CHANGES])
        more = f", … {len(summary.sources_skipped) - SHOWN_CHANGES} more" if len(summary.sources_skipped) > SHOWN_CHANGES else ""
        lines.append(f"  skipped {len(summary.sources_skipped)} file(s) of types the tracker does not read: {shown}{more}")
    for failure in summary.failures:
        lines.append(f"  failed: {describe_failure(failure)}")
    return "\n".join(lines)


def summary_markdown(summary: RunSummary) -> str:
    lines = [
        f"# tracker run `{summary.run_id}` — snapshot {summary.snapshot_id}",
        "",
        "| sources new | changed | unchanged | failed | missing | added | removed | shifted | failures |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {summary.sources_new} | {summary.sources_changed} | {summary.sources_unchanged} | "
        f"{summary.sources_failed} | {len(summary.sources_missing)} | {summary.count('added')} | "
        f"{summary.count('removed')} | {summary.count('shifted')} | {len(summary.failures)} |",
    ]
    if summary.changes:
        lines += ["", "## Changes", "", "| change | source | indicator | subject | old | new |", "|---|---|---|---|---|---|"]
        for c in summary.changes[:ARTIFACT_ROWS]:
            lines.append(f"| {c.change} | {c.source_id} | {c.indicator} | {c.subject} | "
                         f"{_fmt(c.old_value)} {c.old_period or ''} | {_fmt(c.new_value)} {c.new_period or ''} |")
        if len(summary.changes) > ARTIFACT_ROWS:
            lines += ["", f"… {len(summary.changes) - ARTIFACT_ROWS} more: `tracker changes`"]
    if summary.feeds:
        lines += ["", "## Feeds and sitemaps", "",
                  "| listing | status | entries seen | new | pages fetched | failed | waiting |", "|---|---|---|---|---|---|---|"]
        for f in summary.feeds:
            lines.append(f"| {f['name'] or f['feed_url']} | {f['status']} | {f['entries_seen']} | {f['entries_new']} | "
                         f"{f['pages_fetched']} | {f['pages_failed']} | {f['deferred']} |")
    if summary.failures:
        lines += ["", "## Failures", "", "| source | indicator | check | reason | message |", "|---|---|---|---|---|"]
        for f in summary.failures[:ARTIFACT_ROWS]:
            lines.append(f"| {f.source_id} | {f.indicator or ''} | {f.check} | {f.reason} | {f.message} |")
        if len(summary.failures) > ARTIFACT_ROWS:
            lines += ["", f"… {len(summary.failures) - ARTIFACT_ROWS} more: `select * from validation_failures`"]
    return "\n".join(lines)


def failure_rows(summary: RunSummary) -> list[dict]:
    """The run's first ARTIFACT_ROWS failures as table rows (the Prefect table artifact); empty when nothing failed."""
    return [{"source": f.source_id, "indicator": f.indicator or "", "check": f.check, "reason": f.reason,
             "message": f.message} for f in summary.failures[:ARTIFACT_ROWS]]


def format_value(value: float | None) -> str:
    return _fmt(value)


def _fmt(value: float | None) -> str:
    """The one number format of the terminal: 512,300,000,000 and 3.1; every digit kept, grouped."""
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.12g}"
