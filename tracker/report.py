"""The report: one self-contained HTML page (inline CSS and SVG, no script, nothing fetched)
and its headline tables as markdown. Values in, strings out: the warehouse aggregates and
caps the rows (`warehouse.store.load_report`), this module only draws them.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from datetime import datetime, timedelta
from html import escape

from tracker.models import ReportData

PALETTE = ("#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626")
CURRENCY = {"CNY": "¥", "USD": "$", "EUR": "€"}
SCALES = ((1e12, " tn"), (1e9, " bn"), (1e6, " m"))
CHART_W, CHART_H = 640, 240
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 64, 20, 16, 34
MARKDOWN_ROWS = 20
_YEAR = re.compile(r"\d{4}")


# --- formatting -----------------------------------------------------------------------


def format_value(value: float | None, unit: str | None) -> str:
    """2.4 percent -> 2.4%; 398120000000 CNY -> ¥398.1 bn; None -> –."""
    if value is None:
        return "–"
    number, suffix = value, ""
    for scale, name in SCALES:
        if abs(value) >= scale:
            number, suffix = value / scale, name
            break
    text = f"{number:,.4g}" if abs(number) < 1e4 else f"{number:,.0f}"
    if unit == "percent":
        return f"{text}%"
    if unit in CURRENCY:
        return f"{CURRENCY[unit]}{text}{suffix}"
    return f"{text}{suffix}" + (f" {unit}" if unit and unit != "count" else "")


def format_time(moment: datetime | None, seconds: bool = True) -> str:
    if moment is None:
        return "–"
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def describe_shift(row: dict) -> str:
    """old -> new value and period of one change row, as plain text."""
    unit = row.get("unit")
    old = f"{format_value(row['old_value'], unit)} [{row['old_period'] or '–'}]"
    new = f"{format_value(row['new_value'], unit)} [{row['new_period'] or '–'}]"
    if row["change"] == "added":
        return new
    if row["change"] == "removed":
        return old
    return f"{old} → {new}"


# --- the page -------------------------------------------------------------------------


def render_html(data: ReportData, title: str = "tracker report") -> str:
    sections = [
        _section("timelines", "Timelines", len(data.indicators), _timelines(data)),
        _section("changes", "Latest changes", len(data.changes),
                 _table(data.changes, CHANGE_COLUMNS, "No changes yet.")),
        _section("conflicts", "Conflicts between sources", data.stats.get("conflicts", 0),
                 _table(data.conflicts, CONFLICT_COLUMNS, "No conflicts: where sources state the same figure, "
                        "they agree.", data.stats.get("conflicts", 0))),
        _section("failures", "Validation failures", data.stats.get("failures", 0),
                 _table(data.failures, FAILURE_COLUMNS, "No validation failures.", data.stats.get("failures", 0))),
        _section("alerts", "Alerts", data.stats.get("alerts", 0),
                 _table(data.alerts, ALERT_COLUMNS, "No alerts.", data.stats.get("alerts", 0))),
        _section("evidence", "Evidence", len(data.evidence), _evidence(data)),
    ]
    return "\n".join([
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        _header(data, title),
        '<main class="page">',
        *sections,
        "</main>",
        f'<footer class="page">Generated {escape(format_time(data.generated_at))} UTC by '
        "<code>tracker report</code>. Self-contained: no scripts, nothing loaded from the network.</footer>",
        "</body>",
        "</html>",
    ])


def _header(data: ReportData, title: str) -> str:
    s = data.stats
    status = s.get("run_status")
    cards = [  # name, value, note, whether it needs a look now
        ("Runs", s.get("runs", 0), f"last {format_time(s.get('started_at'), seconds=False)}", False),
        ("Snapshots", s.get("snapshots", 0), f"latest #{s.get('latest_snapshot') or '–'}", False),
        ("Sources", s.get("sources", 0), "read and not retired", False),
        ("Current records", s.get("current_records", 0), _plural(s.get("indicators", 0), "indicator"), False),
        ("Versions", s.get("versions", 0), "all history", False),
        ("Conflicts", s.get("conflicts", 0), "between sources now", bool(s.get("conflicts"))),
        ("Failures", s.get("failures", 0), f"{s.get('run_failures') or 0} in the last run",
         bool(s.get("run_failures"))),
        ("Alerts", s.get("alerts", 0), f"{s.get('alerts_undelivered', 0)} undelivered",
         bool(s.get("alerts_undelivered"))),
    ]
    card_html = "".join(
        f'<div class="card{" warn" if warn else ""}">'
        f'<div class="card-label">{escape(name)}</div><div class="card-value">{_compact(value)}</div>'
        f'<div class="card-note">{escape(note)}</div></div>'
        for name, value, note, warn in cards)
    run_line = "No runs yet."
    if s.get("run_id"):
        run_line = (f'Last run <code>{escape(str(s["run_id"]))}</code> {_badge(status)} '
                    f'snapshot #{escape(str(s.get("run_snapshot") or "–"))}: '
                    f'{s.get("records_added") or 0} added, {s.get("records_shifted") or 0} shifted, '
                    f'{s.get("records_removed") or 0} removed.')
    latest = (f' Latest snapshot {escape(format_time(s["latest_snapshot_at"]))} UTC.'
              if s.get("latest_snapshot_at") else " Run <code>tracker run</code> to fill the warehouse.")
    nav = "".join(f'<a href="#{key}">{escape(name)}</a>' for key, name in (
        ("timelines", "Timelines"), ("changes", "Changes"), ("conflicts", "Conflicts"),
        ("failures", "Failures"), ("alerts", "Alerts"), ("evidence", "Evidence")))
    return (f'<header><div class="page"><h1>{escape(title)}</h1>'
            f'<p class="lede">{run_line}{latest}</p>'
            f'<div class="cards">{card_html}</div><nav>{nav}</nav></div></header>')


def _section(key: str, name: str, count: int, body: str) -> str:
    return (f'<section id="{key}"><h2>{escape(name)} <span class="pill">{_count(count)}</span></h2>'
            f"{body}</section>")


def _timelines(data: ReportData) -> str:
    if not data.indicators:
        return _empty("No indicator versions yet: run <code>tracker run</code>.")
    points = defaultdict(list)
    for point in data.timeline_points:
        points[point["indicator"]].append(point)
    end = data.stats.get("latest_snapshot_at") or data.generated_at
    total = data.stats.get("indicators", len(data.indicators))
    note = (f'<p class="note">{_plural(len(data.indicators), "indicator")} with the most shifts '
            f"(of {_plural(total, 'current indicator')}), each with its busiest series and latest versions. "
            "Each line is one record (source, subject, mention); ◆ marks a shift, labels give the period.</p>")
    cards = []
    for indicator in data.indicators:
        mine = points.get(indicator["indicator"], [])
        by_unit = defaultdict(list)
        for point in mine:
            by_unit[point["unit"]].append(point)
        charts = "".join(_chart_block(unit_points, end) for unit_points in by_unit.values())
        shown_series = len({(p["source_id"], p["subject"], p["mention"]) for p in mine})
        capped = (f" · showing {shown_series} of {_count(indicator['series'])} series"
                  if shown_series < indicator["series"] else "")
        cards.append(
            f'<article class="timeline"><h3>{escape(indicator["label"])} '
            f'<code>{escape(indicator["indicator"])}</code></h3>'
            f'<p class="meta">{_count(indicator["versions"])} versions · '
            f'<strong>{_count(indicator["shifts"])} shifts</strong> · '
            f'{_count(indicator["current_records"])} current{escape(capped)}</p>{charts}</article>')
    return note + '<div class="timelines">' + "".join(cards) + "</div>"


def _chart_block(points: list[dict], end: datetime) -> str:
    series = defaultdict(list)
    for point in points:
        series[(point["series_rank"], point["source_id"], point["subject"], point["mention"])].append(point)
    ordered = sorted(series.items())
    legend = "".join(
        f'<li><span class="swatch" style="background:{PALETTE[i % len(PALETTE)]}"></span>'
        f'{escape(_short(source_id))} · {escape(subject)}{f" #{mention}" if mention > 1 else ""}</li>'
        for i, ((_, source_id, subject, mention), _) in enumerate(ordered))
    return timeline_svg([rows for _, rows in ordered], end) + f'<ul class="legend">{legend}</ul>'


def timeline_svg(series: list[list[dict]], end: datetime) -> str:
    """Step lines of value (or, for undated figures, period) over snapshot time, shifts marked.

    `series` is a list of version lists, each oldest first; `end` is where current versions stop.
    """
    by_value = any(p["value"] is not None for rows in series for p in rows)
    unit = next((p["unit"] for rows in series for p in rows if p["unit"]), None)

    def y_of(point: dict) -> float | None:
        if by_value:
            return point["value"]
        found = _YEAR.search(point["period"] or "")
        return float(found.group()) if found else None

    ys = [y for rows in series for p in rows if (y := y_of(p)) is not None]
    starts = [p["valid_from"] for rows in series for p in rows]
    t0 = min(starts)
    t1 = max(max(starts), end)
    if t1 - t0 < timedelta(seconds=1):
        t0, t1 = t0 - timedelta(seconds=30), t1 + timedelta(seconds=30)
    else:
        pad = (t1 - t0) * 0.04
        t0, t1 = t0 - pad, t1 + pad
    lo, hi = (min(ys), max(ys)) if ys else (0.0, 1.0)
    ticks = _nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    plot_w, plot_h = CHART_W - MARGIN_L - MARGIN_R, CHART_H - MARGIN_T - MARGIN_B

    def x(moment: datetime) -> float:
        return MARGIN_L + plot_w * ((moment - t0) / (t1 - t0))

    def y(value: float) -> float:
        return MARGIN_T + plot_h * (1 - (value - lo) / (hi - lo))

    parts = [f'<svg class="chart" viewBox="0 0 {CHART_W} {CHART_H}" width="{CHART_W}" height="{CHART_H}" '
             f'role="img" aria-label="timeline" xmlns="http://www.w3.org/2000/svg">',
             f'<rect class="plot" x="{MARGIN_L}" y="{MARGIN_T}" width="{plot_w}" height="{plot_h}"/>']
    for tick in ticks:
        label = format_value(tick, unit) if by_value else f"{tick:.0f}"
        parts.append(f'<line class="grid" x1="{MARGIN_L}" x2="{MARGIN_L + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
                     f'<text class="tick" x="{MARGIN_L - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{escape(label)}</text>')
    for moment in _time_ticks(t0, t1):
        parts.append(f'<line class="grid v" x1="{x(moment):.1f}" x2="{x(moment):.1f}" y1="{MARGIN_T}" '
                     f'y2="{MARGIN_T + plot_h}"/><text class="tick" x="{x(moment):.1f}" y="{CHART_H - 12}" '
                     f'text-anchor="middle">{escape(_time_label(moment, t1 - t0))}</text>')
    if not by_value:
        parts.append(f'<text class="axis-name" x="{MARGIN_L}" y="{MARGIN_T - 4}">period (year)</text>')
    for i, rows in enumerate(series):
        parts.append(_series_svg(rows, PALETTE[i % len(PALETTE)], end, x, y, y_of))
    parts.append("</svg>")
    return "".join(parts)


def _series_svg(rows, color, end, x, y, y_of) -> str:
    path, marks, previous = [], [], None
    for point in rows:
        value = y_of(point)
        if value is None:
            previous = None
            continue
        x0, x1, y0 = x(point["valid_from"]), x(point["valid_to"] or end), y(value)
        if previous is not None and point["is_shift"]:
            path.append(f"L{x0:.1f},{y0:.1f}")  # the vertical step of a shift
        else:
            path.append(f"M{x0:.1f},{y0:.1f}")
        path.append(f"L{x1:.1f},{y0:.1f}")
        tip = (f"{point['source_id']} · {point['subject']}: {point['value_text']} "
               f"= {format_value(point['value'], point['unit'])} [{point['period'] or '–'}], "
               f"{point['kind']}, snapshot #{point['opened_snapshot']} {format_time(point['valid_from'])}"
               + (" (shift)" if point["is_shift"] else ""))
        if point["is_shift"]:
            marks.append(f'<path class="shift" d="M{x0:.1f},{y0 - 7:.1f}l7,7l-7,7l-7,-7z" fill="{color}">'
                         f"<title>{escape(tip)}</title></path>")
        else:
            marks.append(f'<circle class="point" cx="{x0:.1f}" cy="{y0:.1f}" r="4" fill="{color}">'
                         f"<title>{escape(tip)}</title></circle>")
        if point["valid_to"] is not None and point["closed_snapshot"] is not None and not _continues(point, rows):
            marks.append(f'<circle class="closed" cx="{x1:.1f}" cy="{y0:.1f}" r="3.5" stroke="{color}"/>')
        if previous is None or point["period"] != previous["period"]:
            marks.append(f'<text class="period" x="{x0 + 6:.1f}" y="{y0 - 8:.1f}" fill="{color}">'
                         f'{escape(point["period"] or "")}</text>')
        previous = point
    return (f'<g class="series"><path class="step" d="{" ".join(path)}" stroke="{color}"/>'
            + "".join(marks) + "</g>")


def _continues(point: dict, rows: list[dict]) -> bool:
    """Whether the next version of this series opened when this one closed (a shift)."""
    later = [r for r in rows if r["opened_snapshot"] == point["closed_snapshot"]]
    return bool(later)


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi == lo:
        spread = abs(hi) * 0.1 or 1.0
        lo, hi = lo - spread, hi + spread
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(lo / step) * step
    ticks, tick = [], first
    while tick <= hi + step * 0.5 and len(ticks) < 12:
        ticks.append(round(tick, 12))
        tick += step
    return ticks if len(ticks) > 1 else [first, first + step]


TIME_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
                86400, 172800, 604800, 1209600, 2592000, 7776000, 15552000, 31536000)


def _time_ticks(t0: datetime, t1: datetime, count: int = 5) -> list[datetime]:
    """Round moments (every 10 s, 6 h, 1 day, ...) about `count` apart between t0 and t1."""
    span_s = (t1 - t0).total_seconds()
    step_s = next((s for s in TIME_STEPS_S if s >= span_s / count), TIME_STEPS_S[-1])
    epoch = datetime(1970, 1, 1, tzinfo=t0.tzinfo)
    first = math.ceil((t0 - epoch).total_seconds() / step_s) * step_s
    ticks = []
    while first <= (t1 - epoch).total_seconds() and len(ticks) <= count + 2:
        ticks.append(epoch + timedelta(seconds=first))
        first += step_s
    return ticks


def _time_label(moment: datetime, span: timedelta) -> str:
    if span < timedelta(hours=1):
        return moment.strftime("%H:%M:%S")
    if span < timedelta(days=1):
        return moment.strftime("%H:%M")
    if span < timedelta(days=6):
        return moment.strftime("%d %b %H:%M")
    if span < timedelta(days=240):
        return moment.strftime("%d %b")
    return moment.strftime("%b %Y")


# --- tables ---------------------------------------------------------------------------


def _text(key: str, fallback: str = "–"):
    return lambda row: escape(str(row[key])) if row[key] not in (None, "") else fallback


def _when(key: str):
    return lambda row: escape(format_time(row[key]))


def _source(key: str):
    return lambda row: escape(_short(row[key]))


def _code(key: str):
    return lambda row: f"<code>{escape(str(row[key] or '–'))}</code>"


def _value_period(value: float | None, period: str | None, unit: str | None) -> str:
    return f'{escape(format_value(value, unit))} <span class="period">[{escape(period or "–")}]</span>'


def _change_values(row: dict) -> str:
    new = _value_period(row["new_value"], row["new_period"], row["unit"])
    old = _value_period(row["old_value"], row["old_period"], row["unit"])
    if row["change"] == "added":
        return new
    if row["change"] == "removed":
        return f"<s>{old}</s>"
    return f'<span class="old">{old}</span> → <strong>{new}</strong>'


def _alert_text(row: dict) -> str:
    error = f'<div class="error">{escape(row["last_error"])}</div>' if row["last_error"] else ""
    return escape(row["text"]) + error


# (header, cell class, cell html) for each table
CHANGE_COLUMNS = (
    ("When (UTC)", "nowrap", _when("changed_at")),
    ("Snapshot", "num", lambda row: f"#{row['snapshot_id']}"),
    ("Change", "", lambda row: _badge(row["change"])),
    ("Indicator", "", lambda row: f'{escape(row["label"])}<br><code>{escape(row["indicator"])}</code>'),
    ("Subject", "", _text("subject")),
    ("Source", "src", _source("source_id")),
    ("Value [period]", "nowrap", _change_values),
    ("Evidence", "evidence", _text("evidence", "")),
)
CONFLICT_COLUMNS = (
    ("Indicator", "", _code("indicator")),
    ("Subject", "", _text("subject")),
    ("Kind", "", _text("kind")),
    ("Period", "", _text("period")),
    ("Source A", "src", _source("source_a")),
    ("Says", "num", _text("value_text_a")),
    ("Source B", "src", _source("source_b")),
    ("Says", "num", _text("value_text_b")),
)
FAILURE_COLUMNS = (
    ("When (UTC)", "nowrap", _when("created_at")),
    ("Run", "", _code("run_id")),
    ("Source", "src", _source("source_id")),
    ("Indicator", "", _text("indicator")),
    ("Check", "", _text("check_name")),
    ("Reason", "reason", _text("reason")),
    ("Message", "", _text("message")),
    ("Value", "num", _text("offending_value", "")),
)
ALERT_COLUMNS = (
    ("When (UTC)", "nowrap", _when("created_at")),
    ("Run", "", _code("run_id")),
    ("Delivery", "", lambda row: _badge(row["status"])),
    ("Destination", "", _text("destination")),
    ("Attempts", "num", _text("attempts")),
    ("Text", "alert-text", _alert_text),
)


def _table(rows: list[dict], columns, empty: str, total: int | None = None) -> str:
    """A table of rows, or a friendly line when there are none; says so when capped."""
    if not rows:
        return _empty(empty)
    head = "".join(f"<th>{escape(header)}</th>" for header, _, _ in columns)
    body = "".join("<tr>" + "".join(f'<td class="{css}">{cell(row)}</td>' for _, css, cell in columns) + "</tr>"
                   for row in rows)
    capped = _capped(len(rows), total) if total is not None else ""
    return (f'{capped}<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _evidence(data: ReportData) -> str:
    if not data.evidence:
        return _empty("No current records.")
    groups = defaultdict(list)
    for row in data.evidence:
        groups[(row["indicator"], row["label"])].append(row)
    shown = sum(i["current_records"] for i in data.indicators)
    parts = [_capped(len(data.evidence), shown, "current records of the indicators above")]
    for (indicator, label), rows in groups.items():
        items = "".join(
            f'<li><blockquote>{_highlight(r["evidence"], r["value_text"])}</blockquote>'
            f'<div class="cite"><strong>{escape(format_value(r["value"], r["unit"]))}</strong> '
            f'[{escape(r["period"] or "–")}] · {escape(r["subject"])} · {escape(r["kind"])} · '
            f'{_source_link(r["source_id"], r["location"])}</div></li>'
            for r in rows)
        parts.append(f'<h3>{escape(label)} <code>{escape(indicator)}</code></h3><ul class="evidence-list">{items}</ul>')
    return "".join(parts)


def _highlight(sentence: str, value_text: str) -> str:
    at = sentence.find(value_text) if value_text else -1
    if at < 0:
        return escape(sentence)
    return (escape(sentence[:at]) + f"<mark>{escape(value_text)}</mark>"
            + escape(sentence[at + len(value_text):]))


def _source_link(source_id: str, location: str) -> str:
    if location.startswith(("http://", "https://")):
        return f'<a href="{escape(location)}" rel="noreferrer">{escape(_short(source_id, 60))}</a>'
    return f'<span class="src" title="{escape(location)}">{escape(source_id)}</span>'


def _capped(shown: int, total: int, what: str = "") -> str:
    if total > shown:
        return f'<p class="note">Showing the latest {shown} of {_count(total)}{" " + what if what else ""}.</p>'
    return ""


def _empty(html_text: str) -> str:
    return f'<p class="empty">{html_text}</p>'


def _badge(status: str | None) -> str:
    return f'<span class="badge {escape(status or "none")}">{escape(status or "–")}</span>'


def _count(value: int | None) -> str:
    return f"{value or 0:,}"


def _plural(count: int | None, noun: str) -> str:
    return f"{_count(count)} {noun}{'' if count == 1 else 's'}"


def _compact(value: int | None) -> str:
    """A count that fits a card: 1,234,567 in full, 12.3 M above ten million."""
    return f"{value / 1e6:.1f} M" if (value or 0) >= 10_000_000 else _count(value)


def _short(source_id: str, keep: int = 36) -> str:
    return source_id if len(source_id) <= keep else source_id[: keep - 12] + "…" + source_id[-11:]


# --- markdown (the Prefect artifact) ---------------------------------------------------


def render_markdown(data: ReportData, rows: int = MARKDOWN_ROWS) -> str:
    """The headline tables: latest changes, conflicts, failures."""
    s = data.stats
    lines = [
        f"# tracker report — snapshot {s.get('latest_snapshot') or '–'}",
        "",
        "| runs | snapshots | sources | current records | versions | conflicts | failures | alerts |",
        "|---|---|---|---|---|---|---|---|",
        f"| {s.get('runs', 0)} | {s.get('snapshots', 0)} | {s.get('sources', 0)} | {s.get('current_records', 0)} | "
        f"{s.get('versions', 0)} | {s.get('conflicts', 0)} | {s.get('failures', 0)} | {s.get('alerts', 0)} |",
        "",
        "## Latest changes",
        "",
    ]
    lines += _markdown_table(
        ("snapshot", "change", "indicator", "subject", "source", "value [period]"),
        [(f"#{r['snapshot_id']}", r["change"], r["indicator"], r["subject"], r["source_id"], describe_shift(r))
         for r in data.changes[:rows]], "No changes.")
    lines += ["", "## Conflicts", ""]
    lines += _markdown_table(
        ("indicator", "subject", "period", "source A", "says", "source B", "says"),
        [(r["indicator"], r["subject"], r["period"] or "–", r["source_a"], r["value_text_a"],
          r["source_b"], r["value_text_b"]) for r in data.conflicts[:rows]], "No conflicts.")
    lines += ["", "## Validation failures", ""]
    lines += _markdown_table(
        ("when (UTC)", "source", "indicator", "check", "reason", "message"),
        [(format_time(r["created_at"]), r["source_id"], r["indicator"] or "–", r["check_name"], r["reason"],
          r["message"]) for r in data.failures[:rows]], "No validation failures.")
    return "\n".join(lines)


def _markdown_table(headers: tuple[str, ...], rows: list[tuple], empty: str) -> list[str]:
    if not rows:
        return [f"_{empty}_"]
    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)] + [
        "| " + " | ".join(_markdown_cell(cell) for cell in row) + " |" for row in rows]


def _markdown_cell(value) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


CSS = """
:root { --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; --card: #ffffff;
        --accent: #2563eb; --good: #059669; --warn: #d97706; --bad: #dc2626; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.5 system-ui, -apple-system,
       "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
.page { max-width: 1280px; margin: 0 auto; padding: 0 28px; }
header { background: linear-gradient(135deg, #0f172a 0%, #1e3a8a 100%); color: #f8fafc; padding: 28px 0 0; }
header h1 { margin: 0 0 4px; font-size: 26px; letter-spacing: -0.01em; }
header .lede { margin: 0 0 20px; color: #cbd5e1; }
header code { background: rgba(255,255,255,0.12); color: #f8fafc; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; }
.card { background: rgba(255,255,255,0.08); border: 1px solid rgba(255,255,255,0.14); border-radius: 10px;
        padding: 12px 14px; }
.card.warn { border-color: #fbbf24; background: rgba(251,191,36,0.14); }
.card-label { font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; color: #cbd5e1; }
.card-value { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; letter-spacing: -0.02em;
              white-space: nowrap; }
.card-note { font-size: 12px; color: #94a3b8; }
nav { display: flex; gap: 4px; margin-top: 20px; }
nav a { color: #e2e8f0; text-decoration: none; padding: 8px 14px; border-radius: 8px 8px 0 0; font-weight: 500; }
nav a:hover { background: var(--bg); color: var(--ink); }
section { margin: 32px 0; }
h2 { font-size: 19px; margin: 0 0 12px; display: flex; align-items: center; gap: 10px; }
h3 { font-size: 15px; margin: 0 0 2px; }
.pill { font-size: 12px; font-weight: 600; background: #e0e7ff; color: #3730a3; border-radius: 999px; padding: 1px 10px; }
.note, .meta { color: var(--muted); margin: 0 0 12px; }
.meta strong { color: var(--warn); }
.empty { color: var(--muted); background: var(--card); border: 1px dashed var(--line); border-radius: 10px;
         padding: 16px; }
code { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: #f1f5f9; border-radius: 4px;
       padding: 1px 5px; color: #334155; }
.timelines { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
.timeline { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px 18px;
            box-shadow: 0 1px 2px rgba(15,23,42,0.04); }
svg.chart { width: 100%; height: auto; display: block; }
svg .plot { fill: #fbfdff; stroke: var(--line); }
svg .grid { stroke: #eef2f7; }
svg .tick { fill: var(--muted); font-size: 11px; }
svg .axis-name { fill: var(--muted); font-size: 11px; }
svg .step { fill: none; stroke-width: 2.25; stroke-linejoin: round; }
svg .point { stroke: #fff; stroke-width: 1.5; }
svg .shift { stroke: #0f172a; stroke-width: 1.25; }
svg .closed { fill: #fff; stroke-width: 2; }
svg .period { font-size: 11px; font-weight: 600; }
.legend { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 16px;
          font-size: 12px; color: #334155; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 6px; }
.table-wrap { background: var(--card); border: 1px solid var(--line); border-radius: 12px; overflow: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { position: sticky; top: 0; background: #f1f5f9; text-align: left; font-weight: 600; color: #334155;
     padding: 9px 12px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 8px 12px; border-bottom: 1px solid #f1f5f9; vertical-align: top; }
tbody tr:nth-child(even) { background: #fafcff; }
tbody tr:hover { background: #eff6ff; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.src, span.src { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; color: #475569; }
td.evidence { color: #475569; min-width: 320px; max-width: 480px; }
td.alert-text { white-space: pre-wrap; font-size: 12px; }
.error { color: var(--bad); margin-top: 4px; }
.old { color: var(--muted); }
.period { color: var(--muted); font-size: 12px; }
td.reason { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; color: var(--bad); }
.badge { display: inline-block; font-size: 11px; font-weight: 650; text-transform: uppercase; letter-spacing: 0.04em;
         border-radius: 999px; padding: 2px 9px; background: #e2e8f0; color: #334155; }
.badge.added, .badge.succeeded, .badge.sent { background: #d1fae5; color: #065f46; }
.badge.shifted, .badge.failed_inputs, .badge.not_configured { background: #fef3c7; color: #92400e; }
.badge.removed, .badge.failed, .badge.crashed, .badge.error { background: #fee2e2; color: #991b1b; }
.evidence-list { list-style: none; padding: 0; margin: 8px 0 20px; display: grid; gap: 10px; }
.evidence-list li { background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--accent);
                    border-radius: 8px; padding: 10px 14px; }
blockquote { margin: 0 0 4px; font-size: 14px; }
mark { background: #fde68a; border-radius: 3px; padding: 0 2px; }
.cite { font-size: 12px; color: var(--muted); }
a { color: var(--accent); }
footer { color: var(--muted); font-size: 12px; padding-top: 8px; padding-bottom: 32px; }
"""
