"""Fault injection: hostile names, bytes, readers, disks and kills. Each case costs only itself: a
failure row for that source, the others' records stored, the alert delivered, the exit status of
CONTRACT §3, and never a traceback on the user's terminal.

Runs go through the CLI in a process of its own where the process matters (exit status, stderr,
kills, file-size limits), in-process otherwise. Fetch deadlines and drip-feed servers are in
test_fetch.py.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from werkzeug import Request, Response

from flows.ingest import ingest
from tests.cli import cli_env, query, run_cli, spawn_cli, tracker
from tests.conftest import TEXTS
from tests.http_log import logged
from tracker.models import Source
from tracker.pending import pending_path_for
from tracker.sources import SourceRejected, read_file_source

pytestmark = pytest.mark.usefixtures("prefect_backend")

GOOD_TEXT = "Research and development spending reached 2.5% of GDP in 2022.\n"
OTHER_TEXT = "The country operated 3.2 million 5G base stations at the end of 2023.\n"


def no_traceback(err: str) -> bool:
    return "Traceback" not in err and 'File "' not in err


def make_corpus(tmp_path: Path, files: dict[bytes | str, bytes | str]) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    for name, content in files.items():
        path = os.path.join(os.fsencode(corpus), name if isinstance(name, bytes) else name.encode())
        with open(path, "wb") as handle:
            handle.write(content if isinstance(content, bytes) else content.encode("utf-8"))
    return corpus


def received_texts(httpserver) -> list[str]:
    return [json.loads(request.get_data())["text"] for request, _ in logged(httpserver)]


# --- 1. file names that are not UTF-8; 8. a newline in a file name -------------------------


def test_file_names_that_are_not_utf8_are_stored_escaped_and_cost_only_themselves(tmp_path, db, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    corpus = make_corpus(tmp_path, {"good.txt": GOOD_TEXT, b"bad\xff.txt": b"", b"rd\xfe.txt": OTHER_TEXT,
                                    "two\nlines.txt": OTHER_TEXT})
    env = cli_env(tmp_path, TRACKER_ALERT_WEBHOOK=httpserver.url_for("/hook"))

    code, out, err = run_cli(env, "run", "--seeds", corpus, "--db", db)

    assert code == 1, err  # the empty file failed; the run finished
    assert no_traceback(err), err
    assert query(db, "select source_id, reason from validation_failures") == [("bad\\xff.txt", "empty")]
    stored = {row[0] for row in query(db, "select distinct source_id from indicators_current")}
    assert stored == {"good.txt", "rd\\xfe.txt", "two\nlines.txt"}
    # Line output: every source on its own line, the newline and the bad byte escaped
    assert "two\\nlines.txt" in out and "rd\\xfe.txt" in out
    assert all("lines.txt" not in line or "two\\nlines.txt" in line for line in out.splitlines())
    assert "bad\\xff.txt" in received_texts(httpserver)[0]
    # The next run reads the same names again without a crash, and changes nothing
    code, out, err = run_cli(env, "run", "--seeds", corpus, "--db", db)
    assert code == 1 and no_traceback(err), err
    assert "0 added, 0 removed, 0 shifted" in out


# --- 3. alerts: a run that ends in error; a kill between commit and delivery ----------------


def test_run_that_ends_in_error_is_recorded_and_alerted_by_itself(tmp_path, db, httpserver, monkeypatch):
    httpserver.expect_request("/hook").respond_with_data("ok")
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("TRACKER_ALERT_WEBHOOK", httpserver.url_for("/hook"))
    ingest(seeds_dir=make_corpus(tmp_path, {"good.txt": GOOD_TEXT}), db_path=db)
    # A scheduled run whose corpus folder was unmounted since it was scheduled
    with pytest.raises(FileNotFoundError):
        ingest(seeds_dir=tmp_path / "unmounted", db_path=db)

    [(run_id, status, error)] = query(db, "select run_id, status, error from runs where status <> 'succeeded'")
    assert status == "error" and "FileNotFoundError" in error
    assert query(db, "select run_id, status from alerts") == [(run_id, "sent")]
    [text] = received_texts(httpserver)
    assert f"tracker run {run_id} failed and committed nothing" in text
    assert query(db, "select count(*) from indicators_current")[0][0] == 1  # the last snapshot stands


def test_alert_of_a_run_killed_between_commit_and_delivery_is_sent_by_the_next_run(tmp_path, db, httpserver):
    arrived, release = threading.Event(), threading.Event()

    def hang(request: Request) -> Response:
        arrived.set()
        release.wait(30)
        return Response("late", status=504)

    httpserver.expect_oneshot_request("/hook").respond_with_handler(hang)
    corpus = make_corpus(tmp_path, {"good.txt": GOOD_TEXT, "empty.txt": ""})
    env = cli_env(tmp_path, TRACKER_ALERT_WEBHOOK=httpserver.url_for("/hook"))
    process = spawn_cli(env, "run", "--seeds", corpus, "--db", db)
    try:
        assert arrived.wait(120), "the run never tried to deliver its alert"
        os.killpg(process.pid, signal.SIGKILL)  # committed; its alert not yet delivered
        process.wait(30)
    finally:
        release.set()
    [(killed_run, status)] = query(db, "select run_id, status from runs")
    assert status == "failed_inputs"  # the commit had landed
    assert query(db, "select run_id, status from alerts") == [(killed_run, "pending")]

    httpserver.expect_request("/hook").respond_with_data("ok")
    (corpus / "empty.txt").unlink()  # the next run has nothing of its own to alert
    code, _, err = run_cli(env, "run", "--seeds", corpus, "--db", db)

    assert code == 0, err
    [(recovery_run,)] = query(db, "select run_id from runs where run_id <> $k", {"k": killed_run})
    assert query(db, "select run_id, status, attempts from alerts order by alert_id") == [
        (killed_run, "sent", 1), (recovery_run, "sent", 1)]  # the recovery's own: empty.txt resolved
    assert [text.split("\n")[0] for text in received_texts(httpserver)[-2:]] == [
        f":warning: tracker run {killed_run}", f":white_check_mark: tracker run {recovery_run}"]


# --- 4. readers never cost a run its work ---------------------------------------------------

READER = textwrap.dedent("""
    import sys, time, duckdb
    db, hold_s, wait_for_run = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1"
    while True:  # a read-only connection, as an analyst opens one (retried while the run writes)
        try:
            con = duckdb.connect(db, read_only=True)
        except duckdb.IOException:
            time.sleep(0.01)
            continue
        if not wait_for_run or con.execute("select count(*) from runs where status = 'running'").fetchone()[0]:
            break
        con.close()
        time.sleep(0.01)
    print("holding", flush=True)
    time.sleep(hold_s)
    con.close()
