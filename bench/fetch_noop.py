"""What an ingestion run costs when nothing changed: N URLs, second run all 304 Not Modified.

Serves N small documents from a threaded HTTP server on 127.0.0.1 that answers ETag /
If-None-Match, runs the `ingest` flow twice against a fresh warehouse, and prints the time of
both runs and the per-source cost of the second. `--fetch-only` also times the plain fetch
function (no Prefect, no warehouse) on the same URLs, to show what the flow adds.

    uv run python bench/fetch_noop.py            # 1,000 URLs
    uv run python bench/fetch_noop.py --urls 200 --fetch-only
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="tracker-bench-prefect-"))
for name, value in {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                    "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL"}.items():
    os.environ.setdefault(name, value)
os.environ.pop("TRACKER_ALERT_WEBHOOK", None)


class EtagHandler(BaseHTTPRequestHandler):
    """/doc/<n>: a one-sentence document with a strong ETag; 304 when If-None-Match matches."""

    protocol_version = "HTTP/1.1"  # keep-alive, as a real web server would
    counts = {"200": 0, "304": 0}
    lock = threading.Lock()

    def do_GET(self):
        number = self.path.rsplit("/", 1)[-1]
        body = f"Report {number}. R&D spending reached 2.4% of GDP in 2023.\n".encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._count("304")
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._count("200")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _count(self, status: str) -> None:
        with self.lock:
            self.counts[status] += 1

    def log_message(self, *args):
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--urls", type=int, default=1000, help="how many URLs (default 1000)")
    parser.add_argument("--fetch-only", action="store_true", help="also time tracker.fetch.fetch_all alone")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), EtagHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-fetch-"))
    sources_file = work / "sources.txt"
    sources_file.write_text("".join(f"{base}/doc/{n}\n" for n in range(args.urls)), encoding="utf-8")
    db_path = work / "tracker.duckdb"

    from prefect.testing.utilities import prefect_test_harness

    from flows.ingest import ingest

    print(f"{args.urls} URLs on {base}; warehouse {db_path}")
    with prefect_test_harness(server_startup_timeout=120):
        first_s, first = _timed(lambda: ingest(seeds_dir=None, sources_file=sources_file, db_path=db_path))
        served_200 = EtagHandler.counts["200"]
        second_s, second = _timed(lambda: ingest(seeds_dir=None, sources_file=sources_file, db_path=db_path))
    print(f"first run:  {first_s:7.2f} s  ({first.sources_new} new, {first.sources_failed} failed, "
          f"{served_200} answered 200)")
    print(f"second run: {second_s:7.2f} s  ({second.sources_unchanged} unchanged, {second.sources_failed} failed, "
          f"{EtagHandler.counts['304']} answered 304)")
    print(f"second run per source: {1000 * second_s / args.urls:.2f} ms")
    if args.fetch_only:
        from tracker import fetch
        from tracker.config import load_settings
        from tracker.extract import has_article_text
        from tracker.sources import parse_sources_file
        from warehouse import store

        sources, _ = parse_sources_file(sources_file.read_bytes())
        known = store.known_sources(db_path)
        policy = fetch.fetch_policy(load_settings())
        fetch_s, outcomes = _timed(lambda: fetch.fetch_all(sources, known, policy, has_text=has_article_text))
        not_modified = sum(isinstance(o, fetch.NotModified) for o in outcomes)
        print(f"fetch_all alone ({policy.workers} threads): {fetch_s:7.2f} s, {not_modified} not modified, "
              f"{1000 * fetch_s / args.urls:.2f} ms per source")
    server.shutdown()
    return 0 if second.sources_unchanged == args.urls else 1


def _timed(call):
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


if __name__ == "__main__":
    sys.exit(main())
