"""Whose figure it is: organisations a document introduces, the catalog's subjects, subject mentions in a
sentence, and the owner of one figure.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tracker.catalog import compile_folded, fold_case, indicator_hits, load_catalog, requirement_test, topic_of
from tracker.extract.context import (
    DEFAULT_SUBJECT,
    DocumentContext,
    Figure,
    Owner,
    LOOKBACK_CHARS,
    SubjectMention,
    WHITESPACE_RE,
    WORD_RE,
)


# "2.1% in Japan", "2.1% of GDP in Japan", "47% completed their degrees in China": the owner named just
# after, when only a preposition phrase stands between: the figure's own verb group (up to two verbs right
# after it), then words that are no verb, no name and open no new clause, then in/of/at/for. A comma, a
# later verb or a clause word ("3.5%, a level the US has never reached", "3.5% helped firms invest in the
# US", "2% while in the US") means the name belongs to another clause.
# The catalog's verb forms grouped by first letter: the engine then tries a few dozen, not all of them.
_VERB_FORMS = "|".join(
    f"{letter}(?:{'|'.join(sorted((re.escape(v[1:]) for v in load_catalog().naming.verbs if v[0] == letter), key=len, reverse=True))})"
    for letter in sorted({v[0] for v in load_catalog().naming.verbs})
)
_CLAUSE_WORDS = (
    "and|or|but|nor|yet|while|whereas|that|which|who|whom|whose|than|as|when|where|although|though|"
    "because|since|if|unless|versus|vs"
)
AFTER_SUBJECT_RE = re.compile(
    rf"^\s*\)?\s*(?:(?:{_VERB_FORMS})\s+){{0,2}}"
    rf"(?:(?!(?:{_VERB_FORMS}|{_CLAUSE_WORDS})\s)(?:[a-z][a-z’'-]*|[A-Z][A-Z&]+)\s+)*?"
    r"(?:in|of|at|for)\s+(?:the\s+)?$"
)
AFTER_SUBJECT_ENDINGS = ("in", "of", "at", "for", "the")
# The characters an AFTER_SUBJECT_RE match is made of (its words, verb forms included, and spaces): a gap
# holding any other (a digit, a comma) cannot match, and one C-level scan says so (speed).
AFTER_SUBJECT_CHARS_RE = re.compile(
    "[\\s)a-zA-Z&’'" + re.escape("".join(sorted({c for v in load_catalog().naming.verbs for c in v}))) + "-]*"
)
OBJECT_PREPOSITION_RE = re.compile(
    r"\b(?:to|than|behind|into|toward|towards|against|versus|vs\.?|from|outside|beyond|on|including|led\s+by)\s+(?:the\s+)?$"
)
# "a Beijing-based designer", "a Shanghai-listed firm": where a body sits, never whose figure it is.
# "ranks second globally", "the largest worldwide": the scope of a ranking, not an owner.
RANK_SCOPE_BEFORE_RE = re.compile(
    r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th)|top|[a-z]+est|most)\s+$",
    re.IGNORECASE,
)
PLACE_QUALIFIER_AFTER_RE = re.compile(r"-(?:based|headquartered|listed|born)\b")
ORG_INTRO_RE = re.compile(
    r"((?:[A-Z][\w&’'.-]*\s+(?:(?:of|and|for|on|the|de|in)\s+)*){2,9})\(([A-Z][A-Za-z&]{1,9})\)"
)
# Subjects named as the text writes them, not by their catalog entry
NAMED_AS_WRITTEN = ("organisation", "place", "city")
COUNTRY_NAMES = frozenset(s.name for s in load_catalog().subjects if s.kind not in NAMED_AS_WRITTEN)
# Place names by kind, for "the province" and "the city"
PLACES_BY_KIND = {
    kind: frozenset(alias for s in load_catalog().subjects if s.kind == kind for alias in s.raw_aliases)
    for kind in ("place", "city")
}
PLACES_BY_KIND["city"] = PLACES_BY_KIND["city"] | frozenset(load_catalog().genre.city_states)
PLACE_NAMES = frozenset().union(*PLACES_BY_KIND.values())
ACRONYM_RE = re.compile(r"\(([A-Z][A-Za-z&]{1,9})\)")
# A company release's "Full Name Co., Ltd. ("Short" or "the Company")": a name the text introduces in quotes.
QUOTED_SHORT_NAME_INTRO_RE = re.compile(
    r"((?:[A-Z][\w&’'.-]*,?\s+(?:(?:of|and|for|on|the|de|in)\s+)*){1,9})\(\s*(?:the\s+)?[\"“]"
    r"([A-Z][\w&’'.-]*(?:\s+[A-Z][\w&’'.-]*){0,2})[\"”]"
)
# Up to the last character an ORG_INTRO_RE name cannot hold (its words' characters and spaces aside).
LAST_NON_NAME_CHAR_RE = re.compile(r".*[^\w&’'.\s-]", re.DOTALL)
ORG_NAME_REACH_CHARS = 1000  # far beyond nine words of a name
GENRE = load_catalog().genre
ORGANISATION_WORD_RE = re.compile(rf"\b(?:{'|'.join(GENRE.organisation_words)})\b")
NATIONAL_BODY_RE = re.compile(rf"\b(?:{'|'.join(GENRE.national_body_words)})\b")
ADVERB_ALIAS_RE = re.compile(r"globally|worldwide|nationwide")
POSSESSIVE_BETWEEN_RE = re.compile(r"[’']s\s+")
LOCATION_BEFORE_RE = re.compile(r"\bin\s+(?:the\s+)?$")
CLAUSE_BREAK_BETWEEN_RE = re.compile(r";|,\s+(?:while|whereas|and|but)\b|\s(?:while|whereas)\s")
PLACE_OPENING_RE = re.compile(
    r"\W*(" + "|".join(sorted(PLACE_NAMES, key=len, reverse=True)) + r")(?=,\s)"
)
PLACE_ANAPHOR_RE = re.compile(r"\b[Tt]he\s+(province|city|municipality|region)(?:[’']s)?\b")
# One of its nouns, which the pattern writes in lower case only (runs of four: not "[Tt]he", read as "the").
PLACE_ANAPHOR_REQUIRED = requirement_test(PLACE_ANAPHOR_RE.pattern, min_run=4) or (lambda _: True)
NAMED_WITH_FIGURE_RE = re.compile(r"(?:[’']s)?\s*,?\s*(?:(?:with|at)\s+)?")
COMPARED_FIGURE_RE = re.compile(r"\b(?:against|versus|vs\.?|than|compared\s+(?:with|to))\s+(?:the\s+)?$")
PARENTHESIS_AFTER_NAME_RE = re.compile(r"\s*\(\s*")
APPOSITIVE_AFTER_NAME_RE = re.compile(r",\s+[^,;]{3,90},")
SELF_REFERENCE_RE = re.compile(r"\s+(?:that\s+)?(?:its|it|their|they)\b")
ACTOR_NEXT_WORDS_RE = re.compile(r"\s+(?:(?:has|have|had|also|alone|now|again|will|would|is|was)\s+)?(?P<verb>[a-z]+)")
APPOSITION_BEFORE_RE = re.compile(r"\)?\s*,\s*(?:the\s+)?")
POSSESSIVE_AFTER_RE = re.compile(r"[’']s\b")
# A sentence about the owner the previous one named: "It", "Its", "The company", "operators there". ("The country" is left
# to the default: in the genre it is China far more often than the country named just before.)
ANAPHOR_OPENING_RE = re.compile(
    r"\W*(?:It|Its|Our|We|The\s+(?:[\w-]+\s+){0,3}?(?:[Gg]roup|[Cc]ompany|firm|start-?up|carrier|operator|chipmaker|"
    r"carmaker|automaker|manufacturer|maker|agency|bureau|institute|academy|university|laboratory|lab|association|"
    r"regulator|foundry|developer|supplier))\b"
)
SPEAKER_OPENING_RE = re.compile(r"\W*(?:We|Our)\b")
# "Farmers there had planted ...": "there" is the place the previous sentence named (not "there are").
THERE_RE = re.compile(
    r"\b(?!(?i:and|but|while|where|then|out|over|here|from)\b)[A-Za-z][a-z]{2,}\s+there\b"
    r"(?!\s+(?:is|are|was|were|will|would|(?:have|has|had)\s+been|be|been|remain|seem))"
)
STATE_BODY_RE = re.compile(rf"\b(?:{'|'.join(GENRE.state_body_words)})\b")


def _document_context(text: str, source_id: str) -> DocumentContext:
    catalog = load_catalog()
    # The genre's companies named in full count as introduced (only those the document writes: a short alternation).
    organisations: dict[str, str] = {full: short for full, short in catalog.genre.full_names.items() if full in text}
    for found in _organisation_introductions(text):
        full_name, acronym = WHITESPACE_RE.sub(" ", found.group(1)).strip(), found.group(2)
        if not ORGANISATION_WORD_RE.search(full_name) or topic_of(acronym, catalog) != "general":
            continue  # "Artificial Intelligence (AI)", "Research and Development (R&D)": a term, not a body
        name = _organisation_subject(full_name, acronym)
        organisations[acronym] = name
        organisations[full_name] = name
    pattern = None
    if organisations:
        alternation = "|".join(re.escape(a) for a in sorted(organisations, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w])(?:{alternation})(?![\w$])")
    context = DocumentContext(source_id, text, catalog, organisations, pattern, _acting_names(text, organisations))
    lines = [line.strip() for line in text[:TITLE_REACH_CHARS].splitlines() if line.strip()]
    title = lines[0] if lines else ""
    body = opening_body(_subject_mentions(title.title() if title.isupper() else title, context))
    if body is None:
        # A government report names its province in a byline: "Presented to the ... Anhui Provincial People's Congress"
        for line in (line for line in lines[1:] if len(line) <= 160 and not line.endswith((".", "!", "?", '"', "”"))):
            body = next((m.name for m in _subject_mentions(line, context) if m.name in PLACE_NAMES and not m.is_object), None)
            if body is not None:
                break
    if body is not None:
        context.document_owner["owner"] = body  # the headline's company or province ("ACME TELECOM LIMITED")
        context.previous_owner[:] = [Owner(body, True, 0, body in PLACE_NAMES)]
    return context


TITLE_REACH_CHARS = 300
# The capital is consumed before the lookbehind (which reads it too), so the engine skips to capitals in C
# (speed); the same runs as "(?<![\w’'&-])[A-Z]...".
NAME_RUN_RE = re.compile(r"[A-Z](?<![\w’'&-][A-Z])[A-Za-z0-9&-]*[a-z][A-Za-z0-9&-]*(?:\s+[A-Z][A-Za-z0-9&-]+){0,3}")
SENTENCE_START_BEFORE_RE = re.compile(r"(?:^|[.!?:;|\n\"“(•*-]|\d[.)])\s*$")
LOWER_WORD_RE = re.compile(r"\b[a-z][a-z-]+\b")
FUNCTION_WORDS = frozenset(
    "the a an of in on at to for by with and or but as from its their this that these those phd mba msc".split()
)
MONTH_NAMES = frozenset(
    "january february march april may june july august september october november december".split()
)


PLURAL_ACRONYM_RE = re.compile(r"[A-Z]{2,}s")
# A name after a person's role or title is a person's: a source of figures, never their owner (CONTRACT §1).
PERSON_ROLE_BEFORE_RE = re.compile(
    r"(?:\b(?:economist|analyst|professor|researcher|scientist|chairman|chairwoman|chair|president|minister|"
    r"director|CEO|founder|co-founder|spokesman|spokeswoman|spokesperson|host|guest|author|engineer|official|"
    r"premier|secretary|governor|mayor|partner|strategist|executive|manager|commissioner|Mr|Ms|Mrs|Dr|Prof)\.?|"
    r"\b(?:chief|head|vice|deputy)\s+\w+)\s+$"
)
# What any match holds, lower-cased ("analyst", "mr", "chief" ...): tested on the lower-cased window (speed).
PERSON_ROLE_REQUIRED = requirement_test(PERSON_ROLE_BEFORE_RE.pattern, min_run=2) or (lambda _: True)
NOT_AN_ACTOR_END_RE = re.compile(
    r"\b(?:Province|City|Municipality|Region|District|Area|County|Department|Ministry|Agency|Administration|"
    r"Bureau|Commission|Council|Office|Plan|Programme|Program|Act|Index|Rankings?|Report|List|Fund|People)$"
    r"|\b(?:Provincial|Municipal|National|People)\b"
)


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    naming = load_catalog().naming
    return naming.verbs | naming.measure_words | naming.generic_heads | naming.adverbs | FUNCTION_WORDS | MONTH_NAMES


@lru_cache(maxsize=65536)
def _could_be_actor(name: str) -> bool:
    """Whether a capitalised run could name an actor: not common words, a catalog subject, a topic or an
    indicator's wording ("NEVs"), a place or a state body ("Guangdong Province", "Commerce Department")."""
    catalog = load_catalog()
    pattern, _ = _subject_alternation()
    words = name.lower().replace("-", " ").split()
    common = _common_words()
    if name.startswith("The ") and pattern.fullmatch(name[4:]):
        return False  # "The United States"
    return not (
        any(word in MONTH_NAMES for word in words) or all(word in common for word in words)
        or pattern.fullmatch(name) is not None or topic_of(name, catalog) != "general"
        or PLURAL_ACRONYM_RE.fullmatch(name) is not None or NOT_AN_ACTOR_END_RE.search(name) is not None
        or bool(indicator_hits(name, catalog))
    )