""")


def hold_read_only(db: Path, seconds: float, until_a_run_is_running: bool = False) -> subprocess.Popen:
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(seconds), "1" if until_a_run_is_running else "0"],
                              stdout=subprocess.PIPE, text=True)
    if not until_a_run_is_running:
        assert reader.stdout.readline().strip() == "holding"
    return reader


def test_read_only_connection_held_20_s_during_a_run_does_not_fail_it(tmp_path, db):
    corpus = make_corpus(tmp_path, {"good.txt": GOOD_TEXT})
    env = cli_env(tmp_path)
    assert run_cli(env, "run", "--seeds", corpus, "--db", db)[0] == 0
    (corpus / "other.txt").write_text(OTHER_TEXT, encoding="utf-8")

    reader = hold_read_only(db, 20)
    started = time.monotonic()
    code, out, err = run_cli(env, "run", "--seeds", corpus, "--db", db)
    waited = time.monotonic() - started
    reader.wait(30)

    assert code == 0, err
    assert waited >= 15  # it really waited for the reader, then committed
    assert "waiting for other connections" in err and no_traceback(err)
    assert "1 added" in out
    assert query(db, "select count(*) from indicators_current")[0][0] == 2


def big_corpus(tmp_path: Path, copies: int = 4) -> Path:
    """Our own held-out test articles, several times over: a run that extracts for a few seconds."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for copy in range(copies):
        for path in sorted(TEXTS.glob("heldout*/*.txt")):
            (corpus / f"{copy}_{path.parent.name}_{path.name}").write_text(
                path.read_text(encoding="utf-8") + f"\nEdition {copy}.\n", encoding="utf-8")
    return corpus


