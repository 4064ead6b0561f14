"""Names of records: the indicator key, label and topic of a figure (from the catalog, else from its
describing words) and of a dated event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

from tracker.catalog import fold_case, indicator_hits, load_catalog, nearest_indicator
from tracker.extract.context import Figure, WORD_RE, YearMention
from tracker.catalog import compile_folded, requirement_test
from tracker.extract.cues import GROWTH_AFTER_RE, GROWTH_BEFORE_RE
from tracker.extract.subjects import names_company_measure
from tracker.extract.figures import _MONTHS


NON_KEY_CHARS_RE = re.compile(r"[^a-z0-9]+")
# A growth rate is the change of a level: money, a count or a share, never a distance or node size.
LEVEL_UNITS = ("CNY", "USD", "EUR", "GBP", "JPY", "TWD", "KRW", "INR", "count")
# A change in percentage points is the change of a share or ratio first, else of a level.
CHANGE_UNITS = ("percent",) + LEVEL_UNITS
POSSESSIVE_RE = re.compile(r"[’']s?$")
STOPWORDS = frozenset(
    """a an the of in on at to for from by with and or but as is are was were be been being has have
    had that this these those its their his her our it they which who whom whose while than then
    there here also just only some around about nearly almost over under more less fewer at least
    most up per into onto within across between such so very not no yes both each all any every
    stood stands reached reach reaches accounted accounts account says said according currently
    approximately roughly estimated expected projected could would may might will shall can
    percent year years month months billion million trillion thousand hundred dozen yuan dollars
    euros usd cny rmb eur share around of what when where how do does did get got make made
    china chinese us u.s united states eu oecd world global its itself""".split()
)


# A measure stated after a figure: "per 10,000 people", "for every 1,000 employed", "per capita".
PER_UNIT_RE = compile_folded(
    r"(?:^|(?<=\s))\s*(?:[\w-]+\s+){0,5}?(?:per|for\s+every|for\s+each)\s+(?:(?P<count>\d[\d,]*|hundred|thousand|million)\s+)?"
    r"(?P<noun>capita|people|persons?|inhabitants|residents|population|employed|employees|workers|households)\b"
)
# The whole a share is of: GDP, or a total ("of all new cars sold", "of the total", "of its revenue").
SHARE_OF_GDP_RE = compile_folded(
    r"\b(?:of|to|in)\s+(?:its\s+|their\s+|the\s+|national\s+|(?:the\s+)?[\w-]+[’']s\s+)?(?:gdp|gross\s+domestic\s+product)\b"
)  # "of GDP", "of its GDP", "of the city's GDP", "of China's GDP"
SHARE_OF_TOTAL_RE = compile_folded(
    r"^\s*(?:\)\s*)?of\b|^[^,;]{0,12}\bof\s+(?:all|the\s+(?:total|national|global|world)|total|its|their|global|world)\b"
    r"|\b(?:share|proportion|portion|percentage)\b"
)
SHARE_OF_GDP_BEFORE_RE = compile_folded(r"\b(?:share|percentage|proportion|ratio)\s+(?:of|to)\s+(?:its\s+|the\s+)?(?:gdp|gross\s+domestic\s+product)\b")
SHARE_BEFORE_RE = compile_folded(r"\b(?:share|proportion|portion)\b[^,;]{0,40}$")
# What any match of each holds ("gdp", "share" ...): a window holding none of it is not scanned (speed).
SHARE_OF_GDP_REQUIRED = requirement_test(SHARE_OF_GDP_RE.pattern, min_run=3) or (lambda _: True)
SHARE_OF_GDP_BEFORE_REQUIRED = requirement_test(SHARE_OF_GDP_BEFORE_RE.pattern, min_run=3) or (lambda _: True)
SHARE_BEFORE_REQUIRED = requirement_test(SHARE_BEFORE_RE.pattern, min_run=3) or (lambda _: True)
PER_COUNT_WORDS = {"hundred": "100", "thousand": "1000", "million": "1m"}
PER_COUNT_SHORT = {"10000": "10k", "100000": "100k", "1000000": "1m"}


def _figure_measure(folded: str, figure: Figure, clause_span: tuple[int, int], is_growth: bool) -> str:
    """What a figure measures of its concept: "growth", "change_pp", "share_of_gdp", "share", a per-unit
    measure ("per_10k_people"), or "level"."""
    if is_growth:
        return "change_pp" if figure.is_change else "growth"
    if figure.is_change:
        return "change_pp"
    after = folded[figure.end:figure.end + 80]
    # Substring tests first: each pattern runs only where its words can be (speed).
    if "per " in after or "every" in after or "each" in after:
        per_unit = PER_UNIT_RE.match(folded, figure.end, min(len(folded), figure.end + 80))
        if per_unit:
            return _per_unit_measure(per_unit)
        if EACH_AFTER_RE.match(folded, figure.end):
            return "each"  # "seven provinces spent more than 100 billion yuan each": a threshold per member
    if figure.unit != "percent" and ("total" in folded or "cumulative" in folded) and CUMULATIVE_RE.search(
        folded, clause_span[0], min(clause_span[1], figure.end + 60)
    ) and not YEAR_TO_DATE_RE.search(folded, clause_span[0], clause_span[1]):
        return "cumulative"  # "bringing its total over the past decade to 1.249 trillion yuan"
    if figure.unit != "percent" and " than " in folded[figure.end:figure.end + 12] and INCREASE_AFTER_RE.match(folded, figure.end):
        return "increase"  # "<level> base stations, <N> more than at the end of last year"
    if figure.unit != "percent":
        before = folded[max(0, figure.start - 40):figure.start]
        if ("add" in before or " of " in before or " by " in before) and INCREASE_BEFORE_RE.search(before):
            return "increase"  # "an increase of 2.41 million", "will add 600,000": a change in the level's unit
    if figure.unit == "percent":
        after = folded[figure.end:min(clause_span[1], figure.end + 60)]
        if (SHARE_OF_GDP_REQUIRED(after) and SHARE_OF_GDP_RE.search(after)) or (
            SHARE_OF_GDP_BEFORE_REQUIRED(folded[clause_span[0]:figure.start])
            and SHARE_OF_GDP_BEFORE_RE.search(folded, clause_span[0], figure.start)
        ):
            return "share_of_gdp"  # "2.6% of GDP", "Measured as a share of GDP, it was 2.68%"
        share_start = max(clause_span[0], figure.start - 50)
        if SHARE_OF_TOTAL_RE.search(after) or (
            SHARE_BEFORE_REQUIRED(folded[share_start:figure.start]) and SHARE_BEFORE_RE.search(folded, share_start, figure.start)
        ):
            return "share"  # "6.9 percent of the total", "lifting its share of the total to 6.9 percent"
    return "level"


def _per_unit_measure(found: re.Match[str]) -> str:
    noun = found.group("noun")
    if noun == "capita":
        return "per_capita"
    count = (found.group("count") or "").replace(",", "")
    count = PER_COUNT_SHORT.get(count, PER_COUNT_WORDS.get(count, count))
    noun = {"persons": "people", "person": "people", "inhabitants": "people", "residents": "people",
            "population": "people", "employees": "employed"}.get(noun, noun)
    return "_".join(part for part in ("per", count, noun) if part)


CUMULATIVE_RE = compile_folded(
    r"\bcumulative(?:ly)?\b|\b(?:total|sum)\s+(?:\w+\s+){0,2}?(?:over|in|during|for)\s+the\s+(?:past|last|previous)\s+"
    r"(?:decade|\w+\s+(?:years|decades))"
)
# "Cumulative exports in January-October", "in the first ten months": the year so far, a statistics bureau's
# usual window, not a total over the years.
YEAR_TO_DATE_RE = compile_folded(
    rf"\b(?:{_MONTHS})\s?[-–]\s?(?:{_MONTHS})\b|\bfirst\s+(?:\w+|\d+)\s+months\b|\b(?:so\s+far\s+this|year[-\s]to[-\s]date)\b"
)
INCREASE_AFTER_RE = compile_folded(
    r"\s+(?:more|fewer|higher|lower|up)\s+than\s+(?:at|in|on|by|during|a\s+(?:year|decade)|the\s+(?:end|previous|same|start)|last)\b"
)
EACH_AFTER_RE = compile_folded(r"\s*(?:[\w-]+\s+){0,2}?(?:each|apiece)\b")
INCREASE_BEFORE_RE = compile_folded(
    r"\b(?:(?:an?\s+)?(?:net\s+)?(?:increase|rise|addition|jump|gain|expansion)\s+of|add(?:ed|s|ing)?|"
    r"(?:rose|grew|increased|climbed|jumped|expanded|up)\s+by)\s+$"
)

MEASURE_SUFFIXES = {
    "cumulative": ("_cumulative", " (cumulative)"),
    "each": ("_each", " (each)"),
    "increase": ("_increase", " (increase)"),
    "growth": ("_growth", " growth"),
    "change_pp": ("_change", " (change, percentage points)"),
    "share_of_gdp": ("_gdp_share", " as share of GDP"),
    "share": ("_share", " (share)"),
    "per_capita": ("_per_capita", " per capita"),
}


def _measure_suffix(measure: str) -> tuple[str, str]:
    """The key and label suffixes of a measure of a concept ("_growth", " growth")."""
    if measure in MEASURE_SUFFIXES:
        return MEASURE_SUFFIXES[measure]
    if measure.startswith("per_"):
        return "_" + measure, " " + measure.replace("_", " ").replace("10k", "10,000")
    return "", ""


def _growth_reading(folded: str, figure: Figure) -> tuple[bool, bool]:
    """(whether a percent figure is a rate of change, whether it states a fall: "declined by 24%" is -24)."""
    if figure.unit != "percent":
        return False, False
    after = GROWTH_AFTER_RE.match(folded, figure.end)
    # "up x% and y%", "x% and y% year on year": a listed percentage reads as its list does
    # ("or x percent of the total" restates, it does not list; a comma lists only before an "and")
    list_start = (LISTED_PERCENTS_BEFORE_RE.search(folded, max(0, figure.start - 80), figure.start)
                  if folded.endswith("and ", 0, figure.start) or (
                      folded.endswith(", ", 0, figure.start) and _listed_percents_after(folded, figure.end))
                  else None)
    start = list_start.start() if list_start else figure.start
    window_start = max(0, start - 30)
    # Substring tests first: any match holds one of its verbs inside the window (speed).
    before = GROWTH_BEFORE_RE.search(folded, window_start, start) if GROWTH_BEFORE_REQUIRED(
        folded[window_start:start]
    ) else None
    if after is not None or before is not None:
        # "fell x% year on year": the verb before says it is a fall even when the words after only say "change"
        falls = ((after is not None and after.group("decline_after") is not None)
                 or (before is not None and before.group("decline_before") is not None))
        return True, not figure.is_change and falls
    list_end = _listed_percents_after(folded, figure.end)
    after = GROWTH_AFTER_RE.match(folded, list_end.end()) if list_end else None
    if after is not None:
        return True, not figure.is_change and after.group("decline_after") is not None
    if RAISE_BY_REQUIRED(folded[max(0, figure.start - 90):figure.start]) and RAISE_BY_BEFORE_RE.search(
        folded, max(0, figure.start - 90), figure.start
    ):
        # "will raise provincial spending on applied research by 7%", "lifts farm budget 7%"
        return True, not figure.is_change and CUT_BEFORE_RE.search(folded, max(0, figure.start - 90), figure.start) is not None
    if folded.endswith("by ", 0, figure.start) and BY_TO_AFTER_RE.match(folded, figure.end):
        # "will raise its budget by 7 percent to 52 billion yuan", "cut its spending by 9.6 percent to ..."
        return True, not figure.is_change and CUT_BEFORE_RE.search(folded, max(0, figure.start - 80), figure.start) is not None
    return figure.is_change, False


GROWTH_BEFORE_REQUIRED = requirement_test(GROWTH_BEFORE_RE.pattern, min_run=2) or (lambda _: True)
_LISTED_PERCENT = r"[-+−]?\d[\d.,]*\s?(?:%|percent|per\s+cent)"
_LIST_JOIN = r"(?:\s*,\s*(?:and\s+)?|\s+and\s+)"
LISTED_PERCENTS_BEFORE_RE = re.compile(rf"(?:{_LISTED_PERCENT}{_LIST_JOIN})+$")
LISTED_PERCENTS_AFTER_RE = re.compile(rf"(?:{_LIST_JOIN}{_LISTED_PERCENT})+")


def _listed_percents_after(folded: str, end: int) -> re.Match | None:
    """The rest of a list of percentages after one of them, when it is a list (it has an "and")."""
    found = LISTED_PERCENTS_AFTER_RE.match(folded, end)
    return found if found is not None and " and " in found.group() else None
BY_TO_AFTER_RE = compile_folded(r"\s*(?:year[- ]on[- ]year\s+)?(?:,\s*)?to\s+(?:about\s+|around\s+|nearly\s+)?[\d$¥€£]")
# "raise provincial spending on applied research by 7%", or a headline's "lifts farm budget
# 7%" (never "raise the share above 8 percent", "lifting its share to 6.9 percent": those state the level).
RAISE_BY_BEFORE_RE = compile_folded(
    r"\b(?:raise[sd]?|raising|lift(?:s|ed|ing)?|boost(?:s|ed|ing)?|increase[sd]?|increasing|cut(?:s|ting)?|"
    r"reduce[sd]?|reducing|lower(?:s|ed|ing)?|slash(?:es|ed|ing)?|trim(?:s|med|ming)?)\s+"
    r"(?:(?:[\w&’'-]+\s+){0,9}?by|(?!(?:[\w&’'-]+\s+){0,3}?(?:to|above|below|at|of|from|over|under)\s)(?:[\w&’'-]+\s+){1,4}?)\s*$"
)
# Every match holds one of its verbs: a window holding none is not scanned at each position (speed).
RAISE_BY_REQUIRED = requirement_test(RAISE_BY_BEFORE_RE.pattern, min_run=2) or (lambda _: True)
CUT_BEFORE_RE = compile_folded(r"\b(?:cut|cuts|cutting|reduce[sd]?|reducing|lower(?:ed|s|ing)?|slash(?:ed|es|ing)?|trim(?:med|s|ming)?)\b")
ROW_GROWTH_RE = compile_folded(r"\b(?:growth|increase|change|rise|yoy|y/y|qoq|q/q|mom|m/m)\b|\bgrow|%\s*(?:chg|change)")


def _label_measure(label: str, figure: Figure, is_growth: bool) -> str:
    """The measure a table row's label names ("R&D growth (%)", "patents per 10,000 people", "share of GDP (%)")."""
    if is_growth:
        return "change_pp" if figure.is_change else "growth"  # "+<x> pp" under "Growth (%)": points, not a rate
    per_unit = PER_UNIT_RE.search(label)
    if per_unit:
        return _per_unit_measure(per_unit)
    if figure.unit == "percent":
        return "share_of_gdp" if SHARE_OF_GDP_RE.search(label) else "share"
    return "level"


