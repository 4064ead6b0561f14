"""Bad input is quarantined with its reason, alerted, and never takes good data down with it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from werkzeug import Response

from flows.ingest import ingest
from tests.conftest import TEXTS
from tests.http_log import logged
from tracker.alerts import webhook_fingerprint

pytestmark = pytest.mark.usefixtures("prefect_backend")

GOOD_FILES = ("pipeline_budget_brief.txt", "pipeline_quantum_note.txt")


@pytest.fixture
def bad_corpus(tmp_path, monkeypatch) -> Path:
    """Two good articles beside one file of each bad kind, and one impossible figure."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in GOOD_FILES:
        shutil.copy(TEXTS / name, folder / name)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "latin1.txt").write_bytes("Le budget de la R&D atteint 2,4 % du PIB en 2023, réparti entre régions.".encode("latin-1"))
    (folder / "huge.txt").write_text("R&D spending reached 2.1% of GDP in 2019.\n" * 400, encoding="utf-8")
    (folder / "archive").mkdir()  # a sub-folder: read too; a spreadsheet in it is skipped, not a failure
    (folder / "archive" / "figures.csv").write_text("year,value\n2023,2.6\n", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("R&D spending reached 2.2% of GDP in 2020.", encoding="utf-8")
    os.symlink(outside, folder / "escape.txt")
    (folder / "navigation.txt").write_text("Home\nNews\nAbout us\nShare\n\n3 min read\n", encoding="utf-8")
    (folder / "impossible.txt").write_text(
        "The institute reported that R&D spending reached 250% of GDP in 2023, a figure no economy has seen.\n"
        "Research and development spending reached 2.5% of GDP in 2022, the bureau said.\n", encoding="utf-8")
    monkeypatch.setenv("TRACKER_MAX_DOCUMENT_BYTES", "8192")
    return folder


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_bad_inputs_are_quarantined_alerted_and_good_records_kept(bad_corpus, tmp_path, httpserver, monkeypatch):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setenv("TRACKER_ALERT_WEBHOOK", httpserver.url_for("/hook"))
    db = tmp_path / "tracker.duckdb"

    summary = ingest(seeds_dir=bad_corpus, db_path=db)

    assert summary.exit_code == 1
    failures = rows(db, "select source_id, reason from validation_failures order by source_id, reason")
    assert summary.sources_skipped == ["archive/figures.csv"]
    assert failures == [
        ("binary.txt", "binary"),
        ("empty.txt", "empty"),
        ("escape.txt", "outside_corpus"),
        ("huge.txt", "too_large"),
        ("impossible.txt", "implausible_value"),
        ("latin1.txt", "not_utf8"),
        ("navigation.txt", "no_text"),
    ]
    # Every good record is stored, including the good one beside the impossible figure.
    stored = rows(db, "select source_id, value from indicators_current where indicator = 'rd_intensity' order by 1")
    assert ("impossible.txt", 2.5) in stored and ("pipeline_budget_brief.txt", 2.7) in stored
    assert not any(value == 250.0 for _, value in stored)
    assert {s for s, in rows(db, "select distinct source_id from indicators_current")} >= set(GOOD_FILES)

    # One alert, with the counts per check, received by a real HTTP server.
    assert len(logged(httpserver)) == 1
    request, _ = logged(httpserver)[0]
    text = json.loads(request.get_data())["text"]
    assert summary.run_id in text
    assert "7 input(s) failed validation or could not be read" in text
    assert "plausible_range/implausible_value ×1" in text and "document/not_utf8 ×1" in text
    assert rows(db, "select status, attempts, destination from alerts") == [
        ("sent", 1, webhook_fingerprint(httpserver.url_for("/hook")))]


def test_webhook_url_is_never_stored_or_printed(bad_corpus, tmp_path, httpserver, monkeypatch, capsys):
    secret_url = httpserver.url_for("/hook/T000/SECRET-TOKEN")
    httpserver.expect_request("/hook/T000/SECRET-TOKEN").respond_with_data("ok")
    monkeypatch.setenv("TRACKER_ALERT_WEBHOOK", secret_url)
    db = tmp_path / "tracker.duckdb"
    from tracker.cli import main

    assert main(["run", "--seeds", str(bad_corpus), "--db", str(db)]) == 1
    captured = capsys.readouterr()
    assert "SECRET-TOKEN" not in captured.out + captured.err
    with duckdb.connect(str(db), read_only=True) as con:
        for table in ("alerts", "runs", "validation_failures"):
            dump = json.dumps(con.execute(f"select * from {table}").fetchall(), default=str)
            assert "SECRET-TOKEN" not in dump


def test_failed_alert_is_stored_then_delivered_by_next_run(tmp_path, httpserver, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "latin1.txt").write_bytes("Crédit d'impôt recherche: 2,4 %".encode("latin-1"))
    (corpus / "good.txt").write_text("Research and development spending reached 2.5% of GDP in 2022.", encoding="utf-8")
    monkeypatch.setenv("TRACKER_ALERT_WEBHOOK", httpserver.url_for("/hook"))
    db = tmp_path / "tracker.duckdb"

    httpserver.expect_request("/hook").respond_with_response(Response("down", status=500))
    first = ingest(seeds_dir=corpus, db_path=db)
    assert rows(db, "select run_id, status, attempts, last_error from alerts") == [
        (first.run_id, "failed", 3, "HTTP 500")]

    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_data("ok")
    (corpus / "latin1.txt").unlink()  # the next run's own alert: that problem is resolved
    second = ingest(seeds_dir=corpus, db_path=db)
    assert rows(db, "select run_id, status, attempts, last_error from alerts order by alert_id") == [
        (first.run_id, "sent", 4, None), (second.run_id, "sent", 1, None)]
    texts = [json.loads(request.get_data())["text"] for request, _ in logged(httpserver)]
    assert first.run_id in texts[0] and "latin1.txt" in texts[0]
    assert texts[1].startswith(f":white_check_mark: tracker run {second.run_id}\nResolved: 1 problem(s)")


def test_without_webhook_alert_is_recorded_as_not_configured(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    db = tmp_path / "tracker.duckdb"
    summary = ingest(seeds_dir=corpus, db_path=db)
    assert summary.exit_code == 1
    assert rows(db, "select status, destination from alerts") == [("not_configured", "none")]


def test_crashed_run_is_detected_marked_and_alerted(tmp_path, httpserver, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Research and development spending reached 2.5% of GDP in 2022.", encoding="utf-8")
    db = tmp_path / "tracker.duckdb"
    ingest(seeds_dir=corpus, db_path=db)
    with duckdb.connect(str(db)) as con:  # what a run killed mid-way leaves behind
        con.execute("insert into runs (run_id, started_at, status, pid) values ('deadbeef0000', now(), 'running', 1)")
    httpserver.expect_request("/hook").respond_with_data("ok")
    monkeypatch.setenv("TRACKER_ALERT_WEBHOOK", httpserver.url_for("/hook"))

    summary = ingest(seeds_dir=corpus, db_path=db)

    assert summary.crashed_runs == ["deadbeef0000"]
    assert rows(db, "select status from runs where run_id = 'deadbeef0000'") == [("crashed",)]
    assert "run deadbeef0000 ended without finishing" in json.loads(logged(httpserver)[0][0].get_data())["text"]


def test_reading_sources_does_not_import_the_extractor(tmp_path):
    """sources and fetch take the article-text judgement from their caller; the check still applies."""
    import subprocess
    import sys

    (tmp_path / "menu.txt").write_text("Home\nNews\nSubscribe\n", encoding="utf-8")
    script = (
        "import sys\n"
        "from tracker import fetch, sources\n"
        "assert not [m for m in sys.modules if m.startswith('tracker.extract')], 'extractor imported'\n"
        "try:\n"
        f"    sources.read_file_source(sources.Source(source_id='menu.txt', location={str(tmp_path / 'menu.txt')!r}),"
        " 10_000, has_text=lambda text: False)\n"
        "except sources.SourceRejected as exc:\n"
        "    print(exc.failure.reason)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no_text"