def test_reader_outlasting_the_writer_wait_keeps_the_work_for_the_next_run(tmp_path, db):
    corpus = big_corpus(tmp_path)
    env = cli_env(tmp_path, TRACKER_WRITER_WAIT_S="1")
    reader = hold_read_only(db, 12, until_a_run_is_running=True)
    code, _, err = run_cli(env, "run", "--seeds", corpus, "--db", db)
    assert reader.stdout.readline().strip() == "holding"
    reader.wait(60)

    assert code == 2, err
    [message] = [line for line in err.splitlines() if line.startswith("Error:")]
    assert "is busy" in message and "kept in" in message and no_traceback(err)
    assert pending_path_for(db).exists()

    code, out, err = run_cli(env, "run", "--seeds", corpus, "--db", db)

    assert code in (0, 1), err
    assert not pending_path_for(db).exists()
    assert "0 new, 0 changed" in out  # the kept work was committed, not redone
    [(first_status,)] = query(db, "select status from runs order by started_at limit 1")
    assert first_status in ("succeeded", "failed_inputs")
    assert query(db, "select count(distinct source_id) from indicators_current")[0][0] > 0


# --- 5. damaged and foreign warehouses; full disks ------------------------------------------

READ_COMMANDS = [("history", "rd_intensity"), ("changes",), ("timeline", "rd_intensity"), ("indicators",),
                 ("conflicts",), ("alias", "--list"), ("report", "--out", "REPORT"), ("retire", "x.txt"),
                 ("replay",), ("run", "--seeds", "CORPUS")]


