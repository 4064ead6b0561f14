"""General rules instead of rules sized to particular texts: calls to action, debut events, the owner named
after a figure, organisation words, scales and currencies read from the catalog, and amounts whose currency is implied."""

from __future__ import annotations

import pytest

from tracker.catalog import fold_case, known_units, load_catalog, parse_catalog
from tracker.extract import extract_indicators
from tracker.extract.context import DEFAULT_SUBJECT
from tracker.extract.cues import EVENT_CUE_RE
from tracker.extract.layout import has_article_text
from tracker.extract.subjects import _document_context


def claims(text: str) -> list[tuple]:
    return [(r.value, r.unit, r.period, r.value_text) for r in extract_indicators(text, "t")]


# --- boilerplate: a call to action, not every line holding its word ----------------------------------

@pytest.mark.parametrize("text, expected", [
    ("China will register 500 new AI companies in 2025.", [(500.0, "count", "2025", "500")]),
    (
        "The ministry's newsletter said R&D spending rose 8% to 3.6 trillion yuan in 2024.",
        [(8.0, "percent", "2024", "8%"), (3.6e12, "CNY", "2024", "3.6 trillion yuan")],
    ),
    ("About 40,000 students enrol in chip design courses each year.", [(40000.0, "count", None, "About 40,000")]),
    ("Download the report: R&D spending rose 8% in 2024.", [(8.0, "percent", "2024", "8%")]),
])
def test_a_claim_holding_a_furniture_word_survives(text, expected):
    assert claims(text) == expected


@pytest.mark.parametrize("line", [
    "Subscribe to our newsletter for 12 months of chip news",
    "Register now for the 2025 semiconductor summit",
    "Sign up today and get 30% off",
    "Enrol today: 3 places left on the AI course",
    "Join our webinar on chip policy, 12 June 2025",
    "Early-bird tickets to the 2025 chip forum save 30%. Register now",
    "Get 5 tech stories in your inbox every weekday. Enter your email | Sign up",
])
def test_a_call_to_action_line_is_dropped(line):
    article = "China's chip output rose 6.9% in 2023, the statistics bureau said.\n\n" + line
    assert claims(article) == [(6.9, "percent", "2023", "6.9%")]


def test_a_page_of_calls_to_action_has_no_article_text():
    assert not has_article_text("Subscribe to our newsletter\nRegister now for our events\nSign up for free\n")
    assert has_article_text("China will register 500 new AI companies in 2025.\n")


# --- debut events: maiden/first/inaugural + a few modifiers + flight/launch/voyage/test -----------------

@pytest.mark.parametrize("phrase, debut", [
    ("its maiden flight", True),
    ("the first commercial passenger flight", True),
    ("the first crewed orbital test flight", True),
    ("the inaugural voyage", True),
    ("in the first quarter, flight bookings rose", False),  # a comma: another clause
    ("the first quarter saw flight bookings rise", False),  # a span of time, not a debut
    ("the first of the flight crews", False),
    ("the first 20 flight attendants", False),
])
def test_debut_cue(phrase, debut):
    found = [m.group() for m in EVENT_CUE_RE.finditer(fold_case(phrase))]
    assert bool(found) is debut


def test_a_debut_with_a_year_is_a_milestone():
    records = extract_indicators("The airliner completed its first crewed test flight in 2024.", "t")
    assert [(r.kind, r.period) for r in records] == [("milestone", "2024")]


# --- the owner named right after a figure: only a preposition phrase between ------------------------

@pytest.mark.parametrize("text, owner", [
    ("R&D spending reached 3.5% in the US in 2023.", "United States"),
    ("R&D spending reached 3.5% of GDP in the US in 2023.", "United States"),
    ("Some 47% completed their undergraduate degrees in India in 2023.", "India"),
    ("R&D spending reached 3.5%, a level the US has never reached, in 2023.", DEFAULT_SUBJECT),  # a comma
    ("R&D spending grew 3.5% and helped firms invest in the US in 2023.", DEFAULT_SUBJECT),  # a clause word
    ("Growth of 3.5% helped firms invest in the US in 2023.", DEFAULT_SUBJECT),  # a later verb
    ("Huawei's shares rose 3.5% in Hong Kong in 2023.", "Huawei"),  # an organisation acting before: where
    ("Toyota will cut its Thai production by 3.5% in 2023.", "Toyota"),  # a country's adjective after "its"
])
def test_owner_after_a_figure(text, owner):
    assert [r.subject for r in extract_indicators(text, "t") if r.unit == "percent"] == [owner]


