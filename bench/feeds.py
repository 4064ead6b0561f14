"""Issue 17: what feeds as sources cost: 50 local feeds x 40 entries, a first run and an unchanged second run.

Serves the feeds (40 RSS 2.0, 10 Atom), one article page per entry and a robots.txt from a real
local site on 127.0.0.1 (tests/site_server.py), runs `tracker run` on them twice against a fresh
warehouse, and prints per run the wall time, the requests the site received (feeds, articles,
robots.txt, other; how many answered 304), the exit code and the summary's Feeds line. It checks that
the first run stored every page, with its date, and that the second made one conditional request per
feed, each answered 304, and nothing else; it exits 1 when an expectation fails. `--new-entry` adds a
third run after one feed gains an entry: its feeds once each, and that one article.

All feeds are on one host, so the per-host politeness defaults (2 requests a second) would make the
first run's 2,051 requests take ~17 minutes, past the default 15-minute fetch budget: the bench raises
the host's rate and concurrency, and says so.

    uv run python bench/feeds.py [--feeds 50] [--entries 40] [--new-entry]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from common import Timed, bench_env, check_run, run_empty_flow, run_tracker

from tests.cli import query
from tests.site_server import Site, article, rss

ROBOTS = "User-agent: *\nAllow: /\n"
SHOWN_FAILURES = 5
MAX_AGE_DAYS = 60  # well inside the default 730-day cut-off: no entry is dropped as too old

# --- generated site ------------------------------------------------------------------------
AGENCIES = ("The science ministry", "The statistics bureau", "The industry ministry", "The space agency",
            "The national research council", "The telecoms regulator", "The energy commission",
            "The innovation agency")
FIELDS = ("quantum research", "basic research", "artificial intelligence", "semiconductors",
          "battery technology", "space science", "biotechnology", "advanced materials")
LEADS = (
    "{agency} said on {weekday} that spending on research reached {gdp}% of GDP in {year}.",
    "{agency} said spending on {field} rose {pct}% in {year} to {money} billion yuan.",
    "{agency} reported that {count} new laboratories for {field} opened in {year}.",
    "{agency} said integrated circuit output reached {money} billion units in {year}, up {pct}% on a year earlier.",
    "Operators had installed {mcount} million 5G base stations by the end of {year}, {agency_lc} said.",
)
FOLLOW_UPS = (
    "The plan calls for research intensity of {gdp2}% by {target}.",
    "Officials expect the share of {field} in total spending to reach {pct2}% by {target}.",
    "The figure compares with {gdp2}% in {prior}, according to the same report.",
    "Quantum communication links now cover {km} km, the report added.",
    "The programme aims to train {count2} researchers in {field} by {target}.",
    "No figures for {prior} were published, officials said at a briefing.",
)
TITLES = ("{Field} spending rises in {year}", "New figures on {field} for {year}", "{Field}: {year} results",
          "Ministry publishes {year} data on {field}", "Targets for {field} to {target}")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def figures(rng: random.Random) -> dict:
    year = rng.randint(2018, 2025)
    agency, field = rng.choice(AGENCIES), rng.choice(FIELDS)
    return {"agency": agency, "agency_lc": agency[0].lower() + agency[1:], "field": field,
            "Field": field[0].upper() + field[1:], "weekday": rng.choice(WEEKDAYS),
            # Shares of GDP of real R&D intensities: the catalog's plausible range ends at 6%, and the
            # extractor reads "compares with X%" after a GDP lead as an intensity too
            "gdp": round(rng.uniform(0.8, 4.5), 2), "gdp2": round(rng.uniform(0.8, 4.5), 1),
            "pct": round(rng.uniform(0.5, 9.5), 1), "pct2": round(rng.uniform(0.5, 9.5), 1),
            "money": round(rng.uniform(10, 900), 1), "count": rng.randint(3, 90), "count2": rng.randint(200, 9000),
            "mcount": round(rng.uniform(1, 6), 1), "km": rng.randint(500, 12000), "year": year,
            "prior": year - 1, "target": year + rng.randint(2, 10)}


def write_article(rng: random.Random) -> tuple[str, str]:
    """A short news item (title, paragraphs): a lead with figures, one or two follow-ups."""
    values = figures(rng)
    paragraphs = [rng.choice(LEADS).format(**values)]
    paragraphs += [f.format(**values) for f in rng.sample(FOLLOW_UPS, rng.randint(1, 2))]
    return rng.choice(TITLES).format(**values), "\n\n".join(paragraphs)


def atom(site_url: str, title: str, items: list[dict]) -> str:
    """An Atom feed (site_server only writes RSS): link, id, published and updated per entry."""
    entries = "".join(
        f'<entry><title>{item["title"]}</title><link rel="alternate" href="{site_url}{item["link"]}"/>'
        f'<id>{site_url}{item["link"]}</id><published>{item["iso"]}</published><updated>{item["iso"]}</updated></entry>'
        for item in items)
    updated = items[0]["iso"] if items else datetime.now(timezone.utc).isoformat()
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
            f'<id>{site_url}/</id><updated>{updated}</updated>{entries}</feed>')


class Feeds:
    """The bench's feeds on one Site: each feed's entries (newest first) and every article path."""

    def __init__(self, site: Site, feeds: int, entries: int, atom_feeds: int, seed: int = 20260117):
        self.site, self.rng = site, random.Random(seed)
        self.now = datetime.now(timezone(timedelta(hours=8))).replace(microsecond=0)
        self.items: dict[str, list[dict]] = {}  # feed path -> its items
        self.kinds: dict[str, str] = {}  # feed path -> rss / atom
        self.articles: set[str] = set()
        self._bodies: set[str] = set()
        site.put("/robots.txt", ROBOTS, "text/plain; charset=utf-8")
        for number in range(feeds):
            kind = "atom" if number >= feeds - atom_feeds else "rss"
            path = f"/agency-{number:02d}/{'atom' if kind == 'atom' else 'rss'}.xml"
            self.kinds[path] = kind
            # Entries spread over the last MAX_AGE_DAYS days, each feed's a little apart from the others'
            self.items[path] = [self._new_item(path, n, self.now - timedelta(
                days=(n * MAX_AGE_DAYS) // max(entries, 1), hours=number % 24, minutes=number))
                for n in range(entries)]
            self._put_feed(path)

    def add_entry(self, path: str) -> str:
        """One new entry, dated now, at the top of the feed at `path`; its article's path."""
        item = self._new_item(path, len(self.items[path]), self.now + timedelta(minutes=1))
        self.items[path].insert(0, item)
        self._put_feed(path)
        return item["link"]

    def _new_item(self, feed_path: str, number: int, when: datetime) -> dict:
        title, body = write_article(self.rng)
        while body in self._bodies:  # distinct pages: two equal bodies would be one archived version
            title, body = write_article(self.rng)
        self._bodies.add(body)
        link = f"{feed_path.rsplit('/', 1)[0]}/news/{number:03d}"
        self.site.put(link, article(escape(title), escape(body)))
        self.articles.add(link)
        return {"link": link, "title": escape(title), "date": format_datetime(when), "iso": when.isoformat()}

    def _put_feed(self, path: str) -> None:
        name = f"Agency {path.split('/')[1].split('-')[1]} news"
        if self.kinds[path] == "atom":
            self.site.put(path, atom(self.site.url, name, self.items[path]), "application/atom+xml")
        else:
            self.site.put(path, rss(self.site.url, self.items[path], title=name), "application/rss+xml")

    def sources_text(self) -> str:
        return "".join(f"feed {self.site.url}{path}\n" for path in self.items)


