"""The catalog is data: it loads, identifies indicators by generic wording and unit, and knows plausible ranges."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tracker.catalog import (
    MEASURES, fold_case, indicator_hits, load_catalog, match_indicator, nearest_indicator, parse_catalog,
    plausible_range, topic_of,
)
from tracker.extract import extract_indicators
from tracker.models import TOPICS

TEXTS = Path(__file__).with_name("texts")


def test_every_entry_has_a_snake_case_key_a_known_topic_and_ranges_for_its_units():
    catalog = load_catalog()
    keys = [entry.key for entry in catalog.indicators]
    assert len(keys) == len(set(keys))
    for entry in catalog.indicators:
        assert re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)*", entry.key)
        assert entry.topic in TOPICS
        assert entry.label
        for unit, (low, high) in entry.ranges.items():
            assert unit in entry.units and low <= high


def test_every_unit_an_entry_is_measured_in_is_one_a_figure_can_be_stated_in():
    catalog = load_catalog()
    stated = {"percent", "km", "nm", "count", "years", "rank"} | {c.code for c in catalog.currencies}
    stated |= {unit.name for unit in catalog.measure_units}
    assert {unit for entry in catalog.indicators for unit in entry.units} <= stated
    found = extract_indicators("CATL shipped 475 GWh of power batteries in 2024.", "gwh.txt")
    assert [(r.value, r.unit, r.indicator) for r in found] == [(475.0, "GWh", "battery_shipments")]


def test_wording_and_unit_together_pick_the_indicator():
    sentence = "Spending on R&D as a share of GDP reached 2.5% while the R&D budget hit 3 trillion yuan."
    assert match_indicator(sentence, "percent", anchor=sentence.index("2.5%")).key == "rd_intensity"
    assert match_indicator(sentence, "CNY", anchor=sentence.index("3 trillion")).key == "rd_spending_total"
    assert match_indicator(sentence, "km", anchor=0) is None


def test_plausible_range_is_per_indicator_and_unit():
    assert plausible_range("rd_intensity", "percent") == (0.05, 7.0)
    assert plausible_range("rd_intensity", "CNY") is None
    assert plausible_range("no_such_indicator", "percent") is None


def test_topic_comes_from_vocabulary():
    assert topic_of("a 1,000 km quantum key distribution link") == "quantum"
    assert topic_of("exports of lithography tools for chips") == "semiconductors"
    assert topic_of("the weather was fine") == "general"


def test_unknown_indicator_gets_a_key_from_the_words_around_the_figure():
    records = extract_indicators("The province opened 14 robotics training centres in 2024.", "t")
    assert [(r.indicator, r.label, r.value, r.unit, r.period) for r in records] == [
        ("robotics_training_centre", "Robotics training centres", 14.0, "count", "2024")
    ]


CASES = tomllib.loads((Path(__file__).with_name("catalog_cases.toml")).read_text(encoding="utf-8"))["case"]


def _matched_key(case: dict) -> str | None:
    sentence, figure = case["sentence"], case["figure"]
    if case.get("extract"):
        stated = [r.indicator for r in extract_indicators(sentence, "t") if r.value_text.endswith(figure) or figure in r.value_text]
        return stated[0] if stated else None
    entry = match_indicator(sentence, case["unit"], anchor=sentence.index(figure))
    return entry.key if entry else None


@pytest.mark.parametrize("case", CASES, ids=[f"{c['key']}:{c['figure']}" for c in CASES])
def test_sentence_figure_takes_the_expected_entry(case):
    assert _matched_key(case) == case["key"]


def test_cases_cover_many_concepts():
    catalog = load_catalog()
    assert len(CASES) >= 60
    assert all(catalog.entry(case["key"]) is not None for case in CASES)
    assert len({catalog.entry(case["key"]).concept for case in CASES}) >= 50


def test_every_entry_has_facets_and_one_entry_per_concept_and_measure():
    catalog = load_catalog()
    assert len(catalog.indicators) >= 200
    seen = set()
    for entry in catalog.indicators:
        assert re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)*", entry.concept), entry.key
        assert entry.measure in MEASURES, entry.key
        assert (entry.concept, entry.measure) not in seen, entry.key
        seen.add((entry.concept, entry.measure))
        if entry.measure in ("growth", "share", "share_of_gdp", "change_pp"):
            assert entry.units == ("percent",), entry.key  # a rate never takes a yuan figure


def test_growth_and_change_entries_have_a_base_of_the_same_concept_and_their_own_range():
    catalog = load_catalog()
    for entry in catalog.indicators:
        if entry.measure in ("growth", "change_pp"):
            suffix = "_growth" if entry.measure == "growth" else "_change"
            assert entry.key.endswith(suffix) and entry.base is not None, entry.key
            assert entry.base.key + suffix == entry.key and entry.base.concept == entry.concept
            assert entry.ranges["percent"][0] < 0, entry.key  # a rate can fall
            assert entry.ranges != entry.base.ranges


def test_every_pattern_alternative_holds_a_literal_word_and_the_prefilter_loses_no_hit():
    catalog = load_catalog()
    lines = [line for path in sorted(TEXTS.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines += [case["sentence"] for case in CASES]
    for line in lines:
        folded = fold_case(line)
        full = sorted((m.start(), m.end(), i) for i, e in enumerate(catalog.indicators) for m in e.pattern.finditer(folded))
        assert sorted((h.start, h.end, h.order) for h in indicator_hits(line, catalog)) == full, line


def test_variant_finds_the_concept_measured_another_way():
    catalog = load_catalog()
    assert catalog.variant("rd_expenditure", "share_of_gdp").key == "rd_intensity"
    assert catalog.variant("rd_expenditure", "level").key == "rd_spending_total"
    assert catalog.variant("rd_expenditure", "growth").key == "rd_spending_total_growth"
    assert catalog.variant("rd_expenditure", "change_pp").key == "rd_intensity_change"
    assert catalog.variant("rd_personnel", "growth") is None
    assert catalog.variant("rd_expenditure", "per_capita").key == "rd_spending_per_capita"
    assert catalog.variant("basic_research_expenditure", "share").key == "basic_research_share"
    assert catalog.variant("business_rd_expenditure", "share_of_gdp").code == "B_XGDP"
    assert catalog.variant("no_such_concept", "level") is None
    assert catalog.entry("rd_intensity").code == "G_XGDP" and catalog.entry("rd_intensity_change").base.key == "rd_intensity"


def test_facets_default_from_key_and_units():
    catalog = parse_catalog({"indicator": [
        {"key": "widgets", "label": "Widgets", "topic": "general", "units": ["count"], "patterns": ["widgets"]},
        {"key": "widget_share", "label": "Widget share", "topic": "general", "units": ["percent"], "patterns": ["widget share"]},
    ]})
    widgets, share = catalog.indicators
    assert (widgets.concept, widgets.measure, widgets.code) == ("widgets", "level", None)
    assert (share.concept, share.measure) == ("widget_share", "share")
    with pytest.raises(ValueError, match="unknown measure"):
        parse_catalog({"indicator": [{"key": "k", "label": "K", "topic": "general", "units": ["count"], "patterns": ["kays"], "measure": "size"}]})


def test_a_growth_hit_stands_for_its_level_when_a_level_is_asked_for():
    sentence = "R&D spending growth of 8% was reported."
    hits = indicator_hits(sentence)
    assert {h.entry.key for h in hits} >= {"rd_spending_total", "rd_spending_total_growth"}
    anchor = sentence.index("8%")
    assert nearest_indicator(hits, "percent", anchor).key == "rd_spending_total_growth"
    assert nearest_indicator(hits, ("CNY", "percent"), anchor).key == "rd_spending_total"


def test_opening_lookahead_keeps_every_match():
    """The three-character opening test only skips positions where no match starts."""
    import re

    from tracker.catalog import compile_folded, fold_pattern, opening_lookahead

    pattern = r"\b(?:about|an?(?=\s+billion)|one|(?:R&D|research) (?:spending|GDP)|rs(?=\d))\b|[$¥]\d"
    lookahead = opening_lookahead(fold_pattern(pattern))
    assert lookahead.startswith("(?=")
    assert re.match(lookahead, "about") and re.match(lookahead, "rs5") and not re.match(lookahead, "the")
    text = "The R&D spending of about one in an billion, a billion and Rs5 or $3; anon, thereabout, research GDP."
    plain = re.compile(fold_pattern(pattern))
    folded = compile_folded(pattern)
    guarded = re.compile(lookahead + fold_pattern(pattern))
    expected = [m.span() for m in plain.finditer(text.lower())]
    assert expected  # the text holds matches of every kind
    assert [m.span() for m in folded.finditer(text.lower())] == expected
    assert [m.span() for m in guarded.finditer(text.lower())] == expected
    assert opening_lookahead(r".*x") == ""  # may open with anything: no test


def test_requirement_reads_literals_around_a_factored_branch():
    """"R&D|research" parses as "r" + a branch: the requirement still holds "r&d" or "research"."""
    from tracker.catalog import _pattern_requirements

    required = _pattern_requirements([r"(?:R&D|research)\b[^;]{0,20}\b(?:of|to) (?:GDP|gross domestic product)"])
    assert required is not None
    assert required("r&d spending equal to 2.6% of gdp")
    assert not required("spending equal to 2.6% of gdp")  # neither "r&d" nor "research"
    assert not required("r&d spending rose 8%")  # no "of " / "to " before "gdp"


def test_indicator_hits_equal_every_entry_pattern_run_on_its_own():
    """The prefilter (literal gates, requirement tests, reduced alternations) never loses or changes a hit."""
    catalog = load_catalog()
    lines = {
        line.strip().lower()
        for path in sorted(TEXTS.glob("**/*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    compared = 0
    for line in sorted(lines):
        expected = [
            (found.start(), found.end(), order)
            for order, entry in enumerate(catalog.indicators)
            for found in entry.pattern.finditer(line)
        ]
        assert [(hit.start, hit.end, hit.order) for hit in indicator_hits(line, catalog, line)] == expected, line
        compared += bool(expected)
    assert compared > 50  # the test texts name many catalog indicators
