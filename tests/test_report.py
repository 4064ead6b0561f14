"""`tracker report`: built from real runs, opened in a real headless Chromium."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests import chromium
from tracker import cli
from tracker.models import ReportData
from tracker.report import format_value, render_html, render_markdown

pytestmark = pytest.mark.usefixtures("prefect_backend")

LABEL = "R&D spending as share of GDP"
# Evaluated in the loaded page: what was drawn and at what size, and the text a reader sees.
PAGE_PROBE = """JSON.stringify({
  charts: [...document.querySelectorAll('svg.chart')].map(s => {
      const box = s.getBoundingClientRect(); return [box.width, box.height]; }),
  lines: [...document.querySelectorAll('svg.chart path.step')].map(p => p.getTotalLength()),
  shifts: document.querySelectorAll('svg.chart .shift').length,
  headings: [...document.querySelectorAll('.timeline h3')].map(h => h.textContent),
  markup_in_evidence: document.querySelectorAll('.evidence-list i, .evidence-list script').length,
  text: document.body.innerText,
})"""


@pytest.fixture(scope="module")
def browser() -> Path:
    try:
        return chromium.ensure_chromium()
    except chromium.ChromiumUnavailable as exc:
        pytest.skip(f"headless Chromium unavailable and scripts/install-chromium.sh could not install it: {exc}")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """Three real runs: a figure revised twice, a deadline moved, a rival source, a rejected figure."""
    from flows.ingest import ingest

    corpus = tmp_path_factory.mktemp("corpus")
    db_path = tmp_path_factory.mktemp("warehouse") / "t.duckdb"
    (corpus / "a_report.txt").write_text("China's R&D spending reached 2% of GDP in 2023.\n")
    (corpus / "b_statistics.txt").write_text("Per <i>the bureau</i>, China's R&D spending was 1% of GDP in 2023.\n")
    (corpus / "c_plan.txt").write_text("The plan wants China's R&D spending at 5% of GDP by 2027.\n")
    (corpus / "d_blog.txt").write_text("A blog claims China's R&D spending hit 64% of GDP in 2024.\n")
    ingest(seeds_dir=corpus, db_path=db_path)
    (corpus / "a_report.txt").write_text("China's R&D spending reached 3% of GDP in 2023.\n")
    ingest(seeds_dir=corpus, db_path=db_path)
    (corpus / "a_report.txt").write_text("China's R&D spending reached 4% of GDP in 2023.\n")
    (corpus / "c_plan.txt").write_text("The plan wants China's R&D spending at 5% of GDP by 2030.\n")
    ingest(seeds_dir=corpus, db_path=db_path)
    return db_path


@pytest.fixture(scope="module")
def report_page(warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert cli.main(["report", "--db", str(warehouse), "--out", str(out)]) == 0
    return out / "index.html"


def test_report_counts_versions_and_shifts_per_indicator(warehouse):
    from warehouse import store

    data = store.load_report(warehouse)
    assert data.indicators == [{"indicator": "rd_intensity", "label": LABEL, "versions": 6, "shifts": 3,
                                "series": 3, "current_records": 3}]
    timeline = [(p["source_id"], p["value"], p["period"], p["opened_snapshot"], p["is_shift"])
                for p in data.timeline_points]
    assert timeline == [
        ("a_report.txt", 2.0, "2023", 1, False),
        ("a_report.txt", 3.0, "2023", 2, True),
        ("a_report.txt", 4.0, "2023", 3, True),
        ("c_plan.txt", 5.0, "2027", 1, False),
        ("c_plan.txt", 5.0, "2030", 3, True),
        ("b_statistics.txt", 1.0, "2023", 1, False),
    ]
    assert [(c["source_id"], c["change"], c["old_value"], c["new_value"], c["old_period"], c["new_period"])
            for c in data.changes[:2]] == [
        ("a_report.txt", "shifted", 3.0, 4.0, "2023", "2023"),
        ("c_plan.txt", "shifted", 5.0, 5.0, "2027", "2030"),
    ]
    assert [(c["source_a"], c["value_text_a"], c["source_b"], c["value_text_b"]) for c in data.conflicts] == [
        ("a_report.txt", "4%", "b_statistics.txt", "1%")]
    assert {(f["source_id"], f["check_name"]) for f in data.failures} == {("d_blog.txt", "plausible_range")}
    assert data.stats["runs"] == 3 and data.stats["snapshots"] == 3 and data.stats["conflicts"] == 1


def test_report_renders_in_chromium_without_errors(browser, report_page):
    page = chromium.visit(report_page.as_uri(), evaluate=PAGE_PROBE)
    assert page.console_errors == []
    assert page.network_requests == []  # self-contained: nothing fetched at view time
    drawn = json.loads(page.result)
    assert drawn["charts"] and all(width > 100 and height > 50 for width, height in drawn["charts"]), drawn
    assert len(drawn["lines"]) == 3 and all(length > 0 for length in drawn["lines"])
    assert drawn["shifts"] == 3
    assert drawn["headings"] == [f"{LABEL} rd_intensity"]
    assert drawn["markup_in_evidence"] == 0  # source text is escaped, never markup
    text = drawn["text"]
    for expected in ("Latest changes", "a_report.txt", "3% [2023] → 4% [2023]", "5% [2027] → 5% [2030]",
                     "Conflicts between sources", "b_statistics.txt", "plausible_range",
                     "Per <i>the bureau</i>, China's R&D spending was 1% of GDP in 2023."):
        assert expected in text


def test_run_publishes_report_artifact(warehouse):
    from prefect.artifacts import Artifact

    from flows.ingest import REPORT_ARTIFACT_KEY

    markdown = Artifact.get(REPORT_ARTIFACT_KEY).data
    assert "## Latest changes" in markdown
    assert "| #3 | shifted | rd_intensity | China | a_report.txt | 3% [2023] → 4% [2023] |" in markdown
    assert "| rd_intensity | China | 2023 | a_report.txt | 4% | b_statistics.txt | 1% |" in markdown
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


def test_render_escapes_every_text_field():
    hostile = "<script>alert('x')</script> | pipe"
    data = ReportData(
        generated_at=datetime(2026, 1, 1, tzinfo=timezone.utc), stats={"runs": 1}, indicators=[],
        timeline_points=[], changes=[], conflicts=[], alerts=[], evidence=[],
        failures=[{"created_at": datetime(2026, 1, 1, tzinfo=timezone.utc), "run_id": "r1", "source_id": hostile,
                   "indicator": None, "check_name": "read", "reason": "unreadable_file", "message": hostile,
                   "offending_value": None}])
    html = render_html(data)
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "\\| pipe" in render_markdown(data)  # a pipe in a cell never splits the markdown table
