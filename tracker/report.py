"""The report: one self-contained HTML page (inline CSS and SVG, one small inline script for
the search box, nothing fetched) and its headline tables as markdown. Values in, strings out:
the warehouse aggregates and caps the rows (`warehouse.store.load_report`), this module only
draws them.

Charts are drawn around indicators: the period a statement is about (years) across, its value
up, one series per subject and kind. Measurements are dots joined by a solid line through the
latest statement for each year (the one published last); targets and estimates are hollow
markers at their deadline; a span (2021-2025) is plotted at its end year with a faint bar
across the span; a statement without a period is a square at the year it was published.
Statements without a value (milestones, deadlines with no figure) go on a dated event strip
under the chart, never on a value axis.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from datetime import date, datetime
from html import escape
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import urlsplit

from tracker.models import ReportData

PALETTE = ("#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#475569")
CONFLICT = "#dc2626"
CURRENCY = {"CNY": "¥", "USD": "$", "EUR": "€"}
SCALES = ((1e12, " tn"), (1e9, " bn"), (1e6, " m"))
CHART_W, CHART_H = 640, 220
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 64, 20, 14, 30
LANE_H = 20
MARKDOWN_ROWS = 20
TOOLTIP_EVIDENCE = 400  # characters of the evidence sentence a tooltip quotes
KIND_ORDER = {"measurement": 0, "estimate": 1, "target": 2, "milestone": 3}
TOPIC_NAMES = {"ai": "AI", "rd_funding": "R&D funding", "semiconductors": "Semiconductors", "space": "Space",
               "quantum": "Quantum", "aviation": "Aviation", "telecom": "Telecom", "industry": "Industry",
               "talent": "Talent", "trade": "Trade", "general": "General"}
_SPAN = re.compile(r"^(\d{4})-(\d{4})$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
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


def format_date(day: date | None) -> str:
    return day.isoformat() if day is not None else "date not stated"


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


def source_name(title: str | None, location: str | None, source_id: str) -> tuple[str, str]:
    """(name, where) of a source: its title, else its file name or URL; the URL's host or the
    file's name. A hashed file name is never the only thing a reader sees when there is a title."""
    place = location or source_id
    if place.startswith(("http://", "https://")):
        parts = urlsplit(place)
        where = parts.hostname or place
        fallback = where + (parts.path if parts.path not in ("", "/") else "")
    else:
        where = (PureWindowsPath(place) if "\\" in place else PurePosixPath(place)).name or place
        fallback = where
    return (title.strip() if title and title.strip() else fallback), where


def topic_name(topic: str | None) -> str:
    return TOPIC_NAMES.get(topic or "general", (topic or "general").replace("_", " ").capitalize())


# --- periods on the x-axis ------------------------------------------------------------


def period_span(period: str | None) -> tuple[float, float] | None:
    """Where a period lies in years: '2023' -> (2023, 2023); '2021-2025' -> (2021, 2025);
    '2023-07' -> (2023.5, 2023.5); None or no year -> None."""
    if not period:
        return None
    text = period.strip()
    span = _SPAN.match(text)
    if span and int(span.group(1)) <= int(span.group(2)):
        return float(span.group(1)), float(span.group(2))
    when = _DATE.match(text)
    if when:
        year, month, day = int(when.group(1)), int(when.group(2) or 1), int(when.group(3) or 1)
        at = year + (min(max(month, 1), 12) - 1) / 12 + (min(max(day, 1), 31) - 1) / 365
        return at, at
    found = _YEAR.search(text)
    return (float(found.group()), float(found.group())) if found else None


def place(point: dict) -> tuple[float, float, bool] | None:
    """(start, end, undated) of a statement on the x-axis: its period, else the year its source
    was published (else first seen), flagged as undated."""
    span = period_span(point.get("period"))
    if span is not None:
        return span[0], span[1], False
    stated = point.get("published_on") or point.get("first_seen")
    return (float(stated.year), float(stated.year), True) if stated is not None else None


def _stated_key(point: dict) -> tuple:
    """Later publication (else first seen) sorts last; unknown sorts first."""
    stated = point.get("published_on") or point.get("first_seen")
    day = stated.date() if isinstance(stated, datetime) else stated
    return (day is not None, day or date.min, point.get("source_id") or "")


def _year_ticks(lo: float, hi: float, count: int = 10) -> list[int]:
    span = hi - lo
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= count), 100)
    first = math.ceil(lo / step) * step
    return list(range(int(first), int(hi) + 1, step))


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


# --- one indicator's chart ------------------------------------------------------------


