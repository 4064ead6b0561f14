"""The `tracker` command: a thin skin over the flows and the warehouse.

Exit status: 0 success; 1 the run finished but some input failed validation or could not be
fetched; 2 bad usage or configuration, a busy warehouse, or a warehouse file that is damaged or not
a tracker warehouse; 3 an internal error (one line here, the traceback in the log file).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from datetime import date, datetime, timezone
from pathlib import Path

from tracker.text import printable

EXIT_OK, EXIT_INPUT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
KIND_CHOICES = ("measurement", "target", "milestone", "estimate")  # tracker.models.KINDS, without importing it
CLOSEST_KEYS = 5

# Prefect reads these at import: keep runs quiet and offline unless the user says otherwise.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    # The run's own lines (tracker.progress) reach the Prefect UI at INFO, whatever Prefect's level
    "PREFECT_LOGGING_EXTRA_LOGGERS": "tracker.runs",
    # Prefect gives its temporary server 20 s to start; on a busy machine it can take longer, and
    # the run then dies with a traceback before reading anything.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


class UsageError(Exception):
    """Bad arguments or configuration: exit 2."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)
    from tracker.aliases import AliasRefused
    from tracker.config import ConfigError
    from tracker.lock import WarehouseBusy
    from warehouse.store import StorageFailed, WarehouseError

    try:
        return args.handler(args)
    except BrokenPipeError:  # output piped into `head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit flush stays quiet
        return EXIT_OK
    except (UsageError, ConfigError, WarehouseBusy, WarehouseError, AliasRefused) as exc:
        print(f"Error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except StorageFailed as exc:
        print(f"Error: {_one_line(exc)} (details: {_log_traceback(exc)})", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # a bug or the machine, never the user's input: one line, the rest in the log
        print(f"Error: internal error, {type(exc).__name__}: {_one_line(exc)}; the traceback is in "
              f"{_log_traceback(exc)}", file=sys.stderr)
        return EXIT_INTERNAL


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 400 else text[:399] + "…"


def log_path() -> Path:
    """Where tracebacks go: $TRACKER_LOG, else the user's state folder (XDG)."""
    if os.environ.get("TRACKER_LOG"):
        return Path(os.environ["TRACKER_LOG"])
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "tracker" / "tracker.log"


def _log_traceback(exc: BaseException) -> str:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now(timezone.utc).isoformat(timespec='seconds')} tracker "
                      f"{' '.join(sys.argv[1:])}\n")
            log.write("".join(traceback.format_exception(exc)))
        return str(path)
    except OSError:
        return "nowhere (the log file cannot be written)"


