"""Identity merges (CONTRACT sections 2-4): `tracker alias`, `tracker indicators [--suggest]`, and
every view reading the merged key.

The pipeline tests run `tracker` as a user does (in-process, so flows run under the session's
Prefect harness) on small texts written here; keys the extractor derives are read back from the
warehouse, never assumed. The merge-rule tests commit hand-made records (tests/test_history.py's
narrated warehouse) so their keys stay what the test names.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

import flows.ingest
from tests.test_history import Warehouse, record
from tests.cli import query, tracker, tracker_json
from tracker.extract import extract_indicators

A_TEXT = "Research spending update\n\nChina's R&D intensity reached 2.64% in 2023, the statistics bureau said.\n"
B_TEXT = "Funding note\n\nThe government share of R&D funding reached 2.7% in 2023, the ministry said.\n"





def corpus_of(tmp_path: Path, **texts: str) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def key_of(db: Path, source_id: str, value: float) -> str:
    """The key the extractor gave a source's statement of this value."""
    rows = query(db, "select distinct extracted_indicator from indicators_current where source_id = $s and value = $v",
                 {"s": source_id, "v": value})
    assert len(rows) == 1, f"{source_id} should state {value} once: {rows}"
    return rows[0][0]



# --- through the pipeline ------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_backend")
def test_alias_merges_two_sources_keys_into_one_concept_with_its_conflict(capsys, tmp_path, db):
    corpus = corpus_of(tmp_path, a=A_TEXT, b=B_TEXT)
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    key_a, key_b = key_of(db, "a.txt", 2.64), key_of(db, "b.txt", 2.7)
    assert key_a == "rd_intensity" and key_b != key_a, "the two texts must give two keys for the test to mean anything"
    assert tracker_json(capsys, "conflicts", "--all", "--db", db) == []

    code, out, err = tracker(capsys, "alias", key_b, key_a, "--db", db, "--note", "same concept")
    assert (code, err) == (0, "")
    assert out.startswith(f"Merged {key_b} into {key_a} (every subject's records)")

    # The merged key in the view; the extracted key kept beside it.
    assert query(db, "select source_id, indicator, extracted_indicator from indicators_current "
                     "where value in (2.64, 2.7) order by source_id") == [
        ("a.txt", key_a, key_a), ("b.txt", key_a, key_b)]
    listed = {row["indicator"]: row for row in tracker_json(capsys, "indicators", "--db", db)}
    assert key_b not in listed
    assert {k: listed[key_a][k] for k in ("sources", "statements", "extracted_indicators", "subjects", "units",
                                          "latest_period")} == {
        "sources": 2, "statements": 2, "extracted_indicators": sorted([key_a, key_b]), "subjects": ["China"],
        "units": ["percent"], "latest_period": "2023"}
    conflicts = tracker_json(capsys, "conflicts", "--db", db)
    assert [(c["indicator"], c["subject"], c["kind"], c["unit"], c["period"], c["source_a"], c["value_a"],
             c["source_b"], c["value_b"], c["status"]) for c in conflicts] == [
        (key_a, "China", "measurement", "percent", "2023", "a.txt", 2.64, "b.txt", 2.7, "conflicting")]
    code, out, _ = tracker(capsys, "conflicts", "--db", db)
    assert out == f"conflicting: {key_a} (China, measurement, 2023): a.txt says 2.64%, b.txt says 2.7%\n"
    # history of the merged key finds both keys' versions; the raw key points to where it went
    history = tracker_json(capsys, "history", key_a, "--db", db)
    assert [(v["source_id"], v["indicator"], v["extracted_indicator"], v["value"]) for v in history] == [
        ("a.txt", key_a, key_a, 2.64), ("b.txt", key_a, key_b, 2.7)]
    code, out, _ = tracker(capsys, "history", key_b, "--db", db)
    assert out == f"No versions of {key_b}. It is merged into {key_a} (every subject): see `tracker alias --list`.\n"
    assert {c["indicator"] for c in tracker_json(capsys, "changes", "--since", "0", "--db", db)
            if c["source_id"] == "b.txt"} == {key_a}
    aliases = tracker_json(capsys, "alias", "--list", "--db", db)
    assert [(a["from_indicator"], a["to_indicator"], a["subject"], a["note"]) for a in aliases] == [
        (key_b, key_a, None, "same concept")]

    # A later run's own changes (the run summary, alerts) speak of the merged key too.
    (corpus / "b.txt").write_text(B_TEXT.replace("2.7%", "2.8%"), encoding="utf-8")
    summary = tracker_json(capsys, "run", "--seeds", corpus, "--db", db)
    assert [(c["indicator"], c["change"], c["old_value"], c["new_value"]) for c in summary["changes"]] == [
        (key_a, "shifted", 2.7, 2.8)]

    code, out, _ = tracker(capsys, "alias", "--remove", key_b, "--db", db)
    assert (code, out) == (0, f"Removed alias {key_b} -> {key_a}: its records read as {key_b} again.\n")
    assert query(db, "select source_id, indicator from indicators_current where value in (2.64, 2.8) "
                     "order by source_id") == [("a.txt", key_a), ("b.txt", key_b)]
    assert tracker_json(capsys, "conflicts", "--all", "--db", db) == []


