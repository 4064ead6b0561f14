"""Print the extractor's records for text files as JSON lines (source_id = base name), for eval/score.py."""

import json
import sys
from pathlib import Path

from tracker.extract import extract_indicators


def main(paths: list[str]) -> None:
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        for record in extract_indicators(text, Path(path).name):
            print(json.dumps(record.to_dict(), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(str(p) for p in Path("seeds").glob("*.txt")))
