"""Fetching remote sources politely: timeouts, retries with backoff, conditional GET, a size cap,
a wall-clock deadline per URL and a time budget for a run's fetching.

Every way a fetch can fail ends as FetchFailed with a stable reason code, and `fetch_or_failure`
turns that into a Failure value, so one bad URL costs only itself.
"""

from __future__ import annotations

import hashlib
import http.client
import importlib.metadata
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
import urllib3
import urllib3.connection
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tracker import feeds
from tracker.config import DEFAULT_FETCH_BUDGET_S, DEFAULT_FETCH_DEADLINE_S
from tracker.models import Document, Failure, Source, SourceState
from tracker.polite import ROBOTS_MAX_BYTES, Politeness, current_gate, host_of
from tracker.sources import HasText, SourceRejected, document_from_bytes
from tracker.text import media_type_for

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
RETRIES = 2
BACKOFF_S = 0.5
BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 60  # a Retry-After of hours is waited on this long at most, and never past the deadline
MAX_REDIRECTS = 5
def _version() -> str:
    try:
        return importlib.metadata.version("tracker")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


# Honest: names the program and its version, what it is, and that it obeys robots.txt as "tracker"
USER_AGENT = f"tracker/{_version()} (technology-policy indicator tracker; obeys robots.txt as 'tracker')"
CHUNK_BYTES = 64 * 1024
# Media types the text stage reads; anything else (images, archives, video) is refused before download
READABLE_MEDIA_TYPES = ("text/", "application/xhtml+xml", "application/pdf")
# A feed or sitemap comes as XML, JSON or gzip under many names; its body decides what it is
UNREADABLE_LISTING_TYPES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")


class FetchFailed(Exception):
    """A URL could not be fetched; `reason` is a stable code such as fetch_timeout or http_404."""

    def __init__(self, url: str, reason: str, detail: str, status: int | None = None):
        super().__init__(f"cannot fetch {url}: {detail} ({reason})")
        self.url = url
        self.reason = reason
        self.detail = detail
        self.status = status

    def to_failure(self) -> Failure:
        return Failure(source_id=self.url, check="fetch", reason=self.reason, message=f"{self.detail} ({self.reason})")


@dataclass(frozen=True)
class NotModified:
    """The server answered 304: the stored version is still current."""

    source_id: str


@dataclass(frozen=True)
class FetchPolicy:
    """How patient and how greedy one run's fetching is."""

    max_bytes: int
    read_timeout_s: float = READ_TIMEOUT_S  # longest wait for the server's next bytes
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    retries: int = RETRIES  # of connection errors, timeouts and 429/5xx answers, with backoff
    backoff_s: float = BACKOFF_S
    workers: int = 8  # URLs fetched at once, each on its own connection
    # One URL, wall clock: connects, retries, redirects, headers and body. The read timeout alone
    # cannot bound a fetch: it restarts with every byte, so a server dripping bytes holds it for hours
    deadline_s: float = DEFAULT_FETCH_DEADLINE_S
    # All of a run's fetching: a URL not started by then is left for the next run
    budget_s: float = DEFAULT_FETCH_BUDGET_S

    @property
    def timeout_s(self) -> tuple[float, float]:
        return (min(self.connect_timeout_s, self.read_timeout_s), self.read_timeout_s)


def politeness(settings, sources: list[Source], stored_robots: dict | None = None) -> Politeness:
    """A run's manners (tracker.polite) from tracker.toml: the per-host rate and concurrency, a
    sources.toml's slower rate for its source's host, robots.txt files kept from earlier runs."""
    host_rates: dict[str, float] = {}
    for source in sources:
        rate = source.settings.rate_per_s if source.settings else None
        if rate:
            host = host_of(source.location)
            host_rates[host] = min(rate, host_rates.get(host, rate))
    return Politeness(settings.fetch_host_rate, settings.fetch_host_concurrency, settings.robots_cache_s,
                      stored_robots, host_rates)


