"""Benchmark: the MNIST P-sweep of ``analysis/generalisation_mnist.py`` (15 subsets, 10⁶ GD steps).

linnet computes gradient descent of the linear readout for every subset at 120 recorded steps
from one stacked eigendecomposition of the subsets' Σ11
(:func:`linnet.theory.generalisation.linear_descent`); the whole script (loading and whitening
the data, the sweep, the evaluation, writing the table) is timed. The baseline is plain
gradient descent from the same statistics, W ← W − η(WΣ11 − Σ31), stepped for every subset:
timed for ``--baseline-steps`` steps and scaled to the sweep's 10⁶ (a loop's cost is linear in
its steps); both give the same map at that step (the maximum difference is printed).
Target: the sweep under 60 s. Prints ``ratio`` = baseline / linnet.

Run: ``.venv/bin/python bench/generalisation_mnist.py [--baseline-steps N]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from linnet import Statistics, setups
from linnet.theory.generalisation import linear_descent

ROOT = Path(__file__).resolve().parents[1]


def load_analysis():
    spec = importlib.util.spec_from_file_location("generalisation_mnist",
                                                  ROOT / "analysis" / "generalisation_mnist.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline-steps", type=int, default=2000)
    args = p.parse_args(argv)
    script = load_analysis()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        script.main(["--no-progress", "--out", str(Path(folder) / "g.csv")])
        t_lin = time.perf_counter() - start
    spec = script.GeneralisationMnist()
    task, _, _ = setups.whitened_mnist(spec.dataset)
    stats = [Statistics.from_data(task.X[:n], task.Y[:n]) for n in spec.sizes]
    s11, s31 = np.stack([s.sigma11 for s in stats]), np.stack([s.sigma31 for s in stats])
    lr = spec.lr_fraction / float(np.linalg.eigvalsh(s11)[:, -1].max())
    k = args.baseline_steps
    start = time.perf_counter()
    W = np.zeros_like(s31)
    for _ in range(k):
        W = W - lr * (W @ s11 - s31)
    t_loop = time.perf_counter() - start
    err = float(np.abs(W - linear_descent([k], s11, s31, lr=lr)[0]).max())
    base = t_loop * spec.steps / k
    print(f"{len(spec.sizes)} subsets P = {spec.sizes[0]}…{spec.sizes[-1]}, {spec.steps} steps; plain loop "
          f"{t_loop:.2f} s for {k} steps, scaled; max |difference| at step {k}: {err:.1e}")
    print(f"linnet_s {t_lin:.4f}")
    print(f"baseline_s {base:.4f}")
    print("target linnet_s < 60")
    print(f"ratio {base / t_lin:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
