"""The values that pass between pipeline stages: frozen dataclasses named for their content."""

from __future__ import annotations

import hashlib
import json

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Literal

Kind = Literal["measurement", "target", "milestone", "estimate"]

KINDS: tuple[str, ...] = ("measurement", "target", "milestone", "estimate")
TOPICS: tuple[str, ...] = (
    "ai", "quantum", "semiconductors", "space", "aviation", "telecom",
    "rd_funding", "industry", "talent", "trade", "general",
)


@dataclass(frozen=True)
class IndicatorRecord:
    """One extracted fact, the record of CONTRACT.md section 1."""

    source_id: str
    indicator: str
    label: str
    subject: str
    kind: str
    value: float | None
    unit: str | None
    period: str | None
    topic: str
    value_text: str
    evidence: str
    char_start: int
    char_end: int
    # Size of the last stated digit in canonical units (2.6% -> 0.1): lets
    # conflict checks treat 2.64 and 2.6 as consistent after rounding.
    value_precision: float | None = None

    def to_dict(self) -> dict:
        # Every field is a scalar, so a shallow copy equals asdict() (which deep-copies) at a
        # fraction of the cost: records are turned into rows twice per run, 30,000 in a large one.
        return dict(self.__dict__)


SOURCE_KINDS: tuple[str, ...] = ("page", "feed", "sitemap")  # CONTRACT §3: a URL, `feed URL`, `sitemap URL`


@dataclass(frozen=True)
class SourceSettings:
    """One source's own settings from a sources.toml; None (or empty) means the run's default."""

    name: str | None = None  # what people call it: shown in the summary and the report
    rate_per_s: float | None = None  # requests a second to its host, at most
    max_entries: int | None = None  # a feed's or sitemap's pages fetched per run, at most
    oldest: date | None = None  # a feed's entries dated before this are not fetched
    watch: tuple[str, ...] = ()  # [alerts] watch rules for this source's pages only


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed or sitemap: the page it links to and what the listing says of it."""

    feed_url: str
    url: str  # the entry's link, canonical (tracker.feeds.canonical_url)
    kind: str = "page"  # page; or sitemap, for a child of a sitemap index
    title: str | None = None
    published_on: date | None = None
    version: str | None = None  # the entry's updated / lastmod, as stated: a new one means the page changed
    source_id: str | None = None  # the page's id once fetched: its canonical URL after redirects


@dataclass(frozen=True)
class Source:
    """Where a document comes from: a file under the corpus root, or a URL."""

    source_id: str
    location: str  # absolute file path or URL
    is_remote: bool = False
    kind: str = "page"  # page, feed or sitemap (SOURCE_KINDS)
    settings: SourceSettings | None = None  # from a sources.toml
    entry: FeedEntry | None = None  # the feed entry that listed this page, if one did


@dataclass(frozen=True)
class Document:
    """One version of one source, as text the extractor reads."""

    source_id: str
    content_hash: str  # sha256 of the raw bytes
    text: str | None  # plain text, record offsets index into it; None when unchanged and not converted
    media_type: str = "text/plain"
    raw: bytes = field(default=b"", repr=False)
    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None  # what the document calls itself (tracker.published)
    published_on: date | None = None  # the date the document states; never the time it was read
    listing: FeedEntry | None = None  # the feed entry that listed it: its date and title come first


@dataclass(frozen=True)
class Failure:
    """One rejected document or record: which check, why, with a stable reason code."""

    source_id: str
    check: str  # e.g. "read", "fetch", "schema_check", "plausible_range"
    reason: str  # stable snake_case code: unreadable_file, fetch_timeout, ...
    message: str  # what a person reads
    indicator: str | None = None
    value: str | None = None
    content_hash: str | None = None  # of the document version it was found in, when it was read

    @property
    def fingerprint(self) -> str:
        """The same problem in every run it persists in; a new version of the document is a new problem."""
        key = "\x1f".join(part or "" for part in (self.source_id, self.check, self.reason, self.indicator,
                                                   self.value, self.content_hash))
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]


@dataclass(frozen=True)
class Problem:
    """A failure as the alerts see it: new, persisting (reminded), or resolved."""

    fingerprint: str
    source_id: str
    check: str
    reason: str
    indicator: str | None
    message: str
    first_seen_at: datetime
    runs_seen: int


@dataclass(frozen=True)
class ProblemDelta:
    """What one run changed about the problems: the alert is made of it."""

    new: list[Problem]
    resolved: list[Problem]
    reminders: list[Problem]  # still open, not alerted for the reminder interval

    def __bool__(self) -> bool:
        return bool(self.new or self.resolved or self.reminders)


@dataclass(frozen=True)
class WatchedChange:
    """One change of a snapshot with what a person needs to judge it: where it was said, and how."""

    change: str  # added, removed, shifted, revised
    source_id: str
    indicator: str
    subject: str
    kind: str | None
    topic: str | None
    unit: str | None
    old_value: float | None
    new_value: float | None
    old_period: str | None
    new_period: str | None
    title: str | None
    evidence: str | None
    revision_of: str | None = None


@dataclass(frozen=True)
class Alert:
    """What one alert says; queued in the warehouse's outbox, then POSTed as Slack-compatible JSON."""

    text: str
    link: str | None = None  # the report, when report_url is configured

    @property
    def payload(self) -> str:
        """Slack-compatible JSON: `text` (the plain-text fallback every receiver reads) and `blocks`: a
        header, a section per summary line or per problem or change (a bullet and its evidence), the link."""
        first, *rest = self.text.splitlines() or [""]
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": first[:150], "emoji": True}}]
        sections: list[str] = []
        for line in rest:
            if line.startswith("  ") and sections:  # a bullet's evidence belongs to its section
                sections[-1] += "\n" + line.strip()
            elif line:
                sections.append(line)
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": section[:3000]}}
                   for section in sections[:48]]  # Slack takes at most 50 blocks
        if self.link:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"<{self.link}|Open the report>"}})
        text = self.text + (f"\nReport: {self.link}" if self.link else "")
        return json.dumps({"text": text, "blocks": blocks}, ensure_ascii=False)


