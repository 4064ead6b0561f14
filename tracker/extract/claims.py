"""Records from sentences: clauses, kind and period of each figure, 'respectively' lists, table rows,
dated events, record assembly, and the entry point `extract_indicators`.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from tracker.catalog import compile_folded, fold_case, indicator_hits, load_catalog, requirement_test, topic_of
from tracker.extract.context import (
    DEFAULT_SUBJECT,
    DocumentContext,
    Owner,
    Figure,
    LOOKBACK_CHARS,
    SubjectMention,
    YearMention,
)
from tracker.extract.cues import ESTIMATE_CUE_RE, EVENT_CUE_RE, FUTURE_CUE_RE, HEDGE_RE, HEDGE_REQUIRED, TARGET_CUE_RE
from tracker.extract.figures import (
    CURRENCY_CODES,
    CURRENCY_UNITS,
    FIGURE_RE,
    LIST_JOINER_RE,
    SHARED_SIGN_CURRENCIES,
    SCALES,
    YEAR_RE,
    _MONTHS,
    _figures,
    _masked_spans,
    _year_mentions,
)
from tracker.extract.layout import RELEVANCE_RE, Sentence, _could_hold_claim, _sentences
from tracker.extract.naming import UNNAMED, YEAR_TO_DATE_RE, _content_words, _event_key_and_label, _figure_indicator
from tracker.extract.subjects import (
    COUNTRY_NAMES,
    _document_context,
    _figure_subject,
    _subject_mentions,
    PLACE_NAMES,
    continues_owner,
    opening_body,
    sentence_owner,
)
from tracker.models import Document, Failure, IndicatorRecord


QUOTE_REACH_CHARS = 2000
HAD_RE = re.compile(r"\bhad\b")
BY_YEAR_RE = re.compile(r"\bby\s+(?:19|20)\d\d\b")
TO_JOINER_RE = re.compile(r"\s+to\s+")
BASELINE_BEFORE_RE = compile_folded(r"\b(?:from|compared\s+(?:with|to)|versus|against)\s+$")
NEXT_HORIZON_RE = compile_folded(r"\b(?:next|coming)\s+$")
RESPECTIVELY_RE = compile_folded(r"\brespectively\b")
# "<shared words> production and sales reached A and B": measures listed in the order of the figures,
# sharing the words before them (or an "of ..." after them); the verb (or "of", a colon) leads straight into the figures.
_MEASURE_WORD = r"[a-z][a-z&-]*"
COORDINATED_MEASURES_RE = re.compile(
    r"(?P<lead>(?:[a-z0-9][a-z0-9&-]*\s+){0,3})"
    rf"(?P<items>{_MEASURE_WORD}(?:\s*,\s*{_MEASURE_WORD})*\s*,?\s+and\s+{_MEASURE_WORD})"
    r"(?:\s+of\s+(?P<tail>(?!(?:both|each)\b)[a-z0-9][a-z0-9&-]*(?:\s+(?!(?:both|each)\b)[a-z0-9][a-z0-9&-]*){0,2}))?"
    r"\s*"  # "exports and imports of chips"
    r"(?:(?:in|for|over)\s+(?:(?:19|20)\d\d|the\s+(?:year|quarter|month|first\s+half))\s+)?"  # "... in 2024 were"
    r"(?:(?P<both>both|each)\s+)?"  # "production and sales both exceeded A": one figure for every measure
    r"(?:were|was|are|is|reached|stood\s+at|totall?ed|came\s+to|amounted\s+to|hit|exceeded|passed|topped|surpassed|"
    r"(?:rose|grew|climbed|increased|fell|dropped|declined|jumped|surged)\s+to|of|:)\s+"
    r"(?:(?:a\s+record|respectively|about|around|roughly|nearly|almost|some|approximately|over|more\s+than|"
    r"an?\s+estimated)\s+)*$"
)
CONVERSION_JOINER_RE = compile_folded(
    r"^\s*[(,]\s*(?:(?:or|approximately|about|around|roughly|some|nearly|almost|equivalent\s+to|~)\s*)?$",
)
# Clause breaks. A soft break ("—", ", but") keeps the sentence's time frame;
# a hard one (";", ", while", ", and") may start a fact of its own.
CLAUSE_BREAK_RE = re.compile(
    r"(?=[;,—]|\s[-–w])(?:(?P<hard>;|,\s+(?:while|whereas|and|which)\b|\s(?:while|whereas)\s)|(?P<soft>,\s+but\b|—|\s–\s|\s-\s))"
)
DENOMINATOR_BEFORE_RE = compile_folded(r"\b(?:per|every|each)\s+$")
DENOMINATOR_REQUIRED = requirement_test(DENOMINATOR_BEFORE_RE.pattern, min_run=2) or (lambda _: True)
ROW_CHANGE_RE = compile_folded(r"\b(?:change|chg|growth|yoy|y/y|qoq|q/q|mom|m/m|increase)\b")
YEAR_EARLIER_AFTER_RE = compile_folded(
    r"\s*(?:a\s+year\s+(?:earlier|before|ago)|the\s+(?:previous|prior|preceding)\s+year|the\s+year\s+before)\b"
)
BASELINE_YEAR_BEFORE_RE = compile_folded(
    r"\b(?:than|compared\s+(?:with|to)|versus|vs\.?|relative\s+to)\s+(?:(?:in|that\s+of|the\s+level\s+of)\s+)?$"
)
BASELINE_YEAR_REQUIRED = requirement_test(BASELINE_YEAR_BEFORE_RE.pattern, min_run=2) or (lambda _: True)
SAME_YEAR_RE = compile_folded(r"\b(?:the\s+)?same\s+(?:year|period)\b")
FRONTED_YEAR_RE = compile_folded(r"^\W*(?:in|by|during|since|from|as\s+of)\s+(?:(?:early|late|mid)[\s-]+)?$")
EVENT_HEADER_RE = compile_folded(
    r"\b(?:achievement|milestone|event|mission|launch|development|description|what|breakthrough)s?\b",
)


class ExtractionBudgetExceeded(Exception):
    """A document stated more records, or took longer, than one document may (a failure row, not a hang)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{detail} ({reason})")
        self.reason = reason
        self.detail = detail


def extract_indicators(text: str, source_id: str, max_records: int | None = None,
                       max_seconds: float | None = None) -> list[IndicatorRecord]:
    """Every indicator record `text` states, in order of appearance.

    Offsets index `text` itself: `text[r.char_start:r.char_end] == r.value_text`.
    Past `max_records` records or `max_seconds` of work it raises ExtractionBudgetExceeded: a page
    of machine-made figures must not cost a run minutes and gigabytes.
    """
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    context = _document_context(text, source_id)
    records: list[IndicatorRecord] = []
    for sentence in _sentences(text):
        records.extend(_sentence_records(sentence, context))
        if max_records is not None and len(records) > max_records:
            raise ExtractionBudgetExceeded("too_many_records",
                                           f"more than {max_records} records (max_records_per_document)")
        if deadline is not None and time.monotonic() > deadline:
            raise ExtractionBudgetExceeded("extraction_timeout",
                                           f"extraction took longer than {max_seconds:g} s "
                                           "(max_extract_s_per_document)")
    records.sort(key=lambda r: r.char_start)
    return records


def extract_documents(documents: list[Document], max_records: int | None = None,
                      max_seconds: float | None = None) -> tuple[list[IndicatorRecord], list[Failure]]:
    """The records of many documents; a document over its budget becomes a failure and gives no records."""
    records: list[IndicatorRecord] = []
    failures: list[Failure] = []
    for doc in documents:
        try:
            records.extend(extract_indicators(doc.text, doc.source_id, max_records, max_seconds))
        except ExtractionBudgetExceeded as exc:
            failures.append(Failure(source_id=doc.source_id, check="extract", reason=exc.reason,
                                    message=f"{exc.detail}; its earlier records stay current ({exc.reason})"))
    return records, failures


@dataclass(unsafe_hash=True, slots=True)  # never modified; not frozen: construction is 2-3x cheaper
class Clause:
    start: int
    end: int
    joins_previous: bool  # began at a soft break, so earlier years still date it


RELATIVE_CLAUSE_RE = re.compile(r",\s+(?:which|who)\b[^,;]*(?=,)")
# What any break holds (";", "—", a comma and "and" ...): most sentences lack it and are not scanned (speed).
CLAUSE_BREAK_REQUIRED = requirement_test(CLAUSE_BREAK_RE.pattern, min_run=1) or (lambda _: True)