@pytest.mark.usefixtures("prefect_backend")
def test_figures_in_different_currencies_are_not_a_conflict(capsys, tmp_path, db):
    corpus = corpus_of(
        tmp_path,
        c="Chip note\n\nSemiconductor imports reached $349.4 billion in 2023, officials said.\n",
        d="Trade note\n\nChina imported chips worth ¥2.5 trillion in 2023, customs data showed.\n")
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    key_c, key_d = key_of(db, "c.txt", 349.4e9), key_of(db, "d.txt", 2.5e12)
    if key_c != key_d:
        tracker(capsys, "alias", key_d, key_c, "--db", db)
    assert query(db, "select distinct indicator, unit from indicators_current order by unit") == [
        (key_c, "CNY"), (key_c, "USD")]
    assert tracker_json(capsys, "conflicts", "--all", "--db", db) == []


@pytest.mark.usefixtures("prefect_backend")
def test_alias_made_before_a_replay_applies_to_what_the_replay_reads(capsys, tmp_path, db, monkeypatch):
    corpus = corpus_of(tmp_path, a=A_TEXT, b=B_TEXT)

    # An older extractor: it missed a.txt's R&D figure and misread b.txt's as 2.0.
    def older_extractor(documents, *budget):
        records = [r for doc in documents for r in extract_indicators(doc.text, doc.source_id)]
        return [dataclasses.replace(r, value=2.0) if r.value == 2.7 else r
                for r in records if not (r.source_id == "a.txt" and r.value == 2.64)], []

    monkeypatch.setattr(flows.ingest, "extract_documents", older_extractor)
    monkeypatch.setattr(flows.ingest, "EXTRACTOR_VERSION", "0.9-older")
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    monkeypatch.undo()
    key_b = key_of(db, "b.txt", 2.0)
    key_a = "rd_intensity"
    assert key_b != key_a
    assert tracker(capsys, "alias", key_b, key_a, "--db", db)[0] == 0

    replayed = tracker_json(capsys, "replay", "--db", db)
    assert sorted((c["source_id"], c["indicator"], c["change"], c["old_value"], c["new_value"], c["cause"])
                  for c in replayed["changes"]) == [
        ("a.txt", key_a, "added", None, 2.64, "extractor"),
        ("b.txt", key_a, "shifted", 2.0, 2.7, "extractor")]
    # The SCD2 identity stays the extracted key; the views read it merged.
    assert query(db, "select indicator, value, open_cause from indicator_versions where source_id = 'b.txt' "
                     "and valid_to is null and value = 2.7") == [(key_b, 2.7, "extractor")]
    assert query(db, "select source_id, indicator, extracted_indicator, value from indicators_current "
                     "where value in (2.64, 2.7) order by source_id") == [
        ("a.txt", key_a, key_a, 2.64), ("b.txt", key_a, key_b, 2.7)]
    assert [(c["source_a"], c["source_b"], c["status"]) for c in tracker_json(capsys, "conflicts", "--db", db)] == [
        ("a.txt", "b.txt", "conflicting")]
    assert [a["from_indicator"] for a in tracker_json(capsys, "alias", "--list", "--db", db)] == [key_b]


