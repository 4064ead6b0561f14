"""Whitespace, line wrapping and page boilerplate never make a change (CONTRACT.md section 2).

Every article is re-wrapped the way editors and mail clients hard-wrap text,
and must state exactly the records its unwrapped original states.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from tests.conftest import TEXTS
from tracker.extract import extract_indicators

WIDTHS = (50, 72, 100)
BULLET_RE = re.compile(r"\s*(?:[-•*–▪]|\d{1,2}[.)])\s+")

SYNTHETIC = {
    "heading_then_prose": (
        "Quantum links\n"
        "By Mei Lin, Science Desk\n"
        "4 min read\n"
        "China's national quantum network spans more than 12,000 km, linking 80 cities, and the academy aims "
        "to extend it to 20,000 km by 2030, officials said on Monday.\n"
        "Budget outlook\n"
        "Central government spending on science and technology reached ¥398.12 billion ($55 billion) in 2024, "
        "up 10% from a year earlier, while local governments spent roughly two-thirds of the total.\n"
        "Analysts at the institute expect the share of basic research to rise to 8% of R&D spending by 2027, "
        "though “the gap with the United States, which spends about 15%, will persist”, one said.\n"
    ),
    "list_and_table": (
        "The development plan sets the following targets for 2027, to be reviewed by the State Council at "
        "the end of the period:\n"
        "- R&D spending to grow by more than 7% a year on average across the whole plan period;\n"
        "- computing power to exceed 300 EFLOPS, with intelligent computing making up 35% of the total;\n"
        "- 5G users to account for 85% of mobile subscribers.\n"
        "| Indicator | 2020 | 2023 |\n"
        "|---|---|---|\n"
        "| Researchers (millions) | 2.28 | 2.72 |\n"
        "In 2024 the semiconductor industry employed 2 million people, and the ministry said it had approved "
        "14 new fabs since 2021. The first domestic lithography scanner was delivered in 2023.\n"
    ),
    "ranks_and_durations": (
        "China ranked second in the world for quantum patents in 2023, behind the United States, and its "
        "leading foundry is about three years behind the frontier at 7nm, according to the think tank's "
        "latest assessment of the industry.\n"
        "The space agency launched 67 rockets in 2024 and plans to complete a lunar research station by 2035; "
        "a crewed landing is scheduled for 2030.\n"
    ),
}


def identities(text: str) -> list[tuple]:
    records = extract_indicators(text, "doc")
    assert all(text[r.char_start:r.char_end] == r.value_text for r in records)
    return [(r.indicator, r.subject, r.kind, r.value, r.unit, r.period) for r in records]


def rewrap(text: str, width: int) -> str:
    """Hard-wrap every prose line at `width`; table rows stay whole, bullets wrap with a hanging indent."""
    wrapped = []
    for line in text.split("\n"):
        if not line.strip() or line.lstrip().startswith("|"):
            wrapped.append(line)
            continue
        indent = "  " if BULLET_RE.match(line) else ""
        wrapped.append(textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False))
    return "\n".join(wrapped)


def without_blank_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if line.strip())


ARTICLES = {path.stem: path.read_text(encoding="utf-8") for path in sorted(TEXTS.glob("*.txt"))} | SYNTHETIC


@pytest.mark.parametrize("name", sorted(ARTICLES))
@pytest.mark.parametrize("width", WIDTHS)
def test_rewrapped_paragraphs_state_the_same_records(name, width):
    for original in (ARTICLES[name], without_blank_lines(ARTICLES[name])):
        expected = identities(original)
        assert expected or name == "pipeline_quantum_note"
        assert identities(rewrap(original, width)) == expected


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_whitespace_only_edits_state_the_same_records(name):
    original = ARTICLES[name]
    expected = identities(original)
    doubled = re.sub(r"(?<=\w) (?=\w)", "  ", original)
    trailing = "\n".join(line + "  \t" for line in original.split("\n"))
    crlf = original.replace("\n", "\r\n")
    for edited in (doubled, trailing, crlf, rewrap(crlf, 72)):
        assert identities(edited) == expected


def test_a_wrapped_value_keeps_its_exact_characters():
    text = "Research and development spending reached ¥3.6\ntrillion in 2024, up 8.3%.\n"
    (record, *_) = extract_indicators(text, "doc")
    assert (record.value, record.value_text) == (3.6e12, "¥3.6\ntrillion")
    assert text[record.char_start:record.char_end] == record.value_text


@pytest.mark.parametrize("heading", [
    "Chip imports", "Scaling up", "Sign in", "Follow us on", "Budget outlook: what the numbers say about priorities",
])
def test_a_heading_above_a_sentence_stays_apart(heading):
    sentence = "14 new fabs were approved in 2024, the ministry said."
    assert [r.evidence for r in extract_indicators(f"{heading}\n{sentence}\n", "doc")][0] == sentence


@pytest.mark.parametrize("broken", [
    "Research and development spending\nreached 2.7% of GDP in 2025.",
    "Research and development spending reached\n2.7% of GDP in 2025.",
    "Research and development spending reached 2.7% of\nGDP in 2025.",
])
def test_a_sentence_broken_once_reads_as_one(broken):
    (record,) = extract_indicators(broken, "doc")
    assert (record.indicator, record.value, record.period) == ("rd_intensity", 2.7, "2025")


@pytest.mark.parametrize("boilerplate", [
    ("Last updated: 12 March 2026", "Last updated: 3 April 2026"),
    ("Last updated: 12 March 2026", "Last updated: 3 April 2026\nShare on X   Share on LinkedIn\n3 min read"),
    ("Share this article", "Share this article\nShare on Facebook\n5 min read"),
])
def test_boilerplate_edits_state_the_same_records(boilerplate):
    original = ARTICLES["pipeline_budget_brief"]
    old, new = boilerplate
    assert old in original
    assert identities(original.replace(old, new)) == identities(original)
