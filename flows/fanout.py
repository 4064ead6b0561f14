"""Where extraction batches run: in this process, on local worker processes, or on a Dask cluster.

Both kinds of workers are Dask's, driven through prefect-dask's DaskTaskRunner, so a batch is a
Prefect task run wherever it runs. Local workers are a distributed.LocalCluster of processes, one
thread each (extraction is pure Python: threads would share one core); started only for a run
with enough text to pay for their start (parallel_min_bytes). `--dask ADDRESS` uses a cluster
someone started (`dask scheduler`, `dask worker ADDRESS`). Workers never open the warehouse:
they get documents and current mentions, and give back Arrow tables.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass

from prefect.utilities.annotations import quote


@dataclass(frozen=True)
class Engine:
    """How one run spreads its batches: `workers` local processes, or the cluster at `dask_address`."""

    workers: int
    dask_address: str | None = None

    @property
    def parallel(self) -> bool:
        return self.dask_address is not None or self.workers > 1

    def describe(self) -> str:
        if self.dask_address:
            return f"the Dask cluster at {self.dask_address}"
        return f"{self.workers} worker processes" if self.workers > 1 else "this process"


def engine_for(workers: int | None, dask_address: str | None, text_bytes: int, min_bytes: int) -> Engine:
    """The engine for `text_bytes` of text to extract: a Dask cluster when one is named; else
    `workers` local processes (None or 0: one per core), unless the text is under `min_bytes`,
    when starting workers would cost more than they save."""
    if dask_address:
        return Engine(workers=0, dask_address=dask_address)
    count = workers or os.cpu_count() or 1
    if count > 1 and text_bytes < min_bytes:
        count = 1
    return Engine(workers=count)


def run_batches(task, batches: list[dict], engine: Engine) -> list:
    """`task` once per batch of parameters, on the engine; results in the batches' order."""
    if not engine.parallel or (len(batches) <= 1 and engine.dask_address is None):
        return [task(**{name: quote(value) for name, value in params.items()}) for params in batches]
    with _task_runner(engine) as runner:
        # Unquoted: quote() is unwrapped by a task called in the flow, not by one run on a Dask worker
        futures = [runner.submit(task, params) for params in batches]
        return [future.result() for future in futures]


@contextmanager
def _task_runner(engine: Engine):
    import dask
    from prefect_dask import DaskTaskRunner

    quiet = {"logging.distributed": "warning", "distributed.logging.distributed": "warning"}
    logging.getLogger("distributed").setLevel(logging.WARNING)
    with dask.config.set(quiet), _api_for_workers():
        if engine.dask_address:
            runner = DaskTaskRunner(address=engine.dask_address)
        else:
            runner = DaskTaskRunner(cluster_kwargs={"n_workers": engine.workers, "threads_per_worker": 1,
                                                    "processes": True, "dashboard_address": None})
        with runner:
            yield runner


@contextmanager
def _api_for_workers():
    """Workers report their task runs to the Prefect API the flow uses. Without a configured one the
    flow runs an ephemeral server that only it knows of: its address goes to the workers (in the
    settings each task carries), or each would try to start a server of its own."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    if get_current_settings().api.url:
        yield
        return
    with get_client(sync_client=True) as client:
        url = str(client.api_url).rstrip("/")
    with temporary_settings(updates={PREFECT_API_URL: url}):
        yield
