"""The whole run as a user runs it: `tracker run` on a folder, then the history commands.

The CLI is called in-process (tracker.cli.main) so that the flow runs for real under the
session's Prefect test harness instead of starting a server per command.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import SEEDS, TEXTS
from tests.cli import query, tracker

pytestmark = pytest.mark.usefixtures("prefect_backend")

CONTRACT_TABLES = {"runs", "snapshots", "documents", "indicator_versions", "validation_failures", "alerts"}
CONTRACT_VIEWS = {"indicators_current", "indicator_changes", "indicator_conflicts"}


@pytest.fixture
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("pipeline_budget_brief.txt", "pipeline_quantum_note.txt"):
        shutil.copy(TEXTS / name, folder / name)
    return folder





def changes_json(capsys, db: Path, *extra) -> list[dict]:
    code, out, _ = tracker(capsys, "changes", "--db", db, "--format", "json", *extra)
    assert code == 0
    return json.loads(out)


def test_seeds_run_twice_second_run_changes_nothing(capsys, tmp_path, db):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    code, out, _ = tracker(capsys, "run", "--seeds", seeds, "--db", db)
    assert code in (0, 1)
    assert f"Sources:    {len(list(seeds.iterdir()))} new, 0 changed, 0 unchanged" in out
    names = {row[0] for row in query(db, "select table_name from information_schema.tables")}
    assert CONTRACT_TABLES | CONTRACT_VIEWS <= names
    versions_before = query(db, "select count(*) from indicator_versions")[0][0]
    assert versions_before > 0

    first_changes = changes_json(capsys, db)
    code, out, _ = tracker(capsys, "run", "--seeds", seeds, "--db", db)
    assert code == 0
    assert "Indicators: 0 added, 0 removed, 0 shifted" in out and "no new snapshot (nothing changed)" in out
    assert query(db, "select count(*) from indicator_versions")[0][0] == versions_before
    # A run that changes nothing makes no snapshot (a runs row only): `tracker changes` keeps
    # showing the latest real changes
    assert query(db, "select count(*) from snapshots")[0][0] == 1
    assert query(db, "select count(*), count(snapshot_id) from runs") == [(2, 1)]
    assert changes_json(capsys, db) == first_changes and {c["snapshot_id"] for c in first_changes} == {1}


def test_changed_figure_is_exactly_one_shifted_record(capsys, corpus, db):
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    brief = corpus / "pipeline_budget_brief.txt"
    brief.write_text(brief.read_text(encoding="utf-8").replace("2.7% of GDP", "2.8% of GDP"), encoding="utf-8")
    code, out, _ = tracker(capsys, "run", "--seeds", corpus, "--db", db)
    assert code == 0
    assert "Sources:    0 new, 1 changed, 1 unchanged, 0 failed, 0 missing" in out
    changes = changes_json(capsys, db)
    assert [(c["source_id"], c["indicator"], c["subject"], c["change"], c["old_value"], c["new_value"],
             c["old_period"], c["new_period"]) for c in changes] == [
        ("pipeline_budget_brief.txt", "rd_intensity", "China", "shifted", 2.7, 2.8, "2025", "2025")]


def test_moved_deadline_shifts_the_target_period(capsys, corpus, db):
    tracker(capsys, "run", "--seeds", corpus, "--db", db)
    note = corpus / "pipeline_quantum_note.txt"
    note.write_text(note.read_text(encoding="utf-8").replace("by 2028", "by 2030"), encoding="utf-8")
    tracker(capsys, "run", "--seeds", corpus, "--db", db)
    changes = changes_json(capsys, db)
    assert [(c["change"], c["old_value"], c["new_value"], c["old_period"], c["new_period"]) for c in changes] == [
        ("shifted", None, None, "2028", "2030")]


def test_boilerplate_and_rewrapping_make_no_change(capsys, corpus, db):
    tracker(capsys, "run", "--seeds", corpus, "--db", db)
    versions_before = query(db, "select count(*) from indicator_versions")[0][0]
    brief = corpus / "pipeline_budget_brief.txt"
    text = brief.read_text(encoding="utf-8")
    rewrapped = text.replace("spending reached 2.7%", "spending\nreached  2.7%").replace(
        "Last updated: 12 March 2026", "Last updated: 3 April 2026\nShare on X   Share on LinkedIn\n3 min read")
    brief.write_text(rewrapped, encoding="utf-8")
    code, out, _ = tracker(capsys, "run", "--seeds", corpus, "--db", db)
    assert code == 0
    assert "1 changed" in out and "Indicators: 0 added, 0 removed, 0 shifted" in out
    assert query(db, "select count(*) from indicator_versions")[0][0] == versions_before


def test_missing_source_stays_current_and_is_reported(capsys, corpus, db):
    tracker(capsys, "run", "--seeds", corpus, "--db", db)
    current_before = query(db, "select count(*) from indicators_current")[0][0]
    (corpus / "pipeline_quantum_note.txt").unlink()
    code, out, _ = tracker(capsys, "run", "--seeds", corpus, "--db", db)
    assert code == 0
    assert "1 missing" in out and "missing: pipeline_quantum_note.txt" in out
    assert query(db, "select count(*) from indicators_current")[0][0] == current_before
    assert {c["change"] for c in changes_json(capsys, db)} == {"added"}  # still the first run's: nothing changed

    code, out, _ = tracker(capsys, "retire", "pipeline_quantum_note.txt", "--db", db)
    assert code == 0 and out.startswith("Retired pipeline_quantum_note.txt")
    assert query(db, "select count(*) from indicators_current where source_id = 'pipeline_quantum_note.txt'") == [(0,)]
    assert {c["change"] for c in changes_json(capsys, db)} == {"removed"}


def test_history_as_of_and_changes_since(capsys, corpus, db):
    tracker(capsys, "run", "--seeds", corpus, "--db", db)
    (first_at,) = query(db, "select created_at from snapshots where snapshot_id = 1")[0]
    brief = corpus / "pipeline_budget_brief.txt"
    brief.write_text(brief.read_text(encoding="utf-8").replace("2.7% of GDP", "2.9% of GDP"), encoding="utf-8")
    tracker(capsys, "run", "--seeds", corpus, "--db", db)

    code, out, _ = tracker(capsys, "history", "rd_intensity", "--subject", "China", "--db", db, "--format", "json")
    assert code == 0
    assert [(v["value"], v["valid_to"] is None) for v in json.loads(out)] == [(2.7, False), (2.9, True)]
    code, out, _ = tracker(capsys, "history", "rd_intensity", "--db", db, "--format", "json",
                           "--as-of", first_at.isoformat())
    assert [v["value"] for v in json.loads(out)] == [2.7]
    assert [c["new_value"] for c in changes_json(capsys, db, "--since", "1")] == [2.9]
    assert len(changes_json(capsys, db, "--since", "0")) == query(db, "select count(*) from indicator_changes")[0][0]


def test_missing_corpus_folder_is_a_usage_error(capsys, tmp_path, db):
    code, _, err = tracker(capsys, "run", "--seeds", tmp_path / "nowhere", "--db", db)
    assert code == 2
    assert err.startswith(f"Error: corpus folder {tmp_path / 'nowhere'} does not exist")


def test_history_without_warehouse_is_a_usage_error(capsys, tmp_path):
    code, _, err = tracker(capsys, "history", "rd_intensity", "--db", tmp_path / "none.duckdb")
    assert code == 2
    assert "no warehouse at" in err and "run `tracker run` first" in err


def test_readme_names_every_command():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    from tracker.cli import build_parser

    subcommands = build_parser()._subparsers._group_actions[0].choices
    missing = [name for name in subcommands if not re.search(rf"tracker {name}\b", readme)]
    assert missing == []