def fetch_policy(settings) -> FetchPolicy:
    """The policy configured in tracker.toml / TRACKER_FETCH_* (see tracker.config)."""
    return FetchPolicy(max_bytes=settings.max_document_bytes, read_timeout_s=settings.fetch_timeout_s,
                       retries=settings.fetch_retries, workers=settings.fetch_workers,
                       deadline_s=settings.fetch_deadline_s, budget_s=settings.fetch_budget_s)


# --- the per-URL deadline ------------------------------------------------------------------
#
# A watchdog timer per fetch. At the deadline it marks the fetch expired and shuts down every socket
# the fetch uses, which makes a recv blocked in another thread return at once. The connections of
# sessions from make_session hand their sockets to the deadline of the fetch running on their
# thread; their Retry stops retrying, and stops waiting, once that deadline has passed.

_running = threading.local()  # .deadline: the _Deadline of the fetch running on this thread, if any


def _current_deadline() -> _Deadline | None:
    return getattr(_running, "deadline", None)


class _Deadline:
    """One fetch's wall-clock limit; `with _Deadline(s):` around the fetch, then look at `.expired`."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._expired = threading.Event()
        self._lock = threading.Lock()  # orders expiry against registering sockets and finishing
        self._finished = False
        # Duplicates of the fetch's sockets, ours to close: shutting one shuts the connection, and a
        # duplicate still works once TLS has wrapped (and detached) the socket it was made from
        self._handles: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True  # never keeps the interpreter alive; cancelled and joined at exit anyway
        self._outer: _Deadline | None = None

    @property
    def expired(self) -> bool:
        return self._expired.is_set()

    def wait(self, seconds: float) -> None:
        """Sleep up to `seconds`, waking at the deadline."""
        if seconds > 0:
            self._expired.wait(seconds)

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down at the deadline, or now if it has passed."""
        try:
            fd = os.dup(sock.fileno())
        except OSError:
            return  # already closed: nothing left to unblock
        try:
            handle = socket.socket(fileno=fd)  # family and type read from the descriptor
        except OSError:
            os.close(fd)
            return
        with self._lock:
            if self._finished:
                handle.close()
                return
            self._handles.append(handle)
            if self._expired.is_set():
                _shut(handle)

    def _expire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self._expired.set()
            for handle in self._handles:
                _shut(handle)

    def __enter__(self) -> _Deadline:
        self._outer = _current_deadline()
        _running.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        with self._lock:
            self._finished = True  # from here on `expired` no longer changes
        self._timer.cancel()
        self._timer.join()  # an expiry under way finishes its shutdowns before the sockets go back to the pool
        for handle in self._handles:
            handle.close()  # closes our duplicate only; the connection stays open if it was not shut
        self._handles.clear()
        _running.deadline = self._outer


def _shut(handle: socket.socket) -> None:
    try:
        handle.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # closed or never connected: nothing blocks on it


class _DeadlineSockets:
    """Connection mixin: the sockets a connection opens or sends on go to the running fetch's deadline."""

    _watched_by: _Deadline | None = None

    def _new_conn(self) -> socket.socket:
        deadline = _current_deadline()
        if deadline is not None and deadline.expired:
            # Past the deadline a retry must not wait out another connect timeout
            raise urllib3.exceptions.ConnectTimeoutError(self, "the fetch deadline has passed")
        sock = super()._new_conn()
        if deadline is not None:
            deadline.watch(sock)
            self._watched_by = deadline
        return sock

    def request(self, *args, **kwargs) -> None:
        deadline = _current_deadline()
        if deadline is not None and self.sock is not None and self._watched_by is not deadline:
            deadline.watch(self.sock)  # a keep-alive connection opened by an earlier fetch
            self._watched_by = deadline
        return super().request(*args, **kwargs)


class _DeadlineHTTPConnection(_DeadlineSockets, urllib3.connection.HTTPConnection):
    pass


