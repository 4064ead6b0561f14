"""Likely duplicate indicator keys, for a person to confirm with `tracker alias FROM TO`.

Plain Python over what the warehouse knows of each key (store.indicator_profiles). Two keys
are suggested when they measure the same kind of thing in the same unit and are worded alike:

- the same unit (a key stated in CNY and USD shares a unit with a CNY key), or both have none;
- the same measure family: a growth rate, a share, or a level (from the key's and label's words
  and the unit: `_growth` / `_change` words make a growth rate, `_share` / intensity / ratio
  words or a percent unit without growth words make a share, anything else a level);
- they overlap in subjects or in periods;
- they come from more than one source, and no source states both for the same subject and
  period with different values (that source tells them apart);
- their normalised labels or keys are similar (rapidfuzz); a pair where each side has words
  the other lacks ("basic" vs "applied research spending") is marked down;
- no merge links them already.

The score (0..1) is mostly the text similarity, with a bonus for shared subjects and periods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from tracker.aliases import Alias, resolve

MIN_SCORE = 0.75
GROWTH_WORDS = frozenset({"growth", "change", "increase", "rise", "decline", "decrease", "drop", "yoy", "grew"})
SHARE_WORDS = frozenset({"share", "intensity", "ratio", "proportion", "percentage"})
STOP_WORDS = frozenset({"of", "the", "a", "an", "as", "in", "on", "to", "for", "by", "and", "its", "s"})
STEM_SUFFIXES = ("ing", "ers", "er", "ed", "es", "s")
WORD_RE = re.compile(r"[a-z0-9]+")
# Points off the text similarity (0..100) when each side has a word the other lacks.
TWO_SIDED_PENALTY = 30
# Words whose two sides differ on both sides by less than this are taken as spellings of one word.
SAME_WORD_RATIO = 80


@dataclass(frozen=True)
class IndicatorProfile:
    """One current key (merges applied) as the warehouse knows it."""

    key: str
    label: str
    units: frozenset[str]
    subjects: frozenset[str]
    periods: frozenset[str]
    sources: frozenset[str]


@dataclass(frozen=True)
class Suggestion:
    """Two keys that probably name one concept: merge from_indicator into to_indicator."""

    from_indicator: str
    to_indicator: str
    score: float
    from_label: str
    to_label: str
    unit: str | None
    family: str
    shared_subjects: tuple[str, ...]
    shared_periods: tuple[str, ...]

    @property
    def command(self) -> str:
        return f"tracker alias {self.from_indicator} {self.to_indicator}"

    def to_dict(self) -> dict:
        return {**self.__dict__, "command": self.command}


def words(text: str) -> list[str]:
    """Lowercase content words, crudely stemmed, R&D as one word."""
    text = text.lower().replace("r&d", "rd").replace("&", " and ").replace("_", " ")
    out = []
    for word in WORD_RE.findall(text):
        if word in STOP_WORDS:
            continue
        out.append(_stem(word))
    return out


def _stem(word: str) -> str:
    """A crude stem, enough to make 'computer' and 'computing', 'qubits' and 'qubit' one word."""
    for suffix in STEM_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[:-len(suffix)]
    return word


def normalise(text: str) -> str:
    return " ".join(words(text))


def measure_family(key: str, label: str, units: frozenset[str]) -> str:
    """growth, share or level: what kind of quantity a key measures."""
    vocabulary = set(words(key)) | set(words(label))
    if vocabulary & GROWTH_WORDS:
        return "growth"
    if vocabulary & SHARE_WORDS or units == {"percent"}:
        return "share"
    return "level"


def _one_sided_only(a: str, b: str) -> bool:
    """True unless each side has a word the other lacks (and no near spelling of it)."""
    only_a = set(a.split()) - set(b.split())
    only_b = set(b.split()) - set(a.split())
    unmatched_a = {w for w in only_a if not any(fuzz.ratio(w, v) >= SAME_WORD_RATIO for v in only_b)}
    unmatched_b = {w for w in only_b if not any(fuzz.ratio(w, v) >= SAME_WORD_RATIO for v in only_a)}
    return not (unmatched_a and unmatched_b)


def _text_similarity(a: str, b: str) -> float:
    """0..100: between the subset-friendly token set ratio and the order-free token sort ratio."""
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


def _merged_already(a: str, b: str, aliases: list[Alias]) -> bool:
    for alias in aliases:
        ends = {alias.from_indicator, alias.to_indicator, resolve(aliases, alias.from_indicator, alias.subject)}
        if a in ends and b in ends:
            return True
    return False


def suggest_merges(profiles: list[IndicatorProfile], co_stated: set[frozenset[str]] = frozenset(),
                   aliases: list[Alias] = (), min_score: float = MIN_SCORE) -> list[Suggestion]:
    """Likely duplicate pairs, best first."""
    families = {p.key: measure_family(p.key, p.label, p.units) for p in profiles}
    suggestions = []
    # Pairs are compared only within one family and unit: a cheap block before the fuzz. A key
    # stated in several units is in each of their blocks.
    by_unit: dict[tuple[str, str], list[IndicatorProfile]] = {}
    for profile in sorted(profiles, key=lambda p: p.key):
        for unit in sorted(profile.units) or ["-"]:
            by_unit.setdefault((families[profile.key], unit), []).append(profile)
    seen: set[frozenset[str]] = set()
    for (family, unit), block in sorted(by_unit.items()):
        if len(block) < 2:
            continue
        labels = [normalise(p.label) for p in block]
        keys = [normalise(p.key) for p in block]
        label_scores = _similarity_matrix(labels)
        key_scores = _similarity_matrix(keys)
        for i, a in enumerate(block):
            for j in range(i + 1, len(block)):
                b = block[j]
                pair = frozenset((a.key, b.key))
                if pair in seen:
                    continue
                seen.add(pair)
                suggestion = _judge(a, b, family, unit, max(label_scores[i][j], key_scores[i][j]),
                                    labels[i], labels[j], keys[i], keys[j], pair in co_stated, aliases)
                if suggestion is not None and suggestion.score >= min_score:
                    suggestions.append(suggestion)
    return sorted(suggestions, key=lambda s: (-s.score, s.to_indicator, s.from_indicator))


def _similarity_matrix(texts: list[str]):
    """_text_similarity for every pair, computed by rapidfuzz in C."""
    return (cdist(texts, texts, scorer=fuzz.token_set_ratio) + cdist(texts, texts, scorer=fuzz.token_sort_ratio)) / 2


def _judge(a: IndicatorProfile, b: IndicatorProfile, family: str, unit: str, text_score: float,
           label_a: str, label_b: str, key_a: str, key_b: str, co_stated: bool,
           aliases: list[Alias]) -> Suggestion | None:
    shared_subjects = a.subjects & b.subjects
    shared_periods = a.periods & b.periods
    if not (shared_subjects or shared_periods):
        return None
    if len(a.sources | b.sources) < 2 or co_stated:
        return None
    if _merged_already(a.key, b.key, aliases):
        return None
    if not (_one_sided_only(label_a, label_b) or _one_sided_only(key_a, key_b)):
        text_score -= TWO_SIDED_PENALTY
    score = 0.8 * text_score / 100 + 0.1 * bool(shared_subjects) + 0.1 * bool(shared_periods)
    # The key more sources use (else the shorter, else the first) is the one to keep.
    keep, merge = sorted((a, b), key=lambda p: (-len(p.sources), len(p.key), p.key))
    return Suggestion(from_indicator=merge.key, to_indicator=keep.key, score=round(float(score), 2), from_label=merge.label,
                      to_label=keep.label, unit=None if unit == "-" else unit, family=family,
                      shared_subjects=tuple(sorted(shared_subjects)), shared_periods=tuple(sorted(shared_periods)))