def _acting_names(text: str, organisations: dict[str, str]) -> dict[str, str]:
    """Capitalised names the document uses mid-sentence and never in lower case: proper nouns, such as a
    company the catalog does not know ("Lingxi Intelligence", "Tsinghua University")."""
    common = _common_words()
    lower: list[set[str]] = []  # the text's lower-case words, once some occurrence needs them
    names: dict[str, None] = {}  # in the order the text first uses them: the same result in every process
    people: set[str] = set()
    pattern, _ = _subject_alternation()
    for found in NAME_RUN_RE.finditer(text):
        name = found.group()
        if name in names or name in organisations:
            continue
        # Whether the name could be an actor at all is cached per name: asked first, it spares most runs the
        # regex test of where they stand (speed).
        if not _could_be_actor(name):
            continue
        if SENTENCE_START_BEFORE_RE.search(text, max(0, found.start() - 4), found.start()):
            continue  # capitalised because it opens a sentence or a line
        words = name.lower().replace("-", " ").split()
        if len(words) == 1 and _is_lower_word(words[0], text, lower):
            continue  # "Revenue" is a word the text also writes in lower case
        if PERSON_ROLE_REQUIRED(text[max(0, found.start() - 30):found.start()].lower()) and PERSON_ROLE_BEFORE_RE.search(
            text, max(0, found.start() - 30), found.start()
        ):
            people.add(name)
            people.add(name.split()[-1])  # "analyst Maria Keller", later "Keller says": a person, never an owner
            continue
        names[name] = None
    names = {name: None for name in names if name not in people}
    # "Lingxi" is "Lingxi Intelligence" once the document has named it in full: the first full name (in the
    # text's order; a set's order changes with each process's hash seed) that goes on after it with a space. Each name's beginnings up to a space, read once, not
    # every pair of names (speed).
    fuller: dict[str, str] = {}
    for full in names:
        space = full.find(" ")
        while space >= 0:
            fuller.setdefault(full[:space], full)
            space = full.find(" ", space + 1)
    acting = {name: _short_company_name(fuller.get(name, name), pattern) for name in names}
    for full in names:
        first = full.split()[0]
        if " " in full and first not in acting and first.lower() not in common and first not in people and not pattern.fullmatch(first):
            acting[first] = full
    return acting


