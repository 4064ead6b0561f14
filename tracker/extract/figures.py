"""Figures and years in one sentence: the number vocabulary, the figure/year/rank/fraction patterns and
their parsing into values and units, and the masks for numbers that are not claims (dates, footnotes, names).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from tracker.catalog import (
    Catalog, compile_folded, fold_pattern, load_catalog, opening_lookahead, requirement_test, substring_test,
)
from tracker.extract.context import Figure, WHITESPACE_RE, WORD_RE, YearMention


UNITS_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
# Scales and currencies are catalog data ([scales], [[currency]]); the patterns below are built from them.
_CATALOG = load_catalog()


def _literal_alternation(words, space: str = r"\s?") -> str:
    """Literal wordings as one alternation, longest first (so "lakh crore" wins over "lakh")."""
    return "|".join(re.escape(w).replace(r"\ ", space) for w in sorted(words, key=len, reverse=True)) or "(?!)"


def _spaceless(text: str) -> str:
    return "".join(text.lower().split())


SCALES = {_spaceless(k): v for k, v in {**_CATALOG.scales.words, **_CATALOG.scales.money_abbreviations}.items()}
NO_SCALE = SCALES.get("", 1.0)  # the factor of a figure without a scale word
# Every way of writing a currency, lower-cased and without spaces -> its code ("us$" -> USD, "usdollars" -> USD).
CURRENCY_CODES = {
    _spaceless(wording): currency.code
    for currency in _CATALOG.currencies
    for wording in (*currency.signs, *currency.codes, *currency.words, *currency.words_after_scale)
}
CURRENCY_UNITS = frozenset(currency.code for currency in _CATALOG.currencies)
# (code, signs, subjects): a sign another currency owns that is this one in a figure of these subjects.
SHARED_SIGN_CURRENCIES = tuple(
    (c.code, c.shared_signs, frozenset(c.sign_subjects)) for c in _CATALOG.currencies if c.shared_signs
)
_LETTER_SIGNS = [sign for c in _CATALOG.currencies for sign in c.signs if any(ch.isalpha() for ch in sign)]
_SYMBOL_SIGNS = [sign for c in _CATALOG.currencies for sign in c.signs if not any(ch.isalpha() for ch in sign)]
SIGN_CHARS = "".join(sorted({sign[0] for sign in _SYMBOL_SIGNS}))  # "$", "¥", "€", ...: a figure may open with one
_SIGN_CLASS = "".join(re.escape(ch) for ch in SIGN_CHARS)
_CODES = _literal_alternation(code for c in _CATALOG.currencies for code in c.codes)
_CURRENCY_BEFORE = (
    rf"\b(?:{_literal_alternation(_LETTER_SIGNS)})\s?(?=\d)|(?:{_literal_alternation(_SYMBOL_SIGNS)})"
    rf"|\b(?:{_CODES})\s?"
)
_CURRENCY_AFTER = rf"(?:{_literal_alternation([*(w for c in _CATALOG.currencies for w in c.words), *(code for c in _CATALOG.currencies for code in c.codes)])})"
_CURRENCY_AFTER_SCALE = _literal_alternation(w for c in _CATALOG.currencies for w in c.words_after_scale)
_SCALE_WORDS = _literal_alternation(_CATALOG.scales.words, r"\s+")
_MONEY_ABBREVIATIONS = _literal_alternation(_CATALOG.scales.money_abbreviations)
_FULL_SCALE_WORDS = _literal_alternation([w for w in _CATALOG.scales.words if len(w) > 3], r"\s+")
# Where a figure can open: a bound, a currency code or sign, a digit or a number word.
_OPENING_LETTERS = "".join(sorted(
    set("acefgijlmnorstu") | {w[0].lower() for c in _CATALOG.currencies for w in (*c.codes, *_LETTER_SIGNS)}
))
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
_DIGIT_WORDS = "zero|one|two|three|four|five|six|seven|eight|nine"
# "four hundred and sixty-two", "two point seven": spoken numbers, read whole
_SPELLED_NUMBER = (
    rf"(?:{_SPELLED})(?:\s+hundred(?:\s+(?:and\s+)?(?:{_SPELLED}))?)?(?:\s+point(?:\s+(?:{_DIGIT_WORDS}))+)?"
)
_BOUND = (
    r"(?:more|less|fewer)\s+than|over|under|nearly|almost|around|about|approximately|roughly|"
    r"at\s+least|at\s+most|up\s+to|close\s+to|just\s+(?:over|under)|in\s+excess\s+of|upwards\s+of|"
    r"some|an\s+estimated|as\s+(?:many|much)\s+as|approx\."
)

# One figure: bound, currency, number (digits or words), scale, unit.
_FIGURE_BODY = rf"""
    (?P<bound>\b(?:{_BOUND})\s+)?
    (?P<currency>{_CURRENCY_BEFORE})?
    (?:
        (?P<digits>(?(currency)|(?<![\w.,/#-]))\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?
                  |(?(currency)|(?<![\w.,/#]))\d+(?:\.\d+)?)
      | (?P<words>\b(?:{_SPELLED_NUMBER}|a\s+dozen|an?(?=\s+(?:{_FULL_SCALE_WORDS})\b))\b)
    )
    (?P<scale>[\s-]?(?:{_SCALE_WORDS})\b|(?P<scale_abbreviation>(?<=\d)\s?(?:{_MONEY_ABBREVIATIONS})\b))?
    (?P<unit>
        \s?(?:%|percent\b|per\s?cent\b|pct\b)
      | \s?(?:percentage[\s-]points?|pp|ppts?)\b
      | (?:-|\s)?(?:nm\b|nanomet(?:er|re)s?\b)
      | (?:-|\s)?(?:km\b|kilomet(?:er|re)s?\b)
      | [-\s](?:years?|months?|weeks?|days?|decades?)\b(?:[-\s](?:low|high|record|lag|gap)\b)?
      | \s(?:of\s)?{_CURRENCY_AFTER}\b
      | (?:-|\s)?(?P<measure>{load_catalog().measure_alternation})\b
      | (?(scale)\s(?:{_CURRENCY_AFTER_SCALE})\b|(?<=\d,\d\d\d)\s(?:{_CURRENCY_AFTER_SCALE})\b)  # "300 billion won",
        # "<N>,000 won"; "12 won awards" is a verb
    )?
    """
FIGURE_RE = compile_folded(
    # Only where a currency sign or a word starts, and only a word whose first character can open a bound,
    # a currency code or a number: skips the inside of words and most other words fast. Then the first
    # four characters ("abou", "more", "one "): most words starting with such a letter ("the", "and") open none.
    rf"(?=\b[\d{_OPENING_LETTERS}]|[{_SIGN_CLASS}]){opening_lookahead(fold_pattern(_FIGURE_BODY), re.VERBOSE, 4)}"
    + _FIGURE_BODY,
    re.VERBOSE,
)
# Patterns below open with a lookahead on their possible first characters: the
# regex engine then skips most positions after one cheap test (2-4x faster).
# YEAR_RE then tests the year's first two characters ("19", "20", "FY"): most other numbers fail at once.
YEAR_RE = re.compile(
    r"(?=[12F])(?=19[5-9]|20\d|FY)(?:(?<=mid-)|(?<=early-)|(?<=late-)|(?<![\w$¥€£₹₩.,/-]))(?:FY\s?)?((?:19[5-9]|20\d)\d)"
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


_MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
DAY_OF_MONTH_RE = re.compile(
    rf"(?=[JFMASOND\d])(?:(?<![A-Za-z]){_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:\s?[-–]\s?\d{{1,2}})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s?[-–]\s?\d{{1,2}})?\s+{_MONTHS}\b)"
)
# A reference marker: spaced off before punctuation ("goals 1 ."), or
# closing a line or table cell after a word ("partners 4", "network 6 |").
# "a target of 30." is a figure: no space before its full stop.
# Opening with the space it consumes (its lookbehind then reads two characters), so the engine jumps
# from space to space in C, and a space not followed by a digit fails at once.
FOOTNOTE_RE = re.compile(
    r"[ \t](?=[ \t]*\d)(?:(?<=[^\s|][ \t])[ \t]*\d{1,2}(?=[ \t]+[.:;,](?:\s|$))"
    r"|(?<=[A-Za-z)”\"’][ \t])[ \t]*\d{1,2}(?=[ \t]*(?:\||$)))"
    r"|\[\d{1,3}\]",
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
DURATION_WORD_RE = re.compile(r"(year|month|week|day|decade)")
DURATION_IN_YEARS = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25, "decade": 10.0}
MONTH_RE = re.compile(_MONTHS)
DURATION_NOUN_END_RE = re.compile(r"(?:low|high|record|lag|gap)$")
# "within two years", "in 40 years", "over the past five years", "in the first 10 months" (a partial-year
# reporting window), "over the next five years": a time frame, not a claim.
HORIZON_BEFORE_RE = compile_folded(
    r"\b(?:within|in|(?:the\s+|its\s+|their\s+)?(?:past|last|previous|recent|first|next|coming|latest|final))\s+$"
)
RELATIVE_TIME_RE = compile_folded(r"\s*(?:ago|later|earlier|after|before|old|since|hence)\b")
HYPOTHETICAL_RE = compile_folded(r"\b(?:might|would|if)\b")
DETERMINER_BEFORE_RE = compile_folded(
    r"\b(?:the|these|those|its|their|our|his|her|top|first|last|all|both|each|every|which|other)\s+$"
)
LIST_JOINER_RE = re.compile(r"^\s*(?:,\s*(?:and\s+|or\s+)?|and|or|to|-|–)\s*$")
NEGATION_BEFORE_RE = compile_folded(r"\b(?:not|never|no\s+longer|yet\s+to)\s+(?:[a-z]+\s+){0,2}$")
NEGATION_REQUIRED = requirement_test(NEGATION_BEFORE_RE.pattern, min_run=2) or (lambda _: True)


MONTH_PREFIXES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


NAMES_A_MONTH = substring_test(MONTH_PREFIXES)


def _may_hold_footnote(sentence: str) -> bool:
    """What any FOOTNOTE_RE match needs: a "[", a space or tab before ".:;,", or digits closing a cell or line."""
    return (
        "[" in sentence or "|" in sentence or "\n" in sentence or "\t" in sentence or " ." in sentence
        or " ," in sentence or " :" in sentence or " ;" in sentence or sentence.rstrip(" \t")[-1:].isdigit()
    )


def _masked_spans(sentence: str) -> list[tuple[int, int]]:
    spans = list(map(re.Match.span, FOOTNOTE_RE.finditer(sentence))) if _may_hold_footnote(sentence) else []
    if NAMES_A_MONTH(sentence):  # every date names a month
        spans += map(re.Match.span, DAY_OF_MONTH_RE.finditer(sentence))
    return spans


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _year_mentions(sentence: str, folded: str, masked: list[tuple[int, int]]) -> list[YearMention]:
    years: list[YearMention] = []
    for found in BETWEEN_YEARS_RE.finditer(sentence) if "between" in sentence else ():
        years.append(YearMention(found.start(), found.end(), f"{found.group(1)}-{found.group(2)}", "between"))
    spans = bool(years)  # "between 2020 and 2025" spans; only then can a year stand inside another mention
    # Every year opens with "19", "20" or "FY": a sentence holding none is not scanned (speed).
    for found in YEAR_RE.finditer(sentence) if "20" in sentence or "19" in sentence or "FY" in sentence else ():
        start, end = found.span()
        if (masked and _overlaps(start, end, masked)) or (spans and any(y.start <= start < y.end for y in years)):
            continue
        before = sentence[max(0, start - 40):start]
        # A name's word is capitalised: a lower-case run before the year needs no word found (speed).
        if before.endswith((" ", "\u00a0")) and not before[-20:].islower() and _is_name_year(
            before, (WORD_RE.findall(before[-20:])[-1:] or [""])[0]
        ):
            continue
        first, last = found.group(1, 2)
        period = first
        if last:
            last = first[:2] + last if len(last) == 2 else last
            period = f"{first}-{last}" if last > first else first
        preposition = _preposition_before(folded[max(0, start - 40):start])
        years.append(YearMention(start, end, period, preposition))
    return sorted(years, key=lambda y: y.start) if spans else years  # found in order unless a span came first


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
        return False  # "Hunan's 2030 plan": whose year, not a name
    if previous_word.lower() in _NAME_EXEMPT or MONTH_RE.fullmatch(previous_word.rsplit("-", 1)[-1]):
        return False  # "October 2024", "January-October 2024": a date or a reporting window
    return before.rstrip().endswith(previous_word)


def _number_value(digits: str | None, spelled: str | None) -> tuple[float, float] | None:
    """(value, precision) of the number part (its digits, else its words), scale not yet applied."""
    if digits:
        plain = digits.replace(",", "")
        decimals = len(plain) - plain.index(".") - 1 if "." in plain else 0
        return float(plain), 10.0 ** -decimals
    words = spelled.lower().replace("-", " ").split()
    if words[0] in ("a", "an"):
        return (12.0, 1.0) if words[-1] == "dozen" else (1.0, 1.0)
    if "point" in words:
        whole, decimals = words[:words.index("point")], words[words.index("point") + 1:]
    else:
        whole, decimals = words, []
    if "hundred" in whole:
        at = whole.index("hundred")
        total = 100 * _words_total(whole[:at]) + _words_total(whole[at + 1:])
    else:
        total = _words_total(whole)
    if decimals:
        digits = "".join(str(DIGIT_VALUES[w]) for w in decimals)
        return total + float("0." + digits), 10.0 ** -len(digits)
    return (float(total), 1.0) if total else None


DIGIT_VALUES = {word: value for value, word in enumerate(_DIGIT_WORDS.split("|"))}


def _words_total(words: list[str]) -> int:
    return sum(UNITS_WORDS.get(w, 0) + TENS_WORDS.get(w, 0) for w in words if w != "and")


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
    if masked and _overlaps(number_start, number_end, masked):
        return None
    for year in years:  # a loop, not any() over a generator: most sentences' figures meet a year or two (speed)
        if year.start <= number_start < year.end:
            return None
    # All groups in one call: a figure reads most of them (speed).
    bound, currency, words, scale_word, scale_abbreviation, unit_word, measure = found.group(
        "bound", "currency", "words", "scale", "scale_abbreviation", "unit", "measure"
    )
    currency_text = currency.strip().lower() if currency else ""
    scale_text = scale_word.strip(" -").lower() if scale_word else ""  # "a $5-billion fund"
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
    number = _number_value(digits, words)
    if number is None:
        return None
    value, precision = number
    scale = _scale_factor(scale_text) if scale_text else NO_SCALE
    value, precision = value * scale, precision * scale
    if measure:
        stated, is_change = catalog.measure_unit(measure, folded[found.end("measure"):found.end("measure") + 40]), False
        unit = None
        if stated is not None:
            unit, factor = stated
            value, precision = value * factor, precision * factor
    else:
        unit, is_change = _canonical_unit(currency_text, unit_text)
    if unit is None:
        return None
    if scale_abbreviation and unit not in CURRENCY_UNITS:
        return None  # "910B", "5m": a model name or a distance, not "5 million" of something
    if unit == "years":
        if unit_text.startswith("-") and not DURATION_NOUN_END_RE.search(unit_text):
            return None  # "five-year plan": an adjective, not a duration
        if RELATIVE_TIME_RE.match(folded, end) or HORIZON_BEFORE_RE.search(
            folded, max(0, found.start() - 20), found.start()
        ):
            return None  # "two years later", "within two years": a relative date, not a claim
        if folded.endswith("the ", 0, found.start()) and "year" not in unit_text and "decade" not in unit_text:
            return None  # "over the <N> months", "for the <N> months ended <date>": a reporting window
        factor = DURATION_IN_YEARS[DURATION_WORD_RE.search(unit_text).group(1)]
        value, precision = value * factor, precision * factor
    if words and words.lower() in ("a", "an"):
        if not bound and HYPOTHETICAL_RE.search(folded):
            return None  # "a billion yuan put toward X might ...": a hypothetical amount
    negation_start = max(0, number_start - 30)
    # Substring tests first: any match holds one of its words inside the window (speed).
    if NEGATION_REQUIRED(folded[negation_start:found.start()]) and NEGATION_BEFORE_RE.search(
        folded, negation_start, found.start()
    ):
        return None  # "had not reached 5nm": a figure the text denies
    start = found.start("bound") if bound else (found.start("currency") if currency else number_start)
    end = _trim_end(sentence, start, end)
    bare = not (currency_text or scale_text or unit_text)
    return Figure(start, end, value, unit, precision, number_start, is_change, bare, scale)


def _trim_end(sentence: str, start: int, end: int) -> int:
    if end > start and sentence[end - 1].isspace():
        return start + len(sentence[start:end].rstrip())  # rstrip drops what isspace() calls space
    return end


@lru_cache(maxsize=256)  # a pure function of a scale word ("billion"), which recurs on most figures (speed)
def _scale_factor(scale_text: str) -> float:
    return SCALES.get(_spaceless(scale_text), 1.0)


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


@lru_cache(maxsize=1024)  # a pure function of two short wordings ("us$", "percent"), which recur (speed)
def _canonical_unit(currency_text: str, unit_text: str) -> tuple[str | None, bool]:
    if currency_text:
        return CURRENCY_CODES.get(_spaceless(currency_text), None), False
    if not unit_text:
        return "count", False
    if "percentage" in unit_text or unit_text.lstrip() in ("pp", "ppt", "ppts"):
        return "percent", True
    if unit_text in ("%", "pct") or "cent" in unit_text:
        return "percent", False
    bare = unit_text.lstrip("- ")  # a word holding "nm" or "km" is not one: "renminbi"
    if bare == "nm" or bare.startswith("nano"):
        return "nm", False
    if bare == "km" or bare.startswith("kilo"):
        return "km", False
    if DURATION_WORD_RE.search(unit_text):
        return "years", False
    return CURRENCY_CODES.get(_spaceless(unit_text.removeprefix("of ")), None), False


# A rank is kept only with a word before or after it: a text holding none of these has no rank.
RANK_WORD_HINTS = (
    "rank", "listed", "place", "came", "comes", "finished", "sits", "sat", "stand", "stood",
    "position", "largest", "biggest", "highest", "most",
)


HAS_RANK_WORD_HINT = substring_test(RANK_WORD_HINTS)


def _rank_figures(folded: str, masked: list[tuple[int, int]], figures: list[Figure]) -> list[Figure]:
    if not HAS_RANK_WORD_HINT(folded):
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
        if following.unit == "percent" and "," in sentence[current.number_start:current.end]:
            continue  # "reached <count>, <x%> of the total": a count and its share, not a list of percentages
        scale = 1.0 if current.scale != 1.0 else following.scale
        value = current.value
        lent[index] = replace(
            current, value=value * scale, unit=following.unit, precision=(current.precision or 1.0) * scale,
            is_change=following.is_change, bare=False,
        )
    return lent
