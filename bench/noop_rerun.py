"""Issue 5: what a rerun over 10,000 unchanged documents costs beyond Prefect's own start (goal <= 2 s).

Writes a corpus of small generated documents (template sentences with figures, e.g. "R&D spending
reached 2.4% of GDP in 2023.") into a temp folder, runs `tracker run` once to fill the warehouse,
then times rounds of [empty flow, `tracker run` with nothing changed] on the same backend and prints
both times and their difference per round, and the medians.

    uv run python bench/noop_rerun.py [--documents 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

from common import bench_env, check_run, fmt_s, median, run_empty_flow, run_tracker

GOAL_S = 2.0
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
        sentences = []
        for _ in range(rng.randint(2, 5)):
            year = rng.randint(2005, 2025)
            sentences.append(rng.choice(TEMPLATES).format(
                subject=rng.choice(SUBJECTS), pct=round(rng.uniform(0.5, 9.5), 1), pct2=round(rng.uniform(0.5, 9.5), 1),
                year=year, target=year + rng.randint(2, 10), km=rng.randint(100, 12000)))
        (folder / f"{number:05d}_doc.txt").write_text(f"Document {number}\n\n" + " ".join(sentences) + "\n",
                                                      encoding="utf-8")


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
        empty, rerun = [], []
        for round_no in range(1, args.rounds + 1):
            empty.append(run_empty_flow(env).seconds)
            timed = check_run(run_tracker(db, env, "--seeds", corpus), "no-change rerun")
            if f"{args.documents} unchanged" not in timed.stdout:
                raise RuntimeError(f"the rerun was expected to find every document unchanged:\n{timed.stdout}")
            rerun.append(timed.seconds)
            print(f"round {round_no}: empty flow {empty[-1]:.2f} s, no-change rerun {rerun[-1]:.2f} s, "
                  f"beyond Prefect {rerun[-1] - empty[-1]:+.2f} s", flush=True)
    beyond = [r - e for r, e in zip(rerun, empty)]
    print(f"empty flow        : median {median(empty):.2f} s  [{fmt_s(empty)}]")
    print(f"no-change rerun   : median {median(rerun):.2f} s  [{fmt_s(rerun)}]")
    print(f"beyond Prefect    : median {median(beyond):+.2f} s  [{fmt_s(beyond)}] (goal <= {GOAL_S:g} s)")


if __name__ == "__main__":
    main()