# Words a company's registered name adds to the name it goes by ("<Company> Technology Group", "<Company> Co., Ltd.").
CORPORATE_SUFFIX_RE = re.compile(
    r"(?:\s+(?:Technology|Technologies|Tech|Group|Holdings?|Co\.?,?|Ltd\.?|Limited|Inc\.?|Corp\.?|Corporation|"
    r"International|Industries|Industry))+"
)


def _short_company_name(name: str, pattern: re.Pattern[str]) -> str:
    """The catalog's name for a company the text names in full ("<Company> Technology Group" is <Company>)."""
    known = pattern.match(name)
    if known is not None and 0 < known.end() < len(name) and CORPORATE_SUFFIX_RE.fullmatch(name, known.end()):
        return _subject_name(known.group())[0]
    return name


def _is_lower_word(word: str, text: str, lower: list[set[str]]) -> bool:
    """Whether `word` is one of the words LOWER_WORD_RE finds in `text`, read at its occurrences only (speed).

    A word found at an occurrence is one findall finds there, unless a hyphen before it may join it to an
    earlier word ("high-tech"): then the text's whole set (kept in `lower`) decides.
    """
    position = text.find(word)
    while position >= 0:
        if position > 0 and text[position - 1] == "-":
            if not lower:
                lower.append(set(LOWER_WORD_RE.findall(text)))
            return word in lower[0]
        found = LOWER_WORD_RE.match(text, position)
        if found is not None and found.end() - position == len(word):
            return True
        position = text.find(word, position + 1)
    return False