@pytest.mark.parametrize("text, owners", [
    ("Huawei's sales rose 3.5% in 2023, while its shipments fell 2% in India.", ["Huawei", "India"]),  # a clause
    ("China's R&D spending rose 3.5% in 2023, against 2% in the US.", [DEFAULT_SUBJECT, "United States"]),
])
def test_an_organisation_before_a_figure_owns_it_only_in_its_own_clause(text, owners):
    assert [r.subject for r in extract_indicators(text, "t") if r.unit == "percent"] == owners


# --- organisation words: no single body's name --------------------------------------------------------

def test_a_unit_is_no_organisation_word_but_an_association_is():
    text = (
        "The Graphics Processing Unit (GPU) market grew. "
        "The China Semiconductor Industry Association (CSIA) reported sales."
    )
    organisations = _document_context(text, "t").organisations
    assert "GPU" not in organisations
    assert "CSIA" in organisations


# --- scales and currencies come from the catalog ---------------------------------------------------------

@pytest.mark.parametrize("text, value, unit, value_text", [
    ("Chip imports reached $349.4 bln in 2023.", 349.4e9, "USD", "$349.4 bln"),
    ("Goods trade totalled 21.17 trln yuan in 2024.", 21.17e12, "CNY", "21.17 trln yuan"),
    ("China sold 1.31 mln electric vehicles in 2024.", 1.31e6, "count", "1.31 mln"),
    ("India's R&D spending was Rs 1.27 lakh crore in 2021.", 1.27e12, "INR", "Rs 1.27 lakh crore"),
    ("India spent ₹500 crore on chip plants in 2024.", 5e9, "INR", "₹500 crore"),
    ("Operators installed 4.5 lakh base stations in 2024.", 4.5e5, "count", "4.5 lakh"),
    ("Samsung will invest ₩30 trillion in chip plants in 2025.", 3e13, "KRW", "₩30 trillion"),
    ("Korea put 300 billion won into chip research in 2024.", 3e11, "KRW", "300 billion won"),
    ("TSMC revenue reached NT$4.34 trillion in 2024.", 4.34e12, "TWD", "NT$4.34 trillion"),
    ("The fund raised HK$5 billion for start-ups in 2024.", 5e9, "HKD", "HK$5 billion"),
    ("Japan set aside 2 trillion yen for chip plants in 2024.", 2e12, "JPY", "2 trillion yen"),
    ("R&D spending was ¥3.6 trillion in 2024.", 3.6e12, "CNY", "¥3.6 trillion"),
    ("The start-up raised $5m in 2024.", 5e6, "USD", "$5m"),
])
def test_scales_and_currencies(text, value, unit, value_text):
    assert [(r.value, r.unit, r.value_text) for r in extract_indicators(text, "t") if r.value is not None] == [
        (pytest.approx(value), unit, value_text)
    ]


@pytest.mark.parametrize("text", [
    "Huawei shipped 910B chips in 2024.",  # a model name
    "The rocket climbed 5m before the engine cut out in 2024.",  # a distance
])
def test_a_one_letter_abbreviation_scales_only_money(text):
    assert [r for r in extract_indicators(text, "t") if r.value is not None] == []


def test_won_after_a_number_without_a_scale_is_the_verb():
    records = extract_indicators("Of the company's engineers, 12 won awards for chip design in 2024.", "t")
    assert [(r.value, r.unit) for r in records] == [(12.0, "count")]


def test_currency_ranges_join_the_known_units():
    catalog = load_catalog()
    assert {"INR", "KRW", "HKD", "TWD", "JPY", "GBP"} <= known_units(catalog)
    assert catalog.unit_ranges["CNY"] == (0.0, 1.0e16)  # [unit_ranges] keeps its own bounds


