"""Raw bytes to stored text: plain text kept exact, HTML and PDF reduced to the article, failures typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.documents import article_html, article_pdf
from tracker.extract import extract_indicators
from tracker.text import UnreadableDocument, document_text, join_wrapped_lines, media_type_for

TEXTS = Path(__file__).parent / "texts"
ARTICLES = sorted(p.name for p in TEXTS.glob("*.txt"))


def claims(text: str) -> list[tuple]:
    """What the records say, without offsets (those index each format's own text)."""
    return [
        (r.indicator, r.subject, r.kind, r.value, r.unit, r.period)
        for r in extract_indicators(text, "article")
    ]


def test_plain_text_is_the_file_decoded_as_utf8_exactly():
    raw = "R&D rose to ¥3.6 trillion\r\nin 2024.  \n".encode("utf-8")
    assert document_text(raw, "text/plain") == raw.decode("utf-8")


def test_invalid_utf8_is_unreadable_with_reason_not_utf8():
    with pytest.raises(UnreadableDocument) as failure:
        document_text("budget ¥398".encode("utf-16-le") + b"\xff\xfe\xfa", "text/plain")
    assert failure.value.reason in ("not_utf8", "binary")
    with pytest.raises(UnreadableDocument) as failure:
        document_text(b"spending rose \xe9 12%", "text/plain")
    assert failure.value.reason == "not_utf8"
    assert "byte 14" in failure.value.detail


def test_empty_and_binary_documents_are_unreadable_with_their_reasons():
    with pytest.raises(UnreadableDocument) as empty:
        document_text(b"  \n ", "text/plain")
    assert empty.value.reason == "empty"
    with pytest.raises(UnreadableDocument) as binary:
        document_text(b"\x00\x01\x02PK\x03\x04 data", "text/plain")
    assert binary.value.reason == "binary"
    with pytest.raises(UnreadableDocument) as broken_pdf:
        document_text(b"%PDF-1.4 this is not really a pdf", "application/pdf")
    assert broken_pdf.value.reason in ("binary", "no_text")


def test_html_keeps_the_article_and_drops_navigation_scripts_and_banners():
    text = document_text(article_html((TEXTS / "rd_budget_news.txt").read_text(encoding="utf-8")), "text/html")
    assert "China's total spending on research and development climbed to 3.61 trillion yuan" in text
    for furniture in ("Home", "cookies", "dataLayer", "Accept all", "All rights reserved", "width: 100%"):
        assert furniture not in text


def test_html_tables_become_pipe_rows():
    text = document_text(article_html((TEXTS / "space_quantum_brief.txt").read_text(encoding="utf-8")), "text/html")
    assert "| 2021 | Integrated space-ground network | Beijing to Urumqi (4,600 km) |" in text.splitlines()


@pytest.mark.parametrize("name", ARTICLES)
def test_same_article_as_txt_html_and_pdf_gives_the_same_records(name):
    plain = (TEXTS / name).read_text(encoding="utf-8")
    from_html = document_text(article_html(plain), "text/html")
    from_pdf = document_text(article_pdf(plain), "application/pdf")
    expected = claims(plain)
    assert expected
    assert claims(from_html) == expected
    assert claims(from_pdf) == expected
    for text in (from_html, from_pdf):
        for record in extract_indicators(text, name):
            assert text[record.char_start:record.char_end] == record.value_text


def test_pdf_lines_wrapped_by_the_typesetter_are_joined_into_whole_sentences():
    plain = (TEXTS / "rd_budget_news.txt").read_text(encoding="utf-8")
    text = document_text(article_pdf(plain), "application/pdf")
    assert (
        "Basic research accounted for nearly 7 percent of all R&D spending, a share that officials want to "
        "lift to more than 8% by 2030." in text
    )


def test_wrapped_lines_join_but_finished_short_lines_end_paragraphs():
    lines = [
        "The national laboratory network grew to forty sites across the",
        "country in 2023, and its budget rose by a fifth over the year.",
        "Short heading",
        "Exports of chip tools fell sharply in the second half of the",
        "year, officials said.",
    ]
    assert join_wrapped_lines(lines).splitlines() == [
        "The national laboratory network grew to forty sites across the country in 2023, "
        "and its budget rose by a fifth over the year.",
        "Short heading",
        "Exports of chip tools fell sharply in the second half of the year, officials said.",
    ]


def test_hyphenated_words_split_at_a_line_end_are_rejoined():
    lines = ["The semiconductor self-sufficiency rate reached twenty per-", "cent, analysts estimated."]
    assert join_wrapped_lines(lines) == "The semiconductor self-sufficiency rate reached twenty percent, analysts estimated.\n"


@pytest.mark.parametrize(
    ("location", "content_type", "expected"),
    [
        ("seeds/001_b1.txt", None, "text/plain"),
        ("reports/brief.PDF", None, "application/pdf"),
        ("https://example.org/news/chips.html", None, "text/html"),
        ("https://example.org/news/chips", None, "text/html"),
        ("https://example.org/report", "application/pdf", "application/pdf"),
        ("https://example.org/data.txt", "text/html; charset=utf-8", "text/html"),
        ("notes/readme", None, "text/plain"),
    ],
)
def test_media_type_comes_from_content_type_then_suffix(location, content_type, expected):
    assert media_type_for(location, content_type) == expected


def test_table_rows_wrapped_by_the_page_width_are_rejoined():
    lines = [
        "| Year | Milestone | Reach |",
        "|---|---|---|",
        "| 2021 | Integrated space-ground network with ground stations in | Beijing to",
        "Urumqi (4,600 km) |",
        "The network was extended later.",
    ]
    assert join_wrapped_lines(lines).splitlines() == [
        "| Year | Milestone | Reach |",
        "|---|---|---|",
        "| 2021 | Integrated space-ground network with ground stations in | Beijing to Urumqi (4,600 km) |",
        "The network was extended later.",
    ]
