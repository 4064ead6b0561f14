"""Names of records: the indicator key, label and topic of a figure (from the catalog, else from its
describing words) and of a dated event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from tracker.catalog import nearest_indicator
from tracker.extract.context import Figure, WORD_RE, YearMention
from tracker.extract.cues import GROWTH_AFTER_RE, GROWTH_BEFORE_RE


NON_KEY_CHARS_RE = re.compile(r"[^a-z0-9]+")
# A growth rate is the change of a level: money, a count or a share, never a distance or node size.
LEVEL_UNITS = ("CNY", "USD", "EUR", "GBP", "JPY", "TWD", "count", "percent")
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