class _NoFlowFailureEcho(logging.Filter):
    """Drop the flow engine's own failure reports from the terminal (they still reach the Prefect
    API and UI): the CLI says what went wrong in one line, and the traceback goes to the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR and record.name.startswith(("prefect.flow_runs",
                                                                                "prefect.task_runs")))


def _quiet_flow_failures() -> None:
    """Call after importing a flow: importing Prefect is what installs its terminal handler."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(_NoFlowFailureEcho())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tracker",
        description="Track what technology-policy sources say: extract figures, targets and milestones, "
                    "validate them, and keep their history in DuckDB.",
        epilog="Exit status: 0 success; 1 some input failed validation or could not be fetched; "
               "2 bad usage or configuration.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="one ingestion run now: new and changed sources in, a snapshot out",
                              description="Read the corpus folder (and URLs), store what changed as a new "
                                          "snapshot, print the changes.")
    run.add_argument("--seeds", type=Path, metavar="DIR", help="corpus folder (default: seeds, or $TRACKER_SEEDS)")
    run.add_argument("--sources", type=Path, metavar="FILE",
                     help="remote sources, one a line: a page URL, 'feed URL' or 'sitemap URL' ('#' starts a "
                          "comment); or a sources.toml")
    _add_engine(run)
    _add_db_and_format(run)
    run.set_defaults(handler=cmd_run)

    extract = commands.add_parser("extract", help="extraction only: indicator records as JSON lines, nothing stored")
    extract.add_argument("paths", nargs="+", type=Path, metavar="PATH", help=".txt, .html or .pdf files")
    extract.add_argument("--format", choices=("jsonl", "json", "text"), default="jsonl",
                         help="jsonl (default): one record a line; json: one array; text: for people")
    extract.set_defaults(handler=cmd_extract)

    serve = commands.add_parser("serve", help="serve the scheduled ingestion deployment until stopped")
    serve.add_argument("--seeds", type=Path, metavar="DIR", help="corpus folder for scheduled runs")
    serve.add_argument("--sources", type=Path, metavar="FILE", help="URL list for scheduled runs")
    serve.add_argument("--cron", help="cron schedule (default from tracker.toml or '0 6 * * *'; "
                                      "$TRACKER_SCHEDULE_INTERVAL_S sets a fixed interval instead)")
    serve.add_argument("--timezone", help="schedule timezone, e.g. Europe/Berlin (default UTC)")
    serve.add_argument("--db", type=Path, metavar="PATH", help="warehouse file (default warehouse/tracker.duckdb)")
    _add_engine(serve)
    serve.set_defaults(handler=cmd_serve)

    history = commands.add_parser("history", help="every version of an indicator, oldest first")
    history.add_argument("indicator", metavar="INDICATOR", help="indicator key, e.g. rd_intensity")
    history.add_argument("--subject", help="only this subject, e.g. China")
    history.add_argument("--as-of", metavar="TIME", help="only versions valid at this time (ISO date or datetime, UTC)")
    _add_db_and_format(history)
    history.set_defaults(handler=cmd_history)

    changes = commands.add_parser("changes", help="what changed between snapshots: added, removed, shifted")
    changes.add_argument("--since", metavar="TIME_OR_SNAPSHOT",
                         help="changes after this snapshot id or time; default: what the latest snapshot changed")
    _add_db_and_format(changes)
    changes.set_defaults(handler=cmd_changes)

    timeline = commands.add_parser(
        "timeline", help="every current statement of an indicator across sources, in period order",
        description="What the sources say an indicator was, is, or will be, year by year: every current "
                    "statement of INDICATOR (merges applied) from every source, ordered by period (a statement "
                    "without one by its publication year), then publication date, with the source's title, "
                    "published_on (the date the document states) and first_seen. A statement marked REVISED "
                    "gives another value (or, for a target, deadline) than the latest earlier source did.")
    timeline.add_argument("indicator", metavar="INDICATOR", help="indicator key, e.g. rd_intensity")
    timeline.add_argument("--subject", help="only this subject, e.g. China")
    timeline.add_argument("--kind", choices=KIND_CHOICES, help="only this kind of statement")
    _add_db_and_format(timeline)
    timeline.set_defaults(handler=cmd_timeline)

    conflicts = commands.add_parser("conflicts", help="current disagreements between sources")
    conflicts.add_argument("--all", action="store_true", help="also list pairs that agree after rounding")
    _add_db_and_format(conflicts)
    conflicts.set_defaults(handler=cmd_conflicts)

    retire = commands.add_parser("retire", help="close every current record of a source and stop reading it "
                                                 "(the only explicit retraction)")
    retire.add_argument("source_id", metavar="SOURCE", help="source id: file name in the corpus, or URL")
    _add_db_and_format(retire)
    retire.set_defaults(handler=cmd_retire)

    unretire = commands.add_parser("unretire", help="undo `tracker retire`: the next run reads the source again")
    unretire.add_argument("source_id", metavar="SOURCE", help="source id: file path in the corpus, or URL")
    _add_db_and_format(unretire)
    unretire.set_defaults(handler=cmd_unretire)

    report = commands.add_parser("report", help="write an HTML report: timelines, changes, conflicts, failures",
                                 description="Write a self-contained HTML report (inline CSS and SVG, nothing "
                                             "loaded from the network) of the warehouse to DIR/index.html.")
    _add_db_and_format(report)
    report.add_argument("--out", type=Path, default=Path("report"), metavar="DIR",
                        help="folder to write index.html into (default report/)")
    report.set_defaults(handler=cmd_report)

    indicators = commands.add_parser("indicators", help="the indicators the warehouse knows (merges applied)",
                                     description="One line per indicator key: label, subjects, number of sources "
                                                 "and statements, latest period and value. --suggest lists likely "
                                                 "duplicate keys instead, each with the `tracker alias` that merges them.")
    indicators.add_argument("--topic", help="only statements of this topic, e.g. quantum")
    indicators.add_argument("--subject", help="only statements about this subject, e.g. China")
    indicators.add_argument("--suggest", action="store_true",
                            help="list likely duplicate keys (similar wording, same unit and measure) to merge")
    _add_db_and_format(indicators)
    indicators.set_defaults(handler=cmd_indicators)

    alias = commands.add_parser("alias", help="merge one indicator key into another (every view applies it)",
                                description="tracker alias FROM TO [--subject S]: read records extracted as FROM "
                                            "as TO (for subject S only, or every subject). --list shows the "
                                            "merges, --remove FROM [--subject S] undoes one. Chains resolve "
                                            "(a -> b, b -> c reads a as c); a merge that would make a cycle is refused.")
    alias.add_argument("from_indicator", nargs="?", metavar="FROM", help="the key to merge, e.g. rd_spending_gdp_share")
    alias.add_argument("to_indicator", nargs="?", metavar="TO", help="the key it reads as, e.g. rd_intensity")
    alias.add_argument("--subject", help="merge only this subject's records (default: every subject)")
    alias.add_argument("--note", help="why, kept with the merge")
    alias.add_argument("--list", action="store_true", help="show every merge (the default without FROM)")
    alias.add_argument("--remove", action="store_true", help="undo the merge of FROM (for --subject S)")
    _add_db_and_format(alias)
    alias.set_defaults(handler=cmd_alias)

    config = commands.add_parser("config", help="every setting, its effective value and where it came from",
                                 description="Show every setting with its effective value and its origin: the "
                                             "default, the tracker.toml read ($TRACKER_CONFIG, else "
                                             "./tracker.toml, else ~/.config/tracker/tracker.toml), or an "
                                             "environment variable. Secrets are masked. A bad tracker.toml "
                                             "is an error here as everywhere (exit 2).")
    config.add_argument("--format", choices=("text", "json"), default="text", help="json for scripts")
    config.set_defaults(handler=cmd_config)

    alerts = commands.add_parser("alerts", help="recent alerts and whether they were delivered; --test sends one",
                                 description="The latest alerts (newest first): when, for which run, delivery status "
                                             "(sent, failed and retried by the next run, not_configured), attempts "
                                             "and last error. --test queues a test alert and delivers it now.")
    alerts.add_argument("--test", action="store_true", help="send a test alert to the configured webhook now")
    alerts.add_argument("--limit", type=int, default=20, help="how many alerts to list (default 20)")
    _add_db_and_format(alerts)
    alerts.set_defaults(handler=cmd_alerts)

    replay = commands.add_parser("replay", help="re-extract archived documents with the current extractor")
    _add_engine(replay)
    _add_db_and_format(replay)
    replay.set_defaults(handler=cmd_replay)
    return parser


