"""Document layout: lines joined into paragraphs (hard wraps undone), page boilerplate and tail markers
dropped, relevance, sentence splitting, and whether a text has any article text at all.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from tracker.catalog import compile_folded, fold_case, load_catalog, requirement_test
from tracker.extract.context import LOOKBACK_CHARS, cached_property
from tracker.extract.cues import ESTIMATE_CUE_REQUIRED, ESTIMATE_CUE_RE, TARGET_CUE_REQUIRED, TARGET_CUE_RE, _cues
from tracker.extract.figures import (
    ORDINALS,
    SIGN_CHARS,
    _CURRENCY_AFTER,
    _LETTER_SIGNS,
    _MONTHS,
    _SCALE_WORDS,
    _SIGN_CLASS,
    _SPELLED,
    _literal_alternation,
)


MAX_SENTENCE_CHARS = 3000
# The break is group "gap", after the full stop the match opens with: a pattern that opens with a character
# class is scanned for it in C, where one opening with a lookbehind is tried at every position (speed).
# A footnote marker may stand after the stop: "[4]" or superscript digits ("<sentence>.⁴ The ...").
SENTENCE_BREAK_RE = re.compile(
    rf"[.!?](?P<gap>(?:[\"”’)\]]|\[\d{{1,3}}\]|[¹²³⁰⁴⁵⁶⁷⁸⁹]+)*\s+(?=[\"“‘(\[]?[A-Z0-9{_SIGN_CLASS}]))"
)
ABBREVIATION_RE = re.compile(
    r"(?:\b[A-Z]\.|\b(?:U\.S|U\.K|U\.N|E\.U|e\.g|i\.e|Mr|Ms|Mrs|Dr|Prof|No|Inc|Co|Ltd|Corp|St|vs|approx|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Gov|Sen|Rep|Fig)\.)$"
)
COUNTRY_ABBREVIATION_RE = re.compile(r"\b(?:U\.S|U\.K|U\.N|E\.U)\.$")
SENTENCE_OPENER_RE = re.compile(
    r"(?:The|This|That|These|Those|It|Its|In|But|And|However|Meanwhile|China|Chinese|Beijing|Washington|"
    r"A|An|As|At|By|For|On|Since|While|When|According|Yet|Still|Some|Many|Most|Such)\b"
)
# The genre's vocabulary (catalog [genre] relevance).
RELEVANCE_RE = compile_folded("|".join(load_catalog().genre.relevance) or r"(?!)")


TAIL_MARKER_RE = compile_folded(
    r"(?:related|latest|more\s+(?:from|on|in|stories|news|articles)|recommended|read\s+(?:more|next|also)|"
    r"also\s+read|see\s+also|you\s+(?:may|might)\s+also\s+like|further\s+reading|most\s+(?:read|popular)|"
    r"popular|trending|discover\s+more|"
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
# Phrases only page furniture uses, wherever they stand in a short line.
BOILERPLATE_RE = compile_folded(
    r"©|\b(?:\d+\s?-?\s?min(?:ute)?s?\s+read|cookies?|privacy\s+policy|all\s+rights\s+reserved|"
    r"this\s+(?:article|story|post|piece|commentary|op-ed)\s+(?:was|is|has\s+been|first))\b",
)
# A call to action: an imperative addressed to the reader. A line is one when it opens with it (and
# states no claim) or closes with it as a fragment of its own ("... save 15%. Register now", "| Sign up");
# the word inside a clause ("China will register 500 firms") is no call.
_CALL_TO_ACTION = (
    r"(?:subscribe|register|sign\s+(?:up|in)|log\s+in|enrol|enroll|join|download|follow\s+us|click|tap|"
    r"learn\s+more|read\s+more|find\s+out\s+more|discover\s+more|watch|listen|book|reserve|rsvp|donate|"
    r"apply|contact\s+us|get\s+in\s+touch|enter\s+your\s+email|save\s+your\s+(?:seat|spot|place))\b"
)
CALL_TO_ACTION_OPENING_RE = compile_folded(rf"[\W_]*{_CALL_TO_ACTION}")
CALL_TO_ACTION_CLOSING_RE = compile_folded(
    rf"(?:^|[.!?|•·—–:>]\s*|\s-\s*)[\W_]*{_CALL_TO_ACTION}"
    r"(?:\s+(?:now|here|today|online|free|for\s+free|below))?[\s.!?›»→>)]*$",
)
MAX_FURNITURE_WORDS = 30
# What every match of these holds ("cookie", "privacy", "subscribe" ...): a line holding none of it is not
# scanned, a few substring tests instead of a regex tried at each position (speed).
BOILERPLATE_REQUIRED = requirement_test(BOILERPLATE_RE.pattern, min_run=1)
CALL_TO_ACTION_CLOSING_REQUIRED = requirement_test(CALL_TO_ACTION_CLOSING_RE.pattern, min_run=2)
# A verb that states something: with a figure in a unit or a year, it makes a line a claim, not a call to action.
CLAIM_VERB_RE = compile_folded(
    r"\b(?:will|would|rose|grew|fell|reached|increased|decreased|declined|totall?ed|exceeded|accounted|"
    r"amounted|stood|surged|jumped|dropped|expects?|plans?\s+to|aims?\s+to|said|says|shows?|showed)\b",
)
DATE_TOKEN_RE = compile_folded(
    rf"{_MONTHS}\.?|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b|\b\d{{1,4}}(?:st|nd|rd|th)?\b|"
    r"\b(?:published|updated|posted|on|by|at|am|pm|GMT|UTC)\b|[\W_]+",
)
DIGIT_RUN_RE = re.compile(r"\d+")
NUMERIC_TOKEN_RE = re.compile(rf"[-+(]?[{_SIGN_CLASS}]?\d[\d.,]*%?\)?")
# A figure with a unit: a percentage, a scale ("3.6 trillion", "4.5 lakh"), a distance or money (catalog currencies).
UNIT_FIGURE_RE = compile_folded(
    rf"\d\s?(?:%|percent|per\s?cent|(?:{_SCALE_WORDS})s?\b|km\b|nm\b|{_CURRENCY_AFTER}\b)"
    rf"|(?:\b(?:{_literal_alternation(_LETTER_SIGNS)})|[{_SIGN_CLASS}])\s?\d"
)
HAS_YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
HAS_DATE_RE = re.compile(rf"{_MONTHS}|{HAS_YEAR_RE.pattern}")
VERB_HINT_RE = compile_folded(
    r"\b(?:is|are|was|were|be|been|has|have|had|will|would|can|could|may|might|shall|should|"
    r"\w{3,}(?:ed|es|ing))\b|\b\w{3,}s\b",
)
TABLE_SEPARATOR_RE = re.compile(r"^\|?\s*:?-{2,}")


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
    table_caption: str | None = None  # a table's title line ("Table 2 — R&D as % of GDP"): its unit and concept

    # Cues found once per sentence, not once per figure: (start, end, governs only what follows).
    @cached_property
    def target_cues(self) -> tuple[tuple[int, int, bool], ...]:
        return _cues(TARGET_CUE_RE, self.folded, TARGET_CUE_REQUIRED)

    @cached_property
    def estimate_cues(self) -> tuple[tuple[int, int, bool], ...]:
        return _cues(ESTIMATE_CUE_RE, self.folded, ESTIMATE_CUE_REQUIRED)


def _has_claim_shape(folded: str) -> bool:
    """A verb that states something, with a figure in a unit or a year: "R&D spending rose 8% in 2024"."""
    return CLAIM_VERB_RE.search(folded) is not None and (
        UNIT_FIGURE_RE.search(folded) is not None or HAS_YEAR_RE.search(folded) is not None
    )


def _is_call_to_action(folded: str) -> bool:
    """"Subscribe to our newsletter", "Register now for our webinar", "... | Sign up": addressed to the reader."""
    window = max(0, len(folded) - 60)
    if CALL_TO_ACTION_CLOSING_REQUIRED(folded[window:]) and CALL_TO_ACTION_CLOSING_RE.search(folded, window):
        return True  # a teaser or advert closes with what to do: the whole line is promotion
    return CALL_TO_ACTION_OPENING_RE.match(folded) is not None and not _has_claim_shape(folded)


def _is_promotion(folded: str) -> bool:
    """Page furniture or a call to action by its words: "Share this article", "Subscribe to ..."."""
    return bool(
        BOILERPLATE_OPENING_RE.match(folded) or (BOILERPLATE_REQUIRED(folded) and BOILERPLATE_RE.search(folded))
        or _is_call_to_action(folded)
    )


def _is_boilerplate_line(line: str, folded: str) -> bool:
    words = line.split()
    if len(words) <= MAX_FURNITURE_WORDS and _is_promotion(folded):
        return True
    if (
        len(words) >= 3 and _digit_count_bound(line) >= 0.6 * len(words)
        and len(DIGIT_RUN_RE.findall(line)) >= 0.6 * len(words)  # each numeric token holds a digit
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


def _is_data_point_of(folded_lead: str, line: str, folded: str) -> bool:
    """"- <country>: <figure>" under "<measure> in <year>:": a short bullet is a figure of the list its lead
    (in the genre's words) introduces, not a navigation label; promotion stays promotion."""
    return (
        ANY_DIGIT_RE.search(line) is not None and RELEVANCE_RE.search(folded_lead) is not None
        and not _is_promotion(folded)
    )


def _digit_count_bound(line: str) -> int:
    """At least the number of digit runs in `line`: its digits when it is ASCII (a few C-level counts, so prose
    with few digits skips the regex), else its length."""
    return sum(map(line.count, "0123456789")) if line.isascii() else len(line)


def _is_tail_marker(folded: str) -> bool:
    # At most 7 splits: enough to tell six words from more without splitting a whole paragraph.
    return len(folded.split(None, 7)) <= 6 and TAIL_MARKER_RE.fullmatch(folded.strip()) is not None


MAX_CAPTION_CHARS = 160


def _sentences(text: str):
    """Sentences and table rows of the article body, boilerplate dropped."""
    body_chars = 0
    previous_table_line: str | None = None
    table_header: str | None = None
    list_lead: str | None = None
    caption: str | None = None  # the short line before a table
    last_line: str | None = None
    paragraphs = list(_paragraphs(text))
    borderless = _borderless_table_rows(paragraphs)
    for index, paragraph in enumerate(paragraphs):
        stripped, folded_line = paragraph.text, paragraph.folded
        if body_chars >= 300 and _is_tail_marker(folded_line):
            return  # related articles, adverts and teasers follow the article
        if stripped.startswith("|") or index in borderless:
            if previous_table_line is None:
                caption = last_line if last_line is not None and len(last_line) <= MAX_CAPTION_CHARS else None
            if TABLE_SEPARATOR_RE.match(stripped):
                table_header = previous_table_line
                continue
            if previous_table_line is None and not FIGURE_IN_ROW_RE.search(stripped):
                # A table's first row of words only is its header, with or without a "|---|" line under it.
                table_header = previous_table_line = stripped
                continue
            previous_table_line = stripped
            if stripped != table_header:
                yield Sentence(0, stripped, folded_line, paragraph, table_header, True, table_caption=caption)
            continue
        previous_table_line = table_header = None
        last_line = stripped
        is_bullet = BULLET_RE.match(stripped) is not None
        if _is_boilerplate_line(stripped, folded_line) and not (
            is_bullet and list_lead is not None and _is_data_point_of(list_lead, stripped, folded_line)
        ):
            continue
        body_chars += len(stripped)
        lead = list_lead if is_bullet else None
        if not is_bullet:
            # "The plan sets these targets for 2027:" governs the bullets below it
            list_lead = folded_line if stripped.endswith(":") else None
        if not _could_hold_claim(folded_line):
            continue
        yield from _split_sentences(paragraph, lead)


BORDERLESS_CELL_BREAK = " | "
FIGURE_IN_ROW_RE = re.compile(r"(?<![\w-])\d")  # a number of its own: "G-7" in a header holds none


def _borderless_table_rows(paragraphs: list) -> set[int]:
    """Indexes of the lines of tables written without outer pipes ("Indicator | <country> | <bloc>"): runs of at
    least three lines with the same number of " | " breaks, a figure in one of them; a navigation bar
    ("Home | News | Tech") is a single line, and a run without digits is no table."""
    rows: set[int] = set()
    run: list[int] = []
    breaks = 0
    for index, paragraph in enumerate([*paragraphs, None]):
        text = paragraph.text if paragraph is not None else ""
        count = text.count(BORDERLESS_CELL_BREAK) if not text.startswith("|") else 0
        if run and count == breaks:
            run.append(index)
            continue
        if len(run) >= 3 and any(ANY_DIGIT_RE.search(paragraphs[i].text) for i in run):
            rows.update(run)
        run, breaks = ([index], count) if count else ([], 0)
    return rows


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
FIGURE_START_CHARS = "0123456789" + SIGN_CHARS
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
    position = 0
    # Split at "\n" only, blank lines too (they end paragraphs): the lines "^.*$" finds, without a match object each.
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            lines.append(None)
        else:
            lead = len(line) - len(line.lstrip())
            lines.append(_Line(position + lead, stripped, lead > 0))
        position += len(line) + 1
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
    if BORDERLESS_CELL_BREAK in next_text and (BORDERLESS_CELL_BREAK in text or not ENDS_MID_CLAUSE_RE.search(text)):
        return False  # a row of a table without outer pipes starts afresh
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
    rf"\b(?:{_SPELLED}|dozen|{_SCALE_WORDS}|{'|'.join(ORDINALS)}|thirds?|quarter)\b"
)