def _clauses(sentence: str) -> list[Clause]:
    breaks = [
        (m.start(), m.group("soft") is not None) for m in CLAUSE_BREAK_RE.finditer(sentence)
    ] if CLAUSE_BREAK_REQUIRED(sentence) else []
    # ", which shipped X last year, plans to ...": the aside ends at its closing comma.
    asides = [(m.end(), False) for m in RELATIVE_CLAUSE_RE.finditer(sentence)] if "wh" in sentence else []
    if asides:
        breaks = sorted(breaks + asides)  # else already in order: one pattern's matches, left to right
    clauses, start, joins = [], 0, False
    for position, soft in breaks:
        clauses.append(Clause(start, position, joins))
        start, joins = position, soft
    clauses.append(Clause(start, len(sentence), joins))
    return clauses


def _denominator_before(folded: str, position: int) -> bool:
    """"for every 10,000 people": "per", "every" or "each" ends just before `position`."""
    # Substring tests first: any match holds one of its words inside the window (speed).
    return DENOMINATOR_REQUIRED(folded[max(0, position - 12):position]) and DENOMINATOR_BEFORE_RE.search(
        folded, max(0, position - 12), position
    ) is not None


def _clause_of(position: int, clauses: list[Clause]) -> Clause:
    for clause in clauses:
        if clause.start <= position < clause.end:
            return clause
    return clauses[-1]


def _nothing_between(start: int, end: int, figures: list[Figure], figure: Figure, folded: str = "") -> bool:
    """No other figure lies between positions `start` and `end` (in either order).

    With `folded` given, a figure the first one runs "to" ("rose 22.4% to 862.1
    billion yuan in 2024") does not separate them: both state one change.
    """
    low, high = min(start, end), max(start, end)
    for other in figures:
        if other is figure or not low <= other.number_start < high:
            continue
        if folded and other.start > figure.end and TO_JOINER_RE.fullmatch(folded, figure.end, other.start):
            continue
        return False
    return True


def _cue_applies(cue_start: int, figure: Figure, figures: list[Figure], forward_only: bool = False) -> bool:
    """A cue before a figure governs it; one after it only if no other figure stands nearer the cue.

    "accounted for 7%, a share officials want to lift to 8% by 2030": "want"
    and "by 2030" govern 8%, not 7%. A modal ("would", "could") governs only
    what follows it: "in 200 seconds that would take 2.5 billion years".
    """
    if cue_start < figure.start:
        return True
    if forward_only:
        return False

    def gap(other: Figure) -> int:
        return other.start - cue_start if other.start >= cue_start else cue_start - other.end

    return min(figures, key=gap) is figure


def _sentence_records(sentence: Sentence, context: DocumentContext) -> list[IndicatorRecord]:
    text, folded = sentence.text, sentence.folded
    context.sentences_read[0] += 1
    if not _could_hold_claim(folded):
        _note_owner(sentence, context)  # "India lags far behind. Its spending ...": the next sentence's "Its"
        return []
    masked = _masked_spans(text)
    years = _year_mentions(text, folded, masked)
    figures = [
        f for f in _figures(text, folded, masked, years, context.catalog)
        if not (f.unit == "count" and _denominator_before(folded, f.start))
    ]  # "24 base stations for every 10,000 people": the 10,000 is the measure's denominator, not a claim
    if figures:
        figures = _lend_document_currency(folded, figures, context)
    if not figures and not years:
        _note_owner(sentence, context)
        return []
    column_periods: dict[int, str] = {}
    if sentence.is_table_row:
        figures, column_periods = _table_row_figures(sentence, figures)
    stated_figures = figures  # a year beside any figure dates that figure, kept or not
    if not (
        sentence.is_table_row or sentence.paragraph.is_relevant
        or (sentence.list_lead is not None and RELEVANCE_RE.search(sentence.list_lead) is not None)
    ):
        # Bare counts outside the genre's vocabulary are the usual junk ("159 seats").
        figures = [f for f in figures if f.unit not in ("count", "rank")]
    subjects = _subject_mentions(text, context)
    if subjects and any(f.unit in CURRENCY_UNITS for f in figures):
        # "<amount> U.S. dollars", "<amount> in Hong Kong dollars": a currency's name owns nothing
        subjects = [s for s in subjects if not any(f.start <= s.start and s.end <= f.end for f in figures)]
    previous_owner = context.previous_owner[0] if context.previous_owner else None
    _note_owner(sentence, context, subjects)
    clauses = _clauses(text)
    sentence_topic = _once(lambda: topic_of(text, context.catalog, folded))  # only derived keys and events need it
    hits = indicator_hits(text, context.catalog, folded) if figures else []
    if figures and not hits and sentence.table_header:
        hits = indicator_hits(sentence.table_header, context.catalog)  # the header names the columns
    elif figures and not hits and sentence.list_lead:
        hits = indicator_hits(sentence.list_lead, context.catalog, sentence.list_lead)  # "<measure> in <year>:"
    elif hits and subjects:
        # A common word inside a concept's own wording names the concept, not an owner ("national high-tech
        # enterprises"); a proper name there still does ("expenditure on R&D in the United States").
        subjects = [
            s for s in subjects
            if not (
                text[s.start:s.start + 1].islower() and s.name not in PLACE_NAMES  # "the city" is a place named before
                and any(h.start <= s.start and s.end <= h.end for h in hits)
            )
        ]
    records: list[IndicatorRecord] = []
    previous: IndicatorRecord | None = None
    previous_figure: Figure | None = None
    grown: IndicatorRecord | None = None  # the level the latest growth figures are of
    runs = _figure_runs(folded, figures) if len(figures) >= 2 else []
    respectively = _respectively_assignments(folded, figures, subjects, years, runs)
    parallel = _parallel_hits(folded, runs, context) if runs else {}
    if len(figures) >= 2 and (" and " in folded or " while " in folded or " but " in folded):
        parallel = {**_elliptical_hits(folded, figures, context.catalog), **parallel}
    if len(figures) >= 2 and ("of which" in folded or "among " in folded or "including" in folded or " of th" in folded):
        parallel = {**_part_of_whole_hits(folded, figures, context.catalog), **parallel}
    shared = _shared_figure_hits(folded, figures, context) if " both " in folded or " each " in folded else {}
    # "12 percent more than in 2019": a year compared with dates no figure (read once per sentence, not per figure)
    own_years = [y for y in years if not _is_compared_year(folded, y)]
    # A conversion in parentheses restates its neighbour; it never stands between a figure and its year.
    primary = [f for i, f in enumerate(figures) if i == 0 or not _is_conversion(folded, figures[i - 1], f)]
    naming_text = _without_body_names(text, folded, subjects)  # once per sentence: every figure's key reads it
    months = _window_mentions(folded) if MONTHLY_WINDOW_REQUIRED(folded) else []
    if not any(m.period == "month" for m in months):
        months = []
    for figure in figures:
        measures = shared.get(figure.start) or [parallel.get(figure.start, hits)]
        record = _figure_record(
            sentence, figure, primary, years, subjects, clauses, measures[0], context,
            respectively, sentence_topic, previous_owner, own_years, naming_text,
        )
        if figure.start in column_periods:
            record = replace(record, period=column_periods[figure.start])
        if sentence.is_table_row and sentence.table_header:
            owner = _column_subject(sentence, figure, context)
            if owner is not None:
                record = replace(record, subject=owner)  # "| Indicator | China 2023 | United States 2023 |"
        if record.indicator.startswith(UNNAMED):
            # "47% studied in China, while 18% did so in the US": a parallel figure, same indicator; a sentence
            # naming nothing continues its paragraph's last ("The US spent 3.46 percent", "the figure").
            alike = [
                r for r in records
                if r.value is not None and _same_unit_family(r.unit, record.unit) and _same_measure(r.indicator, record.indicator)
            ]
            earlier = alike[-1] if alike else (previous if previous is not None else _carried_record(sentence, context, record))
            if earlier is not None and _same_unit_family(earlier.unit, record.unit) and _same_measure(
                earlier.indicator, record.indicator
            ):
                record = replace(record, indicator=earlier.indicator, label=earlier.label, topic=earlier.topic)
        if record.indicator.startswith(UNNAMED):
            record = replace(record, indicator=_unnamed_key(record.indicator, folded))
        if record.unit == "percent" and ITS_SHARE_OPENING_RE.match(folded):
            record = _share_of_what_went_before(record, context)
        if (
            previous is not None and previous_figure is not None and record.indicator.endswith("_growth")
            and previous.unit not in ("percent", "years", "rank") and not previous.indicator.startswith(UNNAMED)
            and GROWTH_AFTER_LEVEL_RE.fullmatch(folded, previous_figure.end, figure.number_start)
            and not any(previous_figure in run for run in runs)  # a list of levels pairs with its growths in order
        ):
            grown = previous  # "reached <level>, up <x%>": that level's growth
        elif grown is not None and not (
            any(previous_figure in run and figure in run for run in runs)
            or GROWTH_LIST_GAP_RE.fullmatch(folded, previous_figure.end, figure.number_start)
        ):
            grown = None  # "..., down <x%> month on month and <y%> year on year": a list of growths of one level
        if grown is not None and record.indicator.endswith("_growth"):
            record = _growth_of(grown, record, context)
        if months:
            record = _monthly_key(folded, record, figure, primary, clauses, months, runs)
        if record.unit == "percent" and "_growth" in record.indicator and ("on" in folded or "previous" in folded):
            sequential = SEQUENTIAL_AFTER_RE.match(folded, figure.end)
            if sequential is not None:
                # "up <x%> month on month": against the month (quarter) before, not the year before
                suffix = "_mom" if "month" in sequential.group() else "_qoq"
                record = replace(record, indicator=record.indicator + suffix, label=record.label + " (on the period before)")
        if previous is not None and previous_figure is not None and _is_conversion(folded, previous_figure, figure):
            record = replace(
                record, indicator=previous.indicator, label=previous.label, subject=previous.subject,
                kind=previous.kind, period=previous.period, topic=previous.topic,
            )
        records.append(record)
        for other in measures[1:]:  # the same figure stated for another measure of the list: its own record
            named = _figure_record(sentence, figure, primary, years, subjects, clauses, other, context,
                                   respectively, sentence_topic, previous_owner, own_years, naming_text)
            records.append(replace(record, indicator=named.indicator, label=named.label, topic=named.topic))
        previous, previous_figure = record, figure
    records += _event_records(sentence, stated_figures, years, subjects, clauses, context, sentence_topic)
    figure_records = [r for r in records if r.value is not None]
    if figure_records:
        context.carried[:] = context.carried[-(CARRY_REACH_SENTENCES - 1):] + [(context.sentences_read[0], figure_records)]
    return records