class _DeadlineHTTPSConnection(_DeadlineSockets, urllib3.connection.HTTPSConnection):
    pass


class _DeadlineHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


_DEADLINE_POOLS = {"http": _DeadlineHTTPPool, "https": _DeadlineHTTPSPool}


class _DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connection pools make deadline-aware connections, proxied or not."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _DEADLINE_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools have their own connection classes
            manager.pool_classes_by_scheme = _DEADLINE_POOLS
        return manager


class _DeadlineRetry(Retry):
    """Retry that gives up once the running fetch's deadline has passed, and never sleeps past it."""

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        deadline = _current_deadline()
        if deadline is not None and deadline.expired:
            reason = error or urllib3.exceptions.ResponseError("the fetch deadline has passed")
            raise urllib3.exceptions.MaxRetryError(_pool, url, reason) from reason
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response=None) -> None:
        deadline = _current_deadline()
        if deadline is None:
            return super().sleep(response)
        # As Retry.sleep: the server's Retry-After (capped at retry_after_max), else the backoff
        pause = self.get_retry_after(response) if self.respect_retry_after_header and response else None
        gate = current_gate()
        if pause and gate is not None:  # the whole host waits, not only this request (tracker.polite)
            gate.pause_until(time.monotonic() + pause)
        deadline.wait(pause or self.get_backoff_time())


