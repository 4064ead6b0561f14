"""Which sources a run reads, and reading local files into Documents.

A source that cannot be read becomes a Failure with a stable reason code, never an exception
that stops the run. Whether a text holds article text, not just page boilerplate, is the
extractor's judgement: the caller passes it in as `has_text` (tracker.extract.has_article_text),
so reading sources never imports the extractor.
"""

from __future__ import annotations

import hashlib
import math
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlparse

from tracker.config import ConfigError, described, did_you_mean, watch_list
from tracker.models import SOURCE_KINDS, Document, FeedEntry, Failure, Source, SourceSettings, SourceState
from tracker.published import read_masthead, with_listing
from tracker.text import UnreadableDocument, document_text, is_readable_type, media_type_for, printable

REMOTE_SCHEMES = ("http", "https")
LISTING_KINDS = ("feed", "sitemap")  # CONTRACT §3: `feed URL`, `sitemap URL`; a bare URL is a page
# A sources.toml's [[source]] keys: what each is, for the errors that name them
TOML_SOURCE_KEYS = {
    "url": "the source's http(s) URL (required)",
    "kind": "page (default), feed or sitemap",
    "name": "what people call it, shown in the summary and report",
    "rate": "requests a second to its host, at most (a number > 0)",
    "max_entries": "a feed's or sitemap's pages fetched per run, at most (a whole number ≥ 1)",
    "oldest": "a feed's entries dated before this are not fetched (a date: 2025-01-01)",
    "watch": "[alerts] watch rules for this source's pages: indicator keys or topic:X, subject:X, kind:X",
}

HasText = Callable[[str], bool]  # whether a document's text holds article text, not just page boilerplate


class SourceRejected(Exception):
    """A source the tracker will not read; carries the failure to record."""

    def __init__(self, source_id: str, reason: str, detail: str, check: str = "document",
                 content_hash: str | None = None):
        super().__init__(f"cannot read {source_id}: {detail} ({reason})")
        self.failure = Failure(source_id=source_id, check=check, reason=reason, message=f"{detail} ({reason})",
                               content_hash=content_hash)


class SourcesFileError(ValueError):
    """The sources file cannot be used at all, or one of its lines is not a source: bad configuration."""