DOCUMENT_OPENING_CHARS = 400  # the headline and first paragraph say whom a document is about


def _document_owner(sentence: Sentence, context: DocumentContext) -> str | None:
    """The body a document's opening names as an owner ("Guangdong's R&D spending rose ...", a company's
    results), if any."""
    return context.document_owner.get("owner")


def _note_document_owner(sentence: Sentence, context: DocumentContext, subjects: list[SubjectMention]) -> None:
    """Whom the document is about, from the first body (a province, city or company) its opening names."""
    if "owner" in context.document_owner or sentence.paragraph.raw_position(sentence.start) > DOCUMENT_OPENING_CHARS:
        return
    if sentence.text.isupper():
        subjects = _subject_mentions(sentence.text.title(), context)  # "ACME TELECOM LIMITED" is Acme Telecom
    body = opening_body(subjects)
    if body is not None:
        context.document_owner["owner"] = body
        if not context.previous_owner:
            context.previous_owner[:] = [Owner(body, True, context.sentences_read[0], body in PLACE_NAMES)]


def _note_owner(sentence: Sentence, context: DocumentContext, subjects: list[SubjectMention] | None = None) -> None:
    """Remember the owner a sentence opens with ("India lags far behind."), for an "Its" in the next one."""
    if subjects is None:
        subjects = _subject_mentions(sentence.text, context)
    _note_document_owner(sentence, context, subjects)
    number = context.sentences_read[0]
    owner = sentence_owner(subjects, number, sentence.text)
    if owner is not None:
        context.previous_owner[:] = [owner]
    elif context.previous_owner and continues_owner(sentence.text, subjects, context.previous_owner[0], number):
        # a run of sentences about one company or province (a new Owner: this sentence still reads the old one)
        context.previous_owner[0] = replace(context.previous_owner[0], sentence=number)


def _unnamed_key(key: str, folded_sentence: str) -> str:
    """A figure nothing names gets a key of its own sentence ("unnamed_3f9a2c_share"): an unknown never links
    to another source's unknown, and stays stable while its sentence's wording does."""
    digest = hashlib.blake2s(folded_sentence.encode("utf-8"), digest_size=3).hexdigest()
    return f"unnamed_{digest}{key[len(UNNAMED):]}"


# "<A concept> received <amount>. Its share of the total rose to x percent."
ITS_SHARE_OPENING_RE = re.compile(r"\s*(?:its|their)\s+(?:share|proportion|portion)\s+(?:of|in)\b")


def _share_of_what_went_before(record: IndicatorRecord, context: DocumentContext) -> IndicatorRecord:
    """A share that "its" opens, under a derived key: the share of the concept the previous sentence measured,
    when the catalog has that concept's share ("basic_research_expenditure" -> basic_research_share)."""
    if context.catalog.entry(record.indicator) is not None:
        return record  # the sentence names its own concept
    recent = [records for number, records in context.carried if number >= context.sentences_read[0] - 1]
    levels = [r for r in (recent[-1] if recent else []) if r.unit != "percent"]
    share = _variant_of(levels[-1], "share", context.catalog) if levels else None
    if share is None:
        return record
    return replace(record, indicator=share.key, label=share.label, topic=share.topic, subject=levels[-1].subject)


def _variant_of(record: IndicatorRecord, measure: str, catalog):
    """The catalog's entry for the record's concept in another measure, when the record's key is the catalog's."""
    entry = catalog.entry(record.indicator)
    return catalog.variant(entry.concept, measure) if entry is not None else None


def _carried_record(
    sentence: Sentence, context: DocumentContext, record: IndicatorRecord | None = None
) -> IndicatorRecord | None:
    """The latest figure of the figure-bearing sentence just before (of the record's unit family and measure,
    when given), which a sentence naming nothing continues. "That number fell 5 percent" after a count is the
    growth of that count."""
    recent = [records for number, records in context.carried if number >= context.sentences_read[0] - CARRY_REACH_SENTENCES]
    if not recent:
        return None
    if record is None:
        return recent[-1][-1]
    for earlier in reversed(recent):
        alike = [r for r in earlier if _same_unit_family(r.unit, record.unit) and _same_measure(r.indicator, record.indicator)]
        if alike:
            return alike[-1]
    levels = [r for r in recent[-1] if r.unit != "percent" and not r.indicator.startswith("unnamed_")]
    if levels and record.indicator.endswith("_growth"):
        level = levels[-1]
        return replace(level, indicator=level.indicator + "_growth", label=level.label + " growth", unit=record.unit)
    if levels and record.indicator.endswith("_gdp_share"):
        # "...spent $503 billion on R&D. Measured as a share of GDP, it was 2.68%": that level's share of GDP
        variant = _variant_of(levels[-1], "share_of_gdp", context.catalog)
        if variant is not None:
            return replace(levels[-1], indicator=variant.key, label=variant.label, unit=record.unit)
    return None


# Between a level and its growth stated right after it: "reached <level>, up <x%>", ", an increase of <x%>".
GROWTH_AFTER_LEVEL_RE = compile_folded(
    r"(?:\s+(?!(?:and|or|while|but|whereas|in|for|during|over|through|at|by|of)\b)[a-z][a-z-]*){0,4}?"  # "A vehicles", "B were new energy vehicles"
    r"(?:\s+(?:(?:in|for|during|over|through|at|by|of)\s+[^,;.()]{1,40}?|last\s+year|this\s+year))?\s*[,;(]?\s*(?:up|down|an?\s+(?:increase|rise|gain|decrease|decline|drop|fall)\s+of|"
    r"(?:rising|growing|increasing|falling|declining|dropping)(?:\s+by)?)\s+(?:(?:about|around|roughly|nearly|almost|some|over|more\s+than|just\s+over)\s+)?"
)


# A single month's figure beside the year-to-date ("In <month> alone, imports reached ...", "<month>'s
# <amount>"), and the year-to-date windows that compete with it for the nearest figure.
SINGLE_MONTH_RE = compile_folded(
    rf"\b(?:in|for|during)\s+(?:the\s+month\s+of\s+)?(?:{_MONTHS})\b(?:\s+(?:19|20)\d\d\b)?(?!\s?[-–/]|\s+(?:to|through|and)\b)"
    rf"|(?<![-–])\b(?:{_MONTHS})(?:[’']s\b|\s+(?:[a-z]+\s+)?alone\b)|\b(?:in|for)\s+the\s+month\b"
)
MONTHLY_WINDOW_REQUIRED = requirement_test(SINGLE_MONTH_RE.pattern, min_run=3) or (lambda _: True)
# Between two growth rates of one level: "<x%> month-on-month and <y%> year-on-year".
GROWTH_LIST_GAP_RE = compile_folded(
    r"\s*(?:(?:year|month|quarter)[- ]on[- ](?:year|month|quarter)|from\s+a\s+(?:year|month|quarter)\s+earlier|"
    r"on\s+the\s+(?:year|month|quarter)|sequentially)?\s*,?\s*(?:and|while|but)\s+(?:(?:up|down|by)\s+)?"
)
SEQUENTIAL_AFTER_RE = compile_folded(
    r"\s*(?:(?:month|quarter)[- ]on[- ](?:month|quarter)|from\s+(?:the\s+)?(?:previous|prior|preceding)\s+(?:month|quarter)|"
    r"(?:on|over)\s+the\s+(?:previous|prior|preceding)\s+(?:month|quarter)|from\s+the\s+(?:first|second|third)\s+quarter)\b"
)
MONTHLY_SUFFIX = "_monthly"
# Flows, which a month can measure; a stock ("users reached <N> in <month>") is only dated by it.
FLOW_KEY_RE = re.compile(r"export|import|output|sale|deliver|shipment|production|revenue|profit|trade|install")


