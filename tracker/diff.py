"""Pair a source's new mentions with its current versions (CONTRACT section 2).

Identity is (source_id, indicator, subject); one source may state an identity more than
once, so each mention carries a number. A re-read mention takes the number of the old
mention it pairs with: same value and period first, then same period, then order of
appearance. What stays unpaired is added (a new number) or, on the old side, removed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tracker.models import IndicatorRecord


@dataclass(frozen=True)
class CurrentMention:
    """The part of a current version that pairing needs."""

    source_id: str
    indicator: str
    subject: str
    mention: int
    value: float | None
    unit: str | None
    period: str | None
    kind: str


@dataclass(frozen=True)
class NumberedRecord:
    record: IndicatorRecord
    mention: int


def number_mentions(records: list[IndicatorRecord], current: list[CurrentMention]) -> list[NumberedRecord]:
    """Give each new record the mention number of the current version it continues."""
    current_by_identity: dict[tuple, list[CurrentMention]] = defaultdict(list)
    for old in current:
        current_by_identity[(old.source_id, old.indicator, old.subject)].append(old)
    new_by_identity: dict[tuple, list[tuple[int, IndicatorRecord]]] = defaultdict(list)
    for position, record in enumerate(records):
        new_by_identity[(record.source_id, record.indicator, record.subject)].append((position, record))

    numbered: dict[int, int] = {}
    for identity, mentions in new_by_identity.items():
        olds = sorted(current_by_identity.get(identity, []), key=lambda old: old.mention)
        numbered.update(_pair_identity(mentions, olds))
    return [NumberedRecord(record, numbered[position]) for position, record in enumerate(records)]


def _pair_identity(mentions: list[tuple[int, IndicatorRecord]], olds: list[CurrentMention]) -> dict[int, int]:
    unpaired_old = list(olds)
    pairs: dict[int, int] = {}
    passes = (
        lambda new, old: (new.value, new.unit, new.period, new.kind) == (old.value, old.unit, old.period, old.kind),
        lambda new, old: (new.value, new.unit, new.period) == (old.value, old.unit, old.period),
        lambda new, old: new.period == old.period,
        lambda new, old: True,  # order of appearance
    )
    for same in passes:
        for position, record in mentions:
            if position in pairs:
                continue
            match = next((old for old in unpaired_old if same(record, old)), None)
            if match is not None:
                pairs[position] = match.mention
                unpaired_old.remove(match)
    next_number = max((old.mention for old in olds), default=0) + 1
    for position, _ in mentions:
        if position not in pairs:
            pairs[position] = next_number
            next_number += 1
    return pairs


def classify_documents(documents: list, known: dict) -> tuple[list, list, list]:
    """Split read documents into (new, changed, unchanged) by content hash against what is known."""
    new, changed, unchanged = [], [], []
    for document in documents:
        state = known.get(document.source_id)
        if state is None or state.content_hash is None:
            new.append(document)
        elif state.content_hash != document.content_hash or state.retired:
            changed.append(document)
        else:
            unchanged.append(document)
    return new, changed, unchanged


def with_new_validators(documents: list, known: dict) -> list:
    """Unchanged documents whose ETag or Last-Modified moved: kept so the next conditional GET sends them."""
    moved = []
    for document in documents:
        state = known.get(document.source_id)
        if state is not None and (document.etag, document.last_modified) != (state.etag, state.last_modified):
            moved.append(document)
    return moved
