"""The catalog is data: it loads, identifies indicators by generic wording and unit, and knows plausible ranges."""

from __future__ import annotations

import re

from tracker.catalog import load_catalog, match_indicator, plausible_range, topic_of
from tracker.extract import extract_indicators
from tracker.models import TOPICS


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