def damaged_warehouses(tmp_path: Path, good: Path) -> dict[str, Path]:
    files = {}
    files["garbage"] = tmp_path / "garbage.duckdb"
    files["garbage"].write_bytes(b"not a database at all\n" * 300)
    files["sqlite"] = tmp_path / "sqlite.duckdb"
    with sqlite3.connect(files["sqlite"]) as con:
        con.execute("create table notes (body text)")
    files["truncated"] = tmp_path / "truncated.duckdb"
    shutil.copy(good, files["truncated"])
    os.truncate(files["truncated"], good.stat().st_size // 3)
    files["corrupted"] = tmp_path / "corrupted.duckdb"
    shutil.copy(good, files["corrupted"])
    with open(files["corrupted"], "r+b") as handle:  # scribble over every block after the headers
        for offset in range(3 * 4096 + 256 * 1024, good.stat().st_size, 256 * 1024):
            handle.seek(offset + 100)
            handle.write(b"\xa5" * 64)
    return files


def test_damaged_or_foreign_warehouse_is_one_line_exit_2_from_every_command(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("HOME", str(tmp_path))  # where DuckDB would put a downloaded extension
    corpus = make_corpus(tmp_path, {"good.txt": GOOD_TEXT})
    good = tmp_path / "good.duckdb"
    for copy in range(3):  # enough history that the file spans several blocks
        (corpus / f"copy{copy}.txt").write_text(GOOD_TEXT * 400 + f"Copy {copy}.\n", encoding="utf-8")
        assert tracker(capsys, "run", "--seeds", corpus, "--db", good)[0] == 0
    for kind, path in damaged_warehouses(tmp_path, good).items():
        before = path.read_bytes()
        for command in READ_COMMANDS:
            argv = [str(tmp_path / "report") if a == "REPORT" else str(corpus) if a == "CORPUS" else a for a in command]
            code, out, err = tracker(capsys, *argv, "--db", path)
            lines = err.strip().splitlines()
            assert code == 2, (kind, command, err)
            assert len(lines) == 1 and lines[0].startswith("Error: "), (kind, command, err)
            assert no_traceback(err)
        assert path.read_bytes() == before, kind  # nothing wrote to it
    assert not (tmp_path / ".duckdb").exists()  # no extension was installed for the SQLite file
    assert "SQLite" in tracker(capsys, "changes", "--db", tmp_path / "sqlite.duckdb")[2]


@pytest.mark.parametrize("command", [("replay",), ("retire", "x.txt")])
def test_writers_never_create_a_warehouse_they_were_pointed_at_by_mistake(tmp_path, capsys, command):
    db = tmp_path / "typo.duckdb"
    code, _, err = tracker(capsys, *command, "--db", db)
    assert code == 2 and err.startswith("Error: no warehouse at")
    assert not db.exists()


def limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_full_disk_is_exit_3_in_one_line_and_the_last_snapshot_stands(tmp_path, db):
    corpus = make_corpus(tmp_path, {"good.txt": GOOD_TEXT})
    env = cli_env(tmp_path)
    assert run_cli(env, "run", "--seeds", corpus, "--db", db)[0] == 0
    before = query(db, "select source_id, indicator, value from indicators_current")
    for copy in range(4):  # far more than the disk will take, and not compressible to nothing
        (corpus / f"big{copy}.txt").write_text(machine_made_page(2000, seed=copy), encoding="utf-8")

    code, out, err = run_cli(env, "run", "--seeds", corpus, "--db", db,
                             preexec_fn=limit_file_size(db.stat().st_size + 32 * 1024))

    assert code == 3, (out, err)
    [message] = [line for line in err.splitlines() if line.startswith("Error:")]
    assert "File too large" in message or "space" in message, message
    assert no_traceback(err), err
    assert (tmp_path / "state" / "tracker" / "tracker.log").read_text().count("Traceback") >= 1
    assert query(db, "select source_id, indicator, value from indicators_current") == before
    # The next run, on a disk with room, finds the dead run and alerts it, and commits its own work
    code, out, err = run_cli(env, "run", "--seeds", corpus, "--db", db)
    assert code == 0, err
    statuses = {row[0] for row in query(db, "select status from runs")}
    assert statuses <= {"succeeded", "error", "crashed"} and statuses & {"error", "crashed"}
    assert query(db, "select count(*) from alerts")[0][0] >= 1


# --- 6. the sources file --------------------------------------------------------------------


def test_bad_bytes_in_a_sources_file_comment_do_not_stop_the_run(tmp_path, db, capsys, httpserver, monkeypatch):
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "absent.toml"))
    httpserver.expect_request("/brief").respond_with_data(OTHER_TEXT, content_type="text/plain")
    sources = tmp_path / "sources.txt"
    sources.write_bytes(b"# r\xe9sum\xe9 des sources\n" + httpserver.url_for("/brief").encode() + b"  # caf\xe9\n")
    corpus = make_corpus(tmp_path, {"good.txt": GOOD_TEXT})

    code, out, err = tracker(capsys, "run", "--seeds", corpus, "--sources", sources, "--db", db)

    assert code == 0, err
    assert {row[0] for row in query(db, "select distinct source_id from indicators_current")} == {
        "good.txt", httpserver.url_for("/brief")}


@pytest.mark.parametrize("content, named", [
    (b"http://127.0.0.1:9/a\nhttp://127.0.0.1:9/b c\n", "line 2"),
    (b"# fine\nhttp://127.0.0.1:9/caf\xe9\n", "line 2: not UTF-8"),
    (b"127.0.0.1/no-scheme\n", "line 1"),
    (b"http:///no-host\n", "line 1"),
])
def test_sources_file_is_checked_before_the_run_exit_2_naming_the_line(tmp_path, db, capsys, content, named):
    sources = tmp_path / "sources.txt"
    sources.write_bytes(content)
    code, out, err = tracker(capsys, "run", "--seeds", make_corpus(tmp_path, {"good.txt": GOOD_TEXT}),
                             "--sources", sources, "--db", db)
    assert code == 2
    assert err.startswith(f"Error: {sources}, {named}") and len(err.strip().splitlines()) == 1, err
    assert not db.exists()  # nothing ran


def test_sources_file_gone_bad_under_a_scheduled_run_is_a_failure_row_and_local_records_are_kept(tmp_path, db):
    sources = tmp_path / "sources.txt"
    sources.write_bytes(b"this is not a url\n")
    summary = ingest(seeds_dir=make_corpus(tmp_path, {"good.txt": GOOD_TEXT}), sources_file=sources, db_path=db)
    assert [(f.check, f.reason) for f in summary.failures] == [("sources_file", "bad_sources_file")]
    assert query(db, "select source_id from indicators_current") == [("good.txt",)]


# --- 7. per-document budgets ----------------------------------------------------------------