def make_session(retries: int = RETRIES, backoff_s: float = BACKOFF_S, pool_size: int = 10) -> requests.Session:
    """A session whose fetches `fetch_document` can hold to a deadline (its sockets and retries know it)."""
    session = requests.Session()
    retry = _DeadlineRetry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff_s,
                           backoff_max=BACKOFF_MAX_S, status_forcelist=(429, 500, 502, 503, 504),
                           allowed_methods=frozenset({"GET"}), raise_on_status=False,
                           respect_retry_after_header=True, retry_after_max=RETRY_AFTER_MAX_S)
    adapter = _DeadlineAdapter(max_retries=retry, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.max_redirects = MAX_REDIRECTS
    return session


def conditional_headers(known: SourceState | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the stored version, so an unchanged page costs a 304."""
    if known is None or not known.content_hash or known.retired:
        return {}
    headers = {}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    return headers


def fetch_document(source: Source, known: SourceState | None, session: requests.Session,
                   policy: FetchPolicy, *, has_text: HasText) -> Document | NotModified:
    """GET one URL, following redirects, within `policy.deadline_s`; 304 means unchanged.

    A page a feed listed (source.entry) is identified by its canonical URL after redirects, and
    takes the entry's title and date. Raises FetchFailed with a reason code. The deadline holds
    for sessions from make_session.
    """
    answer = _fetch_within_deadline(source, conditional_headers(known), session, policy, READABLE_MEDIA_TYPES)
    if isinstance(answer, NotModified):
        return answer
    source_id = feeds.canonical_url(answer.url) if source.entry is not None else source.source_id
    try:
        return document_from_bytes(source_id, answer.raw, answer.media_type, etag=answer.etag,
                                   last_modified=answer.last_modified, has_text=has_text, listing=source.entry)
    except SourceRejected as exc:
        rejected = exc.failure
        # Its message already ends in "(reason)", which FetchFailed adds again
        raise FetchFailed(source.location, rejected.reason,
                          rejected.message.removesuffix(f" ({rejected.reason})")) from None


def fetch_listing(source: Source, state: feeds.FeedState | None, session: requests.Session,
                  policy: FetchPolicy) -> feeds.ListingFetch | NotModified:
    """GET a feed or sitemap, conditionally when it was read before; raises FetchFailed."""
    headers = {}
    if state is not None and state.content_hash:
        headers = conditional_headers(SourceState(state.feed_url, state.content_hash, state.etag, state.last_modified))
    answer = _fetch_within_deadline(source, headers, session, policy, accept=None)
    if isinstance(answer, NotModified):
        return answer
    return feeds.ListingFetch(raw=answer.raw, content_hash=hashlib.sha256(answer.raw).hexdigest(),
                              etag=answer.etag, last_modified=answer.last_modified)


def read_robots(url: str, session: requests.Session, policy: FetchPolicy) -> tuple[int, str] | None:
    """A host's robots.txt as (status, text), its first ROBOTS_MAX_BYTES; None when no answer came."""
    with _Deadline(policy.deadline_s) as deadline:
        try:
            with session.get(url, timeout=policy.timeout_s, stream=True) as response:
                body = b""
                if 200 <= response.status_code < 300:
                    for chunk in response.iter_content(CHUNK_BYTES):
                        body += chunk
                        if len(body) >= ROBOTS_MAX_BYTES:
                            break
                answer = (response.status_code, body[:ROBOTS_MAX_BYTES].decode("utf-8", "replace"))
        except requests.exceptions.RequestException:
            answer = None
    return None if deadline.expired else answer


@dataclass(frozen=True)
class _Answer:
    raw: bytes
    media_type: str
    etag: str | None
    last_modified: str | None
    url: str  # after redirects


def _fetch_within_deadline(source: Source, headers: dict[str, str], session: requests.Session, policy: FetchPolicy,
                           accept: tuple[str, ...] | None) -> _Answer | NotModified:
    """_download held to the policy's deadline: every failure as FetchFailed."""
    url = source.location
    failure = None
    with _Deadline(policy.deadline_s) as deadline:
        try:
            answer = _download(source, headers, session, policy, accept)
        except requests.exceptions.RequestException as exc:
            failure = FetchFailed(url, *_explain(exc, policy))
        except FetchFailed as exc:
            failure = exc
    if deadline.expired:
        # Whatever ended the fetch after the deadline was the watchdog's shutdown, even a body that
        # looks complete: one without a Content-Length simply ends at the shutdown
        raise FetchFailed(url, "fetch_timeout", f"no complete answer within {policy.deadline_s:g} s (fetch_deadline_s)")
    if failure is not None:
        raise failure
    return answer


def _download(source: Source, headers: dict[str, str], session: requests.Session, policy: FetchPolicy,
              accept: tuple[str, ...] | None) -> NotModified | _Answer:
    """The raw answer to one GET; `accept`: the media types read (None: anything but media and archives)."""
    url = source.location
    with session.get(url, headers=headers, timeout=policy.timeout_s, stream=True) as response:
        if response.status_code == 304 and headers:
            return NotModified(source.source_id)
        if not 200 <= response.status_code < 300:
            raise FetchFailed(url, f"http_{response.status_code}",
                              f"the server answered {response.status_code} {response.reason}",
                              status=response.status_code)
        content_type = response.headers.get("Content-Type")
        if accept is None:
            essence = (content_type or "").split(";")[0].strip().lower()
            if essence.startswith(UNREADABLE_LISTING_TYPES):
                raise FetchFailed(url, "unsupported_media_type", f"{essence} is not a feed or sitemap",
                                  status=response.status_code)
            media_type = essence or "application/xml"
        else:
            media_type = media_type_for(url, content_type)
            if not media_type.startswith(accept):
                raise FetchFailed(url, "unsupported_media_type",
                                  f"{media_type} is not text, HTML or PDF", status=response.status_code)
        raw = _read_capped(response, url, policy.max_bytes)
        return _Answer(raw, media_type, response.headers.get("ETag"), response.headers.get("Last-Modified"),
                       response.url or url)


def _explain(exc: requests.exceptions.RequestException, policy: FetchPolicy) -> tuple[str, str]:
    """A requests error as (reason code, detail). Retries hide read timeouts inside ConnectionError."""
    if isinstance(exc, requests.exceptions.Timeout) or _timed_out(exc):
        return "fetch_timeout", f"no answer within {policy.read_timeout_s:g} s, after {policy.retries} retries"
    truncation = _truncation(exc)
    if truncation:
        return "truncated_body", truncation
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "too_many_redirects", f"more than {MAX_REDIRECTS} redirects"
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return "unsupported_scheme", "redirected to a URL that is not http or https"
    if isinstance(exc, requests.exceptions.RetryError):
        return "fetch_retries_exhausted", f"still failing after {policy.retries} retries"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "fetch_connection", f"could not connect or the connection broke: {_root_cause(exc)}"
    return "fetch_error", f"{type(exc).__name__}: {exc}"


def _truncation(exc: BaseException) -> str | None:
    """The detail of a body cut short of its Content-Length, if exc is that.

    urllib3 2.x raises IncompleteRead(bytes read, bytes missing) inside a ProtocolError, which
    requests raises as ChunkedEncodingError (or ConnectionError).
    """
    for cause in _causes(exc):
        # InvalidChunkLength is an IncompleteRead too, but it means a garbled chunk, not a short body
        if isinstance(cause, http.client.IncompleteRead) and not isinstance(
                cause, urllib3.exceptions.InvalidChunkLength):
            received = cause.partial if isinstance(cause.partial, int) else len(cause.partial)
            if not cause.expected or cause.expected < 0:
                return f"the server closed the connection after {received} bytes, before the body's end"
            return (f"the server closed the connection after {received} of the {received + cause.expected} "
                    "bytes its Content-Length declared")
    return None


def _timed_out(exc: BaseException) -> bool:
    """True when a urllib3 timeout (read or connect, not a refused connection) lies under exc."""
    for cause in _causes(exc):
        if isinstance(cause, urllib3.exceptions.NewConnectionError):
            return False
        if isinstance(cause, urllib3.exceptions.TimeoutError):
            return True
    return False


def _root_cause(exc: BaseException) -> str:
    *_, last = _causes(exc)
    return type(last).__name__


def _causes(exc: BaseException):
    """exc, then what it wraps: requests puts urllib3's error in args[0], MaxRetryError in .reason."""
    seen = 0
    while exc is not None and seen < 10:
        yield exc
        seen += 1
        inner = getattr(exc, "reason", None)
        if not isinstance(inner, BaseException):
            inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc.__cause__
        exc = inner


def _read_capped(response: requests.Response, url: str, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailed(url, "too_large", f"{declared} bytes declared, over the {max_bytes}-byte cap "
                                            "(max_document_bytes)")
    chunks = []
    received = 0
    for chunk in response.iter_content(CHUNK_BYTES):
        received += len(chunk)
        if received > max_bytes:
            raise FetchFailed(url, "too_large", f"more than {max_bytes} bytes, over the cap (max_document_bytes)")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_or_failure(source: Source, known: SourceState | None, policy: FetchPolicy,
                     session: requests.Session | None = None, *, has_text: HasText) -> Document | NotModified | Failure:
    """fetch_document with the failure as a value, so one bad URL never stops a run."""
    if session is None:
        with make_session(policy.retries, policy.backoff_s) as own_session:
            return fetch_or_failure(source, known, policy, own_session, has_text=has_text)
    try:
        return fetch_document(source, known, session, policy, has_text=has_text)
    except FetchFailed as exc:
        return exc.to_failure()


class _Sessions:
    """One session (connection pool) per fetch thread, all closed at the end."""

    def __init__(self, policy: FetchPolicy):
        self._policy = policy
        self._local = threading.local()
        self._all: list[requests.Session] = []
        self._lock = threading.Lock()

    def get(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = make_session(self._policy.retries, self._policy.backoff_s)
            with self._lock:
                self._all.append(session)
        return session

    def close(self) -> None:
        for session in self._all:
            session.close()


def _threads(policy: FetchPolicy, count: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(1, min(policy.workers, count or 1)), thread_name_prefix="fetch")


def disallowed(source: Source, polite: Politeness | None, sessions: _Sessions, policy: FetchPolicy) -> Failure | None:
    """The robots_disallowed Failure of a URL its host's robots.txt closes to the tracker, else None."""
    refusal = polite.refusal(source.location, lambda url: read_robots(url, sessions.get(), policy)) if polite else None
    return FetchFailed(source.location, "robots_disallowed", refusal).to_failure() if refusal else None


def fetch_all(sources: list[Source], known: dict[str, SourceState], policy: FetchPolicy, *,
              has_text: HasText, polite: Politeness | None = None) -> list[Document | NotModified | Failure]:
    """Fetch many URLs on `policy.workers` threads, one session (connection pool) per thread.

    Outcomes come back in the order of `sources`; each URL's failure is its own Failure value.
    With `polite`, a URL its host's robots.txt disallows is never requested (robots_disallowed),
    and each host gets its rate and concurrency. A URL not started within `policy.budget_s` is
    not fetched (fetch_budget_exceeded) and waits for the next run; started ones finish within
    their deadline, so fetching ends within budget_s + deadline_s.
    """
    sessions = _Sessions(policy)
    budget_ends = time.monotonic() + policy.budget_s

    def fetch_one(source: Source) -> Document | NotModified | Failure:
        if time.monotonic() >= budget_ends:
            return over_budget(source, policy)
        try:
            refused = disallowed(source, polite, sessions, policy)
            if refused is not None:
                return refused
            state = known.get(source.source_id)
            if polite is None:
                return fetch_or_failure(source, state, policy, sessions.get(), has_text=has_text)
            with polite.request(source.location):
                if time.monotonic() >= budget_ends:  # the wait for the host's next slot outlasted the budget
                    return over_budget(source, policy)
                return fetch_or_failure(source, state, policy, sessions.get(), has_text=has_text)
        except Exception as exc:  # a bug or an odd URL must cost only this source, like any fetch failure
            return FetchFailed(source.location, "fetch_error", f"{type(exc).__name__}: {exc}").to_failure()

    try:
        with _threads(policy, len(sources)) as pool:
            return list(pool.map(fetch_one, sources))
    finally:
        sessions.close()


def fetch_listings(listings: list[Source], stored: dict[str, feeds.FeedState], known: dict[str, SourceState],
                   limits_of, policy: FetchPolicy, polite: Politeness | None = None) -> feeds.ListingsRead:
    """Read a run's feeds and sitemaps (tracker.feeds.read_listings), the listings themselves
    fetched on the policy's threads, politely, conditionally; each failure its own Failure."""
    sessions = _Sessions(policy)

    def fetch_body(source: Source, state: feeds.FeedState | None):
        try:
            refused = disallowed(source, polite, sessions, policy)
            if refused is not None:
                return refused
            if polite is None:
                return fetch_listing(source, state, sessions.get(), policy)
            with polite.request(source.location):
                return fetch_listing(source, state, sessions.get(), policy)
        except FetchFailed as exc:
            return exc.to_failure()
        except Exception as exc:  # a bug or an odd URL must cost only this listing
            return FetchFailed(source.location, "fetch_error", f"{type(exc).__name__}: {exc}").to_failure()

    try:
        with _threads(policy, len(listings)) as pool:
            first = dict(zip([s.source_id for s in listings],
                             pool.map(lambda s: fetch_body(s, stored.get(s.source_id)), listings)))
        # The top-level listings were fetched at once above; a sitemap index's sitemaps as it is read
        return feeds.read_listings(listings, stored, known, limits_of,
                                   lambda source, state: first.pop(source.source_id, None)
                                   or fetch_body(source, state))
    finally:
        sessions.close()


def over_budget(source: Source, policy: FetchPolicy) -> Failure:
    """The Failure of a URL the run's fetch budget ran out before."""
    return FetchFailed(source.location, "fetch_budget_exceeded",
                       f"not reached within the run's fetch budget of {policy.budget_s:g} s (fetch_budget_s); "
                       "it will be tried next run").to_failure()
