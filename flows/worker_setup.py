"""Loaded by each extraction worker as it starts (a Dask preload, `dask worker --preload flows.worker_setup`).

What the first batch would otherwise pay on every worker, a few seconds: Prefect, the extractor,
its catalog and the record schemas (pandas, pandera) imported, and one sentence extracted and
validated (pandera builds its checks on first use), before any batch arrives, while the run is
still reading its sources.
"""

import flows.ingest  # noqa: F401  (the extraction task, Prefect and the extractor with its catalog)
from schemas.indicator import validate_records
from tracker import catalog
from tracker.extract import extract_indicators

WARM_UP_TEXT = "In 2024 the country spent 2.5 percent of GDP on research and development."


def _warm_up() -> None:
    records = extract_indicators(WARM_UP_TEXT, "warm-up")
    validate_records(records, {"warm-up": WARM_UP_TEXT}, catalog.validation_range, catalog.known_units())


_warm_up()
