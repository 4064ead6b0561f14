"""`tracker report`: built from real runs over dated texts of our own, opened in a real headless
Chromium: charts by period, tooltips naming sources, conflicts and revisions marked, a search
box that filters the index."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from tests import chromium
from tracker import cli
from tracker.models import ReportData
from tracker.report import format_value, period_span, render_html, render_markdown, source_name

pytestmark = pytest.mark.usefixtures("prefect_backend")

LABEL = "R&D spending as share of GDP"
BUREAU = "Statistical bulletin on research spending in 2023"
PLAN = "Innovation plan outline for 2021-2025"
REVIEW = "Mid-term review of the innovation plan"
TEXTS = {
    "a_bureau.txt": f"{BUREAU}\n\nPublished: 2 March 2024\n\n"
                    "China's R&D spending reached 2.6% of GDP in 2023.\n"
                    "China's R&D spending was 2.4% of GDP in 2022.\n"
                    "Per <i>the bureau</i>, China launched the Micius quantum satellite in 2016.\n",
    "b_plan.txt": f"{PLAN}\n\nPublished: 10 January 2022\n\n"
                  "The plan wants China's R&D spending at 3% of GDP by 2025.\n"
                  "China's R&D spending was 2.4% of GDP in 2021-2022.\n",
    "c_review.txt": f"{REVIEW}\n\nPublished: 5 May 2024\n\n"
                    "The review now wants China's R&D spending at 3% of GDP by 2027.\n"
                    "China's R&D spending was 2.5% of GDP in 2023.\n",
    "d_blog.txt": "A blog claims China's R&D spending hit 64% of GDP in 2024.\n",
}

# Evaluated in the loaded page: what was drawn and at what size, what the tooltips say, and
# what the search box leaves visible for a few queries.
PAGE_PROBE = """(() => {
  const card = key => document.getElementById('ind-' + key);
  const rd = card('rd_intensity');
  const visible = selector => [...document.querySelectorAll(selector)].filter(e => !e.closest('[hidden]'));
  const search = query => {
    const box = document.getElementById('search');
    box.value = query;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    return {entries: visible('.entry').map(e => e.querySelector('code').textContent),
            cards: visible('article.indicator').map(a => a.id),
            count: document.getElementById('search-count').textContent};
  };
  return JSON.stringify({
    charts: [...document.querySelectorAll('svg.chart')].map(s => {
        const box = s.getBoundingClientRect(); return [box.width, box.height]; }),
    rd: {values: rd.querySelectorAll('svg.values').length, events: rd.querySelectorAll('svg.events').length,
         statements: rd.querySelectorAll('svg .stmt').length,
         filled: rd.querySelectorAll('svg .point.filled').length,
         hollow: rd.querySelectorAll('svg .point.hollow').length,
         spans: rd.querySelectorAll('svg rect.span').length,
         lines: [...rd.querySelectorAll('svg path.line')].map(p => [p.getTotalLength(),
             p.getAttribute('d').split(/[ML]/).filter(Boolean).length]),
         conflicts: rd.querySelectorAll('svg .conflict').length,
         revisions: rd.querySelectorAll('svg .revision').length,
         ticks: [...rd.querySelectorAll('svg.values text.tick')].map(t => t.textContent),
         tips: [...rd.querySelectorAll('svg .stmt > title')].map(t => t.textContent)},
    milestone: {values: card('bureau_launch').querySelectorAll('svg.values').length,
                events: card('bureau_launch').querySelectorAll('svg.events .stmt').length,
                tips: [...card('bureau_launch').querySelectorAll('svg .stmt > title')].map(t => t.textContent)},
    markup_in_evidence: document.querySelectorAll('td.evidence i, td.evidence script').length,
    text: document.body.innerText,
    sections: [...document.querySelectorAll('main > section')].map(s => s.id),
    search: [search('bureau'), search('GDP china'), search('no such thing'), search('')],
  });
})()"""


@pytest.fixture(scope="module")
def browser() -> Path:
    try:
        return chromium.ensure_chromium()
    except chromium.ChromiumUnavailable as exc:
        pytest.skip(f"headless Chromium unavailable and scripts/install-chromium.sh could not install it: {exc}")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """Two real runs over dated sources: a measurement and a deadline revised by a newer source,
    a conflict, a span, a milestone, a rejected figure; then the bureau revises its own figure."""
    from flows.ingest import ingest

    corpus = tmp_path_factory.mktemp("corpus")
    db_path = tmp_path_factory.mktemp("warehouse") / "t.duckdb"
    for name, text in TEXTS.items():
        (corpus / name).write_text(text)
    ingest(seeds_dir=corpus, db_path=db_path)
    (corpus / "a_bureau.txt").write_text(TEXTS["a_bureau.txt"].replace("2.6%", "2.7%"))
    ingest(seeds_dir=corpus, db_path=db_path)
    return db_path


@pytest.fixture(scope="module")
def report_page(warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert cli.main(["report", "--db", str(warehouse), "--out", str(out)]) == 0
    return out / "index.html"


def test_report_reads_indicators_statements_and_revisions(warehouse):
    from warehouse import store

    data = store.load_report(warehouse)
    index = {row["indicator"]: row for row in data.indicators}
    assert sorted(index) == ["bureau_launch", "rd_intensity"]
    rd = index["rd_intensity"]
    assert (rd["label"], rd["statements"], rd["sources"], rd["measurements"], rd["targets"], rd["revisions"],
            rd["conflicts"], rd["latest_value"], rd["latest_period"], rd["charted"]) == (
        LABEL, 6, 3, 4, 2, 2, 1, 2.5, "2023", True)
    statements = [(p["source_id"], p["title"], p["published_on"], p["kind"], p["value"], p["period"], p["revision"],
                   p["revision_of_name"], p["conflicts_with"])
                  for p in data.timeline_points if p["indicator"] == "rd_intensity"]
    assert statements == [
        ("b_plan.txt", PLAN, date(2022, 1, 10), "measurement", 2.4, "2021-2022", None, None, None),
        ("a_bureau.txt", BUREAU, date(2024, 3, 2), "measurement", 2.4, "2022", None, None, None),
        ("a_bureau.txt", BUREAU, date(2024, 3, 2), "measurement", 2.7, "2023", None, None, f"{REVIEW} says 2.5%"),
        ("c_review.txt", REVIEW, date(2024, 5, 5), "measurement", 2.5, "2023", "value", BUREAU, f"{BUREAU} says 2.7%"),
        ("b_plan.txt", PLAN, date(2022, 1, 10), "target", 3.0, "2025", None, None, None),
        ("c_review.txt", REVIEW, date(2024, 5, 5), "target", 3.0, "2027", "deadline", PLAN, None),
    ]
    revisions = [(r["indicator"], r["source_id"], r["revision_of_title"], r["old_value"], r["new_value"],
                  r["old_period"], r["new_period"]) for r in data.changes if r["change"] == "revised"]
    assert revisions == [("rd_intensity", "c_review.txt", BUREAU, 2.7, 2.5, "2023", "2023"),
                         ("rd_intensity", "c_review.txt", PLAN, 3.0, 3.0, "2025", "2027")]
    shifted = [(c["source_id"], c["title"], c["old_value"], c["new_value"]) for c in data.changes
               if c["change"] == "shifted"]
    assert shifted == [("a_bureau.txt", BUREAU, 2.6, 2.7)]
    assert [(c["title_a"], c["value_text_a"], c["title_b"], c["value_text_b"]) for c in data.conflicts] == [
        (BUREAU, "2.7%", REVIEW, "2.5%")]
    assert {(f["source_id"], f["check_name"]) for f in data.failures} == {("d_blog.txt", "plausible_range")}
    assert data.stats["revisions"] == 2 and data.stats["conflicts"] == 1 and data.stats["indicators"] == 2


def test_report_renders_in_chromium_without_errors(browser, report_page):
    page = chromium.visit(report_page.as_uri(), evaluate=PAGE_PROBE)
    assert page.console_errors == []
    assert page.network_requests == []  # self-contained: nothing fetched at view time
    drawn = json.loads(page.result)
    assert len(drawn["charts"]) == 2 and all(w > 100 and h > 30 for w, h in drawn["charts"]), drawn["charts"]
    rd = drawn["rd"]
    # One value chart, every statement a mark: 4 measurements (filled), 2 targets (hollow)
    assert (rd["values"], rd["events"], rd["statements"], rd["filled"], rd["hollow"]) == (1, 0, 6, 4, 2)
    assert rd["spans"] == 1  # 2021-2022 at its end year, a bar across the span
    # The line joins each year's latest measurement: 2022 (the bureau's) and 2023 (the review's)
    assert len(rd["lines"]) == 1 and rd["lines"][0][0] > 50 and rd["lines"][0][1] == 2
    assert (rd["conflicts"], rd["revisions"]) == (2, 2)
    assert all(tick.endswith("%") for tick in rd["ticks"][:4]) and "2023" in rd["ticks"]
    review_tip = next(tip for tip in rd["tips"] if tip.startswith("China · measurement: 2.5%"))
    assert review_tip == (
        "China · measurement: 2.5% = 2.5% [2023]\n"
        f"{REVIEW} (c_review.txt), published 2024-05-05\n"
        "“China's R&D spending was 2.5% of GDP in 2023.”\n"
        f"Revision of the value: {BUREAU} said 2.7%\n"
        f"Conflicts with: {BUREAU} says 2.7%")
    assert all("published 20" in tip for tip in rd["tips"])
    # A milestone is a dated event, never a value on a y-axis of years
    milestone = drawn["milestone"]
    assert (milestone["values"], milestone["events"]) == (0, 1)
    assert milestone["tips"][0].startswith(f"China · milestone: in 2016 [2016]\n{BUREAU} (a_bureau.txt), "
                                           "published 2024-03-02\n")
    assert drawn["markup_in_evidence"] == 0  # source text is escaped, never markup
    text = drawn["text"]
    for expected in ("Latest revisions across sources", "Conflicts between sources", "Indicators by topic",
                     REVIEW, PLAN, "2024-05-05", "2.6% [2023] → 2.7% [2023]", "plausible_range",
                     "Per <i>the bureau</i>, China launched the Micius quantum satellite in 2016."):
        assert expected in text
    assert drawn["sections"] == ["revisions", "conflicts", "indicators", "charts", "changes", "failures", "alerts"]
    bureau, gdp, nothing, everything = drawn["search"]
    assert bureau == {"entries": ["bureau_launch"], "cards": ["ind-bureau_launch"],
                      "count": "1 of 2 indicators match"}
    assert gdp["entries"] == ["rd_intensity"] and gdp["cards"] == ["ind-rd_intensity"]
    assert nothing == {"entries": [], "cards": [], "count": "0 of 2 indicators match"}
    assert sorted(everything["entries"]) == ["bureau_launch", "rd_intensity"] and len(everything["cards"]) == 2


def test_run_publishes_report_artifact(warehouse):
    from prefect.artifacts import Artifact

    from flows.ingest import REPORT_ARTIFACT_KEY

    markdown = Artifact.get(REPORT_ARTIFACT_KEY).data
    assert "## Latest changes" in markdown
    assert f"| #2 | shifted | rd_intensity | China | {BUREAU} (a_bureau.txt) | 2.6% [2023] → 2.7% [2023] |" in markdown
    assert (f"| rd_intensity | China | target | {PLAN} (b_plan.txt) | 3% [2025] | {REVIEW} (c_review.txt) | "
            "3% [2027] |") in markdown
    assert f"| rd_intensity | China | 2023 | {BUREAU} (a_bureau.txt) | 2.7% | {REVIEW} (c_review.txt) | 2.5% |" in markdown
    assert "d_blog.txt" in markdown


def test_report_writes_screenshot_sized_page(browser, report_page):
    page = chromium.visit(report_page.as_uri(), screenshot=True)
    assert page.screenshot_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(page.screenshot_png[16:20], "big") == 1280  # width from the IHDR chunk


# --- the browser check itself must catch what it claims to ----------------------------


def test_browser_check_detects_uncaught_exception(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><p>hi</p><script>throw new Error('deliberate failure')</script>")
    assert any("deliberate failure" in error for error in chromium.visit(page.as_uri()).console_errors)


def test_browser_check_detects_console_error(browser, tmp_path):
    page = tmp_path / "noisy.html"
    page.write_text("<!doctype html><p>hi</p><script>console.error('deliberate console error')</script>")
    assert chromium.visit(page.as_uri()).console_errors == ["deliberate console error"]


def test_browser_check_detects_network_request(browser, tmp_path):
    page = tmp_path / "fetching.html"
    page.write_text('<!doctype html><img src="http://127.0.0.1:9/pixel.png">')  # loopback, closed port
    visit = chromium.visit(page.as_uri())
    assert visit.network_requests == ["http://127.0.0.1:9/pixel.png"]
    assert visit.console_errors  # the failed load is an error too


# --- pure rendering -------------------------------------------------------------------


def test_format_value_applies_unit_and_scale():
    assert [format_value(2.4, "percent"), format_value(398_120_000_000.0, "CNY"), format_value(1200.0, "km"),
            format_value(None, None), format_value(12.0, "count")] == ["2.4%", "¥398.1 bn", "1,200 km", "–", "12"]


def test_periods_place_on_a_year_axis():
    assert [period_span("2023"), period_span("2021-2025"), period_span("2023-07"), period_span(None),
            period_span("Q3")] == [(2023.0, 2023.0), (2021.0, 2025.0), (2023.5, 2023.5), None, None]


def test_sources_are_named_by_title_and_host():
    assert source_name("Communiqué 2023", "https://www.stats.gov.cn/a/b.html", "https://www.stats.gov.cn/a/b.html") \
        == ("Communiqué 2023", "www.stats.gov.cn")
    assert source_name(None, "https://example.org/report/7", "x") == ("example.org/report/7", "example.org")
    assert source_name(None, "/corpus/001_b1cf02c46f1b2bf1.txt", "001_b1cf02c46f1b2bf1.txt") == (
        "001_b1cf02c46f1b2bf1.txt", "001_b1cf02c46f1b2bf1.txt")
    assert source_name("  ", None, "notes/plan.txt") == ("plan.txt", "plan.txt")


def test_render_escapes_every_text_field():
    hostile = "<script>alert('x')</script> | pipe"
    data = ReportData(
        generated_at=datetime(2026, 1, 1, tzinfo=timezone.utc), stats={"runs": 1}, indicators=[],
        timeline_points=[], changes=[], conflicts=[], alerts=[],
        failures=[{"created_at": datetime(2026, 1, 1, tzinfo=timezone.utc), "run_id": "r1", "source_id": hostile,
                   "indicator": None, "check_name": "read", "reason": "unreadable_file", "message": hostile,
                   "offending_value": None, "title": hostile, "location": None}])
    html = render_html(data)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "\\| pipe" in render_markdown(data)  # a pipe in a cell never splits the markdown table