def tooltip(point: dict) -> str:
    """What hovering a statement shows: the figure, its source by title, date and evidence."""
    name, where = source_name(point.get("title"), point.get("location"), point["source_id"])
    figure = point["value_text"] if point["value"] is None else (
        f"{point['value_text']} = {format_value(point['value'], point['unit'])}")
    period = point["period"] or "no period stated: placed at the year it was published"
    stated = (f"published {point['published_on'].isoformat()}" if point.get("published_on") is not None
              else "publication date not stated" + (f", first seen {point['first_seen']:%Y-%m-%d}"
                                                     if point.get("first_seen") is not None else ""))
    evidence = point["evidence"] or ""
    if len(evidence) > TOOLTIP_EVIDENCE:
        evidence = evidence[:TOOLTIP_EVIDENCE - 1].rstrip() + "…"
    lines = [f"{point['subject']} · {point['kind']}: {figure} [{period}]",
             f"{name}" + (f" ({where})" if where != name else "") + f", {stated}",
             f"“{evidence}”"]
    if point.get("revision"):
        before = (format_value(point["previous_value"], point["unit"])
                  if point["revision"] == "value" else point["previous_period"] or "–")
        lines.append(f"Revision of the {point['revision']}: {point.get('revision_of_name') or point['revision_of']} "
                     f"said {before}")
    if point.get("conflicts_with"):
        lines.append(f"Conflicts with: {point['conflicts_with']}")
    return "\n".join(lines)


def indicator_charts(points: list[dict]) -> str:
    """An indicator's charts: one per unit of its figures, then the event strip of its
    statements without a value; all on one x-axis of years."""
    placed = [(p, at) for p in points if (at := place(p)) is not None]
    if not placed:
        return _empty("No statement of this indicator names a year.")
    lo = min(at[0] for _, at in placed) - 0.6
    hi = max(at[1] for _, at in placed) + 0.6
    if hi - lo < 3:
        middle = (hi + lo) / 2
        lo, hi = middle - 1.5, middle + 1.5
    plot_w = CHART_W - MARGIN_L - MARGIN_R

    def x(year: float) -> float:
        return MARGIN_L + plot_w * (year - lo) / (hi - lo)

    colors = {}  # one colour per subject, by its rank (the busiest first)
    for point, _ in sorted(placed, key=lambda item: (item[0].get("subject_rank") or 99, item[0]["subject"])):
        colors.setdefault(point["subject"], PALETTE[len(colors) % len(PALETTE)])
    by_unit = defaultdict(list)
    events = []
    for point, at in placed:
        (by_unit[point["unit"]] if point["value"] is not None else events).append((point, at))
    parts = [_value_chart(rows, unit, x, lo, hi, colors) for unit, rows in by_unit.items()]
    if events:
        parts.append(_event_strip(events, x, lo, hi, colors, axis=not by_unit))
    parts.append(_legend(placed, colors))
    return "".join(parts)


def _x_axis(x, lo: float, hi: float, top: float, bottom: float) -> list[str]:
    parts = []
    for year in _year_ticks(lo, hi):
        parts.append(f'<line class="grid v" x1="{x(year):.1f}" x2="{x(year):.1f}" y1="{top}" y2="{bottom}"/>'
                     f'<text class="tick" x="{x(year):.1f}" y="{bottom + 16:.1f}" text-anchor="middle">'
                     f"{year}</text>")
    return parts


def _value_chart(rows: list[tuple[dict, tuple]], unit: str | None, x, lo: float, hi: float, colors: dict) -> str:
    values = [p["value"] for p, _ in rows]
    ticks = _nice_ticks(min(values), max(values))
    y_lo, y_hi = min(min(values), ticks[0]), max(max(values), ticks[-1])
    plot_w, plot_h = CHART_W - MARGIN_L - MARGIN_R, CHART_H - MARGIN_T - MARGIN_B

    def y(value: float) -> float:
        return MARGIN_T + plot_h * (1 - (value - y_lo) / (y_hi - y_lo))

    parts = [f'<svg class="chart values" viewBox="0 0 {CHART_W} {CHART_H}" width="{CHART_W}" height="{CHART_H}" '
             f'role="img" aria-label="values by period" xmlns="http://www.w3.org/2000/svg">',
             f'<rect class="plot" x="{MARGIN_L}" y="{MARGIN_T}" width="{plot_w}" height="{plot_h}"/>']
    for tick in ticks:
        parts.append(f'<line class="grid" x1="{MARGIN_L}" x2="{MARGIN_L + plot_w}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}"/><text class="tick" x="{MARGIN_L - 8}" y="{y(tick) + 4:.1f}" '
                     f'text-anchor="end">{escape(format_value(tick, unit))}</text>')
    parts += _x_axis(x, lo, hi, MARGIN_T, MARGIN_T + plot_h)
    series = defaultdict(list)
    for point, at in rows:
        series[(point.get("subject_rank") or 0, point["subject"], KIND_ORDER.get(point["kind"], 9),
                point["kind"])].append((point, at))
    for (_, subject, _, kind), members in sorted(series.items()):
        color = colors[subject]
        parts.append(f'<g class="series {escape(kind)}" data-subject="{escape(subject)}">')
        if kind == "measurement":
            parts.append(_latest_line(members, x, y, color))
        for point, (start, end, undated) in members:
            parts.append(_marker(point, start, end, undated, x(end), y(point["value"]), color, x))
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _latest_line(members: list[tuple[dict, tuple]], x, y, color: str) -> str:
    """The solid line through each year's latest measurement (by publication, else first seen)."""
    latest = {}
    for point, (_, end, undated) in members:
        if undated:
            continue
        if end not in latest or _stated_key(point) >= _stated_key(latest[end]):
            latest[end] = point
    if len(latest) < 2:
        return ""
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(year):.1f},{y(latest[year]['value']):.1f}"
                    for i, year in enumerate(sorted(latest)))
    return f'<path class="line" d="{path}" stroke="{color}"/>'