def _figure_indicator(
    text: str, folded: str, figure: Figure, hits: list, clause_span: tuple[int, int], sentence_topic: Callable[[], str],
    row_label: str | None = None,
) -> tuple[str, str, str, bool]:
    """(key, label, topic, is_decline): the catalog's concept near the figure with the measure the figure states
    ("R&D spending" + "of GDP" -> rd_intensity), else a key derived from the words that describe it.

    `row_label`, for a figure in a table row, is the cell that says what it measures: the row's label
    ("| R&D growth (%) | 7.2 |"), or its column's header when the row is named by whom it is about.
    """
    if row_label is not None:
        label_folded = fold_case(row_label)
        is_growth = figure.unit == "percent" and ROW_GROWTH_RE.search(label_folded) is not None
        # "| CATL | -9.7% |": a signed cell under a change column is a fall.
        is_decline = is_growth and text[max(0, figure.start - 1):figure.start] in ("-", "−")
        measure = _label_measure(label_folded, figure, is_growth)
        label_hits = indicator_hits(row_label, load_catalog(), label_folded)
        span = (0, len(row_label))
        named = _catalog_indicator(label_hits, replace(figure, start=len(row_label) - 1), measure, span)
        words = _content_words(row_label)[-3:]
        hits = label_hits  # what the rest of the row or its header names is not this cell's
    else:
        is_growth, is_decline = _growth_reading(folded, figure)
        measure = _figure_measure(folded, figure, clause_span, is_growth)
        if clause_span[0] > 0 and any(h.start < clause_span[0] for h in hits) and _names_its_own_thing(
            text[clause_span[0]:figure.start]
        ):
            # A clause naming its own thing ("..., while output of wind turbines rose 31 percent") takes
            # no concept from the clauses before it.
            hits = [h for h in hits if clause_span[0] <= h.start < clause_span[1]]
        named = _catalog_indicator(hits, figure, measure, clause_span, folded)
        words = None
    if named is not None:
        return (*named, is_decline)
    if words is None:
        words = _describing_words(text, figure, clause_span[0], measure in ("share", "share_of_gdp"))
    if named is None and measure == "level":
        # "300 EFLOPS": a unit only one catalog concept is measured in names it.
        in_unit = load_catalog().entries_in_unit(figure.unit)
        if in_unit and figure.unit not in GENERAL_UNITS:
            # the least specific concept measured in it: "300 EFLOPS" is computing power
            only = min(in_unit, key=lambda e: len(e.label))
            return only.key, only.label, only.topic, is_decline
    if measure == "level" and not _names_its_own_thing(" ".join(words)):
        # "R&D intensity at 2.68%, with total spending of 3.61 trillion yuan": a generic head is the level of
        # the concept the sentence names.
        topical = _topic_concept_level(hits, figure)
        if topical is not None:
            return topical.key, topical.label, topical.topic, is_decline
    if words and not _names_its_own_thing(" ".join(words)) and not names_company_measure(" ".join(words)):
        words = []  # "Exports had reached $212.3 bln": a generic head alone names the topic before, not a concept
    key, label = _key_and_label(words, UNNAMED)
    if measure == "level":
        key_suffix, label_suffix = {"percent": ("_share", ""), "years": ("_years", ""), "rank": ("_rank", "")}.get(
            figure.unit, ("", "")
        )
    else:
        key_suffix, label_suffix = _measure_suffix(measure)
    return key + key_suffix, label + label_suffix, sentence_topic(), is_decline