# --- the merge rules, on hand-made records ----------------------------------------------------


@pytest.fixture
def warehouse(tmp_path):
    return Warehouse(tmp_path / "tracker.duckdb")


def keys_by_subject(db: Path) -> list[tuple]:
    return query(db, "select subject, extracted_indicator, indicator from indicators_current order by all")


def test_subject_alias_wins_over_the_general_one(capsys, warehouse):
    db = warehouse.db_path
    warehouse.read("a.txt", record(indicator="rd_gdp_share", subject="China", source_id="a.txt"),
                   record(indicator="rd_gdp_share", subject="EU", source_id="a.txt", value=2.2))
    assert tracker(capsys, "alias", "rd_gdp_share", "rd_intensity", "--subject", "China", "--db", db)[0] == 0
    assert keys_by_subject(db) == [("China", "rd_gdp_share", "rd_intensity"), ("EU", "rd_gdp_share", "rd_gdp_share")]
    assert tracker(capsys, "alias", "rd_gdp_share", "gerd_share", "--db", db)[0] == 0
    assert keys_by_subject(db) == [("China", "rd_gdp_share", "rd_intensity"), ("EU", "rd_gdp_share", "gerd_share")]
    assert [(v["subject"], v["indicator"]) for v in tracker_json(capsys, "history", "gerd_share", "--db", db)] == [
        ("EU", "gerd_share")]
    code, out, _ = tracker(capsys, "alias", "--list", "--db", db)
    assert [line.split("  by ")[0] for line in out.splitlines()] == [
        "rd_gdp_share -> gerd_share", "rd_gdp_share -> rd_intensity (for China)"]

    code, _, err = tracker(capsys, "alias", "--remove", "rd_gdp_share", "--subject", "EU", "--db", db)
    assert (code, err) == (2, "Error: no alias of rd_gdp_share for EU; see `tracker alias --list` (no_such_alias)\n")
    assert tracker(capsys, "alias", "--remove", "rd_gdp_share", "--subject", "China", "--db", db)[0] == 0
    assert keys_by_subject(db) == [("China", "rd_gdp_share", "gerd_share"), ("EU", "rd_gdp_share", "gerd_share")]


def test_chain_of_merges_resolves_to_its_end(capsys, warehouse):
    db = warehouse.db_path
    warehouse.read("a.txt", record(indicator="rd_share_gdp", source_id="a.txt"))
    warehouse.read("b.txt", record(indicator="rd_gdp_share", source_id="b.txt", value=2.5))
    assert tracker(capsys, "alias", "rd_share_gdp", "rd_gdp_share", "--db", db)[0] == 0
    assert tracker(capsys, "alias", "rd_gdp_share", "rd_intensity", "--db", db)[0] == 0
    assert keys_by_subject(db) == [("China", "rd_gdp_share", "rd_intensity"), ("China", "rd_share_gdp", "rd_intensity")]
    assert [v["source_id"] for v in tracker_json(capsys, "history", "rd_intensity", "--db", db)] == ["a.txt", "b.txt"]


