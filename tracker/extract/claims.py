"""Indicator extraction: plain text in, indicator records out (CONTRACT.md section 1).

The extractor reads a document paragraph by paragraph (hard-wrapped lines
joined back, so line wrapping and whitespace never change a record), drops
page boilerplate, splits prose into sentences and clauses, and turns every figure (money, percent,
distance, node size, duration, count, rank) and every dated event without a
figure into one `IndicatorRecord`. Rules are general to the genre; what the
genre's indicators are called lives in catalog.toml.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from bisect import bisect_right
from functools import lru_cache

from tracker.catalog import (
    Catalog,
    compile_folded,
    fold_case,
    indicator_hits,
    load_catalog,
    nearest_indicator,
    topic_of,
)
from tracker.models import IndicatorRecord

EXTRACTOR_VERSION = "1.1.0"

# Backward-looking checks read a bounded window, so a huge one-line document stays linear.
LOOKBACK_CHARS = 20
QUOTE_REACH_CHARS = 2000
MAX_SENTENCE_CHARS = 3000
DEFAULT_SUBJECT = "China"  # the genre's default: a figure with no other owner named is China's

# --------------------------------------------------------------------------
# number vocabulary
# --------------------------------------------------------------------------

UNITS_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
SCALES = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12,
}
CURRENCY_CODES = {
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "¥": "CNY", "rmb": "CNY", "cny": "CNY", "yuan": "CNY", "renminbi": "CNY",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pounds": "GBP", "nt$": "TWD", "twd": "TWD", "yen": "JPY", "jpy": "JPY",
}
FRACTIONS = {
    "two-thirds": 200 / 3, "one-third": 100 / 3, "a third": 100 / 3, "three-quarters": 75.0,
    "a quarter": 25.0, "one-quarter": 25.0, "one-fifth": 20.0, "a fifth": 20.0,
}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}

_SPELLED = "|".join(
    [f"(?:{'|'.join(TENS_WORDS)})(?:[- ](?:{'|'.join(list(UNITS_WORDS)[:9])}))?"]
    + sorted(UNITS_WORDS, key=len, reverse=True)
)
_BOUND = (
    r"(?:more|less|fewer)\s+than|over|under|nearly|almost|around|about|approximately|roughly|"
    r"at\s+least|at\s+most|up\s+to|close\s+to|just\s+(?:over|under)|in\s+excess\s+of|upwards\s+of|"
    r"some|an\s+estimated|as\s+(?:many|much)\s+as|approx\."
)

# One figure: bound, currency, number (digits or words), scale, unit.
FIGURE_RE = compile_folded(
    rf"""
    # only where a currency sign or a word starts, and only a word whose first character can open a
    # bound, a currency code or a number: skips the inside of words and most other words fast
    (?=\b[\dacefgijlmnorstu]|[$¥€£])
    (?P<bound>\b(?:{_BOUND})\s+)?
    (?P<currency>US\$|NT\$|\$|¥|€|£|\b(?:RMB|CNY|USD|EUR|GBP|JPY|TWD)\s?)?
    (?:
        (?P<digits>(?:(?<=rmb|cny|usd|eur|gbp|jpy|twd)|(?<![\w.,/#-]))\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?
                  |(?:(?<=rmb|cny|usd|eur|gbp|jpy|twd)|(?<![\w.,/#]))\d+(?:\.\d+)?)
      | (?P<words>\b(?:{_SPELLED}|a\s+dozen|an?(?=\s+(?:hundred|thousand|million|billion|trillion)\b))\b)
    )
    (?P<scale>\s?(?:hundred|thousand|million|billion|trillion)\b|(?P<scale_abbreviation>(?<=\d)\s?(?:bn|mn|tn|m|k|b)\b))?
    (?P<unit>
        \s?(?:%|percent\b|per\s?cent\b|pct\b)
      | \s?percentage[\s-]points?\b
      | (?:-|\s)?(?:nm\b|nanomet(?:er|re)s?\b)
      | (?:-|\s)?(?:km\b|kilomet(?:er|re)s?\b)
      | [-\s](?:years?|months?|weeks?|days?|decades?)\b(?:[-\s](?:low|high|record|lag|gap)\b)?
      | \s(?:of\s)?(?:yuan|renminbi|RMB|CNY|U\.?S\.?\s?dollars|dollars|USD|euros?|EUR|yen|JPY|TWD|GBP)\b
      | (?:-|\s)?(?P<measure>{load_catalog().measure_alternation})\b
    )?
    """,
    re.VERBOSE,
)
# Patterns below open with a lookahead on their possible first characters: the
# regex engine then skips most positions after one cheap test (2-4x faster).
YEAR_RE = re.compile(
    r"(?=[12F])(?:(?<=mid-)|(?<=early-)|(?<=late-)|(?<![\w$¥€£.,/-]))(?:FY\s?)?((?:19[5-9]|20\d)\d)"
    r"(?:\s?(?:-|–|—|/|to|through|until)\s?((?:19[5-9]|20\d)\d|\d\d)(?![\d%]))?"
    r"(?![\w%]|[.,]\d)"
)
BETWEEN_YEARS_RE = re.compile(r"\bbetween\s+((?:19[5-9]|20\d)\d)\s+and\s+((?:19[5-9]|20\d)\d)\b")
RANK_RE = compile_folded(
    r"(?=[cefilnprst\d])\b"
    r"(?:(?P<before>ranked|ranks|ranking|listed|placed|came|comes|finished|sits|sat|stands|stood)"
    r"\s+(?:in\s+|at\s+)?(?:the\s+)?)?"
    rf"(?P<ordinal>{'|'.join(ORDINALS)}|\d{{1,2}}(?:st|nd|rd|th))"
    rf"(?P<after>[\s-](?:place|position|largest|biggest|highest|most)\b)?",
)
FRACTION_RE = compile_folded(rf"\b(?:{'|'.join(FRACTIONS)})(?=\s+of\b)")

# --------------------------------------------------------------------------
# masks: numbers that are not claims
# --------------------------------------------------------------------------

_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
DAY_OF_MONTH_RE = re.compile(
    rf"(?=[JFMASOND\d])(?:(?<![A-Za-z]){_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:\s?[-–]\s?\d{{1,2}})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s?[-–]\s?\d{{1,2}})?\s+{_MONTHS}\b)"
)
# A reference marker: spaced off before punctuation ("priorities 1 ."), or
# closing a line or table cell after a word ("counterparts 4", "satellite 6 |").
# "a target of 30." is a figure: no space before its full stop.
FOOTNOTE_RE = re.compile(
    r"(?=[ \t\[])(?:(?<=[^\s|])[ \t]+\d{1,2}(?=[ \t]+[.:;,](?:\s|$))"
    r"|(?<=[A-Za-z)”\"’])[ \t]+\d{1,2}(?=[ \t]*(?:\||$))"
    r"|\[\d{1,3}\])",
    re.MULTILINE,
)
# Words that may stand capitalised right before a number without making it a name.
_NAME_EXEMPT = frozenset(
    "in by over about around nearly almost some only just since for with at of to from and the "
    "all more less than until before after during between fy early late mid only roughly "
    "approximately up another these those its their our fewer exactly least most".split()
)
NAME_NUMBER_RE = re.compile(r"([A-Z][\w’'.+&]*)[ \u00a0]$")
HYPHEN_NAME_RE = re.compile(r"[A-Za-z]-$")
LIST_MARKER_RE = re.compile(r"(?<![^\n])\s*\d{1,2}[.)](?:\s|$)")
CLOCK_OR_AGE_RE = re.compile(r"\s?(?:a\.?m\.?|p\.?m\.?|o'clock|years?\s+old|-year-old)\b")
AGE_BEFORE_RE = re.compile(r"[A-Z][a-z]+,\s$")
REFERENCE_WORD_RE = compile_folded(
    r"\b(?:figure|fig\.|table|chart|exhibit|chapter|section|article|page|p\.|no\.|vol\.|issue|phase|level|"
    r"version|step|box|annex|appendix|item|point|tier)\s$",
)

# --------------------------------------------------------------------------
# sentence-level cues
# --------------------------------------------------------------------------

TARGET_CUE_RE = compile_folded(
    r"(?=[abcgioprstvw])\b(?:aims?|aiming|aimed|targets?|targeting|targeted|goals?|plans?\s+to|planned|planning\s+to|"
    r"seeks?\s+to|seeking\s+to|pledged?|pledges|vows?|vowed|intends?\s+to|ambitions?|objectives?|"
    r"strives?\s+to|calls?\s+for|wants?|blueprint|roadmap|(?:scheduled|slated)\s+to|would\s+(?:invest|spend|build|launch|allocate|deploy)|will\s+(?:raise|increase|boost|expand|reach|cut|"
    r"achieve|build|launch|invest|spend|allocate|add|deploy|double|triple)|is\s+to\s+(?:reach|raise|increase))\b",
)
ESTIMATE_CUE_RE = compile_folded(
    r"(?=[acefolmpsw])(?<!than\s)\b(?:expected|expects?|projected|projections?|projects?\s+(?:that|to)|forecasts?|forecasted|"
    r"predicted|predicts?|predictions?|anticipated|anticipates?|estimated?|estimates|could|would|"
    r"may\s+(?:reach|hit|exceed|grow|rise)|might|likely|set\s+to|on\s+track\s+to|poised\s+to|outlook|"
    r"scenario)\b",
)
HEDGE_RE = compile_folded(r"\b(?:at\s+least|perhaps|probably|maybe|roughly|around|about|some)\s+$")
FUTURE_CUE_RE = compile_folded(
    r"\b(?:will|shall|plans?\s+to|planned\s+to|scheduled|slated|set\s+to|to\s+be\s+(?:launched|completed|built))\b",
)
EVENT_CUE_RE = compile_folded(
    r"\b(?:launch(?:ed|es)?|establish(?:ed|ment)|found(?:ed|ing)|complet(?:ed|ion)|approv(?:ed|al)|"
    r"announc(?:ed|ements?)|released?|publish(?:ed)?|unveil(?:ed)?|introduc(?:ed|tion)|began|started|"
    r"opened|delivered|signed|passed|adopted|enacted|issued|achieved|became|set\s+up|cut\s+off|"
    r"imposed|banned|blacklisted|added|entered|joined|debuted|deployed|built|created|formed|proposed|"
    r"inaugurated|certified|landed|docked|first\s+time|went\s+into|came\s+into|took\s+effect|"
    r"rolled\s+out|commissioned|broke\s+ground|demonstrated|sanctioned|restricted|acquired|merged|"
    r"surpassed|overtook|implemented|ratified|held|hosted|flew|returned|tested|succeeded|"
    r"received|obtained|won|secured|granted|awarded|maiden\s+flight|first\s+(?:\w+\s+)?flight|"
    r"entered\s+service|went\s+live|put\s+into\s+(?:operation|service))\b",
)
GROWTH_AFTER_RE = compile_folded(
    r"\s*(?:\)\s*)?(?:year[- ]on[- ]year\s+|annual\s+|yearly\s+)?(?:increase|rise|growth|jump|gain|hike|"
    r"decline|drop|fall|decrease|cut|reduction|year[- ]on[- ]year|from\s+(?:a|the)\s+(?:year|previous))",
)
GROWTH_BEFORE_RE = compile_folded(
    r"\b(?:grew|grow|grows|growing|rose|rise|rises|rising|increased|increases|increasing|jumped|jumping|"
    r"climbed|climbing|surged|surging|soared|soaring|fell|falling|declined|declining|dropped|dropping|"
    r"decreased|expanded|expanding|up|down|growth\s+of|increase\s+of|rise\s+of)"
    r"(?:\s+by)?\s+$",
)
DURATION_WORD_RE = re.compile(r"(year|month|week|day|decade)")
DURATION_IN_YEARS = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25, "decade": 10.0}
HAD_RE = re.compile(r"\bhad\b")
# Modal and infinitive cues govern the figure after them, never one before.
FORWARD_CUE_RE = re.compile(
    r"(?:would|could|might|may|will|likely|set|poised|on|wants?|aims?|aiming|plans?|seeks?|intends?|strives?|"
    r"expects?|is\s+to|scheduled|slated)\b"
)
BY_YEAR_RE = re.compile(r"\bby\s+(?:19|20)\d\d\b")
WHITESPACE_RE = re.compile(r"\s+")
MONTH_RE = re.compile(_MONTHS)
DURATION_NOUN_END_RE = re.compile(r"(?:low|high|record|lag|gap)$")
NON_KEY_CHARS_RE = re.compile(r"[^a-z0-9]+")
TO_JOINER_RE = re.compile(r"\s+to\s+")
BASELINE_BEFORE_RE = compile_folded(r"\b(?:from|compared\s+(?:with|to)|versus|against)\s+$")
# "within two years", "in 40 years", "over the past five years": a time frame, not a claim.
HORIZON_BEFORE_RE = compile_folded(r"\b(?:within|in|(?:the\s+)?(?:past|last|previous|recent))\s+$")
CURRENCY_UNITS = frozenset({"CNY", "USD", "EUR", "GBP", "JPY", "TWD"})
# A growth rate is the change of a level: money, a count or a share, never a distance or node size.
LEVEL_UNITS = ("CNY", "USD", "EUR", "GBP", "JPY", "TWD", "count", "percent")
RELATIVE_TIME_RE = compile_folded(r"\s*(?:ago|later|earlier|after|before|old|since|hence)\b")
NEXT_HORIZON_RE = compile_folded(r"\b(?:next|coming)\s+$")
HYPOTHETICAL_RE = compile_folded(r"\b(?:might|would|if)\b")
DETERMINER_BEFORE_RE = compile_folded(
    r"\b(?:the|these|those|its|their|our|his|her|top|first|last|all|both|each|every|which|other)\s+$"
)
RESPECTIVELY_RE = compile_folded(r"\brespectively\b")
LIST_JOINER_RE = re.compile(r"^\s*(?:,\s*(?:and\s+|or\s+)?|and|or|to|-|–)\s*$")
CONVERSION_JOINER_RE = compile_folded(
    r"^\s*\(\s*(?:(?:or|approximately|about|around|roughly|some|nearly|almost|equivalent\s+to|~)\s*)?$",
)
# "3.5% in the US", "47% completed their degrees in China": the owner named just after.
AFTER_SUBJECT_RE = re.compile(r"^\s*\)?\s*(?:[a-z-]+\s+){0,4}?(?:in|of|at|for)\s+(?:the\s+)?$")
OBJECT_PREPOSITION_RE = re.compile(
    r"\b(?:to|than|behind|into|toward|towards|against|versus|vs\.?|from|outside|beyond|on)\s+(?:the\s+)?$"
)
# Clause breaks. A soft break ("—", ", but") keeps the sentence's time frame;
# a hard one (";", ", while", ", and") may start a fact of its own.
CLAUSE_BREAK_RE = re.compile(
    r"(?=[;,—]|\s[-–w])(?:(?P<hard>;|,\s+(?:while|whereas|and|which)\b|\s(?:while|whereas)\s)|(?P<soft>,\s+but\b|—|\s–\s|\s-\s))"
)
SAME_YEAR_RE = compile_folded(r"\b(?:the\s+)?same\s+(?:year|period)\b")
NEGATION_BEFORE_RE = compile_folded(r"\b(?:not|never|no\s+longer|yet\s+to)\s+(?:[a-z]+\s+){0,2}$")
FRONTED_YEAR_RE = compile_folded(r"^\W*(?:in|by|during|since|from|as\s+of)\s+(?:(?:early|late|mid)[\s-]+)?$")
SENTENCE_BREAK_RE = re.compile(r"(?<=[.!?])(?:[\"”’)\]]|\[\d{1,3}\])*\s+(?=[\"“‘(\[]?[A-Z0-9¥$€])")
ABBREVIATION_RE = re.compile(
    r"(?:\b[A-Z]\.|\b(?:U\.S|U\.K|U\.N|E\.U|e\.g|i\.e|Mr|Ms|Mrs|Dr|Prof|No|Inc|Co|Ltd|Corp|St|vs|approx|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Gov|Sen|Rep|Fig)\.)$"
)
COUNTRY_ABBREVIATION_RE = re.compile(r"\b(?:U\.S|U\.K|U\.N|E\.U)\.$")
SENTENCE_OPENER_RE = re.compile(
    r"(?:The|This|That|These|Those|It|Its|In|But|And|However|Meanwhile|China|Chinese|Beijing|Washington|"
    r"A|An|As|At|By|For|On|Since|While|When|According|Yet|Still|Some|Many|Most|Such)\b"
)
RELEVANCE_RE = compile_folded(
    r"technolog|innovat|research|science|scien|econom|invest|market|industr|digital|data|"
    r"compan|firm|enterprise|budget|fund|spend|GDP|export|import|trade|patent|talent|student|"
    r"chip|semiconductor|quantum|satellite|space|AI\b|telecom|aircraft|aviation|launch|orbit|rocket|"
    r"network|engineer|infrastructure|laborator|\blabs?\b|users|station|factor|plant|capacity|production|"
    r"output|revenue|sales|profit|robot|cent(?:er|re)|training|program|project|zone|park|pilot|model|"
    r"device|product|vehicle|billion|million|order|deliver|sold|sell|ship|customer|employ|worker|job|"
    r"consumer|cars?\b|phone|unit|invest|fab|foundr|university|universit|school|graduate|entit|"
    r"sanction|export|control|restrict|blacklist|list\b",
)

# --------------------------------------------------------------------------
# boilerplate: lines that are page furniture, not article content
# --------------------------------------------------------------------------

TAIL_MARKER_RE = compile_folded(
    r"(?:related|latest|more\s+(?:from|on|in|stories|news|articles)|recommended|read\s+(?:more|next|also)|"
    r"also\s+read|see\s+also|you\s+(?:may|might)\s+also\s+like|further\s+reading|most\s+(?:read|popular)|"
    r"popular|trending|our\s+(?:programs|programmes|events|courses)|upcoming\s+events|discover\s+more|"
    r"about\s+the\s+authors?|about\s+us|author\s+bios?|foot\s?notes|end\s?notes|references|sources|"
    r"bibliography)\b"
    r"[\w\s’'&-]{0,40}:?",
)
# Page furniture: a line that opens with a label, or holds a phrase only furniture uses. One
# leading \b makes the engine try the alternatives only where a word starts (several times faster).
BOILERPLATE_OPENING_RE = compile_folded(
    r"\W*(?:(?:last\s+)?(?:updated|modified|published|posted)\b|share\b|(?:skip|jump)\s+to\b|"
    r"(?:photo|image|credit|advertisement)s?\b|"
    r"(?:related|read\s+more|read\s+next|see\s+also|also\s+read|recommended|watch|listen)\s*:)",
)
BOILERPLATE_RE = compile_folded(
    r"©|\b(?:(?:\d+\s?-?\s?min(?:ute)?s?\s+read|cookies?|privacy\s+policy|all\s+rights\s+reserved|subscribe|"
    r"sign\s+up|newsletter|click\s+here|learn\s+more|follow\s+us|download\s+(?:the\s+)?(?:pdf|report|brief)|"
    r"register|webinar|this\s+(?:article|story|post|piece|commentary|op-ed)\s+(?:was|is|has\s+been|first))\b|enrol)",
)
DATE_TOKEN_RE = compile_folded(
    rf"{_MONTHS}\.?|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b|\b\d{{1,4}}(?:st|nd|rd|th)?\b|"
    r"\b(?:date|published|updated|posted|on|by|at|am|pm|GMT|UTC|location)\b|[\W_]+",
)
DIGIT_RUN_RE = re.compile(r"\d+")
NUMERIC_TOKEN_RE = re.compile(r"[-+(]?[$¥€£]?\d[\d.,]*%?\)?")
UNIT_FIGURE_RE = re.compile(
    r"\d\s?(?:%|percent|per\s?cent|bn\b|billion|million|trillion|km\b|nm\b|yuan|dollars|euros)|[$¥€]\s?\d"
)
HAS_DATE_RE = re.compile(rf"{_MONTHS}|\b(?:19|20)\d\d\b")
VERB_HINT_RE = compile_folded(
    r"\b(?:is|are|was|were|be|been|has|have|had|will|would|can|could|may|might|shall|should|"
    r"\w{3,}(?:ed|es|ing))\b|\b\w{3,}s\b",
)
TABLE_SEPARATOR_RE = re.compile(r"^\|?\s*:?-{2,}")
EVENT_HEADER_RE = compile_folded(
    r"\b(?:achievement|milestone|event|mission|launch|development|description|what|breakthrough)s?\b",
)
ORG_INTRO_RE = re.compile(
    r"((?:[A-Z][\w&’'.-]*\s+(?:(?:of|and|for|on|the|de|in)\s+)*){2,9})\(([A-Z][A-Za-z&]{1,9})\)"
)
ACRONYM_RE = re.compile(r"\(([A-Z][A-Za-z&]{1,9})\)")
ORG_NAME_REACH_CHARS = 1000  # far beyond nine words of a name
ORGANISATION_WORD_RE = re.compile(
    r"\b(?:Institutes?|Institution|Association|Agency|Administration|Ministry|Commission|Council|Bureau|"
    r"Corporation|Company|Group|Foundation|Academy|University|Cent(?:er|re)|Office|Organi[sz]ation|Bank|Forum|"
    r"Federation|Laborator(?:y|ies)|Lab|Department|Authority|Committee|Congress|Society|Union|Alliance|"
    r"Consortium|Network|Service|Board|School|College|Partners|Research|Intelligence\s+Unit)\b"
)
STATE_BODY_RE = re.compile(r"\b(?:Ministry|Commission|Administration|Bureau|State Council|Congress|Academy)\b")
WORD_RE = re.compile(r"(?<![\w&])[A-Za-z][A-Za-z&’'-]*")
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


# --------------------------------------------------------------------------
# intermediate values
# --------------------------------------------------------------------------


class cached_property:  # noqa: N801 - a drop-in for functools.cached_property
    """functools.cached_property without its lock (Python 3.11 takes an RLock on every read of an
    uncached value): computed once per instance, then read from the instance's __dict__ directly."""

    def __init__(self, compute: Callable) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(unsafe_hash=True, slots=True)  # never modified; not frozen: construction is 2-3x cheaper
class Figure:
    """One stated figure inside a sentence; offsets are relative to the sentence."""

    start: int
    end: int
    value: float
    unit: str
    precision: float | None
    number_start: int  # where the number itself starts (after bound and currency)
    is_change: bool = False  # percentage points: a change, not a level
    bare: bool = False  # a number with no unit of its own, which a list may still lend it
    scale: float = 1.0  # the scale word's factor ("billion"), lent along a list


@dataclass(unsafe_hash=True, slots=True)  # never modified; not frozen: construction is 2-3x cheaper
class YearMention:
    start: int
    end: int
    period: str
    preposition: str  # lower-cased word(s) right before it: "in", "by", "since", ...


@dataclass(unsafe_hash=True, slots=True)  # never modified; not frozen: construction is 2-3x cheaper
class SubjectMention:
    start: int
    end: int
    name: str
    is_object: bool  # "to China", "than the US": compared with, not the figure's owner


@dataclass(unsafe_hash=True)  # never modified; not frozen: construction is 2-3x cheaper
class Paragraph:
    """Lines of the document read as one: hard line wraps joined, whitespace runs made one space.

    `text` is what the rules read; `raw_position` maps an index into it back to
    the document, so record offsets still index the document's own characters.
    """

    text: str
    folded: str
    segment_starts: tuple[int, ...]  # index in `text` where each verbatim copy of the document starts
    raw_starts: tuple[int, ...]  # where that copy starts in the document

    @cached_property
    def is_relevant(self) -> bool:
        """Whether it speaks the genre's vocabulary: bare counts elsewhere are the usual junk."""
        return RELEVANCE_RE.search(self.folded) is not None

    def raw_position(self, position: int) -> int:
        segment = bisect_right(self.segment_starts, position) - 1
        return self.raw_starts[segment] + position - self.segment_starts[segment]


@dataclass(unsafe_hash=True)  # never modified; not frozen: construction is 2-3x cheaper
class Sentence:
    """A sentence (or table row) with its place in its paragraph and its surroundings."""

    start: int  # offset in paragraph.text
    text: str
    folded: str  # fold_case(text): what case-insensitive patterns read
    paragraph: Paragraph
    table_header: str | None = None
    is_table_row: bool = False
    list_lead: str | None = None  # folded line ending in ":" that a bullet of this sentence's list hangs from

    # Cues found once per sentence, not once per figure: (start, end, governs only what follows).
    @cached_property
    def target_cues(self) -> tuple[tuple[int, int, bool], ...]:
        return _cues(TARGET_CUE_RE, self.folded)

    @cached_property
    def estimate_cues(self) -> tuple[tuple[int, int, bool], ...]:
        return _cues(ESTIMATE_CUE_RE, self.folded)


def _cues(pattern: re.Pattern[str], folded: str) -> tuple[tuple[int, int, bool], ...]:
    return tuple((*cue.span(), _is_forward_cue(cue.group())) for cue in pattern.finditer(folded))


@lru_cache(maxsize=1024)
def _is_forward_cue(cue: str) -> bool:
    """Whether a cue word ("would", "plans to") governs only what follows it; cached per cue wording."""
    return FORWARD_CUE_RE.match(cue) is not None


@dataclass(frozen=True)
class DocumentContext:
    source_id: str
    text: str  # the document as given: record offsets index it
    catalog: Catalog
    organisations: dict[str, str]  # alias as written -> subject name
    organisation_re: re.Pattern[str] | None


# --------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------


def extract_indicators(text: str, source_id: str) -> list[IndicatorRecord]:
    """Every indicator record `text` states, in order of appearance.

    Offsets index `text` itself: `text[r.char_start:r.char_end] == r.value_text`.
    """
    context = _document_context(text, source_id)
    records: list[IndicatorRecord] = []
    for sentence in _sentences(text):
        records.extend(_sentence_records(sentence, context))
    records.sort(key=lambda r: r.char_start)
    return records


# --------------------------------------------------------------------------
# document structure: lines, boilerplate, tables, sentences
# --------------------------------------------------------------------------


def _is_boilerplate_line(line: str, folded: str) -> bool:
    words = line.split()
    if len(words) <= 30 and (BOILERPLATE_OPENING_RE.match(folded) or BOILERPLATE_RE.search(folded)):
        return True
    if (
        len(words) >= 3 and len(DIGIT_RUN_RE.findall(line)) >= 0.6 * len(words)  # each numeric token holds a digit
        and sum(NUMERIC_TOKEN_RE.fullmatch(w) is not None for w in words) >= 0.6 * len(words)
    ):
        return True  # axis labels or a chart's data points a PDF spilled as text
    if len(words) <= 12 and HAS_DATE_RE.search(line) and len(DATE_TOKEN_RE.sub(" ", folded).split()) <= 1:
        return True  # a dateline or publication date, possibly with a label
    if (
        len(words) <= 6 and not line.rstrip().endswith((".", "!", "?", ":"))
        and not VERB_HINT_RE.search(folded) and not UNIT_FIGURE_RE.search(folded)
    ):
        return True  # a short label without a verb: navigation, section tag, byline (not "R&D: 2.7% of GDP")
    return False


def _is_tail_marker(folded: str) -> bool:
    # At most 7 splits: enough to tell six words from more without splitting a whole paragraph.
    return len(folded.split(None, 7)) <= 6 and TAIL_MARKER_RE.fullmatch(folded.strip()) is not None


def _sentences(text: str):
    """Sentences and table rows of the article body, boilerplate dropped."""
    body_chars = 0
    previous_table_line: str | None = None
    table_header: str | None = None
    list_lead: str | None = None
    for paragraph in _paragraphs(text):
        stripped, folded_line = paragraph.text, paragraph.folded
        if body_chars >= 300 and _is_tail_marker(folded_line):
            return  # related articles, adverts and teasers follow the article
        if stripped.startswith("|"):
            if TABLE_SEPARATOR_RE.match(stripped):
                table_header = previous_table_line
                continue
            previous_table_line = stripped
            if stripped != table_header:
                yield Sentence(0, stripped, folded_line, paragraph, table_header, True)
            continue
        previous_table_line = table_header = None
        if _is_boilerplate_line(stripped, folded_line):
            continue
        body_chars += len(stripped)
        is_bullet = BULLET_RE.match(stripped) is not None
        lead = list_lead if is_bullet else None
        if not is_bullet:
            # "The plan sets these targets for 2027:" governs the bullets below it
            list_lead = folded_line if stripped.endswith(":") else None
        if not _could_hold_claim(folded_line):
            continue
        yield from _split_sentences(paragraph, lead)


# --------------------------------------------------------------------------
# paragraphs: a sentence may span the document's hard line breaks
# --------------------------------------------------------------------------

LINE_RE = re.compile(r"^.*$", re.MULTILINE)  # blank lines too: they end paragraphs
# Whitespace that is not a single space: read as one space.
ODD_WHITESPACE_RE = re.compile(r"\s{2,}|[^\S ]")
ENDS_SENTENCE_RE = re.compile(r"[.!?:;][\"”’)\]]*$|[\"”]$")
# A line cut mid-clause: after a comma or a word no heading ends on (an article, a preposition, an auxiliary).
ENDS_MID_CLAUSE_RE = re.compile(
    r"(?:,|\b(?:the|a|an|of|and|or|but|to|in|on|at|by|for|with|from|than|as|that|which|who|its|their|his|her|"
    r"per|about|over|under|nearly|almost|some|around|roughly|is|are|was|were|be|been|has|have|had|"
    r"will|would|could|can|may|into|between|this|these|those|our|such|while|when|where))$"
)
# A verb that introduces a figure ("spending reached / 2.7% of GDP"): cut mid-clause when a figure follows.
ENDS_BEFORE_FIGURE_RE = re.compile(
    r"\b(?:reached|reach|rose|fell|hit|totalled|totaled|exceeded|spent|worth|cost|invested|grew|increased|"
    r"decreased|dropped|climbed|stood|accounted|amounted|up|down|more|less)$"
)
FIGURE_START_CHARS = "0123456789$¥€£"
MIN_CUT_LINE_WORDS = 4
HYPHEN_WRAP_RE = re.compile(r"[A-Za-z]-$")
TAIL_CHARS = 20  # longer than any word ENDS_MID_CLAUSE_RE ends on
# A document is hard-wrapped when many of its prose lines end near one width.
MAX_WRAP_WIDTH = 160
WRAPPED_SHARE = 0.25
FULL_LINE_RATIO = 0.8


@dataclass(unsafe_hash=True, slots=True)  # never modified; not frozen: construction is 2-3x cheaper
class _Line:
    start: int  # first non-space character in the document
    text: str  # stripped
    indented: bool


def _lines(text: str) -> list[_Line | None]:
    """The document's lines, stripped; None for a blank line (a paragraph break)."""
    lines: list[_Line | None] = []
    for found in LINE_RE.finditer(text):
        line = found.group()
        stripped = line.strip()
        if not stripped:
            lines.append(None)
            continue
        lead = len(line) - len(line.lstrip())
        lines.append(_Line(found.start() + lead, stripped, lead > 0))
    return lines


def _wrap_width(lines: list[_Line | None]) -> int | None:
    """The width a hard-wrapped document was filled to, or None when its lines are not wrapped."""
    widths = [len(line.text) for line in lines if line is not None and not line.text.startswith("|")]
    if len(widths) < 3:
        return None
    width = max(widths)
    if width > MAX_WRAP_WIDTH:
        return None
    # Wrapped lines run near full width and mostly end mid-sentence; a list of short sentences does not.
    cut = sum(
        len(line.text) >= FULL_LINE_RATIO * width and not ENDS_SENTENCE_RE.search(line.text)
        for line in lines if line is not None and not line.text.startswith("|")
    )
    return width if cut >= 3 and cut >= WRAPPED_SHARE * len(widths) else None


def _continues(line: _Line, following: _Line, in_bullet: bool, wrap_width: int | None) -> bool:
    """Whether the break between two lines is a hard wrap inside a paragraph, not the author's break.

    Table rows and bullets always start afresh, and a short heading or label
    stays apart from the sentence below it. A wrapped line shows itself by what
    follows (a lower-case word, an indented continuation of a bullet), by how it
    ends (mid-clause), or, in a hard-wrapped document, by being full: the next
    word would not have fitted on it.
    """
    text, next_text = line.text, following.text
    if text.startswith("|") or next_text.startswith("|") or BULLET_RE.match(next_text):
        return False
    if next_text[0].islower() or (in_bullet and following.indented):
        return True
    tail = max(0, len(text) - TAIL_CHARS)  # `$`-anchored patterns: read the end only
    if text.count(" ") + 1 >= MIN_CUT_LINE_WORDS:  # "Sign in", "Follow us on": navigation, not a cut sentence
        if ENDS_MID_CLAUSE_RE.search(text, tail) or HYPHEN_WRAP_RE.search(text, tail):
            return True
        if next_text[0] in FIGURE_START_CHARS and ENDS_BEFORE_FIGURE_RE.search(text, tail):
            return True  # "Scaling up" above a paragraph stays a heading; "rose / 8%" is one clause
    if wrap_width is None:
        return False
    if len(next_text) < FULL_LINE_RATIO * wrap_width and not ENDS_SENTENCE_RE.search(next_text):
        return False  # a short unpunctuated line is a heading or a list item of its own, not a wrap's tail
    next_word = next_text.split(None, 1)[0]
    if len(text) + 1 + len(next_word) > wrap_width:
        return True  # the wrapper broke here because the next word did not fit
    return not ENDS_SENTENCE_RE.search(text, tail) and len(text) >= FULL_LINE_RATIO * wrap_width


def _paragraphs(text: str):
    """The document's paragraphs: runs of lines joined where a hard wrap broke a sentence."""
    lines = _lines(text)
    wrap_width = _wrap_width(lines)
    group: list[_Line] = []
    for index, line in enumerate(lines):
        if line is None:
            continue
        group.append(line)
        following = lines[index + 1] if index + 1 < len(lines) else None
        if following is None or not _continues(line, following, BULLET_RE.match(group[0].text) is not None, wrap_width):
            yield _paragraph(group)
            group = []


def _paragraph(lines: list[_Line]) -> Paragraph:
    """One paragraph from its lines: joined by one space (none after a hyphen), whitespace runs one space."""
    pieces: list[str] = []
    segment_starts: list[int] = []
    raw_starts: list[int] = []
    length = 0
    for index, line in enumerate(lines):
        if index and not HYPHEN_WRAP_RE.search(lines[index - 1].text):
            previous = lines[index - 1]
            pieces.append(" ")
            segment_starts.append(length)
            raw_starts.append(previous.start + len(previous.text))  # the line break itself
            length += 1
        position = 0
        # Printable text has no whitespace but " " (str.isspace characters are all Z* or C*): then only
        # a double space is odd. Most lines have neither, and skip the regex.
        has_odd = "  " in line.text or not line.text.isprintable()
        for odd in ODD_WHITESPACE_RE.finditer(line.text) if has_odd else ():
            pieces.append(line.text[position:odd.start()])
            segment_starts.append(length)
            raw_starts.append(line.start + position)
            length += odd.start() - position
            pieces.append(" ")
            segment_starts.append(length)
            raw_starts.append(line.start + odd.start())
            length += 1
            position = odd.end()
        pieces.append(line.text[position:])
        segment_starts.append(length)
        raw_starts.append(line.start + position)
        length += len(line.text) - position
    joined = "".join(pieces)
    return Paragraph(joined, fold_case(joined), tuple(segment_starts), tuple(raw_starts))


BULLET_RE = re.compile(r"\s*(?:[-•*–▪]|\d{1,2}[.)])\s+")
# Material a claim needs, tested in two steps: a digit (the usual case; the engine scans for it in C),
# else a number word.
ANY_DIGIT_RE = re.compile(r"\d")
HAS_CLAIM_WORD_RE = compile_folded(
    rf"\b(?:{_SPELLED}|dozen|million|billion|trillion|{'|'.join(ORDINALS)}|thirds?|quarter)\b"
)


def _could_hold_claim(folded_line: str) -> bool:
    return ANY_DIGIT_RE.search(folded_line) is not None or HAS_CLAIM_WORD_RE.search(folded_line) is not None


def _split_sentences(paragraph: Paragraph, list_lead: str | None = None):
    line = paragraph.text
    start = 0
    for boundary in SENTENCE_BREAK_RE.finditer(line):
        # Anchored patterns read only the last few characters: linear time on very long lines.
        tail_start = max(0, boundary.start() - LOOKBACK_CHARS)
        if ABBREVIATION_RE.search(line, tail_start, boundary.start()) and not (
            # "... than the U.S. The gap ...": a country's abbreviation can end a sentence
            COUNTRY_ABBREVIATION_RE.search(line, tail_start, boundary.start())
            and SENTENCE_OPENER_RE.match(line, boundary.end())
        ):
            continue
        yield from _bounded_sentences(paragraph, start, boundary.start(), list_lead)
        start = boundary.end()
    if line[start:].strip():
        yield from _bounded_sentences(paragraph, start, len(line), list_lead)


def _bounded_sentences(paragraph: Paragraph, start: int, end: int, list_lead: str | None):
    """The sentence paragraph.text[start:end], cut at spaces into pieces of at most MAX_SENTENCE_CHARS.

    Text without full stops (a scraped blob) would otherwise make one huge
    "sentence", and per-figure comparisons within a sentence grow with its square.
    """
    line, folded_line = paragraph.text, paragraph.folded
    while end - start > MAX_SENTENCE_CHARS:
        cut = line.rfind(" ", start, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        yield Sentence(start, line[start:cut], folded_line[start:cut], paragraph, list_lead=list_lead)
        start = cut
    yield Sentence(start, line[start:end], folded_line[start:end], paragraph, list_lead=list_lead)


# --------------------------------------------------------------------------
# document context: organisations the text introduces
# --------------------------------------------------------------------------


def _document_context(text: str, source_id: str) -> DocumentContext:
    catalog = load_catalog()
    organisations: dict[str, str] = {}
    for found in _organisation_introductions(text):
        full_name, acronym = WHITESPACE_RE.sub(" ", found.group(1)).strip(), found.group(2)
        if not ORGANISATION_WORD_RE.search(full_name):
            continue  # "Artificial Intelligence (AI)": a term, not a body
        name = _organisation_subject(full_name, acronym)
        organisations[acronym] = name
        organisations[full_name] = name
    pattern = None
    if organisations:
        alternation = "|".join(re.escape(a) for a in sorted(organisations, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w])(?:{alternation})(?![\w$])")
    return DocumentContext(source_id, text, catalog, organisations, pattern)


def _organisation_introductions(text: str):
    """ORG_INTRO_RE's matches, sought only just before each "(ACRONYM)" instead of at every capital letter.

    A name cannot hold a parenthesis, so it lies between the previous "(...)" and its own.
    """
    previous_end = 0
    for acronym in ACRONYM_RE.finditer(text):
        found = ORG_INTRO_RE.search(text, max(previous_end, acronym.start() - ORG_NAME_REACH_CHARS), acronym.end())
        if found is not None and found.end() == acronym.end():
            yield found
        previous_end = acronym.end()


def _organisation_subject(full_name: str, acronym: str) -> str:
    """Whom an introduced organisation's figures are about: China for its state bodies, else itself."""
    named = _catalog_subjects_in(full_name)
    if named and named[0].start == 0 and named[0].end >= len(full_name) - 1:
        return named[0].name  # "United States (US)": the name is a country
    known = [m.name for m in _catalog_subjects_in(acronym)]
    if known:
        return known[0]  # a body the catalog knows: MIIT is China, ASML is ASML
    if STATE_BODY_RE.search(full_name) and all(m.name == DEFAULT_SUBJECT for m in named):
        return DEFAULT_SUBJECT  # a ministry or commission of the country the genre is about
    return acronym


@lru_cache(maxsize=1)
def _subject_alternation() -> tuple[re.Pattern[str], tuple]:
    catalog = load_catalog()
    aliases = [alias for s in catalog.subjects for alias in s.aliases]
    alternation = "|".join(f"(?:{alias})" for alias in aliases)
    first_letters = {alias[0] for alias in aliases}
    if all(letter.isalpha() for letter in first_letters):
        # Names start with few letters: testing the first character skips most positions (10x faster).
        alternation = f"(?=[{''.join(sorted(first_letters))}])(?<![\\w.])(?:{alternation})(?![\\w$])"
    else:
        alternation = f"(?<![\\w.])(?:{alternation})(?![\\w$])"
    return re.compile(alternation), catalog.subjects


@lru_cache(maxsize=4096)
def _subject_name(alias: str) -> str:
    _, subjects = _subject_alternation()
    for subject in subjects:
        if subject.alias_pattern.fullmatch(alias):
            return alias if subject.kind == "organisation" else subject.name
    return alias


def _catalog_subjects_in(text: str) -> list[SubjectMention]:
    pattern, _ = _subject_alternation()
    return [
        SubjectMention(m.start(), m.end(), _subject_name(m.group()), False)
        for m in pattern.finditer(text)
    ]


def _subject_mentions(sentence: str, context: DocumentContext) -> list[SubjectMention]:
    # (start, end, name) first: each mention is built once, when whether it is an object is known.
    pattern, _ = _subject_alternation()
    mentions = [(m.start(), m.end(), _subject_name(m.group())) for m in pattern.finditer(sentence)]
    if context.organisation_re is not None:
        introduced = [
            (m.start(), m.end(), context.organisations[m.group()]) for m in context.organisation_re.finditer(sentence)
        ]
        if introduced:
            # An introduced organisation's name wins over words inside it.
            mentions = [
                m for m in mentions if not any(o[0] <= m[0] < o[1] for o in introduced)
            ] + introduced
    return sorted(
        (SubjectMention(start, end, name, _is_object_at(sentence, start)) for start, end, name in mentions),
        key=lambda m: m.start,
    )


def _is_object_at(sentence: str, start: int) -> bool:
    """Compared with ("to China", "than the US"), not the owner of a figure."""
    return OBJECT_PREPOSITION_RE.search(sentence, max(0, start - LOOKBACK_CHARS), start) is not None


# --------------------------------------------------------------------------
# figures, years and masks in one sentence
# --------------------------------------------------------------------------


MONTH_PREFIXES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _masked_spans(sentence: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in FOOTNOTE_RE.finditer(sentence)]
    if any(month in sentence for month in MONTH_PREFIXES):  # every date names a month
        spans += [m.span() for m in DAY_OF_MONTH_RE.finditer(sentence)]
    return spans


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _year_mentions(sentence: str, folded: str, masked: list[tuple[int, int]]) -> list[YearMention]:
    years: list[YearMention] = []
    for found in BETWEEN_YEARS_RE.finditer(sentence) if "between" in sentence else ():
        years.append(YearMention(found.start(), found.end(), f"{found.group(1)}-{found.group(2)}", "between"))
    for found in YEAR_RE.finditer(sentence):
        if _overlaps(found.start(), found.end(), masked) or any(y.start <= found.start() < y.end for y in years):
            continue
        before = sentence[max(0, found.start() - 40):found.start()]
        if before.endswith((" ", "\u00a0")) and _is_name_year(before, (WORD_RE.findall(before[-20:])[-1:] or [""])[0]):
            continue
        first, last = found.group(1), found.group(2)
        period = first
        if last:
            last = first[:2] + last if len(last) == 2 else last
            period = f"{first}-{last}" if last > first else first
        preposition = _preposition_before(folded[max(0, found.start() - 40):found.start()])
        years.append(YearMention(found.start(), found.end(), period, preposition))
    return sorted(years, key=lambda y: y.start)


PREPOSITION_BEFORE_RE = compile_folded(
    r"\b(as\s+far\s+back\s+as|in|by|since|from|for|until|till|before|after|during|through|of|"
    r"early|late|mid|end\s+of|start\s+of|beginning\s+of)\s+(?:(?:early|late|mid|the\s+end\s+of|"
    rf"{_MONTHS})[\s-]+)?(?:\d{{1,2}},?\s+)?$",
)


def _preposition_before(folded_before: str) -> str:
    found = PREPOSITION_BEFORE_RE.search(folded_before)
    return WHITESPACE_RE.sub(" ", found.group(1)) if found else ""


def _is_name_year(before: str, previous_word: str) -> bool:
    """A year that is part of a name ("Made in China 2025", "Vision 2030") is not a period."""
    if not before.endswith((" ", "\u00a0")) or not previous_word[:1].isupper():
        return False
    if before.rstrip().endswith(("'s", "’s")):
        return False  # "Beijing's 2025 budget": whose year, not a name
    if previous_word.lower() in _NAME_EXEMPT or MONTH_RE.fullmatch(previous_word):
        return False
    return before.rstrip().endswith(previous_word)


def _number_value(figure: re.Match[str]) -> tuple[float, float] | None:
    """(value, precision) of the number part, scale not yet applied."""
    digits = figure.group("digits")
    if digits:
        plain = digits.replace(",", "")
        decimals = len(plain.split(".")[1]) if "." in plain else 0
        return float(plain), 10.0 ** -decimals
    words = figure.group("words").lower().replace("-", " ").split()
    if words[0] in ("a", "an"):
        return (12.0, 1.0) if words[-1] == "dozen" else (1.0, 1.0)
    total = sum(UNITS_WORDS.get(w, 0) + TENS_WORDS.get(w, 0) for w in words)
    return (float(total), 1.0) if total else None


def _figures(
    sentence: str, folded: str, masked: list[tuple[int, int]], years: list[YearMention], catalog: Catalog
) -> list[Figure]:
    figures: list[Figure] = []
    for found in FIGURE_RE.finditer(folded):
        figure = _figure_from_match(sentence, folded, found, masked, years, catalog)
        if figure is not None:
            figures.append(figure)
    figures += _rank_figures(folded, masked, figures)
    figures += _fraction_figures(folded, figures)
    figures.sort(key=lambda f: f.start)
    return _lend_list_units(sentence, figures)


def _figure_from_match(
    sentence: str,
    folded: str,
    found: re.Match[str],
    masked: list[tuple[int, int]],
    years: list[YearMention],
    catalog: Catalog,
) -> Figure | None:
    digits = found.group("digits")
    number_start, number_end = found.span("digits" if digits else "words")
    if (masked and _overlaps(number_start, number_end, masked)) or (
        years and any(y.start <= number_start < y.end for y in years)
    ):
        return None
    currency, scale_word, unit_word = found.group("currency", "scale", "unit")
    currency_text = currency.strip().lower() if currency else ""
    scale_text = scale_word.strip().lower() if scale_word else ""
    unit_text = unit_word.strip().lower() if unit_word else ""
    end = found.end()
    if digits:
        if not currency_text and not scale_text and not unit_text:
            if _is_year_like(digits):
                return None  # a year in a name or a masked date, never a count
            if not _is_standalone_count(sentence, folded, number_start, end):
                return None
    elif not (currency_text or scale_text or unit_text):
        if not _is_countable_words(folded, number_start, end, catalog):
            return None
    number = _number_value(found)
    if number is None:
        return None
    value, precision = number
    scale = SCALES.get(scale_text, 1.0)
    value, precision = value * scale, precision * scale
    if found.group("measure"):
        unit, is_change = catalog.measure_unit(found.group("measure")), False
    else:
        unit, is_change = _canonical_unit(currency_text, unit_text)
    if unit is None:
        return None
    if found.group("scale_abbreviation") and unit not in CURRENCY_UNITS:
        return None  # "910B", "5m": a model name or a distance, not "5 million" of something
    if unit == "years":
        if unit_text.startswith("-") and not DURATION_NOUN_END_RE.search(unit_text):
            return None  # "five-year plan": an adjective, not a duration
        if RELATIVE_TIME_RE.match(folded, end) or HORIZON_BEFORE_RE.search(
            folded, max(0, found.start() - 20), found.start()
        ):
            return None  # "two years later", "within two years": a relative date, not a claim
        factor = DURATION_IN_YEARS[DURATION_WORD_RE.search(unit_text).group(1)]
        value, precision = value * factor, precision * factor
    if found.group("words") and found.group("words").lower() in ("a", "an"):
        if not found.group("bound") and HYPOTHETICAL_RE.search(folded):
            return None  # "a billion yuan put toward X might ...": a hypothetical amount
    if NEGATION_BEFORE_RE.search(folded, max(0, number_start - 30), found.start()):
        return None  # "had not reached 5nm": a figure the text denies
    start = found.start("bound") if found.group("bound") else (
        found.start("currency") if found.group("currency") else number_start
    )
    end = _trim_end(sentence, start, end)
    bare = not (currency_text or scale_text or unit_text)
    return Figure(start, end, value, unit, precision, number_start, is_change, bare, scale)


def _trim_end(sentence: str, start: int, end: int) -> int:
    while end > start and sentence[end - 1].isspace():
        end -= 1
    return end


def _is_year_like(digits: str) -> bool:
    return len(digits) == 4 and digits.isdigit() and 1900 <= int(digits) <= 2100


def _is_standalone_count(sentence: str, folded: str, start: int, end: int) -> bool:
    """A bare integer that counts something, not a model number, name, ordinal or reference."""
    following = sentence[end:end + 1]
    if following in ("-", "–") and sentence[end + 1:end + 2].isdigit():
        pass  # "2-3%": the low end of a range, which takes the range's unit
    elif following.isalpha() or following in ("+", "-", "–", "/", "°", ":"):
        return False  # "5G", "14th", "3D", "AI+", "5-year", "196°C", "9:30"
    if CLOCK_OR_AGE_RE.match(folded, end) or folded[max(0, start - 5):start] in ("aged ", " age "):
        return False  # "9 am", "aged 45"
    before = sentence[max(0, start - 30):start]
    folded_before = folded[max(0, start - 30):start]
    if LIST_MARKER_RE.match(sentence, start):
        return False  # "2. CSIS, ...": a numbered list item
    if (
        HYPHEN_NAME_RE.search(before) or REFERENCE_WORD_RE.search(folded_before)
        or folded_before.endswith((":", "top ", "per "))
    ):
        return False  # "Jinan-1", "Figure 1", "10:30", "top 10", "per 10,000 people"
    if AGE_BEFORE_RE.search(before) and sentence[end:end + 1] == ",":
        return False  # "Li Wei, 54, said": an age
    name = NAME_NUMBER_RE.search(before)
    if name and name.group(1).lower() not in _NAME_EXEMPT:
        return False  # "Long March 5", "Chang'e 6"
    return True


NEXT_WORDS_RE = re.compile(r"(?:\s+[\w-]+){1,2}")


def _is_countable_words(folded: str, start: int, end: int, catalog: Catalog) -> bool:
    """A spelled-out number counts only things the catalog can count, never "the three goals"."""
    if DETERMINER_BEFORE_RE.search(folded, max(0, start - 12), start):
        return False
    following = NEXT_WORDS_RE.match(folded, end)
    if following is None:
        return False
    words = following.group().split()
    if folded[start:end] == "one":
        words = words[:1]  # "one of", "one indicator of": a pronoun more often than a count
    return any(catalog.counting_noun_pattern.fullmatch(w) for w in words)


def _canonical_unit(currency_text: str, unit_text: str) -> tuple[str | None, bool]:
    if currency_text:
        return CURRENCY_CODES.get(currency_text.rstrip(), None), False
    if not unit_text:
        return "count", False
    if "percentage" in unit_text:
        return "percent", True
    if unit_text in ("%", "pct") or "cent" in unit_text:
        return "percent", False
    if "nm" in unit_text or "nano" in unit_text:
        return "nm", False
    if "km" in unit_text or "kilo" in unit_text:
        return "km", False
    if DURATION_WORD_RE.search(unit_text):
        return "years", False
    currency = unit_text.removeprefix("of ")
    currency = "usd" if "dollar" in currency else currency
    return CURRENCY_CODES.get(currency, None), False


# A rank is kept only with a word before or after it: a text holding none of these has no rank.
RANK_WORD_HINTS = (
    "rank", "listed", "place", "came", "comes", "finished", "sits", "sat", "stand", "stood",
    "position", "largest", "biggest", "highest", "most",
)


def _rank_figures(folded: str, masked: list[tuple[int, int]], figures: list[Figure]) -> list[Figure]:
    if not any(hint in folded for hint in RANK_WORD_HINTS):
        return []
    ranks = []
    for found in RANK_RE.finditer(folded):
        if not (found.group("before") or found.group("after")):
            continue
        if _overlaps(found.start(), found.end(), masked) or any(f.start <= found.start() < f.end for f in figures):
            continue
        ordinal = found.group("ordinal").lower()
        value = ORDINALS.get(ordinal) or int(ordinal[:-2])  # "11th" -> 11
        start = found.start("ordinal")
        ranks.append(Figure(start, found.end(), float(value), "rank", 1.0, start))
    return ranks


def _fraction_figures(folded: str, figures: list[Figure]) -> list[Figure]:
    if "third" not in folded and "quarter" not in folded and "fifth" not in folded:
        return []  # every fraction the pattern knows names one of these
    return [
        Figure(m.start(), m.end(), FRACTIONS[m.group().lower()], "percent", None, m.start())
        for m in FRACTION_RE.finditer(folded)
        if not any(f.start <= m.start() < f.end for f in figures)
    ]


def _lend_list_units(sentence: str, figures: list[Figure]) -> list[Figure]:
    """"2.4 and 3.5 percent", "5 to 7%": a bare number takes the unit of the list it heads."""
    lent = list(figures)
    for index in range(len(lent) - 2, -1, -1):
        current, following = lent[index], lent[index + 1]
        if not current.bare or following.bare or following.unit in ("count", "rank"):
            continue
        if not LIST_JOINER_RE.match(sentence[current.end:following.start]):
            continue
        scale = 1.0 if current.scale != 1.0 else following.scale
        value = current.value
        lent[index] = replace(
            current, value=value * scale, unit=following.unit, precision=(current.precision or 1.0) * scale,
            is_change=following.is_change, bare=False,
        )
    return lent


# --------------------------------------------------------------------------
# turning figures and dated events into records
# --------------------------------------------------------------------------


@dataclass(unsafe_hash=True, slots=True)  # never modified; not frozen: construction is 2-3x cheaper
class Clause:
    start: int
    end: int
    joins_previous: bool  # began at a soft break, so earlier years still date it


RELATIVE_CLAUSE_RE = re.compile(r",\s+(?:which|who)\b[^,;]*(?=,)")


def _clauses(sentence: str) -> list[Clause]:
    breaks = [(m.start(), m.group("soft") is not None) for m in CLAUSE_BREAK_RE.finditer(sentence)]
    # ", which shipped X last year, plans to ...": the aside ends at its closing comma.
    breaks += [(m.end(), False) for m in RELATIVE_CLAUSE_RE.finditer(sentence)]
    clauses, start, joins = [], 0, False
    for position, soft in sorted(breaks):
        clauses.append(Clause(start, position, joins))
        start, joins = position, soft
    clauses.append(Clause(start, len(sentence), joins))
    return clauses


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
    if not _could_hold_claim(folded):
        return []
    masked = _masked_spans(text)
    years = _year_mentions(text, folded, masked)
    figures = _figures(text, folded, masked, years, context.catalog)
    if not figures and not years:
        return []
    column_periods: dict[int, str] = {}
    if sentence.is_table_row:
        figures, column_periods = _table_row_figures(sentence, figures)
    stated_figures = figures  # a year beside any figure dates that figure, kept or not
    if not (sentence.is_table_row or sentence.paragraph.is_relevant):
        # Bare counts outside the genre's vocabulary are the usual junk ("159 seats").
        figures = [f for f in figures if f.unit not in ("count", "rank")]
    subjects = _subject_mentions(text, context)
    clauses = _clauses(text)
    sentence_topic = _once(lambda: topic_of(text, context.catalog, folded))  # only derived keys and events need it
    hits = indicator_hits(text, context.catalog, folded) if figures else []
    if figures and not hits and sentence.table_header:
        hits = indicator_hits(sentence.table_header, context.catalog)  # the header names the columns
    records: list[IndicatorRecord] = []
    previous: IndicatorRecord | None = None
    previous_figure: Figure | None = None
    respectively = _respectively_assignments(folded, figures, subjects, years)
    # A conversion in parentheses restates its neighbour; it never stands between a figure and its year.
    primary = [f for i, f in enumerate(figures) if i == 0 or not _is_conversion(folded, figures[i - 1], f)]
    for figure in figures:
        record = _figure_record(
            sentence, figure, primary, years, subjects, clauses, hits, context, respectively, sentence_topic
        )
        if figure.start in column_periods:
            record = replace(record, period=column_periods[figure.start])
        if previous is not None and record.indicator.startswith(UNNAMED) and previous.unit == record.unit:
            # "47% studied in China, while 18% did so in the US": a parallel figure, same indicator
            record = replace(record, indicator=previous.indicator, label=previous.label, topic=previous.topic)
        if previous is not None and previous_figure is not None and _is_conversion(folded, previous_figure, figure):
            record = replace(
                record, indicator=previous.indicator, label=previous.label, subject=previous.subject,
                kind=previous.kind, period=previous.period, topic=previous.topic,
            )
        records.append(record)
        previous, previous_figure = record, figure
    records += _event_records(sentence, stated_figures, years, subjects, clauses, context, sentence_topic)
    return records


ROW_SCALE_RE = compile_folded(r"\b(thousand|million|billion|trillion)s?\b")
ROW_PERCENT_RE = compile_folded(r"%|\bper\s?cent|\bshare\b")
ROW_CURRENCY_RE = compile_folded(r"\b(yuan|rmb|cny|usd|us\$|dollars?|eur|euros?)\b|(\$|¥|€)")
YEAR_CELL_RE = re.compile(r"\s*(?:FY\s?)?((?:19[5-9]|20\d)\d)(?:\s?[-–/]\s?((?:19[5-9]|20\d)\d))?\s*")


def _cells(row: str) -> list[tuple[int, int]]:
    """(start, end) of each cell between the pipes of a markdown table row."""
    pipes = [i for i, char in enumerate(row) if char == "|"]
    return [(a + 1, b) for a, b in zip(pipes, pipes[1:])]


def _table_row_figures(sentence: Sentence, figures: list[Figure]) -> tuple[list[Figure], dict[int, str]]:
    """Read a table row as its header says: a year column dates its figures, the row label gives their unit.

    "| Researchers (millions) | 2.28 | 2.72 |" under "| Indicator | 2020 | 2023 |"
    is 2.28 million in 2020 and 2.72 million in 2023.
    """
    cells = _cells(sentence.text)
    header_cells = [sentence.table_header[a:b] for a, b in _cells(sentence.table_header or "")]
    if not cells:
        return figures, {}
    label = sentence.folded[cells[0][0]:cells[0][1]]
    scale = ROW_SCALE_RE.search(label)
    currency = ROW_CURRENCY_RE.search(label)
    adjusted, periods = [], {}
    for figure in figures:
        column = next((i for i, (a, b) in enumerate(cells) if a <= figure.start < b), None)
        if figure.bare and column not in (None, 0):
            factor = SCALES[scale.group(1)] if scale else 1.0
            unit = "percent" if ROW_PERCENT_RE.search(label) else (
                CURRENCY_CODES.get(currency.group(1) or currency.group(2), "count") if currency else "count"
            )
            figure = replace(figure, value=figure.value * factor, precision=(figure.precision or 1.0) * factor,
                             unit=unit, scale=factor, bare=False)
        if column is not None and column < len(header_cells):
            year = YEAR_CELL_RE.fullmatch(header_cells[column])
            if year:
                periods[figure.start] = f"{year.group(1)}-{year.group(2)}" if year.group(2) else year.group(1)
        adjusted.append(figure)
    return adjusted, periods


def _once(compute: Callable[[], str]) -> Callable[[], str]:
    """`compute`, called at most once: the first result is kept."""
    kept: list[str] = []

    def value() -> str:
        if not kept:
            kept.append(compute())
        return kept[0]

    return value


def _is_conversion(folded: str, first: Figure, second: Figure) -> bool:
    """"¥398.12 billion ($55 billion)": the same amount in another currency."""
    return (
        first.unit in CURRENCY_UNITS and second.unit in CURRENCY_UNITS and first.unit != second.unit
        and CONVERSION_JOINER_RE.match(folded[first.end:second.start]) is not None
    )


def _respectively_assignments(
    folded: str, figures: list[Figure], subjects: list[SubjectMention], years: list[YearMention]
) -> dict[int, tuple[str | None, str | None]]:
    """"China and the US spent 2.4% and 3.5% respectively": pair figures with subjects (or years) in order."""
    found = RESPECTIVELY_RE.search(folded) if "respectively" in folded else None
    if not found or len(figures) < 2:
        return {}
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
) -> IndicatorRecord:
    text = sentence.text
    clause = _clause_of(figure.number_start, clauses)
    assigned_subject, assigned_period = respectively.get(figure.start, (None, None))
    subject = assigned_subject or _figure_subject(text, figure, subjects)
    period = assigned_period or _figure_period(sentence.folded, figure, figures, years, clause, clauses)
    kind = _figure_kind(sentence, figure, figures, clause, years)
    if sentence.list_lead is not None:
        kind, period = _with_list_lead(sentence.list_lead, kind, period)
    key, label, topic = _figure_indicator(
        text, sentence.folded, figure, hits, (clause.start, clause.end), sentence_topic
    )
    return _record(sentence, context, key, label, subject, kind, figure.value, figure.unit, period, topic,
                   figure.start, figure.end, figure.precision)


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


def _figure_subject(text: str, figure: Figure, subjects: list[SubjectMention]) -> str:
    """Whose figure it is: "3.5% in the US", else the nearest owner named before it, else China."""
    for mention in subjects:
        if mention.start >= figure.end and AFTER_SUBJECT_RE.match(text[figure.end:mention.start]):
            return mention.name
    owners = [m for m in subjects if m.end <= figure.start and not m.is_object]
    if owners:
        return owners[-1].name
    return DEFAULT_SUBJECT


def _figure_period(
    folded: str,
    figure: Figure, figures: list[Figure], years: list[YearMention], clause: Clause, clauses: list[Clause]
) -> str | None:
    """The year that dates a figure.

    The nearest year of its own clause with no other figure in between; else
    the last year before it while clauses join softly ("in 2023, ... but 3.5%");
    else a year fronting the sentence ("In 2024, ...").
    """
    if folded.find("same", clause.start, clause.end) >= 0 and SAME_YEAR_RE.search(folded, clause.start, clause.end):
        earlier = [y for y in years if y.end <= clause.start]
        if earlier:
            return earlier[-1].period
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
    return fronted[0].period if fronted else None


def _figure_kind(
    sentence: Sentence, figure: Figure, figures: list[Figure], clause: Clause, years: list[YearMention]
) -> str:
    """Target, estimate or measurement, from cues in its clause that no other figure stands nearer to."""
    if sentence.is_table_row:
        return "measurement"
    text = sentence.folded
    clause_text = text[clause.start:clause.end]

    def applies(cues: tuple[tuple[int, int, bool], ...]) -> bool:
        return any(
            _cue_applies(start, figure, figures, forward_only)
            for start, end, forward_only in cues
            if clause.start <= start and end <= clause.end
        )

    if BASELINE_BEFORE_RE.search(text, max(0, figure.start - 20), figure.start):
        return "measurement"  # "up from 188 in 2024": the baseline a target is measured against
    if applies(sentence.target_cues):
        return "target"
    if applies(sentence.estimate_cues):
        return "estimate"
    hedged = HEDGE_RE.search(text[max(0, figure.start - 15):figure.start] + " ") or HEDGE_RE.search(
        text, max(0, figure.start - 15), figure.number_start
    )
    if hedged and _is_attributed(sentence, figure):
        return "estimate"
    if not ("had" in clause_text and HAD_RE.search(clause_text)) and any(
        y.preposition == "by" and clause.start <= y.start < clause.end and _cue_applies(y.start, figure, figures)
        for y in years
    ):
        return "target"  # "by 2030" is a deadline, unless "had built ... by the end of 2024"
    if figure.unit == "years" and NEXT_HORIZON_RE.search(text, max(0, figure.start - 15), figure.start):
        return "target"
    return "measurement"


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


def _figure_indicator(
    text: str, folded: str, figure: Figure, hits: list, clause_span: tuple[int, int], sentence_topic: Callable[[], str]
) -> tuple[str, str, str]:
    """(key, label, topic): from the catalog when its wording is near, else derived from the words."""
    is_growth = figure.unit == "percent" and (
        figure.is_change
        or GROWTH_AFTER_RE.match(folded, figure.end) is not None
        or GROWTH_BEFORE_RE.search(folded, max(0, figure.start - 30), figure.start) is not None
    )
    suffix, label_suffix = ("_change", " (change, percentage points)") if figure.is_change else ("_growth", " growth")
    if is_growth:
        entry = nearest_indicator(hits, LEVEL_UNITS, figure.start, clause_span)
        if entry is not None:
            return entry.key + suffix, entry.label + label_suffix, entry.topic
    else:
        entry = nearest_indicator(hits, figure.unit, figure.start, clause_span)
        if entry is not None:
            return entry.key, entry.label, entry.topic
    key, label = _key_and_label(_describing_words(text, figure, clause_span[0]), UNNAMED)
    unit_suffix = {"percent": "_share", "years": "_years", "rank": "_rank"}.get(figure.unit, "")
    if is_growth:
        return key + suffix, label + label_suffix, sentence_topic()
    return key + unit_suffix, label, sentence_topic()


def _describing_words(text: str, figure: Figure, clause_start: int) -> list[str]:
    """Up to three content words naming what a figure measures: after a count, else before it."""
    if figure.unit == "rank":
        ranked = [w for w in _content_words(text[figure.end:figure.end + 80].split(",")[0]) if w.lower() != "place"]
        if ranked:
            return ranked[:3]  # "second in the world for quantum patents": what is ranked follows
    after = _content_words(text[figure.end:figure.end + 60].split(",")[0], stop_at_break=True)
    if figure.unit == "count" and after:
        return after[:3]
    before = _content_words(text[clause_start:figure.start])
    if before:
        return before[-3:]
    return after[:3]


UNNAMED = "unnamed_figure"
CONTENT_BREAK_WORDS = frozenset("in at to from by with which that who where when as than for on while and or".split())


def _content_words(fragment: str, stop_at_break: bool = False) -> list[str]:
    """The words of `fragment` that name something, possessives and hyphens trimmed."""
    words = []
    for found in WORD_RE.findall(fragment):
        word, is_break, is_content = _word_reading(found)
        if stop_at_break and words and is_break:
            break
        if is_content:
            words.append(word)
    return words


@lru_cache(maxsize=16384)
def _word_reading(word: str) -> tuple[str, bool, bool]:
    """(the word trimmed, whether it breaks a run of describing words, whether it names something)."""
    if word[-1] in "s’'":
        word = POSSESSIVE_RE.sub("", word)
    word = word.strip("-")
    lowered = word.lower()
    return word, lowered in CONTENT_BREAK_WORDS, len(lowered) > 1 and lowered not in STOPWORDS


def _key_and_label(words: list[str], fallback: str) -> tuple[str, str]:
    """A snake_case key and a readable label from the words that name a figure."""
    key = "_".join(NON_KEY_CHARS_RE.sub("_", w.lower().replace("&", "")).strip("_") for w in words)
    label = " ".join(words)
    return (key or fallback), (label[:1].upper() + label[1:] if label else fallback.replace("_", " "))


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
        key, label = _event_key_and_label(text, clause_start, clause_end, year, cue)
        records.append(_record(
            sentence, context, key, label, subject, kind,
            None, None, year.period, sentence_topic(), start, year.end, None,
        ))
    return records


EVENT_NOUNS = {
    "launch": "launch", "establish": "establishment", "found": "founding", "complet": "completion",
    "approv": "approval", "announc": "announcement", "releas": "release", "publish": "publication",
    "unveil": "unveiling", "introduc": "introduction", "deliver": "delivery", "sign": "signing",
    "pass": "passage", "adopt": "adoption", "enact": "enactment", "issu": "issuance", "open": "opening",
}


def _event_key_and_label(
    text: str, clause_start: int, clause_end: int, year: YearMention, cue: re.Match[str] | None
) -> tuple[str, str]:
    """Name a dated event after what happened: the words before its verb plus the event's noun."""
    if cue is None:
        words = _content_words(text[clause_start:clause_end].replace(text[year.start:year.end], " "))[:4]
        return _key_and_label(words, "dated_event")
    verb = cue.group().lower()
    noun = next((n for stem, n in EVENT_NOUNS.items() if verb.startswith(stem)), None)
    before = _content_words(text[clause_start:clause_start + cue.start()])[-3:]
    if not before:
        before = _content_words(text[:clause_start])[-3:]  # ", which opened in 2017": the thing it names
    if noun is None:
        before = (before + _content_words(text[clause_start + cue.end():clause_end])[:2])[-4:]
    return _key_and_label(before + ([noun] if noun else []), "dated_event")


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


MIN_SENTENCE_WORDS = 5


def has_article_text(text: str) -> bool:
    """Whether anything but page boilerplate is left: at least one non-boilerplate paragraph of sentence length."""
    for paragraph in _paragraphs(text):
        if len(paragraph.text.split()) >= MIN_SENTENCE_WORDS and not _is_boilerplate_line(paragraph.text, paragraph.folded):
            return True
    return False