def _acting_mentions(sentence: str, context: DocumentContext) -> list[tuple[int, int, str, bool]]:
    """The document's proper names that act in this sentence: followed by "'s" or a verb that is not speech."""
    for name in context.acting_names:
        if name in sentence:
            break
    else:
        return []  # none of the names is in it: no run to scan for (speed)
    naming = load_catalog().naming
    found = []
    for match in NAME_RUN_RE.finditer(sentence):
        name = context.acting_names.get(match.group())
        if name is None:
            continue
        if POSSESSIVE_AFTER_RE.match(sentence, match.end()):
            found.append((match.start(), match.end(), name, True))
            continue
        after = match.end()
        apposition = APPOSITIVE_AFTER_NAME_RE.match(sentence, after)
        if apposition:
            after = apposition.end()  # "Naura Technology Group, China's largest toolmaker, said ..."
        following = ACTOR_NEXT_WORDS_RE.match(sentence, after)
        verb = following.group("verb").lower() if following else ""
        if verb in naming.verbs and (
            verb not in naming.speech_verbs or SELF_REFERENCE_RE.match(sentence, following.end())
        ):
            found.append((match.start(), match.end(), name, True))  # "X has raised", "X said its revenue rose"
    return found


def _organisation_introductions(text: str):
    """ORG_INTRO_RE's matches, sought only just before each "(ACRONYM)" instead of at every capital letter
    (a name cannot hold a parenthesis, so it lies between the previous "(...)" and its own); then the names
    introduced with a short name in quotes."""
    previous_end = 0
    for acronym in ACRONYM_RE.finditer(text):
        start = max(previous_end, acronym.start() - ORG_NAME_REACH_CHARS)
        # Nor can it hold a character no name has (a comma, a quote): it starts after the last one (speed).
        separator = LAST_NON_NAME_CHAR_RE.match(text, start, acronym.start())
        found = ORG_INTRO_RE.search(text, separator.end() if separator else start, acronym.end())
        if found is not None and found.end() == acronym.end():
            yield found
        previous_end = acronym.end()
    if '("' in text or "(“" in text:
        yield from QUOTED_SHORT_NAME_INTRO_RE.finditer(text)


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
    if named and full_name.split()[0] == named[0].name.split()[0] and NATIONAL_BODY_RE.search(full_name):
        return named[0].name  # "China Association of Automobile Manufacturers": it reports its country's figures
    return acronym