def _marker(point: dict, start: float, end: float, undated: bool, cx: float, cy: float, color: str, x) -> str:
    """One statement: its shape says its kind, rings mark a conflict or a revision."""
    parts = [f'<g class="stmt" data-kind="{escape(point["kind"])}"><title>{escape(tooltip(point))}</title>']
    if end > start:
        parts.append(f'<rect class="span" x="{x(start):.1f}" y="{cy - 2:.1f}" width="{x(end) - x(start):.1f}" '
                     f'height="4" fill="{color}"/>')
    if point.get("conflicts_with"):
        parts.append(f'<circle class="conflict" cx="{cx:.1f}" cy="{cy:.1f}" r="9"/>')
    if point.get("revision"):
        parts.append(f'<circle class="revision" cx="{cx:.1f}" cy="{cy:.1f}" r="12"/>')
    if undated:
        parts.append(f'<rect class="point hollow undated" x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8" '
                     f'stroke="{color}"/>')
    elif point["kind"] == "measurement":
        parts.append(f'<circle class="point filled" cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="{color}"/>')
    elif point["kind"] == "estimate":
        parts.append(f'<path class="point hollow" d="M{cx:.1f},{cy - 6:.1f}l6,6l-6,6l-6,-6z" stroke="{color}"/>')
    else:
        parts.append(f'<circle class="point hollow" cx="{cx:.1f}" cy="{cy:.1f}" r="5.5" stroke="{color}"/>')
    parts.append("</g>")
    return "".join(parts)


