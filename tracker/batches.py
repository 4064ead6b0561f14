"""Work split into batches for worker processes, and records as Arrow between workers and the commit.

A batch is a list of whole documents (a source's mentions are numbered within its document, so a
document never spans two batches). What comes back is an Arrow table of numbered records in
RECORD_SCHEMA: the flow concatenates the batches' tables and the warehouse scans them as they are,
without one Python object per record on the way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

import pyarrow as pa

from tracker.diff import CurrentMention
from tracker.models import Document, Failure

# A numbered record as the warehouse stages it (warehouse/store.py reads these columns)
RECORD_SCHEMA = pa.schema([
    ("source_id", pa.string()), ("indicator", pa.string()), ("subject", pa.string()),
    ("mention", pa.int64()), ("label", pa.string()), ("kind", pa.string()), ("value", pa.float64()),
    ("unit", pa.string()), ("period", pa.string()), ("topic", pa.string()),
    ("value_text", pa.string()), ("evidence", pa.string()), ("char_start", pa.int64()),
    ("char_end", pa.int64()), ("value_precision", pa.float64()), ("content_hash", pa.string()),
])
RECORD_FIELDS = tuple(name for name in RECORD_SCHEMA.names if name not in ("mention", "content_hash"))
BATCHES_PER_WORKER = 4  # small enough that a slow batch does not leave the other workers idle


class WorkBatch:
    """One batch of work for an extraction task: whole documents and the current mentions of their
    sources. A plain object on purpose: Prefect walks every list and dataclass a task is given
    looking for futures, and Dask hashes every argument to name the task; both would read each
    document of the batch, in the run's process and again on the worker."""

    __slots__ = ("documents", "current", "_token")

    def __init__(self, documents: list[Document], current: list[CurrentMention]):
        self.documents = documents
        self.current = current
        self._token = uuid.uuid4().hex  # a batch is submitted once: its identity is its name

    def __dask_tokenize__(self) -> str:
        return self._token

    def __getstate__(self):
        return self.documents, self.current, self._token

    def __setstate__(self, state) -> None:
        self.documents, self.current, self._token = state


@dataclass(frozen=True)
class ExtractedBatch:
    """One batch's outcome: its valid records, numbered, as Arrow; the records validation rejected;
    the documents over their extraction budget (they keep their earlier records)."""

    records: pa.Table
    rejected: list[Failure] = field(default_factory=list)
    over_budget: list[Failure] = field(default_factory=list)


def split_documents(documents: list[Document], parts: int) -> list[list[Document]]:
    """Documents in at most `parts` batches of about equal text size (largest first into the
    lightest batch), each batch in the documents' own order; no empty batch."""
    if parts <= 1 or len(documents) <= 1:
        return [list(documents)] if documents else []
    loads = [0] * min(parts, len(documents))
    chosen: list[list[int]] = [[] for _ in loads]
    for position in sorted(range(len(documents)), key=lambda i: -len(documents[i].text or "")):
        lightest = min(range(len(loads)), key=loads.__getitem__)
        chosen[lightest].append(position)
        loads[lightest] += len(documents[position].text or "") + 1
    return [[documents[i] for i in sorted(batch)] for batch in chosen if batch]


def work_batches(documents: list[Document], current: list[CurrentMention], parts: int) -> list[WorkBatch]:
    """The documents in at most `parts` balanced batches, each with its sources' current mentions; a
    document goes as a worker needs it: its text, not its raw bytes (half the transfer)."""
    by_source: dict[str, list[CurrentMention]] = {}
    for mention in current:
        by_source.setdefault(mention.source_id, []).append(mention)
    return [WorkBatch(batch, [m for doc in batch for m in by_source.get(doc.source_id, ())])
            for batch in split_documents([replace(doc, raw=b"") for doc in documents], parts)]


def numbered_table(numbered, content_hashes: dict[str, str]) -> pa.Table:
    """diff.NumberedRecord values as a RECORD_SCHEMA table; content_hash from the record's document."""
    columns: dict[str, list] = {name: [] for name in RECORD_FIELDS}
    mentions, hashes = [], []
    for item in numbered:
        record = item.record.__dict__
        for name in RECORD_FIELDS:
            columns[name].append(record[name])
        mentions.append(item.mention)
        hashes.append(content_hashes[item.record.source_id])
    arrays = {name: pa.array(values, RECORD_SCHEMA.field(name).type) for name, values in columns.items()}
    arrays["mention"] = pa.array(mentions, pa.int64())
    arrays["content_hash"] = pa.array(hashes, pa.string())
    return pa.table({name: arrays[name] for name in RECORD_SCHEMA.names}, schema=RECORD_SCHEMA)


def concat_records(tables: list[pa.Table]) -> pa.Table:
    """The batches' records as one table (an empty one when there are none)."""
    tables = [table for table in tables if table.num_rows]
    return pa.concat_tables(tables) if tables else RECORD_SCHEMA.empty_table()
