"""Feeds and sitemaps as sources: what a listing's body says, and which of its pages a run fetches.

Pure functions over bytes and stored state; the fetching is tracker.fetch's, the storing the
warehouse's. RSS 2.0 and Atom are parsed by feedparser (given bytes: it does no HTTP of its own),
JSON Feed with the standard json module (feedparser 6 does not read it), sitemaps and sitemap
indexes with the standard library's expat-based ElementTree (expat ≥ 2.4 refuses entity
expansion bombs; the size cap bounds the rest).
"""

from __future__ import annotations

import email.utils
import io
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit
from xml.etree import ElementTree

from tracker.models import Document, Failure, FeedEntry, Source, SourceSettings, SourceState

# Query parameters that say who sent a reader, not which page it is: dropped from entry links,
# so the same article shared through two campaigns is one source
TRACKING_PARAMETERS = re.compile(
    r"^(?:utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_hsenc|_hsmi|"
    r"mkt_tok|igshid|ref_src|spm|cmpid|ncid|at_medium|at_campaign)$", re.IGNORECASE)
DEFAULT_PORTS = {"http": 80, "https": 443}
JSON_FEED_VERSION = re.compile(r"^https?://jsonfeed\.org/version/", re.IGNORECASE)
GZIP_MAGIC = b"\x1f\x8b"
# Media types a feed or sitemap may be served as (servers disagree; the body decides what it is)
LISTING_MEDIA_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
                       "application/feed+json", "application/json", "text/", "application/rdf+xml",
                       "application/x-gzip", "application/gzip", "application/octet-stream")


class ListingUnreadable(Exception):
    """A feed or sitemap body that is not one: `reason` is a stable code (not_a_feed, not_a_sitemap)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def canonical_url(url: str, base: str | None = None) -> str:
    """One spelling per page: resolved against `base`, scheme and host in lower case, default port,
    fragment and tracking parameters (utm_*, fbclid...) dropped, the other parameters kept in order."""
    absolute = urljoin(base, url.strip()) if base else url.strip()
    parts = urlsplit(absolute)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    port = parts.port if parts.port not in (None, DEFAULT_PORTS.get(scheme)) else None
    netloc = host + (f":{port}" if port else "")  # credentials, if any, never become part of an id
    query = urlencode([(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                       if not TRACKING_PARAMETERS.match(key)], doseq=True)
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


@dataclass(frozen=True)
class ListingBody:
    """What one feed or sitemap body lists: pages, or (a sitemap index) more sitemaps."""

    format: str  # rss, atom, json_feed, sitemap, sitemap_index
    title: str | None
    entries: list[FeedEntry]


def parse_listing(raw: bytes, url: str, kind: str) -> ListingBody:
    """The entries of a feed (`kind` feed) or sitemap (`kind` sitemap) body fetched from `url`.

    Entry links are made canonical against `url`; entries without a usable http(s) link are left
    out. Raises ListingUnreadable when the body is neither.
    """
    if raw[:2] == GZIP_MAGIC:
        raw = _gunzip(raw)
    head = raw.lstrip()[:1]
    if kind == "feed" and head in (b"{", b"["):
        return _json_feed(raw, url)
    if kind == "sitemap":
        return _sitemap(raw, url)
    return _xml_feed(raw, url)


def _gunzip(raw: bytes, limit: int = 50 * 1024 * 1024) -> bytes:
    """A gzipped sitemap's XML, at most `limit` bytes (the sitemap protocol's own cap is 50 MB)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(raw, limit)
    except zlib.error as exc:
        raise ListingUnreadable("not_a_sitemap", f"a gzip body that does not inflate: {exc}") from None
    if inflater.unconsumed_tail:
        raise ListingUnreadable("too_large", f"inflates to more than {limit} bytes")
    return body


