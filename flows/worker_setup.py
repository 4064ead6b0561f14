"""Loaded by each extraction worker as it starts (a Dask preload, `dask worker --preload flows.worker_setup`).

What the first batch would otherwise pay on every worker, several seconds: Prefect, the extractor,
its catalog and the record schemas (pandas, pandera) imported before any batch arrives, while the
run is still reading its sources.
"""

import flows.ingest  # noqa: F401  (the extraction task, Prefect and the extractor with its catalog)
import schemas.indicator  # noqa: F401  (pandas and pandera, for validating each batch)