def test_genre_data_is_read_from_the_catalog():
    catalog = parse_catalog({
        "genre": {"default_subject": "India", "relevance": ["crore"]},
        "scales": {"words": {"crore": 1.0e7}},
        "currency": [{"code": "INR", "signs": ["₹"], "range": [0.0, 1.0e17]}],
    })
    assert catalog.genre.default_subject == "India"
    assert catalog.scales.words == {"crore": 1.0e7}
    assert catalog.unit_ranges == {"INR": (0.0, 1.0e17)}
    assert DEFAULT_SUBJECT == load_catalog().genre.default_subject


# --- an amount whose currency the document stated before ---------------------------------------------

def units(text: str) -> list[tuple[str, str]]:
    return [(r.value_text, r.unit) for r in extract_indicators(text, "t") if r.unit != "percent"]


def test_an_amount_of_money_without_a_unit_takes_the_documents_currency():
    text = (
        "Kestrel Auto's revenue rose 9 percent to 410.5 billion yuan in 2025, and its net profit grew 4 percent "
        "to 28.3 billion. Deliveries rose 6 percent to 2.4 million in 2025."
    )
    assert units(text) == [("410.5 billion yuan", "CNY"), ("28.3 billion", "CNY"), ("2.4 million", "count")]


@pytest.mark.parametrize("sentence", [
    "Its app had 1.2 billion users at the end of 2025.",  # a counted noun follows
    "Exports of smartphones reached 1.2 billion in 2025.",  # exports are as often counted
    "Output of chips reached 420 billion in 2025.",  # no money word before it
])
def test_a_count_stays_a_count_beside_money(sentence):
    assert units("R&D spending reached 3.6 trillion yuan in 2025. " + sentence)[-1][1] == "count"


def test_the_implied_currency_is_the_one_the_document_states_most_not_a_conversion():
    text = (
        "Chip imports were worth 180.6 billion dollars in 2025. Equipment imports reached 6.1 billion dollars. "
        "Total trade was 21.2 trillion yuan ($2.9 trillion) in 2025. "
        "Exports of batteries fell 11 percent in value to 20.1 billion."
    )
    assert units(text)[-1] == ("20.1 billion", "USD")  # dollars twice, yuan once: the latest stated is not it
    converted = (
        "Chip imports were worth 2.2 billion dollars in 2025. Revenue was 5.1 billion yuan ($0.7 billion) in 2025, "
        "against 4.0 billion yuan ($0.55 billion) in 2024. Net profit grew to 1.2 billion in 2025."
    )
    assert units(converted)[-1] == ("1.2 billion", "CNY")  # conversions restate: yuan twice, dollars once


def test_no_currency_stated_leaves_an_amount_a_count():
    assert units("Net profit grew to 1.2 billion in 2025.") == [("1.2 billion", "count")]


def test_the_yuan_sign_is_the_yen_in_a_figure_of_japans():
    text = "Japan has set aside ¥66.2 billion for quantum research in 2025, while China's budget reached ¥398.1 billion."
    assert units(text) == [("¥66.2 billion", "JPY"), ("¥398.1 billion", "CNY")]


# --- a reporting window: the year it is of ----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "In January-October 2024, exports of electric vehicles reached 1.05 million units.",
    "Exports of electric vehicles reached 1.05 million units in Jan-Sept 2024.",
    "Exports of electric vehicles reached 1.05 million units in the first ten months of 2024.",
])
def test_a_partial_year_window_is_dated_by_its_year_and_names_no_key(text):
    [record] = extract_indicators(text, "t")
    assert (record.value, record.period) == (1.05e6, "2024")
    assert not any(month in record.indicator for month in ("jan", "sept", "october", "ten"))


def test_a_year_after_a_capitalised_name_is_still_part_of_the_name():
    assert [r.period for r in extract_indicators("Vision 2030 calls for 500 new AI companies.", "t")] == [None]


