"""The indicator catalog: known indicators, subjects and topic vocabulary, loaded from catalog.toml."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from re import _constants as _sre, _parser as _sre_parser
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

CATALOG_PATH = Path(__file__).with_name("catalog.toml")
RUN_CACHE_SIZE = 100_000
PATTERN_LETTER_RE = re.compile(r"(\\.|\(\?P[<=])|([A-Z])")



def _remember(cache: dict, key, value):
    """value, stored in `cache` under key; a full cache (RUN_CACHE_SIZE) is emptied first, so a hot
    path's memo stays bounded. Callers look up with cache.get first: a hit costs no call."""
    if len(cache) >= RUN_CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value

def fold_case(text: str) -> str:
    """`text` lower-cased with its length kept, so positions found in it index `text` too."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else "".join(c.lower()[0] for c in text)


def fold_pattern(pattern: str) -> str:
    """`pattern` with its letters lower-cased, escapes (\\S, \\W) and group names kept: it reads folded text."""
    return PATTERN_LETTER_RE.sub(lambda m: m.group(1) or m.group(2).lower(), pattern)


def compile_folded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A case-insensitive pattern for text passed through fold_case.

    Several times faster than re.IGNORECASE in CPython; escapes (\\S, \\W) are kept.
    """
    folded = fold_pattern(pattern)
    lookahead = first_character_lookahead(folded, flags)
    if lookahead:
        # Then the first three characters: most positions whose first one could open a match do not.
        lookahead += opening_lookahead(folded, flags)
        # A group, so the lookahead governs every top-level alternative; a verbose pattern may end in a comment.
        folded = f"{lookahead}(?:{folded}{chr(10) if flags & re.VERBOSE else ''})"
    return re.compile(folded, flags)


MAX_LOOKAHEAD_CHARS = 40


def first_character_lookahead(pattern: str, flags: int = 0) -> str:
    """"(?=[...])" listing every character a match of `pattern` can start with, or "" when unknown.

    A pattern opening with "\\b(?:...)" makes the regex engine try every
    alternative at every word boundary; one cheap test of the first character
    skips most positions first. Matches are the same: every match starts with
    one of these characters. Patterns the engine already scans by their first
    character (a literal, a class, alternatives of literals) are left alone.
    """
    if flags & re.IGNORECASE or (pattern.startswith("(?") and not pattern.startswith(("(?:", "(?P<", "(?=", "(?!", "(?<"))):
        return ""
    try:
        parsed = list(_sre_parser.parse(pattern, flags))
    except re.error:
        return ""
    if _engine_scans_first_character(parsed):
        return ""
    chars = _first_characters(parsed)
    if not chars or len(chars) > MAX_LOOKAHEAD_CHARS:
        return ""
    return "(?=[" + "".join(c if c == r"\d" else re.escape(c) for c in sorted(chars)) + "])"


def _engine_scans_first_character(items: list) -> bool:
    while items and items[0][0] is _sre.SUBPATTERN and not items[0][1][1] and not items[0][1][2]:
        items = list(items[0][1][3])
    if not items:
        return False
    op, av = items[0]
    if op in (_sre.LITERAL, _sre.IN):
        return True
    return op is _sre.BRANCH and all(branch and branch[0][0] is _sre.LITERAL for branch in av[1])


def _first_characters(items: list) -> set[str] | None:
    """The characters a match of `items` can start with; None when any character might (or none at all)."""
    for op, av in items:
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            continue  # zero-width (\\b, ^, a lookaround): the first character comes after it
        if op is _sre.LITERAL:
            return {chr(av)}
        if op is _sre.IN:
            chars: set[str] = set()
            for item_op, item_av in av:
                if item_op is _sre.LITERAL:
                    chars.add(chr(item_av))
                elif item_op is _sre.RANGE and item_av[1] - item_av[0] < MAX_LOOKAHEAD_CHARS:
                    chars.update(chr(c) for c in range(item_av[0], item_av[1] + 1))
                elif item_op is _sre.CATEGORY and item_av in (_sre.CATEGORY_DIGIT, _sre.CATEGORY_UNI_DIGIT):
                    chars.add(r"\d")  # every digit the pattern's \d takes, Unicode ones too
                else:
                    return None
            return chars
        if op is _sre.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                found = _first_characters(list(branch))
                if found is None:
                    return None
                union |= found
            return union
        if op is _sre.SUBPATTERN:
            if av[1] or av[2]:
                return None  # inline flags change what a character matches
            return _first_characters(list(av[3]))
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            return _first_characters(list(av[2]))
        return None
    return None  # may match the empty string: its first character is whatever follows


_CATEGORY_CLASSES = {
    _sre.CATEGORY_DIGIT: r"\d", _sre.CATEGORY_SPACE: r"\s", _sre.CATEGORY_WORD: r"\w",
    _sre.CATEGORY_UNI_DIGIT: r"\d", _sre.CATEGORY_UNI_SPACE: r"\s", _sre.CATEGORY_UNI_WORD: r"\w",
}
_UNKNOWN = None  # a position any character may fill


def _class_text(items) -> str | None:
    """A parsed character class back as regex text ("[a-c\\d]"); None when negated or unusual."""
    parts = []
    for op, av in items:
        if op is _sre.LITERAL:
            parts.append(re.escape(chr(av)))
        elif op is _sre.RANGE:
            parts.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is _sre.CATEGORY and av in _CATEGORY_CLASSES:
            parts.append(_CATEGORY_CLASSES[av])
        else:
            return None
    return "[" + "".join(parts) + "]"


def _opening_sequences(items, length: int) -> set[tuple[tuple, bool]] | None:
    """Every way a match of `items` can open: (up to `length` positions, each a regex fragment, whether the
    items ended there so what follows continues it). None when unknown. Zero-width tests are ignored, so the
    openings are a superset of the true ones."""
    partials = {((), True)}
    for op, av in items:
        pieces = _opening_item(op, av, length)
        if pieces is None:
            return None
        grown = set()
        for prefix, open_ in partials:
            if not prefix and op is _sre.ASSERT:
                grown.add((prefix, open_))  # nothing read yet: the items after the lookahead say more
                continue
            if not open_ or _width(prefix) >= length:
                grown.add((prefix, False))
                continue
            for piece, ended in pieces:
                joined = _truncated(prefix + piece, length)
                grown.add((joined, ended and _width(joined) < length))
        partials = grown
    return partials


