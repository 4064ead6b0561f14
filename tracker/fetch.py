"""Fetching remote sources politely: timeouts, retries with backoff, conditional GET, a size cap.

Every way a fetch can fail ends as FetchFailed with a stable reason code, and `fetch_or_failure`
turns that into a Failure value, so one bad URL costs only itself.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tracker.models import Document, Failure, Source, SourceState
from tracker.sources import HasText, SourceRejected, document_from_bytes
from tracker.text import media_type_for

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
RETRIES = 2
BACKOFF_S = 0.5
BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 60  # a server asking us to come back in hours gets a failure, not a hung run
MAX_REDIRECTS = 5
USER_AGENT = "tracker/0.1 (+technology-policy indicator tracker)"
CHUNK_BYTES = 64 * 1024
# Media types the text stage reads; anything else (images, archives, video) is refused before download
READABLE_MEDIA_TYPES = ("text/", "application/xhtml+xml", "application/pdf")


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

    @property
    def timeout_s(self) -> tuple[float, float]:
        return (min(self.connect_timeout_s, self.read_timeout_s), self.read_timeout_s)

    @property
    def download_timeout_s(self) -> float:
        """A whole body must arrive within this, so a server dripping bytes cannot hold a run."""
        return max(60.0, 10 * self.read_timeout_s)


def fetch_policy(settings) -> FetchPolicy:
    """The policy configured in tracker.toml / TRACKER_FETCH_* (see tracker.config)."""
    return FetchPolicy(max_bytes=settings.max_document_bytes, read_timeout_s=settings.fetch_timeout_s,
                       retries=settings.fetch_retries, workers=settings.fetch_workers)


def make_session(retries: int = RETRIES, backoff_s: float = BACKOFF_S, pool_size: int = 10) -> requests.Session:
    session = requests.Session()
    retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff_s,
                  backoff_max=BACKOFF_MAX_S, status_forcelist=(429, 500, 502, 503, 504),
                  allowed_methods=frozenset({"GET"}), raise_on_status=False,
                  respect_retry_after_header=True, retry_after_max=RETRY_AFTER_MAX_S)
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=pool_size)
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
    """GET one URL, following redirects; 304 means unchanged. Raises FetchFailed with a reason code."""
    url = source.location
    headers = conditional_headers(known)
    try:
        with session.get(url, headers=headers, timeout=policy.timeout_s, stream=True) as response:
            if response.status_code == 304 and headers:
                return NotModified(source.source_id)
            if not 200 <= response.status_code < 300:
                raise FetchFailed(url, f"http_{response.status_code}",
                                  f"the server answered {response.status_code} {response.reason}",
                                  status=response.status_code)
            media_type = media_type_for(url, response.headers.get("Content-Type"))
            if not media_type.startswith(READABLE_MEDIA_TYPES):
                raise FetchFailed(url, "unsupported_media_type",
                                  f"{media_type} is not text, HTML or PDF", status=response.status_code)
            raw = _read_capped(response, url, policy)
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
    except requests.exceptions.RequestException as exc:
        reason, detail = _explain(exc, policy)
        raise FetchFailed(url, reason, detail) from None
    try:
        return document_from_bytes(source.source_id, raw, media_type, etag=etag, last_modified=last_modified,
                                   has_text=has_text)
    except SourceRejected as exc:
        raise FetchFailed(url, exc.failure.reason, exc.failure.message) from None


def _explain(exc: requests.exceptions.RequestException, policy: FetchPolicy) -> tuple[str, str]:
    """A requests error as (reason code, detail). Retries hide read timeouts inside ConnectionError."""
    if isinstance(exc, requests.exceptions.Timeout) or _timed_out(exc):
        return "fetch_timeout", f"no answer within {policy.read_timeout_s:g} s, after {policy.retries} retries"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "too_many_redirects", f"more than {MAX_REDIRECTS} redirects"
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return "unsupported_scheme", "redirected to a URL that is not http or https"
    if isinstance(exc, requests.exceptions.RetryError):
        return "fetch_retries_exhausted", f"still failing after {policy.retries} retries"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "fetch_connection", f"could not connect or the connection broke: {_root_cause(exc)}"
    return "fetch_error", f"{type(exc).__name__}: {exc}"


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


def _read_capped(response: requests.Response, url: str, policy: FetchPolicy) -> bytes:
    max_bytes = policy.max_bytes
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailed(url, "too_large", f"{declared} bytes declared, over the {max_bytes}-byte cap "
                                            "(max_document_bytes)")
    deadline = time.monotonic() + policy.download_timeout_s
    chunks = []
    received = 0
    for chunk in response.iter_content(CHUNK_BYTES):
        received += len(chunk)
        if received > max_bytes:
            raise FetchFailed(url, "too_large", f"more than {max_bytes} bytes, over the cap (max_document_bytes)")
        if time.monotonic() > deadline:
            raise FetchFailed(url, "fetch_timeout", f"the body took longer than {policy.download_timeout_s:g} s")
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


def fetch_all(sources: list[Source], known: dict[str, SourceState], policy: FetchPolicy, *,
              has_text: HasText) -> list[Document | NotModified | Failure]:
    """Fetch many URLs on `policy.workers` threads, one session (connection pool) per thread.

    Outcomes come back in the order of `sources`; each URL's failure is its own Failure value.
    """
    local = threading.local()
    sessions: list[requests.Session] = []

    def fetch_one(source: Source) -> Document | NotModified | Failure:
        if not hasattr(local, "session"):
            local.session = make_session(policy.retries, policy.backoff_s)
            sessions.append(local.session)
        try:
            return fetch_or_failure(source, known.get(source.source_id), policy, local.session, has_text=has_text)
        except Exception as exc:  # a bug or an odd URL must cost only this source, like any fetch failure
            return FetchFailed(source.location, "fetch_error", f"{type(exc).__name__}: {exc}").to_failure()

    try:
        with ThreadPoolExecutor(max_workers=max(1, min(policy.workers, len(sources) or 1)),
                                thread_name_prefix="fetch") as pool:
            return list(pool.map(fetch_one, sources))
    finally:
        for session in sessions:
            session.close()