def _event_strip(events: list[tuple[dict, tuple]], x, lo: float, hi: float, colors: dict, axis: bool) -> str:
    """Dated statements without a value, in lanes so labels never overlap."""
    lanes: list[float] = []  # the right edge of the last label in each lane
    placed = []
    for point, (start, end, undated) in sorted(events, key=lambda e: (e[1][1], e[0]["subject"])):
        label = f"{point['subject']} {point['kind']}: {point['period'] or 'undated'}"
        left, right = x(end) - 6, x(end) + 10 + 6.2 * len(label)
        lane = next((i for i, edge in enumerate(lanes) if edge < left), None)
        if lane is None:
            lanes.append(right)
            lane = len(lanes) - 1
        else:
            lanes[lane] = right
        placed.append((point, start, end, undated, lane, label))
    top = 6
    bottom = top + LANE_H * len(lanes) + 4
    height = bottom + (MARGIN_B if axis else 8)
    plot_w = CHART_W - MARGIN_L - MARGIN_R
    parts = [f'<svg class="chart events" viewBox="0 0 {CHART_W} {height}" width="{CHART_W}" height="{height}" '
             f'role="img" aria-label="dated events" xmlns="http://www.w3.org/2000/svg">',
             f'<rect class="strip" x="{MARGIN_L}" y="{top}" width="{plot_w}" height="{bottom - top}"/>',
             f'<text class="axis-name" x="{MARGIN_L - 8}" y="{top + 14}" text-anchor="end">events</text>']
    if axis:
        parts += _x_axis(x, lo, hi, top, bottom)
    for point, start, end, undated, lane, label in placed:
        color = colors[point["subject"]]
        cy = top + LANE_H * lane + LANE_H / 2 + 2
        cx = x(end)
        parts.append(f'<g class="stmt event" data-kind="{escape(point["kind"])}">'
                     f"<title>{escape(tooltip(point))}</title>")
        if end > start:
            parts.append(f'<rect class="span" x="{x(start):.1f}" y="{cy - 2:.1f}" width="{cx - x(start):.1f}" '
                         f'height="4" fill="{color}"/>')
        filled = point["kind"] == "milestone" and not undated
        parts.append(f'<path class="flag{"" if filled else " hollow"}" d="M{cx:.1f},{cy - 6:.1f}l6,10h-12z" '
                     f'stroke="{color}"{f" fill={chr(34)}{color}{chr(34)}" if filled else ""}/>')
        parts.append(f'<text class="event-label" x="{cx + 9:.1f}" y="{cy + 4:.1f}">{escape(label)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _legend(placed: list[tuple[dict, tuple]], colors: dict) -> str:
    kinds = defaultdict(set)
    for point, _ in placed:
        kinds[point["subject"]].add(point["kind"])
    items = "".join(
        f'<li><span class="swatch" style="background:{colors[subject]}"></span>{escape(subject)}'
        f' <span class="kinds">{escape(", ".join(sorted(found, key=lambda k: KIND_ORDER.get(k, 9))))}</span></li>'
        for subject, found in kinds.items())
    return f'<ul class="legend">{items}</ul>'


KEY_HTML = (
    '<p class="note key"><span class="glyph">●</span> measurement (the line joins each year\'s latest) '
    '<span class="glyph">○</span> target <span class="glyph">◇</span> estimate '
    '<span class="glyph">□</span> no period stated, at its publication year '
    '<span class="glyph">▲</span> milestone <span class="glyph">△</span> deadline without a figure '
    f'<span class="glyph" style="color:{CONFLICT}">◯</span> in conflict '
    '<span class="glyph dashed">◌</span> revises an earlier source. '
    'A span (2021-2025) is drawn at its end year with a bar across it. Hover a mark for its source, '
    'publication date and evidence.</p>')


# --- the page -------------------------------------------------------------------------


def render_html(data: ReportData, title: str = "tracker report") -> str:
    s = data.stats
    revisions = [row for row in data.changes if row["change"] == "revised"]
    changes = [row for row in data.changes if row["change"] != "revised"]
    sections = [
        _section("revisions", "Latest revisions across sources", s.get("revisions", len(revisions)),
                 _capped(len(revisions), s.get("revisions", 0), "revisions, newest first")
                 + _table(revisions, REVISION_COLUMNS, "No revisions: no newer source restates a figure or "
                          "deadline an earlier one gave differently.")),
        _section("conflicts", "Conflicts between sources", s.get("conflicts", 0),
                 _table(data.conflicts, CONFLICT_COLUMNS, "No conflicts: where sources state the same figure, "
                        "they agree.", s.get("conflicts", 0))),
        _section("indicators", "Indicators by topic", s.get("indicators", len(data.indicators)), _index(data)),
        _section("charts", "Charts", sum(1 for row in data.indicators if row["charted"]), _charts(data)),
        _section("changes", "Latest changes by source", len(changes),
                 _table(changes, CHANGE_COLUMNS, "No changes yet.")),
        *([_section("feeds", "Feeds and sitemaps", len(data.feeds), _table(data.feeds, FEED_COLUMNS, ""))]
          if data.feeds else []),  # only for warehouses that follow feeds or sitemaps
        _section("failures", "Validation failures", s.get("failures", 0),
                 _table(data.failures, FAILURE_COLUMNS, "No validation failures.", s.get("failures", 0))),
        _section("alerts", "Alerts", s.get("alerts", 0),
                 _table(data.alerts, ALERT_COLUMNS, "No alerts.", s.get("alerts", 0))),
    ]
    return "\n".join([
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        _header(data, title),
        '<main class="page">',
        *sections,
        "</main>",
        f'<footer class="page">Generated {escape(format_time(data.generated_at))} UTC by '
        "<code>tracker report</code>. Self-contained: one small inline script for the search box, "
        "nothing loaded from the network.</footer>",
        f"<script>{SEARCH_JS}</script>",
        "</body>",
        "</html>",
    ])


def _header(data: ReportData, title: str) -> str:
    s = data.stats
    status = s.get("run_status")
    cards = [  # name, value, note, whether it needs a look now
        ("Indicators", s.get("indicators", 0), f"{_count(s.get('current_records'))} current statements", False),
        ("Sources", s.get("sources", 0), "read and not retired", False),
        ("Revisions", s.get("revisions", 0), "a newer source restates", bool(s.get("revisions"))),
        ("Conflicts", s.get("conflicts", 0), "between sources now", bool(s.get("conflicts"))),
        ("Snapshots", s.get("snapshots", 0), f"latest #{s.get('latest_snapshot') or '–'}", False),
        ("Versions", s.get("versions", 0), "all history", False),
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
        ("revisions", "Revisions"), ("conflicts", "Conflicts"), ("indicators", "Indicators"), ("charts", "Charts"),
        ("changes", "Changes"), *([("feeds", "Feeds")] if data.feeds else []), ("failures", "Failures"),
        ("alerts", "Alerts")))
    return (f'<header><div class="page"><h1>{escape(title)}</h1>'
            f'<p class="lede">{run_line}{latest}</p>'
            f'<div class="cards">{card_html}</div><nav>{nav}</nav></div></header>')


def _section(key: str, name: str, count: int, body: str) -> str:
    return (f'<section id="{key}"><h2>{escape(name)} <span class="pill">{_count(count)}</span></h2>'
            f"{body}</section>")


def _search_text(row: dict) -> str:
    words = [row["indicator"], row["label"] or "", row["topic"] or "", topic_name(row["topic"]),
             *(row.get("some_subjects") or [])]
    return " ".join(words).lower()


def _by_topic(rows: list[dict]) -> list[tuple[str, list[dict]]]:
    groups = defaultdict(list)
    for row in rows:
        groups[row["topic"] or "general"].append(row)
    return sorted(groups.items(), key=lambda item: (-len(item[1]), topic_name(item[0])))