@pytest.mark.parametrize("text, owners", [
    ("China had 2.61 million researchers in 2023, more than Japan (0.92 million).", ["China", "Japan"]),
    ("China had 2.61 million researchers in 2023, ahead of the United States (1.67 million).", ["China", "United States"]),
    ("China's exports to the US ($5.2 billion) fell in 2023.", ["China"]),  # an object, not compared
])
def test_a_figure_in_parentheses_after_a_name_is_that_names(text, owners):
    assert [r.subject for r in extract_indicators(text, "t")] == owners


# --- a table's unit column and its growth column ---------------------------------------------------------

UNIT_COLUMN_TABLE = """Table 3 Main indicators of innovation, 2023-2024

| Item | Unit | 2023 | 2024 | Change in 2024 (%) |
|---|---|---|---|---|
| Business R&D spending | 100 million yuan | 1,204.5 | 1,330.2 | 10.4 |
| R&D spending as share of GDP | % | 2.91 | 3.02 | +0.11 pp |
| Industrial robot output | sets | 12,800 | 14,100 | 10.2 |
"""


def test_a_unit_column_gives_each_row_its_unit_and_a_growth_column_its_measure():
    found = [(r.indicator, r.value, r.unit, r.period) for r in extract_indicators(UNIT_COLUMN_TABLE, "t")]
    assert found == [
        ("berd", 120450000000.0, "CNY", "2023"),
        ("berd", 133020000000.0, "CNY", "2024"),
        ("berd_growth", 10.4, "percent", "2024"),
        ("rd_intensity", 2.91, "percent", "2023"),
        ("rd_intensity", 3.02, "percent", "2024"),
        ("rd_intensity_change", 0.11, "percent", "2024"),
        ("robot_output", 12800.0, "count", "2023"),
        ("robot_output", 14100.0, "count", "2024"),
        ("robot_output_growth", 10.2, "percent", "2024"),
    ]  # "100 million yuan" itself, in the unit column, is no figure


@pytest.mark.parametrize("text, unit", [
    ("China spent 3.33 trillion renminbi on R&D in 2023.", "CNY"),  # "renminbi" holds "nm" and is no nanometre
    ("The line makes chips at 7 nm in 2024.", "nm"),
])
def test_a_unit_word_is_read_whole(text, unit):
    assert [r.unit for r in extract_indicators(text, "t")] == [unit]


# --- who a company release, a city report and a bloc's figures are about ------------------------------------

def test_a_company_introduced_with_a_quoted_short_name_owns_its_release():
    text = (
        'Kestrel Motor Holdings Co., Ltd. ("Kestrel" or "the Company") today announced results for 2025.\n\n'
        "Revenue rose 12.5% to RMB40.2 billion in 2025.\n\n- Deliveries of 310,000 vehicles, up 8.1%."
    )
    assert {r.subject for r in extract_indicators(text, "t")} == {"Kestrel"}


def test_a_common_word_inside_a_concepts_wording_is_no_owner():
    text = "Shenzhen's R&D spending rose 9% in 2025. The number of national high-tech enterprises rose to 25,000 in 2025."
    assert [r.subject for r in extract_indicators(text, "t")] == ["Shenzhen", "Shenzhen"]


def test_the_eu_27_is_the_eu():
    assert [r.subject for r in extract_indicators("The EU-27 spent €381 billion on R&D in 2023.", "t")] == ["EU"]


def test_a_superscript_footnote_marker_after_a_stop_ends_the_sentence():
    text = "Chip imports cost $385 billion in 2024.⁴ The national fund holds 344 billion yuan of capital."
    assert [r.evidence for r in extract_indicators(text, "t")] == [
        "Chip imports cost $385 billion in 2024.", "The national fund holds 344 billion yuan of capital.",
    ]


@pytest.mark.parametrize("text, growth_key", [
    ("Module exports reached 181.4 GW in the first nine months of 2025, up 2.2%.", "solar_export_volume_growth"),
    ("The island's chip industry generated output of NT$4.1 trillion in 2025, down 3.2 percent.",
     "chip_industry_output_growth"),  # a derived level: its growth takes its key
    ("NEV output and sales were 1.2 million and 1.1 million, up 9% and 8% respectively.", "nev_output_growth"),  # a list
])
def test_a_growth_stated_right_after_a_level_is_that_levels_growth(text, growth_key):
    assert [r.indicator for r in extract_indicators(text, "t") if r.unit == "percent"][0] == growth_key


