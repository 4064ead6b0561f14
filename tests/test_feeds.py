"""Feeds and sitemaps as sources, and polite fetching, against a real local site (tests/site_server.py).

Unit tests read listing bodies and plan entries; the end-to-end tests run the ingest flow over a
site with a feed, a sitemap index, robots.txt, articles and a 429 with Retry-After, and check
what the site was asked for.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, timedelta

import pytest

from flows.ingest import ingest
from flows.replay import replay
from tracker import feeds
from tracker.feeds import FeedState, ListingLimits, canonical_url, parse_listing, plan_entries
from tracker.models import FeedEntry, Source, SourceSettings, SourceState
from tracker.polite import Politeness, RobotsFile
from tracker.sources import SourcesFileError, parse_sources_file, parse_sources_toml
from tracker.summary import summary_text
from tracker.report import render_html, render_markdown
from warehouse.store import load_report
from tests.cli import query
from tests.site_server import Site, article, rss

TODAY = date.today()
DAYS_AGO = [(TODAY - timedelta(days=n)) for n in range(40)]

# Articles of the genre, in our own words, each stating figures the extractor reads
ARTICLES = {
    "/news/quantum-budget": ("Quantum programme gets new funding",
                             "The science ministry said on Monday that spending on quantum research reached "
                             "4.8 billion yuan in 2025.\n\nIt aims to build a 1,000-qubit processor by 2028."),
    "/news/base-stations": ("Base station count climbs",
                            "Operators had installed 4.6 million 5G base stations by the end of 2025, the "
                            "industry ministry said.\n\nThe plan calls for 5.5 million base stations by 2027."),
    "/news/chip-output": ("Chip output rises",
                          "Integrated circuit output rose 18% in 2025 to 450 billion units, the statistics "
                          "bureau said.\n\nThe bureau expects output to keep growing in 2026."),
    "/news/launches": ("Launch cadence",
                       "The country carried out 68 orbital launches in 2025, a record.\n\nThe space agency "
                       "plans 80 launches in 2026."),
    "/private/draft": ("Draft", "The draft says research intensity reached 2.7% of GDP in 2025."),
}


def rfc822(day: date) -> str:
    return day.strftime("%a, %d %b %Y 09:30:00 +0800")


def serve_articles(site: Site, paths=None) -> None:
    for path in paths or ARTICLES:
        title, body = ARTICLES[path]
        site.put(path, article(title, body))


def write_sources(tmp_path, text: str, name: str = "sources.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path, sources_path):
    return ingest(seeds_dir=None, sources_file=sources_path, db_path=tmp_path / "t.duckdb")


@pytest.fixture
def fast_hosts(monkeypatch):
    """The local site takes requests as fast as the tests send them (politeness is tested on its own)."""
    monkeypatch.setenv("TRACKER_FETCH_HOST_RATE", "200")
    monkeypatch.setenv("TRACKER_FETCH_HOST_CONCURRENCY", "4")
    monkeypatch.setenv("TRACKER_CONFIG", "/nonexistent/tracker.toml")


# --- reading listings --------------------------------------------------------------------------


def test_rss_entries_have_canonical_links_dates_in_their_own_zone_and_titles():
    body = rss("https://news.example.org", [
        {"link": "/a?utm_source=rss&utm_medium=feed&id=7#comments", "title": "  First\n story ",
         "date": "Tue, 04 Nov 2025 23:30:00 -0500"},
        {"link": "https://News.Example.org:443/b", "title": "Second", "date": "Mon, 03 Nov 2025 08:00:00 +0800"},
        {"link": "/a?id=7&utm_campaign=x", "title": "Duplicate of the first"},
    ])
    listing = parse_listing(body.encode(), "https://news.example.org/feed.xml", "feed")
    assert listing.format == "rss"
    assert [(e.url, e.title, e.published_on) for e in listing.entries] == [
        ("https://news.example.org/a?id=7", "First story", date(2025, 11, 4)),  # its own day, not UTC's 5th
        ("https://news.example.org/b", "Second", date(2025, 11, 3)),
    ]


def test_atom_and_json_feed_entries():
    atom = """<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>Briefs</title><id>urn:briefs</id>
      <updated>2025-06-02T10:00:00Z</updated>
      <entry><title>Brief one</title><link rel="alternate" href="/briefs/1"/><id>urn:1</id>
        <published>2025-06-01T08:00:00+08:00</published><updated>2025-06-02T10:00:00Z</updated></entry>
      <entry><title>No link</title><id>urn:2</id><updated>2025-06-01T00:00:00Z</updated></entry>
    </feed>"""
    listing = parse_listing(atom.encode(), "https://think.example.net/atom.xml", "feed")
    assert listing.format == "atom" and listing.title == "Briefs"
    assert [(e.url, e.title, e.published_on, e.version) for e in listing.entries] == [
        ("https://think.example.net/briefs/1", "Brief one", date(2025, 6, 1), "2025-06-02T10:00:00Z")]

    json_feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Wire",
                 "items": [{"id": "1", "url": "https://wire.example.com/x?fbclid=abc", "title": "X",
                            "date_published": "2025-03-05T07:00:00+08:00"},
                           {"id": "2", "content_text": "no url at all"}]}
    listing = parse_listing(json.dumps(json_feed).encode(), "https://wire.example.com/feed.json", "feed")
    assert listing.format == "json_feed"
    assert [(e.url, e.published_on) for e in listing.entries] == [("https://wire.example.com/x", date(2025, 3, 5))]


def test_sitemaps_indexes_and_gzip():
    urlset = """<?xml version="1.0" encoding="UTF-8"?>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
            xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://stats.example.gov/release/1</loc><lastmod>2025-02-28</lastmod></url>
      <url><loc>https://stats.example.gov/release/2</loc>
        <news:news><news:publication_date>2025-03-01</news:publication_date><news:title>Release 2</news:title></news:news>
      </url>
    </urlset>"""
    listing = parse_listing(gzip.compress(urlset.encode()), "https://stats.example.gov/sitemap.xml.gz", "sitemap")
    assert [(e.url, e.kind, e.title, e.published_on, e.version) for e in listing.entries] == [
        ("https://stats.example.gov/release/1", "page", None, None, "2025-02-28"),  # lastmod is no publication date
        ("https://stats.example.gov/release/2", "page", "Release 2", date(2025, 3, 1), None)]
    index = """<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>/sitemap-2025.xml</loc><lastmod>2025-03-01</lastmod></sitemap></sitemapindex>"""
    listing = parse_listing(index.encode(), "https://stats.example.gov/sitemap_index.xml", "sitemap")
    assert listing.format == "sitemap_index"
    assert [(e.url, e.kind) for e in listing.entries] == [("https://stats.example.gov/sitemap-2025.xml", "sitemap")]


@pytest.mark.parametrize("body, kind, reason", [
    (b"<html><body>Just a page</body></html>", "feed", "not_a_feed"),
    (b'{"items": []}', "feed", "not_a_feed"),
    (b"<rss><channel>", "sitemap", "not_a_sitemap"),
    (b"<html><body/></html>", "sitemap", "not_a_sitemap"),
])
def test_a_body_that_is_not_a_listing_is_refused_with_a_reason(body, kind, reason):
    with pytest.raises(feeds.ListingUnreadable) as refused:
        parse_listing(body, "https://example.org/x", kind)
    assert refused.value.reason == reason


def test_canonical_url():
    assert canonical_url("HTTP://Example.ORG:80/a/b?x=1&utm_source=n&gclid=2&y=#frag") == "http://example.org/a/b?x=1&y="
    assert canonical_url("../c?ref_src=twsrc", "https://example.org/a/b/") == "https://example.org/a/c"
    assert canonical_url("https://user:secret@example.org:8443") == "https://example.org:8443/"


def entry(url, day=None, version=None, source_id=None):
    return FeedEntry(feed_url="https://f.example/feed", url=url, published_on=day, version=version,
                     source_id=source_id)


def test_plan_takes_the_newest_within_the_cap_and_cut_off_and_retries_what_never_read():
    listed = [entry("https://f.example/old", DAYS_AGO[30]), entry("https://f.example/undated"),
              entry("https://f.example/new", DAYS_AGO[1]), entry("https://f.example/mid", DAYS_AGO[5]),
              entry("https://f.example/read", DAYS_AGO[2], version="v1"),
              entry("https://f.example/failed", DAYS_AGO[3])]
    stored = {"https://f.example/read": entry("https://f.example/read", DAYS_AGO[2], "v1", "https://f.example/read"),
              "https://f.example/failed": entry("https://f.example/failed", DAYS_AGO[3])}
    known = {"https://f.example/read": SourceState("https://f.example/read", "hash")}
    plan = plan_entries(listed, stored, known, ListingLimits(max_entries=3, oldest=DAYS_AGO[20]))
    assert [e.url for e in plan.to_fetch] == ["https://f.example/new", "https://f.example/failed",
                                              "https://f.example/mid"]
    assert (plan.deferred, plan.too_old, plan.new) == (1, 1, 4)  # the undated one waits; the old one never

    moved = [entry("https://f.example/read", DAYS_AGO[2], version="v2")]
    again = plan_entries(moved, stored, known, ListingLimits(max_entries=10, oldest=None))
    assert [(e.url, e.source_id) for e in again.to_fetch] == [("https://f.example/read", "https://f.example/read")]


# --- sources files -------------------------------------------------------------------------------


def test_sources_file_lines_name_feeds_and_sitemaps():
    listed, failures = parse_sources_file(b"https://a.example/page\nfeed https://a.example/feed.xml  # news\n"
                                          b"SITEMAP https://a.example/sitemap.xml\n")
    assert [(s.source_id, s.kind) for s in listed] == [("https://a.example/page", "page"),
                                                       ("https://a.example/feed.xml", "feed"),
                                                       ("https://a.example/sitemap.xml", "sitemap")]
    assert failures == []
    with pytest.raises(SourcesFileError, match="line 1: 'podcast https://a.example/x' is not one source"):
        parse_sources_file(b"podcast https://a.example/x\n")


def test_sources_toml_carries_per_source_settings():
    listed, _ = parse_sources_toml(b"""