def test_cycle_unknown_key_and_self_merge_are_refused(capsys, warehouse):
    db = warehouse.db_path
    warehouse.read("a.txt", record(indicator="rd_share_gdp", source_id="a.txt"),
                   record(indicator="rd_gdp_share", source_id="a.txt", subject="EU", value=2.2))
    assert tracker(capsys, "alias", "rd_share_gdp", "rd_gdp_share", "--db", db)[0] == 0
    assert tracker(capsys, "alias", "rd_gdp_share", "rd_intensity", "--db", db)[0] == 0

    code, out, err = tracker(capsys, "alias", "rd_intensity", "rd_share_gdp", "--db", db)
    assert (code, out) == (2, "")
    assert err == ("Error: merging rd_intensity into rd_share_gdp would make a cycle: rd_gdp_share -> rd_intensity "
                   "-> rd_share_gdp -> rd_gdp_share; remove one of these aliases first (alias_cycle)\n")
    # A subject's own alias can close a cycle the general ones do not.
    code, _, err = tracker(capsys, "alias", "rd_gdp_share", "rd_share_gdp", "--subject", "EU", "--db", db)
    assert code == 2 and err.startswith("Error: merging rd_gdp_share into rd_share_gdp for EU would make a cycle: ")
    code, _, err = tracker(capsys, "alias", "rd_intensty", "rd_intensity", "--db", db)
    assert (code, err) == (2, "Error: unknown indicator 'rd_intensty': the warehouse has no record of it; see "
                              "`tracker indicators` for the keys it knows (unknown_indicator)\n")
    code, _, err = tracker(capsys, "alias", "rd_share_gdp", "rd_intensity", "--subject", "Japan", "--db", db)
    assert (code, err) == (2, "Error: unknown indicator 'rd_share_gdp' for Japan: the warehouse has no record of it; "
                              "see `tracker indicators` for the keys it knows (unknown_indicator)\n")
    code, _, err = tracker(capsys, "alias", "rd_share_gdp", "rd_share_gdp", "--db", db)
    assert (code, err) == (2, "Error: cannot merge rd_share_gdp into itself: FROM and TO are the same (same_indicator)\n")
    code, _, err = tracker(capsys, "alias", "rd_share_gdp", "--db", db)
    assert (code, err) == (2, "Error: tracker alias FROM TO [--subject S]: name the key to merge into (TO)\n")
    assert [(a["from_indicator"], a["to_indicator"]) for a in tracker_json(capsys, "alias", "--list", "--db", db)] == [
        ("rd_gdp_share", "rd_intensity"), ("rd_share_gdp", "rd_gdp_share")]


def test_indicators_lists_keys_with_their_latest_statement(capsys, warehouse):
    db = warehouse.db_path
    warehouse.read("a.txt", record(source_id="a.txt", value=2.4, period="2020"),
                   record(source_id="a.txt", value=2.6, period="2023"),
                   record(indicator="qubits", source_id="a.txt", value=66.0, unit="count", period="2021",
                          value_text="66"))
    warehouse.read("b.txt", record(source_id="b.txt", value=2.7, period="2021-2025", kind="target"),
                   record(source_id="b.txt", subject="EU", value=2.2, period="2022"))
    rows = tracker_json(capsys, "indicators", "--db", db)
    assert [(r["indicator"], r["subjects"], r["sources"], r["statements"], r["latest_period"], r["latest_value"],
             r["latest_unit"], r["latest_kind"]) for r in rows] == [
        ("qubits", ["China"], 1, 1, "2021", 66.0, "count", "measurement"),
        ("rd_intensity", ["China", "EU"], 2, 4, "2021-2025", 2.7, "percent", "target")]
    assert [r["indicator"] for r in tracker_json(capsys, "indicators", "--subject", "EU", "--db", db)] == [
        "rd_intensity"]
    code, out, _ = tracker(capsys, "indicators", "--subject", "EU", "--db", db)
    assert out == "rd_intensity  «rd intensity»  EU  1 source(s), 1 statement(s)  latest [2022] 2.2 percent\n"
    assert tracker_json(capsys, "indicators", "--topic", "quantum", "--db", db) == []