# Between a count and the noun it counts: nothing, a copula or up to two describing words.
COUNTED_NOUN_GAP_RE = compile_folded(r"\s*(?:(?:were|are|was|is|of\s+them)\s+)?(?:[\w-]+\s+){0,2}")


# Units many concepts share (money, counts, physical quantities): a figure in one says nothing of what it
# measures, even when the catalog happens to know one concept in it ("55,431 tonnes" of rare earths).
GENERAL_UNITS = frozenset({
    "percent", "count", "years", "rank", "km", "nm", "m", "kg", "grams", "tonnes", "GW", "MW", "TWh", "GWh",
    "seconds", "minutes", "hours", "Gbps", "CNY", "USD", "EUR", "GBP", "JPY", "TWD", "KRW", "INR", "HKD",
})


def _topic_concept_level(hits: list, figure: Figure):
    """The level entry, in the figure's unit, of the one concept the sentence's catalog wording names."""
    catalog = load_catalog()
    concepts = {hit.entry.concept for hit in hits}
    if len(concepts) != 1:
        return None
    level = catalog.variant(concepts.pop(), "level")
    return level if level is not None and figure.unit in level.units else None


def _names_its_own_thing(fragment: str) -> bool:
    """Whether a clause names what it measures with more than a generic head ("total spending")."""
    generic = load_catalog().naming.generic_heads
    return any(word.lower() not in generic for word in _content_words(fragment))


