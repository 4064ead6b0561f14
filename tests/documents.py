"""Build the same article as HTML (with page furniture) and as PDF, for format tests."""

from __future__ import annotations

import html
import io

NAVIGATION_HTML = """
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/tech">Technology</a></li>
<li><a href="/events">Events 2025</a></li><li><a href="/subscribe">Subscribe for 12 months</a></li></ul></nav></header>
<div id="cookie-banner" class="cookie-consent"><p>We use 3 kinds of cookies to improve your experience.
<button>Accept all</button></p></div>
<script>window.dataLayer = [{"pageViews": 1200000, "share": "45%"}];</script>
<style>.hero { width: 100%; }</style>
"""
FOOTER_HTML = """
<aside class="related"><h3>Related articles</h3><ul>
<li><a href="/a">Five charts on 2026 chip subsidies</a></li></ul></aside>
<footer><p>© 2025 Example Media. All rights reserved.</p></footer>
"""


def _table_html(rows: list[str]) -> str:
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows if not set(row) <= set("|-: ")]
    header, body = cells[0], cells[1:]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in header)
    rows_html = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table>"


def article_html(text: str) -> bytes:
    """The article's lines as an HTML page: first line a heading, pipe rows a table, the rest paragraphs."""
    lines = [line for line in text.splitlines() if line.strip()]
    parts, table = [f"<h1>{html.escape(lines[0])}</h1>"], []
    for line in lines[1:]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            parts.append(_table_html(table))
            table = []
        parts.append(f"<p>{html.escape(line)}</p>")
    if table:
        parts.append(_table_html(table))
    body = "\n".join(parts)
    page = (
        f"<!DOCTYPE html><html><head><title>{html.escape(lines[0])}</title></head><body>"
        f"{NAVIGATION_HTML}<main><article>{body}</article></main>{FOOTER_HTML}</body></html>"
    )
    return page.encode("utf-8")


def article_pdf(text: str) -> bytes:
    """The article typeset by reportlab: paragraphs wrap across lines as in any real PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    story = []
    for line in text.splitlines():
        if line.strip():
            style = styles["Code"] if line.startswith("|") else styles["BodyText"]
            story += [Paragraph(html.escape(line), style), Spacer(1, 6)]
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()
