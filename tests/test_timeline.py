"""Publication dates and titles, the indicator timeline across sources, and revisions
(CONTRACT sections 3-4: `tracker timeline`, documents.published_on and title, indicator_timeline).

The dated texts in tests/texts/dated/ are ours: HTML with metadata, plain texts with datelines
and date lines, and pages whose only dates sit inside claims or page furniture. The pipeline
tests run `tracker` as a user does on small texts written here, into a real DuckDB file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.cli import query, tracker, tracker_json
from tracker.published import read_masthead, text_masthead
from tracker.text import document_text, media_type_for

DATED = Path(__file__).parent / "texts" / "dated"

# What each dated text states about itself: (published_on, title).
EXPECTED_MASTHEADS = {
    "meta_published.html": (date(2024, 5, 14), "Ministry lifts quantum funding"),
    "jsonld_published.html": (date(2023, 11, 2), "Satellite internet plans take shape"),
    "time_element.html": (date(2025, 2, 8), "Chip output climbs again"),
    "furniture_only.html": (None, "What the five-year plan means for research"),
    "wire_full_dateline.txt": (date(2025, 2, 9), "Province doubles its research budget"),
    "wire_yearless_dateline.txt": (None, "Robot makers report record orders"),
    "wire_yearless_with_update.txt": (date(2024, 12, 30), "Telecom operators add base stations"),
    "day_month_year.txt": (date(2024, 3, 12), "Briefing note: the state of AI compute"),
    "month_day_year.txt": (date(2024, 3, 12), "Chip imports and the new controls"),
    "iso_date_line.txt": (date(2024, 10, 2), "Communiqué on research spending"),
    "updated_label.txt": (date(2024, 3, 12), "Electric vehicles: the numbers behind the boom"),
    "claims_only.txt": (None, "How the quantum network grew"),
    "related_below.txt": (None, "Launch cadence keeps rising"),
}


def masthead_of(name: str):
    raw = (DATED / name).read_bytes()
    media_type = media_type_for(name)
    return read_masthead(raw, media_type, document_text(raw, media_type))


@pytest.mark.parametrize("name", sorted(EXPECTED_MASTHEADS))
def test_published_on_is_the_date_the_document_states_and_null_otherwise(name):
    masthead = masthead_of(name)
    assert (masthead.published_on, masthead.title) == EXPECTED_MASTHEADS[name]


def test_every_dated_text_is_checked():
    assert sorted(p.name for p in DATED.iterdir()) == sorted(EXPECTED_MASTHEADS)


def test_a_date_inside_a_claim_sentence_is_never_the_publication_date():
    from tracker.published import text_masthead

    text = ("Chip plan update\nBy March 12, 2024, output had doubled.\n"
            "The plan was published on 5 January 2021 by the ministry.\nBEIJING said, June 3, 2024 - more to come.\n")
    assert text_masthead(text).published_on is None


def test_a_dateline_alone_on_its_line_is_read():
    assert text_masthead("Headline\nBEIJING, March 5, 2025 (Reuters) -\nThe budget rose 10%.\n").published_on == date(2025, 3, 5)


def test_the_head_is_bounded_so_a_late_date_line_is_not_read():
    from tracker.published import text_masthead

    body = "".join(f"Paragraph {n} says output grew by {n} percent in 2023, officials said.\n" for n in range(20))
    assert text_masthead("Heading of the story\n" + body + "12 March 2024\n").published_on is None
    assert text_masthead("Heading of the story\n12 March 2024\n" + body).published_on == date(2024, 3, 12)


# --- through the pipeline ------------------------------------------------------------------

PLAN_2023 = ("Action plan sets computing goals\nPublished: 12 March 2023\n"
             "China aims to raise total computing power to 300 EFLOPS by 2025, the industry ministry said.\n"
             "China's R&D intensity reached 2.55% in 2022, the statistics bureau said.\n")
PLAN_2024 = ("Computing goals raised in new plan\n"
             "BEIJING, June 3, 2024 (Xinhua) -- China aims to raise total computing power to 350 EFLOPS by 2025, "
             "the industry ministry said.\n"
             "China's R&D intensity reached 2.56% in 2022 and 2.65% in 2023, the statistics bureau said.\n")
UNDATED = ("Research spending keeps climbing\n"
           "China's R&D intensity reached 2.4% in 2020, the statistics bureau said.\n")
EARLIEST = ("Early estimate of research spending\nDate: 2021-02-28\n"
            "China's R&D intensity reached 2.40% in 2020, the statistics bureau said.\n")




def write_corpus(folder: Path, **texts: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder




@pytest.mark.usefixtures("prefect_backend")
def test_timeline_lists_every_source_in_period_order_with_publication_dates_and_a_revised_target(capsys, tmp_path, db):
    corpus = write_corpus(tmp_path / "corpus", plan_2024=PLAN_2024, undated=UNDATED)
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    write_corpus(corpus, plan_2023=PLAN_2023)  # an older source arrives later: it is earlier all the same
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0

    assert query(db, "select source_id, title, published_on from documents order by source_id") == [
        ("plan_2023.txt", "Action plan sets computing goals", date(2023, 3, 12)),
        ("plan_2024.txt", "Computing goals raised in new plan", date(2024, 6, 3)),
        ("undated.txt", "Research spending keeps climbing", None)]

    rows = tracker_json(capsys, "timeline", "rd_intensity", "--db", db)
    assert all({"source_id", "indicator", "subject", "kind", "value", "unit", "period", "published_on",
                "first_seen", "evidence", "title"} <= row.keys() for row in rows)
    assert [(r["period"], r["value"], r["source_id"], r["published_on"], r["revision"], r["revision_of"])
            for r in rows] == [
        ("2020", 2.4, "undated.txt", None, None, None),
        ("2022", 2.55, "plan_2023.txt", "2023-03-12", None, None),
        ("2022", 2.56, "plan_2024.txt", "2024-06-03", "value", "plan_2023.txt"),
        ("2023", 2.65, "plan_2024.txt", "2024-06-03", None, None)]

    target = tracker_json(capsys, "timeline", "computing_power", "--kind", "target", "--db", db)
    assert [(r["value"], r["period"], r["published_on"], r["revision"], r["previous_value"]) for r in target] == [
        (300.0, "2025", "2023-03-12", None, None),
        (350.0, "2025", "2024-06-03", "value", 300.0)]

    code, out, err = tracker(capsys, "timeline", "computing_power", "--db", db)
    assert (code, err) == (0, "")
    assert out.splitlines()[2:4] == [
        "[2025] REVISED China  target  350 EFLOPS  — Computing goals raised in new plan "
        f"(plan_2024.txt; published 2024-06-03, first seen {target[1]['first_seen'][:10]})",
        "    revises plan_2023.txt: 300 EFLOPS [2025] (value)"]

    # The second run brought the revisions: `tracker changes` lists them next to its additions
    changes = tracker_json(capsys, "changes", "--db", db)
    assert [(c["change"], c["source_id"], c["indicator"], c["old_value"], c["new_value"], c.get("revision_of"))
            for c in changes if c["change"] == "revised"] == [
        ("revised", "plan_2024.txt", "computing_power", 300.0, 350.0, "plan_2023.txt"),
        ("revised", "plan_2024.txt", "rd_intensity", 2.55, 2.56, "plan_2023.txt")]
    assert {c["change"] for c in changes} == {"added", "revised"}
    assert all(c["snapshot_id"] == 2 for c in changes)
    assert [c for c in tracker_json(capsys, "changes", "--since", "0", "--db", db)
            if c["change"] == "revised" and c["snapshot_id"] == 1] == []


@pytest.mark.usefixtures("prefect_backend")
def test_agreeing_sources_and_undated_ones_read_together_are_no_revision(capsys, tmp_path, db):
    corpus = write_corpus(tmp_path / "corpus", earliest=EARLIEST, undated=UNDATED)
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    rows = tracker_json(capsys, "timeline", "rd_intensity", "--subject", "China", "--db", db)
    # 2.40 (dated) and 2.4 (first seen later, undated) agree: no revision
    assert [(r["source_id"], r["value"], r["revision"]) for r in rows] == [
        ("earliest.txt", 2.4, None), ("undated.txt", 2.4, None)]


@pytest.mark.usefixtures("prefect_backend")
def test_unknown_indicator_exits_2_naming_the_closest_keys(capsys, tmp_path, db):
    corpus = write_corpus(tmp_path / "corpus", plan_2024=PLAN_2024)
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    code, out, err = tracker(capsys, "timeline", "rd_intensty", "--db", db)
    assert (code, out) == (2, "")
    assert err == ("Error: unknown indicator 'rd_intensty'; closest known: rd_intensity "
                   "(`tracker indicators` lists every key)\n")
    code, out, err = tracker(capsys, "timeline", "rd_intensity", "--subject", "Japan", "--db", db)
    assert (code, out, err) == (0, "No current statements of rd_intensity for Japan.\n", "")


@pytest.mark.usefixtures("prefect_backend")
def test_replay_refreshes_titles_and_dates_and_old_warehouses_gain_the_columns(capsys, tmp_path, db):
    corpus = write_corpus(tmp_path / "corpus", plan_2023=PLAN_2023)
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    # A warehouse from before documents had the columns: schema.sql adds them back, null
    with duckdb.connect(str(db)) as con:
        con.execute("alter table documents drop column published_on")
        con.execute("alter table documents drop column title")
        con.execute("update warehouse_schema set schema_md5 = 'older'")
    from warehouse import store
    store._SCHEMA_APPLIED.clear()
    assert tracker_json(capsys, "timeline", "rd_intensity", "--db", db)[0]["published_on"] is None
    assert tracker(capsys, "replay", "--db", db)[0] == 0
    assert query(db, "select title, published_on from documents") == [
        ("Action plan sets computing goals", date(2023, 3, 12))]
    assert tracker_json(capsys, "timeline", "rd_intensity", "--db", db)[0]["published_on"] == "2023-03-12"


@pytest.mark.usefixtures("prefect_backend")
def test_a_stated_date_after_the_day_it_was_read_is_not_stored(capsys, tmp_path, db):
    corpus = write_corpus(tmp_path / "corpus", future=PLAN_2023.replace("12 March 2023", "12 March 2099"))
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    assert query(db, "select published_on from documents") == [(None,)]


@pytest.mark.usefixtures("prefect_backend")
def test_the_latest_figure_of_an_indicator_is_the_latest_published_not_the_latest_read(capsys, tmp_path, db):
    corpus = write_corpus(tmp_path / "corpus", plan_2024=PLAN_2024)
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    write_corpus(corpus, plan_2023=PLAN_2023)  # read later, published earlier
    assert tracker(capsys, "run", "--seeds", corpus, "--db", db)[0] == 0
    [row] = [r for r in tracker_json(capsys, "indicators", "--db", db) if r["indicator"] == "computing_power"]
    assert (row["latest_period"], row["latest_value"], row["latest_source"]) == ("2025", 350.0, "plan_2024.txt")