@lru_cache(maxsize=1)
def _subject_alternation() -> tuple[re.Pattern[str], tuple]:
    catalog = load_catalog()
    # Longest first, so "China Mobile" is the company, not "China" followed by a word.
    aliases = sorted((alias for s in catalog.subjects for alias in s.aliases), key=len, reverse=True)
    by_letter: dict[str, list[str]] = {}
    for alias in aliases:
        letter = _first_letter(alias)
        by_letter.setdefault(letter or "", []).append(alias)
    # One group per first letter behind a one-character test: a position is tried against the aliases
    # of its own letter only (hundreds of names otherwise cost ~10x).
    groups = [
        f"(?={re.escape(letter)})(?:{'|'.join(f'(?:{a})' for a in group)})" if letter
        else "|".join(f"(?:{a})" for a in group)
        for letter, group in sorted(by_letter.items())
    ]
    lookahead = f"(?=[{''.join(sorted(by_letter))}])" if "" not in by_letter else ""
    alternation = f"{lookahead}(?<![\\w.])(?:{'|'.join(groups)})(?![\\w$])"
    return re.compile(alternation), catalog.subjects


def _first_letter(alias: str) -> str | None:
    """The letter every match of an alias pattern starts with, or None when it may start otherwise."""
    while alias.startswith("(?:"):
        alias = alias[3:]
    return alias[0] if alias[:1].isalpha() and alias[1:2] not in ("?", "*", "|") else None


@lru_cache(maxsize=4096)
def _subject_name(alias: str) -> tuple[str, bool]:
    """(whom an alias names, whether that is a body named as written: an organisation or a place)."""
    _, subjects = _subject_alternation()
    for subject in subjects:
        if subject.alias_pattern.fullmatch(alias):
            return (alias, True) if subject.kind in NAMED_AS_WRITTEN else (subject.name, False)
    return alias, True


@lru_cache(maxsize=1)
def _conditional_subjects() -> tuple:
    """Subjects whose names count only in some contexts ("Hubei at 3.1 percent"): checked where they match."""
    return tuple(s for s in load_catalog().subjects if s.conditional)


@lru_cache(maxsize=1)
def _conditional_alias_texts() -> frozenset[str]:
    """The plain names of the conditional subjects' aliases: only a match reading one of these can be theirs."""
    return frozenset(alias for subject in _conditional_subjects() for alias in subject.raw_aliases)


def _mention_name(text: str, found: re.Match[str]) -> tuple[str, bool]:
    """Whom a subject alias found in `text` names; a conditional alias that holds here wins over a plain one."""
    if found.group() not in _conditional_alias_texts():
        return _subject_name(found.group())
    for subject in _conditional_subjects():
        here = subject.alias_pattern.match(text, found.start())
        if here is not None and here.end() == found.end():
            return found.group(), True
    return _subject_name(found.group())


def _catalog_subjects_in(text: str) -> list[SubjectMention]:
    pattern, _ = _subject_alternation()
    return [
        SubjectMention(m.start(), m.end(), name, False, is_body)
        for m in pattern.finditer(text)
        for name, is_body in (_mention_name(text, m),)
    ]