def _catalog_indicator(
    hits: list, figure: Figure, measure: str, clause_span: tuple[int, int], folded: str = ""
) -> tuple[str, str, str] | None:
    """(key, label, topic) of the catalog concept the figure measures, in the measure it states; None when unknown."""
    if measure in ("each", "increase"):
        # Wording around the figure may name the change itself ("added 600 entities to its Entity List").
        spanning = [h for h in hits if h.start <= figure.start < h.end and h.entry.measure == measure]
        entry = nearest_indicator(spanning, figure.unit, figure.start, clause_span)
        if entry is not None:
            return entry.key, entry.label, entry.topic
    if measure in ("level", "share", "share_of_gdp") or measure.startswith("per_"):
        # An entry in the figure's own unit: a level, or a share such as rd_intensity. A count counts what
        # its own clause names ("2 million people, and ... 14 new fabs": the people are not fabs).
        if figure.unit == "count":
            hits = [h for h in hits if clause_span[0] <= h.start < clause_span[1]]
            # "1.84 million were engineers", "35 towns": the noun right after a count is what it counts.
            following = [
                h for h in hits
                if h.start >= figure.end and COUNTED_NOUN_GAP_RE.fullmatch(folded, figure.end, h.start)
            ]
            if following and not any(h.start <= figure.start < h.end for h in hits):
                hits = following  # (wording around the figure, "produced 9.6 million NEVs", still says more)
        entry = nearest_indicator(hits, figure.unit, figure.start, clause_span)
        if entry is not None and not (measure.startswith("share") and entry.measure in ("growth", "change_pp")):
            if not measure.startswith("per_") or entry.measure == "per_capita":
                return entry.key, entry.label, entry.topic
        if measure == "level":
            return None
    # A rate of change, share or ratio of a level: the level's concept, in that measure.
    # A change in points is of a share first; a threshold or an addition is in its level's own unit.
    units = CHANGE_UNITS if measure == "change_pp" else (
        (figure.unit,) if measure in ("each", "increase", "cumulative") else LEVEL_UNITS
    )
    if measure in ("share", "share_of_gdp"):
        # "basic research ... 6.65 percent of total R&D spending": the part is named before the figure; the
        # whole after it is what the share is of, never its concept.
        hits = [h for h in hits if h.end <= figure.start]
    entry = nearest_indicator(hits, units, figure.start, clause_span)
    if entry is None:
        return None
    variant = load_catalog().variant(entry.concept, "per_capita" if measure.startswith("per_") else measure)
    if variant is not None:
        return variant.key, variant.label, variant.topic
    key_suffix, label_suffix = _measure_suffix(measure)
    return entry.key + key_suffix, entry.label + label_suffix, entry.topic


