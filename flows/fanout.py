"""Where extraction batches run: in this process, on local worker processes, or on a Dask cluster.

Both kinds of workers are Dask's, driven through prefect-dask's DaskTaskRunner, so a batch is a
Prefect task run wherever it runs. Local workers are a distributed.LocalCluster of processes, one
thread each (extraction is pure Python: threads would share one core); started only for a run
with enough text to pay for their start (parallel_min_bytes), and ahead of need when the run can
tell early (WorkerPool). `--dask ADDRESS` uses a cluster someone started (`dask scheduler`,
`dask worker ADDRESS --preload flows.worker_setup`). Workers never open the warehouse: they get
documents and current mentions, and give back Arrow tables.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

# Imported by each local worker as it starts (a Dask preload): see flows/worker_setup.py
WORKER_SETUP = "flows.worker_setup"


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


class WorkerPool:
    """The run's local worker processes, started when the run knows it needs them, or ahead of
    that: a first read of a large corpus starts them before reading, so that their start (Python,
    Prefect and the extractor imported on each, several seconds) overlaps the reading. Closed in
    the background once extraction is done, and waited for when the pool's block ends."""

    def __init__(self):
        self._workers = 0
        self._starting: Future | None = None
        self._closing: list[threading.Thread] = []

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
        for closing in self._closing:
            closing.join()

    def start(self, workers: int) -> None:
        """Start `workers` local processes in the background, unless they are already starting."""
        if self._starting is None and workers > 1:
            self._workers = workers
            starter = ThreadPoolExecutor(1, thread_name_prefix="tracker-workers")
            self._starting = starter.submit(_local_cluster, workers)
            starter.shutdown(wait=False)  # its one thread ends with the start

    def address(self, workers: int) -> str:
        """The scheduler of `workers` local processes, started now if they were not started ahead."""
        if self._starting is not None and self._workers != workers:
            self.release()
        self.start(workers)
        return self._starting.result().scheduler_address

    def release(self) -> None:
        """Close the processes in the background (their shutdown costs the run nothing it waits for)."""
        starting, self._starting = self._starting, None
        if starting is not None:
            closing = threading.Thread(target=_close_quietly, args=(starting,), name="tracker-workers-close")
            closing.start()
            self._closing.append(closing)


def run_batches(task, batches: list, engine: Engine, pool: WorkerPool | None = None) -> list:
    """`task` once per batch (a dict of its parameters), on the engine, local workers from `pool`
    (or started for these batches alone); results in the batches' order."""
    if pool is None:
        with WorkerPool() as own:
            return run_batches(task, batches, engine, own)
    try:
        if not engine.parallel or (len(batches) <= 1 and engine.dask_address is None):
            return [task(**params) for params in batches]
        with _task_runner(engine.dask_address or pool.address(engine.workers)) as runner:
            futures = [runner.submit(task, params) for params in batches]
            return [future.result() for future in futures]
    finally:
        pool.release()  # workers started ahead that this run did not need stop too


def _local_cluster(workers: int):
    import dask
    from distributed import LocalCluster

    # Dask's sampling profiler off: it wakes every 10 ms in every worker to read the stacks
    with dask_quiet(), dask.config.set({"distributed.worker.profile.enabled": False}):
        # One thread each: extraction is pure Python, threads would share one core
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                            preload=[WORKER_SETUP])


def _close_quietly(starting: Future) -> None:
    try:
        cluster = starting.result()
    except Exception:  # a cluster that never started has nothing to close; the run reported its error
        return
    with dask_quiet():
        cluster.close()


@contextmanager
def dask_quiet():
    import dask

    logging.getLogger("distributed").setLevel(logging.WARNING)
    with dask.config.set({"logging.distributed": "warning", "distributed.logging.distributed": "warning"}):
        yield


@contextmanager
def _task_runner(address: str):
    from prefect_dask import DaskTaskRunner

    with dask_quiet(), _api_for_workers(), DaskTaskRunner(address=address) as runner:
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
