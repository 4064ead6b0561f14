"""Placeholder extractor until the extraction branch lands: percents with a year."""

from __future__ import annotations

import re

from tracker.models import IndicatorRecord

EXTRACTOR_VERSION = "0.0.1"
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")
_YEAR = re.compile(r"\b(19|20)\d\d\b")
_SENTENCE = re.compile(r"[^.\n]+[.\n]?")


def extract_indicators(text: str, source_id: str) -> list[IndicatorRecord]:
    records = []
    for sentence in _SENTENCE.finditer(text):
        for match in _PERCENT.finditer(sentence.group()):
            year = _YEAR.search(sentence.group())
            start = sentence.start() + match.start()
            records.append(IndicatorRecord(
                source_id=source_id, indicator="rd_intensity", label="R&D spending as share of GDP",
                subject="China", kind="measurement", value=float(match.group(1)), unit="percent",
                period=year.group() if year else None, topic="rd_funding", value_text=match.group(),
                evidence=sentence.group().strip(), char_start=start, char_end=start + len(match.group()),
            ))
    return records