def _describing_words(text: str, figure: Figure, clause_start: int, is_share: bool = False) -> list[str]:
    """Up to three content words naming what a figure measures: after a count, else before it."""
    if figure.unit == "rank":
        ranked = [w for w in _content_words(text[figure.end:figure.end + 80].split(",")[0]) if w.lower() != "place"]
        if ranked:
            return ranked[:3]  # "third in the world for robot patents": what is ranked follows
    following = text[figure.end:figure.end + 60].split(",")[0]
    if len(following) == 60 and " " in following:
        following = following[:following.rfind(" ")]  # whole words only
    after = _content_words(_up_to_verb(following), stop_at_break=True)
    if figure.unit == "count" and after:
        return after[:3]
    before_text = DASH_ASIDE_RE.sub(" ", APPOSITIVE_RE.sub(" ", ATTRIBUTION_RE.sub(" ", text[clause_start:figure.start])))
    # "Huawei said on Monday that its revenue rose 22%": what is measured follows the last "that".
    subordinate = list(SUBORDINATOR_RE.finditer(before_text))
    if subordinate:
        before_text = before_text[subordinate[-1].end():]
    # "R&D intensity at 2.68%, with total spending of 3.61 trillion": the phrase after the last comma is the
    # figure's own, when it names something.
    comma = before_text.rfind(",")
    before = _content_words(before_text[comma + 1:]) if comma >= 0 else []
    if not before:
        before = _content_words(before_text)
    if not before and is_share and clause_start > 0:
        # "Basic research — an aside — made up 6.9% of R&D spending": a share's part stands before the
        # clause break, and what follows the figure is the whole.
        before = _content_words(DASH_ASIDE_RE.sub(" ", ATTRIBUTION_RE.sub(" ", text[:figure.start])))
    if before:
        return before[-3:]
    return after[:3]


