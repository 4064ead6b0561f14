"""Fetching remote sources politely: timeouts, retries with backoff, conditional GET, a size cap."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tracker.models import Document, Failure, Source, SourceState
from tracker.sources import SourceRejected, document_from_bytes
from tracker.text import media_type_for

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
RETRIES = 2
BACKOFF_S = 0.5
USER_AGENT = "tracker/0.1 (+technology-policy indicator tracker)"
CHUNK_BYTES = 64 * 1024


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


def make_session(retries: int = RETRIES, backoff_s: float = BACKOFF_S) -> requests.Session:
    session = requests.Session()
    retry = Retry(total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff_s,
                  status_forcelist=(429, 500, 502, 503, 504), allowed_methods=frozenset({"GET"}),
                  raise_on_status=False, respect_retry_after_header=True)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def fetch_document(source: Source, known: SourceState | None, session: requests.Session, max_bytes: int,
                   timeout_s: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)) -> Document | NotModified:
    """GET one URL; 304 means unchanged. Raises FetchFailed with a reason code."""
    url = source.location
    headers = {}
    if known is not None and known.content_hash:
        if known.etag:
            headers["If-None-Match"] = known.etag
        if known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
    try:
        with session.get(url, headers=headers, timeout=timeout_s, stream=True) as response:
            if response.status_code == 304:
                return NotModified(source.source_id)
            if response.status_code >= 400:
                raise FetchFailed(url, f"http_{response.status_code}",
                                  f"the server answered {response.status_code} {response.reason}",
                                  status=response.status_code)
            raw = _read_capped(response, url, max_bytes)
            content_type = response.headers.get("Content-Type")
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
    except requests.exceptions.Timeout:
        raise FetchFailed(url, "fetch_timeout", f"no answer within {timeout_s[1]:g} s") from None
    except requests.exceptions.RetryError as exc:
        raise FetchFailed(url, "fetch_retries_exhausted", f"still failing after {RETRIES} retries: {exc}") from None
    except requests.exceptions.TooManyRedirects:
        raise FetchFailed(url, "too_many_redirects", "the server redirected too many times") from None
    except requests.exceptions.ConnectionError as exc:
        raise FetchFailed(url, "fetch_connection", f"could not connect: {type(exc).__name__}") from None
    except requests.exceptions.RequestException as exc:
        raise FetchFailed(url, "fetch_error", str(exc)) from None
    try:
        return document_from_bytes(source.source_id, raw, media_type_for(url, content_type),
                                   etag=etag, last_modified=last_modified)
    except SourceRejected as exc:
        raise FetchFailed(url, exc.failure.reason, exc.failure.message) from None


def _read_capped(response: requests.Response, url: str, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailed(url, "too_large", f"{declared} bytes declared, over the {max_bytes}-byte cap")
    chunks = []
    received = 0
    for chunk in response.iter_content(CHUNK_BYTES):
        received += len(chunk)
        if received > max_bytes:
            raise FetchFailed(url, "too_large", f"more than {max_bytes} bytes, over the cap")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_or_failure(source: Source, known: SourceState | None, max_bytes: int) -> Document | NotModified | Failure:
    """fetch_document with the failure as a value, so one bad URL never stops a run."""
    with make_session() as session:
        try:
            return fetch_document(source, known, session, max_bytes)
        except FetchFailed as exc:
            return exc.to_failure()
