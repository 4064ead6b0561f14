"""Extraction throughput on one core: a >= 20 MB corpus built from our test articles.

Prints what it measured: corpus size, wall time, MB/s and records per second.
Run: uv run python bench/extract_speed.py [--mb 20]
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from tracker.extract import EXTRACTOR_VERSION, extract_indicators

TEXTS = Path(__file__).resolve().parent.parent / "tests" / "texts"
DOCUMENT_PARAGRAPHS = 40  # a long report's worth of paragraphs per document


def build_corpus(target_mb: float, seed: int = 7, texts: Path = TEXTS) -> list[str]:
    """Documents of shuffled paragraphs from the articles in `texts`, until the corpus reaches `target_mb`."""
    paragraphs = [
        paragraph
        for path in sorted(texts.glob("*.txt"))
        for paragraph in path.read_text(encoding="utf-8").split("\n\n")
        if paragraph.strip()
    ]
    rng = random.Random(seed)
    documents, size = [], 0
    while size < target_mb * 1_000_000:
        document = "\n\n".join(rng.choice(paragraphs) for _ in range(DOCUMENT_PARAGRAPHS))
        documents.append(document)
        size += len(document.encode("utf-8"))
    return documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="corpus size in MB (default 20)")
    parser.add_argument("--texts", type=Path, default=TEXTS, help="folder of .txt articles (default tests/texts)")
    args = parser.parse_args()
    documents = build_corpus(args.mb, texts=args.texts)
    size_mb = sum(len(d.encode("utf-8")) for d in documents) / 1_000_000
    extract_indicators(documents[0], "warm-up")  # catalog load and regex compilation are not throughput
    started_s, started_cpu_s = time.perf_counter(), time.process_time()
    records = sum(len(extract_indicators(document, f"doc{i}")) for i, document in enumerate(documents))
    wall_s, cpu_s = time.perf_counter() - started_s, time.process_time() - started_cpu_s
    print(f"extractor {EXTRACTOR_VERSION}: {len(documents)} documents, {size_mb:.1f} MB, {records} records")
    # CPU time is the per-core figure; wall time also counts other processes on a busy machine.
    print(f"cpu {cpu_s:.2f} s: {size_mb / cpu_s:.2f} MB/s per core, {records / cpu_s:,.0f} records/s")
    print(f"wall {wall_s:.2f} s: {size_mb / wall_s:.2f} MB/s")


if __name__ == "__main__":
    main()