def escape_undecodable(name: str) -> str:
    """A file name or path as text that can be stored and printed: bytes that are not UTF-8 (which
    Python hands over as surrogates) become `\\xNN` escapes, so `bad\\xff.txt` names the file
    b'bad\\xff.txt'. Valid names are kept as they are."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Listing:
    """What one run reads: its sources, the entries that are failures already, and the files of
    types the tracker does not read (skipped, listed once in the summary, never failures)."""

    sources: list[Source]
    failures: list[Failure]
    skipped: list[str]


def list_local_sources(corpus_dir: Path) -> Listing:
    """Files in the corpus folder and its sub-folders, by path; the source id is the path relative to
    the folder (`reports/2024/brief.txt`). Hidden files and folders are skipped; so are files whose
    type the tracker does not read (.csv, .docx, images), listed in `skipped`."""
    sources: list[Source] = []
    failures: list[Failure] = []
    skipped: list[str] = []
    root = Path(corpus_dir).resolve()
    folders = [(str(root), "")]
    while folders:
        folder, prefix = folders.pop()
        # scandir knows each entry's type without a stat per file: a 10,000-file corpus lists in milliseconds
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        below = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            source_id = prefix + escape_undecodable(entry.name)
            location = entry.path  # the path as a string: no Path object per file; opens whatever its bytes
            if entry.is_symlink():
                target = Path(location).resolve()
                if not target.is_relative_to(root):
                    failures.append(SourceRejected(source_id, "outside_corpus", "symlink points outside the "
                                                   f"corpus folder, to {escape_undecodable(str(target))}").failure)
                    continue
                if target.is_dir():
                    continue  # a folder inside the corpus, read where it really is (and no loops)
                location = str(target)
            if entry.is_dir(follow_symlinks=False):
                below.append((entry.path, source_id + "/"))
                continue
            if not entry.is_file():
                failures.append(SourceRejected(source_id, "not_a_file", "not a regular file").failure)
                continue
            if not is_readable_type(entry.name):
                skipped.append(source_id)
                continue
            sources.append(Source(source_id=source_id, location=location))
        folders.extend(reversed(below))  # depth first, in name order
    sources.sort(key=lambda source: source.source_id)
    return Listing(sources, failures, sorted(skipped))


def parse_sources_file(raw: bytes, name: str = "sources file") -> tuple[list[Source], list[Failure]]:
    """A sources file: one source a line, '#' starts a comment (CONTRACT §3): a bare URL is a page,
    `feed URL` a feed, `sitemap URL` a sitemap (or sitemap index).

    Checked whole before anything is fetched: a line that is not a source raises SourcesFileError
    naming it. Bytes that are not UTF-8 only matter where they are read: in a comment they are
    ignored. A URL of a scheme the tracker does not fetch (ftp:, file:) is a failure row of its own.
    """
    sources: list[Source] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    for number, line in enumerate(raw.splitlines(), start=1):
        content = line.split(b"#", 1)[0].strip()
        if not content:
            continue
        where = f"{name}, line {number}"
        try:
            fields = content.decode("utf-8").split()
        except UnicodeDecodeError as exc:
            raise SourcesFileError(f"{where}: not UTF-8 (byte {exc.start + 1} of the line); "
                                   "write the URL percent-encoded") from None
        kind = "page"
        if len(fields) == 2 and fields[0].lower() in LISTING_KINDS:
            kind, fields = fields[0].lower(), fields[1:]
        if len(fields) != 1:
            raise SourcesFileError(f"{where}: {printable(content.decode('utf-8'))!r} is not one source "
                                   "(one a line: a URL, `feed URL` or `sitemap URL`)")
        _add_source(fields[0], kind, None, where, sources, failures, seen)
    return sources, failures


def parse_sources_toml(raw: bytes, name: str = "sources.toml") -> tuple[list[Source], list[Failure]]:
    """A sources.toml: one [[source]] table a source, with its own settings (TOML_SOURCE_KEYS).

        [[source]]
        url = "https://news.example.org/feed.xml"
        kind = "feed"
        name = "Example ministry news"
        rate = 0.5
        max_entries = 20
        oldest = 2025-01-01
        watch = ["topic:ai"]

    Checked whole: an unknown key, a wrong type or a bad value raises SourcesFileError naming the
    source and the key.
    """
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SourcesFileError(f"{name}: not UTF-8 (byte {exc.start + 1})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"{name}: not valid TOML: {exc}") from None
    extra = [key for key in document if key != "source"]
    if extra:
        raise SourcesFileError(f"{name}: unknown table or key '{extra[0]}'{did_you_mean(extra[0], ['source'])}; "
                               "each source is a [[source]] table")
    tables = document.get("source", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise SourcesFileError(f"{name}: 'source' must be [[source]] tables, not {described(tables)}")
    sources: list[Source] = []
    failures: list[Failure] = []
    seen: set[str] = set()
    for number, table in enumerate(tables, start=1):
        where = f"{name}, source {number}" + (f" ({table['url']})" if isinstance(table.get("url"), str) else "")
        for key in table:
            if key not in TOML_SOURCE_KEYS:
                raise SourcesFileError(f"{where}: unknown key '{key}'{did_you_mean(key, list(TOML_SOURCE_KEYS))}")
        url, kind = table.get("url"), table.get("kind", "page")
        if not isinstance(url, str) or not url.strip():
            raise SourcesFileError(f"{where}: 'url' is required: {TOML_SOURCE_KEYS['url']}")
        if kind not in SOURCE_KINDS:
            raise SourcesFileError(f"{where}: 'kind' must be page, feed or sitemap, not {described(kind)}")
        settings = _toml_settings(table, where)
        _add_source(url.strip(), kind, settings, where, sources, failures, seen)
    return sources, failures


def _toml_settings(table: dict, where: str) -> SourceSettings:
    def check(key, valid, wanted):
        value = table.get(key)
        if value is not None and (isinstance(value, bool) or not valid(value)):
            raise SourcesFileError(f"{where}: '{key}' must be {wanted}, not {described(value)}")
        return value

    name = check("name", lambda v: isinstance(v, str) and v.strip(), "a non-empty string")
    rate = check("rate", lambda v: isinstance(v, (int, float)) and 0 < v < math.inf, "a number > 0")
    cap = check("max_entries", lambda v: isinstance(v, int) and v >= 1, "a whole number ≥ 1")
    oldest = table.get("oldest")
    if isinstance(oldest, str):
        try:
            oldest = date.fromisoformat(oldest)
        except ValueError:
            raise SourcesFileError(f"{where}: 'oldest' must be a date (2025-01-01), not {oldest!r}") from None
    if oldest is not None and (not isinstance(oldest, date) or isinstance(oldest, datetime)):
        raise SourcesFileError(f"{where}: 'oldest' must be a date (2025-01-01), not {described(oldest)}")
    watch: tuple[str, ...] = ()
    if "watch" in table:
        try:
            watch = watch_list(table["watch"], where)
        except ConfigError as exc:
            raise SourcesFileError(str(exc)) from None
    return SourceSettings(name=name.strip() if name else None, rate_per_s=float(rate) if rate else None,
                          max_entries=cap, oldest=oldest, watch=watch)


def _add_source(url: str, kind: str, settings: SourceSettings | None, where: str, sources: list[Source],
                failures: list[Failure], seen: set[str]) -> None:
    """One listed URL as a Source (or a failure row: a scheme the tracker does not fetch); each URL once."""
    if url in seen:
        return
    seen.add(url)
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in REMOTE_SCHEMES and not parsed.netloc:
        raise SourcesFileError(f"{where}: {printable(url)!r} has no host")
    if scheme not in REMOTE_SCHEMES:
        if not scheme:
            raise SourcesFileError(f"{where}: {printable(url)!r} is not a URL (http:// or https://)")
        failures.append(SourceRejected(url, "unsupported_scheme", f"only http and https URLs are fetched, not {scheme}",
                                       check="fetch").failure)
        return
    sources.append(Source(source_id=url, location=url, is_remote=True, kind=kind, settings=settings))


def read_sources_file(path: Path) -> tuple[list[Source], list[Failure]]:
    """parse_sources_file on a file (parse_sources_toml on a .toml one); a file that cannot be read
    raises SourcesFileError."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SourcesFileError(f"cannot read the sources file {path}: {exc.strerror or exc}") from None
    if Path(path).suffix.lower() == ".toml":
        return parse_sources_toml(raw, str(path))
    return parse_sources_file(raw, str(path))


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_file_source(source: Source, max_bytes: int, known_hash: str | None = None, *,
                     has_text: HasText) -> Document:
    """Read one local file as a Document, or raise SourceRejected with the reason.

    A file whose bytes still hash to `known_hash` is not converted to text (its text is None):
    it will not be re-read, and converting HTML or PDF, or finding article text, costs more
    than hashing.
    """
    raw = _read_stable(source, max_bytes)
    media_type = media_type_for(source.location)
    if known_hash is not None and content_hash(raw) == known_hash:
        return Document(source_id=source.source_id, content_hash=known_hash, text=None, media_type=media_type, raw=raw)
    return document_from_bytes(source.source_id, raw, media_type, has_text=has_text)