def _monthly_key(folded: str, record: IndicatorRecord, figure: Figure, figures: list[Figure], clauses: list[Clause],
                 months: list[YearMention], runs: list[list[Figure]]) -> IndicatorRecord:
    """A flow measured over one month ("In October alone, chip imports reached A, up x%") is its own concept:
    `<key>_monthly`, never compared with the same key for the year or the year to date. A list is dated as a
    whole ("were A and B in March")."""
    if record.value is None or not FLOW_KEY_RE.search(record.indicator):
        return record
    figure = next((run[-1] for run in runs if figure in run), figure)
    window = _stated_period(folded, figure, figures, months, _clause_of(figure.number_start, clauses), clauses, months)
    if window != "month":
        return record
    return replace(record, indicator=record.indicator + MONTHLY_SUFFIX, label=record.label + " (one month)")


def _window_mentions(folded: str) -> list[YearMention]:
    """Single months ("month") and year-to-date windows ("ytd") of a sentence, in order."""
    found = [YearMention(m.start(), m.end(), "month", "in") for m in SINGLE_MONTH_RE.finditer(folded)]
    found += [YearMention(m.start(), m.end(), "ytd", "in") for m in YEAR_TO_DATE_RE.finditer(folded)]
    return sorted(found, key=lambda y: y.start)


def _growth_of(level: IndicatorRecord, growth: IndicatorRecord, context: DocumentContext) -> IndicatorRecord:
    """`growth` keyed as the growth rate of `level`'s concept (over the same window: one month's is keyed so after)."""
    level = replace(level, indicator=level.indicator.removesuffix(MONTHLY_SUFFIX))
    variant = _variant_of(level, "growth", context.catalog)
    if variant is not None:
        return replace(growth, indicator=variant.key, label=variant.label, topic=variant.topic)
    return replace(growth, indicator=level.indicator + "_growth", label=level.label + " growth", topic=level.topic)


CARRY_REACH_SENTENCES = 3  # the last few sentences: a wire story's paragraphs go on about one thing


def _same_unit_family(first: str | None, second: str | None) -> bool:
    """Both money (in any currency), or both the same unit."""
    return first == second or (first in CURRENCY_UNITS and second in CURRENCY_UNITS)


def _same_measure(first: str, second: str) -> bool:
    """Whether two keys measure alike: both growth rates, both changes, or both levels or shares."""
    return first.endswith("_growth") == second.endswith("_growth") and first.endswith("_change") == second.endswith("_change")


ROW_SCALE_RE = compile_folded(r"\b(?:(\d{1,3}(?:,\d{3})*)\s+)?(thousand|million|billion|trillion)s?\b")  # "100 million yuan"
UNIT_HEADER_RE = compile_folded(r"\s*(?:units?|units?\s+of\s+measure(?:ment)?|measured\s+in)\s*")
ROW_PERCENT_RE = compile_folded(r"%|\bper\s?cent|\bshare\b")
ROW_CURRENCY_RE = compile_folded(r"\b(yuan|rmb|cny|usd|us\$|dollars?|eur|euros?)\b|(\$|¥|€)")
YEAR_CELL_RE = re.compile(r"\s*(?:FY\s?)?((?:19[5-9]|20\d)\d)(?:\s?[-–/]\s?((?:19[5-9]|20\d)\d))?\s*")


def _cells(row: str) -> list[tuple[int, int]]:
    """(start, end) of each cell between the pipes of a markdown table row; a row without outer pipes
    ("Indicator | China | EU") has its cells between the pipes and the row's ends."""
    pipes = [i for i, char in enumerate(row) if char == "|"]
    if pipes and not row.lstrip().startswith("|"):
        pipes = [-1, *pipes] if row.rstrip().endswith("|") else [-1, *pipes, len(row)]
    return [(a + 1, b) for a, b in zip(pipes, pipes[1:])]


def _table_row_figures(sentence: Sentence, figures: list[Figure]) -> tuple[list[Figure], dict[int, str]]:
    """Read a table row as its header says: a year column dates its figures; the column's header, else the
    row's unit cell, else its label gives their unit.

    "| Engineers (millions) | 1.10 | 1.35 |" under "| Measure | 2019 | 2022 |"
    is 1.10 million in 2019 and 1.35 million in 2022; "| <concept> | 100 million yuan | <A> | <x> |"
    under "| Indicator | Unit | <year> | Growth (%) |" is A hundred million yuan and x%.
    """
    cells = _cells(sentence.text)
    header_cells = [sentence.table_header[a:b] for a, b in _cells(sentence.table_header or "")]
    if not cells:
        return figures, {}
    label = sentence.folded[cells[0][0]:cells[0][1]]
    if sentence.table_caption and not _states_unit(label):
        label = fold_case(sentence.table_caption)  # "| EU | 2.27 |" under "R&D as % of GDP": the caption's unit
    unit_column = next((i for i, h in enumerate(header_cells) if i > 0 and UNIT_HEADER_RE.fullmatch(fold_case(h))), None)
    if unit_column is not None and unit_column < len(cells):
        start, end = cells[unit_column]
        label = sentence.folded[start:end]  # "| ... | Unit | ...": the row's unit cell says it
    adjusted, periods = [], {}
    for figure in figures:
        column = next((i for i, (a, b) in enumerate(cells) if a <= figure.start < b), None)
        if column is not None and column == unit_column:
            continue  # "100 million yuan" in the unit column is the row's unit, not a figure
        if figure.bare and column not in (None, 0):
            header = fold_case(header_cells[column]) if column is not None and column < len(header_cells) else ""
            figure = _in_row_unit(figure, header if _states_unit(header) else label)
        if column is not None and column < len(header_cells):
            year = YEAR_CELL_RE.fullmatch(header_cells[column]) or HEADER_YEAR_RE.search(header_cells[column])
            if year:
                periods[figure.start] = f"{year.group(1)}-{year.group(2)}" if year.group(2) else year.group(1)
            elif column >= 2 and ROW_CHANGE_RE.search(fold_case(header_cells[column])):
                # "| Q2 <year> | Q1 <year> | QoQ |", "| H1 <year> | H1 <year before> | YoY |": the change is of the later period
                compared = [HEADER_YEAR_RE.search(cell) for cell in header_cells[column - 2:column]]
                if all(compared):
                    periods[figure.start] = max(found.group(1) for found in compared)
        adjusted.append(figure)
    return adjusted, periods


# A measure's unit named in a cell: "Battery shipments (GWh)".
ROW_MEASURE_UNIT_RE = compile_folded(rf"(?<![\w-])(?:{load_catalog().measure_alternation})(?![\w-])")


def _states_unit(folded_cell: str) -> bool:
    return any(
        pattern.search(folded_cell) for pattern in (ROW_PERCENT_RE, ROW_CURRENCY_RE, ROW_SCALE_RE, ROW_MEASURE_UNIT_RE)
    )


def _in_row_unit(figure: Figure, unit_words: str) -> Figure:
    """A bare cell's figure in the unit (and scale) `unit_words` state: "% of GDP", "100 million yuan", "(GWh)"."""
    measure = ROW_MEASURE_UNIT_RE.search(unit_words)
    stated = load_catalog().measure_unit(measure.group()) if measure and not ROW_PERCENT_RE.search(unit_words) else None
    if stated is not None:
        unit, factor = stated
        return replace(figure, value=figure.value * factor, precision=(figure.precision or 1.0) * factor,
                       unit=unit, bare=False)
    scale = ROW_SCALE_RE.search(unit_words)
    currency = ROW_CURRENCY_RE.search(unit_words)
    factor = SCALES[scale.group(2)] * float((scale.group(1) or "1").replace(",", "")) if scale else 1.0
    unit = "percent" if ROW_PERCENT_RE.search(unit_words) else (
        CURRENCY_CODES.get(currency.group(1) or currency.group(2), "count") if currency else "count"
    )
    return replace(figure, value=figure.value * factor, precision=(figure.precision or 1.0) * factor,
                   unit=unit, scale=factor, bare=False)


def _once(compute: Callable[[], str]) -> Callable[[], str]:
    """`compute`, called at most once: the first result is kept."""
    kept: list[str] = []

    def value() -> str:
        if not kept:
            kept.append(compute())
        return kept[0]

    return value


