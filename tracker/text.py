"""Raw bytes to the plain text that is stored and extracted (placeholder until the extraction branch lands)."""

from __future__ import annotations


class UnreadableDocument(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{detail} ({reason})")
        self.reason = reason
        self.detail = detail


def media_type_for(path_or_url: str, content_type: str | None = None) -> str:
    if content_type:
        return content_type.split(";")[0].strip().lower()
    lowered = path_or_url.lower()
    if lowered.endswith((".html", ".htm")):
        return "text/html"
    if lowered.endswith(".pdf"):
        return "application/pdf"
    return "text/plain"


def document_text(raw: bytes, media_type: str) -> str:
    if not raw.strip():
        raise UnreadableDocument("empty", "the file is empty")
    if b"\x00" in raw[:8192]:
        raise UnreadableDocument("binary", "binary content, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument("not_utf8", f"not UTF-8 text (byte {exc.start})") from None
