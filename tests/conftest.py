"""Shared fixtures: one throwaway Prefect API per session, loopback-only HTTP servers."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Before Prefect is imported: a private home, no telemetry, quiet logs.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="tracker-prefect-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "tracker.runs")  # as the CLI sets it
os.environ.pop("TRACKER_ALERT_WEBHOOK", None)
# No developer's own ~/.config/tracker/tracker.toml (it may hold a real webhook), and tracebacks of
# exit-3 errors logged in a temp folder, not in the user's state folder
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="tracker-config-")
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="tracker-state-")
os.environ.pop("TRACKER_DB", None)

TEXTS = Path(__file__).parent / "texts"
SEEDS = Path(__file__).parent.parent / "seeds"


@pytest.fixture(scope="session")
def prefect_backend():
    """Flows run for real against one temporary Prefect API for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def db(tmp_path) -> Path:
    """Where a test's warehouse lives: the default layout, inside the test's own folder."""
    return tmp_path / "warehouse" / "tracker.duckdb"


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)  # loopback only, any free port


@pytest.fixture
def httpserver(make_httpserver):
    """pytest-httpserver's server, as a site with no robots.txt (404: everything may be fetched,
    RFC 9309); its 500 for unknown paths would close the whole host to the tracker. Tests of
    robots.txt use tests/site_server.py."""
    server = make_httpserver
    server.clear()
    server.expect_request("/robots.txt").respond_with_data("no robots.txt here", status=404)
    yield server
    server.clear()