UNNAMED = "unnamed_figure"
# "Acme, the largest maker of routers, reported revenue": an appositive names the owner, not the figure.
APPOSITIVE_RE = re.compile(r",\s+(?:the|a|an)\s+[^,;]{1,80},")
# "according to Example Consulting data": who says so, never what is measured.
ATTRIBUTION_RE = re.compile(r"\b(?:[Aa]ccording to|[Cc]iting|[Pp]er)\s+[^,;]*")
SUBORDINATOR_RE = re.compile(r"\b(?:that|which|whose)\s")
# "Basic research — the curiosity-driven science — made up 6.9%": an aside between dashes names nothing measured.
DASH_ASIDE_RE = re.compile(r"\s[—–-]{1,2}\s[^—–]*?\s[—–-]{1,2}\s")
CONTENT_BREAK_WORDS = frozenset("in at to from by with which that who where when as than for on while and or".split())
# Prepositions after a noun phrase's head: "expenditure on applied research" is headed by "expenditure".
HEAD_PREPOSITIONS = frozenset("of on in for".split())


def _content_words(fragment: str, stop_at_break: bool = False) -> list[str]:
    """The words of `fragment` that name something, possessives and hyphens trimmed.

    The head noun comes last: "expenditure on applied research" gives the words of "applied research
    expenditure", so both wordings name one thing.
    """
    words: list[str] = []
    head_at: int | None = None  # the head's place in `words`, when a preposition follows it
    for found in WORD_RE.findall(fragment):
        word, is_break, is_content = _word_reading(found)
        if stop_at_break and words and is_break:
            break
        if is_content:
            words.append(word)
        elif head_at is None and words and word.lower() in HEAD_PREPOSITIONS:
            head_at = len(words) - 1
        elif is_break:
            head_at = None  # a new phrase starts: its own head is found anew
    if head_at is not None and head_at < len(words) - 1:
        words = words[:head_at] + words[head_at + 1:] + [words[head_at]]
    return words