def _subject_mentions(sentence: str, context: DocumentContext) -> list[SubjectMention]:
    # (start, end, name) first: each mention is built once, when whether it is an object is known.
    pattern, _ = _subject_alternation()
    mentions = [(m.start(), m.end(), *_mention_name(sentence, m)) for m in pattern.finditer(sentence)]
    if context.acting_names:
        acting = _acting_mentions(sentence, context)
        if acting:
            # The longer of two overlapping names wins: "Tokyo Electron" is not Japan, "National People's
            # Congress" is not a "National People".
            acting = [a for a in acting if not any(m[0] < a[1] and a[0] < m[1] and m[1] - m[0] > a[1] - a[0] for m in mentions)]
            mentions = [m for m in mentions if not any(a[0] < m[1] and m[0] < a[1] for a in acting)] + acting
    if context.organisation_re is not None:
        introduced = [
            (m.start(), m.end(), name, name not in COUNTRY_NAMES)
            for m in context.organisation_re.finditer(sentence)
            for name in (context.organisations[m.group()],)
        ]
        if introduced:
            # An introduced organisation's name wins over words inside it.
            mentions = [
                m for m in mentions if not any(o[0] <= m[0] < o[1] for o in introduced)
            ] + introduced
    opening = PLACE_OPENING_RE.match(sentence)
    if opening and not any(m[0] == opening.start(1) for m in mentions):
        # "Sichuan, the largest province of the west, spent ...": a place opening its sentence owns it
        mentions.append((opening.start(1), opening.end(1), opening.group(1), True))
    if context.last_place and ("the " in sentence or "The " in sentence) and PLACE_ANAPHOR_REQUIRED(sentence):
        # "the province", "the city's": the place of that kind an earlier sentence named as an owner
        mentions += [
            (m.start(), m.end(), context.last_place[kind], True)
            for m in PLACE_ANAPHOR_RE.finditer(sentence)
            for kind in ("city" if m.group(1).lower() in ("city", "municipality") else "place",)
            if kind in context.last_place
        ]
    found = sorted(
        (
            SubjectMention(start, end, name, _is_object_at(sentence, start) and not _is_origin_of_subject(sentence, start, end), is_body)
            for start, end, name, is_body in mentions
            if not (sentence[end:end + 1] == "-" and PLACE_QUALIFIER_AFTER_RE.match(sentence, end))
            and not (sentence[start:start + 1].islower() and RANK_SCOPE_BEFORE_RE.search(sentence, max(0, start - 20), start))
        ),
        key=lambda m: m.start,
    )
    for i, mention in enumerate(found):
        if mention.is_object:
            continue
        if (
            mention.start > 0 and sentence[mention.start].islower()
            and ADVERB_ALIAS_RE.fullmatch(sentence, mention.start, mention.end)
            and _has_verb(sentence[max(sentence.rfind(",", 0, mention.start), sentence.rfind(";", 0, mention.start)) + 1:mention.start])
        ):
            mention.is_object = True  # "ranks third globally": where, not whose ("sales worldwide rose" are the world's)
        elif i > 0 and found[i - 1].is_body and POSSESSIVE_BETWEEN_RE.fullmatch(sentence, found[i - 1].end, mention.start):
            mention.is_object = True  # "Acme's Japan sales": the market, not the owner
    for mention in found:
        if not mention.is_object and mention.name in PLACE_NAMES:
            for kind, names in PLACES_BY_KIND.items():
                if mention.name in names:
                    context.last_place[kind] = mention.name
    return found


# "Inventors from Germany filed 12,340": a sentence's subject phrase that names where it is from.
ORIGIN_OPENING_RE = re.compile(
    r"\W*(?:[A-Z][\w-]*\s+){0,2}(?:[Aa]pplicants|[Cc]ompanies|[Ff]irms|[Rr]esearchers|[Ss]cientists|[Ss]tudents|"
    r"[Ii]nvestors|[Ee]xporters|[Mm]anufacturers|[Mm]akers|[Uu]niversities|[Ii]nstitutions|[Dd]evelopers|"
    r"[Cc]armakers|[Cc]hipmakers|[Ee]ngineers|[Ii]nventors)\s+from\s+(?:the\s+)?$"
)


def _is_origin_of_subject(sentence: str, start: int, end: int) -> bool:
    """Whether "from X" qualifies the noun opening the sentence and a verb follows X: X is then the owner."""
    if start > OWNER_REACH_CHARS or not ORIGIN_OPENING_RE.fullmatch(sentence, 0, start):
        return False
    following = WORD_RE.search(sentence, end)
    return following is not None and following.group().lower() in load_catalog().naming.verbs