def _is_conversion(folded: str, first: Figure, second: Figure) -> bool:
    """"¥512.30 billion ($71 billion)": the same amount in another currency."""
    return (
        first.unit in CURRENCY_UNITS and second.unit in CURRENCY_UNITS and first.unit != second.unit
        and CONVERSION_JOINER_RE.match(folded[first.end:second.start]) is not None
    )


# An amount this large with no unit may be money whose currency the document stated before.
IMPLIED_MONEY_MIN_SCALE = 1e5
IMPLIED_MONEY_REACH_CHARS = 100
MONEY_MEASURE_RE = compile_folded(rf"\b(?:{'|'.join(load_catalog().genre.money_measures)})\b")
# Words after an amount that name no counted thing: "<amount> in <year>", "<amount>, up <x%>".
NEXT_WORD_RE = re.compile(r"\s*([a-z]+)")
NOT_COUNTED_AFTER = frozenset({
    "in", "for", "on", "from", "to", "at", "by", "last", "this", "that", "a", "an", "the", "and", "or", "but",
    "while", "with", "compared", "against", "versus", "vs", "year", "up", "down", "over", "than", "as", "during",
    "after", "before", "since", "between", "according", "yoy", "which", "whereas", "next", "each", "every",
    "annually", "so", "now", "already", "earlier", "respectively", "overall", "combined", "when", "if", "amid",
    "despite", "thanks", "due", "its", "their",
})


def _lend_document_currency(folded: str, figures: list[Figure], context: DocumentContext) -> list[Figure]:
    """"Net profit grew <x%> to <amount>" in a document stating its amounts in yuan: an amount with a
    scale word and no unit, which no counted noun follows, in words naming money since the previous
    amount, is in the document's currency (the one it states most; on a tie, the latest stated)."""
    lent = figures
    since = 0  # where the words describing the next amount start: after the previous amount, not a percent
    for index, figure in enumerate(figures):
        if figure.unit in CURRENCY_UNITS:
            if index == 0 or not _is_conversion(folded, figures[index - 1], figure):
                context.last_currency[:] = [figure.unit]
        elif (
            figure.unit == "count" and figure.scale >= IMPLIED_MONEY_MIN_SCALE
            and MONEY_MEASURE_RE.search(folded, max(since, figure.start - IMPLIED_MONEY_REACH_CHARS), figure.start)
        ):
            following = NEXT_WORD_RE.match(folded, figure.end)
            currency = _document_currency(context)
            if currency is not None and (following is None or following.group(1) in NOT_COUNTED_AFTER):
                lent = list(lent) if lent is figures else lent
                lent[index] = replace(figure, unit=currency)
        if figure.unit != "percent":
            since = figure.end
    return lent


def _document_currency(context: DocumentContext) -> str | None:
    """The currency the document states its amounts in: the one it uses most, the latest stated on a tie."""
    if not context.document_currencies:
        folded = fold_case(context.text)
        counts: dict[str, int] = {}
        previous_end, previous_unit = -1, None
        for found in FIGURE_RE.finditer(folded):
            written = (found.group("currency") or found.group("unit") or "").strip()
            code = CURRENCY_CODES.get("".join(written.removeprefix("of ").split()))
            if code is None:
                continue
            # a conversion in parentheses restates the amount before it in another currency
            if not (previous_unit not in (None, code) and CONVERSION_JOINER_RE.match(folded[previous_end:found.start()])):
                counts[code] = counts.get(code, 0) + 1
            previous_end, previous_unit = found.end(), code
        most = max(counts.values(), default=0)
        context.document_currencies[:] = [tuple(code for code, count in counts.items() if count == most)]
    tied = context.document_currencies[0]
    if len(tied) == 1:
        return tied[0]
    latest = context.last_currency[0] if context.last_currency else None
    return latest if latest in tied else (tied[0] if tied else None)


def _sign_currency(text: str, figure: Figure, subject: str) -> str:
    """"Japan has set aside ¥<amount>": a sign the genre reads as the yuan is the yen in a figure of Japan's."""
    if SHARED_SIGN_CURRENCIES and figure.unit in CURRENCY_UNITS:
        written = text[figure.start:figure.number_start]
        for code, signs, subjects in SHARED_SIGN_CURRENCIES:
            if subject in subjects and any(sign in written for sign in signs):
                return code
    return figure.unit


def _respectively_assignments(
    folded: str, figures: list[Figure], subjects: list[SubjectMention], years: list[YearMention],
    runs: list[list[Figure]],
) -> dict[int, tuple[str | None, str | None]]:
    """"China and the US spent 2.4% and 3.5% respectively": pair figures with subjects (or years) in order."""
    found = RESPECTIVELY_RE.search(folded) if "respectively" in folded else None
    if len(figures) < 2:
        return {}
    if not found:
        owners = _listed_owners(folded, runs, subjects)
        periods = _listed_periods(folded, runs, figures, years)
        return {start: (owners.get(start), periods.get(start)) for start in owners.keys() | periods.keys()}
    listed = [f for f in figures if f.end <= found.start()]
    run: list[Figure] = listed[-1:]
    for figure in reversed(listed[:-1]):
        if LIST_JOINER_RE.match(folded[figure.end:run[0].start]):
            run.insert(0, figure)
        else:
            break
    if len(run) < 2:
        return {}
    owners = _distinct_in_order([s.name for s in subjects if s.end <= run[0].start])[-len(run):]
    periods = [y.period for y in years if y.end <= run[0].start or y.start >= run[-1].end][-len(run):]
    if len(set(periods)) == 1:
        periods = periods[:1] * len(run)  # one year for the whole list
    assignments = {}
    for index, figure in enumerate(run):
        subject = owners[index] if len(owners) == len(run) else None
        period = periods[index] if len(periods) == len(run) else None
        assignments[figure.start] = (subject, period)
    return assignments


def _parallel_hits(folded: str, runs: list[list[Figure]], context: DocumentContext) -> dict[int, list]:
    """"<shared words> production and sales reached A and B, up x% and y%": each figure
    of a list as long as a list of measures before it takes the catalog's wording of its own measure,
    the shared words distributed ("NEV production", "NEV sales"); by figure start. A list naming its
    measures alone takes the shared words of the document's previous list ("production and sales
    reached ..." after "vehicle production and sales were ..."). Lists of anything else (countries,
    years) name no catalog concept and change nothing."""
    catalog = context.catalog
    found = COORDINATED_MEASURES_RE.search(folded, max(0, runs[0][0].start - 160), runs[0][0].start)
    if found is None:
        return {}
    items = _measure_items(found)
    lead, tail = found.group("lead"), found.group("tail")
    offset = found.start("items")
    if len(items) > len(runs[0]):
        # "over the quarter, output and sales reached A and B": the list is the measures next to the verb
        items, lead = items[-len(runs[0]):], ""
    measures = _listed_measures(items, lead, tail, offset, catalog)
    if measures is None and context.measure_lead:
        measures = _listed_measures(items, context.measure_lead[0] + " " + lead, tail, offset, catalog)
    if measures is None:
        return {}  # an unnamed measure: the list may not be of measures at all
    if lead.strip():
        context.measure_lead[:] = [lead.strip()]
    assigned: dict[int, list] = {}
    for run in runs:
        if len(run) == len(measures):
            assigned.update((figure.start, hits) for figure, hits in zip(run, measures))
    return assigned


def _shared_figure_hits(folded: str, figures: list[Figure], context: DocumentContext) -> dict[int, list[list]]:
    """"production and sales of <things> both exceeded A": one figure stated for each measure of the list, so
    one record per measure; the hits of each measure, by figure start."""
    shared: dict[int, list[list]] = {}
    for figure in figures:
        found = COORDINATED_MEASURES_RE.search(folded, max(0, figure.start - 160), figure.start)
        if found is None or not found.group("both"):
            continue
        measures = _listed_measures(_measure_items(found), found.group("lead"), found.group("tail"),
                                    found.start("items"), context.catalog)
        if measures is not None and len({hits[0].entry.key for hits in measures}) == len(measures):
            shared[figure.start] = measures
    return shared


LIST_AND_RE = re.compile(r"^\s*(?:,\s*)?(?:and|or)\s*$")
LIST_COMMA_RE = re.compile(r"^\s*,\s*$")
RANGE_BEFORE_RE = compile_folded(r"\b(?:between|from)\s+$")


# "... sold A <things> last year and exported roughly B": a second verb whose figure's object
# is the first figure's (left unsaid); "imported A of <things> and a record B of <other things>": a
# second object whose verb is the first figure's. The pieces both readings share:
_MEASURE_VERB = r"[a-z]{3,}ed|sold|built|made|bought|spent|sent|won"
_AMOUNT_HEDGE = (r"(?:(?:about|around|roughly|nearly|almost|some|another|a\s+further|a\s+record|over|"
                 r"more\s+than)\s+)?")
