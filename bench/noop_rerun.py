"""Issue 5: what a rerun over 10,000 unchanged documents costs beyond Prefect's own start (goal <= 2 s).

Writes a corpus of small generated documents (template sentences with figures, e.g. "R&D spending
reached 2.4% of GDP in 2023.") into a temp folder, runs `tracker run` once to fill the warehouse,
then times rounds of [empty flow, `tracker run` with nothing changed] on the same backend and prints
both times and their difference per round, and the medians: wall clock, and CPU time (user + system
of the run and the Prefect server it starts), which moves far less when other work shares the machine.

    uv run python bench/noop_rerun.py [--documents 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import Timed, bench_env, check_run, fmt_s, median, run_empty_flow, run_tracker, write_corpus

GOAL_S = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-noop-") as tmp:
        tmp = Path(tmp)
        corpus, db = tmp / "corpus", tmp / "warehouse" / "tracker.duckdb"
        write_corpus(corpus, args.documents)
        env = bench_env(tmp / "prefect-home")
        run_empty_flow(env)  # warm-up: Prefect creates and migrates its database once
        fill = check_run(run_tracker(db, env, "--seeds", corpus), "first run (fills the warehouse)")
        print(f"first run over {args.documents} new documents: {fill.seconds:.2f} s "
              f"({fill.stdout.splitlines()[1].strip() if len(fill.stdout.splitlines()) > 1 else '?'})", flush=True)
        empty: list[Timed] = []
        rerun: list[Timed] = []
        for round_no in range(1, args.rounds + 1):
            empty.append(run_empty_flow(env))
            timed = check_run(run_tracker(db, env, "--seeds", corpus), "no-change rerun")
            if f"{args.documents} unchanged" not in timed.stdout:
                raise RuntimeError(f"the rerun was expected to find every document unchanged:\n{timed.stdout}")
            rerun.append(timed)
            print(f"round {round_no}: empty flow {empty[-1].seconds:.2f} s (cpu {empty[-1].cpu_s:.2f}), "
                  f"no-change rerun {timed.seconds:.2f} s (cpu {timed.cpu_s:.2f}), "
                  f"beyond Prefect {timed.seconds - empty[-1].seconds:+.2f} s (cpu {timed.cpu_s - empty[-1].cpu_s:+.2f})",
                  flush=True)
    for label, runs in (("empty flow", empty), ("no-change rerun", rerun)):
        wall, cpu = [t.seconds for t in runs], [t.cpu_s for t in runs]
        print(f"{label:16}: wall median {median(wall):.2f} s [{fmt_s(wall)}]; cpu median {median(cpu):.2f} s [{fmt_s(cpu)}]")
    wall = [r.seconds - e.seconds for r, e in zip(rerun, empty)]
    cpu = [r.cpu_s - e.cpu_s for r, e in zip(rerun, empty)]
    print(f"{'beyond Prefect':16}: wall median {median(wall):+.2f} s [{fmt_s(wall)}]; "
          f"cpu median {median(cpu):+.2f} s [{fmt_s(cpu)}] (goal <= {GOAL_S:g} s)")


if __name__ == "__main__":
    main()