def _is_object_at(sentence: str, start: int) -> bool:
    """Compared with ("to China", "than the US"), not the owner of a figure."""
    return OBJECT_PREPOSITION_RE.search(sentence, max(0, start - LOOKBACK_CHARS), start) is not None


def _figure_subject(
    text: str, figure: Figure, subjects: list[SubjectMention], previous_owner: Owner | None = None,
    document_owner: str | None = None, sentence_number: int = 0,
) -> str:
    """Whose figure it is: "3.5% in the US", else the nearest owner named before it, else the previous
    sentence's owner when this one opens with "It" or "The company" (or, within a paragraph, names no one
    after an organisation or place), else the genre's default."""
    for mention in subjects:
        if mention.start >= figure.end:
            gap = text[figure.end:mention.start]
            if not gap.strip() and text[mention.start:mention.start + 1].islower() and figure.unit != "rank":
                return mention.name  # "against <N> nationally", "<N> worldwide"
            # Every match ends in "in", "of", "at", "for" or "the" and a space: tested first (speed).
            if (
                gap[-1:].isspace() and gap.rstrip().endswith(AFTER_SUBJECT_ENDINGS)
                and AFTER_SUBJECT_CHARS_RE.fullmatch(gap) and AFTER_SUBJECT_RE.match(gap)
            ):
                acting = _organisation_acting_before(text, figure, subjects)
                if acting is not None and _is_place(mention.name):
                    return acting  # "<Company> shares climbed <x%> in Hong Kong": where, not whose
                return mention.name
        if (
            mention.end <= figure.start and text.find("(", mention.end, figure.start) >= 0
            and PARENTHESIS_AFTER_NAME_RE.fullmatch(text, mention.end, figure.start)
            and (not mention.is_object or COMPARED_FIGURE_RE.search(text, max(0, mention.start - 16), mention.start))
        ):
            return mention.name  # "<country> (<N>)", compared or not: "more than <country> (<N>)"
    if figure.unit != "rank" and NATIONAL_BEFORE_RE.search(text, max(0, figure.start - 40), figure.start):
        return DEFAULT_SUBJECT  # "a quarter of the national total of <N>", "<x%> of the country's <N>"
    just_before = next((m for m in reversed(subjects) if m.end <= figure.start), None)
    if just_before is not None and NAMED_WITH_FIGURE_RE.fullmatch(text, just_before.end, figure.start) and (
        not just_before.is_object or COMPARED_FIGURE_RE.search(text, max(0, just_before.start - 12), just_before.start)
        or text[just_before.end:figure.start].strip(" ,")
    ):
        # "against China's 1.9%", "second to Japan with 74", "Hubei at 3.1 percent"
        return just_before.name
    owners = [m for m in subjects if m.end <= figure.start and not m.is_object]
    if owners:
        last = owners[-1]
        if len(owners) > 1:
            earlier = owners[-2]
            if earlier.is_body and not last.is_body and APPOSITION_BEFORE_RE.fullmatch(text, earlier.end, last.start) and (
                POSSESSIVE_AFTER_RE.match(text, last.end) or POSSESSIVE_AFTER_RE.match(text, last.end - 2)
            ):
                return earlier.name  # "SMIC, China's largest chipmaker, reported ...": SMIC's figure
            if LOCATION_BEFORE_RE.search(text, max(0, last.start - 4), last.start) and not CLAUSE_BREAK_BETWEEN_RE.search(
                text, earlier.end, last.start
            ):
                return earlier.name  # "ASML ..., with customers in China accounting for 36%": where, not whose
            if earlier.is_body and text[last.start:last.end] != last.name and QUALIFIER_BEFORE_RE.search(
                text, max(0, last.start - 12), last.start
            ) and not CLAUSE_BREAK_BETWEEN_RE.search(text, earlier.end, last.start):
                # "<Organisation> accounts for most of the Chinese total, with N ...", "<Company>'s share of
                # the Chinese market": a country's adjective after a preposition qualifies a thing, it owns nothing
                return earlier.name
        return last.name
    if document_owner is not None and SPEAKER_OPENING_RE.match(text):
        return document_owner  # "We opened 3,200 charging stations": the body whose report it is
    if previous_owner is not None:
        if ANAPHOR_OPENING_RE.match(text) or (" there" in text and THERE_RE.search(text, 0, figure.start)):
            return previous_owner.name
        if continues_owner(text, subjects, previous_owner, sentence_number):
            return previous_owner.name  # "Huawei's revenue rose 22%. Net profit fell 28%.": still Huawei's
    if document_owner is not None and (document_owner in PLACE_NAMES or _states_company_measure(text)):
        return document_owner  # a regional bulletin's figures, a company report's results
    return DEFAULT_SUBJECT


