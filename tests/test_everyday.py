"""Everyday use without surprises: each command run as a user runs it, and what it says it did."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.cli import query, tracker, tracker_json
from tests.conftest import TEXTS

pytestmark = pytest.mark.usefixtures("prefect_backend")

BUDGET_TEXT = "The central government set aside ¥398.12 billion for science and technology in 2025.\n"
GDP_TEXT = "Research and development spending reached 2.5% of GDP in 2022.\n"


@pytest.fixture(autouse=True)
def no_config(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "absent.toml"))


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "budget.txt").write_text(BUDGET_TEXT, encoding="utf-8")
    (folder / "gdp.txt").write_text(GDP_TEXT, encoding="utf-8")
    return folder


def current_sources(db) -> set[str]:
    return {row[0] for row in query(db, "select distinct source_id from indicators_current")}


def test_retire_lasts_until_unretire(capsys, corpus, db):
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    code, out, _ = tracker(capsys, "retire", "gdp.txt", "--db", db)
    assert code == 0 and "later runs do not read it" in out
    (corpus / "gdp.txt").write_text(GDP_TEXT.replace("2.5%", "2.6%"), encoding="utf-8")  # even when it changes

    code, out, _ = tracker(capsys, "run", "--seeds", corpus, "--db", db)

    assert code == 0
    assert "retired: gdp.txt (not read; `tracker unretire` reads it again)" in out
    assert current_sources(db) == {"budget.txt"}
    code, out, _ = tracker(capsys, "unretire", "gdp.txt", "--db", db)
    assert code == 0 and out.startswith("Unretired gdp.txt")
    code, out, _ = tracker(capsys, "run", "--seeds", corpus, "--db", db)
    assert code == 0 and "1 added" in out
    assert query(db, "select value from indicators_current where source_id = 'gdp.txt'") == [(2.6,)]


def test_unretire_of_an_unchanged_file_brings_its_records_back(capsys, corpus, db):
    tracker(capsys, "run", "--seeds", corpus, "--db", db)
    tracker(capsys, "retire", "gdp.txt", "--db", db)
    tracker(capsys, "unretire", "gdp.txt", "--db", db)
    tracker(capsys, "run", "--seeds", corpus, "--db", db)
    assert current_sources(db) == {"budget.txt", "gdp.txt"}


def test_retire_that_closes_nothing_makes_no_snapshot(capsys, corpus, db):
    tracker(capsys, "run", "--seeds", corpus, "--db", db)
    tracker(capsys, "retire", "gdp.txt", "--db", db)
    snapshots = query(db, "select count(*) from snapshots")[0][0]
    code, out, _ = tracker(capsys, "retire", "gdp.txt", "--db", db)
    assert code == 0 and "no current records, so no snapshot" in out
    assert query(db, "select count(*) from snapshots")[0][0] == snapshots


def test_retire_of_an_unknown_source_lists_the_known_ones(capsys, corpus, db):
    tracker(capsys, "run", "--seeds", corpus, "--db", db)
    code, _, err = tracker(capsys, "retire", "gpd.txt", "--db", db)
    assert code == 2
    assert err.strip() == "Error: unknown source 'gpd.txt'; known sources: budget.txt, gdp.txt"
    code, _, err = tracker(capsys, "unretire", "budget.txt", "--db", db)
    assert code == 2 and "is not retired" in err


def test_changes_since_a_snapshot_beyond_the_latest_says_so(capsys, corpus, db):
    tracker(capsys, "run", "--seeds", corpus, "--db", db)
    code, _, err = tracker(capsys, "changes", "--since", "7", "--db", db)
    assert code == 2 and err.strip() == "Error: there is no snapshot 7: the latest is 1"
    assert tracker_json(capsys, "changes", "--since", "1", "--db", db) == []


@pytest.mark.parametrize("command", ["history", "timeline"])
def test_an_unknown_key_suggests_the_closest_known_ones(capsys, corpus, db, command):
    tracker(capsys, "run", "--seeds", corpus, "--db", db)
    code, _, err = tracker(capsys, command, "rd_intensty", "--db", db)
    assert code == 2
    assert err.startswith("Error: unknown indicator 'rd_intensty'; closest known: rd_intensity")


def test_sub_folders_are_read_and_unreadable_types_skipped_once(capsys, corpus, db):
    (corpus / "2024" / "q1").mkdir(parents=True)
    (corpus / "2024" / "q1" / "brief.txt").write_text(GDP_TEXT.replace("2022", "2021"), encoding="utf-8")
    (corpus / "2024" / "table.csv").write_text("year,value\n2023,2.6\n", encoding="utf-8")
    (corpus / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))

    code, out, _ = tracker(capsys, "run", "--seeds", corpus, "--db", db)

    assert code == 0  # skipped files are no failures: no exit 1, no alert
    assert "skipped 2 file(s) of types the tracker does not read: 2024/table.csv, photo.png" in out
    assert current_sources(db) == {"2024/q1/brief.txt", "budget.txt", "gdp.txt"}
    assert query(db, "select count(*) from validation_failures") == [(0,)]


def test_numbers_read_the_same_in_every_command(capsys, corpus, db, tmp_path):
    code, run_out, _ = tracker(capsys, "run", "--seeds", corpus, "--db", db)
    [key] = [row[0] for row in query(db, "select indicator from indicators_current where unit = 'CNY'")]
    outputs = [run_out] + [tracker(capsys, *argv, "--db", db)[1] for argv in
                           (("history", key), ("timeline", key), ("indicators",), ("changes",))]
    outputs.append(tracker(capsys, "extract", corpus / "budget.txt", "--format", "text")[1])
    for out in outputs:
        assert "398,120,000,000" in out and "398120000000" not in out, out


def test_extract_takes_format_json_like_every_command(capsys, corpus):
    code, out, _ = tracker(capsys, "extract", corpus / "budget.txt", corpus / "gdp.txt", "--format", "json")
    records = json.loads(out)
    assert code == 0 and isinstance(records, list)
    assert {r["source_id"] for r in records} == {"budget.txt", "gdp.txt"}


def test_output_piped_into_head_ends_quietly():
    articles = sorted(str(path) for path in TEXTS.glob("heldout*/*.txt"))  # far more than a pipe holds
    process = subprocess.Popen([sys.executable, "-m", "tracker.cli", "extract", *articles],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first_line = process.stdout.readline()
    process.stdout.close()  # what `| head -1` does
    err = process.stderr.read().decode()
    assert process.wait(60) == 0
    assert json.loads(first_line)["source_id"]
    assert err == "", err


def test_a_run_on_a_terminal_shows_progress_and_piped_output_stays_plain(tmp_path):
    import os
    import pty

    from tests.cli import cli_env, run_cli

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for copy in range(6):  # a run that extracts for several seconds
        for path in sorted(TEXTS.glob("heldout*/*.txt")):
            (corpus / f"{copy}_{path.parent.name}_{path.name}").write_text(
                path.read_text(encoding="utf-8") + f"\nEdition {copy}.\n", encoding="utf-8")
    env = cli_env(tmp_path)
    primary, secondary = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "tracker.cli", "run", "--seeds", str(corpus), "--db",
                                str(tmp_path / "w.duckdb")], env=env, stdout=subprocess.PIPE, stderr=secondary)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the run closed its end of the terminal
            break
        if not chunk:
            break
        seen += chunk
    out = process.stdout.read().decode()
    assert process.wait(120) == 0
    os.close(primary)
    shown = seen.decode(errors="replace")
    assert any(stage in shown for stage in ("extracting", "committing", "reading")), shown
    assert out.startswith("Run ")  # the summary itself is plain text on stdout

    (corpus / "new.txt").write_text(GDP_TEXT, encoding="utf-8")
    code, out, err = run_cli(env, "run", "--seeds", corpus, "--db", tmp_path / "w.duckdb")  # not a terminal
    assert code == 0 and err == "", err


@pytest.mark.parametrize("command", [("run", "--seeds", "CORPUS"), ("replay",)])
def test_run_and_replay_on_a_bad_warehouse_print_one_clean_line(tmp_path, corpus, command):
    from tests.cli import cli_env, run_cli

    bad = tmp_path / "notes.duckdb"
    bad.write_text("meeting notes, not a warehouse\n" * 50, encoding="utf-8")
    argv = [corpus if a == "CORPUS" else a for a in command]
    code, out, err = run_cli(cli_env(tmp_path), *argv, "--db", bad)
    assert code == 2
    [line] = err.strip().splitlines()  # no Prefect traceback before it
    assert line.startswith(f"Error: {bad} is damaged or not a tracker warehouse")