def _xml_feed(raw: bytes, url: str) -> ListingBody:
    import feedparser  # ~60 ms to import: only runs that read feeds pay for it

    parsed = feedparser.parse(io.BytesIO(raw), response_headers={"content-location": url})
    version = parsed.get("version") or ""
    if not version:
        problem = parsed.get("bozo_exception")
        raise ListingUnreadable("not_a_feed", "not an RSS, Atom or JSON feed"
                                + (f" ({type(problem).__name__}: {problem})" if problem else ""))
    entries = []
    for item in parsed.entries:
        link = item.get("link") or _url_or_none(item.get("id"))
        if not link:
            continue
        # dict.get: FeedParserDict's own get maps a missing `updated` to `published`, with a warning
        updated, updated_parsed = dict.get(item, "updated"), dict.get(item, "updated_parsed")
        published = _entry_date(dict.get(item, "published"), dict.get(item, "published_parsed")) \
            or _entry_date(updated, updated_parsed)
        entries.append(_entry(url, link, item.get("title"), published, updated or dict.get(item, "published")))
    title = parsed.feed.get("title") if parsed.get("feed") else None
    return ListingBody("atom" if version.startswith("atom") else "rss", _clean(title), _dedupe(entries))


def _json_feed(raw: bytes, url: str) -> ListingBody:
    try:
        feed = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ListingUnreadable("not_a_feed", f"JSON that does not parse: {exc}") from None
    if not isinstance(feed, dict) or not JSON_FEED_VERSION.match(str(feed.get("version", ""))) \
            or not isinstance(feed.get("items"), list):
        raise ListingUnreadable("not_a_feed", "JSON, but not a JSON Feed (no jsonfeed.org version and items)")
    base = feed.get("home_page_url") if isinstance(feed.get("home_page_url"), str) else url
    entries = []
    for item in feed["items"]:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url") or _url_or_none(item.get("id"))
        if not isinstance(link, str) or not link:
            continue
        published = _entry_date(_text(item.get("date_published"))) or _entry_date(_text(item.get("date_modified")))
        version = _text(item.get("date_modified")) or _text(item.get("date_published"))
        entries.append(_entry(url, link, _text(item.get("title")), published, version, base=base))
    return ListingBody("json_feed", _clean(_text(feed.get("title"))), _dedupe(entries))


def _sitemap(raw: bytes, url: str) -> ListingBody:
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError as exc:
        raise ListingUnreadable("not_a_sitemap", f"XML that does not parse: {exc}") from None
    tag = _local(root.tag)
    if tag not in ("urlset", "sitemapindex"):
        raise ListingUnreadable("not_a_sitemap", f"XML whose root is <{tag}>, not <urlset> or <sitemapindex>")
    child_kind, item_tag = ("sitemap", "sitemap") if tag == "sitemapindex" else ("page", "url")
    entries = []
    for item in root:
        if _local(item.tag) != item_tag:
            continue
        fields = {_local(part.tag): part for part in item}
        loc = (fields.get("loc").text or "").strip() if fields.get("loc") is not None else ""
        if not loc:
            continue
        lastmod = (fields["lastmod"].text or "").strip() if fields.get("lastmod") is not None else None
        title, published = None, None
        news = fields.get("news")  # Google News sitemaps state a title and a publication date
        if news is not None:
            parts = {_local(part.tag): (part.text or "").strip() for part in news.iter()}
            title, published = parts.get("title") or None, _entry_date(parts.get("publication_date"))
        entries.append(replace(_entry(url, loc, title, published, lastmod or None), kind=child_kind))
    return ListingBody("sitemap_index" if tag == "sitemapindex" else "sitemap", None, _dedupe(entries))


def _entry(feed_url: str, link: str, title: str | None, published: date | None, version: str | None,
           base: str | None = None) -> FeedEntry | None:
    url = canonical_url(link, base or feed_url)
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        return None
    return FeedEntry(feed_url=feed_url, url=url, title=_clean(title), published_on=published, version=version)