def _width(prefix: tuple) -> int:
    """How many characters an opening reads (a word boundary reads none)."""
    return sum(fragment != r"\b" for fragment in prefix)


def _truncated(prefix: tuple, length: int) -> tuple:
    kept, width = [], 0
    for fragment in prefix:
        if width >= length:
            break
        kept.append(fragment)
        width += fragment != r"\b"
    return tuple(kept)


def _opening_item(op, av, length: int):
    if op is _sre.LITERAL:
        return {((re.escape(chr(av)),), True)}
    if op is _sre.IN:
        text = _class_text(av)
        return {((text,), True)} if text else {((), False)}
    if op is _sre.ASSERT and av[0] == 1:
        # A lookahead: what follows opens as its body does; nothing after it adds (it re-reads those
        # characters). At the very start the items after it tell more: there _opening_sequences skips it.
        ahead = _opening_sequences(av[1], length)
        return {(piece, False) for piece, _ in ahead} if ahead else {((), True)}
    if op is _sre.AT and av is _sre.AT_BOUNDARY:
        return {((r"\b",), True)}  # kept: most of a text's positions are inside words
    if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
        return {((), True)}  # zero-width: ignoring it only widens the openings
    if op is _sre.SUBPATTERN:
        return None if av[1] or av[2] else _opening_sequences(av[3], length)
    if op is _sre.BRANCH:
        union = set()
        for branch in av[1]:
            found = _opening_sequences(branch, length)
            if found is None:
                return None
            union |= found
        return union
    if op is _sre.GROUPREF_EXISTS:
        union = set()
        for branch in av[1:]:
            found = _opening_sequences(branch, length) if branch is not None else {((), True)}
            if found is None:
                return None
            union |= found
        return union
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
        low, high, body = av
        once = _opening_sequences(body, length)
        if once is None:
            return None
        if high != 1:
            once = {(piece, False) for piece, _ in once}  # further repeats: what follows is unknown
        return once | ({((), True)} if low == 0 else set())
    return {((), False)}  # any other character: unknown from here on


def opening_lookahead(pattern: str, flags: int = 0, length: int = 3) -> str:
    """"(?=...)" listing the first `length` characters a match of `pattern` can open with, or "" when unknown.

    For patterns whose first characters are most letters (a figure opens with a bound word, a currency code
    or a number word), the first few characters tell far more of the positions where no match starts.
    """
    if flags & re.IGNORECASE:
        return ""
    try:
        openings = _opening_sequences(list(_sre_parser.parse(pattern, flags)), length)
    except re.error:
        return ""
    if not openings or any(not _width(prefix) for prefix, _ in openings):
        return ""
    return "(?=" + _trie({prefix for prefix, _ in openings}) + ")"


def _trie(prefixes: set[tuple]) -> str:
    """Openings as nested alternatives sharing their first fragment ("a(?:bo|lm)"): the engine tests each
    character once; an opening that is a prefix of another suffices alone (the lookahead only needs it)."""
    by_first: dict[str, set[tuple]] = {}
    for prefix in prefixes:
        by_first.setdefault(prefix[0], set()).add(prefix[1:])
    alternatives = []
    for first, rests in sorted(by_first.items()):
        if () in rests:
            alternatives.append(first)
        else:
            inner = _trie(rests)
            alternatives.append(first + (inner if len(rests) == 1 and "|" not in inner else f"(?:{inner})"))
    return "|".join(alternatives)


MEASURES = ("level", "growth", "share_of_gdp", "share", "per_capita", "change_pp", "rank", "ratio", "increase")
# Measures that are a change of another entry's figure: key = the base entry's key + suffix.
DERIVED_MEASURE_SUFFIXES = {"growth": "_growth", "change_pp": "_change"}


@dataclass(frozen=True)
class IndicatorEntry:
    """One known indicator: its key, name, topic, units, the wording that identifies it and its facets.

    Facets: `concept` is what is measured (several entries may share one),
    `measure` how (one of MEASURES), `code` the standard code or source tag.
    """

    key: str
    label: str
    topic: str
    units: tuple[str, ...]
    pattern: re.Pattern[str]  # all of the entry's wording, as one alternation
    ranges: dict[str, tuple[float, float]]
    # Lower-cased words the wording cannot match without: a sentence holding
    # none of them is skipped without running the pattern (speed).
    literals: tuple[str, ...] = ()
    concept: str = ""
    measure: str = "level"
    code: str | None = None
    # For a growth or change_pp entry: the entry whose figure it is a change of
    # (key without the "_growth"/"_change" suffix), when the catalog has it.
    base: IndicatorEntry | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SubjectEntry:
    """One subject a figure can be about; `kind` says whether it is a country, bloc or organisation."""

    name: str
    kind: str
    alias_pattern: re.Pattern[str]
    aliases: tuple[str, ...] = ()
    conditional: bool = False  # names count only in some contexts (`owner_only`): named as written there
    raw_aliases: tuple[str, ...] = ()  # the aliases as the catalog writes them, before any context condition


@dataclass(frozen=True)
class MeasureUnit:
    """A unit beyond the contract's base list ("GW", "tonnes"), with the wording that states it."""

    name: str
    pattern: re.Pattern[str]  # folded: matches text passed through fold_case
    # A unit stated in another's scale is stored in that one ("<N> metres" is <N>/1000 km): (unit, factor).
    stored_as: tuple[str, float] | None = None


@dataclass(frozen=True)
class NamingWords:
    """Words that never name what a figure measures, so never stand in a derived key (catalog [naming])."""

    verbs: frozenset[str] = frozenset()  # every inflected form, less the forms that are nouns
    adverbs: frozenset[str] = frozenset()
    not_adverbs: frozenset[str] = frozenset()  # -ly words that are nouns ("supply", "assembly")
    measure_words: frozenset[str] = frozenset()
    generic_heads: frozenset[str] = frozenset()  # "spending", "output": a measure of the sentence's topic
    speech_verbs: frozenset[str] = frozenset()  # "said", "estimates": a name before one is a source, not an owner
    subject_words: frozenset[str] = frozenset()  # words of the subjects' plain names ("china", "korean")


