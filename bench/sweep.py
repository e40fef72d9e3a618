"""Benchmark: a 200-configuration sweep of two-layer networks on the embedded MNIST sample.

``python -m linnet sweep`` with two worker processes trains 5 initial scales × 8 learning
rates × 5 seeds (100 → 20 → 10 on the 100-component whitened sample, 10,000 steps each) as
batched ensembles into a fresh cache, then runs the same command again, which must find
every configuration cached. Both are timed end to end as subprocesses (interpreter start,
imports, data loading, workers). Baseline, in this process: a Python loop over the 200 runs
one network at a time (data already loaded: its loading is not counted).

Prints ``linnet_s`` (the sweep), ``rerun_s``, ``baseline_s`` and last ``ratio`` = baseline /
sweep. Targets: sweep < 120 s, re-run < 5 s.

Run: ``.venv/bin/python bench/sweep.py [--steps N]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from linnet import sweep, train

SCALES = ["1e-3", "3e-3", "1e-2", "3e-2", "1e-1"]
LRS = ["0.05", "0.1", "0.2", "0.4", "0.8", "1.2", "1.6", "2.4"]  # bound 2/(2 s1) ≈ 1.77
SEEDS = 5


def cli(cache: Path, out: Path, steps: int, jobs: int) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "linnet", "sweep", "--experiment", "bench", "--dataset", "mnist",
           "--depth", "2", "--width", "20", "--init-scale", *SCALES, "--lr", *LRS,
           "--seeds", str(SEEDS), "--steps", str(steps), "--jobs", str(jobs),
           "--cache", str(cache), "--out", str(out), "--no-progress"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if done.returncode:
        raise RuntimeError(f"linnet sweep failed:\n{done.stderr}")
    return dt, done.stdout.strip()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=10_000)
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args(argv)
    n = len(SCALES) * len(LRS) * SEEDS
    with tempfile.TemporaryDirectory(prefix="linnet-bench-sweep-") as tmp:
        tmp = Path(tmp)
        t_sweep, msg = cli(tmp / "cache", tmp / "a.csv", args.steps, args.jobs)
        print(f"sweep: {msg}")
        t_rerun, msg = cli(tmp / "cache", tmp / "b.csv", args.steps, args.jobs)
        print(f"re-run: {msg}")
        assert (tmp / "a.csv").read_bytes() == (tmp / "b.csv").read_bytes()
        entries = len(list((tmp / "cache").glob("*.csv")))
        assert entries == n, (entries, n)

    # Baseline: the same runs one at a time, in this process, data already in memory.
    configs = sweep.grid(experiment="bench", dataset="mnist", depth=2, width=20,
                         init_scale=[float(s) for s in SCALES], lr=[float(x) for x in LRS],
                         seed=range(SEEDS), steps=args.steps)
    stats = sweep.task("mnist").stats  # what the sweep's workers train on
    t0 = time.perf_counter()
    diverged = 0
    for c in configs:
        ws = sweep.initial_weights(c, c.widths(stats.n_in, stats.n_out))
        tr = train.gradient_descent(ws, stats, c.lr, c.steps,
                                    record_steps=train.log_steps(c.steps, c.records))
        diverged += bool(tr.diverged)
    t_loop = time.perf_counter() - t0
    print(f"configurations {n}, diverged {diverged} (data, not errors), jobs {args.jobs}")
    print(f"rerun_s {t_rerun:.2f}  (target < 5)")
    print(f"summary {n} configurations in {t_sweep:.1f} s with {args.jobs} workers, re-run "
          f"{t_rerun:.2f} s (targets < 120 s, < 5 s)")
    print(f"linnet_s {t_sweep:.2f}  (target < 120)")
    print(f"baseline_s {t_loop:.2f}")
    print("target sweep < 120 s, re-run < 5 s")
    print(f"ratio {t_loop / t_sweep:.2f}")
    return 0


if __name__ == "__main__":
    from _machine import describe  # bench/ is on sys.path: the script's folder
    print(f"machine {describe()}", flush=True)
    raise SystemExit(main())