def _could_hold_claim(folded_line: str) -> bool:
    return ANY_DIGIT_RE.search(folded_line) is not None or HAS_CLAIM_WORD_RE.search(folded_line) is not None


def _split_sentences(paragraph: Paragraph, list_lead: str | None = None):
    line = paragraph.text
    start = 0
    for found in SENTENCE_BREAK_RE.finditer(line):
        boundary = found.start("gap")
        # Anchored patterns read only the last few characters: linear time on very long lines.
        tail_start = max(0, boundary - LOOKBACK_CHARS)
        if ABBREVIATION_RE.search(line, tail_start, boundary) and not (
            # "... than the U.S. The gap ...": a country's abbreviation can end a sentence
            COUNTRY_ABBREVIATION_RE.search(line, tail_start, boundary)
            and SENTENCE_OPENER_RE.match(line, found.end())
        ):
            continue
        yield from _bounded_sentences(paragraph, start, boundary, list_lead)
        start = found.end()
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


MIN_SENTENCE_WORDS = 5


def has_article_text(text: str) -> bool:
    """Whether anything but page boilerplate is left: at least one non-boilerplate paragraph of sentence length."""
    for paragraph in _paragraphs(text):
        if len(paragraph.text.split()) >= MIN_SENTENCE_WORDS and not _is_boilerplate_line(paragraph.text, paragraph.folded):
            return True
    return False
