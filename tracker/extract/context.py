"""What the extractor's modules share: the intermediate values (a figure, a year, a subject mention, the
document's context) and the bounds every backward-looking check reads within.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.catalog import Catalog, load_catalog


# Backward-looking checks read a bounded window, so a huge one-line document stays linear.
LOOKBACK_CHARS = 20
# The genre's default (catalog [genre]): a figure with no other owner named is this subject's.
DEFAULT_SUBJECT = load_catalog().genre.default_subject
WHITESPACE_RE = re.compile(r"\s+")
# A word's first letter is consumed before the lookbehind (which then reads that letter too), so the
# engine skips to letters in C; the same words as "(?<![\w&])[A-Za-z][A-Za-z&’'-]*".
WORD_RE = re.compile(r"[A-Za-z](?<![\w&][A-Za-z])[A-Za-z&’'-]*")


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


@dataclass(slots=True)  # not frozen: construction is 2-3x cheaper, and is_object is settled after a first pass
class SubjectMention:
    start: int
    end: int
    name: str
    is_object: bool  # "to China", "than the US": compared with, not the figure's owner
    is_body: bool = False  # an organisation or a place, named as written: what silent next sentences go on about


@dataclass(slots=True)
class Owner:
    """The owner a sentence opened with: whom "It", "The company" or a sentence naming no one goes on about."""

    name: str
    is_body: bool  # an organisation or place: the next sentence, if it names no one, goes on about it
    sentence: int  # the number of the sentence it was named in (or last continued by)
    is_place: bool = False  # a province or city: any figure of a following silent sentence is its own


@dataclass(frozen=True)
class DocumentContext:
    source_id: str
    text: str  # the document as given: record offsets index it
    catalog: Catalog
    organisations: dict[str, str]  # alias as written -> subject name
    organisation_re: re.Pattern[str] | None
    # Names the document uses as proper nouns mid-sentence ("Lingxi Intelligence", "Tokyo Electron"): an actor
    # when a verb or "'s" follows (as written -> the fullest form the document names).
    acting_names: dict[str, str] = field(default_factory=dict)  # as written -> the fullest form named
    # The owner the latest sentence naming one opened with, for "It"/"The company" in the next (one item).
    previous_owner: list[Owner] = field(default_factory=list)
    sentences_read: list[int] = field(default_factory=lambda: [0])  # a counter: the current sentence's number
    # The latest place of each kind ("place" for provinces, "city") named as an owner, for "the province".
    last_place: dict[str, str] = field(default_factory=dict)
    # Who the document as a whole is about, when its opening names a place: a regional bulletin's
    # figures that name no owner are the province's, not the genre's default subject's.
    document_owner: dict[str, str] = field(default_factory=dict)
    # (paragraph, its latest figure record): what a following sentence that names nothing continues (one item).
    carried: list = field(default_factory=list)
    # The shared words of the latest list of measures ("vehicle" of "vehicle production and sales"): what a later
    # list naming its measures alone ("production and sales reached ...") means (one item).
    measure_lead: list[str] = field(default_factory=list)
    # The currency of the latest amount stated in one (not a conversion's), and the currencies the whole document
    # states amounts in, most used first (read once, when an amount first lacks one): what an amount stated
    # without a unit ("net profit grew to <amount>") is in (one item each).
    last_currency: list[str] = field(default_factory=list)
    document_currencies: list[tuple[str, ...]] = field(default_factory=list)