def _read_stable(source: Source, max_bytes: int) -> bytes:
    """The file's bytes, read again once if it changed while being read; changing twice is `unstable`
    (a half-written file committed would show as spurious changes and removals)."""
    for _attempt in range(2):
        try:
            with open(source.location, "rb") as handle:  # one open for size and content
                before = os.fstat(handle.fileno())
                if before.st_size > max_bytes:
                    raise SourceRejected(source.source_id, "too_large",
                                         f"{before.st_size} bytes, over the {max_bytes}-byte cap (max_document_bytes)")
                raw = handle.read(max_bytes + 1)
                after = os.fstat(handle.fileno())
            if len(raw) > max_bytes:
                raise SourceRejected(source.source_id, "too_large",
                                     f"more than {max_bytes} bytes, over the cap (max_document_bytes)")
            now = os.stat(source.location)
        except OSError as exc:
            raise SourceRejected(source.source_id, "unreadable_file", exc.strerror or str(exc)) from None
        if (len(raw) == after.st_size == before.st_size and after.st_mtime_ns == before.st_mtime_ns
                and (now.st_ino, now.st_size, now.st_mtime_ns) == (after.st_ino, after.st_size, after.st_mtime_ns)):
            return raw
    raise SourceRejected(source.source_id, "unstable",
                         "the file changed while it was read, twice; it is read again next run")