def test_year_to_date_is_not_a_cumulative_total():
    [level, _] = extract_indicators("Cumulative module exports in January-September 2025 reached 181.4 GW, up 2.2%.", "t")
    assert level.indicator == "solar_export_volume"


@pytest.mark.parametrize("text", [
    "The city's R&D spending was equivalent to 4.1% of the city's GDP in 2025.",
    "In 2025, R&D expenditure accounted for 2.7 percent of the country's GDP.",
    "R&D spending came to 3.2% of its GDP in 2025.",
])
def test_a_share_of_someones_gdp_is_a_share_of_gdp(text):
    assert [r.indicator for r in extract_indicators(text, "t")] == ["rd_intensity"]


def test_a_currencys_name_owns_nothing():
    text = "China's R&D spending reached 3.9 trillion yuan (about 540 billion U.S. dollars) in 2025, up 8.6 percent."
    assert {r.subject for r in extract_indicators(text, "t")} == {"China"}


def test_wording_after_a_comma_that_leads_into_the_next_figure_names_that_one():
    text = (
        "In 2025, the output of industrial robots rose 20 percent to 650,000 sets, the output of integrated "
        "circuits increased 9 percent to 470 billion units."
    )
    assert [r.indicator for r in extract_indicators(text, "t")] == [
        "robot_output_growth", "robot_output", "chip_output_growth", "chip_output",
    ]


def test_scales_after_a_hyphen_and_points_written_ppt():
    assert claims("In 2025 a ₹22,919-crore scheme was set up. In 2025 a $5-billion fund was set up.") == [
        (229190000000.0, "INR", "2025", "₹22,919-crore"), (5e9, "USD", "2025", "$5-billion"),
    ]
    assert [(r.indicator, r.unit) for r in extract_indicators("Gross margin rose 0.4 ppt in 2025.", "t")] == [
        ("gross_margin_change", "percent")
    ]


def test_the_n_months_is_a_reporting_window_not_a_duration():
    found = claims("Exports totalled $164 billion over the ten months, and revenue for the six months ended June 30 rose 5%.")
    assert [unit for _, unit, _, _ in found] == ["USD", "percent"]
    assert claims("The plan runs for ten years.") == [(10.0, "years", None, "ten years")]


def test_a_quarter_on_quarter_column_is_a_growth_and_a_unit_in_the_row_label_wins_over_the_caption():
    table = (
        "Key figures (RMB million unless otherwise stated)\n\n"
        "| | Q2 2025 | Q1 2025 | QoQ |\n|---|---|---|---|\n"
        "| Revenue | 10,520 | 8,870 | +18.6% |\n| Battery shipments (GWh) | 23.4 | 19.2 | -2.1% |\n"
    )
    records = extract_indicators(table, "t")
    found = [(r.indicator, r.value, r.unit) for r in records]
    assert {r.period for r in records} == {"2025"}  # the QoQ column compares two quarters of 2025
    assert found[:2] == [("revenue", 10520e6, "CNY"), ("revenue", 8870e6, "CNY")]
    assert found[2][0].endswith("growth") and found[2][1:] == (18.6, "percent")
    assert found[3:5] == [("battery_shipments", 23.4, "GWh"), ("battery_shipments", 19.2, "GWh")]
    assert found[5][0].endswith("growth") and found[5][1:] == (-2.1, "percent")


# --- one month beside the year to date ---------------------------------------------------------------------

def test_a_single_months_flow_has_its_own_key_beside_the_year_to_date():
    text = (
        "Chip imports rose 9.1% to $301.2 billion in the first nine months of 2025. In September alone, chip "
        "imports reached $33.4 billion, up 11.2% from a year earlier. Battery exports rose 20% to $50.2 billion "
        "in January-September 2025, and September's $5.9 billion was a record."
    )
    assert [r.indicator for r in extract_indicators(text, "t")] == [
        "semiconductor_imports_growth", "semiconductor_imports",
        "semiconductor_imports_monthly", "semiconductor_imports_growth_monthly",
        "battery_exports_growth", "battery_exports", "battery_exports_monthly",
    ]


