"""What the benches share: a loopback-only Prefect environment, timed subprocesses, an empty flow.

Every subprocess gets a private PREFECT_HOME, no telemetry and the same PREFECT_* defaults the
`tracker` command sets (tracker.cli.PREFECT_DEFAULTS), so the empty flow and `tracker run` start
the same ephemeral Prefect server (Prefect binds it to 127.0.0.1).
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.cli import PREFECT_DEFAULTS  # noqa: E402

TRACKER = ROOT / ".venv" / "bin" / "tracker"
PYTHON = ROOT / ".venv" / "bin" / "python"
EMPTY_FLOW = "from prefect import flow\n\n@flow\ndef empty():\n    pass\n\nempty()\n"
# Variables that could point a subprocess at a remote API, a webhook or another warehouse.
SCRUBBED = ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_PROFILE", "TRACKER_ALERT_WEBHOOK", "TRACKER_DB",
            "TRACKER_SEEDS", "TRACKER_CONFIG", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")


def bench_env(prefect_home: Path, **extra: str) -> dict[str, str]:
    """The environment of every bench subprocess: temp Prefect home, ephemeral server on loopback, offline."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update(PREFECT_DEFAULTS)
    env.update({
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        # No user's tracker.toml, and tracebacks logged beside the bench's Prefect home
        "XDG_CONFIG_HOME": str(prefect_home / "config"),
        "XDG_STATE_HOME": str(prefect_home / "state"),
    })
    env.update(extra)
    return env


@dataclass(frozen=True)
class Timed:
    seconds: float  # wall clock
    cpu_s: float  # user + system CPU of the process and the children it waited for (Prefect's server)
    returncode: int
    stdout: str
    stderr: str


def run_timed(args: list, env: dict[str, str], cwd: Path = ROOT, timeout_s: float = 600) -> Timed:
    """Wall and CPU time of one subprocess; CPU time barely moves when other work shares the machine."""
    cpu_before = _children_cpu_s()
    started = time.perf_counter()
    done = subprocess.run([str(a) for a in args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout_s)
    return Timed(time.perf_counter() - started, _children_cpu_s() - cpu_before, done.returncode, done.stdout,
                 done.stderr)


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_tracker(db_path: Path, env: dict[str, str], *extra, timeout_s: float = 600) -> Timed:
    """`tracker run` exactly as a user types it, from the project folder."""
    return run_timed([TRACKER, "run", "--db", db_path, *extra], env, timeout_s=timeout_s)


def run_empty_flow(env: dict[str, str]) -> Timed:
    """A trivial flow on the same backend: what Prefect costs before the pipeline does anything."""
    timed = run_timed([PYTHON, "-c", EMPTY_FLOW], env)
    if timed.returncode != 0:
        raise RuntimeError(f"the empty flow failed (exit {timed.returncode}):\n{timed.stderr[-2000:]}")
    return timed


def check_run(timed: Timed, what: str) -> Timed:
    """A tracker run must finish (0, or 1 when some input failed validation)."""
    if timed.returncode not in (0, 1):
        raise RuntimeError(f"{what} exited {timed.returncode}:\n{timed.stderr[-2000:]}")
    return timed


def median(values: list[float]) -> float:
    return statistics.median(values)


def fmt_s(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


# --- generated corpora -----------------------------------------------------------------
SUBJECTS = ("China", "the United States", "the EU", "Japan", "South Korea", "Germany")
TEMPLATES = (
    "R&D spending in {subject} reached {pct}% of GDP in {year}.",
    "The share of basic research rose to {pct}% of total R&D in {year}.",
    "{subject} aims to raise R&D intensity to {pct}% by {target}.",
    "Venture funding for AI start-ups grew {pct}% in {year}, the ministry said.",
    "Semiconductor self-sufficiency stood at {pct}% in {year}, up from {pct2}% a year before.",
    "Officials met in {year} to discuss the plan; no figures were published.",
    "Quantum communication links now cover {km} km, according to the {year} report.",
)


def write_corpus(folder: Path, count: int, seed: int = 20261126) -> None:
    """`count` small text documents, a few template sentences each, deterministic for a seed."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for number in range(count):
        write_document(folder, number, rng)


def write_document(folder: Path, number: int, rng: random.Random) -> Path:
    """(Re)write document `number` with fresh sentences: new figures, so a run has records to change."""
    sentences = []
    for _ in range(rng.randint(2, 5)):
        year = rng.randint(2005, 2025)
        sentences.append(rng.choice(TEMPLATES).format(
            subject=rng.choice(SUBJECTS), pct=round(rng.uniform(0.5, 9.5), 1), pct2=round(rng.uniform(0.5, 9.5), 1),
            year=year, target=year + rng.randint(2, 10), km=rng.randint(100, 12000)))
    path = folder / f"{number:05d}_doc.txt"
    path.write_text(f"Document {number}\n\n" + " ".join(sentences) + "\n", encoding="utf-8")
    return path