def _add_engine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=_count_of_workers, metavar="N",
                        help="extraction worker processes (default: one per core, or `workers` in tracker.toml; "
                             "a run with little text uses its own process)")
    parser.add_argument("--dask", metavar="ADDRESS", dest="dask_address",
                        help="extract on the workers of this Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                             "(or `dask_address` in tracker.toml)")


def _count_of_workers(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return count


def _add_db_and_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, metavar="PATH",
                        help="warehouse file (default warehouse/tracker.duckdb, or $TRACKER_DB)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="json for scripts")


def _check_inputs(seeds: Path, sources: Path | None) -> None:
    """Before a run starts: the corpus folder exists, and the sources file is read and every line checked."""
    from tracker.sources import SourcesFileError, read_sources_file

    if not seeds.is_dir():
        raise UsageError(f"corpus folder {seeds} does not exist or is not a folder; pass --seeds DIR")
    if sources is not None:
        if not sources.is_file():
            raise UsageError(f"sources file {sources} does not exist; pass --sources FILE (one source a line, or a sources.toml)")
        try:
            read_sources_file(sources)
        except SourcesFileError as exc:
            raise UsageError(str(exc)) from None


def _db_path(args) -> Path:
    from tracker.config import load_settings

    return args.db or load_settings().db_path


# --- commands -------------------------------------------------------------------------


def cmd_run(args) -> int:
    from tracker.config import load_settings
    from tracker.summary import summary_text

    settings = load_settings()
    seeds = args.seeds or settings.seeds_dir
    _check_inputs(seeds, args.sources)
    from flows.ingest import ingest

    from tracker.progress import TerminalProgress

    _quiet_flow_failures()
    if args.format != "json" and sys.stderr.isatty():
        with TerminalProgress():
            summary = ingest(seeds_dir=seeds, sources_file=args.sources, db_path=_db_path(args),
                             workers=args.workers, dask_address=args.dask_address)
    else:
        summary = ingest(seeds_dir=seeds, sources_file=args.sources, db_path=_db_path(args),
                         workers=args.workers, dask_address=args.dask_address)
    if args.format == "json":
        print(json.dumps(summary.to_dict(), default=str, ensure_ascii=False))
    else:
        print(summary_text(summary))
        if summary.alert_text:
            print(summary.alert_text, file=sys.stderr)
    return summary.exit_code


def cmd_extract(args) -> int:
    from tracker.extract import extract_indicators, has_article_text
    from tracker.sources import SourceRejected, document_from_bytes, escape_undecodable
    from tracker.summary import format_value
    from tracker.text import media_type_for

    status = EXIT_OK
    collected = []  # --format json: one array at the end
    for path in args.paths:
        try:
            raw = path.read_bytes()
            document = document_from_bytes(escape_undecodable(path.name), raw, media_type_for(str(path)),
                                           has_text=has_article_text)
        except OSError as exc:
            print(f"Error: cannot read {printable(escape_undecodable(str(path)))}: {exc.strerror} (unreadable_file).",
                  file=sys.stderr)
            status = EXIT_INPUT_FAILED
            continue
        except SourceRejected as exc:
            print(f"Error: cannot read {printable(escape_undecodable(str(path)))}: {exc.failure.message}.",
                  file=sys.stderr)
            status = EXIT_INPUT_FAILED
            continue
        for record in extract_indicators(document.text, document.source_id):
            if args.format == "jsonl":
                print(json.dumps(record.to_dict(), ensure_ascii=False))
            elif args.format == "json":
                collected.append(record.to_dict())
            else:
                unit = f" {record.unit}" if record.unit else ""
                print(f"{printable(record.source_id)}:{record.char_start} {record.indicator} ({record.subject}, "
                      f"{record.kind}) = {format_value(record.value)}{unit} [{record.period or '-'}]  "
                      f"«{record.value_text}»")
    if args.format == "json":
        _print_json(collected)
    return status


def cmd_serve(args) -> int:
    from tracker.progress import TERMINAL_ENV

    os.environ[TERMINAL_ENV] = "1"  # each scheduled run, a process of its own, prints its lines here
    from flows.deployments import ingest_schedule, serve
    from tracker.config import load_settings

    settings = load_settings()
    seeds = args.seeds or settings.seeds_dir
    _check_inputs(seeds, args.sources)
    interval_s = None if args.cron else settings.schedule_interval_s  # an explicit --cron wins
    schedule = ingest_schedule(args.cron or settings.schedule_cron, args.timezone or settings.schedule_timezone,
                               interval_s)
    serve(seeds_dir=seeds, sources_file=args.sources, db_path=_db_path(args), schedule=schedule,
          workers=args.workers, dask_address=args.dask_address)
    return EXIT_OK


def cmd_history(args) -> int:
    from tracker.summary import format_value
    from warehouse import store

    rows = store.history(_db_path(args), args.indicator, args.subject, parse_time(args.as_of) if args.as_of else None)
    if args.format == "json":
        _print_json(rows)
        return EXIT_OK
    if not rows:
        merged = store.merged_into(_db_path(args), args.indicator)
        known = store.known_indicator_keys(_db_path(args))
        if not merged and args.indicator not in known:
            raise UsageError(f"unknown indicator {args.indicator!r}" + _closest(args.indicator, known))
        where = "; ".join(f"{m['to_indicator']} ({'for ' + m['subject'] if m['subject'] else 'every subject'})"
                          for m in merged)
        print(f"No versions of {args.indicator}" + (f" for {args.subject}" if args.subject else "") + "."
              + (f" It is merged into {where}: see `tracker alias --list`." if merged else ""))
        return EXIT_OK
    for row in rows:
        until = row["valid_to"].isoformat(timespec="seconds") if row["valid_to"] else "current"
        unit = f" {row['unit']}" if row["unit"] else ""
        merged = f"  (extracted as {row['extracted_indicator']})" if row["extracted_indicator"] != row["indicator"] else ""
        print(f"{row['valid_from'].isoformat(timespec='seconds')} .. {until}  {printable(row['source_id'])}  "
              f"{row['subject']}  {row['kind']}  {format_value(row['value'])}{unit}  "
              f"[{row['period'] or '-'}]  «{row['value_text']}»{merged}")
    return EXIT_OK


def cmd_changes(args) -> int:
    from tracker.summary import describe_change
    from warehouse import store

    db = _db_path(args)
    after = None
    if args.since is not None:
        # isdecimal and ASCII: '²' is a digit to Python but no snapshot number
        names_snapshot = args.since.isascii() and args.since.isdecimal()
        after = int(args.since) if names_snapshot else store.snapshot_at(db, parse_time(args.since))
        latest = store.latest_snapshot_id(db)
        if names_snapshot and after > (latest or 0):
            raise UsageError(f"there is no snapshot {after}: the latest is {latest if latest is not None else 'none yet'}")
    # Per-source changes, then the revisions across sources the same snapshots brought
    changes = sorted(store.changes_since(db, after) + store.revisions_since(db, after),
                     key=lambda c: (c.snapshot_id, c.change == "revised"))
    if args.format == "json":
        _print_json([c.to_dict() for c in changes])
        return EXIT_OK
    if not changes:
        print("No changes.")
    for change in changes:
        print(f"snapshot {change.snapshot_id}  {describe_change(change)}")
    return EXIT_OK


def cmd_timeline(args) -> int:
    from tracker.summary import format_value
    from warehouse import store

    db = _db_path(args)
    rows = store.timeline(db, args.indicator, args.subject, args.kind)
    if not rows:
        known = store.known_indicator_keys(db)
        if args.indicator not in known:
            merged = store.merged_into(db, args.indicator)
            if merged:
                where = ", ".join(m["to_indicator"] for m in merged)
                raise UsageError(f"{args.indicator} is merged into {where}: ask `tracker timeline {merged[0]['to_indicator']}`")
            raise UsageError(f"unknown indicator {args.indicator!r}" + _closest(args.indicator, known))
    if args.format == "json":
        _print_json(rows)
        return EXIT_OK
    if not rows:
        print(f"No current statements of {args.indicator}"
              + "".join(f" {w} {v}" for w, v in (("for", args.subject), ("of kind", args.kind)) if v) + ".")
        return EXIT_OK
    for row in rows:
        published = row["published_on"].isoformat() if row["published_on"] else "undated"
        seen = row["first_seen"].date().isoformat() if row["first_seen"] else "-"
        unit = f" {row['unit']}" if row["unit"] else ""
        marker = "REVISED " if row["revision"] else ""
        print(f"[{row['period'] or '-'}] {marker}{row['subject']}  {row['kind']}  {format_value(row['value'])}{unit}"
              f"  — {printable(row['title'] or row['source_id'])} ({printable(row['source_id'])}; published {published}, "
              f"first seen {seen})")
        if row["revision"]:
            print(f"    revises {row['revision_of']}: {format_value(row['previous_value'])}{unit} "
                  f"[{row['previous_period'] or '-'}] ({row['revision']})")
        print(f"    «{row['evidence']}»")
    return EXIT_OK


def _closest(key: str, known: list[str]) -> str:
    """'; closest known: a, b' from the keys the warehouse knows, or how to list them."""
    from rapidfuzz import fuzz, process

    found = [match for match, score, _ in process.extract(key, known, scorer=fuzz.WRatio, limit=CLOSEST_KEYS)
             if score >= 50]
    if found:
        return "; closest known: " + ", ".join(found) + " (`tracker indicators` lists every key)"
    return "; `tracker indicators` lists the keys the warehouse knows"


def cmd_conflicts(args) -> int:
    from warehouse import store

    rows = store.conflicts(_db_path(args), include_consistent=args.all)
    if args.format == "json":
        _print_json(rows)
        return EXIT_OK
    if not rows:
        print("No conflicts.")
    for row in rows:
        print(f"{row['status']}: {row['indicator']} ({row['subject']}, {row['kind']}, {row['period']}): "
              f"{printable(row['source_a'])} says {row['value_text_a']}, {printable(row['source_b'])} says "
              f"{row['value_text_b']}")
    return EXIT_OK


def cmd_retire(args) -> int:
    from tracker.config import load_settings
    from tracker.extract import EXTRACTOR_VERSION
    from tracker.lock import run_lock
    from tracker.summary import describe_change
    from warehouse import store

    db = _db_path(args)
    if not db.exists():  # retiring from a mistyped --db must not create an empty warehouse
        raise UsageError(f"no warehouse at {db}: pass the --db that `tracker run` wrote")
    with run_lock(db, load_settings().lock_timeout_s, run_id="retire"):  # a writer like any run
        snapshot_id, changes = store.retire_source(db, args.source_id, run_id=None,
                                                   extractor_version=EXTRACTOR_VERSION)
    if args.format == "json":
        _print_json({"snapshot_id": snapshot_id, "changes": [c.to_dict() for c in changes]})
    elif snapshot_id is None:
        print(f"Retired {printable(args.source_id)}: it had no current records, so no snapshot; later runs "
              "do not read it (`tracker unretire` undoes this).")
    else:
        print(f"Retired {printable(args.source_id)}: snapshot {snapshot_id} closed {len(changes)} record(s); later "
              "runs do not read it (`tracker unretire` undoes this).")
        for change in changes:
            print("  " + describe_change(change))
    return EXIT_OK


def cmd_unretire(args) -> int:
    from tracker.config import load_settings
    from tracker.lock import run_lock
    from warehouse import store

    db = _db_path(args)
    if not db.exists():
        raise UsageError(f"no warehouse at {db}: pass the --db that `tracker run` wrote")
    with run_lock(db, load_settings().lock_timeout_s, run_id="unretire"):  # a writer like any run
        store.unretire_source(db, args.source_id)
    if args.format == "json":
        _print_json({"unretired": args.source_id})
    else:
        print(f"Unretired {printable(args.source_id)}: the next run reads it again and its records become current.")
    return EXIT_OK


def cmd_indicators(args) -> int:
    from tracker.summary import format_value
    from warehouse import store

    db = _db_path(args)
    if args.suggest:
        from tracker.suggest import suggest_merges

        profiles, co_stated, merges = store.indicator_profiles(db, args.topic, args.subject)
        suggestions = suggest_merges(profiles, co_stated, merges)
        if args.format == "json":
            _print_json([s.to_dict() for s in suggestions])
            return EXIT_OK
        if not suggestions:
            print("No likely duplicates.")
        for s in suggestions:
            shared = ", ".join(filter(None, [
                "subjects " + ", ".join(s.shared_subjects) if s.shared_subjects else "",
                "periods " + ", ".join(s.shared_periods) if s.shared_periods else ""]))
            print(f"{s.score:.2f}  {s.from_indicator} «{s.from_label}» ~ {s.to_indicator} «{s.to_label}»  "
                  f"({s.unit or 'no unit'}, {s.family}; shared {shared})")
            print(f"      {s.command}")
        return EXIT_OK
    rows = store.indicators(db, args.topic, args.subject)
    if args.format == "json":
        _print_json(rows)
        return EXIT_OK
    if not rows:
        print("No indicators" + "".join(f" for {v}" for v in (args.topic, args.subject) if v) + ".")
    for row in rows:
        value = format_value(row["latest_value"])
        unit = f" {row['latest_unit']}" if row["latest_unit"] else ""
        merged = [k for k in row["extracted_indicators"] if k != row["indicator"]]
        print(f"{row['indicator']}  «{row['label']}»  {', '.join(row['subjects'])}  "
              f"{row['sources']} source(s), {row['statements']} statement(s)  "
              f"latest [{row['latest_period'] or '-'}] {value}{unit}"
              + (f"  (merged: {', '.join(merged)})" if merged else ""))
    return EXIT_OK


def cmd_alias(args) -> int:
    from tracker.aliases import Alias
    from tracker.config import load_settings
    from tracker.lock import run_lock
    from warehouse import store

    db = _db_path(args)
    if args.list or args.from_indicator is None:
        if args.remove or args.to_indicator or args.subject:
            raise UsageError("tracker alias --list takes no FROM, TO, --subject or --remove")
        merges = store.aliases(db) if db.exists() else []
        if args.format == "json":
            _print_json([a.to_dict() for a in merges])
        elif not merges:
            print("No aliases.")
        for a in merges if args.format != "json" else []:
            scope = f" (for {a.subject})" if a.subject else ""
            note = f"  — {a.note}" if a.note else ""
            print(f"{a.from_indicator} -> {a.to_indicator}{scope}  by {a.created_by or '?'} at "
                  f"{a.created_at.isoformat(timespec='seconds')}{note}")
        return EXIT_OK
    if args.remove:
        if args.to_indicator is not None:
            raise UsageError("tracker alias --remove FROM [--subject S] takes no TO")
        with run_lock(db, load_settings().lock_timeout_s, run_id="alias"):  # a writer like any run
            removed = store.remove_alias(db, args.from_indicator, args.subject)
        if args.format == "json":
            _print_json({"removed": removed.to_dict()})
        else:
            scope = f" for {removed.subject}" if removed.subject else ""
            print(f"Removed alias {removed.from_indicator} -> {removed.to_indicator}{scope}: "
                  f"its records read as {removed.from_indicator} again.")
        return EXIT_OK
    if args.to_indicator is None:
        raise UsageError("tracker alias FROM TO [--subject S]: name the key to merge into (TO)")
    if not db.exists():
        raise UsageError(f"no warehouse at {db}: run `tracker run` first")
    alias = Alias(from_indicator=args.from_indicator, to_indicator=args.to_indicator, subject=args.subject,
                  created_at=datetime.now(timezone.utc), created_by=_user(), note=args.note)
    with run_lock(db, load_settings().lock_timeout_s, run_id="alias"):  # a writer like any run
        replaced = store.add_alias(db, alias)
    if args.format == "json":
        _print_json({"alias": alias.to_dict(), "replaced": replaced.to_dict() if replaced else None})
    else:
        scope = f"{alias.subject}'s records" if alias.subject else "every subject's records"
        print(f"Merged {alias.from_indicator} into {alias.to_indicator} ({scope}): every view now reads "
              f"{alias.from_indicator} as {alias.to_indicator}; `tracker alias --remove {alias.from_indicator}"
              + (f" --subject '{alias.subject}'" if alias.subject else "") + "` undoes it.")
        if replaced:
            print(f"  (replaced {replaced.from_indicator} -> {replaced.to_indicator})")
    return EXIT_OK


def _user() -> str | None:
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in this environment
        return None


def cmd_report(args) -> int:
    from tracker.report import render_html
    from warehouse import store

    data = store.load_report(_db_path(args))
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "index.html"
        path.write_text(render_html(data), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the report to {args.out}: {exc.strerror}; pass --out DIR") from None
    if args.format == "json":
        print(json.dumps({"path": str(path), "snapshot_id": data.stats["latest_snapshot"],
                          "indicators": [row["indicator"] for row in data.indicators]}))
    else:
        print(f"Wrote {path}")
    return EXIT_OK


def cmd_config(args) -> int:
    from tracker.config import effective_settings, load_config

    loaded = load_config()
    rows = effective_settings(loaded)  # secrets already masked
    if args.format == "json":
        _print_json({"config_file": loaded.file, "looked_in": loaded.looked_in,
                     "settings": [{"name": name, "value": value, "origin": origin} for name, value, origin in rows]})
        return EXIT_OK
    if loaded.file:
        print(f"Config file: {printable(str(loaded.file))}")
    else:
        pinned = " (named by $TRACKER_CONFIG; nothing else is searched)" if loaded.pinned else ""
        print("Config file: none found; looked in: " + ", ".join(printable(str(p)) for p in loaded.looked_in) + pinned)
    width = max(len(name) for name, _, _ in rows)
    for name, value, origin in rows:
        if value is None or value == []:
            shown = "not set"
        elif isinstance(value, list):
            shown = ", ".join(value)
        else:
            shown = str(value)
        print(f"  {name:<{width}}  {printable(shown)}  ({printable(origin)})")
    return EXIT_OK


def cmd_alerts(args) -> int:
    from tracker import alerts
    from tracker.config import load_settings
    from warehouse import store

    db = _db_path(args)
    if not db.exists():
        raise UsageError(f"no warehouse at {db}: run `tracker run` first")
    if args.test:
        settings = load_settings()
        if not settings.alert_webhook:
            raise UsageError("no webhook configured: set $TRACKER_ALERT_WEBHOOK or alert_webhook in tracker.toml")
        alert_id = store.record_alert(db, None, alerts.test_alert(), settings.writer_wait_s)
        delivery = alerts.deliver_outbox(db, settings.alert_webhook, settings.writer_wait_s).get(alert_id)
        if args.format == "json":
            _print_json({"alert_id": alert_id, "status": delivery.status, "last_error": delivery.last_error})
        elif delivery.status == "sent":
            print(f"Test alert {alert_id} sent to {alerts.webhook_fingerprint(settings.alert_webhook)}.")
        else:
            print(f"Test alert {alert_id} not delivered: {delivery.last_error} after {delivery.attempts} attempt(s); "
                  "the next run retries it.")
        return EXIT_OK if delivery.status == "sent" else EXIT_INPUT_FAILED
    rows = store.recent_alerts(db, args.limit)
    if args.format == "json":
        _print_json(rows)
        return EXIT_OK
    if not rows:
        print("No alerts.")
    for row in rows:
        error = f" ({row['last_error']})" if row["last_error"] else ""
        first_line = row["text"].splitlines()[0] if row["text"] else ""
        print(f"{row['alert_id']:>5}  {row['created_at'].isoformat(timespec='seconds')}  {row['status']}{error}, "
              f"{row['attempts']} attempt(s)  run {row['run_id'] or '-'}  {first_line}")
    return EXIT_OK


def cmd_replay(args) -> int:
    from flows.replay import replay
    from tracker.summary import describe_change

    _quiet_flow_failures()
    result = replay(db_path=_db_path(args), workers=args.workers, dask_address=args.dask_address)
    snapshot_id, changes = result.snapshot_id, result.changes
    if args.format == "json":
        print(json.dumps({"snapshot_id": snapshot_id, "changes": [c.to_dict() for c in changes]}, default=str))
    else:
        print(f"Replayed archived documents with the current extractor: snapshot {snapshot_id}, "
              f"{len(changes)} change(s) with cause 'extractor'.")
        for change in changes:
            print("  " + describe_change(change))
    return EXIT_OK


# --- helpers --------------------------------------------------------------------------


def parse_time(text: str) -> datetime:
    """ISO date or datetime; a time without a zone is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"cannot read {text!r} as a time: use ISO form, e.g. 2026-11-26 or 2026-11-26T08:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def _json_default(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _print_json(value) -> None:
    """Print `value` as one line of JSON: dates in ISO 8601, text unescaped."""
    print(json.dumps(value, default=_json_default, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