@dataclass(frozen=True)
class CurrencyEntry:
    """A currency (catalog [[currency]]): its code, which a figure in it takes as its unit, and how it is written."""

    code: str
    signs: tuple[str, ...] = ()  # before the number: "$", "NT$", "Rs"
    codes: tuple[str, ...] = ()  # before or after it: "RMB", "USD"
    words: tuple[str, ...] = ()  # after it: "yuan", "U.S. dollars"
    words_after_scale: tuple[str, ...] = ()  # after a scale word only: "300 billion won"
    range: tuple[float, float] | None = None
    shared_signs: tuple[str, ...] = ()  # signs another currency owns in the genre ("¥": the yuan) ...
    sign_subjects: tuple[str, ...] = ()  # ... that are this one in a figure of these subjects ("Japan")


@dataclass(frozen=True)
class ScaleWords:
    """Words that multiply a number (catalog [scales]): on any figure, and abbreviations only on money."""

    words: dict[str, float] = field(default_factory=dict)
    money_abbreviations: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Genre:
    """What the texts are about (catalog [genre]): the default owner and the paragraph vocabulary."""

    default_subject: str = "China"
    relevance: tuple[str, ...] = ()
    # Head words of organisations' names ("Institute", "Corporation"): "Full Name (ACRONYM)" with one is a body.
    organisation_words: tuple[str, ...] = ()
    # Of those, the words of bodies named after a country that report its figures ("China Association of ...").
    national_body_words: tuple[str, ...] = ()
    # Words of the default subject's state bodies, whose figures are its own ("Ministry", "State Council").
    state_body_words: tuple[str, ...] = ()
    # What a company reports of itself ("revenue", "net profit"): a silent sentence stating one is the company's.
    company_measures: tuple[str, ...] = ()
    # What is measured in money ("net profit", "capex"): a scaled amount with no unit beside one is money.
    money_measures: tuple[str, ...] = ()
    city_states: tuple[str, ...] = ()  # subjects that are cities too ("the city" may mean Hong Kong)
    # Registered names of the genre's companies, as written -> the name they go by ("... Corp." -> "SMIC").
    full_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalog:
    version: str
    indicators: tuple[IndicatorEntry, ...]
    subjects: tuple[SubjectEntry, ...]
    topic_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    counting_noun_pattern: re.Pattern[str]
    measure_units: tuple[MeasureUnit, ...] = ()
    naming: NamingWords = NamingWords()
    # The contract's canonical units and the plausible values of any figure in them.
    unit_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    # Every entry's literal words in one pattern, and for each literal the
    # entries one of whose literals it contains: one scan finds the candidates.
    literal_pattern: re.Pattern[str] = re.compile(r"(?!)")
    entries_by_literal: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # Run of letters -> entries whose literals it holds: a text's vocabulary repeats (speed).
    _entries_by_run: dict[str, frozenset[int]] = field(default_factory=dict, compare=False, repr=False)
    _entries_by_unit: dict[str, tuple] = field(default_factory=dict, compare=False, repr=False)
    _variants: dict[tuple[str, str], IndicatorEntry] = field(default_factory=dict, compare=False, repr=False)
    # Per topic (in topic_patterns' order): what any match holds, as for entries; a text failing it skips the regex.
    topic_requirements: tuple[Callable[[str], bool] | None, ...] = ()
    # Per entry (in indicators' order): literal strings any match holds (see _requirement), or None when
    # some pattern has none. A text failing its entry's requirement cannot match it: its regex is not run.
    entry_requirements: tuple[Callable[[str], bool] | None, ...] = ()
    currencies: tuple[CurrencyEntry, ...] = ()
    scales: ScaleWords = ScaleWords()
    genre: Genre = Genre()
    # One gate per entry pattern: (entry order, what any match of that pattern holds, or None when unknown).
    # A literal found in a text opens only the gates of the patterns it belongs to, so an entry with many
    # patterns tests just those whose words occur, not all of them (speed).
    gates: tuple[tuple[int, Callable[[str], bool] | None], ...] = ()
    gates_by_literal: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # Run of letters -> (the gates it opens, the gates whose second words it holds): see gate_sets_in_run.
    _gate_sets_by_run: dict[str, tuple[frozenset[int], frozenset[int]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # One object per distinct set (and pair of sets): the cache's runs share a few hundred, where a set per
    # run would hold up to 2 x RUN_CACHE_SIZE of them (memory).
    _shared_gate_sets: dict = field(default_factory=dict, compare=False, repr=False)
    # Each gate's pattern (raw catalog wording). A pattern whose gate is shut cannot match anywhere in the
    # text, so leaving it out of its entry's alternation changes no match: the entry's regex is then just
    # the patterns that can match (usually one), cached per set of open gates (speed).
    gate_patterns: tuple[str, ...] = ()
    # Gates of patterns holding no word of three letters ("\\bEVs?\\b"): no literal can open them, so they are always open.
    open_gates: frozenset[int] = frozenset()
    _regex_by_gates: dict[tuple[int, ...], re.Pattern[str]] = field(default_factory=dict, compare=False, repr=False)
    # A second test per gate, from another clause of its requirement: words one of which any match holds
    # (see _gate_tests). A gate opened by its literal whose second words the text lacks cannot pass,
    # and its requirement is not evaluated: most opened gates fail so, at the cost of one more set union (speed).
    confirmed_gates: frozenset[int] = frozenset()  # the gates that have second words
    confirming_literal_pattern: re.Pattern[str] = re.compile(r"(?!)")
    confirming_gates_by_literal: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def entries_in_run(self, run: str) -> frozenset[int]:
        """The entries one of whose literals occurs in `run`, a lower-case run of letters."""
        entries = self._entries_by_run.get(run)
        if entries is None:
            entries = _remember(self._entries_by_run, run, frozenset(
                order for word in self.literal_pattern.findall(run) for order in self.entries_by_literal[word]))
        return entries

    def regex_of_gates(self, gates: tuple[int, ...]) -> re.Pattern[str]:
        """The alternation of the patterns of `gates` (one entry's, in catalog order)."""
        regex = self._regex_by_gates.get(gates)
        if regex is None:
            regex = _remember(self._regex_by_gates, gates,
                              compile_folded(_alternation([self.gate_patterns[gate] for gate in gates])))
        return regex

    def gates_in_run(self, run: str) -> frozenset[int]:
        """The gates (see `gates`) one of whose literals occurs in `run`, a lower-case run of letters."""
        return self.gate_sets_in_run(run)[0]

    def gate_sets_in_run(self, run: str) -> tuple[frozenset[int], frozenset[int]]:
        """(the gates one of whose literals occurs in `run`, a lower-case run of letters; the gates one of
        whose second words (see confirmed_gates) occurs in it)."""
        sets = self._gate_sets_by_run.get(run)
        if sets is None:
            opening = frozenset(
                gate for word in self.literal_pattern.findall(run) for gate in self.gates_by_literal[word]
            )
            confirming = frozenset(
                gate for word in self.confirming_literal_pattern.findall(run)
                for gate in self.confirming_gates_by_literal[word]
            )
            shared = self._shared_gate_sets
            opening, confirming = shared.setdefault(opening, opening), shared.setdefault(confirming, confirming)
            pair = (opening, confirming)
            sets = _remember(self._gate_sets_by_run, run, shared.setdefault(pair, pair))
        return sets

    @property
    def measure_alternation(self) -> str:
        """All measure units' wording as one folded alternation, for the figure pattern (a verbose one: its
        spaces are escaped, so "metric tons" keeps its space)."""
        return "|".join(f"(?:{unit.pattern.pattern})".replace(" ", "\\ ") for unit in self.measure_units) or "(?!)"

    def measure_unit(self, folded_text: str, following: str = "") -> tuple[str, float] | None:
        """(the unit a measure's wording names, as stored, and the factor a value takes to it): "gigawatts" ->
        ("GW", 1.0), "metres" -> ("km", 0.001). `following` is the text after the wording, which a wording may
        need ("times" only before "faster")."""
        for unit in self.measure_units:
            found = unit.pattern.match(folded_text + following)
            if found is not None and found.end() == len(folded_text):
                return unit.stored_as or (unit.name, 1.0)
        return None

    def entries_in_unit(self, unit: str) -> tuple[IndicatorEntry, ...]:
        """The level entries measured in `unit` ("EFLOPS" -> computing power)."""
        found = self._entries_by_unit.get(unit)
        if found is None:
            found = tuple(e for e in self.indicators if unit in e.units and e.measure == "level")
            self._entries_by_unit[unit] = found
        return found

    def variant(self, concept: str, measure: str) -> IndicatorEntry | None:
        """The entry measuring `concept` by `measure` ("rd_expenditure", "share_of_gdp" -> rd_intensity), or None."""
        if not self._variants:
            for e in reversed(self.indicators):  # the first entry of a (concept, measure) wins
                self._variants[(e.concept, e.measure)] = e
        return self._variants.get((concept, measure))

    def entry(self, key: str) -> IndicatorEntry | None:
        return next((e for e in self.indicators if e.key == key), None)


def _alternation(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


REGEX_ESCAPE_RE = re.compile(r"\\[A-Za-z]|\[[^\]]*\]|\{[^}]*\}")
OPTIONAL_LETTER_RE = re.compile(r"[A-Za-z](?=[?*])")
LITERAL_RE = re.compile(r"[A-Za-z&]{3,}")
# Joining words and suffix fragments: every alternative also holds a word that
# says more, so leaving these out keeps the filter safe and makes it selective.
UNSELECTIVE_LITERALS = frozenset({"and", "for", "the", "from", "into", "ing", "ies", "ups", "about", "around"})


def required_literals(patterns: list[str]) -> tuple[str, ...]:
    """Every literal word (3+ letters) of the patterns, lower-cased.

    Each alternative of a catalog pattern holds at least one such word, so a
    text containing none of them cannot match; optional letters ("chips?")
    are dropped so the literal is a true substring of any match.
    """
    literals = set()
    for pattern in patterns:
        plain = OPTIONAL_LETTER_RE.sub("", REGEX_ESCAPE_RE.sub(" ", pattern))
        literals.update(word.lower() for word in LITERAL_RE.findall(plain))
    literals -= UNSELECTIVE_LITERALS
    return tuple(sorted(literals))


# A requirement every match of a pattern meets: all of its clauses hold, a clause being a string the
# match contains or a tuple of alternative requirements one of which holds.
Requirement = tuple


def _requirement(items, min_run: int = 3) -> Requirement:
    """What every match of the parsed (folded) pattern `items` contains; () when nothing is known."""
    items = list(items)
    clauses: list = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= min_run:
            clauses.append("".join(run))
        run.clear()

    index = 0
    while index < len(items):
        op, av = items[index]
        index += 1
        if op is _sre.LITERAL:
            run.append(chr(av))
            continue
        if op is _sre.BRANCH:
            # The parser factors a common prefix out of alternatives ("r&d|research" -> "r" + "&d|esearch"):
            # the literals around the branch join each alternative, so short ones ("gdp") still count.
            after = index
            while after < len(items) and items[after][0] is _sre.LITERAL:
                after += 1
            around = [(_sre.LITERAL, ord(c)) for c in run]
            alternatives = tuple(
                _requirement([*around, *branch, *items[index:after]], min_run) for branch in av[1]
            )
            if all(alternatives):
                run.clear()
                clauses.append(alternatives)
                index = after
                continue
        flush()  # anything else ends a run of literal characters
        if op is _sre.SUBPATTERN and not av[1] and not av[2]:
            clauses.extend(_requirement(av[3], min_run))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            clauses.extend(_requirement(av[2], min_run))
    flush()
    return tuple(clauses)


def _requirement_expression(requirement: Requirement) -> str:
    parts = [
        f"{clause!r} in t" if isinstance(clause, str)
        else "(" + " or ".join(f"({_requirement_expression(alternative)})" for alternative in _fewest(clause)) + ")"
        for clause in requirement
    ]
    return " and ".join(parts) or "True"


def _fewest(alternatives: tuple) -> tuple:
    """The alternatives less those a single string of another one implies: "aim" or "aiming" is "aim"."""
    singles = {alternative[0] for alternative in alternatives if len(alternative) == 1 and isinstance(alternative[0], str)}
    return tuple(dict.fromkeys(
        alternative for alternative in alternatives
        if not any(other in part and other != part for part in alternative if isinstance(part, str) for other in singles)
    ))


def _requirement_test(requirement: Requirement) -> Callable[[str], bool]:
    """`requirement` as one compiled boolean expression of `in` tests: no call per clause."""
    return eval(f"lambda t: {_requirement_expression(requirement)}")  # noqa: S307 - built from repr() of literals


def _pattern_requirements(patterns: list[str], min_run: int = 3) -> Callable[[str], bool] | None:
    """One clause: one of the entry's patterns' requirements holds; None when some pattern has none."""
    alternatives = []
    for pattern in patterns:
        folded = PATTERN_LETTER_RE.sub(lambda m: m.group(1) or m.group(2).lower(), pattern)
        try:
            alternatives.append(_requirement(_sre_parser.parse(folded), min_run))
        except re.error:
            return None
    return _requirement_test((tuple(alternatives),)) if alternatives and all(alternatives) else None


def requirement_test(pattern: str, min_run: int = 3) -> Callable[[str], bool] | None:
    """A test of literal strings every match of `pattern` (folded) holds, or None when none is known."""
    return _pattern_requirements([pattern], min_run)


def substring_test(words) -> Callable[[str], bool]:
    """Whether a text holds any of `words`: one compiled chain of `in` tests (faster than any() or a regex)."""
    return _requirement_test((tuple((word,) for word in words),))


NEVER_MATCHES = re.compile(r"(?!)")


def _default_measure(units: list[str]) -> str:
    return "share" if units and all(unit == "percent" for unit in units) else "level"


# Words so frequent in the genre that a sentence holding one says little: the
# prefilter prefers any other word every match of a pattern must contain.
COMMON_WORDS = frozenset("""
    the and for from with into about around over than more per its their that this which was were has have had
    share rate ratio total national general high use road country operation stock government state public market sales users capacity output production new year
    annual average growth increase rise rose grew growing increased number value added size industry industries
    sector companies firms enterprises investment spending funding funds fund expenditure expenditures research
    technology technologies science china global world data digital high tech internet energy
    vehicles accounted accounting account made proportion percentage percent level gdp domestic gross
""".split())
LITERAL_WORD_RE = re.compile(r"[a-z&]{3,}")


def _word_cost(word: str) -> int:
    """How often a word is likely to occur in the genre's sentences (a rough scale): prefer rare, long words."""
    if "&" in word:
        return 1  # R&D, S&T: specific despite their length
    if word in COMMON_WORDS:
        return 20
    return {3: 20, 4: 6, 5: 3}.get(len(word), 1)


def _clause_literals(clause) -> frozenset[str] | None:
    """Words one of which every text satisfying `clause` (a string, or alternatives) contains."""
    if isinstance(clause, str):
        words = LITERAL_WORD_RE.findall(clause)
        return frozenset({min(words, key=lambda word: (_word_cost(word), -len(word)))}) if words else None
    union: set[str] = set()
    for alternative in clause:
        found = _requirement_literals(alternative)
        if found is None:
            return None
        union |= found
    return frozenset(union)


def _literals_cost(words: frozenset[str]) -> int:
    return sum(_word_cost(word) for word in words)


def _requirement_literals(requirement: Requirement) -> frozenset[str] | None:
    """The most selective clause's words: every match holds one of them (None when no clause has a word)."""
    best = None
    for clause in requirement:
        found = _clause_literals(clause)
        if found is not None and (best is None or _literals_cost(found) < _literals_cost(best)):
            best = found
    return best


def selective_literals(patterns: list[str]) -> tuple[str, ...]:
    """For each pattern, the fewest, rarest words one of which any match must contain.

    A text holding none of an entry's literals cannot match any of its
    patterns. Words come from what the parsed pattern requires, so optional
    words ("(?:total )?") never make an entry a candidate; a pattern whose
    requirement names no word falls back to all of its literal words.
    """
    literals: set[str] = set()
    for pattern in patterns:
        folded = PATTERN_LETTER_RE.sub(lambda m: m.group(1) or m.group(2).lower(), pattern)
        try:
            found = _requirement_literals(_requirement(_sre_parser.parse(folded)))
        except re.error:
            found = None
        literals |= found if found else set(required_literals([pattern]))
    return tuple(sorted(literals))


def _gate_tests(pattern: str) -> tuple[Callable[[str], bool] | None, tuple[str, ...], tuple[str, ...]]:
    """One catalog pattern's gate (see Catalog.gates), its pattern parsed once: (its requirement's test,
    selective_literals([pattern]), its second words).

    The test is _pattern_requirements([pattern]), else with two-letter runs. The second words come from
    the most selective clause of the requirement tested other than the one the selective literals come from
    (() when there is none). Every clause holds in any match, so they are a test independent of the first: a
    text holding the pattern's literal but none of these cannot meet the requirement.
    """
    folded = PATTERN_LETTER_RE.sub(lambda m: m.group(1) or m.group(2).lower(), pattern)
    try:
        parsed = _sre_parser.parse(folded)
    except re.error:
        return None, tuple(sorted(required_literals([pattern]))), ()
    requirement = _requirement(parsed)
    found = _requirement_literals(requirement)
    selective = tuple(sorted(found if found else set(required_literals([pattern]))))
    if not requirement:
        requirement = _requirement(parsed, 2)  # no run of three letters ("\bVC\b"): its two-letter ones
    if not requirement:
        return None, selective, ()
    clauses = [words for words in map(_clause_literals, requirement) if words and words != frozenset(selective)]
    second = tuple(sorted(min(clauses, key=_literals_cost))) if clauses else ()
    return _requirement_test(((requirement,),)), selective, second


def _gates_by_literal(literals: list[str], gate_words: list[tuple[str, ...]]) -> dict[str, tuple[int, ...]]:
    """For each literal a pattern may find, the gates (in order) one of whose words it holds."""
    gates_of_word: dict[str, set[int]] = {}
    for gate, words in enumerate(gate_words):
        for word in words:
            gates_of_word.setdefault(word, set()).add(gate)
    return {
        found: tuple(sorted({gate for word, gates in gates_of_word.items() if word in found for gate in gates}))
        for found in literals
    }


def _literal_pattern(literals: list[str]) -> re.Pattern[str]:
    # A lookahead, so literals overlapping in one word ("fab" and "abs" in "fabs") are all found: at
    # each position the longest literal, which holds every shorter one starting there.
    return re.compile("(?=(" + ("|".join(re.escape(literal) for literal in literals) or r"(?!)") + "))")


def _indicator_entry(raw: dict, base: IndicatorEntry | None = None) -> IndicatorEntry:
    patterns = raw.get("patterns", [])
    measure = raw.get("measure") or _default_measure(raw["units"])
    if measure not in MEASURES:
        raise ValueError(f"catalog entry {raw['key']!r}: unknown measure {measure!r} (one of {', '.join(MEASURES)})")
    return IndicatorEntry(
        key=raw["key"],
        label=raw["label"],
        topic=raw["topic"],
        units=tuple(raw["units"]),
        # An entry without wording of its own (a change in percentage points) is reached through Catalog.variant.
        pattern=compile_folded(_alternation(patterns)) if patterns else NEVER_MATCHES,
        ranges={unit: (float(lo), float(hi)) for unit, (lo, hi) in raw.get("range", {}).items()},
        literals=selective_literals(patterns),
        concept=raw.get("concept") or raw["key"],
        measure=measure,
        code=raw.get("code") or None,
        base=base,
    )


def _indicator_entries(raws: list[dict]) -> tuple[IndicatorEntry, ...]:
    """The entries in catalog order; a growth or change entry is linked to its base entry (built first)."""
    built = {raw["key"]: _indicator_entry(raw) for raw in raws if raw.get("measure") not in DERIVED_MEASURE_SUFFIXES}
    for raw in raws:
        suffix = DERIVED_MEASURE_SUFFIXES.get(raw.get("measure", ""))
        if suffix:
            base_key = raw["key"].removesuffix(suffix)
            built[raw["key"]] = _indicator_entry(raw, built.get(base_key) if base_key != raw["key"] else None)
    return tuple(built[raw["key"]] for raw in raws)


# What must follow a place's name for it to own a figure: "Guangdong's", "Anhui province", or a ranking of
# regions ("followed by Hubei at 3.1 percent", "Tianjin had the highest ratio").
RANKED_PLACE_SUFFIX = (
    r"\s+(?:at|with)\s+(?:about\s+|around\s+|nearly\s+|some\s+)?[\d$¥€£]"
    r"|\s+(?:had|has|have)\s+the\s+(?:highest|largest|lowest|biggest|smallest|most|fewest)\b"
    r"|[’']s\s+(?:[\w&-]+\s+){1,3}(?:was|is|were|stood)\s+the\s+(?:highest|largest|lowest|biggest|smallest)\b"
)
# ... or a place that is the subject of its clause: "Guangdong spent", "in Hangzhou was 61.2 billion yuan",
# "in Chengdu, 47.5 billion yuan".
STATED_PLACE_SUFFIX = (
    r"\s+(?:was|were|is|are|stood|reached|totall?ed|amounted|came|spent|invested|recorded|posted|accounted|"
    r"ranked|led|topped|wants|aims|plans|targets|added|built|had|has|will)\b"
    r"|,\s+(?:about\s+|around\s+|nearly\s+|some\s+)?[\d$¥€£]"
)
OWNER_ONLY_SUFFIX = (
    rf"(?=[’']s\b|\s+(?:[Pp]rovinc(?:e|ial)|[Mm]unicipal(?:ity)?|city)\b|{RANKED_PLACE_SUFFIX}|{STATED_PLACE_SUFFIX})"
)
RANKED_ONLY_SUFFIX = rf"(?={RANKED_PLACE_SUFFIX})"


def _subject_entry(raw: dict) -> SubjectEntry:
    # Case-sensitive on purpose: "US" the country is not "us" the pronoun.
    aliases = raw["aliases"]
    if raw.get("owner_only"):
        suffix = RANKED_ONLY_SUFFIX if raw["owner_only"] == "ranked" else OWNER_ONLY_SUFFIX
        aliases = [f"(?:{alias}){suffix}" for alias in aliases]
    pattern = re.compile(rf"(?<![\w.])(?:{_alternation(aliases)})(?![\w])")
    name = raw["name"]
    return SubjectEntry(
        name=name, kind=raw["kind"], alias_pattern=pattern, aliases=tuple(aliases),
        conditional=bool(raw.get("owner_only")), raw_aliases=tuple(raw["aliases"]),
    )


def space_or_hyphen(pattern: str) -> str:
    """`pattern` with each literal space (outside a character class) matching a hyphen too, so that
    "rare earth exports" also reads "rare-earth exports"."""
    out, in_class, escaped = [], False, False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif char == "[":
            in_class = True
            out.append(char)
        elif char == "]":
            in_class = False
            out.append(char)
        elif char == " " and not in_class:
            out.append("[ -]")
        else:
            out.append(char)
    return "".join(out)


def parse_catalog(raw: dict) -> Catalog:
    """Turn the TOML document into a Catalog with compiled patterns."""
    raw = {
        **raw,
        "indicator": [
            {**entry, "patterns": [space_or_hyphen(p) for p in entry.get("patterns", [])]}
            for entry in raw.get("indicator", [])
        ],
    }
    indicators = _indicator_entries(raw.get("indicator", []))
    literals = sorted({literal for entry in indicators for literal in entry.literals}, key=len, reverse=True)
    # A pattern with no literal of three letters ("\bVC\b") still holds its two-letter ones: tested
    # before its regex is run (speed).
    gate_tests = [
        (order, *_gate_tests(pattern))
        for order, entry in enumerate(raw.get("indicator", []))
        for pattern in entry.get("patterns", [])
    ]
    gate_literals = [(order, required, words) for order, required, words, _ in gate_tests]
    gate_patterns = tuple(pattern for entry in raw.get("indicator", []) for pattern in entry.get("patterns", []))
    # A gate always open is never confirmed: it has no literal to open it, nor second words to lack.
    confirming = [second if words else () for _, _, words, second in gate_tests]
    confirming_literals_found = sorted({word for words in confirming for word in words}, key=len, reverse=True)
    return Catalog(
        gates=tuple((order, required) for order, required, _ in gate_literals),
        gate_patterns=gate_patterns,
        open_gates=frozenset(gate for gate, (_, _, words) in enumerate(gate_literals) if not words),
        gates_by_literal=_gates_by_literal(literals, [words for _, _, words in gate_literals]),
        confirmed_gates=frozenset(gate for gate, words in enumerate(confirming) if words),
        confirming_literal_pattern=_literal_pattern(confirming_literals_found),
        confirming_gates_by_literal=_gates_by_literal(confirming_literals_found, confirming),
        version=str(raw.get("version", "0")),
        indicators=indicators,
        literal_pattern=_literal_pattern(literals),
        entries_by_literal={
            found: tuple(i for i, entry in enumerate(indicators) if any(lit in found for lit in entry.literals))
            for found in literals
        },
        subjects=tuple(_subject_entry(s) for s in raw.get("subject", [])),
        topic_patterns=tuple(
            (topic, compile_folded(_alternation(words)))
            for topic, words in raw.get("topics", {}).items()
        ),
        entry_requirements=tuple(_pattern_requirements(e.get("patterns", [])) for e in raw.get("indicator", [])),
        topic_requirements=tuple(_pattern_requirements(words, 1) for words in raw.get("topics", {}).values()),
        counting_noun_pattern=compile_folded(rf"(?:{_alternation(raw.get('counting', {}).get('nouns', []))})\b"),
        measure_units=tuple(
            MeasureUnit(
                unit["name"], compile_folded(_alternation(unit["aliases"])),
                (unit["stored_as"], float(unit["factor"])) if "stored_as" in unit else None,
            )
            for unit in raw.get("unit", [])
        ),
        naming=_naming_words(raw.get("naming", {}), raw.get("subject", [])),
        **_money_and_genre(raw),
    )


def _money_and_genre(raw: dict) -> dict:
    """The [[currency]], [scales] and [genre] sections as Catalog fields; a currency's range joins unit_ranges."""
    currencies = tuple(
        CurrencyEntry(
            code=c["code"], signs=tuple(c.get("signs", [])), codes=tuple(c.get("codes", [])),
            words=tuple(c.get("words", [])), words_after_scale=tuple(c.get("words_after_scale", [])),
            range=(float(c["range"][0]), float(c["range"][1])) if "range" in c else None,
            shared_signs=tuple(c.get("shared_signs", [])), sign_subjects=tuple(c.get("sign_subjects", [])),
        )
        for c in raw.get("currency", [])
    )
    scales = raw.get("scales", {})
    genre = raw.get("genre", {})
    unit_ranges = {unit: (float(lo), float(hi)) for unit, (lo, hi) in raw.get("unit_ranges", {}).items()}
    for currency in currencies:
        if currency.range is not None:
            unit_ranges.setdefault(currency.code, currency.range)  # [unit_ranges] wins
    return {
        "currencies": currencies,
        "scales": ScaleWords(
            {k: float(v) for k, v in scales.get("words", {}).items()},
            {k: float(v) for k, v in scales.get("money_abbreviations", {}).items()},
        ),
        "genre": Genre(
            genre.get("default_subject", Genre.default_subject),
            tuple(genre.get("relevance", [])),
            tuple(genre.get("organisation_words", [])),
            tuple(genre.get("national_body_words", [])),
            tuple(genre.get("state_body_words", [])),
            tuple(genre.get("company_measures", [])),
            tuple(genre.get("money_measures", [])),
            tuple(genre.get("city_states", [])),
            {full: short for short, fulls in genre.get("full_names", {}).items() for full in fulls},
        ),
        "unit_ranges": unit_ranges,
    }


PLAIN_NAME_RE = re.compile(r"[A-Za-z][A-Za-z .-]*")


def verb_forms(base: str) -> set[str]:
    """A verb's base form with its -s, -ed and -ing forms ("rise" -> rises, rised, rising; "rely" -> relies)."""
    stem = base[:-1] if base.endswith("e") else base
    forms = {base, base + "s", base + "es", stem + "ed", stem + "ing"}
    if base.endswith("y") and base[-2:-1] not in "aeiou":
        forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    return forms


def _naming_words(raw: dict, subjects: list[dict]) -> NamingWords:
    # Countries' and regions' names word by word ("south", "korean"); other names only whole, since
    # "Group of Seven" or "Greater Bay Area" are made of words that do name things.
    subject_words = {
        word.lower()
        for subject in subjects
        for alias in subject["aliases"] if PLAIN_NAME_RE.fullmatch(alias) and alias[:1].isupper()
        for word in (alias.replace("-", " ").split() if subject.get("kind") in ("country", "region") else [alias])
        if " " not in word
    }
    return NamingWords(
        verbs=frozenset(
            form for base in raw.get("verbs", []) for form in verb_forms(base)
        ) - frozenset(raw.get("nouns", [])),
        adverbs=frozenset(raw.get("adverbs", [])),
        not_adverbs=frozenset(raw.get("not_adverbs", [])),
        measure_words=frozenset(raw.get("measure_words", [])),
        generic_heads=frozenset(raw.get("generic_heads", [])),
        speech_verbs=frozenset(raw.get("speech_verbs", [])),
        subject_words=frozenset(subject_words - {"the", "of", "and"}),
    )


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """The catalog at `path` (default: the packaged catalog.toml), parsed once."""
    with open(path, "rb") as fh:
        return parse_catalog(tomllib.load(fh))


@dataclass(unsafe_hash=True, slots=True)  # never modified; not frozen: construction is 2-3x cheaper
class IndicatorHit:
    """Where a catalog entry's wording occurs in a sentence."""

    start: int
    end: int
    order: int  # catalog position: earlier entries are more specific
    entry: IndicatorEntry


# Catalog literals are made of these characters only, so each lies inside one such run of the text.
LITERAL_RUN_RE = re.compile(r"[a-z&]{3,}")


def indicator_hits(sentence_context: str, catalog: Catalog | None = None, folded: str | None = None) -> list[IndicatorHit]:
    """Every occurrence of every catalog entry's wording; computed once per sentence.

    `folded`, when the caller has it, is fold_case(sentence_context).
    """
    catalog = catalog or load_catalog()
    folded = fold_case(sentence_context) if folded is None else folded
    runs = set(LITERAL_RUN_RE.findall(folded))
    # gate_sets_in_run's cache, read inline: one C-level map over the runs, no call per word
    sets = list(map(catalog._gate_sets_by_run.get, runs))
    if None in sets:
        sets = [catalog.gate_sets_in_run(run) for run in runs]
    opening, confirming = zip(*sets) if sets else ((), ())
    opened = catalog.open_gates.union(*opening)
    # An opened gate with second words the text lacks cannot pass (see Catalog.confirmed_gates).
    opened = opened.difference(catalog.confirmed_gates).union(opened.intersection(frozenset().union(*confirming)))
    # Gates are numbered in catalog order: an entry's passing gates come together and in order, and the
    # entries arrive in catalog order (no second sort).
    passing: dict[int, tuple[int, ...]] = {}
    all_gates = catalog.gates
    for gate in sorted(opened):
        order, required = all_gates[gate]
        if required is None or required(folded):  # the pattern has its words and literal strings here
            passing[order] = passing[order] + (gate,) if order in passing else (gate,)
    hits = []
    indicators = catalog.indicators
    regexes = catalog._regex_by_gates  # regex_of_gates' cache, read inline
    for order, gates in passing.items():
        entry = indicators[order]
        regex = regexes.get(gates) or catalog.regex_of_gates(gates)
        hits += [IndicatorHit(*found.span(), order, entry) for found in regex.finditer(folded)]
    return hits


OUTSIDE_SPAN_PENALTY = 10_000
PERCENT_ONLY = frozenset({"percent"})  # a hit in another clause loses to any hit in the figure's own clause


@lru_cache(maxsize=256)  # a few unit requests recur for every figure (speed)
def _wanted_units(units: str | tuple[str, ...] | None) -> tuple[frozenset[str] | None, bool]:
    """(the units a request accepts, whether one is a level's: not only percent)."""
    wanted = None if units is None else frozenset((units,) if isinstance(units, str) else units)
    return wanted, wanted is not None and bool(wanted - PERCENT_ONLY)


def nearest_indicator(
    hits: list[IndicatorHit], units: str | tuple[str, ...] | None, anchor: int, span: tuple[int, int] | None = None
) -> IndicatorEntry | None:
    """The hit fitting `units` nearest `anchor`, preferring hits inside `span`; ties go to catalog order.

    A request accepting a level's unit (a currency, a count) asks for the entry
    a growth rate or change is *of*: there a hit on a growth or change entry
    stands for its base entry, so "R&D spending growth of 8%" and "R&D
    spending grew 8%" both name rd_spending_total (+ "_growth").
    """
    if not hits:
        return None  # the usual case for a sentence naming no catalog wording: no set built
    wanted, wants_level = _wanted_units(units)
    fitting: list[tuple[IndicatorHit, IndicatorEntry]] = []
    for hit in hits:
        entry = hit.entry
        if wants_level and entry.measure in DERIVED_MEASURE_SUFFIXES:
            if entry.base is None:
                continue
            entry = entry.base
        if wanted is not None and wanted.isdisjoint(entry.units):  # one C-level test, not a loop per unit
            continue
        fitting.append((hit, entry))
    best: tuple[int, int, IndicatorEntry] | None = None
    for hit, entry in fitting:
        if len(fitting) > 1 and any(
            other.start <= hit.start and hit.end <= other.end and other.end - other.start > hit.end - hit.start
            and other.order < hit.order
            for other, _ in fitting
        ):
            continue  # inside a longer wording of an earlier, more specific entry: "output of new energy vehicles"
        distance = 0 if hit.start <= anchor < hit.end else min(abs(hit.start - anchor), abs(hit.end - anchor))
        if span is not None and not span[0] <= hit.start < span[1]:
            distance += OUTSIDE_SPAN_PENALTY
        if best is None or (distance, hit.order) < best[:2]:
            best = (distance, hit.order, entry)
    return best[2] if best else None


def match_indicator(
    sentence_context: str, unit: str | None, anchor: int = 0, catalog: Catalog | None = None
) -> IndicatorEntry | None:
    """The catalog entry whose wording occurs in `sentence_context`, fits `unit` and lies nearest `anchor`."""
    return nearest_indicator(indicator_hits(sentence_context, catalog), unit, anchor)


def plausible_range(key: str, unit: str, catalog: Catalog | None = None) -> tuple[float, float] | None:
    """(min, max) a value of indicator `key` in `unit` can plausibly take, or None when unknown."""
    entry = (catalog or load_catalog()).entry(key)
    return entry.ranges.get(unit) if entry else None


def topic_of(text: str, catalog: Catalog | None = None, folded: str | None = None) -> str:
    """The first topic whose vocabulary occurs in `text`, else "general"."""
    folded = fold_case(text) if folded is None else folded
    catalog = catalog or load_catalog()
    requirements = catalog.topic_requirements
    for index, (topic, pattern) in enumerate(catalog.topic_patterns):
        required = requirements[index] if index < len(requirements) else None
        if required is not None and not required(folded):
            continue  # lacks what every match holds: the pattern cannot match
        if pattern.search(folded):
            return topic
    return "general"


def known_units(catalog: Catalog | None = None) -> set[str]:
    """The contract's canonical units and the measures the catalog adds."""
    catalog = catalog or load_catalog()
    return set(catalog.unit_ranges) | {unit.name for unit in catalog.measure_units}


def validation_range(key: str, unit: str, catalog: Catalog | None = None) -> tuple[float, float] | None:
    """The indicator's own plausible range, else the unit's."""
    catalog = catalog or load_catalog()
    return plausible_range(key, unit, catalog) or catalog.unit_ranges.get(unit)
