"""Indicator extraction: plain text in, indicator records out (CONTRACT.md section 1)."""

from tracker.extract.claims import EXTRACTOR_VERSION, extract_indicators, has_article_text

__all__ = ["EXTRACTOR_VERSION", "extract_indicators", "has_article_text"]