def _latest(row: dict) -> str:
    if row["latest_value"] is None:
        return f'{escape(row["latest_kind"] or "")} [{escape(row["latest_period"] or "–")}]'
    return (f'{escape(format_value(row["latest_value"], row["latest_unit"]))} '
            f'<span class="period">[{escape(row["latest_period"] or "–")}]</span>')


def _index(data: ReportData) -> str:
    if not data.indicators:
        return _empty("No indicators yet: run <code>tracker run</code>.")
    total = data.stats.get("indicators", len(data.indicators))
    groups = []
    for topic, rows in _by_topic(data.indicators):
        entries = []
        for row in rows:
            flags = "".join([
                f'<span class="badge revised" title="revisions">{row["revisions"]} rev</span>'
                if row["revisions"] else "",
                f'<span class="badge conflict" title="conflicting pairs">{row["conflicts"]} conflict</span>'
                if row["conflicts"] else ""])
            name = (f'<a href="#ind-{escape(row["indicator"])}">{escape(row["label"] or row["indicator"])}</a>'
                    if row["charted"] else escape(row["label"] or row["indicator"]))
            entries.append(
                f'<li class="entry" data-search="{escape(_search_text(row))}">{name} {flags}'
                f'<div class="entry-meta"><code>{escape(row["indicator"])}</code> · '
                f'{_plural(row["statements"], "statement")} · {_plural(row["sources"], "source")} · '
                f'latest {_latest(row)}</div></li>')
        groups.append(f'<div class="topic-group"><h3>{escape(topic_name(topic))} '
                      f'<span class="pill">{len(rows)}</span></h3><ul>{"".join(entries)}</ul></div>')
    return (f'<div class="search"><input type="search" id="search" placeholder="Filter by key, name, topic '
            f'or subject…" aria-label="filter indicators" autocomplete="off">'
            f'<span id="search-count">{_plural(len(data.indicators), "indicator")}</span></div>'
            + _capped(len(data.indicators), total, "indicators")
            + f'<div class="index">{"".join(groups)}</div>')


def _charts(data: ReportData) -> str:
    charted = [row for row in data.indicators if row["charted"]]
    if not charted:
        return _empty("No indicators to chart yet: run <code>tracker run</code>.")
    points = defaultdict(list)
    for point in data.timeline_points:
        points[point["indicator"]].append(point)
    total = data.stats.get("indicators", len(data.indicators))
    note = (f'<p class="note">{_plural(len(charted), "indicator")} charted (of {_count(total)}), by topic: the period '
            "a statement is about across, its value up, one colour per subject.</p>" + KEY_HTML
            if len(charted) < total else KEY_HTML)
    parts = [note]
    for topic, rows in _by_topic(charted):
        cards = "".join(_indicator_card(row, points.get(row["indicator"], [])) for row in rows)
        parts.append(f'<div class="topic-cards"><h3 class="topic-title">{escape(topic_name(topic))}</h3>'
                     f'<div class="indicator-grid">{cards}</div></div>')
    return "".join(parts)


def _indicator_card(row: dict, points: list[dict]) -> str:
    kinds = ", ".join(f"{row[plural]} {name}{'s' if row[plural] != 1 else ''}"
                      for plural, name in (("measurements", "measurement"), ("targets", "target"),
                                           ("estimates", "estimate"), ("milestones", "milestone"))
                      if row[plural])
    shown_subjects = len({p["subject"] for p in points})
    capped = []
    if shown_subjects < row["subjects"]:
        capped.append(f"the {shown_subjects} busiest of {row['subjects']} subjects")
    if len(points) < row["statements"] and not capped:
        capped.append(f"the latest {len(points)} of {row['statements']} statements")
    flags = "".join([
        f' · <strong class="rev">{_plural(row["revisions"], "revision")}</strong>' if row["revisions"] else "",
        f' · <strong class="bad">{_plural(row["conflicts"], "conflict")}</strong>' if row["conflicts"] else ""])
    return (f'<article class="indicator" id="ind-{escape(row["indicator"])}" data-search="{escape(_search_text(row))}">'
            f'<h4>{escape(row["label"] or row["indicator"])} <code>{escape(row["indicator"])}</code></h4>'
            f'<p class="meta">{_plural(row["statements"], "statement")} from {_plural(row["sources"], "source")}: '
            f'{escape(kinds)}{flags}{escape(" · showing " + capped[0]) if capped else ""}</p>'
            f"{indicator_charts(points)}{_statement_table(points)}</article>")


