"""Issue 3: how much `tracker run` on the seeds costs next to an empty Prefect flow on the same backend.

Each round, in a private PREFECT_HOME shared by all rounds: an empty flow, `tracker run` on a fresh
warehouse in a temp folder, then a second `tracker run` with nothing changed. Prints every time, the
medians and the ratio tracker/empty (goal <= 1.3x). One empty flow runs first, untimed, so that no
round pays for creating Prefect's database.

    uv run python bench/run_overhead.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import bench_env, check_run, fmt_s, median, run_empty_flow, run_tracker

GOAL_RATIO = 1.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as tmp:
        tmp = Path(tmp)
        env = bench_env(tmp / "prefect-home")
        run_empty_flow(env)  # warm-up: Prefect creates and migrates its database once
        empty, first, second = [], [], []
        for round_no in range(1, args.rounds + 1):
            db = tmp / f"round{round_no}" / "tracker.duckdb"
            empty.append(run_empty_flow(env).seconds)
            first.append(check_run(run_tracker(db, env), "tracker run (fresh warehouse)").seconds)
            second.append(check_run(run_tracker(db, env), "tracker run (no change)").seconds)
            print(f"round {round_no}: empty flow {empty[-1]:.2f} s, tracker run {first[-1]:.2f} s "
                  f"({first[-1] / empty[-1]:.2f}x), second run (no change) {second[-1]:.2f} s", flush=True)
    ratio = median(first) / median(empty)
    round_ratios = [f / e for f, e in zip(first, empty)]
    print(f"empty flow             : median {median(empty):.2f} s  [{fmt_s(empty)}]")
    print(f"tracker run (seeds)    : median {median(first):.2f} s  [{fmt_s(first)}]")
    print(f"tracker run (no change): median {median(second):.2f} s  [{fmt_s(second)}]")
    print(f"ratio tracker/empty    : {ratio:.2f}x of medians, {median(round_ratios):.2f}x median of rounds "
          f"(goal <= {GOAL_RATIO}x); no-change run/empty {median(second) / median(empty):.2f}x")


if __name__ == "__main__":
    main()