[[source]]
url = "https://ministry.example.gov/news/rss.xml"
kind = "feed"
name = "Ministry news"
rate = 0.5
max_entries = 20
oldest = 2025-01-01
watch = ["topic:quantum", "kind:target"]

[[source]]
url = "https://stats.example.gov/release.html"
""")
    assert listed[0].kind == "feed" and listed[1].kind == "page"
    assert listed[0].settings == SourceSettings(name="Ministry news", rate_per_s=0.5, max_entries=20,
                                                oldest=date(2025, 1, 1), watch=("topic:quantum", "kind:target"))


@pytest.mark.parametrize("text, message", [
    ('[[source]]\nurl = "https://a.example/f"\nmax_entires = 3\n', "unknown key 'max_entires'; did you mean 'max_entries'"),
    ('[[source]]\nurl = "https://a.example/f"\nkind = "podcast"\n', "'kind' must be page, feed or sitemap"),
    ('[[source]]\nurl = "https://a.example/f"\nrate = "fast"\n', "'rate' must be a number > 0, not the string 'fast'"),
    ('[[source]]\nurl = "https://a.example/f"\nrate = 0\n', "'rate' must be a number > 0"),
    ('[[source]]\nurl = "https://a.example/f"\nmax_entries = 0\n', "'max_entries' must be a whole number"),
    ('[[source]]\nurl = "https://a.example/f"\noldest = "last year"\n', "'oldest' must be a date"),
    ('[[source]]\nurl = "https://a.example/f"\nwatch = ["colour:red"]\n', "watch entry 'colour:red'"),
    ('[[source]]\nkind = "feed"\n', "source 1: 'url' is required"),
    ('[[sources]]\nurl = "https://a.example/f"\n', "unknown table or key 'sources'; did you mean 'source'"),
    ('[[source]\nurl = 1', "not valid TOML"),
    ('[[source]]\nurl = "a.example/f"\n', "is not a URL"),
])
def test_a_bad_sources_toml_names_the_source_and_key(text, message):
    with pytest.raises(SourcesFileError, match=message.replace("(", r"\(").replace("?", r"\?")):
        parse_sources_toml(text.encode(), "sources.toml")


# --- politeness -------------------------------------------------------------------------------------


def robots(status, body=""):
    return lambda url: (status, body)


@pytest.mark.parametrize("answer, allowed", [
    ((200, "User-agent: *\nDisallow: /private/\n"), {"/news/a": True, "/private/b": False}),
    ((200, "User-agent: tracker\nDisallow: /\n\nUser-agent: *\nAllow: /\n"), {"/news/a": False}),
    ((404, ""), {"/news/a": True, "/private/b": True}),  # no robots.txt: everything may be fetched
    ((503, ""), {"/news/a": False}),  # a server error: nothing may be (RFC 9309)
    (None, {"/news/a": False}),
])
def test_robots_rules(answer, allowed):
    polite = Politeness(rate_per_s=1000, concurrency=2, robots_cache_s=0)
    reads = []

    def read(url):
        reads.append(url)
        return answer

    for path, expected in allowed.items():
        assert (polite.refusal("https://site.example" + path, read) is None) == expected, path
    assert reads == ["https://site.example/robots.txt"]  # once per host and run


def test_kept_robots_files_are_used_for_a_day_at_most():
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    kept = {"https://fresh.example": RobotsFile("https://fresh.example", 200, "User-agent: *\nDisallow: /x", now),
            "https://stale.example": RobotsFile("https://stale.example", 200, "User-agent: *\nDisallow: /",
                                                now - timedelta(days=2))}
    polite = Politeness(rate_per_s=1000, concurrency=2, robots_cache_s=86400, stored_robots=kept)
    reads = []
    assert polite.refusal("https://fresh.example/x", reads.append) is not None
    assert polite.refusal("https://stale.example/y", lambda url: reads.append(url) or (404, "")) is None
    assert reads == ["https://stale.example/robots.txt"]


# --- end to end, on a real local site -------------------------------------------------------------


def feed_items(paths, start=0):
    return [{"link": path, "title": ARTICLES[path][0], "date": rfc822(DAYS_AGO[start + i])}
            for i, path in enumerate(paths)]


def test_feed_first_run_reads_every_entry_then_nothing_then_only_the_new_one(prefect_backend, tmp_path, fast_hosts):
    with Site() as site:
        site.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
        serve_articles(site)
        first = ["/news/quantum-budget", "/news/base-stations", "/private/draft"]
        items = feed_items(first)
        items[0]["link"] += "?utm_source=rss&utm_medium=feed#top"
        site.put("/feed.xml", rss(site.url, items), "application/rss+xml")
        sources = write_sources(tmp_path, f"feed {site.url}/feed.xml\n")

        summary = run(tmp_path, sources)

        assert sorted(site.paths()) == ["/feed.xml", "/news/base-stations", "/news/quantum-budget", "/robots.txt"]
        assert all(r.headers["User-Agent"].startswith("tracker/") for r in site.log)
        db = tmp_path / "t.duckdb"
        assert query(db, "select source_id, title, published_on from documents order by source_id") == [
            (f"{site.url}/news/base-stations", "Base station count climbs", DAYS_AGO[1]),
            (f"{site.url}/news/quantum-budget", "Quantum programme gets new funding", DAYS_AGO[0])]
        assert [(f.source_id, f.reason) for f in summary.failures] == [(f"{site.url}/private/draft", "robots_disallowed")]
        assert summary.feeds[0] | {"feed_url": "-"} == {
            "feed_url": "-", "kind": "feed", "name": None, "status": "changed", "entries_seen": 3, "entries_new": 3,
            "pages_fetched": 2, "pages_failed": 1, "deferred": 0, "too_old": 0, "error": None}
        assert "feed " + site.url + "/feed.xml: new entries read; 3 entries seen, 3 new; 2 pages fetched, 1 failed" \
            in summary_text(summary)

        site.clear_log()
        second = run(tmp_path, sources)

        assert [(r.path, r.status) for r in site.log] == [("/feed.xml", 304)]  # robots.txt kept from the first run
        assert "If-None-Match" in site.log[0].headers
        assert (second.sources_new, second.sources_unchanged, second.sources_missing) == (0, 2, [])

        site.put("/feed.xml", rss(site.url, feed_items(["/news/chip-output"]) + items), "application/rss+xml")
        site.clear_log()
        third = run(tmp_path, sources)

        assert site.paths() == ["/feed.xml", "/news/chip-output"]
        assert third.sources_new == 1 and third.feeds[0]["entries_new"] == 1
        assert "/private/draft" not in " ".join(r.path for r in site.log)

        report = load_report(db, top_indicators=0)
        assert [(r["feed_url"], r["status"], r["entries_seen"], r["entries_new"], r["pages_fetched"], r["pages_read"])
                for r in report.feeds] == [(f"{site.url}/feed.xml", "changed", 4, 1, 1, 3)]
        assert "Feeds and sitemaps" in render_html(report) and "## Feeds and sitemaps" in render_markdown(report)


def test_a_feed_server_ignoring_conditional_get_costs_one_request(prefect_backend, tmp_path, fast_hosts):
    with Site() as site:
        serve_articles(site, ["/news/launches"])
        site.put("/feed.xml", rss(site.url, feed_items(["/news/launches"])), "application/rss+xml", conditional=False)
        sources = write_sources(tmp_path, f"feed {site.url}/feed.xml\n")
        run(tmp_path, sources)
        site.clear_log()

        summary = run(tmp_path, sources)

        assert [(r.path, r.status) for r in site.log] == [("/feed.xml", 200)]
        assert summary.feeds[0]["status"] == "unchanged"


def test_a_page_that_failed_is_fetched_by_the_next_run_and_dropped_entries_are_not_missing(
        prefect_backend, tmp_path, fast_hosts, monkeypatch):
    monkeypatch.setenv("TRACKER_FETCH_RETRIES", "0")
    with Site() as site:
        site.put("/robots.txt", "", "text/plain", status=404)
        serve_articles(site, ["/news/launches"])
        site.put("/news/chip-output", "busy", status=503)
        site.put("/feed.xml", rss(site.url, feed_items(["/news/chip-output", "/news/launches"])),
                 "application/rss+xml")
        sources = write_sources(tmp_path, f"feed {site.url}/feed.xml\n")
        first = run(tmp_path, sources)
        assert [(f.source_id, f.reason) for f in first.failures] == [(f"{site.url}/news/chip-output", "http_503")]

        serve_articles(site, ["/news/chip-output"])
        site.clear_log()
        second = run(tmp_path, sources)

        assert site.paths() == ["/feed.xml", "/news/chip-output"]  # the feed did not change: only the retry
        assert (second.sources_new, second.failures) == (1, [])

        # The feed moves on and no longer lists either page: they are not missing
        serve_articles(site, ["/news/base-stations"])
        site.put("/feed.xml", rss(site.url, feed_items(["/news/base-stations"])), "application/rss+xml")
        third = run(tmp_path, sources)
        assert (third.sources_new, third.sources_unchanged, third.sources_missing) == (1, 2, [])


def test_an_entry_whose_feed_date_moved_is_fetched_again_conditionally(prefect_backend, tmp_path, fast_hosts):
    with Site() as site:
        serve_articles(site, ["/news/launches"])
        site.put("/feed.xml", rss(site.url, feed_items(["/news/launches"])), "application/rss+xml")
        sources = write_sources(tmp_path, f"feed {site.url}/feed.xml\n")
        run(tmp_path, sources)
        updated = [{"link": "/news/launches", "title": "Launch cadence (updated)",
                    "date": rfc822(TODAY).replace("09:30", "17:45")}]
        site.put("/feed.xml", rss(site.url, updated), "application/rss+xml")
        site.clear_log()

        summary = run(tmp_path, sources)

        assert [(r.path, r.status) for r in site.log] == [("/feed.xml", 200), ("/news/launches", 304)]
        assert "If-None-Match" in site.log[1].headers
        assert summary.feeds[0]["pages_fetched"] == 1 and summary.sources_unchanged == 1


def test_retry_after_is_honoured_and_pages_take_the_feed_date_through_a_replay(prefect_backend, tmp_path, fast_hosts):
    with Site() as site:
        serve_articles(site, ["/news/quantum-budget"])
        site.pages["/news/quantum-budget"].too_many = 1
        site.pages["/news/quantum-budget"].retry_after = "1"
        site.put("/feed.xml", rss(site.url, feed_items(["/news/quantum-budget"], start=7)), "application/rss+xml")
        sources = write_sources(tmp_path, f"feed {site.url}/feed.xml\n")

        summary = run(tmp_path, sources)

        tries = [r for r in site.log if r.path == "/news/quantum-budget"]
        assert [r.status for r in tries] == [429, 200]
        assert tries[1].at - tries[0].at >= 0.95  # Retry-After: 1
        assert (summary.sources_new, summary.failures) == (1, [])

        replay(db_path=tmp_path / "t.duckdb")
        assert query(tmp_path / "t.duckdb", "select published_on from documents") == [(DAYS_AGO[7],)]


def test_each_host_gets_its_rate(prefect_backend, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_CONFIG", "/nonexistent/tracker.toml")
    monkeypatch.setenv("TRACKER_FETCH_HOST_CONCURRENCY", "4")
    with Site() as site:
        paths = ["/news/quantum-budget", "/news/base-stations", "/news/chip-output", "/news/launches"]
        serve_articles(site, paths)
        site.put("/feed.xml", rss(site.url, feed_items(paths)), "application/rss+xml")
        sources = write_sources(tmp_path, f'[[source]]\nurl = "{site.url}/feed.xml"\nkind = "feed"\nrate = 5\n',
                                "sources.toml")
        run(tmp_path, sources)

        starts = sorted(r.at for r in site.log)
        assert len(starts) == 6  # robots.txt (404 here), the feed, four pages
        # Five a second: requests start 0.2 s apart (a little slack for when each reached the server)
        assert min(b - a for a, b in zip(starts, starts[1:])) >= 0.15


def test_sitemap_index_and_per_source_cap(prefect_backend, tmp_path, fast_hosts):
    with Site() as site:
        paths = ["/news/quantum-budget", "/news/base-stations", "/news/chip-output", "/news/launches"]
        serve_articles(site, paths)
        urlset = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                  + "".join(f"<url><loc>{site.url}{p}</loc><lastmod>{DAYS_AGO[i].isoformat()}</lastmod></url>"
                            for i, p in enumerate(paths[:2])) + "</urlset>")
        older = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                 + "".join(f"<url><loc>{site.url}{p}</loc></url>" for p in paths[2:]) + "</urlset>")
        site.put("/sitemap-new.xml", urlset, "application/xml")
        site.put("/sitemap-old.xml", older, "application/xml")
        site.put("/sitemap_index.xml",
                 '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                 f"<sitemap><loc>{site.url}/sitemap-new.xml</loc><lastmod>2026-01-02</lastmod></sitemap>"
                 f"<sitemap><loc>{site.url}/sitemap-old.xml</loc><lastmod>2025-01-01</lastmod></sitemap>"
                 "</sitemapindex>", "application/xml")
        sources = write_sources(tmp_path, f'[[source]]\nurl = "{site.url}/sitemap_index.xml"\nkind = "sitemap"\n'
                                          'name = "Statistics releases"\nmax_entries = 3\n', "sources.toml")

        first = run(tmp_path, sources)

        assert first.sources_new == 3  # the index's cap is shared by its sitemaps
        assert [f["feed_url"].rsplit("/", 1)[1] for f in first.feeds] == [
            "sitemap_index.xml", "sitemap-new.xml", "sitemap-old.xml"]
        assert "sitemap Statistics releases: new entries read" in summary_text(first)
        site.clear_log()

        second = run(tmp_path, sources)

        # The index did not change and its sitemaps' lastmod neither: the page the cap left waiting, only
        assert site.paths() == ["/sitemap_index.xml", "/news/launches"] or \
            site.paths() == ["/sitemap_index.xml", "/news/chip-output"]
        assert second.sources_new == 1
        site.clear_log()
        third = run(tmp_path, sources)
        assert site.paths() == ["/sitemap_index.xml"] and third.sources_new == 0


def test_watch_rules_of_one_feed_alert_its_pages_only(prefect_backend, tmp_path, fast_hosts):
    with Site() as site:
        serve_articles(site, ["/news/launches", "/news/base-stations"])
        site.put("/space.xml", rss(site.url, feed_items(["/news/launches"])), "application/rss+xml")
        site.put("/telecom.xml", rss(site.url, feed_items(["/news/base-stations"])), "application/rss+xml")
        sources = write_sources(tmp_path, f'[[source]]\nurl = "{site.url}/space.xml"\nkind = "feed"\n'
                                          'watch = ["kind:target", "kind:estimate", "kind:measurement"]\n\n'
                                          f'[[source]]\nurl = "{site.url}/telecom.xml"\nkind = "feed"\n',
                                "sources.toml")
        run(tmp_path, sources)

        texts = [row[0] for row in query(tmp_path / "t.duckdb", "select text from alerts")]
        watched = [t for t in texts if "watched change" in t]
        assert len(watched) == 1
        assert "/news/launches" in watched[0] and "/news/base-stations" not in watched[0]


def test_a_bad_sources_toml_stops_the_run_before_anything_is_fetched(tmp_path, capsys):
    from tests.cli import tracker

    sources = write_sources(tmp_path, '[[source]]\nurl = "http://127.0.0.1:9/feed.xml"\nkind = "feed"\n'
                                      'max_entries = -1\n', "sources.toml")
    (tmp_path / "empty").mkdir()
    code, out, err = tracker(capsys, "run", "--seeds", tmp_path / "empty", "--sources", sources,
                             "--db", tmp_path / "t.duckdb")
    assert code == 2
    assert "sources.toml, source 1 (http://127.0.0.1:9/feed.xml): 'max_entries' must be a whole number ≥ 1" in err
    assert not (tmp_path / "t.duckdb").exists()