def _statement_table(points: list[dict]) -> str:
    if not points:
        return ""
    rows = sorted(points, key=lambda p: ((place(p) or (0, 0, True))[1], _stated_key(p)))
    body = "".join(
        f'<tr{" class=" + chr(34) + "flagged" + chr(34) if p.get("revision") or p.get("conflicts_with") else ""}>'
        f'<td class="nowrap">{escape(p["period"] or "–")}</td>'
        f'<td class="num">{escape(format_value(p["value"], p["unit"]) if p["value"] is not None else p["value_text"])}'
        f"</td><td>{escape(p['subject'])}</td><td>{escape(p['kind'])}</td>"
        f"<td>{_source_html(p['title'], p['location'], p['source_id'], p['published_on'])}</td>"
        f'<td class="evidence">{_highlight(p["evidence"], p["value_text"])}{_statement_flags(p)}</td></tr>'
        for p in rows)
    return (f'<details><summary>{_plural(len(points), "statement")}: sources and evidence</summary>'
            '<div class="table-wrap"><table><thead><tr><th>Period</th><th>Value</th><th>Subject</th><th>Kind</th>'
            f"<th>Source</th><th>Evidence</th></tr></thead><tbody>{body}</tbody></table></div></details>")


def _statement_flags(point: dict) -> str:
    notes = []
    if point.get("revision"):
        before = (format_value(point["previous_value"], point["unit"]) if point["revision"] == "value"
                  else point["previous_period"] or "–")
        notes.append(f'<div class="flag-note rev">Revises {escape(point.get("revision_of_name") or "")}, '
                     f"which said {escape(before)}</div>")
    if point.get("conflicts_with"):
        notes.append(f'<div class="flag-note bad">Conflicts with {escape(point["conflicts_with"])}</div>')
    return "".join(notes)


SEARCH_JS = """
(() => {
  const box = document.getElementById('search');
  if (!box) return;
  const items = [...document.querySelectorAll('[data-search]')];
  const groups = [...document.querySelectorAll('.topic-group, .topic-cards')];
  const count = document.getElementById('search-count');
  const entries = items.filter(item => item.classList.contains('entry'));
  const filter = () => {
    const words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    for (const item of items) item.hidden = !words.every(word => item.dataset.search.includes(word));
    for (const group of groups) group.hidden = !group.querySelector('[data-search]:not([hidden])');
    const shown = entries.filter(entry => !entry.hidden).length;
    count.textContent = words.length ? `${shown} of ${entries.length} indicators match`
                                     : `${entries.length} indicators`;
  };
  box.addEventListener('input', filter);
  filter();
})();
"""


# --- tables ---------------------------------------------------------------------------


def _text(key: str, fallback: str = "–"):
    return lambda row: escape(str(row[key])) if row[key] not in (None, "") else fallback


def _when(key: str):
    return lambda row: escape(format_time(row[key]))


def _code(key: str):
    return lambda row: f"<code>{escape(str(row[key] or '–'))}</code>"


def _source_html(title: str | None, location: str | None, source_id: str, published_on: date | None = None,
                 dated: bool = True) -> str:
    """A source as a reader knows it: title, host or file name, publication date; a link for a URL."""
    name, where = source_name(title, location, source_id)
    place_ = location or source_id
    label = (f'<a href="{escape(place_)}" rel="noreferrer">{escape(name)}</a>'
             if place_.startswith(("http://", "https://")) else escape(name))
    host = f' <span class="host">{escape(where)}</span>' if where != name else ""
    when = f'<div class="published">{escape(format_date(published_on))}</div>' if dated else ""
    return f'<span class="source" title="{escape(place_)}">{label}</span>{host}{when}'


def _source(prefix: str = "", suffix: str = ""):
    return lambda row: _source_html(row.get(f"{prefix}title{suffix}"), row.get(f"{prefix}location{suffix}"),
                                    row[f"{prefix}source_id{suffix}"] if f"{prefix}source_id{suffix}" in row
                                    else row[f"source{suffix}"], row.get(f"{prefix}published_on{suffix}"))


def _indicator(row: dict) -> str:
    return f'{escape(row.get("label") or row["indicator"])}<br><code>{escape(row["indicator"])}</code>'


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


def _chart_link(row: dict) -> str:
    """The indicator, linking to its chart (the link may dangle when it is not charted)."""
    key = escape(row["indicator"])
    if not row.get("label"):
        return f'<a href="#ind-{key}"><code>{key}</code></a>'
    return f'<a href="#ind-{key}">{escape(row["label"])}</a><br><code>{key}</code>'