def _dedupe(entries: Iterable[FeedEntry | None]) -> list[FeedEntry]:
    """Entries in listing order, each link once (the first mention: feeds list newest first)."""
    seen: dict[str, FeedEntry] = {}
    for entry in entries:
        if entry is not None and entry.url not in seen:
            seen[entry.url] = entry
    return list(seen.values())


def _entry_date(stated: str | None, parsed=None) -> date | None:
    """The calendar date an entry states, in its own time zone (a 23:30 −05:00 post is of that day,
    not of the next day in UTC); feedparser's UTC reading when the text is in no form read here."""
    if stated:
        value = stated.strip()
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            pass
        try:
            return email.utils.parsedate_to_datetime(value).date()
        except (TypeError, ValueError, IndexError):
            pass
    if parsed:
        try:
            return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        except (AttributeError, ValueError):
            return None
    return None


def _url_or_none(value) -> str | None:
    return value if isinstance(value, str) and value.lower().startswith(("http://", "https://")) else None


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _clean(title: str | None) -> str | None:
    if not title:
        return None
    title = " ".join(title.split())
    return title[:500] or None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# --- which pages a run fetches ---------------------------------------------------------------


@dataclass(frozen=True)
class ListingLimits:
    """How much of a feed one run takes: the newest `max_entries` pages to fetch, none older than `oldest`."""

    max_entries: int
    oldest: date | None


def listing_limits(source: Source, max_entries: int, max_age_days: float | None, today: date) -> ListingLimits:
    """A feed's own limits (sources.toml) over the run's defaults (feed_max_entries, feed_max_age_days)."""
    settings = source.settings
    oldest = today - timedelta(days=max_age_days) if max_age_days else None
    if settings is not None and settings.oldest is not None:
        oldest = settings.oldest
    cap = settings.max_entries if settings is not None and settings.max_entries is not None else max_entries
    return ListingLimits(max_entries=cap, oldest=oldest)


@dataclass(frozen=True)
class EntryPlan:
    """What a run does with one listing's entries."""

    to_fetch: list[FeedEntry]  # new pages, pages whose entry changed, pages not yet read: newest first
    deferred: int  # over the per-run cap: left for the next run
    too_old: int  # dated before the cut-off: never fetched
    new: int  # entries not listed before


def plan_entries(listed: list[FeedEntry], stored: dict[str, FeedEntry], known: dict[str, SourceState],
                 limits: ListingLimits) -> EntryPlan:
    """Which of a listing's entries to fetch this run.

    An entry already read is fetched again only when the listing states a new version of it
    (its updated / lastmod moved); then conditionally. One never read successfully is tried
    again, so a failed page is not lost. New entries first by date, newest first; undated ones
    in listing order after the dated.
    """
    candidates, too_old, new = [], 0, 0
    for entry in listed:
        before = stored.get(entry.url)
        if before is None:
            new += 1
        if entry.kind == "page" and limits.oldest and entry.published_on and entry.published_on < limits.oldest:
            too_old += 1
            continue
        page_id = before.source_id if before is not None else None
        state = known.get(page_id) if page_id else None
        read = state is not None and state.content_hash is not None
        if read and before.version == entry.version:
            continue
        candidates.append(replace(entry, source_id=page_id))
    order = sorted(range(len(candidates)), key=lambda i: (candidates[i].published_on is None,
                                                          -(candidates[i].published_on or date.min).toordinal(), i))
    chosen = [candidates[i] for i in order]
    cap = max(limits.max_entries, 0)
    return EntryPlan(to_fetch=chosen[:cap], deferred=max(len(chosen) - cap, 0), too_old=too_old, new=new)


def page_source(entry: FeedEntry, feed: Source) -> Source:
    """The page source of a feed entry: fetched at the URL it was read at last (no redirect again),
    else at the entry's link; its id is fixed by the fetch (the canonical URL after redirects)."""
    source_id = entry.source_id or entry.url
    return Source(source_id=source_id, location=source_id, is_remote=True, kind="page",
                  settings=feed.settings, entry=entry)