def test_suggest_lists_a_near_duplicate_not_an_unrelated_or_merged_pair(capsys, warehouse):
    db = warehouse.db_path
    warehouse.read("a.txt", record(indicator="rd_spending_share_of_gdp", source_id="a.txt"),
                   record(indicator="quantum_computer_qubits", source_id="a.txt", value=66.0, unit="count",
                          period="2021", value_text="66"),
                   # one source stating both: it tells them apart
                   record(indicator="basic_research_share", source_id="a.txt", value=6.6, value_text="6.6%"),
                   record(indicator="applied_research_share", source_id="a.txt", value=11.0, value_text="11%"))
    warehouse.read("b.txt", record(indicator="rd_spending_gdp_share", source_id="b.txt", value=2.7),
                   record(indicator="rd_spending_growth", source_id="b.txt", value=8.7, value_text="8.7%"),
                   record(indicator="quantum_computing_qubit_count", source_id="b.txt", value=72.0, unit="count",
                          period="2021", value_text="72"),
                   record(indicator="superconducting_chip_count", source_id="b.txt", value=12.0, unit="count",
                          period="2021", value_text="12"),
                   record(indicator="basic_research_spend_share", source_id="b.txt", value=6.7, value_text="6.7%"))
    suggestions = tracker_json(capsys, "indicators", "--suggest", "--db", db)
    pairs = {frozenset((s["from_indicator"], s["to_indicator"])) for s in suggestions}
    assert frozenset(("rd_spending_share_of_gdp", "rd_spending_gdp_share")) in pairs
    assert frozenset(("quantum_computer_qubits", "quantum_computing_qubit_count")) in pairs
    # a growth rate is never a level's duplicate; unrelated wording is not suggested
    assert not any("rd_spending_growth" in p or "superconducting_chip_count" in p for p in pairs)
    assert frozenset(("basic_research_share", "applied_research_share")) not in pairs
    best = next(s for s in suggestions if s["to_indicator"] == "rd_spending_gdp_share")
    assert best["command"] == "tracker alias rd_spending_share_of_gdp rd_spending_gdp_share"
    assert 0.75 <= best["score"] <= 1.0 and best["unit"] == "percent" and best["family"] == "share"

    code, out, _ = tracker(capsys, "indicators", "--suggest", "--db", db)
    assert "      tracker alias rd_spending_share_of_gdp rd_spending_gdp_share\n" in out

    assert tracker(capsys, *best["command"].split()[1:], "--db", db)[0] == 0
    after = {frozenset((s["from_indicator"], s["to_indicator"]))
             for s in tracker_json(capsys, "indicators", "--suggest", "--db", db)}
    assert after == pairs - {frozenset(("rd_spending_share_of_gdp", "rd_spending_gdp_share"))}


def test_older_warehouse_gains_the_alias_table_on_first_use(capsys, warehouse):
    db = warehouse.db_path
    warehouse.read("a.txt", record(source_id="a.txt"))
    with duckdb.connect(str(db)) as con:  # the warehouse as the previous schema left it
        con.execute("drop view indicator_conflicts")
        con.execute("drop view indicators_current")
        con.execute("drop view indicator_changes")
        con.execute("drop view indicator_alias_map")
        con.execute("drop table indicator_aliases")
        con.execute("create view indicators_current as select * from indicator_versions where valid_to is null")
        con.execute("update warehouse_schema set schema_md5 = 'older'")
    from warehouse import store
    store._SCHEMA_APPLIED.clear()  # as in a new process

    assert [r["indicator"] for r in tracker_json(capsys, "indicators", "--db", db)] == ["rd_intensity"]
    assert query(db, "select count(*) from indicator_aliases") == [(0,)]
    assert tracker(capsys, "alias", "rd_intensity", "gerd_intensity", "--db", db)[0] == 0
    assert keys_by_subject(db) == [("China", "rd_intensity", "gerd_intensity")]


def test_report_shows_merged_keys_as_one_indicator(capsys, warehouse):
    from warehouse import store

    db = warehouse.db_path
    warehouse.read("a.txt", record(indicator="rd_gdp_share", source_id="a.txt"),
                   record(source_id="a.txt", value=2.5, value_text="2.5%"))
    warehouse.read("a.txt", record(indicator="rd_gdp_share", source_id="a.txt", value=2.6),
                   record(source_id="a.txt", value=2.5, value_text="2.5%"))
    assert tracker(capsys, "alias", "rd_gdp_share", "rd_intensity", "--db", db)[0] == 0
    report = store.load_report(db)
    assert [(r["indicator"], r["statements"], r["sources"], r["charted"])
            for r in report.indicators] == [("rd_intensity", 2, 1, True)]
    assert sorted((p["indicator"], p["value"]) for p in report.timeline_points) == [
        ("rd_intensity", 2.5), ("rd_intensity", 2.6)]
    assert report.stats["indicators"] == 1