def machine_made_page(lines: int, seed: int = 0) -> str:
    return "".join(f"Line {n}: the plant shipped {n * 7919 % 100_003 + seed} units in {2000 + n % 25}.\n"
                   for n in range(lines))


def test_document_over_its_record_budget_is_a_failure_and_keeps_its_earlier_records(tmp_path, db, monkeypatch):
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("TRACKER_MAX_RECORDS_PER_DOCUMENT", "50")
    corpus = make_corpus(tmp_path, {"good.txt": GOOD_TEXT, "feed.txt": machine_made_page(5)})
    ingest(seeds_dir=corpus, db_path=db)
    before = query(db, "select indicator, value from indicators_current where source_id = 'feed.txt' order by all")
    assert before
    (corpus / "feed.txt").write_text(machine_made_page(3000), encoding="utf-8")
    (corpus / "good.txt").write_text(GOOD_TEXT + OTHER_TEXT, encoding="utf-8")

    summary = ingest(seeds_dir=corpus, db_path=db)

    assert [(f.source_id, f.reason) for f in summary.failures] == [("feed.txt", "too_many_records")]
    assert query(db, "select indicator, value from indicators_current where source_id = 'feed.txt' order by all") == before
    assert query(db, "select count(*) from indicators_current where source_id = 'good.txt'")[0][0] == 2


def test_document_over_its_time_budget_is_a_failure(tmp_path, db, monkeypatch):
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("TRACKER_MAX_EXTRACT_S_PER_DOCUMENT", "0.2")
    corpus = make_corpus(tmp_path, {"good.txt": GOOD_TEXT, "huge.txt": machine_made_page(60_000)})
    started = time.monotonic()
    summary = ingest(seeds_dir=corpus, db_path=db)
    assert time.monotonic() - started < 30
    assert [(f.source_id, f.reason) for f in summary.failures] == [("huge.txt", "extraction_timeout")]
    assert query(db, "select source_id from indicators_current") == [("good.txt",)]


# --- 8. smaller cases ------------------------------------------------------------------------


def test_nul_after_the_first_4_kb_is_binary(tmp_path, db):
    corpus = make_corpus(tmp_path, {"good.txt": GOOD_TEXT, "late_nul.txt": GOOD_TEXT * 100 + "\x00tail\n"})
    summary = ingest(seeds_dir=corpus, db_path=db)
    assert [(f.source_id, f.reason) for f in summary.failures] == [("late_nul.txt", "binary")]
    assert query(db, "select count(*) from documents where raw_text like '%' || chr(0) || '%'")[0][0] == 0


def test_file_rewritten_while_it_is_read_is_unstable_not_half_committed(tmp_path):
    path = tmp_path / "growing.txt"
    path.write_text(GOOD_TEXT * 200_000, encoding="utf-8")  # ~13 MB: reading it takes milliseconds
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        with open({str(path)!r}, "a") as handle:
            print("writing", flush=True)
            while True:
                handle.write({GOOD_TEXT!r})
                handle.flush()
        """)], stdout=subprocess.PIPE, text=True)  # another process, as an editor or a sync tool would be
    try:
        assert writer.stdout.readline().strip() == "writing"
        with pytest.raises(SourceRejected) as rejected:
            read_file_source(Source(source_id="growing.txt", location=str(path)), 100 * 1024 * 1024,
                             has_text=lambda text: True)
    finally:
        writer.kill()
        writer.wait()
    assert rejected.value.failure.reason == "unstable"
    # Once it stops changing it reads normally
    assert read_file_source(Source(source_id="growing.txt", location=str(path)), 100 * 1024 * 1024,
                            has_text=lambda text: True).text.startswith(GOOD_TEXT)


@pytest.mark.parametrize("since", ["²", "٣", "yesterday"])
def test_since_that_is_no_snapshot_or_time_is_one_line_exit_2(tmp_path, db, capsys, since):
    ingest(seeds_dir=make_corpus(tmp_path, {"good.txt": GOOD_TEXT}), db_path=db)
    code, out, err = tracker(capsys, "changes", "--since", since, "--db", db)
    assert code == 2 and err.startswith("Error: cannot read") and len(err.strip().splitlines()) == 1, err