@dataclass
class FeedOutcome:
    """One feed's or sitemap's part of a run: what its body said and what became of its pages."""

    feed_url: str
    kind: str
    name: str | None
    status: str  # changed, not_modified (304), unchanged (same bytes), failed
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    title: str | None = None
    error: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)  # as listed this run (empty unless changed)
    stored_versions: dict[str, str | None] = field(default_factory=dict)  # entry link -> version read before
    entries_seen: int = 0
    entries_new: int = 0
    pages_fetched: int = 0
    pages_failed: int = 0
    deferred: int = 0
    too_old: int = 0
    parent_url: str | None = None  # a sitemap listed by a sitemap index


@dataclass(frozen=True)
class FeedState:
    """What the warehouse knows of one feed or sitemap from earlier runs."""

    feed_url: str
    etag: str | None
    last_modified: str | None
    content_hash: str | None  # of the last body read; None when it never read
    entries: dict[str, FeedEntry]  # by link: every entry it ever listed (pages, or an index's sitemaps)


@dataclass(frozen=True)
class ListingFetch:
    """A listing's body as fetched."""

    raw: bytes
    content_hash: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class ListingsRead:
    """What a run's feeds and sitemaps gave: the pages to fetch, the ids of every page they list
    (fetched this run or not: none of them is missing), one outcome per listing, and failures."""

    pages: list[Source]
    listed_page_ids: set[str]
    outcomes: list[FeedOutcome]
    failures: list[Failure]


def read_listings(listings: list[Source], stored: dict[str, FeedState], known: dict[str, SourceState],
                  limits_of, fetch_body) -> ListingsRead:
    """Fetch each feed and sitemap (through `fetch_body(source, state)`, which answers a
    ListingFetch, a not-modified marker or a Failure) and plan its pages (plan_entries).

    An unchanged body (304, or the same bytes) lists what it listed before, so only pages never
    read are fetched; a failed fetch fetches nothing and loses nothing. A sitemap index's
    sitemaps are read the same way, those whose lastmod did not move without a request; the
    index's page cap is shared by them. `limits_of(source)` gives a listing's ListingLimits.
    """
    pages: dict[str, Source] = {}
    listed_page_ids: set[str] = set()
    outcomes: list[FeedOutcome] = []
    failures: list[Failure] = []
    budget: dict[str, int] = {}  # a top-level listing's pages still to take this run
    queue: list[tuple[Source, str | None, bool]] = [(source, None, True) for source in listings]
    while queue:
        source, parent, fetch_it = queue.pop(0)
        top = parent or source.source_id
        limits = limits_of(source)
        budget.setdefault(top, limits.max_entries)
        state = stored.get(source.source_id)
        before = state.entries if state is not None else {}
        name = source.settings.name if source.settings else None
        outcome = FeedOutcome(feed_url=source.source_id, kind=source.kind, name=name, status="not_fetched",
                              parent_url=parent)
        if state is not None:
            outcome.etag, outcome.last_modified, outcome.content_hash = state.etag, state.last_modified, state.content_hash
        listed = list(before.values())
        answer = fetch_body(source, state) if fetch_it else None
        if isinstance(answer, Failure):
            outcome.status, outcome.error = "failed", answer.message
            failures.append(answer)
            listed_page_ids.update(e.source_id for e in listed if e.kind == "page" and e.source_id)
            outcomes.append(outcome)
            continue  # nothing fetched for it, nothing lost: its pages wait for a readable body
        if isinstance(answer, ListingFetch):
            outcome.etag, outcome.last_modified = answer.etag, answer.last_modified
            if state is not None and answer.content_hash == state.content_hash:
                outcome.status = "unchanged"
            else:
                try:
                    body = parse_listing(answer.raw, source.location, source.kind)
                except ListingUnreadable as exc:
                    outcome.status, outcome.error = "failed", exc.detail
                    failures.append(Failure(source_id=source.source_id, check="fetch", reason=exc.reason,
                                            message=f"{exc.detail} ({exc.reason})", content_hash=answer.content_hash))
                    listed_page_ids.update(e.source_id for e in listed if e.kind == "page" and e.source_id)
                    outcomes.append(outcome)
                    continue
                outcome.status, outcome.content_hash, outcome.title = "changed", answer.content_hash, body.title
                listed = [replace(e, feed_url=source.source_id, source_id=before[e.url].source_id
                                  if e.url in before else None) for e in body.entries]
                outcome.entries = listed
                outcome.stored_versions = {url: entry.version for url, entry in before.items()}
        elif answer is not None:
            outcome.status = "not_modified"
        outcome.entries_seen = len(listed)
        outcome.entries_new = sum(1 for e in listed if e.url not in before)
        # Pages it listed before and no longer does are still its pages: never missing
        listed_page_ids.update(e.source_id for e in before.values() if e.kind == "page" and e.source_id)
        for child in (e for e in listed if e.kind == "sitemap"):
            child_state = stored.get(child.url)
            previous = before.get(child.url)
            unchanged = (child_state is not None and child_state.content_hash is not None and previous is not None
                         and previous.version is not None and previous.version == child.version)
            queue.append((Source(source_id=child.url, location=child.url, is_remote=True, kind="sitemap",
                                 settings=source.settings), top, not unchanged))
        page_entries = [e for e in listed if e.kind == "page"]
        listed_page_ids.update(e.source_id for e in page_entries if e.source_id)
        plan = plan_entries(page_entries, before, known, replace(limits, max_entries=budget[top]))
        budget[top] -= len(plan.to_fetch)
        outcome.deferred, outcome.too_old = plan.deferred, plan.too_old
        for entry in plan.to_fetch:
            page = page_source(entry, source)
            pages.setdefault(page.source_id, page)  # listed by two feeds: fetched once
        outcomes.append(outcome)
    return ListingsRead(pages=list(pages.values()), listed_page_ids=listed_page_ids, outcomes=outcomes,
                        failures=failures)


