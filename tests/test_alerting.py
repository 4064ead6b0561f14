"""Alerts people act on: each problem once, a reminder after the interval, resolved when fixed, and
delivery that can be seen — against a real local receiver."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from werkzeug import Response

from flows.ingest import ingest
from tests.cli import query, tracker, tracker_json
from tests.http_log import logged

pytestmark = pytest.mark.usefixtures("prefect_backend")

GOOD_TEXT = "Research and development spending reached 2.5% of GDP in 2022.\n"


@pytest.fixture
def receiver(httpserver, monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("TRACKER_ALERT_WEBHOOK", httpserver.url_for("/hook"))
    httpserver.expect_request("/hook").respond_with_data("ok")
    return httpserver


def texts(httpserver) -> list[str]:
    return [json.loads(request.get_data())["text"] for request, _ in logged(httpserver)]


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / "broken.txt").write_bytes("Crédit d'impôt: 2,4 %".encode("latin-1"))
    return folder


def test_a_persisting_bad_file_is_alerted_once_then_once_as_resolved(receiver, corpus, db):
    runs = [ingest(seeds_dir=corpus, db_path=db) for _ in range(3)]

    assert [run.exit_code for run in runs] == [1, 1, 1]  # every run still records the failure
    assert query(db, "select count(*) from validation_failures where source_id = 'broken.txt'") == [(3,)]
    [first] = texts(receiver)  # ... but alerts it once
    assert first.startswith(f":warning: tracker run {runs[0].run_id}") and "broken.txt" in first
    assert [run.alert_status for run in runs] == ["sent", None, None]
    [(source, runs_seen, first_run)] = query(db, "select source_id, runs_seen, first_run_id from open_problems")
    assert (source, runs_seen, first_run) == ("broken.txt", 3, runs[0].run_id)

    (corpus / "broken.txt").write_text("Crédit d'impôt recherche: 2,4 %\n", encoding="utf-8")  # fixed
    fixed = ingest(seeds_dir=corpus, db_path=db)
    again = ingest(seeds_dir=corpus, db_path=db)

    resolved = texts(receiver)[1:]
    assert len(resolved) == 1 and again.alert_status is None
    assert resolved[0].startswith(f":white_check_mark: tracker run {fixed.run_id}\nResolved: 1 problem(s)")
    assert "broken.txt" in resolved[0]
    assert query(db, "select count(*) from open_problems") == [(0,)]
    assert query(db, "select resolved_run_id from problems") == [(fixed.run_id,)]


def test_a_removed_bad_file_is_announced_resolved(receiver, corpus, db):
    ingest(seeds_dir=corpus, db_path=db)
    (corpus / "broken.txt").unlink()
    removed = ingest(seeds_dir=corpus, db_path=db)
    assert texts(receiver)[-1].startswith(f":white_check_mark: tracker run {removed.run_id}\nResolved")


def test_a_problem_that_persists_past_the_interval_is_reminded_once_per_interval(receiver, corpus, db, monkeypatch):
    interval_s = 8.0  # long beside a run (about a second, a few on a loaded machine), short for a test
    monkeypatch.setenv("TRACKER_ALERT_REMINDER_INTERVAL_S", str(interval_s))
    first = ingest(seeds_dir=corpus, db_path=db)
    alerted_at = time.monotonic()
    soon = ingest(seeds_dir=corpus, db_path=db)  # within the interval: silent
    time.sleep(max(0.0, interval_s + 0.5 - (time.monotonic() - alerted_at)))
    late = ingest(seeds_dir=corpus, db_path=db)  # past it: one reminder
    right_after = ingest(seeds_dir=corpus, db_path=db)  # and the interval starts again

    assert [r.alert_status for r in (first, soon, late, right_after)] == ["sent", None, "sent", None]
    reminder = texts(receiver)[1]
    assert reminder.startswith(f":warning: tracker run {late.run_id}\nStill open: 1 problem(s) (reminder)")
    assert "broken.txt" in reminder and "in 3 run(s)" in reminder


def test_an_edited_bad_file_is_a_new_problem_and_the_old_one_resolved(receiver, corpus, db):
    ingest(seeds_dir=corpus, db_path=db)
    (corpus / "broken.txt").write_bytes("Budget: 3,1 % du PIB à Paris".encode("latin-1"))  # still bad, other bytes
    edited = ingest(seeds_dir=corpus, db_path=db)
    text = texts(receiver)[-1]
    assert text.startswith(f":warning: tracker run {edited.run_id}\n1 input(s) failed")
    assert "Resolved: 1 problem(s)" in text
    assert query(db, "select count(*) from open_problems") == [(1,)]


def test_delivery_failure_shows_in_the_summary_and_in_tracker_alerts(httpserver, corpus, db, capsys, monkeypatch,
                                                                      tmp_path):
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("TRACKER_ALERT_WEBHOOK", httpserver.url_for("/hook"))
    httpserver.expect_request("/hook").respond_with_response(Response("down", status=503))

    code, out, err = tracker(capsys, "run", "--seeds", corpus, "--db", db)

    assert code == 1
    assert "Alert:      delivery failed (HTTP 503); the next run retries it" in out
    summary = tracker_json(capsys, "alerts", "--db", db)
    assert [(a["status"], a["last_error"], a["attempts"]) for a in summary] == [("failed", "HTTP 503", 3)]
    code, out, _ = tracker(capsys, "alerts", "--db", db)
    assert "failed (HTTP 503), 3 attempt(s)" in out
    code, out, _ = tracker(capsys, "run", "--seeds", corpus, "--db", db, "--format", "json")
    assert json.loads(out)["alert_status"] is None  # nothing new; the failed one stays queued (retried)


def test_tracker_alerts_test_sends_one_to_the_receiver(receiver, corpus, db, capsys):
    ingest(seeds_dir=corpus, db_path=db)
    code, out, _ = tracker(capsys, "alerts", "--test", "--db", db)
    assert code == 0 and out.startswith("Test alert ") and " sent to webhook sha256:" in out
    assert texts(receiver)[-1].startswith(":test_tube: tracker test alert")
    assert tracker_json(capsys, "alerts", "--db", db)[0]["status"] == "sent"


def watching(httpserver, tmp_path, monkeypatch, *watch: str) -> Path:
    """A tracker.toml watching `watch`, the receiver as webhook; the (empty) corpus folder."""
    config = tmp_path / "tracker.toml"
    config.write_text(f"[alerts]\nwatch = {json.dumps(list(watch))}\n", encoding="utf-8")
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    monkeypatch.setenv("TRACKER_ALERT_WEBHOOK", httpserver.url_for("/hook"))
    httpserver.expect_request("/hook").respond_with_data("ok")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    return corpus


def test_a_watched_indicator_that_shifts_is_one_alert_with_old_and_new_value(httpserver, tmp_path, db, monkeypatch):
    corpus = watching(httpserver, tmp_path, monkeypatch, "rd_intensity", "topic:quantum")
    brief = corpus / "brief.txt"
    brief.write_text("Budget brief\n\nResearch and development spending reached 2.5% of GDP in 2022.\n", encoding="utf-8")
    other = corpus / "ports.txt"
    other.write_text("The country operated 3.2 million 5G base stations at the end of 2023.\n", encoding="utf-8")
    first = ingest(seeds_dir=corpus, db_path=db)
    assert texts(httpserver)[0].startswith(f":eyes: tracker run {first.run_id}: 1 watched change(s)")  # added

    other.write_text("The country operated 3.5 million 5G base stations at the end of 2023.\n", encoding="utf-8")
    unwatched = ingest(seeds_dir=corpus, db_path=db)  # an edit nobody watches: no alert
    assert len(texts(httpserver)) == 1 and unwatched.alert_status is None and unwatched.changes

    brief.write_text(brief.read_text(encoding="utf-8").replace("2.5%", "2.6%"), encoding="utf-8")
    shifted = ingest(seeds_dir=corpus, db_path=db)

    [alert] = texts(httpserver)[1:]
    lines = alert.splitlines()
    assert lines[0] == f":eyes: tracker run {shifted.run_id}: 1 watched change(s)"
    assert lines[1].startswith("• rd_intensity (China) in ") and "(brief.txt), shifted: 2.5 percent [2022] → 2.6 percent [2022]" in lines[1]
    assert "2.6% of GDP in 2022" in lines[2]


def test_alerts_carry_slack_blocks_and_link_the_report(receiver, corpus, db, monkeypatch):
    monkeypatch.setenv("TRACKER_REPORT_URL", "http://127.0.0.1:8000/report/")
    run = ingest(seeds_dir=corpus, db_path=db)
    payload = json.loads(receiver.log[0][0].get_data())
    header, *sections, link = payload["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": f":warning: tracker run {run.run_id}",
                                                 "emoji": True}}
    assert [s["type"] for s in sections] == ["section", "section"]  # the counts, then the one problem
    assert sections[1]["text"]["text"].startswith("• broken.txt: invalid UTF-8")
    assert link["text"]["text"] == "<http://127.0.0.1:8000/report/|Open the report>"
    assert payload["text"].endswith("\nReport: http://127.0.0.1:8000/report/")  # the plain-text fallback


def test_runs_and_changes_are_prefect_events_read_back_through_the_api(corpus, db, monkeypatch, tmp_path):
    """Through the session's real Prefect server (tests/conftest.py prefect_backend)."""
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventAnyResourceFilter, EventFilter

    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "absent.toml"))
    first = ingest(seeds_dir=corpus, db_path=db)
    (corpus / "good.txt").write_text(GOOD_TEXT.replace("2.5%", "2.6%"), encoding="utf-8")
    second = ingest(seeds_dir=corpus, db_path=db)

    def read(run_id: str) -> list:
        with get_client(sync_client=True) as client:
            page = client.read_events(EventFilter(any_resource=EventAnyResourceFilter(id=[f"tracker.run.{run_id}"])),
                                      limit=50)
        return page.events

    deadline = time.monotonic() + 60
    while len(read(first.run_id)) < 2 or len(read(second.run_id)) < 2:
        assert time.monotonic() < deadline, "the events never reached the API"
        time.sleep(0.5)
    by_name = {e.event: e for e in read(second.run_id)}
    assert set(by_name) == {"tracker.run.failed_inputs", "tracker.indicator.shifted"}
    shifted = by_name["tracker.indicator.shifted"]
    assert shifted.resource.id == "tracker.indicator.rd_intensity" and shifted.resource["tracker.subject"] == "China"
    related = {r.role: r.id for r in shifted.related}  # Prefect adds the flow run and task run too
    assert related.items() >= {"subject": "tracker.subject.China", "source": "tracker.source.good.txt",
                               "run": f"tracker.run.{second.run_id}"}.items()
    assert related["flow-run"].startswith("prefect.flow-run.")
    assert (shifted.payload["old_value"], shifted.payload["new_value"]) == (2.5, 2.6)
    assert {e.event for e in read(first.run_id)} == {"tracker.run.failed_inputs", "tracker.indicator.added"}

    # A second source that disagrees: a conflict event naming both sources
    (corpus / "other.txt").write_text(GOOD_TEXT.replace("2.5%", "2.9%"), encoding="utf-8")
    third = ingest(seeds_dir=corpus, db_path=db)
    deadline = time.monotonic() + 60
    while "tracker.indicator.conflict" not in {e.event for e in read(third.run_id)}:
        assert time.monotonic() < deadline, "no conflict event reached the API"
        time.sleep(0.5)
    [conflict] = [e for e in read(third.run_id) if e.event == "tracker.indicator.conflict"]
    assert conflict.resource.id == "tracker.indicator.rd_intensity"
    assert {r.id for r in conflict.related if r.role == "source"} == {"tracker.source.good.txt",
                                                                      "tracker.source.other.txt"}
    assert sorted([conflict.payload["value_a"], conflict.payload["value_b"]]) == [2.6, 2.9]


def test_a_watched_indicator_that_starts_conflicting_is_in_the_alert(httpserver, tmp_path, db, monkeypatch):
    corpus = watching(httpserver, tmp_path, monkeypatch, "subject:China")
    (corpus / "a.txt").write_text(GOOD_TEXT, encoding="utf-8")
    ingest(seeds_dir=corpus, db_path=db)
    (corpus / "b.txt").write_text(GOOD_TEXT.replace("2.5%", "2.9%"), encoding="utf-8")

    run = ingest(seeds_dir=corpus, db_path=db)

    text = texts(httpserver)[-1]
    # b.txt is added, revises a.txt's figure (a newer source, another value), and conflicts with it
    assert text.startswith(f":eyes: tracker run {run.run_id}: 3 watched change(s)")
    bullets = [line for line in text.splitlines() if line.startswith("• ")]
    assert [b.split("(b.txt), ")[1].split(":")[0] for b in bullets] == ["added", "revises a.txt",
                                                                       "now conflicts with a.txt"]
    assert bullets[2].endswith("now conflicts with a.txt: 2.9 percent against 2.5 percent [2022]")
