"""`tracker replay`: changes that come from a better extractor are told apart from source changes."""

from __future__ import annotations

import shutil

import duckdb
import pytest

import flows.ingest
from flows.ingest import ingest
from flows.replay import replay
from tests.conftest import TEXTS
from tracker.extract import EXTRACTOR_VERSION, extract_documents, extract_indicators

pytestmark = pytest.mark.usefixtures("prefect_backend")


def test_replay_records_what_a_better_extractor_reads_with_cause_extractor(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(TEXTS / "pipeline_quantum_note.txt", corpus / "note.txt")
    db = tmp_path / "tracker.duckdb"

    # An older extractor that could not read distances yet.
    def older_extractor(documents, *budget):
        records, failures = extract_documents(documents, *budget)
        return [r for r in records if r.unit != "km"], failures

    monkeypatch.setattr(flows.ingest, "extract_documents", older_extractor)
    monkeypatch.setattr(flows.ingest, "EXTRACTOR_VERSION", "0.9-older")
    ingest(seeds_dir=corpus, db_path=db)
    monkeypatch.undo()

    result = replay(db_path=db)
    snapshot_id, changes = result.snapshot_id, result.changes

    km = [r for r in extract_indicators((corpus / "note.txt").read_text(encoding="utf-8"), "note.txt") if r.unit == "km"]
    assert km, "the test text states a distance"
    assert [(c.change, c.indicator, c.new_value, c.cause) for c in changes] == [
        ("added", r.indicator, r.value, "extractor") for r in km]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select cause from snapshots where snapshot_id = $s", {"s": snapshot_id}).fetchall() == [
            ("extractor",)]
        versions = con.execute("select extractor_version, open_cause, count(*) from indicator_versions "
                               "group by all order by 1").fetchall()
    older_count = len(extract_indicators((corpus / "note.txt").read_text(encoding="utf-8"), "note.txt")) - len(km)
    assert versions == sorted([("0.9-older", "source", older_count), (EXTRACTOR_VERSION, "extractor", len(km))])


def test_replay_with_the_same_extractor_changes_nothing(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(TEXTS / "pipeline_budget_brief.txt", corpus / "brief.txt")
    db = tmp_path / "tracker.duckdb"
    ingest(seeds_dir=corpus, db_path=db)
    changes = replay(db_path=db).changes
    assert changes == []
