"""Headless Chromium over the DevTools protocol: open a local page, collect what went wrong.

No extra pip dependency: `websockets` comes with Prefect. The browser runs with every
background service off, so a page that tries the network shows up as a request, not a wait.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from websockets.sync.client import connect

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_SCRIPT = Path(__file__).parent.parent / "scripts" / "install-chromium.sh"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-port=0", "--remote-allow-origins=*",
]
START_TIMEOUT_S = 30.0
LOAD_TIMEOUT_S = 30.0
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


class ChromiumUnavailable(Exception):
    """Chromium is missing and could not be installed."""


@dataclass
class PageVisit:
    """What one page load did: errors from the console and the runtime, requests it made."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    result: object = None  # value of the expression evaluated after load
    screenshot_png: bytes | None = None

    @property
    def network_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]


def ensure_chromium() -> Path:
    """The Chromium binary; runs scripts/install-chromium.sh once if it is missing."""
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("sh") is None or not INSTALL_SCRIPT.exists():
        raise ChromiumUnavailable(f"{CHROMIUM} is missing and {INSTALL_SCRIPT} cannot run")
    done = subprocess.run(["sh", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not CHROMIUM.exists():
        raise ChromiumUnavailable(f"{INSTALL_SCRIPT} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return CHROMIUM


def visit(url: str, evaluate: str | None = None, screenshot: bool = False,
          width: int = 1280, height: int = 900) -> PageVisit:
    """Load a page in a fresh headless Chromium; report console errors, requests, a value, a PNG."""
    binary = ensure_chromium()
    # A helper process may still write to the profile for a moment after the browser is gone
    with tempfile.TemporaryDirectory(prefix="tracker-chromium-", ignore_cleanup_errors=True) as profile:
        # Its own process group, so ending it ends the renderer and helper processes too
        process = subprocess.Popen(
            [str(binary), *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            endpoint = _browser_endpoint(Path(profile), process)
            with connect(endpoint, max_size=None, open_timeout=START_TIMEOUT_S) as socket:
                return _DevTools(socket).visit(url, evaluate, screenshot, width, height)
        finally:
            _end_group(process)


def _end_group(process: subprocess.Popen) -> None:
    """End the browser we started and every process in its group."""
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue
    process.wait()
    process.stderr.close()


def _browser_endpoint(profile: Path, process: subprocess.Popen) -> str:
    """Chromium writes its chosen port and browser path to DevToolsActivePort."""
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ChromiumUnavailable(f"chromium exited with {process.returncode}: "
                                      f"{process.stderr.read().decode(errors='replace')[-500:]}")
        lines = port_file.read_text().split() if port_file.exists() else []
        if len(lines) == 2:
            return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.05)
    raise ChromiumUnavailable(f"chromium did not open its DevTools port within {START_TIMEOUT_S:.0f} s")


class _DevTools:
    """Just enough of the protocol: one page target in a flattened session."""

    def __init__(self, socket):
        self.socket = socket
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def call(self, method: str, session: str | None = None, **params) -> dict:
        message_id = next(self.ids)
        message = {"id": message_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        while True:
            reply = json.loads(self.socket.recv(timeout=LOAD_TIMEOUT_S))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, matches) -> None:
        """Read events until one satisfies `matches` (events already read count too)."""
        if any(matches(event) for event in self.events):
            return
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while time.monotonic() < deadline:
            event = json.loads(self.socket.recv(timeout=LOAD_TIMEOUT_S))
            self.events.append(event)
            if matches(event):
                return
        raise TimeoutError(f"the page did not load within {LOAD_TIMEOUT_S:.0f} s")

    def visit(self, url: str, evaluate: str | None, screenshot: bool, width: int, height: int) -> PageVisit:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session)
        self.call("Page.setLifecycleEventsEnabled", session, enabled=True)
        self.call("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        self.events.clear()
        # Wait for the load of this navigation: a late event of about:blank must not count
        loader = self.call("Page.navigate", session, url=url)["loaderId"]
        self.wait_for(lambda event: event.get("method") == "Page.lifecycleEvent"
                      and event["params"]["name"] == "load" and event["params"]["loaderId"] == loader)
        self.call("Runtime.evaluate", session, expression="0", awaitPromise=True)  # flush late events
        page = PageVisit()
        if evaluate is not None:
            page.result = self.call("Runtime.evaluate", session, expression=evaluate,
                                    returnByValue=True)["result"].get("value")
        if screenshot:
            data = self.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True)["data"]
            page.screenshot_png = base64.b64decode(data)
        for event in self.events:
            _collect(event, page)
        return page


def _collect(event: dict, page: PageVisit) -> None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        page.console_errors.append(details.get("exception", {}).get("description") or details.get("text", ""))
    elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        page.console_errors.append(" ".join(str(arg.get("value", arg.get("description", "")))
                                            for arg in params.get("args", [])))
    elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
        page.console_errors.append(params["entry"].get("text", ""))
    elif method == "Network.requestWillBeSent":
        page.requests.append(params["request"]["url"])