@dataclass(frozen=True)
class SourceState:
    """What the warehouse knows of a source from earlier runs."""

    source_id: str
    content_hash: str | None
    etag: str | None = None
    last_modified: str | None = None
    retired: bool = False


@dataclass(frozen=True)
class Change:
    """One change a snapshot made to one identity (CONTRACT section 2)."""

    snapshot_id: int
    source_id: str
    indicator: str
    subject: str
    change: str  # added, removed, shifted; revised: a newer source states another value or deadline
    old_value: float | None
    new_value: float | None
    old_period: str | None
    new_period: str | None
    old_kind: str | None = None
    new_kind: str | None = None
    unit: str | None = None
    cause: str | None = None  # source, extractor, retire; for a revision, what moved: value, deadline
    revision_of: str | None = None  # a revision (change 'revised'): the earlier source it revises

    def to_dict(self) -> dict:
        # Every field is a scalar: a shallow copy, not asdict's recursive one (1.7 s per 70,000 changes)
        return dict(self.__dict__)


class Changes(Sequence):
    """A run's changes, in order. A Sequence but not a list on purpose: Prefect walks every list,
    tuple and dataclass a task takes or a flow returns, looking for futures (seconds per 100,000
    changes, bench/parallel.py); it leaves other sequences alone."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Change] = ()):
        self._items = tuple(items)

    def __getitem__(self, index):
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and not isinstance(other, str) and list(self._items) == list(other)

    def __repr__(self) -> str:
        return f"Changes({list(self._items)!r})"


@dataclass(frozen=True)
class SourceCounts:
    """What became of one run's sources."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0  # read (or 304) and the same as before, and feed pages not fetched again
    failed: int = 0  # distinct sources with a failure
    missing: int = 0  # known, not listed, not retired

    def as_run_columns(self) -> dict[str, int]:
        """The runs table's columns and RunSummary's fields of the same name."""
        return {"sources_new": self.new, "sources_changed": self.changed, "sources_unchanged": self.unchanged,
                "sources_failed": self.failed, "sources_missing": self.missing}


@dataclass(frozen=True)
class SnapshotResult:
    """What a commit made: its snapshot (None when nothing was re-read) and the changes it brought."""

    snapshot_id: int | None
    changes: Changes


@dataclass(frozen=True)
class RunSummary:
    """What one ingestion run did; the CLI prints it and the alert step reads it."""

    run_id: str
    snapshot_id: int | None
    sources_new: int
    sources_changed: int
    sources_unchanged: int
    sources_failed: int
    sources_missing: list[str]
    changes: Changes
    failures: list[Failure]
    crashed_runs: list[str] = field(default_factory=list)
    sources_skipped: list[str] = field(default_factory=list)  # files of types the tracker does not read
    sources_retired: list[str] = field(default_factory=list)  # listed, but retired by a user: not read
    # The run's alert (new problems, resolved ones, reminders) and what became of it
    alert_text: str | None = None
    alert_status: str | None = None  # sent, failed (retried by the next run), not_configured; None: no alert
    alert_error: str | None = None
    # Per feed or sitemap: status, entries seen / new, pages fetched / failed (tracker.summary.feed_counts)
    feeds: list[dict] = field(default_factory=list)
    # Where extraction ran (this process, N worker processes, a Dask cluster) and how long it took
    extraction_engine: str | None = None
    extraction_s: float | None = None

    def count(self, change: str) -> int:
        return sum(1 for item in self.changes if item.change == change)

    @property
    def status(self) -> str:
        return "failed_inputs" if self.failures else "succeeded"

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def to_dict(self) -> dict:
        # asdict would deep-copy the changes rather than turn them into dicts
        data = asdict(replace(self, changes=Changes()))
        data["changes"] = [change.to_dict() for change in self.changes]
        data["status"] = self.status
        return data


@dataclass(frozen=True)
class ReportData:
    """What `tracker report` shows, already aggregated and capped by the warehouse.

    Rows are plain dicts named by their SQL columns; `timeline_points` holds the capped
    current statements of the charted indicators, by period.
    """

    generated_at: datetime
    stats: dict  # counts over the whole warehouse and the latest run
    indicators: list[dict]  # the index: one row per indicator (topic, counts by kind, revisions, conflicts, latest)
    timeline_points: list[dict]  # one current statement with its source's name and date, conflicts and revision
    changes: list[dict]  # the latest per-source changes, newest first, then revisions (change = "revised")
    conflicts: list[dict]  # current conflicting pairs
    failures: list[dict]  # the latest validation failures, newest first
    alerts: list[dict]  # the latest alerts, newest first
    feeds: list[dict] = field(default_factory=list)  # each feed's or sitemap's part of the latest run that read it