# (header, cell class, cell html) for each table
REVISION_COLUMNS = (
    ("Indicator", "", _chart_link),
    ("Subject", "", _text("subject")),
    ("Kind", "", lambda row: f'{escape(row["kind"])}<div class="period">{escape(row["revision"])} revised</div>'),
    ("Earlier source", "src", lambda row: _source_html(row["revision_of_title"], row["revision_of_location"],
                                                       row["revision_of"], row["revision_of_published_on"])),
    ("Said", "nowrap", lambda row: f'<span class="old">{_value_period(row["old_value"], row["old_period"], row["unit"])}'
                                   "</span>"),
    ("Newer source", "src", _source()),
    ("Says", "nowrap", lambda row: f'<strong>{_value_period(row["new_value"], row["new_period"], row["unit"])}</strong>'),
    ("Evidence", "evidence", lambda row: escape(row["evidence"] or "")),
)
CHANGE_COLUMNS = (
    ("When (UTC)", "nowrap", _when("changed_at")),
    ("Snapshot", "num", lambda row: f"#{row['snapshot_id']}"),
    ("Change", "", lambda row: _badge(row["change"])),
    ("Indicator", "", _indicator),
    ("Subject", "", _text("subject")),
    ("Source", "src", _source()),
    ("Value [period]", "nowrap", _change_values),
    ("Evidence", "evidence", _text("evidence", "")),
)
CONFLICT_COLUMNS = (
    ("Indicator", "", _chart_link),
    ("Subject", "", _text("subject")),
    ("Kind", "", _text("kind")),
    ("Period", "", _text("period")),
    ("Source A", "src", _source(suffix="_a")),
    ("Says", "num", _text("value_text_a")),
    ("Source B", "src", _source(suffix="_b")),
    ("Says", "num", _text("value_text_b")),
)
FEED_COLUMNS = (
    ("Feed or sitemap", "src", lambda row: _source_html(row.get("name") or row.get("title"), row["feed_url"],
                                                        row["feed_url"], dated=False)),
    ("Kind", "", _text("kind")),
    ("Last read (UTC)", "nowrap", _when("started_at")),
    ("Status", "reason", _text("status")),
    ("Entries seen", "num", _text("entries_seen")),
    ("New", "num", _text("entries_new")),
    ("Pages fetched", "num", _text("pages_fetched")),
    ("Failed", "num", _text("pages_failed")),
    ("Waiting", "num", _text("deferred")),
    ("Pages read, all runs", "num", _text("pages_read")),
    ("Error", "", _text("error", "")),
)