def document_from_bytes(source_id: str, raw: bytes, media_type: str,
                        etag: str | None = None, last_modified: str | None = None, *, has_text: HasText,
                        listing: FeedEntry | None = None) -> Document:
    """The Document of a source's bytes, or SourceRejected: unreadable, or `has_text` finds no article text.
    A page a feed listed takes the entry's title and date (tracker.published.with_listing)."""
    try:
        text = document_text(raw, media_type)
    except UnreadableDocument as exc:  # the hash makes an edited, still bad file a new problem
        raise SourceRejected(source_id, exc.reason, exc.detail, content_hash=content_hash(raw)) from None
    if not has_text(text):
        raise SourceRejected(source_id, "no_text", "no article text left once page boilerplate is removed",
                             content_hash=content_hash(raw))
    masthead = with_listing(read_masthead(raw, media_type, text), listing)
    return Document(source_id=source_id, content_hash=content_hash(raw), text=text,
                    media_type=media_type, raw=raw, etag=etag, last_modified=last_modified,
                    title=masthead.title, published_on=masthead.published_on, listing=listing)


def list_run_sources(corpus_dir: Path | None, sources_file: Path | None) -> Listing:
    """Every source of one run: the corpus folder's files, then the sources file's URLs."""
    listed: list[Source] = []
    failures: list[Failure] = []
    skipped: list[str] = []
    if corpus_dir is not None:
        local = list_local_sources(corpus_dir)
        listed, failures, skipped = local.sources, local.failures, local.skipped
    if sources_file is not None:
        try:
            remote, remote_failures = read_sources_file(sources_file)
        except SourcesFileError as exc:
            # Found bad by a scheduled run (the CLI checks it before starting): its URLs wait, the
            # corpus folder is still read, and the problem is a failure row that gets alerted
            remote, remote_failures = [], [SourceRejected(escape_undecodable(str(sources_file)), "bad_sources_file",
                                                          str(exc), check="sources_file").failure]
        listed += remote
        failures += remote_failures
    return Listing(listed, failures, skipped)


def new_file_bytes(local: list[Source], known: dict[str, SourceState]) -> int:
    """The size on disk of the files the warehouse has never read: what a run knows it will extract
    before it reads anything (a changed file is known only once read)."""
    total = 0
    for source in local:
        if source.source_id not in known:
            try:
                total += os.stat(source.location).st_size
            except OSError:  # reading it will report why
                pass
    return total


def read_file_sources(local: list[Source], max_bytes: int, known: dict[str, SourceState], *,
                      has_text: HasText) -> tuple[list[Document], list[Failure]]:
    documents: list[Document] = []
    failures: list[Failure] = []
    for source in local:
        state = known.get(source.source_id)
        unchanged_hash = state.content_hash if state is not None and not state.retired else None
        try:
            documents.append(read_file_source(source, max_bytes, unchanged_hash, has_text=has_text))
        except SourceRejected as exc:
            failures.append(exc.failure)
    return documents, failures


def sort_fetched(documents: list[Document], failures: list[Failure], fetched: list) -> tuple[list[Document], list[Failure], list]:
    """Merge fetch outcomes (Document, Failure or a not-modified marker) into the run's lists."""
    documents, failures, not_modified = list(documents), list(failures), []
    for outcome in fetched:
        if isinstance(outcome, Document):
            documents.append(outcome)
        elif isinstance(outcome, Failure):
            failures.append(outcome)
        else:
            not_modified.append(outcome)
    return documents, failures, not_modified


def missing_sources(known: dict, listed_ids: set[str]) -> list[str]:
    """Known, unretired sources this run did not list (a page a listed feed ever listed counts as
    listed): reported, never treated as retracted."""
    return sorted(source_id for source_id, state in known.items() if not state.retired and source_id not in listed_ids)


def retired_sources(known: dict[str, SourceState], listed: list[Source]) -> list[str]:
    """Listed sources a user retired: not read again, and reported, until `tracker unretire`."""
    return sorted(source.source_id for source in listed
                  if (state := known.get(source.source_id)) is not None and state.retired)


def first_of_each(documents: list[Document]) -> list[Document]:
    """Each source once, its first document kept: two feed entries (or an entry and a listed URL)
    can lead to one page."""
    seen: set[str] = set()
    kept = []
    for document in documents:
        if document.source_id not in seen:
            seen.add(document.source_id)
            kept.append(document)
    return kept


