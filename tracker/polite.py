"""Fetching as a guest: robots.txt per host, a request rate and a concurrency per host, Retry-After.

One Politeness object serves a whole run's fetching (feeds, sitemaps, pages), across the fetch
threads. Its limits are in-process, not Prefect's global concurrency limits: one run at a time
holds the warehouse's run lock, so no other process fetches for it, and a global limit costs an
API call per request (2,000 calls for a feed bench's pages).

robots.txt (RFC 9309): parsed by Protego; a 4xx answer means no rules (everything allowed), a 5xx
answer or no answer means the host is off limits this run. A robots.txt read is kept for
`robots_cache_s` (RFC 9309 §2.4: at most 24 hours) in the warehouse, so unchanged feeds cost
one request each, not two.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 §2.5: a crawler must read at least 500 KiB; the rest is ignored
CRAWL_DELAY_MAX_S = 30.0  # a robots.txt asking for minutes between requests is honoured at this
ROBOTS_AGENT = "tracker"  # the product token robots.txt groups are matched against


@dataclass(frozen=True)
class RobotsFile:
    """One host's robots.txt as read: its body (None: not reachable, so nothing is allowed), the
    HTTP status, when it was read."""

    host: str  # scheme://host[:port]
    status: int | None
    body: str | None
    fetched_at: datetime

    @property
    def unreachable(self) -> bool:
        return self.status is None or self.status >= 500 or self.status == 429


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class _Rules:
    """Whether a path may be fetched, by one host's robots.txt."""

    def __init__(self, robots: RobotsFile):
        self.robots = robots
        self._parser = None
        if not robots.unreachable and robots.status is not None and 200 <= robots.status < 300 and robots.body:
            from protego import Protego

            self._parser = Protego.parse(robots.body)

    def allows(self, url: str) -> bool:
        if self.robots.unreachable:
            return False
        return self._parser is None or self._parser.can_fetch(url, ROBOTS_AGENT)

    @property
    def crawl_delay(self) -> float:
        if self._parser is None:
            return 0.0
        delay = self._parser.crawl_delay(ROBOTS_AGENT)
        return min(float(delay), CRAWL_DELAY_MAX_S) if delay else 0.0


class _HostGate:
    """At most `concurrency` requests at once to one host, started at least `interval_s` apart."""

    def __init__(self, interval_s: float, concurrency: int):
        self.interval_s = interval_s
        self._slots = threading.BoundedSemaphore(max(1, concurrency))
        self._lock = threading.Lock()
        self._next_at = 0.0

    def pause_until(self, moment: float) -> None:
        with self._lock:
            self._next_at = max(self._next_at, moment)

    def slow_to(self, interval_s: float) -> None:
        with self._lock:
            self.interval_s = max(self.interval_s, interval_s)

    @contextmanager
    def slot(self):
        self._slots.acquire()
        try:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_at)
                self._next_at = start + self.interval_s
            if start > now:
                time.sleep(start - now)
            yield
        finally:
            self._slots.release()


_current = threading.local()  # .gate: the _HostGate of the request running on this thread


def current_gate() -> _HostGate | None:
    return getattr(_current, "gate", None)


class Politeness:
    """A run's manners: robots.txt rules per host (cached, fetched once per host through
    `read_robots`), and a gate per host for the request rate and concurrency."""

    def __init__(self, rate_per_s: float, concurrency: int, robots_cache_s: float,
                 stored_robots: dict[str, RobotsFile] | None = None, host_rates: dict[str, float] | None = None,
                 now: datetime | None = None):
        self.rate_per_s = rate_per_s
        self.concurrency = concurrency
        self.robots_cache_s = robots_cache_s
        self.host_rates = dict(host_rates or {})  # a sources.toml's slower rate for a host
        now = now or datetime.now(timezone.utc)
        fresh_after = now - timedelta(seconds=robots_cache_s)
        self._rules: dict[str, _Rules] = {host: _Rules(robots) for host, robots in (stored_robots or {}).items()
                                          if robots_cache_s > 0 and not robots.unreachable
                                          and robots.fetched_at >= fresh_after}
        self._read: list[RobotsFile] = []  # robots.txt files read this run: the warehouse keeps them
        self._gates: dict[str, _HostGate] = {}
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}

    def gate(self, url: str) -> _HostGate:
        host = host_of(url)
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                rates = [r for r in (self.rate_per_s, self.host_rates.get(host)) if r and r > 0]
                interval = 1.0 / min(rates) if rates else 0.0
                rules = self._rules.get(host)
                gate = self._gates[host] = _HostGate(max(interval, rules.crawl_delay if rules else 0.0),
                                                     self.concurrency)
            return gate

    @contextmanager
    def request(self, url: str):
        """Around one request to `url`'s host: waits for the host's next slot; Retry-After answers
        received inside push the host's next slot back (tracker.fetch's retry reads current_gate)."""
        gate = self.gate(url)
        with gate.slot():
            outer = current_gate()
            _current.gate = gate
            try:
                yield
            finally:
                _current.gate = outer

    def refusal(self, url: str, read_robots) -> str | None:
        """Why robots.txt does not let the tracker fetch `url`, or None when it does.
        `read_robots(robots_url)` fetches a host's robots.txt (as (status, text), or None when no
        answer came), once per host and run."""
        host = host_of(url)
        rules = self._rules.get(host)
        if rules is None:
            with self._lock:
                host_lock = self._host_locks.setdefault(host, threading.Lock())
            with host_lock:  # threads fetching from one host wait for one robots.txt read
                rules = self._rules.get(host)
                if rules is None:
                    with self.request(host + "/robots.txt"):
                        answer = read_robots(host + "/robots.txt")
                    status, body = answer if answer is not None else (None, None)
                    robots = RobotsFile(host=host, status=status, body=body, fetched_at=datetime.now(timezone.utc))
                    rules = _Rules(robots)
                    with self._lock:
                        self._rules[host] = rules
                        self._read.append(robots)
                    if rules.crawl_delay:
                        self.gate(url).slow_to(rules.crawl_delay)
        if rules.allows(url):
            return None
        robots = rules.robots
        if robots.status is None:
            return f"{host}/robots.txt could not be fetched, so nothing on that host is (RFC 9309); not requested"
        if rules.robots.unreachable:
            return (f"{host}/robots.txt answered {robots.status}, which means nothing on that host may be fetched "
                    "(RFC 9309); not requested")
        return f"{host}/robots.txt disallows it for user-agent '{ROBOTS_AGENT}'; not requested"

    def robots_read(self) -> list[RobotsFile]:
        """The robots.txt files this run read (reachable ones are worth keeping)."""
        with self._lock:
            return [robots for robots in self._read if not robots.unreachable]