_OBJECT_WORDS = (r"((?:(?!(?:in|on|at|for|last|this|next|during|over|from|to|by|and|with|as|up|down|a|an|the|of|"
                 r"year|years)\b)[a-z][a-z&-]*\s*){1,3})")
ELLIPTICAL_VERB_BEFORE_RE = re.compile(rf"\b(?:and|but|while)\s+(?P<verb>{_MEASURE_VERB})\s+{_AMOUNT_HEDGE}$")
VERB_BEFORE_FIGURE_RE = re.compile(rf"\b(?P<verb>{_MEASURE_VERB})\s+{_AMOUNT_HEDGE}$")
SHARED_VERB_JOIN_RE = re.compile(rf"\band\s+{_AMOUNT_HEDGE}$")
OBJECT_WORDS_RE = re.compile(rf"\s*(?:(?:[a-z]+\s+)?of\s+)?{_OBJECT_WORDS}")  # "A dollars of <things>": the things
OWN_OBJECT_AFTER_RE = re.compile(rf"\s*(?:units\s+)?of\s+{_OBJECT_WORDS}")
CHANGE_AFTER_FIGURE_RE = re.compile(r"^\s*(?:units\s*)?,\s*(?:up|down|a\s+(?:rise|fall|drop)\s+of|an\s+increase\s+of)\s+$")
NO_OBJECT_AFTER_RE = re.compile(r"\s*(?:[,.;)]|$|(?:in|last|this|during|over|abroad|overseas|a\s+year|up|down)\b)")


# "exported A vehicles ..., of which B were new energy vehicles": a part of the whole, measured as the whole is.
PART_OF_WHOLE_BEFORE_RE = re.compile(r"(?:\bof\s+which|\bamong\s+(?:them|which)|\bincluding)\s*,?\s+$")
PART_OF_THAT_AFTER_RE = re.compile(rf"\s+of\s+(?:that|this|it|them|which)\s+(?:is|are|was|were)\s+{_OBJECT_WORDS}")
PART_NAMED_AFTER_RE = re.compile(rf"\s+(?:units\s+)?(?:were|was|are|is)\s+{_OBJECT_WORDS}")


def _part_of_whole_hits(folded: str, figures: list[Figure], catalog) -> dict[int, list]:
    """"China exported A vehicles ..., of which B were new energy vehicles": the part takes the catalog's
    wording of the whole's verb with its own object ("exported new energy vehicles"), placed at the part; by
    figure start."""
    assigned: dict[int, list] = {}
    for index, figure in enumerate(figures):
        named_after = PART_OF_THAT_AFTER_RE.match(folded, figure.end) if index > 0 else None
        if named_after is not None:
            # "reached <A> EFLOPS, and about <B> EFLOPS of that is <part>": the part names itself
            phrase = named_after.group(1).strip()
            hits = indicator_hits(phrase, catalog, phrase)
            if hits:
                assigned[figure.start] = [replace(hit, start=figure.start, end=named_after.end()) for hit in hits]
            continue
        if not PART_OF_WHOLE_BEFORE_RE.search(folded, max(0, figure.start - 20), figure.start):
            continue
        whole = next((f for f in reversed(figures[:index]) if f.unit == figure.unit), None)
        part = PART_NAMED_AFTER_RE.match(folded, figure.end)
        if whole is None or part is None:
            continue
        verb = VERB_BEFORE_FIGURE_RE.search(folded, max(0, whole.start - 40), whole.start)
        if verb is None:
            continue
        phrase = f"{verb.group('verb')} {part.group(1).strip()}"
        hits = indicator_hits(phrase, catalog, phrase)
        if hits:
            assigned[figure.start] = [replace(hit, start=figure.start, end=part.end()) for hit in hits]
    return assigned


def _elliptical_hits(folded: str, figures: list[Figure], catalog) -> dict[int, list]:
    """"sold about A <things> last year and exported roughly B": a figure after a second
    verb with no object of its own takes the catalog's wording of that verb with the previous figure's object
    ("exported NEVs"), placed at the verb; by figure start."""
    assigned: dict[int, list] = {}
    for index, figure in enumerate(figures):
        previous = next((f for f in reversed(figures[:index]) if f.unit == figure.unit), None)
        if previous is None:
            continue
        between = folded[previous.end:figure.start]
        verb = ELLIPTICAL_VERB_BEFORE_RE.search(between)
        if verb is not None and NO_OBJECT_AFTER_RE.match(folded, figure.end):
            obj = OBJECT_WORDS_RE.match(between)
            if obj is None or obj.end() > verb.start():
                continue
            verb_start = previous.end + verb.start("verb")
        elif SHARED_VERB_JOIN_RE.search(between) and (own := OWN_OBJECT_AFTER_RE.match(folded, figure.end)):
            # "imported A of <things> ... and a record B of <other things>": the first figure's verb,
            # this figure's own object
            verb = VERB_BEFORE_FIGURE_RE.search(folded, max(0, previous.start - 40), previous.start)
            if verb is None:
                continue
            obj, verb_start = own, verb.start("verb")
        else:
            continue
        phrase = f"{verb.group('verb')} {obj.group(1).strip()}"
        hits = indicator_hits(phrase, catalog, phrase)
        if hits:
            end = verb_start + len(verb.group("verb"))
            assigned[figure.start] = [replace(hit, start=verb_start, end=end) for hit in hits]
            following = figures[index + 1] if index + 1 < len(figures) else None
            if following is not None and following.unit == "percent" and CHANGE_AFTER_FIGURE_RE.match(
                    folded[figure.end:following.start]):
                assigned[following.start] = assigned[figure.start]  # "... and sold B, up y%"
    return assigned


def _measure_items(found: re.Match) -> list[re.Match]:
    """The measures a COORDINATED_MEASURES_RE match lists, in order ("production", "sales")."""
    return [m for m in re.finditer(_MEASURE_WORD, found.group("items")) if m.group() != "and"]


def _listed_measures(items: list[re.Match], lead: str, tail: str | None, offset: int, catalog) -> list[list] | None:
    """Each listed measure's catalog hits, placed where the measure is written; None when one names nothing."""
    measures = []
    for item in items:
        phrase = lead + item.group() + (f" of {tail}" if tail else "")
        hits = indicator_hits(phrase, catalog, phrase) or indicator_hits(item.group(), catalog, item.group())
        if not hits:
            return None
        start, end = offset + item.start(), offset + item.end()
        measures.append([replace(hit, start=start, end=end) for hit in hits])
    return measures


def _figure_runs(folded: str, figures: list[Figure]) -> list[list[Figure]]:
    """The sentence's lists of two or more figures of one unit ("3.45 million and 3.32 million", "16.7%, 11.7%
    and 9%"): joined by commas and a last "and" or "or". Not a range ("between 15 and 20 percent"), nor a
    figure and its apposition ("x percent, y points higher"): commas alone do not make a list."""
    runs: list[list[Figure]] = []
    current: list[Figure] = []
    for figure in figures:
        joiner = folded[current[-1].end:figure.start] if current else ""
        if not current or figure.unit != current[-1].unit or not (LIST_AND_RE.match(joiner) or LIST_COMMA_RE.match(joiner)):
            current = [figure]
        elif LIST_AND_RE.match(joiner):  # the last item: the list ends here
            if not RANGE_BEFORE_RE.search(folded, max(0, current[0].start - 12), current[0].start):
                runs.append(current + [figure])
            current = []
        else:
            current.append(figure)
    return runs


OWNERS_TO_FIGURES_MAX_CHARS = 60  # "<actor> and <actor> spent x% and y%": a short verb phrase between


def _listed_owners(folded: str, runs: list[list[Figure]], subjects: list[SubjectMention]) -> dict[int, str]:
    """"<actor> and <actor> spent x% and y% of GDP" (no "respectively"): a list of as many actors as
    figures, joined like the figures and followed straight by a verb phrase leading into them, pairs in order."""
    assignments: dict[int, str] = {}
    if not runs or len(subjects) < 2:
        return assignments
    first = runs[0]
    listed = [s for s in subjects if s.end <= first[0].start][-len(first):]
    gap = folded[listed[-1].end:first[0].start] if listed else ""
    if (len(listed) != len(first) or len({s.name for s in listed}) != len(listed)
            or len(gap) > OWNERS_TO_FIGURES_MAX_CHARS or any(mark in gap for mark in ",;:()")
            or not all(LIST_JOINER_RE.match(folded[a.end:b.start]) for a, b in zip(listed, listed[1:]))):
        return assignments
    for run in runs:
        if len(run) == len(listed):
            assignments.update((figure.start, owner.name) for figure, owner in zip(run, listed))
    return assignments


YEARS_AFTER_FIGURES_MAX_CHARS = 60  # "x% and y% of GDP on R&D in <year> and <year>"