def settle_pages(read: ListingsRead, pages: list[Source], fetched: list) -> tuple[list[FeedOutcome], list[FeedEntry]]:
    """What the page fetches did to the listings: per listing, pages fetched and failed, and every
    entry to store, with the id its page got (its canonical URL after redirects) and the version
    of the page as read: a page whose new version failed, or waits for a later run, keeps the
    version read before, so that run fetches it."""
    by_feed = {outcome.feed_url: outcome for outcome in read.outcomes}
    resolved: dict[str, str] = {}
    read_ok: set[str] = set()  # entry links whose page answered (a new version, or 304)
    for page, outcome in zip(pages, fetched):
        if page.entry is None:
            continue
        feed = by_feed.get(page.entry.feed_url)
        if isinstance(outcome, Failure):
            if feed is not None:
                feed.pages_failed += 1
            continue
        read_ok.add(page.entry.url)
        if feed is not None:
            feed.pages_fetched += 1
        if isinstance(outcome, Document):
            resolved[page.entry.url] = outcome.source_id
    entries: dict[tuple[str, str], FeedEntry] = {}
    for feed in read.outcomes:
        for entry in feed.entries:
            if entry.kind == "page":
                version = entry.version if entry.url in read_ok else feed.stored_versions.get(entry.url)
            else:
                child = by_feed.get(entry.url)
                fine = child is not None and child.status in ("changed", "not_modified", "unchanged")
                version = entry.version if fine else feed.stored_versions.get(entry.url)
            entries[(feed.feed_url, entry.url)] = replace(entry, source_id=resolved.get(entry.url, entry.source_id),
                                                          version=version)
    # Entries of unchanged listings fetched this run (a retry, or a page an earlier cap deferred)
    for page in pages:
        entry = page.entry
        if entry is not None and (entry.feed_url, entry.url) not in entries and entry.url in resolved:
            entries[(entry.feed_url, entry.url)] = replace(entry, source_id=resolved[entry.url])
    return read.outcomes, list(entries.values())
