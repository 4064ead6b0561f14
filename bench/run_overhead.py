"""Issue 3: how much `tracker run` on the seeds costs next to an empty Prefect flow on the same backend.

Each round, in a private PREFECT_HOME shared by all rounds: an empty flow, `tracker run` on a fresh
warehouse in a temp folder, then a second `tracker run` with nothing changed. Prints every wall time
(and CPU time, which moves far less when other work shares the machine), the medians and the ratio
tracker/empty (goal <= 1.3x). One empty flow runs first, untimed, so that no round pays for creating
Prefect's database.

    uv run python bench/run_overhead.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import Timed, bench_env, check_run, fmt_s, median, run_empty_flow, run_tracker

GOAL_RATIO = 1.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    empty: list[Timed] = []
    first: list[Timed] = []
    second: list[Timed] = []
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        tmp = Path(tmp)
        env = bench_env(tmp / "prefect-home")
        run_empty_flow(env)  # warm-up: Prefect creates and migrates its database once
        for round_no in range(1, args.rounds + 1):
            db = tmp / f"round{round_no}" / "tracker.duckdb"
            empty.append(run_empty_flow(env))
            first.append(check_run(run_tracker(db, env), "tracker run (fresh warehouse)"))
            second.append(check_run(run_tracker(db, env), "tracker run (no change)"))
            print(f"round {round_no}: empty flow {empty[-1].seconds:.2f} s (cpu {empty[-1].cpu_s:.2f}), "
                  f"tracker run {first[-1].seconds:.2f} s (cpu {first[-1].cpu_s:.2f}), "
                  f"second run (no change) {second[-1].seconds:.2f} s (cpu {second[-1].cpu_s:.2f})", flush=True)
    for label, runs in (("empty flow", empty), ("tracker run (seeds)", first), ("tracker run (no change)", second)):
        wall, cpu = [t.seconds for t in runs], [t.cpu_s for t in runs]
        print(f"{label:24}: wall median {median(wall):.2f} s [{fmt_s(wall)}]; cpu median {median(cpu):.2f} s [{fmt_s(cpu)}]")
    for label, runs in (("tracker run / empty flow", first), ("no-change run / empty flow", second)):
        wall = median([t.seconds for t in runs]) / median([t.seconds for t in empty])
        cpu = median([t.cpu_s for t in runs]) / median([t.cpu_s for t in empty])
        print(f"{label:26}: {wall:.2f}x wall, {cpu:.2f}x cpu (goal <= {GOAL_RATIO}x)")


if __name__ == "__main__":
    main()
