"""Run every benchmark in bench/ and print one table (``make bench``).

Each ``bench/<name>.py`` (except this file and ``_*.py``) runs as its own subprocess, so
that one benchmark's memory and thread pools cannot disturb the next. From its output this
collects the lines ``linnet_s <seconds>``, ``baseline_s <seconds>``, ``target <text>``,
``summary <text>`` (any number, printed under the table) and ``ratio <number>`` (the last
line), and prints:

    machine: <CPU model, cores, widest SIMD; numba's target CPU; BLAS core type>
    benchmark   linnet_s   baseline_s   ratio   wall_s   target

A benchmark that fails or prints no ratio is listed with its error; the exit status is then 1.

The kernel benchmarks (:data:`KERNEL_BENCHMARKS`) run a second time with the AVX2 code
generation, ``<name> [haswell]`` in the table: numba compiling for Haswell
(``NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES=""``: without the empty feature string numba
keeps the host's AVX-512) and OpenBLAS on its Haswell kernels (``OPENBLAS_CORETYPE=Haswell``,
the ones it runs on an AMD EPYC Zen 3), so both sides of each in-process ratio are what an
AVX2 machine computes. ``--no-haswell`` skips those runs.

Run: ``.venv/bin/python bench/run_all.py [NAME ...] [--timeout S] [--verbose]``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from _machine import describe  # bench/ is on sys.path: this script's folder

HERE = Path(__file__).resolve().parent
_VALUE = {"linnet_s", "baseline_s", "ratio"}
#: Benchmarks of the GD kernel, re-run with the Haswell code generation (with their arguments there).
KERNEL_BENCHMARKS = {"kernel_rates": [], "seed_workload": ["--baseline-steps", "1000"]}
HASWELL = {"NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": "", "OPENBLAS_CORETYPE": "Haswell"}


def parse(output: str) -> dict:
    """The ``linnet_s``, ``baseline_s``, ``ratio`` numbers and ``target`` text of an output."""
    found: dict = {}
    for line in output.splitlines():
        key, _, rest = line.strip().partition(" ")
        if key in _VALUE:
            m = re.match(r"[-+0-9.eE]+|nan|inf", rest.strip())
            if m:
                found[key] = float(m.group())
        elif key == "target":
            found["target"] = rest.strip()
        elif key == "summary":
            found.setdefault("summary", []).append(rest.strip())
    return found


def benchmarks(names=None) -> list[Path]:
    paths = sorted(p for p in HERE.glob("*.py")
                   if p.name != Path(__file__).name and not p.name.startswith("_"))
    if names:
        wanted = {n.removesuffix(".py") for n in names}
        unknown = wanted - {p.stem for p in paths}
        if unknown:
            raise SystemExit(f"unknown benchmark(s) {sorted(unknown)}; have {[p.stem for p in paths]}")
        paths = [p for p in paths if p.stem in wanted]
    return paths


def _fmt(x) -> str:
    if x is None:
        return "-"
    return f"{x:.3g}" if abs(x) < 1e-2 or abs(x) >= 1e4 else f"{x:.3f}".rstrip("0").rstrip(".")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    p.add_argument("--timeout", type=float, default=900, help="seconds per benchmark")
    p.add_argument("--verbose", action="store_true", help="echo each benchmark's output")
    p.add_argument("--no-haswell", action="store_true",
                   help="skip the re-runs of the kernel benchmarks with AVX2 code")
    args = p.parse_args(argv)
    rows, failed = [], False
    runs = [(path, path.stem, [], None) for path in benchmarks(args.names)]
    if not args.no_haswell:
        runs += [(path, f"{path.stem} [haswell]", KERNEL_BENCHMARKS[path.stem], HASWELL)
                 for path, *_ in list(runs) if path.stem in KERNEL_BENCHMARKS]
    for path, name, extra, settings in runs:
        t0 = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        env = None if settings is None else {**os.environ, **settings}
        try:
            done = subprocess.run([sys.executable, str(path), *extra], capture_output=True,
                                  text=True, timeout=args.timeout, cwd=HERE.parent, env=env)
            out, err, rc = done.stdout, done.stderr, done.returncode
        except subprocess.TimeoutExpired as exc:
            out, err, rc = exc.stdout or "", f"timed out after {args.timeout:.0f} s", -1
            out = out.decode() if isinstance(out, bytes) else out
        wall = time.perf_counter() - t0
        if args.verbose:
            print(out, file=sys.stderr)
        found = parse(out)
        error = None
        if rc != 0:
            error = (err.strip().splitlines() or [f"exit status {rc}"])[-1]
        elif "ratio" not in found:
            error = "printed no 'ratio' line"
        failed |= error is not None
        rows.append((name, found, wall, error))

    header = f"{'benchmark':<26}{'linnet_s':>11}{'baseline_s':>12}{'ratio':>9}{'wall_s':>8}  target"
    print(f"machine: {describe()}")  # timings mean little without the CPU and its vectors
    print(header)
    print("-" * (len(header) + 24))
    for name, found, wall, error in rows:
        if error:
            print(f"{name:<26}  FAILED: {error}")
            continue
        print(f"{name:<26}{_fmt(found.get('linnet_s')):>11}{_fmt(found.get('baseline_s')):>12}"
              f"{_fmt(found.get('ratio')):>9}{wall:>8.1f}  {found.get('target', '-')}")
    notes = [(name, line) for name, found, _, error in rows if not error
             for line in found.get("summary", [])]
    if notes:
        print()
        for name, line in notes:
            print(f"{name}: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
