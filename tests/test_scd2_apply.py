"""The SCD2 apply, narrated: runs of store.commit_snapshot on small data, the whole history asserted.

Each run re-reads some sources; their records are numbered against the current versions the way
the flow does it (diff.number_mentions), then committed. No Prefect needed.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from tracker.diff import number_mentions
from tracker.models import Document, IndicatorRecord
from warehouse import store

CURRENT, CLOSED = "current", "closed"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)


def rd(value: float | None, period: str | None, kind: str = "measurement", indicator: str = "rd_intensity",
       subject: str = "China", source_id: str = "001.txt") -> IndicatorRecord:
    unit = None if value is None else "percent"
    text = f"{value}%" if value is not None else f"by {period}"
    return IndicatorRecord(source_id=source_id, indicator=indicator, label="R&D spending as share of GDP",
                           subject=subject, kind=kind, value=value, unit=unit, period=period, topic="rd_funding",
                           value_text=text, evidence=f"R&D reached {text} in {period}.", char_start=12,
                           char_end=12 + len(text), value_precision=0.1 if value is not None else None)


class Warehouse:
    """A real DuckDB file in tmp_path, and the runs made against it."""

    def __init__(self, path: Path):
        self.path = path
        self.runs = 0

    def run(self, **sources: list[IndicatorRecord]) -> list:
        """One run that re-read the named sources (keyword = source id without '.txt')."""
        self.runs += 1
        at = T0 + timedelta(days=self.runs)
        source_ids = [f"{name}.txt" for name in sources]
        records = [record for name, rows in sources.items() for record in rows]
        current = store.current_mentions(self.path, source_ids) if self.path.exists() else []
        documents = [Document(source_id=s, content_hash=f"{s}:{self.runs}", text=f"text of {s}") for s in source_ids]
        snapshot = store.SnapshotInput(
            run_id=f"run-{self.runs}", created_at=at, extractor_version="test", cause="source",
            read_documents=documents, reextracted_source_ids=source_ids,
            records=number_mentions(records, current), failures=[], counts={"sources_changed": len(source_ids)},
            locations={s: f"seeds/{s}" for s in source_ids})
        _, changes = store.commit_snapshot(self.path, snapshot)
        return [(c.change, c.old_value, c.new_value, c.old_period, c.new_period) for c in changes]

    def versions(self, indicator: str = "rd_intensity") -> list[tuple]:
        """The whole history of an indicator: (source, subject, mention, value, period, kind, state, opened, closed)."""
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            rows = con.execute(
                """
                select source_id, subject, mention, value, period, kind,
                       case when valid_to is null then 'current' else 'closed' end,
                       opened_snapshot, closed_snapshot, valid_from < coalesce(valid_to, 'infinity'::timestamptz)
                from indicator_versions
                where indicator = $indicator
                order by version_id
                """, {"indicator": indicator}).fetchall()
        finally:
            con.close()
        assert all(row[-1] for row in rows), "every version must be valid for a positive span"
        return [row[:-1] for row in rows]

    def changes_view(self, snapshot_id: int) -> list[tuple]:
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return con.execute(
                """
                select change, old_value, new_value, old_period, new_period, old_kind, new_kind
                from indicator_changes
                where snapshot_id = $snapshot_id
                order by source_id, indicator, subject, mention
                """, {"snapshot_id": snapshot_id}).fetchall()
        finally:
            con.close()


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "tracker.duckdb")


def test_value_shift_closes_old_version_and_opens_new(warehouse):
    assert warehouse.run(**{"001": [rd(2.4, "2023")]}) == [("added", None, 2.4, None, "2023")]
    # The report is revised: same year, new figure
    assert warehouse.run(**{"001": [rd(2.6, "2023")]}) == [("shifted", 2.4, 2.6, "2023", "2023")]
    assert warehouse.versions() == [
        ("001.txt", "China", 1, 2.4, "2023", "measurement", CLOSED, 1, 2),
        ("001.txt", "China", 1, 2.6, "2023", "measurement", CURRENT, 2, None),
    ]
    assert warehouse.changes_view(2) == [("shifted", 2.4, 2.6, "2023", "2023", "measurement", "measurement")]


def test_moved_deadline_is_a_shifted_target_not_a_removal(warehouse):
    warehouse.run(**{"001": [rd(None, "2027", kind="target")]})
    # "a constellation by 2027" now says "by 2030"
    assert warehouse.run(**{"001": [rd(None, "2030", kind="target")]}) == [("shifted", None, None, "2027", "2030")]
    assert warehouse.versions() == [
        ("001.txt", "China", 1, None, "2027", "target", CLOSED, 1, 2),
        ("001.txt", "China", 1, None, "2030", "target", CURRENT, 2, None),
    ]
    assert warehouse.changes_view(2) == [("shifted", None, None, "2027", "2030", "target", "target")]


def test_target_that_became_a_milestone_is_shifted(warehouse):
    warehouse.run(**{"001": [rd(None, "2024", kind="target")]})
    warehouse.run(**{"001": [rd(None, "2024", kind="milestone")]})
    assert warehouse.changes_view(2) == [("shifted", None, None, "2024", "2024", "target", "milestone")]
    assert [v[5:7] for v in warehouse.versions()] == [("target", CLOSED), ("milestone", CURRENT)]


def test_record_no_longer_stated_is_removed_and_the_rest_untouched(warehouse):
    warehouse.run(**{"001": [rd(2.4, "2023"), rd(2.1, "2023", indicator="basic_research_share")]})
    # The re-read source drops the basic-research figure; R&D intensity is restated unchanged
    assert warehouse.run(**{"001": [rd(2.4, "2023")]}) == [("removed", 2.1, None, "2023", None)]
    assert warehouse.versions() == [("001.txt", "China", 1, 2.4, "2023", "measurement", CURRENT, 1, None)]
    assert warehouse.versions("basic_research_share") == [
        ("001.txt", "China", 1, 2.1, "2023", "measurement", CLOSED, 1, 2),
    ]
    assert warehouse.changes_view(2) == [("removed", 2.1, None, "2023", None, "measurement", None)]


def test_rerun_without_change_adds_no_version(warehouse):
    warehouse.run(**{"001": [rd(2.4, "2020"), rd(2.6, "2023")], "002": [rd(2.5, "2023", source_id="002.txt")]})
    before = warehouse.versions()
    assert warehouse.run(**{"001": [rd(2.4, "2020"), rd(2.6, "2023")], "002": [rd(2.5, "2023", source_id="002.txt")]}) == []
    assert warehouse.versions() == before == [
        ("001.txt", "China", 1, 2.4, "2020", "measurement", CURRENT, 1, None),
        ("001.txt", "China", 2, 2.6, "2023", "measurement", CURRENT, 1, None),
        ("002.txt", "China", 1, 2.5, "2023", "measurement", CURRENT, 1, None),
    ]
    assert warehouse.changes_view(2) == []


def test_second_mention_shifts_alone_and_other_sources_stay_current(warehouse):
    warehouse.run(**{"001": [rd(2.4, "2020"), rd(2.6, "2023")], "002": [rd(2.5, "2023", source_id="002.txt")]})
    # Only source 001 is re-read; its 2023 figure is revised, its 2020 figure restated
    assert warehouse.run(**{"001": [rd(2.4, "2020"), rd(2.65, "2023")]}) == [("shifted", 2.6, 2.65, "2023", "2023")]
    assert warehouse.versions() == [
        ("001.txt", "China", 1, 2.4, "2020", "measurement", CURRENT, 1, None),
        ("001.txt", "China", 2, 2.6, "2023", "measurement", CLOSED, 1, 2),
        ("002.txt", "China", 1, 2.5, "2023", "measurement", CURRENT, 1, None),
        ("001.txt", "China", 2, 2.65, "2023", "measurement", CURRENT, 2, None),
    ]


def test_history_as_of_and_changes_since_follow_the_runs(warehouse):
    warehouse.run(**{"001": [rd(2.4, "2023")]})
    warehouse.run(**{"001": [rd(2.6, "2023")]})
    warehouse.run(**{"001": []})
    between = T0 + timedelta(days=2, hours=12)
    assert [(v["value"], v["opened_snapshot"]) for v in store.history(warehouse.path, "rd_intensity", as_of=between)] \
        == [(2.6, 2)]
    assert [v["value"] for v in store.history(warehouse.path, "rd_intensity")] == [2.4, 2.6]
    assert [(c.snapshot_id, c.change, c.old_value, c.new_value) for c in store.changes_since(warehouse.path, 1)] == [
        (2, "shifted", 2.4, 2.6), (3, "removed", 2.6, None)]
    assert [c.change for c in store.changes_since(warehouse.path, None)] == ["removed"]


def documents_and_state(path: Path) -> tuple[list[tuple], list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        documents = con.execute(
            "select source_id, content_hash, first_snapshot_id from documents order by first_snapshot_id, source_id"
        ).fetchall()
        state = con.execute("select source_id, content_hash from source_state order by source_id").fetchall()
        archive = con.execute("select count(*), count(distinct content_hash) from document_archive").fetchall()[0]
    finally:
        con.close()
    assert archive[0] == archive[1], "one archived body per content hash"
    return documents, state


def test_each_document_version_is_stored_once_and_source_state_follows_the_last_read(warehouse):
    warehouse.run(**{"001": [rd(2.4, "2023")], "002": []})
    warehouse.run(**{"001": [rd(2.6, "2023")]})
    documents, state = documents_and_state(warehouse.path)
    assert documents == [("001.txt", "001.txt:1", 1), ("002.txt", "002.txt:1", 1), ("001.txt", "001.txt:2", 2)]
    assert state == [("001.txt", "001.txt:2"), ("002.txt", "002.txt:1")]


def test_same_document_read_again_adds_no_document_row(warehouse):
    warehouse.run(**{"001": [rd(2.4, "2023")]})
    warehouse.runs = 0  # the next run's document has the same content hash, "001.txt:1"
    warehouse.run(**{"001": [rd(2.4, "2023")]})
    documents, state = documents_and_state(warehouse.path)
    assert documents == [("001.txt", "001.txt:1", 1)]
    assert state == [("001.txt", "001.txt:1")]


def test_warehouse_made_with_primary_keys_still_applies(warehouse):
    # Warehouses created before the keys were dropped keep them: the same statements must work there
    con = duckdb.connect(str(warehouse.path))
    con.execute(
        """
        create table documents (source_id varchar not null, content_hash varchar not null,
            media_type varchar not null, byte_size bigint not null, raw_text varchar not null,
            first_seen_at timestamptz not null, first_snapshot_id integer not null,
            primary key (source_id, content_hash));
        create table document_archive (content_hash varchar primary key, raw_bytes blob not null);
        create table source_state (source_id varchar primary key, location varchar not null,
            content_hash varchar, etag varchar, last_modified varchar, last_read_at timestamptz,
            retired_at timestamptz);
        """)
    con.close()
    warehouse.run(**{"001": [rd(2.4, "2023")]})
    warehouse.run(**{"001": [rd(2.6, "2023")]})
    assert [v[3] for v in warehouse.versions()] == [2.4, 2.6]
    assert documents_and_state(warehouse.path)[1] == [("001.txt", "001.txt:2")]


def _corrupt(path: Path, sql: str) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(sql)
    finally:
        con.close()


def _snapshot_count(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select count(*) from snapshots").fetchall()[0][0]
    finally:
        con.close()


def test_two_current_versions_of_a_key_roll_the_run_back(warehouse):
    warehouse.run(**{"001": [rd(2.4, "2023")]})
    _corrupt(warehouse.path, "insert into indicator_versions select * replace (version_id + 100 as version_id) "
                             "from indicator_versions")
    with pytest.raises(store.IntegrityViolation) as failed:
        warehouse.run(**{"001": [rd(2.4, "2023")]})
    assert failed.value.check == "one_current_version"
    assert _snapshot_count(warehouse.path) == 1


def test_new_version_overlapping_a_later_closed_one_rolls_the_run_back(warehouse):
    warehouse.run(**{"001": [rd(2.4, "2023")]})
    # a closed version of the same key valid until far after the next run
    _corrupt(warehouse.path, "insert into indicator_versions select * replace (version_id + 100 as version_id, "
                             "timestamptz '2100-01-01' as valid_to, 1 as closed_snapshot) from indicator_versions")
    with pytest.raises(store.IntegrityViolation) as failed:
        warehouse.run(**{"001": [rd(2.6, "2023")]})
    assert failed.value.check == "no_overlap"
    assert _snapshot_count(warehouse.path) == 1
    assert [v[3] for v in warehouse.versions()] == [2.4, 2.4]


def test_history_filters_by_subject(warehouse):
    warehouse.run(**{"001": [rd(2.4, "2023"), rd(3.5, "2023", subject="United States")]})
    assert [(v["subject"], v["value"]) for v in store.history(warehouse.path, "rd_intensity", subject="China")] \
        == [("China", 2.4)]
    assert [v["subject"] for v in store.history(warehouse.path, "rd_intensity")] == ["China", "United States"]


def test_changes_since_reads_the_view_snapshot_by_snapshot(warehouse):
    warehouse.run(**{"001": [rd(2.4, "2020"), rd(2.6, "2023")], "002": [rd(None, "2027", kind="target", source_id="002.txt")]})
    warehouse.run(**{"001": [rd(2.4, "2020"), rd(2.7, "2023")], "002": [rd(None, "2030", kind="target", source_id="002.txt")]})
    warehouse.run(**{"001": [rd(2.7, "2023"), rd(1.1, "2023", indicator="basic_research_share")]})
    warehouse.run(**{"002": []})
    by_snapshot = [(c.snapshot_id, c.indicator, c.change, c.old_value, c.new_value, c.old_period, c.new_period)
                   for c in store.changes_since(warehouse.path, 0)]
    assert by_snapshot == [
        (1, "rd_intensity", "added", None, 2.4, None, "2020"),
        (1, "rd_intensity", "added", None, 2.6, None, "2023"),
        (1, "rd_intensity", "added", None, None, None, "2027"),
        (2, "rd_intensity", "shifted", 2.6, 2.7, "2023", "2023"),
        (2, "rd_intensity", "shifted", None, None, "2027", "2030"),
        (3, "basic_research_share", "added", None, 1.1, None, "2023"),
        (3, "rd_intensity", "removed", 2.4, None, "2020", None),
        (4, "rd_intensity", "removed", None, None, "2030", None),
    ]
    assert [c.snapshot_id for c in store.changes_since(warehouse.path, 2)] == [3, 3, 4]
    assert [c.snapshot_id for c in store.changes_since(warehouse.path, 4)] == []
    assert [c.change for c in store.changes_since(warehouse.path, None)] == ["removed"]


def test_decimal_and_integer_values_are_stored_as_floats(warehouse):
    from decimal import Decimal

    warehouse.run(**{"001": [rd(Decimal("2.4"), "2023"), rd(3, "2024", indicator="basic_research_share")]})
    warehouse.run(**{"001": [rd(2.4, "2023"), rd(3.0, "2024", indicator="basic_research_share")]})
    assert warehouse.versions() == [("001.txt", "China", 1, 2.4, "2023", "measurement", CURRENT, 1, None)]
    assert warehouse.versions("basic_research_share") == [
        ("001.txt", "China", 1, 3.0, "2024", "measurement", CURRENT, 1, None)]


def test_figures_stated_without_a_precision_compare_across_sources_without_dividing_by_zero(warehouse):
    from dataclasses import replace

    # A precision of none (a figure written as a word, say) must not make the rounding-aware
    # comparisons of the views divide by zero (DuckDB's 1.0 / 0 is inf, which no decimal holds)
    warehouse.run(a=[replace(rd(2.4, "2024", source_id="a.txt"), value_precision=None)])
    warehouse.run(b=[replace(rd(2.6, "2024", source_id="b.txt"), value_precision=0.0)])
    revisions = store.revisions_since(warehouse.path, 0)
    assert [(r.source_id, r.old_value, r.new_value) for r in revisions] == [("b.txt", 2.4, 2.6)]
    assert [(c["source_a"], c["status"]) for c in store.conflicts(warehouse.path)] == [("a.txt", "conflicting")]
