"""Indicator extraction on our own articles of the genre: one test per hard case, full records asserted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker.extract import EXTRACTOR_VERSION, extract_indicators
from tracker.models import IndicatorRecord

TEXTS = Path(__file__).parent / "texts"


def read(name: str) -> str:
    return (TEXTS / name).read_text(encoding="utf-8")


def records_of(name: str) -> list[IndicatorRecord]:
    return extract_indicators(read(name), name)


def fields(record: IndicatorRecord) -> tuple:
    """What a record claims: indicator, subject, kind, value, unit, period, topic, value_text."""
    return (
        record.indicator, record.subject, record.kind, record.value, record.unit,
        record.period, record.topic, record.value_text,
    )


def stated(records: list[IndicatorRecord], value_text: str) -> list[tuple]:
    return [fields(r) for r in records if r.value_text == value_text]


# One row per hard case: (article, value_text) and the full record stated there.
HARD_CASES = [
    pytest.param(
        "rd_budget_news.txt", "3.5",
        [("rd_intensity", "United States", "measurement", 3.5, "percent", "2022", "rd_funding", "3.5")],
        id="figures_listed_with_respectively_go_to_their_subjects_in_order_1",
    ),
    pytest.param(
        "rd_budget_news.txt", "3.4 percent",
        [("rd_intensity", "Japan", "measurement", 3.4, "percent", "2022", "rd_funding", "3.4 percent")],
        id="figures_listed_with_respectively_go_to_their_subjects_in_order_2",
    ),
    pytest.param(
        "rd_budget_news.txt", "nearly 60 percent",
        [("government_source_share", "China", "measurement", 60.0, "percent", "2023", "general", "nearly 60 percent")],
        id="bounds_are_kept_in_value_text_but_not_in_value_1",
    ),
    pytest.param(
        "rd_budget_news.txt", "more than 8%",
        [("basic_research_share", "China", "target", 8.0, "percent", "2030", "rd_funding", "more than 8%")],
        id="bounds_are_kept_in_value_text_but_not_in_value_2",
    ),
    pytest.param(
        "rd_budget_news.txt", "nearly 7 percent",
        [("basic_research_share", "China", "measurement", 7.0, "percent", None, "rd_funding", "nearly 7 percent")],
        id="level_before_a_target_in_one_sentence_stays_a_dateless_measurement",
    ),
    pytest.param(
        "rd_budget_news.txt", "0.12 percentage points",
        [("rd_intensity_change", "China", "measurement", 0.12, "percent", "2024", "rd_funding", "0.12 percentage points")],
        id="percentage_points_are_a_change_of_the_indicator_1",
    ),
    pytest.param(
        "rd_budget_news.txt", "8.3 percent",
        [("rd_spending_total_growth", "China", "measurement", 8.3, "percent", "2024", "rd_funding", "8.3 percent")],
        id="percentage_points_are_a_change_of_the_indicator_2",
    ),
    pytest.param(
        "space_quantum_brief.txt", "42 months",
        [("engineer_years", "China", "measurement", 3.5, "years", None, "talent", "42 months")],
        id="durations_in_months_are_converted_to_years",
    ),
    pytest.param(
        "chips_trade_page.txt", "37",
        [("critical_technologies_tracked", "China", "measurement", 37.0, "count", None, "general", "37")],
        id="n_of_m_gives_two_counts_1",
    ),
    pytest.param(
        "chips_trade_page.txt", "44",
        [("critical_technologies_tracked", "China", "measurement", 44.0, "count", None, "general", "44")],
        id="n_of_m_gives_two_counts_2",
    ),
    pytest.param(
        "space_quantum_brief.txt", "second",
        [("quantum_patent_rank", "China", "measurement", 2.0, "rank", None, "quantum", "second")],
        id="ordinal_positions_are_ranks",
    ),
    pytest.param(
        "space_quantum_brief.txt", "three",
        [("satellites_launched", "China", "target", 3.0, "count", None, "space", "three")],
        id="spelled_numbers_count_things_the_catalog_counts_1",
    ),
    pytest.param(
        "space_quantum_brief.txt", "over a million",
        [("user", "China", "measurement", 1e6, "count", None, "general", "over a million")],
        id="spelled_numbers_count_things_the_catalog_counts_2",
    ),
    pytest.param(
        "rd_budget_news.txt", "a dozen",
        [("national_laboratory", "China", "target", 12.0, "count", "2027", "rd_funding", "a dozen")],
        id="spelled_numbers_count_things_the_catalog_counts_3",
    ),
    pytest.param(
        "space_quantum_brief.txt", "in 2022",
        [("space_station_tiangong_completion", "China", "milestone", None, None, "2022", "space", "in 2022"),
         ("mar_mission_sample_return_approval", "China", "milestone", None, None, "2022", "space", "in 2022"), ],
        id="dated_events_without_a_figure_are_milestones_and_deadlines_targets_1",
    ),
    pytest.param(
        "space_quantum_brief.txt", "by 2030",
        [("agency_land_space_astronaut", "China", "target", None, None, "2030", "space", "by 2030")],
        id="dated_events_without_a_figure_are_milestones_and_deadlines_targets_2",
    ),
    pytest.param(
        "space_quantum_brief.txt", "20 billion yuan",
        [("quantum_market_size", "China", "estimate", 20e9, "CNY", "2030", "quantum", "20 billion yuan")],
        id="projections_are_estimates_1",
    ),
    pytest.param(
        "chips_trade_page.txt", "40%",
        [("semiconductor_companies_share", "China", "estimate", 40.0, "percent", "2027", "semiconductors", "40%")],
        id="projections_are_estimates_2",
    ),
    pytest.param(
        "space_quantum_brief.txt", "2021",
        [("integrated_network_space_ground_urumqi", "China", "milestone", None, None, "2021", "space", "2021")],
        id="markdown_table_rows_give_dated_milestones_and_their_figures_1",
    ),
    pytest.param(
        "space_quantum_brief.txt", "4,600 km",
        [("integrated_space_ground_network", "China", "measurement", 4600.0, "km", "2021", "space", "4,600 km")],
        id="markdown_table_rows_give_dated_milestones_and_their_figures_2",
    ),
    pytest.param(
        "space_quantum_brief.txt", "9,500 km",
        [("link_partner_station", "China", "measurement", 9500.0, "km", "2024", "space", "9,500 km")],
        id="markdown_table_rows_give_dated_milestones_and_their_figures_3",
    ),
    pytest.param(
        "chips_trade_page.txt", "$7.5 billion",
        [("equipment", "SMIC", "measurement", 7.5e9, "USD", "2023", "semiconductors", "$7.5 billion")],
        id="subjects_follow_the_owner_named_with_the_figure_1",
    ),
    pytest.param(
        "space_quantum_brief.txt", "158",
        [("space_launches", "United States", "measurement", 158.0, "count", "2024", "space", "158")],
        id="subjects_follow_the_owner_named_with_the_figure_2",
    ),
    pytest.param(
        "thinktank_talent_brief.txt", "2.28",
        [("researchers", "China", "measurement", 2.28e6, "count", "2020", "talent", "2.28")],
        id="table_year_columns_date_figures_and_row_labels_give_their_scale_1",
    ),
    pytest.param(
        "thinktank_talent_brief.txt", "1,679",
        [("patents", "China", "measurement", 1679e3, "count", "2023", "general", "1,679")],
        id="table_year_columns_date_figures_and_row_labels_give_their_scale_2",
    ),
    pytest.param(
        "thinktank_talent_brief.txt", "18%",
        [("undergraduate_degree_share", "United States", "measurement", 18.0, "percent", None, "ai", "18%")],
        id="owner_named_after_the_figure_in_its_clause",
    ),
    pytest.param(
        "ai_telecom_wire.txt", "more than 4.25 million",
        [("base_stations_5g", "China", "measurement", 4.25e6, "count", "2024", "telecom", "more than 4.25 million")],
        id="built_by_the_end_of_a_past_year_is_a_measurement_not_a_target",
    ),
    pytest.param(
        "ai_telecom_wire.txt", "US$95.8bn",
        [("semiconductor_exports", "China", "measurement", 95.8e9, "USD", "2025", "semiconductors", "US$95.8bn")],
        id="currency_abbreviations_and_year_on_year_growth_1",
    ),
    pytest.param(
        "ai_telecom_wire.txt", "20.3%",
        [("semiconductor_exports_growth", "China", "measurement", 20.3, "percent", "2025", "semiconductors", "20.3%")],
        id="currency_abbreviations_and_year_on_year_growth_2",
    ),
    pytest.param(
        "industry_roundup.txt", "more than 1,000",
        [("ai_models", "China", "target", 1000.0, "count", "2027", "ai", "more than 1,000")],
        id="baseline_after_up_from_is_a_measurement_beside_a_target_1",
    ),
    pytest.param(
        "industry_roundup.txt", "188",
        [("ai_models", "China", "measurement", 188.0, "count", "2024", "ai", "188")],
        id="baseline_after_up_from_is_a_measurement_beside_a_target_2",
    ),
    pytest.param(
        "industry_roundup.txt", "22.4%",
        [("revenue_growth", "Huawei", "measurement", 22.4, "percent", "2024", "general", "22.4%")],
        id="growth_to_a_level_in_a_year_dates_both_figures_1",
    ),
    pytest.param(
        "industry_roundup.txt", "862.1 billion yuan",
        [("revenue", "Huawei", "measurement", 862.1e9, "CNY", "2024", "general", "862.1 billion yuan")],
        id="growth_to_a_level_in_a_year_dates_both_figures_2",
    ),
    pytest.param(
        "policy_brief_with_notes.txt", "398 billion yuan",
        [("st_budget_central", "China", "measurement", 398e9, "CNY", "2025", "rd_funding", "398 billion yuan")],
        id="a_possessive_before_a_year_dates_the_figure",
    ),
]


@pytest.mark.parametrize(("article", "value_text", "expected"), HARD_CASES)
def test_hard_case_gives_the_full_record(article, value_text, expected):
    assert stated(records_of(article), value_text) == expected


@pytest.mark.parametrize("name", sorted(p.name for p in TEXTS.glob("*.txt")))
def test_offsets_locate_value_text_and_evidence_holds_it(name):
    text = read(name)
    records = extract_indicators(text, name)
    assert records, "every test article states something"
    for record in records:
        assert text[record.char_start:record.char_end] == record.value_text
        assert record.value_text in record.evidence and record.evidence in text
        assert record.source_id == name
        assert (record.value is None) == (record.unit is None)
        assert re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)*", record.indicator)
    assert [r.char_start for r in records] == sorted(r.char_start for r in records)



def test_conversion_in_parentheses_is_the_same_indicator_in_both_currencies():
    records = records_of("rd_budget_news.txt")
    assert stated(records, "3.61 trillion yuan") == [
        ("rd_spending_total", "China", "measurement", 3.61e12, "CNY", "2024", "rd_funding", "3.61 trillion yuan")
    ]
    assert stated(records, "$498 billion") == [
        ("rd_spending_total", "China", "measurement", 498e9, "USD", "2024", "rd_funding", "$498 billion")
    ]
    conversion = next(r for r in records if r.unit == "USD")
    assert conversion.value_precision == 1e9



def test_relative_dates_and_adjectival_years_are_not_durations():
    text = "Two years later, the five-year plan raised chip output by 12% in 2021."
    assert [(r.value, r.unit, r.value_text) for r in extract_indicators(text, "t")] == [(12.0, "percent", "12%")]



def test_spelled_numbers_without_a_countable_noun_are_not_counts():
    text = "These two countries pursue the three goals of the digital economy; one indicator is trade."
    assert extract_indicators(text, "t") == []



def test_hypothetical_amounts_are_not_claims():
    text = "A billion yuan spent on basic research might not move the economy."
    assert extract_indicators(text, "t") == []



def test_years_inside_names_are_neither_periods_nor_records():
    records = records_of("space_quantum_brief.txt")
    named = read("space_quantum_brief.txt").index("Made in China 2025")
    assert [r for r in records if named <= r.char_start < named + 200 and r.value is None] == []
    assert not any(r.value_text in ("2025", "2035", "14th") for r in records)



def test_plan_period_in_parentheses_is_a_span():
    text = "During the 14th Five-Year Plan period (2021-2025), China launched 200 satellites."
    assert [fields(r) for r in extract_indicators(text, "t")] == [
        ("satellites_launched", "China", "measurement", 200.0, "count", "2021-2025", "space", "200")
    ]



def test_page_boilerplate_footnotes_and_teasers_give_no_records():
    text = read("chips_trade_page.txt")
    records = extract_indicators(text, "chips_trade_page.txt")
    body_start = text.index("China imported")
    body_end = text.index("We use cookies")
    assert all(body_start <= r.char_start < body_end for r in records)
    assert [r.value_text for r in records] == [
        "$385 billion", "10.8%", "roughly 23 percent", "70%", "7nm", "37", "44", "$7.5 billion", "40%",
    ]



def test_negated_figures_are_not_claims():
    records = records_of("chips_trade_page.txt")
    assert not any(r.unit == "nm" and r.value == 5.0 for r in records)



def test_figure_after_a_comparison_belongs_to_the_country_named_after_it():
    text = "China's R&D intensity was 2.4% in 2020, on par with the EU but below 3.1% in the US."
    assert [(r.subject, r.value, r.period) for r in extract_indicators(text, "t")] == [
        ("China", 2.4, "2020"),
         ("United States", 3.1, "2020"),
    ]



def test_introduced_organisation_is_its_own_subject_and_state_bodies_are_china():
    text = (
        "The Center for Quantum Policy Research (CQPR) counted 412 quantum start-ups worldwide in 2024. "
        "The Ministry of Industry and Information Technology (MIIT) approved 30 pilot zones in 2023."
    )
    assert [(r.subject, r.value, r.period) for r in extract_indicators(text, "t")] == [
        ("CQPR", 412.0, "2024"),
         ("China", 30.0, "2023"),
    ]



def test_value_precision_is_the_size_of_the_last_stated_digit():
    records = records_of("rd_budget_news.txt")
    precision = {r.value_text: r.value_precision for r in records}
    assert precision["3.61 trillion yuan"] == pytest.approx(1e10)
    assert precision["2.68%"] == pytest.approx(0.01)
    assert precision["about 77%"] == pytest.approx(1.0)



def test_extractor_version_is_published():
    assert re.fullmatch(r"\d+\.\d+\.\d+", EXTRACTOR_VERSION)



def test_bracketed_footnotes_end_sentences_and_are_not_figures():
    records = records_of("thinktank_talent_brief.txt")
    assert stated(records, "about 40,000") == [
        ("doctoral_graduates", "United States", "measurement", 40000.0, "count", "2022", "talent",
         "about 40,000")
    ]
    assert not any(r.value in (1.0, 2.0, 3.0, 4.0) and r.unit == "count" for r in records)



def test_author_notes_after_the_article_give_no_records():
    records = records_of("thinktank_talent_brief.txt")
    assert not any("books" in r.evidence or "page 14" in r.evidence for r in records)



def test_wire_dateline_ages_and_model_names_are_not_figures():
    records = records_of("ai_telecom_wire.txt")
    texts = [r.value_text for r in records]
    assert "12" not in texts and "47" not in texts
    assert not any(r.value == 910e9 or r.value == 910.0 for r in records)
    assert stated(records, "240,000") == [
        ("ascend_accelerator", "Huawei", "measurement", 240000.0, "count", None, "general", "240,000")
    ]



def test_hedged_official_figures_are_measurements_and_horizons_are_not_durations():
    records = records_of("ai_telecom_wire.txt")
    assert stated(records, "about 60 per cent") == [
        ("base_stations_5g_share", "China", "measurement", 60.0, "percent", "2024", "telecom",
         "about 60 per cent")
    ]
    assert not any(r.unit == "years" for r in records)  # "could double within two years"



def test_hedged_figure_inside_a_quotation_is_an_estimate():
    text = "“China is at least three years behind in lithography,” said one engineer at a chip equipment maker."
    assert [(r.kind, r.value, r.unit) for r in extract_indicators(text, "t")] == [("estimate", 3.0, "years")]



def test_a_goal_stated_before_two_figures_governs_both():
    records = records_of("industry_roundup.txt")
    assert [(r.kind, r.value, r.period) for r in records if r.unit == "CNY" and r.value >= 1e12] == [
        ("target", 1e12, "2030"),
         ("target", 1e13, "2030"),
    ]



def test_from_a_in_one_year_to_b_in_another_dates_each_figure():
    records = records_of("industry_roundup.txt")
    assert [(r.indicator, r.value, r.period) for r in records if r.indicator == "basic_research_share"] == [
        ("basic_research_share", 5.0, "2015"),
         ("basic_research_share", 6.65, "2023"),
    ]



def test_catalog_measure_units_are_kept_and_days_become_years():
    records = records_of("industry_roundup.txt")
    assert [(r.value, r.unit, r.value_text) for r in records if r.unit in ("GW", "tonnes", "years")] == [
        (2.1, "GW", "2.1 GW"),
         (14.0, "tonnes", "14 tonnes"),
         (pytest.approx(90 / 365.25), "years", "90 days"),
    ]



def test_an_acronym_for_a_term_is_not_an_organisation():
    text = (
        "Artificial Intelligence (AI) is a national priority. "
        "China's AI industry reached 600 billion yuan in 2024."
    )
    assert [(r.subject, r.value, r.unit, r.period) for r in extract_indicators(text, "t")] == [
        ("China", 600e9, "CNY", "2024")
    ]



def test_brief_with_bullets_and_footnotes_section_gives_only_its_claims():
    records = records_of("policy_brief_with_notes.txt")
    assert [r.value_text for r in records] == [
        "398 billion yuan", "10 percent", "68", "7-nanometre", "344 billion yuan", "$47.5 billion",
        "40 percent", "26 percent", "39%", "105", "45", "31", "in September 2023", "around 5%", "1.3 million", "1.2 million",
        "300,000",
    ]



def test_numbered_list_markers_are_not_counts_but_sentence_openers_are_not_names():
    text = "Chip output rose sharply.\n1. China made 30 chips in 2020.\n2) Another 12 labs opened. The Long March 5 flew."
    assert [(r.value, r.value_text) for r in extract_indicators(text, "t")] == [(30.0, "30"),
         (12.0, "12")]


def test_short_key_figure_bullets_are_content_but_page_labels_are_not():
    text = (
        "Key figures\n- R&D spending: 3.6 trillion yuan\n- R&D intensity: 2.68% of GDP\nPage 4 of 10\n"
        "The ratio rose in 2024 as firms invested more in research and equipment."
    )
    assert [(r.indicator, r.value, r.unit) for r in extract_indicators(text, "t")] == [
        ("rd_spending_total", 3.6e12, "CNY"), ("rd_intensity", 2.68, "percent"),
    ]


def test_time_frames_are_not_durations_and_pct_is_percent():
    text = (
        "Over the past five years, chip output rose 3.5 pct. "
        "For the first time in 40 years, the firm exported 12 aircraft."
    )
    assert [(r.value, r.unit) for r in extract_indicators(text, "t")] == [(3.5, "percent"), (12.0, "count")]


def test_republication_notes_and_event_adverts_are_boilerplate():
    text = (
        "China launched 67 rockets in 2024.\n"
        "This article was first published on 3 March 2025 by Example Media.\n"
        "Register now for our webinar on chip policy, 12 June 2025."
    )
    assert [(r.value, r.period, r.value_text) for r in extract_indicators(text, "t")] == [(67.0, "2024", "67")]


def test_a_figure_ending_a_sentence_is_not_a_footnote_marker():
    records = records_of("aviation_feature.txt")
    assert stated(records, "16") == [("c919_deliveries", "COMAC", "measurement", 16.0, "count", "2024", "aviation", "16")]
    assert stated(records, "30") == [("aircraft_orders", "COMAC", "target", 30.0, "count", "2024", "aviation", "30")]


def test_inline_related_teasers_and_timestamps_give_no_records():
    records = records_of("aviation_feature.txt")
    assert not any("Related" in r.evidence or "Published" in r.evidence for r in records)
    assert not any(r.value == 2e12 for r in records)


def test_certification_and_first_flight_are_dated_milestones():
    records = records_of("aviation_feature.txt")
    assert [(r.kind, r.period, r.value) for r in records if r.kind == "milestone"] == [
        ("milestone", "2022", None), ("milestone", "2023", None),
    ]


def test_growth_takes_the_indicator_of_its_own_clause():
    records = records_of("statistics_release.txt")
    assert stated(records, "22.2 percent") == [
        ("chip_output_growth", "China", "measurement", 22.2, "percent", None, "semiconductors", "22.2 percent")
    ]
    assert stated(records, "38.7 percent") == [
        ("nev_output_growth", "China", "measurement", 38.7, "percent", None, "industry", "38.7 percent")
    ]


def test_growth_of_an_unknown_level_is_named_from_its_words_not_a_distant_entry():
    records = records_of("statistics_release.txt")
    assert stated(records, "8.9 percent") == [
        ("manufacturing_sector_value_growth", "China", "measurement", 8.9, "percent", "2024", "industry",
         "8.9 percent")
    ]


def test_share_of_its_gdp_is_rd_intensity_and_plan_span_dates_the_target():
    records = records_of("statistics_release.txt")
    assert stated(records, "2.68 percent") == [
        ("rd_intensity", "China", "measurement", 2.68, "percent", "2024", "rd_funding", "2.68 percent")
    ]
    assert stated(records, "over 8 percent") == [
        ("basic_research_share", "China", "target", 8.0, "percent", "2026-2030", "rd_funding", "over 8 percent")
    ]


def test_sanction_counts_are_claims_and_their_years_date_them():
    records = records_of("statistics_release.txt")
    assert stated(records, "more than 600") == [
        ("entity_list_additions", "United States", "measurement", 600.0, "count", "2018", "trade", "more than 600")
    ]
    assert not any(r.value is None for r in records)


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        pytest.param("Chip output grew faster than expected, rising 8% in 2024.", "measurement", id="than_expected"),
        pytest.param("Huawei said it would invest $10 billion in chip plants.", "target", id="reported_plan"),
        pytest.param("Output would reach 5 million units, analysts estimated.", "estimate", id="reported_estimate"),
        pytest.param("The ministry plans to build 30 data centres by 2027.", "target", id="plan_with_deadline"),
        pytest.param("Satellite launches could reach 100 next year.", "estimate", id="could"),
    ],
)
def test_kind_follows_the_cue_that_governs_the_figure(sentence, kind):
    assert [r.kind for r in extract_indicators(sentence, "t")] == [kind]


def test_a_country_abbreviation_can_end_a_sentence():
    text = "Chinese spending on AI lags the U.S. The gap was 30% in 2023. U.S. firms spent $67 billion."
    assert [(r.subject, r.value, r.period, r.evidence) for r in extract_indicators(text, "t")] == [
        ("China", 30.0, "2023", "The gap was 30% in 2023."),
        ("United States", 67e9, None, "U.S. firms spent $67 billion."),
    ]


def test_other_currencies_keep_their_codes():
    text = "TSMC earned NT$1.2 trillion ($37 billion) in 2024, while Japan pledged 3.9 trillion yen and Britain £1 billion for chips."
    assert [(r.value, r.unit, r.value_text) for r in extract_indicators(text, "t")] == [
        (1.2e12, "TWD", "NT$1.2 trillion"), (37e9, "USD", "$37 billion"),
        (3.9e12, "JPY", "3.9 trillion yen"), (1e9, "GBP", "£1 billion"),
    ]


def test_bullets_take_kind_and_year_from_the_line_that_introduces_them():
    text = (
        "The plan sets the following targets for 2027:\n"
        "- R&D spending to grow by more than 7% a year;\n"
        "- computing power to exceed 300 EFLOPS;\n"
        "- 5G users to account for 85% of mobile subscribers.\n"
        "In 2024 the industry employed 2 million people.\n"
        "- Another bullet with 12 labs."
    )
    assert [(r.kind, r.value, r.unit, r.period) for r in extract_indicators(text, "t") if r.value is not None] == [
        ("target", 7.0, "percent", "2027"), ("target", 300.0, "EFLOPS", "2027"), ("target", 85.0, "percent", "2027"),
        ("measurement", 2e6, "count", "2024"), ("measurement", 12.0, "count", None),
    ]


def test_temperatures_clock_times_and_ages_are_not_counts():
    text = "The chip plant, cooled to -196°C, opened at 9 am with 300 engineers aged 45 on average; its founder is 60 years old."
    assert [(r.value, r.unit) for r in extract_indicators(text, "t")] == [(300.0, "count")]


def test_a_modal_governs_the_figure_after_it_not_the_one_before():
    records = records_of("quantum_numbers.txt")
    assert [(r.kind, r.value, r.unit) for r in records if r.period == "2020"] == [
        ("measurement", 200.0, "seconds"), ("estimate", 2.5e9, "years"),
    ]


def test_the_classical_time_a_quantum_result_beats_is_its_speed_up_and_plausible():
    from schemas.indicator import validate_records
    from tracker import catalog

    text = ("In 2019 the processor finished in 200 seconds a sampling task that would take the world's fastest "
            "supercomputer 10,000 years. The lab will need 3 years to build a new supercomputer.")
    records = extract_indicators(text, "t")
    speed_up = [(r.indicator, r.value, r.unit) for r in records if r.unit == "years"]
    # The first: a classical run time (any size, billions of years included); the second is no such comparison
    assert speed_up[0] == ("quantum_computing_speedup", 10_000.0, "years")
    assert [key for key, _, _ in speed_up[1:]] and "quantum_computing_speedup" not in [k for k, _, _ in speed_up[1:]]
    billions = extract_indicators("The chip did in minutes what would take a classical supercomputer 2.5 billion years.", "b")
    valid, rejected = validate_records(billions, {"b": "The chip did in minutes what would take a classical "
                                                       "supercomputer 2.5 billion years."},
                                       catalog.validation_range, catalog.known_units())
    assert [(r.indicator, r.value) for r in valid if r.unit == "years"] == [("quantum_computing_speedup", 2.5e9)]
    assert rejected == []


@pytest.mark.parametrize("text, expected", [
    pytest.param("In the first ten months, NEV output and sales reached 9.78 million and 9.75 million, up 33.0% "
                 "and 33.9% year on year, the association said.",
                 [("nev_output", 9.78e6), ("nev_sales", 9.75e6), ("nev_output_growth", 33.0),
                  ("nev_sales_growth", 33.9)], id="shared_words_before_the_measures"),
    pytest.param("Exports and imports of integrated circuits came to $142.1 billion and $349.4 billion.",
                 [("semiconductor_exports", 142.1e9), ("semiconductor_imports", 349.4e9)],
                 id="shared_words_after_the_measures"),
    pytest.param("NEV production and sales were 1.2 million and 1.1 million respectively in 2024.",
                 [("nev_output", 1.2e6), ("nev_sales", 1.1e6)], id="with_respectively"),
    pytest.param("Vehicle output and sales were 2.6 million and 2.5 million in March. Over the quarter, output and "
                 "sales reached 7.0 million and 6.9 million.",
                 [("vehicle_output_monthly", 2.6e6), ("vehicle_sales_monthly", 2.5e6), ("vehicle_output", 7.0e6),
                  ("vehicle_sales", 6.9e6)], id="a_later_list_naming_its_measures_alone"),  # one month's: its own key
])
def test_a_list_of_figures_takes_the_measures_listed_before_it_in_order(text, expected):
    assert [(r.indicator, r.value) for r in extract_indicators(text, "t")] == expected


@pytest.mark.parametrize("text", [
    # A list of actors, not measures: the figures keep the one measure the sentence names
    "Germany and Japan spent 3.1% and 3.4% of GDP on research and development last year.",
    # As many measures as figures, but the figures are not listed after them
    "NEV output and sales grew strongly; the association counted 9.78 million units, and exports 1.5 million.",
    # Two measures, three figures: no pairing
    "NEV output and sales reached 9.78 million, 9.75 million and 9.7 million in three surveys.",
    # Measures named alone, with no earlier list to say of what: nothing to pair with
    "Output and sales reached 7.0 million and 6.9 million units, the ministry said.",
])
def test_figures_are_not_paired_with_lists_that_are_not_their_measures(text):
    records = extract_indicators(text, "t")
    keys = {r.indicator for r in records}
    # No figure takes the second measure of a list it does not follow
    assert "nev_sales" not in keys and "vehicle_sales" not in keys
    if text.startswith("Germany"):
        assert keys == {"rd_intensity"}


@pytest.mark.parametrize("text, expected", [
    pytest.param("Shipments of smartphones fell 4.2% year on year in the quarter.", [-4.2], id="fall_then_year_on_year"),
    pytest.param("Chip exports rose 6.1% and 9.4% in the two halves, and imports dropped 2.5% and 1.5%.",
                 [6.1, 9.4, -2.5, -1.5], id="listed_changes_read_as_their_list"),
    pytest.param("Carmakers sold 2.1 million and 2.4 million units, up 12% and 15% year on year.",
                 [2.1e6, 2.4e6, 12.0, 15.0], id="listed_rises"),
])
def test_signs_of_changes_follow_their_verb_across_a_list(text, expected):
    assert [r.value for r in extract_indicators(text, "t")] == expected
    assert all(r.indicator.endswith("_growth") for r in extract_indicators(text, "t") if r.unit == "percent")


def test_lists_of_actors_and_of_years_pair_with_lists_of_figures_in_order():
    listed = extract_indicators("Germany and Japan spent 3.1% and 3.4% of GDP on R&D in 2021 and 2022.", "t")
    assert [(r.indicator, r.subject, r.value, r.period) for r in listed] == [
        ("rd_intensity", "Germany", 3.1, "2021"), ("rd_intensity", "Japan", 3.4, "2022")]
    one_year = extract_indicators("Korea and Israel spent 5.2% and 6.0% of GDP on research in 2022.", "t")
    assert [(r.subject, r.period) for r in one_year] == [("South Korea", "2022"), ("Israel", "2022")]


@pytest.mark.parametrize("text, expected", [
    # "or X percent of the total" restates the amount as a share: not a second rise
    pytest.param("Firms spent 512 billion yuan, up 6.3 percent, or 78.1 percent of the total.",
                 [("growth", 6.3, None), ("share", 78.1, None)], id="apposition_is_no_list"),
    # A figure and its change against a compared year: the year dates neither
    pytest.param("R&D intensity was 2.71 percent, 0.12 percentage points higher than in 2021.",
                 [("level", 2.71, None), ("change", 0.12, None)], id="compared_year_is_no_list_of_years"),
])
def test_appositions_and_comparisons_are_not_lists(text, expected):
    records = extract_indicators(text, "t")
    measures = []
    for r in records:
        measure = ("growth" if r.indicator.endswith("_growth") else "share" if r.indicator.endswith("_share")
                   else "change" if r.indicator.endswith("_change") else "level")
        measures.append((measure, r.value, r.period))
    assert measures[-len(expected):] == expected


@pytest.mark.parametrize("text, expected", [
    pytest.param("Makers built 9.6 million electric cars last year and exported about 1.7 million, the ministry said.",
                 [("nev_output", 9.6e6), ("nev_exports", 1.7e6)], id="second_verb_same_object"),
    pytest.param("Carmakers produced 8.9 million new-energy vehicles in 2023, up 30 percent, and sold 8.8 million, "
                 "up 32 percent.",
                 [("nev_output", 8.9e6), ("nev_output_growth", 30.0), ("nev_sales", 8.8e6), ("nev_sales_growth", 32.0)],
                 id="second_verb_and_its_change"),
])
def test_a_second_verb_without_an_object_measures_the_first_ones_object(text, expected):
    assert [(r.indicator, r.value) for r in extract_indicators(text, "t")] == expected


def test_a_second_figure_with_its_own_object_takes_the_first_ones_verb():
    text = ("Customs data show China imported $349.4 billion of integrated circuits last year, down 15 percent, and "
            "a record $24.8 billion of lithography tools as fabs stocked up.")
    records = extract_indicators(text, "t")
    assert [(r.indicator, r.value) for r in records if r.unit == "USD"] == [
        ("semiconductor_imports", 349.4e9), ("chip_equipment_imports", 24.8e9)]
    # Spending on two things is not an import of the second
    spent = extract_indicators("The province spent $5 billion on chips and $2 billion of its reserves on roads.", "s")
    assert "chip_equipment_imports" not in {r.indicator for r in spent}


def test_one_figure_for_both_measures_of_a_list_is_a_record_of_each():
    text = "Output and sales of new-energy vehicles both passed 9.5 million in 2023, the association said."
    records = extract_indicators(text, "t")
    assert [(r.indicator, r.value, r.period, r.value_text) for r in records] == [
        ("nev_output", 9.5e6, "2023", "9.5 million"), ("nev_sales", 9.5e6, "2023", "9.5 million")]
    # "both" of actors, not measures: one record
    assert len(extract_indicators("Both carmakers sold 3 million vehicles in 2023.", "u")) == 1


def test_a_second_verb_with_an_object_of_its_own_keeps_it():
    records = extract_indicators("Makers built 9.6 million electric cars and exported 1.7 million batteries.", "t")
    assert [r.indicator for r in records][0] == "nev_output" and records[1].indicator != "nev_exports"


def test_a_country_adjective_after_a_preposition_qualifies_a_thing_and_owns_nothing():
    text = ("Shanghai Electric Group (SEG) makes up most of the Chinese total, with 41 offshore turbines installed "
            "this year.")
    assert [r.subject for r in extract_indicators(text, "t")] == ["SEG"]
    # Without an organisation opening the sentence, the country stays the owner
    assert [r.subject for r in extract_indicators("Output of the Chinese industry rose 7% in 2024.", "u")] == ["China"]


def test_its_share_after_a_measured_concept_is_that_concepts_share():
    text = ("Basic research, for years the poor relation, received 221.2 billion yuan, up 9.8 percent. "
            "Its share of total R&D spending edged up to 6.65 percent.")
    assert [(r.indicator, r.value) for r in extract_indicators(text, "t")] == [
        ("basic_research_spending", 221.2e9), ("basic_research_spending_growth", 9.8), ("basic_research_share", 6.65)]
    # A share whose sentence names a measure of its own keeps it (a share of GDP is not a share of R&D)
    own = extract_indicators("Basic research received 221.2 billion yuan. Its share of GDP was 0.18 percent.", "u")
    assert own[-1].value == 0.18 and own[-1].indicator != "basic_research_share"


def test_worldwide_totals_belong_to_the_world_and_of_us_funding_to_the_us():
    records = records_of("quantum_numbers.txt")
    assert [(r.subject, r.kind, r.value, r.period) for r in records if r.unit == "USD"] == [
        ("China", "estimate", 15e9, None), ("United States", "measurement", 1.3e9, None),
        ("World", "measurement", 42e9, "2023"),
    ]


def test_relative_clause_dates_its_own_event_not_the_figures_after_it():
    records = records_of("quantum_numbers.txt")
    assert stated(records, "in 2017") == [
        ("backbone_opening", "China", "milestone", None, None, "2017", "general", "in 2017")
    ]
    assert stated(records, "more than 2,000 kilometres") == [
        ("link_trusted_node", "China", "measurement", 2000.0, "km", None, "general", "more than 2,000 kilometres")
    ]


def test_chart_labels_spilled_into_text_are_not_claims():
    text = "Figure 2: R&D intensity, 2015-2024\n2.1% 2.2% 2.4% 2.6%\n2015 2018 2021 2024\nR&D intensity reached 2.6% in 2023."
    assert [(r.value, r.period) for r in extract_indicators(text, "t")] == [(2.6, "2023")]


def test_text_without_full_stops_is_cut_into_bounded_pieces_with_exact_offsets():
    text = " ".join(["China spent around 5% of its budget on about 300 labs in 2024 and"] * 200)
    records = extract_indicators(text, "t")
    assert len(records) == 400
    assert all(text[r.char_start:r.char_end] == r.value_text for r in records)
    assert max(len(r.evidence) for r in records) <= 3000


EXTRACT_MODULES = ("context", "cues", "figures", "layout", "subjects", "naming", "claims")


@pytest.mark.parametrize("module", EXTRACT_MODULES)
def test_each_extractor_module_imports_on_its_own(module):
    """No import cycle inside tracker/extract/: any module can be the first one imported."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", f"import tracker.extract.{module}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