# --- runs and checks -----------------------------------------------------------------------


class Checks:
    """Expectations, printed as they are checked; any failure makes the bench exit 1."""

    def __init__(self):
        self.failed: list[str] = []

    def expect(self, what: str, ok: bool, seen) -> None:
        print(f"  {'ok    ' if ok else 'FAILED'} {what} (seen: {seen})")
        if not ok:
            self.failed.append(what)


def is_conditional(headers: dict[str, str]) -> bool:
    names = {name.lower() for name in headers}
    return "if-none-match" in names or "if-modified-since" in names


def run_once(label: str, feeds: Feeds, db: Path, env: dict[str, str], seeds: Path, sources: Path) -> tuple[Timed, list]:
    """One `tracker run`, and the requests the site received during it, printed."""
    feeds.site.clear_log()
    timed = run_tracker(db, env, "--seeds", seeds, "--sources", sources)
    log = list(feeds.site.log)
    by_kind = {"feeds": 0, "articles": 0, "robots.txt": 0, "other": 0}
    for request in log:
        by_kind["feeds" if request.path in feeds.items else "articles" if request.path in feeds.articles
                else "robots.txt" if request.path == "/robots.txt" else "other"] += 1
    not_modified = sum(request.status == 304 for request in log)
    print(f"{label}: {timed.seconds:.2f} s wall (cpu {timed.cpu_s:.2f} s), exit {timed.returncode}")
    print(f"  requests: {len(log)} (" + ", ".join(f"{k} {v}" for k, v in by_kind.items())
          + f"); {not_modified} answered 304")
    for line in timed.stdout.splitlines():
        if line.startswith(("Feeds:", "Sources:", "Failures:")):
            print("  " + line.strip())
    failed = [line.strip() for line in timed.stdout.splitlines() if line.strip().startswith("failed:")]
    for line in failed[:SHOWN_FAILURES]:
        print("    " + line)
    if len(failed) > SHOWN_FAILURES:
        print(f"    … {len(failed) - SHOWN_FAILURES} more")
    check_run(timed, label)  # a crash (exit 2+) makes every figure after it meaningless: stop here
    return timed, log


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--entries", type=int, default=40, help="entries per feed (at most 100, the per-run cap)")
    parser.add_argument("--atom", type=int, default=10, help="how many of the feeds are Atom (the rest RSS 2.0)")
    parser.add_argument("--rate", type=float, default=1000, help="TRACKER_FETCH_HOST_RATE, requests/s (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="TRACKER_FETCH_HOST_CONCURRENCY (default 2)")
    parser.add_argument("--workers", type=int, default=8, help="TRACKER_FETCH_WORKERS (default 8)")
    parser.add_argument("--new-entry", action="store_true", help="a third run after one feed gains one entry")
    args = parser.parse_args()
    pages = args.feeds * args.entries
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="bench-feeds-") as tmp, Site() as site:
        tmp = Path(tmp)
        seeds, sources, db = tmp / "seeds", tmp / "sources.txt", tmp / "warehouse" / "tracker.duckdb"
        seeds.mkdir()  # empty: only the feeds are read
        feeds = Feeds(site, args.feeds, args.entries, args.atom)
        sources.write_text(feeds.sources_text(), encoding="utf-8")
        # No user's TRACKER_* (a robots cache of 0, a lower feed cap) may change what is measured
        env = {k: v for k, v in bench_env(tmp / "prefect-home").items() if not k.startswith("TRACKER_")}
        env.update({"TRACKER_CONFIG": "/nonexistent/tracker.toml", "TRACKER_FETCH_HOST_RATE": str(args.rate),
                    "TRACKER_FETCH_HOST_CONCURRENCY": str(args.concurrency),
                    "TRACKER_FETCH_WORKERS": str(args.workers)})
        print(f"{args.feeds} feeds ({args.feeds - args.atom} RSS 2.0, {args.atom} Atom) x {args.entries} entries "
              f"= {pages} article pages on {site.url}, entries dated within the last {MAX_AGE_DAYS} days")
        print(f"one host: TRACKER_FETCH_HOST_RATE={args.rate:g} requests/s (default 2), "
              f"TRACKER_FETCH_HOST_CONCURRENCY={args.concurrency} (default 2), TRACKER_FETCH_WORKERS={args.workers}")
        run_empty_flow(env)  # warm-up: Prefect creates and migrates its database once, outside the runs
        print(f"empty Prefect flow (what any run costs before it reads anything): {run_empty_flow(env).seconds:.2f} s")

        first, log = run_once("first run (fresh warehouse)", feeds, db, env, seeds, sources)
        stored = query(db, "select count(*), count(published_on) from documents")[0]
        checks.expect("exit 0", first.returncode == 0, first.returncode)
        checks.expect(f"{pages} pages stored", stored[0] == pages, stored[0])
        checks.expect(f"{pages} pages with a publication date", stored[1] == pages, stored[1])
        paths = [r.path for r in log]
        expected = sorted([*feeds.items, *feeds.articles, "/robots.txt"])
        checks.expect("each feed, article and robots.txt requested once, nothing else", sorted(paths) == expected,
                      f"{len(paths)} requests, {len(set(paths))} distinct paths")

        second, log = run_once("second run (nothing changed)", feeds, db, env, seeds, sources)
        checks.expect("exit 0", second.returncode == 0, second.returncode)
        checks.expect(f"exactly {args.feeds} requests, one per feed",
                      sorted(r.path for r in log) == sorted(feeds.items),
                      f"{len(log)} requests, {sum(r.path in feeds.items for r in log)} to feeds")
        conditional = sum(is_conditional(r.headers) for r in log)
        checks.expect("all conditional (If-None-Match or If-Modified-Since)", conditional == len(log) > 0, conditional)
        not_modified = sum(r.status == 304 for r in log)
        checks.expect("all answered 304", not_modified == len(log) > 0, not_modified)

        if args.new_entry:
            changed = next(iter(feeds.items))
            new_page = feeds.add_entry(changed)
            third, log = run_once(f"third run (one new entry in {changed})", feeds, db, env, seeds, sources)
            checks.expect("exit 0", third.returncode == 0, third.returncode)
            checks.expect(f"{args.feeds} feed requests + 1 article ({new_page})",
                          sorted(r.path for r in log) == sorted([*feeds.items, new_page]),
                          f"{len(log)} requests: {sum(r.path in feeds.items for r in log)} feeds, "
                          f"{sum(r.path in feeds.articles for r in log)} articles")
            renewed = [r.path for r in log if r.status == 200 and r.path in feeds.items]
            checks.expect(f"only {changed} answered 200, the other feeds 304", renewed == [changed], renewed)
            stored = query(db, "select count(*) from documents")[0][0]
            checks.expect(f"{pages + 1} pages stored", stored == pages + 1, stored)

    if checks.failed:
        print(f"{len(checks.failed)} expectation(s) failed: " + "; ".join(checks.failed))
        return 1
    print("all expectations met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
