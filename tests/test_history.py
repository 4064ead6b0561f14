"""Versioned history (CONTRACT section 2): narrate snapshots, assert the whole history.

Records are made by hand so these tests pin the SCD2 apply and the mention pairing, whatever
the extractor reads; tests/test_pipeline.py covers the same through real flow runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from tracker.diff import number_mentions
from tracker.models import Document, IndicatorRecord
from tracker.sources import content_hash
from warehouse import store

CURRENT, CLOSED = "current", "closed"
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def record(indicator="rd_intensity", value=2.4, unit="percent", period="2023", kind="measurement",
           subject="China", source_id="plan.txt", value_text=None) -> IndicatorRecord:
    text = value_text or (f"{value}%" if value is not None else f"by {period}")
    return IndicatorRecord(source_id=source_id, indicator=indicator, label=indicator.replace("_", " "),
                           subject=subject, kind=kind, value=value, unit=unit, period=period, topic="general",
                           value_text=text, evidence=f"It says {text}.", char_start=8, char_end=8 + len(text),
                           value_precision=precision_of(text) if value is not None else None)


def precision_of(value_text: str) -> float:
    digits = value_text.rstrip("%").partition(".")[2]
    return 10.0 ** -len(digits) if digits else 1.0


class Warehouse:
    """Commits snapshots the way the ingest flow does: number mentions, then one transaction."""

    def __init__(self, db_path):
        self.db_path = db_path
        self.runs = 0

    def read(self, source_id: str, *records: IndicatorRecord, text: str | None = None) -> int:
        self.runs += 1
        body = text if text is not None else f"run {self.runs}: " + " ".join(r.value_text for r in records)
        doc = Document(source_id=source_id, content_hash=content_hash(body.encode()), text=body, raw=body.encode())
        numbered = number_mentions(list(records), store.current_mentions(self.db_path, [source_id]))
        snapshot = store.SnapshotInput(
            run_id=f"run-{self.runs}", created_at=T0 + timedelta(days=self.runs), extractor_version="test",
            cause="source", read_documents=[doc], reextracted_source_ids=[source_id], records=numbered,
            failures=[], counts={}, locations={source_id: source_id})
        snapshot_id, _ = store.commit_snapshot(self.db_path, snapshot)
        return snapshot_id

    def versions(self, indicator="rd_intensity"):
        return [(row["value"], row["period"], row["kind"], CLOSED if row["valid_to"] else CURRENT)
                for row in store.history(self.db_path, indicator)]

    def changes(self):
        return [(c.change, c.old_value, c.new_value, c.old_period, c.new_period)
                for c in store.changes_since(self.db_path, None)]


@pytest.fixture
def warehouse(tmp_path):
    return Warehouse(tmp_path / "tracker.duckdb")


def test_value_shift_closes_old_version(warehouse):
    warehouse.read("plan.txt", record(value=2.4))
    warehouse.read("plan.txt", record(value=2.6))
    assert warehouse.versions() == [(2.4, "2023", "measurement", CLOSED), (2.6, "2023", "measurement", CURRENT)]
    assert warehouse.changes() == [("shifted", 2.4, 2.6, "2023", "2023")]


def test_moved_deadline_is_one_shifted_target(warehouse):
    target = dict(indicator="quantum_constellation", value=None, unit=None, kind="target")
    warehouse.read("plan.txt", record(**target, period="2027"))
    warehouse.read("plan.txt", record(**target, period="2030"))
    assert warehouse.versions("quantum_constellation") == [
        (None, "2027", "target", CLOSED), (None, "2030", "target", CURRENT)]
    assert warehouse.changes() == [("shifted", None, None, "2027", "2030")]


def test_target_that_became_milestone_is_shifted(warehouse):
    event = dict(indicator="quantum_constellation", value=None, unit=None, period="2027")
    warehouse.read("plan.txt", record(**event, kind="target"))
    warehouse.read("plan.txt", record(**event, kind="milestone"))
    assert warehouse.versions("quantum_constellation") == [
        (None, "2027", "target", CLOSED), (None, "2027", "milestone", CURRENT)]
    change = store.changes_since(warehouse.db_path, None)[0]
    assert (change.change, change.old_kind, change.new_kind) == ("shifted", "target", "milestone")


def test_new_claim_is_added(warehouse):
    warehouse.read("plan.txt", record(value=2.4))
    warehouse.read("plan.txt", record(value=2.4), record(indicator="st_budget_central", value=3.9e11, unit="CNY",
                                                          period="2025", value_text="¥390 billion"))
    assert warehouse.versions() == [(2.4, "2023", "measurement", CURRENT)]
    assert warehouse.changes() == [("added", None, 3.9e11, None, "2025")]


def test_claim_gone_from_reread_source_is_removed(warehouse):
    warehouse.read("plan.txt", record(value=2.4), record(indicator="patents", value=5.0, unit="count", period=None))
    warehouse.read("plan.txt", record(value=2.4))
    assert warehouse.versions("patents") == [(5.0, None, "measurement", CLOSED)]
    assert warehouse.changes() == [("removed", 5.0, None, None, None)]


def test_same_indicator_twice_pairs_by_period(warehouse):
    warehouse.read("plan.txt", record(value=2.4, period="2020"), record(value=2.6, period="2023"))
    # Stated in the other order, and only the 2023 figure moved: one shift, the 2020 one untouched.
    warehouse.read("plan.txt", record(value=2.7, period="2023"), record(value=2.4, period="2020"))
    assert warehouse.versions() == [
        (2.4, "2020", "measurement", CURRENT),
        (2.6, "2023", "measurement", CLOSED),
        (2.7, "2023", "measurement", CURRENT),
    ]
    assert warehouse.changes() == [("shifted", 2.6, 2.7, "2023", "2023")]


def test_identical_reread_makes_no_version(warehouse):
    warehouse.read("plan.txt", record(value=2.4), text="R&D reached 2.4% of GDP in 2023.")
    warehouse.read("plan.txt", record(value=2.4), text="R&D  reached 2.4% of GDP\nin 2023.")
    assert warehouse.versions() == [(2.4, "2023", "measurement", CURRENT)]
    # The re-read changed nothing: the latest changes are still the first read's
    assert warehouse.changes() == [("added", None, 2.4, None, "2023")]


def test_retired_source_closes_its_records(warehouse):
    warehouse.read("plan.txt", record(value=2.4))
    warehouse.read("other.txt", record(value=2.5, source_id="other.txt"))
    snapshot_id, changes = store.retire_source(warehouse.db_path, "plan.txt", run_id=None, extractor_version="test")
    assert [(c.source_id, c.change, c.old_value) for c in changes] == [("plan.txt", "removed", 2.4)]
    assert [(r["source_id"], r["valid_to"] is None) for r in store.history(warehouse.db_path, "rd_intensity")] == [
        ("plan.txt", False), ("other.txt", True)]


def test_as_of_returns_versions_valid_then(warehouse):
    warehouse.read("plan.txt", record(value=2.4))
    warehouse.read("plan.txt", record(value=2.6))
    before_shift = T0 + timedelta(days=1, hours=12)
    assert [r["value"] for r in store.history(warehouse.db_path, "rd_intensity", as_of=before_shift)] == [2.4]
    assert [r["value"] for r in store.history(warehouse.db_path, "rd_intensity", as_of=T0 + timedelta(days=3))] == [2.6]
    assert store.history(warehouse.db_path, "rd_intensity", as_of=T0) == []


def test_changes_since_snapshot_lists_every_later_change(warehouse):
    first = warehouse.read("plan.txt", record(value=2.4))
    warehouse.read("plan.txt", record(value=2.5))
    warehouse.read("plan.txt", record(value=2.6))
    assert [(c.snapshot_id, c.old_value, c.new_value) for c in store.changes_since(warehouse.db_path, first)] == [
        (first + 1, 2.4, 2.5), (first + 2, 2.5, 2.6)]


def test_rounding_agreement_is_consistent_not_conflicting(warehouse):
    warehouse.read("a.txt", record(source_id="a.txt", value=2.6))
    warehouse.read("b.txt", record(source_id="b.txt", value=2.64, value_text="2.64%"))
    warehouse.read("c.txt", record(source_id="c.txt", value=2.65, value_text="2.65%"))
    rows = store.conflicts(warehouse.db_path, include_consistent=True)
    assert [(r["source_a"], r["source_b"], r["status"]) for r in rows] == [
        ("a.txt", "b.txt", "consistent"), ("a.txt", "c.txt", "conflicting"), ("b.txt", "c.txt", "conflicting")]
    assert len(store.conflicts(warehouse.db_path)) == 2


def test_history_guarantee_violation_rolls_back(warehouse):
    warehouse.read("plan.txt", record(value=2.4))
    with duckdb.connect(str(warehouse.db_path)) as con:  # corrupt history behind the store's back
        con.execute("insert into indicator_versions select * replace (nextval('version_id_seq') as version_id) "
                    "from indicator_versions")
    snapshots_before = store.latest_snapshot_id(warehouse.db_path)
    with pytest.raises(store.IntegrityViolation, match="one_current_version"):
        warehouse.read("plan.txt", record(value=2.4), text="Reworded: R&D hit 2.4% of GDP in 2023.")
    assert store.latest_snapshot_id(warehouse.db_path) == snapshots_before
