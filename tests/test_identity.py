"""Cross-source identity: the same concept gets the same (indicator, subject) in every source, different
concepts never share one (CONTRACT §2). Sentences are our own; the corpus is tests/texts/identity/."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tracker.extract import extract_indicators

CORPUS = Path(__file__).parent / "texts" / "identity"


def records(text: str, source_id: str = "t.txt"):
    return extract_indicators(text, source_id)


def only(text: str, value: float):
    found = [r for r in records(text) if r.value is not None and r.value == pytest.approx(value)]
    assert len(found) == 1, [(r.indicator, r.value) for r in records(text)]
    return found[0]


@pytest.mark.parametrize(
    "sentence",
    [
        "China's R&D intensity reached 2.65 percent in 2023.",
        "R&D spending as a share of GDP was 2.65% in 2023.",
        "Research and development expenditure accounted for 2.65 percent of gross domestic product in 2023.",
        "In 2023 the country's R&D investment was equal to 2.65% of GDP.",
    ],
)
def test_rd_intensity_has_one_key_in_every_wording(sentence):
    record = only(sentence, 2.65)
    assert (record.indicator, record.subject, record.period) == ("rd_intensity", "China", "2023")


def test_a_level_and_its_growth_rate_are_different_keys_and_a_decline_is_negative():
    rise = records("R&D spending rose 8.1 percent to 3.33 trillion yuan in 2023.")
    level, growth = sorted(rise, key=lambda r: r.unit)
    assert level.unit == "CNY" and growth.unit == "percent"
    assert growth.indicator == level.indicator + "_growth" and growth.value == 8.1
    fall = only("Output of industrial robots declined by 2.2 percent to 430,000 sets in 2024.", -2.2)
    assert fall.indicator.endswith("_growth")


def test_made_up_is_a_share_not_a_rise():
    record = only("Spending on basic research made up 6.65 percent of the total in 2023.", 6.65)
    assert record.indicator == "basic_research_share"


def test_a_share_belongs_to_the_part_named_before_it_not_the_whole_after_it():
    record = only("Basic research spending accounted for 6.9 percent of total R&D expenditure.", 6.9)
    assert record.indicator == "basic_research_share"


def test_per_capita_figures_are_their_own_measure():
    density = only("China had 14 high-value invention patents per 10,000 people at the end of 2024.", 14.0)
    count = only("China granted 920,000 invention patents in 2024.", 920000.0)
    assert density.indicator != count.indicator
    assert "per" in density.indicator


def test_a_topic_word_is_never_a_subject():
    record = only("Research and Development (R&D) spending reached 3.6 trillion yuan in 2024.", 3.6e12)
    assert record.subject == "China"


def test_an_apposition_does_not_take_the_figure_from_its_organisation():
    text = ("Semiconductor Manufacturing International Corporation (SMIC), China's largest contract chipmaker, "
            "reported revenue of $8.03 billion in 2024.")
    assert only(text, 8.03e9).subject == "SMIC"


def test_it_and_the_company_refer_to_the_previous_sentences_owner():
    text = "Huawei shipped 50 million handsets in 2023. The company spent 164.7 billion yuan on R&D in 2023."
    assert only(text, 164.7e9).subject == "Huawei"


def test_places_own_figures_only_as_owners():
    assert only("Guangdong's R&D intensity reached 3.54 percent in 2023.", 3.54).subject == "Guangdong"
    text = "Analysts at a Shenzhen brokerage expect total R&D spending to reach 4 trillion yuan in 2025."
    assert only(text, 4e12).subject == "China"


def test_an_unknown_concept_gets_one_readable_key_in_either_word_order():
    first = only("Sales of smart glasses rose 40 percent in 2024.", 40.0)
    second = only("Smart glasses sales rose 40 percent in 2024, the ministry said.", 40.0)
    assert first.indicator == second.indicator
    assert "rose" not in first.indicator and first.indicator.endswith("_growth")
    assert "glass" in first.indicator and "sale" in first.indicator


def test_a_derived_key_holds_no_verb_adverb_or_function_word():
    record = only("Huawei's revenue rose 22.4% to 862.1 billion yuan in 2024.", 862.1e9)
    assert record.indicator == "revenue" and record.subject == "Huawei"


# --- the multi-source corpus -------------------------------------------------------------------------


def _matched_pairs(gold: list[dict], predicted: list) -> list[tuple[dict, object]]:
    """Each gold row with the prediction stating it (same source, value within 0.5% and unit; or, for a dated
    event, no value and the same kind and period), one to one, greedily."""
    pairs, used = [], set()
    for row in gold:
        for i, record in enumerate(predicted):
            if i in used or record.source_id != row["source_id"]:
                continue
            if row["value"] is None:
                same = record.value is None and (record.kind, record.period) == (row["kind"], row["period"])
            else:
                same = record.value is not None and record.unit == row["unit"] and (
                    abs(record.value - row["value"]) <= 0.005 * abs(row["value"]) + 1e-9
                )
            if same:
                pairs.append((row, record))
                used.add(i)
                break
    return pairs


def _link_f1(pairs) -> float:
    tp = fp = fn = 0
    for (g1, p1), (g2, p2) in itertools.combinations(pairs, 2):
        if g1["source_id"] == g2["source_id"]:
            continue
        same_gold = (g1["indicator"], g1["subject"].lower()) == (g2["indicator"], g2["subject"].lower())
        same_pred = (p1.indicator, p1.subject.lower()) == (p2.indicator, p2.subject.lower())
        tp += same_gold and same_pred
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


# Each corpus with its floor for cross-source link F1. `identity` is ours (the bar: 0.9); the held-out
# corpora were written by others without seeing the extractor (unseen, they measured 0.37, 0.34, 0.45, 0.67, 0.40,
# 0.62 and 0.73; the rules have since been generalised on them, so they are regression floors, not unseen scores).
CORPORA = {
    "identity": 0.9, "heldout": 0.75, "heldout2": 0.75, "heldout3": 0.8, "heldout4": 0.8, "heldout5": 0.7,
    "heldout6": 0.85, "heldout7": 0.7,  # heldout7 unseen: 0.73, before any rule was tuned on it
}


@pytest.mark.parametrize(("corpus", "floor"), sorted(CORPORA.items()))
def test_a_corpus_links_the_same_concepts_across_sources(corpus, floor):
    folder = CORPUS.parent / corpus
    gold = [json.loads(line) for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines()]
    predicted = [
        record for path in sorted(folder.glob("*.txt"))
        for record in extract_indicators(path.read_text(encoding="utf-8"), path.name)
    ]
    pairs = _matched_pairs(gold, predicted)
    assert len(pairs) >= 0.8 * len(gold)  # optional rows included
    assert _link_f1(pairs) >= floor  # identity.py --gold .../gold.jsonl --show lists what is left


# --- measures and references that keep concepts apart ------------------------------------------------


def test_regions_in_a_ranking_own_their_figures_and_beijing_elsewhere_is_china():
    text = "Beijing had the highest R&D intensity, at 6.73 percent, followed by Shanghai at 4.34 percent."
    assert [r.subject for r in records(text)] == ["Beijing", "Shanghai"]
    assert only("Beijing's R&D intensity target is 3 percent for 2025.", 3.0).subject == "China"


def test_a_per_member_threshold_and_an_addition_are_not_the_level():
    total = only("China's R&D spending reached 3.6 trillion yuan in 2024.", 3.6e12)
    each = only("In seven provinces R&D spending exceeded 100 billion yuan each in 2024.", 100e9)
    assert each.indicator == total.indicator + "_each"
    level = only("China had 4.25 million 5G base stations at the end of 2024.", 4.25e6)
    added = only("China had 4.25 million 5G base stations, an increase of 1.06 million.", 1.06e6)
    assert added.indicator == level.indicator + "_increase"


def test_a_sentence_naming_nothing_continues_the_previous_figure():
    text = ("China's R&D intensity was 2.65 percent in 2023. "
            "The United States spent 3.46 percent, Japan 3.41 percent and the EU 2.22 percent in the same year.")
    found = records(text)
    assert {r.indicator for r in found} == {"rd_intensity"}
    assert [r.subject for r in found] == ["China", "United States", "Japan", "EU"]


def test_a_clause_naming_its_own_thing_does_not_borrow_an_earlier_concept():
    text = "Output of integrated circuits grew 6.9 percent, while output of solar cells jumped 54 percent."
    chips, cells = records(text)
    assert chips.indicator != cells.indicator and "cell" in cells.indicator


def test_the_owner_named_in_a_sentence_without_figures_is_what_its_refers_to():
    text = "India lags far behind. Its gross expenditure on R&D was 0.64 percent of GDP in 2021."
    assert only(text, 0.64).subject == "India"
    text = "India has built fast. Operators there installed 450,000 5G base stations by mid-2024."
    assert only(text, 450000.0).subject == "India"


def test_import_value_and_import_volume_are_different_concepts():
    value = only("China's chip imports were worth $385 billion in 2024.", 385e9)
    volume = only("China's chip imports in volume terms reached 549 billion units in 2024.", 549e9)
    assert value.indicator != volume.indicator


# --- periods, so that statements of one indicator line up across sources ----------------------------


def test_a_baseline_a_year_earlier_is_dated_the_year_before():
    text = "China's R&D intensity was 2.64 percent in 2023, up from 2.56 percent a year earlier."
    assert [(r.value, r.period) for r in records(text)] == [(2.64, "2023"), (2.56, "2022")]


def test_the_year_compared_with_does_not_date_the_figure():
    text = "In 2024 the central S&T budget was 370.8 billion yuan, 10 percent more than in 2023."
    assert {r.period for r in records(text)} == {"2024"}


def test_a_clause_without_a_year_keeps_the_year_of_the_sentences_earlier_figure():
    text = "R&D spending exceeded 3.6 trillion yuan in 2024, and R&D intensity rose to 2.68 percent."
    assert only(text, 2.68).period == "2024"
    text = "A quantum laboratory opened in Hefei in 2017, and three quantum satellites are planned."
    assert only(text, 3.0).period is None  # 2017 dates the opening, not the satellites


def test_the_same_year_refers_to_the_previous_sentences_year():
    text = "China spent 2.56 percent of GDP on R&D in 2022. Japan spent 3.41 percent in the same year."
    assert only(text, 3.41).period == "2022"


def test_a_count_counts_the_noun_right_after_it():
    text = "The country counted 7.2 million R&D personnel in 2023, of whom about 2.9 million were researchers."
    personnel, researchers = records(text)
    assert personnel.indicator != researchers.indicator


def test_a_cumulative_total_is_not_a_years_level():
    yearly = only("Huawei spent 179.7 billion yuan on R&D in 2024.", 179.7e9)
    total = only("Huawei spent 179.7 billion yuan on R&D in 2024, bringing its total over the past decade to "
                 "1.249 trillion yuan.", 1.249e12)
    assert total.indicator == yearly.indicator + "_cumulative"


def test_a_companies_table_is_named_by_its_column_headers():
    table = ("| Company | Revenue | Change |\n"
             "| Huawei | 862.1 bn yuan | +22.4% |\n"
             "| CATL | 362.0 bn yuan | -9.7% |\n")
    found = [(r.indicator, r.subject, r.value) for r in records(table)]
    assert found == [
        ("revenue", "Huawei", 862.1e9), ("revenue_growth", "Huawei", 22.4),
        ("revenue", "CATL", 362.0e9), ("revenue_growth", "CATL", -9.7),
    ]


def test_figures_nothing_names_never_share_a_key_across_sources():
    first = only("It was 42 percent in 2024, a research official said.", 42.0)
    second = extract_indicators("It was 17 percent in 2023, an innovation official said.", "other.txt")[0]
    assert first.indicator.startswith("unnamed_") and second.indicator.startswith("unnamed_")
    assert first.indicator != second.indicator


def test_wording_matches_across_a_hyphen():
    spaced = only("China's integrated circuit imports reached $385 billion in 2024.", 385e9)
    hyphened = only("China's integrated-circuit imports reached $385 billion in 2024.", 385e9)
    assert spaced.indicator == hyphened.indicator


def test_a_table_under_a_caption_takes_its_unit_and_concept_from_the_caption():
    table = ("Table 2 — Gross domestic expenditure on R&D as % of GDP\n\n"
             "| Economy | 2022 | 2023 |\n|---|---|---|\n| EU | 2.24 | 2.22 |\n| Japan | 3.41 | 3.44 |\n")
    assert [(r.indicator, r.subject, r.value, r.unit, r.period) for r in records(table)] == [
        ("rd_intensity", "EU", 2.24, "percent", "2022"), ("rd_intensity", "EU", 2.22, "percent", "2023"),
        ("rd_intensity", "Japan", 3.41, "percent", "2022"), ("rd_intensity", "Japan", 3.44, "percent", "2023"),
    ]


def test_spoken_numbers_are_read_whole():
    text = ('China spent "roughly three point six trillion yuan" on R&D, "call it two point seven percent of GDP", '
            "and three hundred and eighty-five billion dollars on chip imports.")
    assert [r.value for r in records(text)] == [3.6e12, 2.7, 385e9]


def test_a_proper_name_acting_in_a_sentence_owns_its_figures_but_a_person_does_not():
    text = ("Chinese AI developer Lingxi Intelligence has raised 4.5 billion yuan. Lingxi's flagship model has "
            "236 billion parameters. Economist Daniel Ortiz expects growth of 4.5 percent. Ortiz puts inflation "
            "at 0.5 percent.")
    owners = {r.value: r.subject for r in records(text)}
    assert owners[4.5e9] == "Lingxi Intelligence" and owners[236e9] == "Lingxi Intelligence"
    assert owners[0.5] == "China"


def test_a_table_column_headed_by_a_country_and_year_owns_and_dates_its_figures():
    table = ("| Indicator | China 2023 | United States 2023 |\n|---|---|---|\n"
             "| R&D intensity (% of GDP) | 2.65 | 3.45 |\n")
    assert [(r.indicator, r.subject, r.value, r.period) for r in records(table)] == [
        ("rd_intensity", "China", 2.65, "2023"), ("rd_intensity", "United States", 3.45, "2023"),
    ]


def test_the_owner_named_with_a_compared_figure_owns_it():
    text = "The United States devotes about 3.4% of GDP to R&D, against China's 2.68%."
    assert [(r.indicator, r.subject) for r in records(text)] == [
        ("rd_intensity", "United States"), ("rd_intensity", "China"),
    ]
    text = "China conducted 68 orbital launches in 2024, second to the United States with 158."
    assert [r.subject for r in records(text)] == ["China", "United States"]


def test_no_verb_source_or_cut_word_in_a_derived_key():
    bet = only("China's $55 billion bet on future technologies represents one of the most significant "
               "investments in modern history.", 55e9)
    assert bet.indicator == "future_technology"  # never "bet", never a word cut at a window's edge
    sourced = only("Local governments, according to Rhodium Group statistics, account for around 70% of "
                   "state funding for science.", 70.0)
    assert "rhodium" not in sourced.indicator and "group" not in sourced.indicator
    assert only("Overseas trainees numbered 1.2 million in 2021.", 1.2e6).indicator == "overseas_trainee"
