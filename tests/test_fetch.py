"""Remote sources against a real HTTP server on 127.0.0.1: conditional GET, retries, timeouts,
redirects, the size cap, refused schemes, the raw archive and the run's Prefect artifacts; and
against a raw-socket server (tests/drip_server.py) for drip-fed and truncated answers, the
per-URL deadline and the run's fetch budget.

Flow tests run `flows.ingest.ingest` for real; pure fetch tests call tracker.fetch directly.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time

import pytest
from werkzeug import Request, Response

from flows.ingest import FAILURES_ARTIFACT_KEY, SUMMARY_ARTIFACT_KEY, ingest
from tracker import fetch
from tracker.extract import extract_indicators, has_article_text
from tracker.models import Source, SourceState
from tracker.sources import document_from_bytes
from warehouse import store
from tests.cli import query
from tests.drip_server import DripServer
from tests.http_log import logged

pytestmark = pytest.mark.usefixtures("prefect_backend")

REPORT_V1 = "R&D spending reached 2.4% of GDP in 2023.\n"
REPORT_V2 = "R&D spending reached 2.6% of GDP in 2023.\n"
ETAG_V1 = '"v1"'


@pytest.fixture(autouse=True)
def fast_fetching(monkeypatch, tmp_path):
    """Short timeouts and one retry, so failure cases take about a second; no tracker.toml."""
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("TRACKER_FETCH_TIMEOUT_S", "0.3")
    monkeypatch.setenv("TRACKER_FETCH_RETRIES", "1")


@pytest.fixture
def threaded_httpserver():
    """A loopback server that answers requests concurrently, so a retry reaches it while the first waits."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def release():
    """Set at teardown so a handler still sleeping on a timed-out request ends at once."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def drip_server():
    """Answers that arrive a byte every 0.2 s, forever (see tests/drip_server.py); stopped at teardown."""
    with DripServer(interval_s=0.2) as server:
        yield server


def sources_file(tmp_path, *urls: str):
    path = tmp_path / "sources.txt"
    path.write_text("# remote sources\n" + "".join(f"{url}\n" for url in urls), encoding="utf-8")
    return path


def run(tmp_path, *urls: str):
    return ingest(seeds_dir=None, sources_file=sources_file(tmp_path, *urls), db_path=tmp_path / "t.duckdb")



def current(db_path) -> list[tuple]:
    return query(db_path, "select source_id, indicator, subject, value, period, version_id "
                          "from indicators_current order by all")


def extracted(text: str, source_id: str) -> list[tuple]:
    """What the extractor makes of a text: the tests compare against it, not against its quality."""
    return sorted((r.source_id, r.indicator, r.value, r.period) for r in extract_indicators(text, source_id))


def current_values(db_path) -> list[tuple]:
    return sorted((row[0], row[1], row[3], row[4]) for row in current(db_path))


def etag_handler(body: str, etag: str = ETAG_V1):
    """A page with an ETag that answers 304 to a matching If-None-Match."""
    def handle(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, content_type="text/plain; charset=utf-8", headers={"ETag": etag})
    return handle


# --- the happy paths -------------------------------------------------------------------


def test_fetched_page_becomes_current_records(httpserver, tmp_path):
    httpserver.expect_request("/report").respond_with_data(REPORT_V1, content_type="text/plain")
    url = httpserver.url_for("/report")

    summary = run(tmp_path, url)

    assert (summary.sources_new, summary.failures) == (1, [])
    assert current_values(tmp_path / "t.duckdb") == extracted(REPORT_V1, url) != []
    assert logged(httpserver)[0][0].headers["User-Agent"].startswith("tracker/")


def test_second_run_gets_304_and_extracts_nothing(httpserver, tmp_path):
    httpserver.expect_request("/report").respond_with_handler(etag_handler(REPORT_V1))
    url = httpserver.url_for("/report")
    db_path = tmp_path / "t.duckdb"
    run(tmp_path, url)
    before = current(db_path)

    summary = run(tmp_path, url)

    second_request, second_response = logged(httpserver)[1]
    assert second_request.headers["If-None-Match"] == ETAG_V1
    assert second_response.status_code == 304
    assert (summary.sources_new, summary.sources_changed, summary.sources_unchanged) == (0, 0, 1)
    assert summary.changes == [] and summary.failures == []
    assert query(db_path, "select count(*) from documents") == [(1,)]
    assert current(db_path) == before


def test_500_then_200_is_retried_within_one_run(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/flaky").respond_with_data("busy", status=500)
    httpserver.expect_oneshot_request("/flaky").respond_with_data(REPORT_V1, content_type="text/plain")
    url = httpserver.url_for("/flaky")

    summary = run(tmp_path, url)

    assert [response.status_code for _, response in logged(httpserver)] == [500, 200]
    assert (summary.sources_new, summary.failures) == (1, [])
    assert current_values(tmp_path / "t.duckdb") == extracted(REPORT_V1, url)


def test_redirect_is_followed_and_stored_under_the_listed_url(httpserver, tmp_path):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data(REPORT_V1, content_type="text/plain")
    url = httpserver.url_for("/old")

    summary = run(tmp_path, url)

    assert [request.path for request, _ in logged(httpserver)] == ["/old", "/new"]
    assert (summary.sources_new, summary.failures) == (1, [])
    assert [row[0] for row in current(tmp_path / "t.duckdb")] == [url]


# --- failures: a failure row and an alert, and the earlier records stay current --------


def respond_404(httpserver, release):
    httpserver.expect_request("/report").respond_with_data("gone", status=404)


def respond_too_slowly(httpserver, release):
    def slow(request: Request) -> Response:
        release.wait(2.0)  # far beyond the 0.3 s read timeout
        return Response(REPORT_V1)
    httpserver.expect_request("/report").respond_with_handler(slow)


def respond_oversize(httpserver, release):
    httpserver.expect_request("/report").respond_with_data("x" * 5000, content_type="text/plain")


def respond_500_always(httpserver, release):
    httpserver.expect_request("/report").respond_with_data("down", status=503)


@pytest.mark.parametrize("fail, reason", [
    (respond_404, "http_404"),
    (respond_too_slowly, "fetch_timeout"),
    (respond_oversize, "too_large"),
    (respond_500_always, "http_503"),
])
def test_failed_fetch_keeps_earlier_records_current(httpserver, tmp_path, monkeypatch, release, fail, reason):
    monkeypatch.setenv("TRACKER_MAX_DOCUMENT_BYTES", "1000")
    httpserver.expect_request("/report").respond_with_data(REPORT_V1, content_type="text/plain")
    url = httpserver.url_for("/report")
    db_path = tmp_path / "t.duckdb"
    run(tmp_path, url)
    before = current(db_path)
    httpserver.clear()
    fail(httpserver, release)

    summary = run(tmp_path, url)

    assert [(f.source_id, f.check, f.reason) for f in summary.failures] == [(url, "fetch", reason)]
    assert (summary.sources_failed, summary.sources_missing, summary.exit_code) == (1, [], 1)
    assert current(db_path) == before
    assert query(db_path, "select source_id, check_name, reason from validation_failures "
                          "where run_id = $run_id", {"run_id": summary.run_id}) == [(url, "fetch", reason)]
    [(alert_text,)] = query(db_path, "select text from alerts where run_id = $run_id", {"run_id": summary.run_id})
    assert f"fetch/{reason}" in alert_text


def test_file_url_in_sources_file_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(REPORT_V1, encoding="utf-8")
    url = secret.as_uri()

    summary = run(tmp_path, url)

    assert [(f.source_id, f.reason) for f in summary.failures] == [(url, "unsupported_scheme")]
    assert current(tmp_path / "t.duckdb") == []
    assert query(tmp_path / "t.duckdb", "select count(*) from documents") == [(0,)]


# --- the raw archive --------------------------------------------------------------------


def test_past_version_is_reextracted_from_the_archive(httpserver, tmp_path):
    httpserver.expect_request("/report").respond_with_data(REPORT_V1, content_type="text/plain")
    url = httpserver.url_for("/report")
    db_path = tmp_path / "t.duckdb"
    run(tmp_path, url)
    httpserver.clear()
    httpserver.expect_request("/report").respond_with_data(REPORT_V2, content_type="text/plain")
    run(tmp_path, url)

    first, latest = store.document_versions(db_path, url)

    assert first["raw_bytes"] == REPORT_V1.encode() and latest["raw_bytes"] == REPORT_V2.encode()
    assert first["content_hash"] == hashlib.sha256(first["raw_bytes"]).hexdigest()
    past = document_from_bytes(url, first["raw_bytes"], first["media_type"], has_text=has_article_text)
    assert extracted(past.text, url) == extracted(REPORT_V1, url) != extracted(REPORT_V2, url)
    assert current_values(db_path) == extracted(REPORT_V2, url)


def test_changed_etag_on_unchanged_page_is_remembered(httpserver, tmp_path):
    # A server that rotates its ETag without changing the page must not cost a full download every run
    httpserver.expect_request("/report").respond_with_data(REPORT_V1, content_type="text/plain")
    url = httpserver.url_for("/report")
    run(tmp_path, url)
    httpserver.clear()
    httpserver.expect_request("/report").respond_with_handler(etag_handler(REPORT_V1, '"rotated"'))

    summary = run(tmp_path, url)
    again = run(tmp_path, url)

    assert summary.sources_unchanged == again.sources_unchanged == 1
    assert [response.status_code for _, response in logged(httpserver)] == [200, 304]


# --- Prefect artifacts ---------------------------------------------------------------------


def test_run_leaves_summary_and_failure_artifacts(httpserver, tmp_path):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    httpserver.expect_request("/gone").respond_with_data("", status=404)
    url = httpserver.url_for("/gone")

    state = ingest(seeds_dir=None, sources_file=sources_file(tmp_path, url), db_path=tmp_path / "t.duckdb",
                   return_state=True)
    summary = state.result()
    flow_run_id = state.state_details.flow_run_id

    with get_client(sync_client=True) as client:
        artifacts = {key: client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
                     for key in (SUMMARY_ARTIFACT_KEY, FAILURES_ARTIFACT_KEY)}
    [markdown] = [a for a in artifacts[SUMMARY_ARTIFACT_KEY] if a.flow_run_id == flow_run_id]
    [table] = [a for a in artifacts[FAILURES_ARTIFACT_KEY] if a.flow_run_id == flow_run_id]
    assert markdown.type == "markdown" and summary.run_id in markdown.data
    assert table.type == "table" and url in table.data and "http_404" in table.data


# --- pure fetch: no Prefect, no warehouse ------------------------------------------------


def policy(**overrides) -> fetch.FetchPolicy:
    return fetch.FetchPolicy(**{"max_bytes": 10_000, "read_timeout_s": 0.3, "retries": 1, "backoff_s": 0.0,
                                **overrides})


def remote(url: str) -> Source:
    return Source(source_id=url, location=url, is_remote=True)


def test_read_timeout_is_retried_then_reported_as_fetch_timeout(threaded_httpserver, release):
    # urllib3's Retry turns an exhausted read timeout into MaxRetryError, which requests raises as
    # ConnectionError, not Timeout: the reason must still say timeout
    attempts = []

    def slow(request: Request) -> Response:
        attempts.append(request.path)
        release.wait(2.0)
        return Response("late")
    threaded_httpserver.expect_request("/slow").respond_with_handler(slow)

    outcome = fetch.fetch_or_failure(remote(threaded_httpserver.url_for("/slow")), None, policy(retries=1),
                                     has_text=has_article_text)

    assert (outcome.check, outcome.reason) == ("fetch", "fetch_timeout")
    assert attempts == ["/slow", "/slow"]


def test_refused_connection_is_not_a_timeout():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the fetch: nothing listens there

    outcome = fetch.fetch_or_failure(remote(f"http://127.0.0.1:{port}/x"), None, policy(), has_text=has_article_text)

    assert outcome.reason == "fetch_connection"


def test_oversize_body_without_content_length_is_cut_off(httpserver):
    def chunked(request: Request) -> Response:
        return Response((b"x" * 1024 for _ in range(100)), content_type="text/plain")  # streamed, no length
    httpserver.expect_request("/big").respond_with_handler(chunked)

    outcome = fetch.fetch_or_failure(remote(httpserver.url_for("/big")), None, policy(max_bytes=4096),
                                     has_text=has_article_text)

    assert outcome.reason == "too_large"


def test_redirect_to_file_url_is_refused(httpserver):
    httpserver.expect_request("/sneaky").respond_with_data("", status=302, headers={"Location": "file:///etc/passwd"})

    outcome = fetch.fetch_or_failure(remote(httpserver.url_for("/sneaky")), None, policy(), has_text=has_article_text)

    assert outcome.reason == "unsupported_scheme"


def test_image_is_refused_before_download(httpserver):
    httpserver.expect_request("/chart.png").respond_with_data(b"\x89PNG....", content_type="image/png")

    outcome = fetch.fetch_or_failure(remote(httpserver.url_for("/chart.png")), None, policy(),
                                     has_text=has_article_text)

    assert outcome.reason == "unsupported_media_type"


def test_retired_source_is_fetched_in_full(httpserver):
    httpserver.expect_request("/report").respond_with_handler(etag_handler(REPORT_V1))
    known = SourceState(source_id="x", content_hash="abc", etag=ETAG_V1, retired=True)

    outcome = fetch.fetch_or_failure(remote(httpserver.url_for("/report")), known, policy(), has_text=has_article_text)

    assert outcome.text == REPORT_V1
    assert "If-None-Match" not in logged(httpserver)[0][0].headers


def test_fetch_all_keeps_order_and_isolates_failures(httpserver):
    httpserver.expect_request("/a").respond_with_data(REPORT_V1, content_type="text/plain")
    httpserver.expect_request("/b").respond_with_data("", status=404)
    urls = [httpserver.url_for("/a"), httpserver.url_for("/b"), httpserver.url_for("/a") + "?again"]

    outcomes = fetch.fetch_all([remote(url) for url in urls], {}, policy(workers=3), has_text=has_article_text)

    assert [getattr(o, "reason", None) or o.content_hash[:0] for o in outcomes] == ["", "http_404", ""]
    assert [o.source_id for o in outcomes] == urls


def test_binary_page_names_its_reason_once(httpserver):
    httpserver.expect_request("/report").respond_with_data(b"R&D\x00\x00 spending", content_type="text/plain")

    outcome = fetch.fetch_or_failure(remote(httpserver.url_for("/report")), None, policy(), has_text=has_article_text)

    assert (outcome.check, outcome.reason) == ("fetch", "binary")
    assert outcome.message.count("(binary)") == 1, outcome.message


def test_body_shorter_than_its_content_length_is_truncated(drip_server):
    outcome = fetch.fetch_or_failure(remote(drip_server.url("/truncated")), None, policy(), has_text=has_article_text)

    assert (outcome.check, outcome.reason) == ("fetch", "truncated_body")
    assert "after 10 of the 1000 bytes" in outcome.message
    assert outcome.message.count("(truncated_body)") == 1


# --- the per-URL deadline and the run's fetch budget ---------------------------------------

DEADLINE_S = 1.5
DRIP_POLICY = {"read_timeout_s": 2.0, "deadline_s": DEADLINE_S}  # each byte comes well within the read timeout


def watchdogs() -> list[threading.Thread]:
    """Deadline timers still alive: each fetch must cancel and join its own."""
    return [t for t in threading.enumerate()
            if isinstance(t, threading.Timer) and getattr(t.function, "__func__", None) is fetch._Deadline._expire]


@pytest.mark.parametrize("path", ["/drip-headers", "/drip-body", "/drip-close"])
def test_drip_fed_answer_ends_at_the_deadline(drip_server, path):
    # /drip-close would even look complete: a body without a length ends when the connection does
    url = drip_server.url(path)
    started = time.monotonic()

    outcome = fetch.fetch_or_failure(remote(url), None, policy(**DRIP_POLICY), has_text=has_article_text)

    elapsed = time.monotonic() - started
    assert (outcome.check, outcome.reason) == ("fetch", "fetch_timeout")
    assert outcome.message == f"no complete answer within {DEADLINE_S:g} s (fetch_deadline_s) (fetch_timeout)"
    assert DEADLINE_S - 0.1 <= elapsed < DEADLINE_S + 3
    assert [logged for _, logged in drip_server.log] == [path]  # no retry after the deadline
    assert watchdogs() == []


def test_deadline_covers_a_kept_alive_connection(drip_server):
    # The second fetch reuses the first one's pooled connection: its socket must be watched as well
    session = fetch.make_session(retries=1, backoff_s=0.0)
    with session:
        first = fetch.fetch_or_failure(remote(drip_server.url("/ok")), None, policy(**DRIP_POLICY), session,
                                       has_text=has_article_text)
        started = time.monotonic()
        second = fetch.fetch_or_failure(remote(drip_server.url("/drip-body")), None, policy(**DRIP_POLICY), session,
                                        has_text=has_article_text)
        elapsed = time.monotonic() - started

    assert first.text and second.reason == "fetch_timeout"
    assert elapsed < DEADLINE_S + 3
    [(first_connection, _), (second_connection, _)] = drip_server.log
    assert first_connection == second_connection


def test_fetch_all_isolates_a_drip_fed_url(drip_server):
    urls = [drip_server.url("/ok"), drip_server.url("/drip-headers"), drip_server.url("/ok") + "?again"]
    started = time.monotonic()

    outcomes = fetch.fetch_all([remote(url) for url in urls], {}, policy(**DRIP_POLICY, workers=2),
                               has_text=has_article_text)

    assert time.monotonic() - started < DEADLINE_S + 3
    assert [getattr(o, "reason", "fetched") for o in outcomes] == ["fetched", "fetch_timeout", "fetched"]
    assert watchdogs() == []


def test_drip_fed_url_fails_alone_and_the_run_ends(drip_server, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_FETCH_DEADLINE_S", "2")
    monkeypatch.setenv("TRACKER_FETCH_TIMEOUT_S", "5")  # longer than the drip's pause: only the deadline ends it
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "report.txt").write_text(REPORT_V1, encoding="utf-8")
    url = drip_server.url("/drip-body")
    db_path = tmp_path / "t.duckdb"
    started = time.monotonic()

    summary = ingest(seeds_dir=seeds, sources_file=sources_file(tmp_path, url), db_path=db_path)

    assert time.monotonic() - started < 2 + 30
    assert [(f.source_id, f.check, f.reason) for f in summary.failures] == [(url, "fetch", "fetch_timeout")]
    assert query(db_path, "select source_id, check_name, reason from validation_failures "
                          "where run_id = $run_id", {"run_id": summary.run_id}) == [(url, "fetch", "fetch_timeout")]
    assert current_values(db_path) == extracted(REPORT_V1, "report.txt") != []


def test_urls_not_started_within_the_budget_wait_for_the_next_run(httpserver, release):
    def slow(request: Request) -> Response:
        release.wait(0.5)
        return Response(REPORT_V1, content_type="text/plain")
    paths = [f"/slow/{n}" for n in range(4)]
    for path in paths:
        httpserver.expect_request(path).respond_with_handler(slow)
    urls = [httpserver.url_for(path) for path in paths]
    started = time.monotonic()

    # One at a time: /slow/0 starts at once, /slow/1 at 0.5 s, within the 0.8 s budget; the rest after it
    outcomes = fetch.fetch_all([remote(url) for url in urls], {},
                               policy(workers=1, read_timeout_s=2.0, deadline_s=2.0, budget_s=0.8),
                               has_text=has_article_text)

    assert time.monotonic() - started < 0.8 + 2.0
    assert [getattr(o, "reason", "fetched") for o in outcomes] == ["fetched", "fetched",
                                                                   "fetch_budget_exceeded", "fetch_budget_exceeded"]
    assert [request.path for request, _ in logged(httpserver)] == paths[:2]
    late = outcomes[2]
    assert (late.source_id, late.check) == (urls[2], "fetch")
    assert "fetch budget" in late.message and "(fetch_budget_s)" in late.message and "next run" in late.message


def test_deadline_cuts_a_retry_after_wait_short(httpserver):
    # A 503 asking us to come back in 30 s: the wait for the retry ends at the deadline, not after it
    httpserver.expect_request("/busy").respond_with_data("busy", status=503, headers={"Retry-After": "30"})
    started = time.monotonic()

    outcome = fetch.fetch_or_failure(remote(httpserver.url_for("/busy")), None, policy(**DRIP_POLICY, retries=2),
                                     has_text=has_article_text)

    assert outcome.reason == "fetch_timeout"
    assert time.monotonic() - started < DEADLINE_S + 3
    assert len(logged(httpserver)) == 1  # no retry once the deadline has passed