# The country's own figure named as a denominator in a regional text (the genre's country: "national").
NATIONAL_BEFORE_RE = re.compile(
    r"\b(?:the\s+)?(?:national|nationwide|country[’']s|nation[’']s)\s+(?:total|figure|level)?\s*(?:of\s+)?(?:about\s+|around\s+|some\s+)?$",
    re.IGNORECASE,
)
QUALIFIER_BEFORE_RE = re.compile(r"\b(?:(?:of|in|for|to|on)\s+(?:the\s+)?|(?:its|their)\s+)$")


def _is_place(name: str) -> bool:
    return name in PLACE_NAMES or name in COUNTRY_NAMES


def _organisation_acting_before(text: str, figure: Figure, subjects: list[SubjectMention]) -> str | None:
    """The organisation that owns the clause a figure stands in ("<Company> shares climbed <x%> ..."), if any."""
    before = next((m for m in reversed(subjects) if m.end <= figure.start and not m.is_object), None)
    if before is None or not before.is_body or _is_place(before.name):
        return None
    return None if CLAUSE_BREAK_BETWEEN_RE.search(text, before.end, figure.start) else before.name
OWNER_REACH_CHARS = 40  # an owner this near the start is what the sentence is about


def opening_body(subjects: list[SubjectMention]) -> str | None:
    """The first province, city or company a sentence names as an owner ("Guangdong's", "China Mobile")."""
    return next((m.name for m in subjects if m.is_body and not m.is_object), None)


def sentence_owner(subjects: list[SubjectMention], sentence_number: int, text: str = "") -> Owner | None:
    """The owner a sentence opens with, before any verb: who "It" or "The company" in the next sentence is.

    "Robot maker Example Motion Systems Co. Limited (EMS) was ..." opens with EMS; "According to
    figures it published, China ranks ..." does not open with China.
    """
    first = next((m for m in subjects if not m.is_object), None)
    if first is None:
        return None
    if first.start > OWNER_REACH_CHARS and _has_verb(text[:first.start]):
        return None
    if not first.is_body:
        # "Chinese chip designer Example Silicon has raised ...": the body the adjective describes
        body = next((m for m in subjects if m.is_body and not m.is_object and m.start > first.start), None)
        if body is not None and not _has_verb(text[first.end:body.start]) and "," not in text[first.end:body.start]:
            first = body
    return Owner(first.name, first.is_body, sentence_number, first.name in PLACE_NAMES)


def _has_verb(fragment: str) -> bool:
    verbs = load_catalog().naming.verbs
    return any(word.lower() in verbs for word in WORD_RE.findall(fragment))


# What a company reports of itself: only such a figure continues a company named just before.
COMPANY_MEASURE_RE = re.compile(rf"\b(?:{'|'.join(GENRE.company_measures)})\b", re.IGNORECASE)
# A sentence opening with a name of its own ("IBM unveiled", "OpenAI's") is about that, whoever came before.
OWN_NAME_OPENING_RE = re.compile(r"\W*(?:[A-Z]{2,}|[A-Z][a-z]+[A-Z])\w*")


COMPANY_MEASURE_FOLDED_RE = compile_folded(COMPANY_MEASURE_RE.pattern)


def names_company_measure(text: str) -> bool:
    """Whether COMPANY_MEASURE_RE finds a company measure in `text`.

    Read in the lower-cased text (several times faster than IGNORECASE): the same matches, unless the text
    holds a dotless "ı" or a long "ſ", which IGNORECASE also reads as "i" and "s".
    """
    if "ı" in text or "ſ" in text:
        return COMPANY_MEASURE_RE.search(text) is not None
    return COMPANY_MEASURE_FOLDED_RE.search(fold_case(text)) is not None


@lru_cache(maxsize=16)  # each figure of a sentence asks it of the same sentence: read once per sentence (speed)
def _states_company_measure(text: str) -> bool:
    return names_company_measure(text)


def continues_owner(text: str, subjects: list[SubjectMention], owner: Owner, sentence_number: int) -> bool:
    """Whether a sentence naming no one goes on about the organisation or place the one just before it named."""
    return (
        owner.is_body and not subjects and owner.sentence == sentence_number - 1
        and not OWN_NAME_OPENING_RE.match(text)
        and (owner.is_place or _states_company_measure(text))
    )