def test_a_stock_dated_by_a_month_keeps_its_key():
    [record] = extract_indicators("China had 4.55 million 5G base stations in September 2025.", "t")
    assert record.indicator == "base_stations_5g"


def test_growth_on_the_month_before_is_apart_from_growth_on_the_year_before():
    text = "In September 2025, China exported 17.2 GW of solar modules, down 4.4% month-on-month and 8.1% year-on-year."
    assert [r.indicator for r in extract_indicators(text, "t")] == [
        "solar_export_volume_monthly", "solar_export_volume_growth_monthly_mom", "solar_export_volume_growth_monthly",
    ]


def test_a_classical_run_time_of_billions_of_years_is_plausible():
    text = "The task would take Frontier, a leading classical supercomputer, some 2.1 billion years."
    [record] = extract_indicators(text, "t")
    assert (record.indicator, record.unit) == ("quantum_computing_speedup", "years")


def test_a_part_of_the_whole_is_measured_as_the_whole_is():
    text = ("The country exported 4.9 million vehicles in 2025, up 12.2%, of which 1.8 million were new energy "
            "vehicles, an increase of 60.3%.")
    assert [r.indicator for r in extract_indicators(text, "t")] == [
        "vehicle_exports", "vehicle_exports_growth", "nev_exports", "nev_exports_growth",
    ]


def test_a_growth_after_a_level_and_what_it_counts_is_that_levels():
    text = "Carmakers exported 4.9 million vehicles in the first nine months of 2025, up 12.2%, while imports fell."
    assert [r.indicator for r in extract_indicators(text, "t")] == ["vehicle_exports", "vehicle_exports_growth"]


def test_short_bullets_under_a_lead_are_its_data_points_and_promotion_stays_out():
    text = ("Robot density in 2024 (robots per 10,000 factory workers):\n\n- Singapore: 770\n- Germany: 449\n\n"
            "Read more:\n\n- Subscribe: 3 issues free\n")
    assert [(r.indicator, r.subject, r.value) for r in extract_indicators(text, "t")] == [
        ("robot_density", "Singapore", 770.0), ("robot_density", "Germany", 449.0),
    ]


@pytest.mark.parametrize("text, expected", [
    ("The capsule weighs about 8 metric tons.", (8.0, "tonnes")),  # a unit's wording with a space in it
    ("The quantum chip is some 2 quadrillion times faster than a classical supercomputer.", (2e15, "times")),
    ("The link carries 10 gigabits per second in 2025.", (10.0, "Gbps")),
])
def test_measure_units_written_in_words(text, expected):
    assert [(r.value, r.unit) for r in extract_indicators(text, "t")] == [expected]


def test_times_is_a_unit_only_before_a_comparison():
    assert [(r.value, r.unit) for r in extract_indicators("The rocket flew three times in 2025.", "t")] != [
        (3.0, "times")
    ]


@pytest.mark.parametrize("text, owner", [
    ("Cambricon, a Beijing-based designer, reported revenue of 6.4 billion yuan for 2025.", "Cambricon"),
    ("The United States, led by SpaceX, conducted 180 launches in 2025.", "United States"),
    ("Nvidia's sales rose in 2025. Its revenue from China, including Hong Kong, was $17.1 billion in 2025.", "Nvidia"),
])
def test_where_a_body_sits_or_who_leads_it_owns_no_figure(text, owner):
    assert [r.subject for r in extract_indicators(text, "t")][-1] == owner


def test_a_company_named_in_full_is_the_catalogs_company():
    text = "Naura Technology Group, a maker of chip tools, said its revenue rose 30.2% in 2025."
    assert [r.subject for r in extract_indicators(text, "t")] == ["Naura"]