def _listed_periods(folded: str, runs: list[list[Figure]], figures: list[Figure],
                    years: list[YearMention]) -> dict[int, str]:
    """"rose 8% and 3% in 2023 and 2024": a list of figures followed closely by a list of as many years
    pairs in order; by one year alone, all take it ("2.4% and 2.6% of GDP in 2023")."""
    periods: dict[int, str] = {}
    for run in runs:
        following = [y for y in years if y.start >= run[-1].end]
        if not following or any(run[0].start <= y.start < run[-1].end for y in years):
            continue
        gap = folded[run[-1].end:following[0].start]
        if len(gap) > YEARS_AFTER_FIGURES_MAX_CHARS or any(mark in gap for mark in ";:()") or (
                any(f.start >= run[-1].end and f.start < following[0].start for f in figures)):
            continue
        listed = following[:1]
        for year in following[1:]:
            if not LIST_JOINER_RE.match(folded[listed[-1].end:year.start]):
                break
            listed.append(year)
        if len(listed) == len(run):
            periods.update((figure.start, year.period) for figure, year in zip(run, listed))
        elif len(listed) == 1:
            periods.update((figure.start, listed[0].period) for figure in run)
    return periods


def _distinct_in_order(names: list[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen


def _figure_record(
    sentence: Sentence,
    figure: Figure,
    figures: list[Figure],
    years: list[YearMention],
    subjects: list[SubjectMention],
    clauses: list[Clause],
    hits: list,
    context: DocumentContext,
    respectively: dict[int, tuple[str | None, str | None]],
    sentence_topic: Callable[[], str],
    previous_owner: Owner | None = None,
    own_years: list[YearMention] | None = None,
    naming_text: tuple[str, str] | None = None,
) -> IndicatorRecord:
    """`naming_text`, when given, is (text, folded) of the sentence that a figure's key is read from."""
    text = sentence.text
    clause = _clause_of(figure.number_start, clauses)
    assigned_subject, assigned_period = respectively.get(figure.start, (None, None))
    subject = assigned_subject or _figure_subject(
        text, figure, subjects, previous_owner, _document_owner(sentence, context), context.sentences_read[0]
    )
    period = assigned_period or _figure_period(sentence.folded, figure, figures, years, clause, clauses, own_years)
    if period is None and sentence.folded.find("same", clause.start, clause.end) >= 0 and SAME_YEAR_RE.search(
        sentence.folded, clause.start, clause.end
    ):
        carried = _carried_record(sentence, context)  # "Japan 3.41 percent in the same year": the previous sentence's
        period = carried.period if carried is not None else None
    kind = _figure_kind(sentence, figure, figures, clause, years)
    if sentence.list_lead is not None:
        kind, period = _with_list_lead(sentence.list_lead, kind, period)
    row_label = _row_label(text, figure, sentence.table_header, sentence.table_caption) if sentence.is_table_row else None
    if hits and not sentence.is_table_row:
        hits = _hits_not_of_the_next_figure(text, figure, figures, hits)
    named_text, named_folded = naming_text or (text, sentence.folded)
    key, label, topic, is_decline = _figure_indicator(
        named_text, named_folded, figure, hits, (clause.start, clause.end), sentence_topic, row_label
    )
    value = -figure.value if is_decline else figure.value  # "declined by 24%" is a growth of -24%
    return _record(sentence, context, key, label, subject, kind, value, _sign_currency(text, figure, subject),
                   period, topic, figure.start, figure.end, figure.precision)


def _without_body_names(text: str, folded: str, subjects: list[SubjectMention]) -> tuple[str, str]:
    """The sentence with the names of the companies and bodies in it blanked (same length), for naming what a
    figure measures: "<Company> shares rose 3%" measures shares, not the company's words."""
    names = [m for m in subjects if m.is_body and m.name not in PLACE_NAMES and m.name not in COUNTRY_NAMES]
    if not names:
        return text, folded
    for mention in names:
        blank = " " * (mention.end - mention.start)
        text = text[:mention.start] + blank + text[mention.end:]
        folded = folded[:mention.start] + blank + folded[mention.end:]
    return text, folded


def _hits_not_of_the_next_figure(text: str, figure: Figure, figures: list[Figure], hits: list) -> list:
    """"... rose <x%> to <A> sets, the output of chips increased <y%> to ...": wording after a comma that
    follows the figure (or the figure it grows to) and leads into a later figure names that one."""
    comma = text.find(",", figure.end)
    if comma < 0 or not any(f.start > comma for f in figures):
        return hits  # no figure after the comma for the wording there to name
    return [h for h in hits if not comma < h.start]


HEADER_YEAR_RE = re.compile(r"(?<!\d)((?:19[5-9]|20\d)\d)(?:\s?[-–/]\s?((?:19[5-9]|20\d)\d))?(?!\d)")


def _column_subject(sentence: Sentence, figure: Figure, context: DocumentContext) -> str | None:
    """Whom a table column's header names ("United States 2023"), for the figures in that column."""
    cells = _cells(sentence.text)
    column = next((i for i, (start, end) in enumerate(cells) if start <= figure.start < end), None)
    header_cells = _cells(sentence.table_header)
    if column is None or column >= len(header_cells):
        return None
    start, end = header_cells[column]
    named = [m for m in _subject_mentions(sentence.table_header[start:end], context) if not m.is_object]
    return named[0].name if len(named) == 1 else None


def _row_label(row: str, figure: Figure, header: str | None, caption: str | None = None) -> str | None:
    """The cell naming what a row's figure measures: the first with words in it before the figure's own
    ("| 2020 | Rail link | 1,250 km |" is named by its second cell); when the row is named only
    by whom it is about ("| Acme | 57.3 bn yuan |"), the header of the figure's column ("Revenue")."""
    cells = _cells(row)
    column = next((i for i, (start, end) in enumerate(cells) if start <= figure.start < end), None)
    if column is None:
        return None  # not in a cell: text run on after the row
    header_cells = _cells(header or "")
    for start, end in cells[:column]:
        if _content_words(row[start:end]):
            label = row[start:end]
            if column < len(header_cells) and not ROW_CHANGE_RE.search(fold_case(label)):
                header_start, header_end = header_cells[column]
                if ROW_CHANGE_RE.search(fold_case(header), header_start, header_end):
                    # "| <concept> | ... | <x> |" under "Growth (%)": the growth of what the row names
                    return f"{label.strip()} {header[header_start:header_end].strip()}"
            return label
    if column < len(header_cells):
        start, end = header_cells[column]
        if _content_words(header[start:end]):
            return header[start:end]
        if column > 0 and ROW_CHANGE_RE.search(fold_case(header), start, end):
            # "| Revenue | Change |": a change column is the change of the column before it
            before_start, before_end = header_cells[column - 1]
            return f"{header[before_start:before_end].strip()} {header[start:end].strip()}"
    if caption and _content_words(caption):
        return caption  # "| Japan | 3.3 | 3.4 |" under "Table 4 — spending as % of GDP"
    return None


def _record(
    sentence: Sentence, context: DocumentContext, key: str, label: str, subject: str, kind: str,
    value: float | None, unit: str | None, period: str | None, topic: str, start: int, end: int,
    precision: float | None,
) -> IndicatorRecord:
    paragraph = sentence.paragraph
    raw_start = paragraph.raw_position(sentence.start + start)
    raw_end = paragraph.raw_position(sentence.start + end - 1) + 1
    return IndicatorRecord(
        source_id=context.source_id,
        indicator=key,
        label=label,
        subject=subject,
        kind=kind,
        value=value,
        unit=unit,
        period=period,
        topic=topic,
        value_text=context.text[raw_start:raw_end],
        evidence=sentence.text.strip(),
        char_start=raw_start,
        char_end=raw_end,
        value_precision=precision,
    )


def _figure_period(
    folded: str,
    figure: Figure, figures: list[Figure], years: list[YearMention], clause: Clause, clauses: list[Clause],
    own_years: list[YearMention] | None = None,
) -> str | None:
    """The year that dates a figure.

    The nearest year of its own clause with no other figure in between; else
    the last year before it while clauses join softly ("in 2023, ... but 3.5%");
    else a year fronting the sentence ("In 2024, ...").
    """
    period = _stated_period(folded, figure, figures, years, clause, clauses, own_years)
    if (
        period is not None and period.isdigit()
        and _baseline_before(folded, figure.start)
        and YEAR_EARLIER_AFTER_RE.match(folded, figure.end)
    ):
        return str(int(period) - 1)  # "2.64% in 2023, up from 2.56% a year earlier": the baseline is 2022's
    return period


def _stated_period(
    folded: str,
    figure: Figure, figures: list[Figure], years: list[YearMention], clause: Clause, clauses: list[Clause],
    own_years: list[YearMention] | None = None,
) -> str | None:
    if folded.find("same", clause.start, clause.end) >= 0 and SAME_YEAR_RE.search(folded, clause.start, clause.end):
        earlier = [y for y in years if y.end <= clause.start]
        if earlier:
            return earlier[-1].period
    # "12 percent more than in 2019": the year compared with is not the figure's.
    years = own_years if own_years is not None else [y for y in years if not _is_compared_year(folded, y)]
    in_clause = [
        y for y in years
        if clause.start <= y.start < clause.end
        and _nothing_between(y.start, figure.number_start, figures, figure, folded)
    ]
    if in_clause:
        # Nearest wins; on a tie the year after ("from 5% in 2015 to 6.6% in 2023") dates the figure.
        return min(
            in_clause,
            key=lambda y: y.start - figure.end - 0.5 if y.start >= figure.end else figure.start - y.end,
        ).period
    earliest = clause.start
    for previous in reversed(clauses[: clauses.index(clause)]):
        if clauses[clauses.index(previous) + 1].joins_previous:
            earliest = previous.start
        else:
            break
    before = [y for y in years if earliest <= y.start and y.end <= figure.start]
    if before:
        return before[-1].period
    fronted = [y for y in years[:1] if y.end <= figure.start and FRONTED_YEAR_RE.match(folded[:y.start])]
    if fronted:
        return fronted[0].period
    # "Output reached X in 2021, and its share rose to 7.5%": a clause without a year of its own
    # keeps the year that dates an earlier figure of the sentence (not one dating an event: "which opened in 2009").
    dating = {
        y.period for y in years
        if y.end <= figure.start and any(
            f.end <= figure.start and _clause_of(f.number_start, clauses) is _clause_of(y.start, clauses)
            for f in figures if f is not figure
        )
    }
    if len(dating) == 1 and not any(y.start >= figure.end for y in years if clause.start <= y.start < clause.end):
        return dating.pop()
    return None


def _is_compared_year(folded: str, year: YearMention) -> bool:
    """"more than in 2023": the year something is compared with."""
    # Substring tests first: any match holds one of its words inside the window (speed).
    return BASELINE_YEAR_REQUIRED(folded[max(0, year.start - 25):year.start]) and BASELINE_YEAR_BEFORE_RE.search(
        folded, max(0, year.start - 25), year.start
    ) is not None


def _baseline_before(folded: str, position: int) -> bool:
    """"up from 188", "compared with": a baseline's words end just before `position`."""
    window = folded[max(0, position - 20):position]
    # Substring tests first: any match holds one of BASELINE_BEFORE_RE's words inside the window (speed).
    return ("from" in window or "compared" in window or "versus" in window or "against" in window) and BASELINE_BEFORE_RE.search(
        folded, max(0, position - 20), position
    ) is not None


def _figure_kind(
    sentence: Sentence, figure: Figure, figures: list[Figure], clause: Clause, years: list[YearMention]
) -> str:
    """Target, estimate or measurement, from cues in its clause that no other figure stands nearer to."""
    if sentence.is_table_row:
        return "measurement"
    text = sentence.folded
    if _baseline_before(text, figure.start):
        return "measurement"  # "up from 188 in 2024": the baseline a target is measured against
    target_cues = sentence.target_cues
    if target_cues and _any_cue_applies(target_cues, figure, figures, clause):
        return "target"
    estimate_cues = sentence.estimate_cues
    if estimate_cues and _any_cue_applies(estimate_cues, figure, figures, clause):
        return "estimate"
    # Both windows lie inside text[figure.start - 15:figure.number_start]: without a hedge word there, no match (speed).
    hedged = HEDGE_REQUIRED(text[max(0, figure.start - 15):figure.number_start]) and (
        HEDGE_RE.search(text[max(0, figure.start - 15):figure.start] + " ")
        or HEDGE_RE.search(text, max(0, figure.start - 15), figure.number_start)
    )
    if hedged and _is_attributed(sentence, figure):
        return "estimate"
    deadlines = [y for y in years if y.preposition == "by" and clause.start <= y.start < clause.end]
    if deadlines:
        clause_text = text[clause.start:clause.end]
        if not ("had" in clause_text and HAD_RE.search(clause_text)) and any(
            _cue_applies(y.start, figure, figures) for y in deadlines
        ):
            return "target"  # "by 2030" is a deadline, unless "had built ... by the end of 2024"
    if figure.unit == "years" and NEXT_HORIZON_RE.search(text, max(0, figure.start - 15), figure.start):
        return "target"
    return "measurement"


def _any_cue_applies(
    cues: tuple[tuple[int, int, bool], ...], figure: Figure, figures: list[Figure], clause: Clause
) -> bool:
    """Whether a cue inside the figure's clause governs it (see _cue_applies)."""
    for start, end, forward_only in cues:
        if clause.start <= start and end <= clause.end and _cue_applies(start, figure, figures, forward_only):
            return True
    return False


def _with_list_lead(lead: str, kind: str, period: str | None) -> tuple[str, str | None]:
    """A bullet's figure takes the kind and year its list's lead line states, unless it states its own."""
    if kind == "measurement":
        if TARGET_CUE_RE.search(lead) or BY_YEAR_RE.search(lead):
            kind = "target"
        elif ESTIMATE_CUE_RE.search(lead):
            kind = "estimate"
    if period is None:
        lead_years = {found.group(1) for found in YEAR_RE.finditer(lead) if not found.group(2)}
        period = lead_years.pop() if len(lead_years) == 1 else None
    return kind, period


def _is_attributed(sentence: Sentence, figure: Figure) -> bool:
    """Inside a quotation: someone's view, not the source's own report."""
    line, position = sentence.paragraph.text, sentence.start + figure.start
    # Opened after the last close, or an odd number of straight quotes before it (within a paragraph's reach).
    start = max(0, position - QUOTE_REACH_CHARS)
    return line.rfind("“", start, position) > line.rfind("”", start, position) or line.count('"', start, position) % 2 == 1


def _event_records(
    sentence: Sentence,
    figures: list[Figure],
    years: list[YearMention],
    subjects: list[SubjectMention],
    clauses: list[Clause],
    context: DocumentContext,
    sentence_topic: Callable[[], str],
) -> list[IndicatorRecord]:
    """Dated events without a figure: a milestone achieved, or a deadline ahead."""
    text, folded = sentence.text, sentence.folded
    records = []
    for year in years:
        clause_bounds = _clause_of(year.start, clauses)
        clause_start, clause_end = clause_bounds.start, clause_bounds.end
        clause = folded[clause_start:clause_end]
        row_event = sentence.is_table_row and _is_event_row(sentence, year)
        if not row_event and any(clause_start <= f.number_start < clause_end for f in figures):
            continue  # the year dates a figure in its clause
        if sentence.is_table_row and not row_event:
            continue
        kind = "milestone" if row_event else _event_kind(clause, year)
        if kind is None:
            continue
        cue = EVENT_CUE_RE.search(clause)
        anchor = clause_start + cue.start() if cue else year.start
        owners = [m for m in subjects if m.end <= anchor and m.start >= clause_start and not m.is_object]
        if not owners:
            owners = [m for m in subjects if m.end <= anchor and not m.is_object]
        subject = owners[-1].name if owners else DEFAULT_SUBJECT
        start = year.start
        prefix = EVENT_DATE_PREFIX_RE.search(folded, max(0, year.start - 4 * LOOKBACK_CHARS), year.start)
        if prefix:
            start = prefix.start()  # "in 2016", "by 2027": the words that date it
        named = _event_key_and_label(text, clause_start, clause_end, year, cue)
        if named is None:
            continue  # "Main targets for <year>", "the review of <year>": a document's structure, not an event
        key, label = named
        records.append(_record(
            sentence, context, key, label, subject, kind,
            None, None, year.period, sentence_topic(), start, year.end, None,
        ))
    return records


EVENT_DATE_PREFIX_RE = compile_folded(
    rf"\b(?:as\s+far\s+back\s+as|in|by|since|from|early|late|mid)\s+(?:{_MONTHS}\.?\s+(?:\d{{1,2}},?\s+)?)?$"
)


def _event_kind(clause: str, year: YearMention) -> str | None:
    if year.preposition == "by":
        return "milestone" if "had" in clause and HAD_RE.search(clause) else "target"
    if TARGET_CUE_RE.search(clause) or FUTURE_CUE_RE.search(clause):
        return "target"
    if ESTIMATE_CUE_RE.search(clause):
        return None  # a projection without a figure says too little to record
    if EVENT_CUE_RE.search(clause):
        return "milestone"
    return None


def _is_event_row(sentence: Sentence, year: YearMention) -> bool:
    """A table row keyed by its year in a table of events ("| 2017 | First link | ... |")."""
    cells = _cells(sentence.text)
    header = sentence.table_header
    return bool(
        cells and header and cells[0][0] <= year.start < cells[0][1] and EVENT_HEADER_RE.search(fold_case(header))
    )
