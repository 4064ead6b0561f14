"""Raw document bytes to the plain text the tracker stores and extracts from.

Record offsets index the text returned here, so the same function must serve
both storage and extraction: text/plain is the file decoded as UTF-8 exactly,
HTML is the article body (trafilatura; navigation, scripts and banners
dropped, paragraphs and table rows one a line), PDF is pypdf's text with
wrapped lines joined back into paragraphs.
"""

from __future__ import annotations

import io
import re
from pathlib import PurePosixPath
from urllib.parse import urlparse


class UnreadableDocument(Exception):
    """A document that yields no text; `reason` is a stable code, `detail` says what was seen."""

    REASONS = ("not_utf8", "binary", "empty", "no_text", "unsupported_media_type")

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


MEDIA_TYPE_BY_SUFFIX = {
    ".txt": "text/plain", ".text": "text/plain", ".md": "text/plain",
    ".html": "text/html", ".htm": "text/html", ".xhtml": "text/html",
    ".pdf": "application/pdf",
}


def is_readable_type(name: str) -> bool:
    """Whether a corpus file is of a type the tracker reads: a known text, HTML or PDF suffix, or none."""
    suffix = PurePosixPath(name).suffix.lower()
    return suffix in MEDIA_TYPE_BY_SUFFIX or not suffix or not suffix[1:].isalpha()


# Content types that say nothing about the format: the name's suffix decides.
GENERIC_CONTENT_TYPES = ("application/octet-stream", "binary/octet-stream", "application/unknown", "")
HTML_SNIFF_RE = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
SENTENCE_END_CHARS = (".", "!", "?", ":", "”", '"', "’", ";")
# A proportional font fits more or fewer characters on a line; count a word as
# fitting only with this much room to spare.
WRAP_SLACK = 0.95
# Below this share of the typical width even an unpunctuated line is a heading:
# wrapped lines inside a paragraph run close to full width.
HEADING_RATIO = 0.7


def media_type_for(path_or_url: str, content_type: str | None = None) -> str:
    """The media type to read a document as: a server's Content-Type wins, else the name's suffix."""
    if content_type:
        essence = content_type.split(";")[0].strip().lower()
        if essence in ("text/html", "application/xhtml+xml"):
            return "text/html"
        if essence == "application/pdf":
            return "application/pdf"
        if essence.startswith("text/"):
            return "text/plain"
        if essence not in GENERIC_CONTENT_TYPES:
            return essence  # an image or archive stays what it is, and is refused as unreadable
    path = urlparse(path_or_url).path if "://" in path_or_url else path_or_url
    suffix = PurePosixPath(path.replace("\\", "/")).suffix.lower()
    if suffix in MEDIA_TYPE_BY_SUFFIX:
        return MEDIA_TYPE_BY_SUFFIX[suffix]
    return "text/html" if "://" in path_or_url else "text/plain"


def document_text(raw: bytes, media_type: str) -> str:
    """The plain text of a document; raises UnreadableDocument when there is none."""
    if not raw.strip():
        raise UnreadableDocument("empty", "the document has no content")
    if media_type == "text/plain":
        text = _plain_text(raw)
    elif media_type == "text/html":
        text = _html_text(raw)
    elif media_type == "application/pdf":
        text = _pdf_text(raw)
    else:
        raise UnreadableDocument("unsupported_media_type", f"cannot read {media_type}")
    if "\x00" in text:  # whatever the format: a NUL never belongs in evidence or the report
        raise UnreadableDocument("binary", "NUL characters in the document's text")
    return text


def _plain_text(raw: bytes) -> str:
    if b"\x00" in raw:  # anywhere: a NUL never belongs in evidence, the warehouse or the report
        raise UnreadableDocument("binary", "NUL bytes: this is not a text file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument("not_utf8", f"invalid UTF-8 at byte {exc.start}") from exc


def _html_text(raw: bytes) -> str:
    import trafilatura  # heavy import, only when HTML is read

    if b"\x00" in raw[:4096] and not HTML_SNIFF_RE.match(raw):
        raise UnreadableDocument("binary", "NUL bytes in an HTML document")
    html = raw.decode("utf-8", errors="replace")
    options = {"output_format": "txt", "include_tables": True, "include_comments": False}
    extracted = trafilatura.extract(html, **options) or trafilatura.extract(html, favor_recall=True, **options)
    if not extracted or not extracted.strip():
        raise UnreadableDocument("no_text", "no article text found in the HTML")
    return "\n".join(line.rstrip() for line in extracted.splitlines()).strip() + "\n"


def _pdf_text(raw: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many types on damaged or encrypted files
        raise UnreadableDocument("binary", f"not a readable PDF ({exc.__class__.__name__}: {exc})") from exc
    lines = [line.strip() for page in pages for line in page.splitlines()]
    text = join_wrapped_lines(lines)
    if not text.strip():
        raise UnreadableDocument("no_text", "the PDF has no extractable text (scanned images?)")
    return text


def join_wrapped_lines(lines: list[str]) -> str:
    """Rejoin lines a PDF wrapped into paragraphs, table rows kept one a line.

    A line ends its paragraph when the next line's first word would still have
    fitted on it (so the break was the author's, not the typesetter's) and it
    ends like a sentence, or when it is much shorter than a full line (a
    heading). Widths are measured against the document's own full line, so the
    rule holds for any page size or font.
    """
    widths = sorted(len(line) for line in lines if line)
    if not widths:
        return ""
    full_width = widths[int(len(widths) * 0.9)] if len(widths) > 4 else widths[-1]
    paragraphs: list[str] = []
    current = ""
    for index, line in enumerate(lines):
        if not line:
            current = _flush(paragraphs, current)
            continue
        if current.startswith("|") and not current.endswith("|"):
            current = f"{current} {line}"  # a table row the page width wrapped
            if current.endswith("|"):
                current = _flush(paragraphs, current)
            continue
        if line.startswith("|"):
            current = _flush(paragraphs, current)
            if line.endswith("|"):
                paragraphs.append(line)
            else:
                current = line
            continue
        if current.endswith("-") and line[:1].islower():
            current = current[:-1] + line  # a word hyphenated at the line end
        else:
            current = f"{current} {line}" if current else line
        following = next((n for n in lines[index + 1:] if n), "")
        next_word = following.split()[0] if following else ""
        fits = len(line) + 1 + len(next_word) < full_width * WRAP_SLACK
        if not following or following.startswith("|"):
            current = _flush(paragraphs, current)
        elif line.endswith(SENTENCE_END_CHARS) and (fits or _is_heading(following, full_width)):
            current = _flush(paragraphs, current)
        elif len(line) < full_width * HEADING_RATIO and not line.endswith((",", "-")):
            current = _flush(paragraphs, current)  # a heading or a label line
    _flush(paragraphs, current)
    return "\n".join(paragraphs) + "\n"


def _is_heading(line: str, full_width: int) -> bool:
    """A short capitalised line that does not end like a sentence."""
    return (
        len(line) < full_width * HEADING_RATIO and line[:1].isupper() and not line.endswith(SENTENCE_END_CHARS)
    )


def _flush(paragraphs: list[str], current: str) -> str:
    if current:
        paragraphs.append(current)
    return ""


CONTROL_CHARS = {code: f"\\x{code:02x}" for code in (*range(0x00, 0x20), *range(0x7f, 0xa0))}
CONTROL_CHARS.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def printable(text: str) -> str:
    """`text` safe on one line of a terminal: control characters (a newline in a file name) escaped."""
    return text.translate(CONTROL_CHARS) if not text.isprintable() else text