def watch_rules(listed: list[Source], feed_pages: list[Source], fetched: list) -> dict[str, tuple[str, ...]]:
    """A sources.toml's per-source watch rules by source id: a feed's rules reach its pages, under the
    id each page was stored as (its canonical URL after redirects)."""
    rules = {source.source_id: source.settings.watch for source in listed
             if source.settings is not None and source.settings.watch}
    for page, outcome in zip(feed_pages, fetched):
        if isinstance(outcome, Document) and page.settings is not None and page.settings.watch:
            rules[outcome.source_id] = page.settings.watch
    return rules


@dataclass(frozen=True)
class ReadingPlan:
    """What one run reads, by how: files, page URLs, feeds and sitemaps; and the retired it skips."""

    local: list[Source]
    pages: list[Source]
    listings: list[Source]
    retired: list[str]

    @property
    def listed(self) -> list[Source]:
        return self.local + self.pages + self.listings


def plan_reading(listing: Listing, known: dict[str, SourceState]) -> ReadingPlan:
    """The listed sources split by how they are read; a retired one stays retired until `tracker unretire`."""
    retired = retired_sources(known, listing.sources)
    listed = [s for s in listing.sources if s.source_id not in retired]
    return ReadingPlan(local=[s for s in listed if not s.is_remote],
                       pages=[s for s in listed if s.is_remote and s.kind == "page"],
                       listings=[s for s in listed if s.kind in LISTING_KINDS], retired=retired)


def feed_pages_to_fetch(plan: ReadingPlan, read, known: dict[str, SourceState]) -> list[Source]:
    """The pages the feeds chose (tracker.feeds.ListingsRead), less those listed as pages already and
    the retired."""
    page_ids = {s.source_id for s in plan.pages}
    return [p for p in read.pages if p.source_id not in page_ids
            and not ((state := known.get(p.source_id)) is not None and state.retired)]


@dataclass(frozen=True)
class DocumentsRead:
    """Everything one run read, sorted: new and changed documents (to extract), unchanged ones whose
    fetch validators moved (stored for the next conditional GET), every failure so far, the ids of
    every listed source (a feed's pages included), and the feeds' outcomes and entries."""

    new: list[Document]
    changed: list[Document]
    unchanged: list[Document]
    unchanged_count: int  # unchanged files and pages, 304s, feed pages not fetched again
    failures: list[Failure]
    listed_ids: set[str]
    missing: list[str]
    feed_outcomes: list
    feed_entries: list[FeedEntry]
    source_watch: dict[str, tuple[str, ...]]  # a sources.toml's watch rules, by source id

    @property
    def reread(self) -> list[Document]:
        return self.new + self.changed


def gather_documents(plan: ReadingPlan, listing: Listing, local: tuple[list[Document], list[Failure]],
                     listings_read, feed_pages: list[Source], fetched: list, known: dict[str, SourceState]) -> DocumentsRead:
    """The run's reading, sorted into DocumentsRead: files read, page fetches (plan.pages then
    feed_pages, in that order in `fetched`), what the feeds and sitemaps listed."""
    from tracker import diff, feeds

    page_outcomes, feed_page_outcomes = fetched[:len(plan.pages)], fetched[len(plan.pages):]
    feed_outcomes, feed_entries = feeds.settle_pages(listings_read, feed_pages, feed_page_outcomes)
    documents, failures, not_modified = sort_fetched(local[0], listing.failures + local[1] + listings_read.failures,
                                                     page_outcomes + feed_page_outcomes)
    documents = first_of_each(documents)  # a feed's page that redirects to a page already read
    listed_ids = ({s.source_id for s in plan.listed} | listings_read.listed_page_ids
                  | {doc.source_id for doc in documents})
    new, changed, unchanged = diff.classify_documents(documents, known)
    # Pages of feeds that were not fetched (their entries did not change) are unchanged sources too
    attempted = {s.source_id for s in plan.pages + feed_pages} | {doc.source_id for doc in documents}
    untouched = sum(1 for source_id in listings_read.listed_page_ids - attempted
                    if (state := known.get(source_id)) is not None and state.content_hash and not state.retired)
    return DocumentsRead(new=new, changed=changed, unchanged=diff.with_new_validators(unchanged, known),
                         unchanged_count=len(unchanged) + len(not_modified) + untouched, failures=failures,
                         listed_ids=listed_ids, missing=missing_sources(known, listed_ids),
                         feed_outcomes=feed_outcomes, feed_entries=feed_entries,
                         source_watch=watch_rules(plan.listed + feed_pages, feed_pages, feed_page_outcomes))
