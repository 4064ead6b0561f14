"""Extraction fanned out: local worker processes and a real Dask cluster give the records of one process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.fanout import Engine, engine_for
from flows.ingest import ingest
from tracker.batches import split_documents
from tracker.models import Document
from tests.cli import query
from tests.conftest import SEEDS, TEXTS

CURRENT = ("select source_id, indicator, subject, mention, kind, value, unit, period, evidence, char_start "
           "from indicators_current order by all")


@pytest.fixture
def corpus(tmp_path) -> Path:
    """The seeds and our own test articles in one corpus folder."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder / "seeds")
    shutil.copytree(TEXTS, folder / "texts", ignore=shutil.ignore_patterns("*.json", "*.jsonl", "*.toml"))
    return folder


@pytest.fixture
def dask_cluster(tmp_path):
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1, as an operator starts them."""
    bin_dir = Path(sys.executable).parent
    scheduler_file = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "warning"}
    processes = [subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for _ in range(2):
            processes.append(subprocess.Popen(
                [str(bin_dir / "dask"), "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                 "--no-dashboard", "--preload", "flows.worker_setup"], env=env, cwd=Path(__file__).resolve().parent.parent,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_dask_cluster_and_local_workers_give_the_records_of_one_process(prefect_backend, tmp_path, corpus,
                                                                          dask_cluster, monkeypatch):
    monkeypatch.setenv("TRACKER_PARALLEL_MIN_BYTES", "0")  # the test corpus is small: fan out anyway
    one = ingest(seeds_dir=corpus, db_path=tmp_path / "one.duckdb", workers=1)
    on_dask = ingest(seeds_dir=corpus, db_path=tmp_path / "dask.duckdb", dask_address=dask_cluster)
    local = ingest(seeds_dir=corpus, db_path=tmp_path / "local.duckdb", workers=2)

    expected = query(tmp_path / "one.duckdb", CURRENT)
    assert len(expected) > 200
    assert query(tmp_path / "dask.duckdb", CURRENT) == expected
    assert query(tmp_path / "local.duckdb", CURRENT) == expected
    assert (on_dask.sources_new, len(on_dask.failures)) == (one.sources_new, len(one.failures))
    assert (local.sources_new, len(local.failures)) == (one.sources_new, len(one.failures))


def document(source_id: str, size: int) -> Document:
    return Document(source_id=source_id, content_hash=source_id, text="x" * size)


def test_batches_are_balanced_whole_documents_in_order():
    documents = [document(f"d{i}", size) for i, size in enumerate([90, 10, 50, 40, 30, 30, 20])]
    split = split_documents(documents, 3)
    assert sorted(d.source_id for batch in split for d in batch) == sorted(d.source_id for d in documents)
    assert [sum(len(d.text) for d in batch) for batch in split] == [90, 90, 90]
    assert all([d.source_id for d in batch] == sorted(d.source_id for d in batch) for batch in split)
    assert split_documents(documents[:2], 8) == [[documents[0]], [documents[1]]]
    assert split_documents([], 4) == []


def test_little_text_stays_in_the_run_process_and_a_named_cluster_is_always_used():
    assert engine_for(2, None, text_bytes=1000, min_bytes=10_000) == Engine(workers=1)
    assert engine_for(2, None, text_bytes=20_000, min_bytes=10_000) == Engine(workers=2)
    assert engine_for(None, "tcp://127.0.0.1:8786", text_bytes=10, min_bytes=10_000).parallel
    assert engine_for(0, None, text_bytes=20_000, min_bytes=0).workers == (os.cpu_count() or 1)


def test_a_runs_changes_are_not_walked_by_prefect_yet_read_like_a_list():
    from prefect.utilities.collections import visit_collection

    from tracker.models import Change, Changes, RunSummary

    changes = Changes(Change(1, f"s{n}.txt", "rd_intensity", "China", "added", None, 2.4, None, "2023")
                      for n in range(3))
    summary = RunSummary(run_id="r", snapshot_id=1, sources_new=3, sources_changed=0, sources_unchanged=0,
                         sources_failed=0, sources_missing=[], changes=changes, failures=[])
    visited = []
    visit_collection(summary, lambda item: visited.append(item), return_data=False)
    # Prefect looks at the summary and its fields, never at each change (seconds per 100,000 of them)
    assert changes in visited and not any(isinstance(item, Change) for item in visited)
    assert changes == list(changes) and changes[1].source_id == "s1.txt" and len(changes[:2]) == 2
    assert summary.count("added") == 3
    assert summary.to_dict()["changes"][2] == changes[2].to_dict() and summary.to_dict()["status"] == "succeeded"


def test_a_batch_is_not_walked_by_prefect_nor_hashed_by_dask_and_travels_whole():
    import pickle

    from dask.base import tokenize
    from prefect.utilities.collections import visit_collection

    from tracker.batches import work_batches
    from tracker.diff import CurrentMention

    documents = [document(f"d{i}.txt", 100 + i) for i in range(6)]
    current = [CurrentMention("d2.txt", "rd_intensity", "China", 1, 2.68, "%", "2023", "statistic")]
    batches = work_batches(documents, current, 2)
    assert sorted(d.source_id for b in batches for d in b.documents) == [d.source_id for d in documents]
    assert [m for b in batches for m in b.current] == current
    assert [m.source_id for b in batches for m in b.current] == [d.source_id for b in batches for d in b.documents
                                                                 if d.source_id == "d2.txt"]
    visited = []
    visit_collection({"batch": batches[0]}, lambda item: visited.append(item), return_data=False)
    # Prefect sees the batch, never a document in it (seconds per 10,000 documents, in the run and on the worker)
    assert batches[0] in visited and not any(isinstance(item, Document) for item in visited)
    assert tokenize(batches[0]) == tokenize(batches[0]) != tokenize(batches[1])
    travelled = pickle.loads(pickle.dumps(batches[0]))
    assert travelled.documents == batches[0].documents and tokenize(travelled) == tokenize(batches[0])


def test_workers_started_ahead_are_closed_when_the_run_does_not_need_them(tmp_path):
    from distributed import Client

    from flows.fanout import WorkerPool, run_batches
    from tracker.models import Source, SourceState
    from tracker.sources import new_file_bytes

    (tmp_path / "new.txt").write_text("x" * 300)
    (tmp_path / "known.txt").write_text("x" * 500)
    listed = [Source(name, str(tmp_path / name)) for name in ("new.txt", "known.txt", "gone.txt")]
    assert new_file_bytes(listed, {"known.txt": SourceState("known.txt", "h")}) == 300  # gone.txt: reading it reports it

    with WorkerPool() as pool:
        pool.start(2)
        address = pool.address(2)
        with Client(address, timeout=30) as client:
            assert len(client.scheduler_info()["workers"]) == 2
        # Too little text after all: the batches run here and the workers go
        assert run_batches(lambda n: n * 2, [{"n": 1}, {"n": 2}], Engine(workers=1), pool) == [2, 4]
    with pytest.raises(OSError):
        Client(address, timeout=2)