@lru_cache(maxsize=16384)
def _word_reading(word: str) -> tuple[str, bool, bool]:
    """(the word trimmed, whether it breaks a run of describing words, whether it names something)."""
    if word[-1] in "s’'":
        word = POSSESSIVE_RE.sub("", word)
    word = word.strip("-")
    lowered = word.lower()
    naming = load_catalog().naming
    names_something = (
        len(lowered) > 1
        and lowered not in STOPWORDS
        and lowered not in naming.verbs
        and lowered not in naming.adverbs
        and lowered not in naming.measure_words
        and lowered not in naming.subject_words
        and not (lowered.endswith("ly") and lowered not in naming.not_adverbs)
        # "Jan-Sept", "year-end": words of time joined are one
        and not ("-" in lowered and all(part in naming.measure_words for part in lowered.split("-")))
    )
    return word, lowered in CONTENT_BREAK_WORDS, names_something


def _up_to_verb(fragment: str) -> str:
    """`fragment` up to the verb after its first content word: "bet on future technologies represents one of
    the most significant" names "future technologies"."""
    verbs = load_catalog().naming.verbs
    named = False
    for found in WORD_RE.finditer(fragment):
        word, _, is_content = _word_reading(found.group())
        if named and word.lower() in verbs:
            return fragment[:found.start()]
        named = named or is_content
    return fragment


NOT_PLURALS = frozenset({"overseas", "series", "species", "news", "means", "headquarters", "whereabouts"})


def singular(word: str) -> str:
    """A plural noun's singular, by the regular English endings ("batteries" -> "battery"); others unchanged."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is", "ics", "ous")) or word in NOT_PLURALS:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


@lru_cache(maxsize=16384)  # a pure function of one word, and the genre's words repeat (speed)
def _key_part(word: str) -> str:
    """A word as a part of a key: singular, lower case, "&" dropped, other non-key characters as "_"."""
    return singular(NON_KEY_CHARS_RE.sub("_", word.lower().replace("&", "")).strip("_"))


def _key_and_label(words: list[str], fallback: str) -> tuple[str, str]:
    """A snake_case key and a readable label from the words that name a figure.

    The key is canonical: each word singular and lower case, the qualifiers in alphabetical order
    before the head (the last word), so the same phrase in two sources gives one key.
    """
    parts: list[str] = []
    for word in words:
        part = _key_part(word)
        if part and part not in parts:
            parts.append(part)
    if len(parts) > 1:
        parts = sorted(parts[:-1]) + parts[-1:]
    key = "_".join(parts)
    label = " ".join(words)
    return (key or fallback), (label[:1].upper() + label[1:] if label else fallback.replace("_", " "))


EVENT_NOUNS = {
    "launch": "launch", "establish": "establishment", "found": "founding", "complet": "completion",
    "approv": "approval", "announc": "announcement", "releas": "release", "publish": "publication",
    "unveil": "unveiling", "introduc": "introduction", "deliver": "delivery", "sign": "signing",
    "pass": "passage", "adopt": "adoption", "enact": "enactment", "issu": "issuance", "open": "opening",
}


def _event_key_and_label(
    text: str, clause_start: int, clause_end: int, year: YearMention, cue: re.Match[str] | None
) -> tuple[str, str] | None:
    """Name a dated event after what happened: the words before its verb plus the event's noun; None for a
    year with neither a cue nor a word that names something beside it (a heading such as "Main targets for
    <year>": no event)."""
    if cue is None:
        words = _content_words(text[clause_start:clause_end].replace(text[year.start:year.end], " "))[:4]
        return _key_and_label(words, "dated_event") if words else None
    verb = cue.group().lower()
    noun = next((n for stem, n in EVENT_NOUNS.items() if verb.startswith(stem)), None)
    before = _content_words(text[clause_start:clause_start + cue.start()])[-3:]
    if not before:
        before = _content_words(text[:clause_start])[-3:]  # ", which opened in 2017": the thing it names
    if noun is None:
        before = (before + _content_words(text[clause_start + cue.end():clause_end])[:2])[-4:]
    return _key_and_label(before + ([noun] if noun else []), "dated_event")
