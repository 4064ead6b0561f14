"""A real local web site on 127.0.0.1 for feed, sitemap and robots.txt tests and bench/feeds.py.

Pages are put by path; the server answers conditional GETs from each page's ETag and
Last-Modified (unless told to ignore them, as many servers do), can answer 429 with Retry-After
a given number of times, redirects, and logs every request it receives (path, headers, time).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    conditional: bool = True  # answer If-None-Match / If-Modified-Since with 304
    too_many: int = 0  # answer this many requests with 429 first
    retry_after: str | None = None
    redirect_to: str | None = None
    status: int = 200
    last_modified: str = field(default_factory=lambda: formatdate(usegmt=True))

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic()
    status: int


class Site:
    """`with Site() as site:` serves `site.pages` at `site.url`; `site.log` lists what came in."""

    def __init__(self):
        self.pages: dict[str, Page] = {}
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def put(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", **options) -> Page:
        page = Page(body.encode("utf-8") if isinstance(body, str) else body, content_type, **options)
        with self._lock:
            self.pages[path] = page
        return page

    def paths(self) -> list[str]:
        """The paths requested, in order."""
        with self._lock:
            return [request.path for request in self.log]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Site:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's name)
                status, headers, body = site._answer(self.path, dict(self.headers.items()))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True, name="site").start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            page = self.pages.get(path)
            if page is None:
                status, out, body = 404, {"Content-Type": "text/plain"}, b"not found"
            elif page.too_many > 0:
                page.too_many -= 1
                status, out, body = 429, {"Content-Type": "text/plain"}, b"slow down"
                if page.retry_after is not None:
                    out["Retry-After"] = page.retry_after
            elif page.redirect_to is not None:
                status, out, body = 301, {"Location": page.redirect_to}, b""
            elif page.conditional and (headers.get("If-None-Match") == page.etag
                                       or (headers.get("If-Modified-Since") == page.last_modified
                                           and "If-None-Match" not in headers)):
                status, out, body = 304, {"ETag": page.etag}, b""
            else:
                status, body = page.status, page.body
                out = {"Content-Type": page.content_type}
                if page.conditional:
                    out.update({"ETag": page.etag, "Last-Modified": page.last_modified})
            self.log.append(Request(path, headers, time.monotonic(), status))
        return status, out, body


def rss(site_url: str, items: list[dict], title: str = "Policy news") -> str:
    """An RSS 2.0 feed: each item a dict of link (a path or URL), title, date (RFC 822 text)."""
    entries = "".join(
        f"<item><title>{item['title']}</title><link>{_absolute(site_url, item['link'])}</link>"
        f"<guid>{_absolute(site_url, item['link'])}</guid>"
        + (f"<pubDate>{item['date']}</pubDate>" if item.get("date") else "") + "</item>"
        for item in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{site_url}/</link><description>News</description>{entries}</channel></rss>")


def article(title: str, body: str) -> str:
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            + "".join(f"<p>{paragraph}</p>" for paragraph in body.split("\n\n")) + "</article></body></html>")


def _absolute(site_url: str, link: str) -> str:
    return link if "://" in link else site_url + link