FAILURE_COLUMNS = (
    ("When (UTC)", "nowrap", _when("created_at")),
    ("Run", "", _code("run_id")),
    ("Source", "src", lambda row: _source_html(row.get("title"), row.get("location"), row["source_id"], dated=False)),
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


def _highlight(sentence: str | None, value_text: str | None) -> str:
    sentence = sentence or ""
    at = sentence.find(value_text) if value_text else -1
    if at < 0:
        return escape(sentence)
    return (escape(sentence[:at]) + f"<mark>{escape(value_text)}</mark>"
            + escape(sentence[at + len(value_text):]))


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


# --- markdown (the Prefect artifact) ---------------------------------------------------


def _source_text(title: str | None, location: str | None, source_id: str) -> str:
    name, where = source_name(title, location, source_id)
    return name if name == where else f"{name} ({where})"


def render_markdown(data: ReportData, rows: int = MARKDOWN_ROWS) -> str:
    """The headline tables: latest changes, revisions across sources, conflicts, failures."""
    s = data.stats
    revisions = [r for r in data.changes if r["change"] == "revised"]
    changes = [r for r in data.changes if r["change"] != "revised"]
    lines = [
        f"# tracker report — snapshot {s.get('latest_snapshot') or '–'}",
        "",
        "| runs | snapshots | sources | current records | versions | revisions | conflicts | failures | alerts |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {s.get('runs', 0)} | {s.get('snapshots', 0)} | {s.get('sources', 0)} | {s.get('current_records', 0)} | "
        f"{s.get('versions', 0)} | {s.get('revisions', 0)} | {s.get('conflicts', 0)} | {s.get('failures', 0)} | "
        f"{s.get('alerts', 0)} |",
        "",
        "## Latest changes",
        "",
    ]
    lines += _markdown_table(
        ("snapshot", "change", "indicator", "subject", "source", "value [period]"),
        [(f"#{r['snapshot_id']}", r["change"], r["indicator"], r["subject"],
          _source_text(r.get("title"), r.get("location"), r["source_id"]), describe_shift(r))
         for r in changes[:rows]], "No changes.")
    lines += ["", "## Revisions across sources", ""]
    lines += _markdown_table(
        ("indicator", "subject", "kind", "earlier source", "said", "newer source", "says"),
        [(r["indicator"], r["subject"], r["kind"],
          _source_text(r["revision_of_title"], r["revision_of_location"], r["revision_of"]),
          f"{format_value(r['old_value'], r['unit'])} [{r['old_period'] or '–'}]",
          _source_text(r.get("title"), r.get("location"), r["source_id"]),
          f"{format_value(r['new_value'], r['unit'])} [{r['new_period'] or '–'}]") for r in revisions[:rows]],
        "No revisions.")
    lines += ["", "## Conflicts", ""]
    lines += _markdown_table(
        ("indicator", "subject", "period", "source A", "says", "source B", "says"),
        [(r["indicator"], r["subject"], r["period"] or "–",
          _source_text(r.get("title_a"), r.get("location_a"), r["source_a"]), r["value_text_a"],
          _source_text(r.get("title_b"), r.get("location_b"), r["source_b"]), r["value_text_b"])
         for r in data.conflicts[:rows]], "No conflicts.")
    if data.feeds:
        lines += ["", "## Feeds and sitemaps", ""]
        lines += _markdown_table(
            ("feed or sitemap", "status", "entries seen", "new", "pages fetched", "failed", "waiting"),
            [(r.get("name") or r["feed_url"], r["status"], r["entries_seen"], r["entries_new"], r["pages_fetched"],
              r["pages_failed"], r["deferred"]) for r in data.feeds[:rows]], "")
    lines += ["", "## Validation failures", ""]
    lines += _markdown_table(
        ("when (UTC)", "source", "indicator", "check", "reason", "message"),
        [(format_time(r["created_at"]), _source_text(r.get("title"), r.get("location"), r["source_id"]),
          r["indicator"] or "–", r["check_name"], r["reason"], r["message"]) for r in data.failures[:rows]],
        "No validation failures.")
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
[hidden] { display: none !important; }
.search { display: flex; align-items: center; gap: 12px; margin: 0 0 14px; }
.search input { flex: 0 1 440px; font: inherit; padding: 8px 12px; border: 1px solid #cbd5e1; border-radius: 8px;
                background: var(--card); }
.search input:focus { outline: 2px solid #93c5fd; border-color: var(--accent); }
#search-count { color: var(--muted); }
.index { display: grid; grid-template-columns: repeat(auto-fill, minmax(290px, 1fr)); gap: 12px; }
.topic-group { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 12px 14px; }
.topic-group h3 { display: flex; align-items: center; gap: 8px; }
.topic-group ul { list-style: none; margin: 6px 0 0; padding: 0; max-height: 260px; overflow: auto; }
.entry { padding: 5px 0; border-top: 1px solid #f1f5f9; }
.entry a { font-weight: 550; text-decoration: none; }
.entry a:hover { text-decoration: underline; }
.entry-meta { font-size: 12px; color: var(--muted); }
.entry-meta code { font-size: 11px; }
.topic-cards { margin-top: 18px; }
.topic-title { font-size: 16px; margin: 0 0 10px; color: #334155; }
.indicator-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
.indicator { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 14px 18px;
             box-shadow: 0 1px 2px rgba(15,23,42,0.04); scroll-margin-top: 12px; }
.indicator:target { outline: 2px solid var(--accent); }
h4 { font-size: 15px; margin: 0 0 2px; }
.meta strong.rev { color: #7c3aed; }
.meta strong.bad, .flag-note.bad { color: var(--bad); }
.flag-note { font-size: 12px; margin-top: 3px; }
.flag-note.rev { color: #7c3aed; }
.key .glyph { font-size: 15px; margin-left: 6px; }
.key .glyph.dashed { color: #0f172a; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart.events { margin-top: 2px; }
svg .plot { fill: #fbfdff; stroke: var(--line); }
svg .strip { fill: #f8fafc; stroke: var(--line); }
svg .grid { stroke: #eef2f7; }
svg .tick { fill: var(--muted); font-size: 11px; }
svg .axis-name { fill: var(--muted); font-size: 11px; }
svg .line { fill: none; stroke-width: 2.25; stroke-linejoin: round; }
svg .point.filled { stroke: #fff; stroke-width: 1.5; }
svg .hollow { fill: #fff; stroke-width: 2; }
svg .flag { stroke-width: 1.5; }
svg .span { opacity: 0.28; }
svg .conflict { fill: none; stroke: #dc2626; stroke-width: 2; }
svg .revision { fill: none; stroke: #0f172a; stroke-width: 1.25; stroke-dasharray: 3 2; }
svg .event-label { font-size: 11px; fill: #334155; }
svg .stmt { cursor: help; }
svg .stmt:hover .point, svg .stmt:hover .flag { stroke: #0f172a; }
.legend { list-style: none; margin: 6px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 16px;
          font-size: 12px; color: #334155; }
.legend .kinds { color: var(--muted); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 6px; }
details { margin-top: 8px; }
summary { cursor: pointer; color: var(--accent); font-size: 13px; }
details .table-wrap { margin-top: 6px; max-height: 360px; }
.source { font-weight: 500; }
.host, .published { font-size: 11px; color: var(--muted); }
.host { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
tr.flagged td { background: #fff7ed; }
.table-wrap { background: var(--card); border: 1px solid var(--line); border-radius: 12px; overflow: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { position: sticky; top: 0; background: #f1f5f9; text-align: left; font-weight: 600; color: #334155;
     padding: 9px 12px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 8px 12px; border-bottom: 1px solid #f1f5f9; vertical-align: top; }
tbody tr:nth-child(even) { background: #fafcff; }
tbody tr:hover { background: #eff6ff; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.src { min-width: 150px; max-width: 240px; }
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
.badge.revised { background: #ede9fe; color: #5b21b6; }
.badge.conflict { background: #fee2e2; color: #991b1b; }
.badge.removed, .badge.failed, .badge.crashed, .badge.error { background: #fee2e2; color: #991b1b; }
mark { background: #fde68a; border-radius: 3px; padding: 0 2px; }
a { color: var(--accent); }
footer { color: var(--muted); font-size: 12px; padding-top: 8px; padding-bottom: 32px; }
"""