def test_nationally_after_a_figure_owns_it_and_a_share_of_the_national_total_is_the_provinces():
    text = ("Invention patents per 10,000 people in Jiangsu stood at 44.5 in 2025, against 14 nationally. "
            "Jiangsu's 5G base stations reached 280,000, 6.6% of the national total.")
    assert [(r.subject, r.unit) for r in extract_indicators(text, "t")] == [
        ("Jiangsu", "count"), ("China", "count"), ("Jiangsu", "count"), ("Jiangsu", "percent"),
    ]
    ranked = extract_indicators("China's total computing power ranks second globally at 280 EFLOPS in 2025.", "t")
    assert {r.subject for r in ranked} == {"China"}  # a ranking's scope is no owner


def test_n_more_than_before_is_an_increase_and_n_of_that_names_its_part():
    text = ("China had 4.5 million 5G base stations at the end of June 2025, 250,000 more than at the end of 2024. "
            "Its total computing power reached 300 EFLOPS in 2025, and about 100 EFLOPS of that is intelligent "
            "computing.")
    assert [r.indicator for r in extract_indicators(text, "t")] == [
        "base_stations_5g", "base_stations_5g_increase", "computing_power", "ai_computing_power",
    ]


def test_won_after_a_large_amount_is_the_currency():
    assert claims("The stock closed at 585,000 won in 2025.") == [(585000.0, "KRW", "2025", "585,000 won")]


def test_a_table_without_outer_pipes_is_read_as_a_table_and_a_navigation_bar_is_not():
    text = ("Table 2. At a glance\n"
            "Indicator                | Japan       | EU-27\n"
            "R&D spending, % of GDP   | 3.41 (2023) | 2.22 (2023)\n"
            "Researchers (million)    | 0.69 (2023) | 2.13 (2023)\n\n"
            "Home | News | Markets 24\n\nThe ministry said R&D spending rose 8% in 2025.\n")
    assert [(r.indicator, r.subject, r.value, r.unit, r.period) for r in extract_indicators(text, "t")] == [
        ("rd_intensity", "Japan", 3.41, "percent", "2023"), ("rd_intensity", "EU", 2.22, "percent", "2023"),
        ("researchers", "Japan", 690000.0, "count", "2023"), ("researchers", "EU", 2130000.0, "count", "2023"),
        ("rd_spending_total_growth", "China", 8.0, "percent", "2025"),
    ]


def test_the_national_figure_a_regional_text_compares_with_is_the_countrys():
    text = ("Guangdong Provincial Government Work Report 2025: summary\n\nGuangdong exported 300,000 new energy "
            "vehicles in 2025, about a quarter of the national total of 1.2 million. Hua Hong, the country's "
            "second-largest contract chipmaker, grew fast.")
    found = [(r.subject, r.value) for r in extract_indicators(text, "t") if r.unit == "count"]
    assert found == [("Guangdong", 300000.0), ("China", 1.2e6)]


def test_metres_are_stored_as_kilometres():
    assert claims("The test vehicle climbed to 10,002 metres in 2024.") == [(10.002, "km", "2024", "10,002 metres")]


def test_a_documents_structure_is_no_dated_event():
    text = ("The following summary covers the review of 2025 and the main targets for 2026.\n\nMain targets for 2026\n\n"
            "The province will open its first quantum computing centre by 2026.")
    assert [(r.kind, r.period) for r in extract_indicators(text, "t")] == [("target", "2026")]


def test_a_company_named_in_full_is_its_short_name_and_its_words_name_no_key():
    text = ("Semiconductor Manufacturing International Corp., whose revenue rose 27% to $8.03 billion in 2024, "
            "spent $7.33 billion on capex. SK hynix shares rose 3.2% in 2024.")
    assert [(r.indicator, r.subject) for r in extract_indicators(text, "t")] == [
        ("revenue_growth", "SMIC"), ("revenue", "SMIC"), ("capex", "SMIC"), ("share_growth", "SK hynix"),
    ]


def test_genre_lists_survive_the_full_names_table():
    genre = load_catalog().genre  # a TOML sub-table in the middle of [genre] would swallow the keys after it
    assert genre.relevance and genre.city_states and genre.full_names["Semiconductor Manufacturing International"] == "SMIC"
