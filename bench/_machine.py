"""What machine a benchmark ran on, in one line (printed by bench/run_all.py and each bench).

Timings and rates mean little without the CPU: the numba kernel compiles for the CPU it
runs on (512-bit vectors with AVX-512, 256-bit with AVX2) and OpenBLAS picks its kernels by
CPU, so the same benchmark differs between an AVX-512 Xeon and an AVX2 AMD EPYC.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

#: x86 feature flags from the widest vectors down, with what they give.
_SIMD = [("avx512f", "AVX-512 (512-bit)"), ("avx2", "AVX2 (256-bit)"), ("avx", "AVX (256-bit)"),
         ("sse2", "SSE2 (128-bit)"), ("asimd", "NEON (128-bit)")]


def _cpuinfo() -> dict:
    """The first processor's fields of /proc/cpuinfo (empty where there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {}
    info = {}
    for line in text.split("\n\n")[0].splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def widest_simd(flags) -> str:
    """The widest vector extension among CPU feature ``flags`` (names as in /proc/cpuinfo)."""
    flags = set(flags)
    return next((name for flag, name in _SIMD if flag in flags), "unknown")


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _numba_target() -> str:
    """The CPU numba compiles for and its widest vectors, or why there is none."""
    try:
        from numba.core.registry import cpu_target
    except ImportError:
        return "numba not installed"
    _, cpu, features = cpu_target.target_context.codegen().magic_tuple()
    on = {f[1:] for f in features.split(",") if f.startswith("+")}
    if not features:  # NUMBA_CPU_FEATURES="": the features that the CPU name implies
        return f"numba target {cpu} (the features its name implies)"
    return f"numba target {cpu}, {widest_simd(on)}"


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS unknown"
    libs = [f"{i.get('internal_api')} {i.get('architecture') or ''}".strip()
            + f" ({i.get('num_threads')} threads)"
            for i in threadpool_info() if i.get("user_api") == "blas"]
    # numpy and scipy may each load their own copy of the same OpenBLAS: name each kind once.
    return "BLAS " + (", ".join(dict.fromkeys(libs)) or "not loaded")


def describe() -> str:
    """One line: CPU model, usable cores, widest SIMD, numba's target CPU, BLAS core type.

    Example: ``Intel(R) Xeon(R) Processor, 2 cores, AVX-512 (512-bit); numba target
    rocketlake, AVX-512 (512-bit); BLAS openblas SkylakeX (2 threads)``.
    """
    import numpy  # noqa: F401  (loads the BLAS that threadpoolctl then reports)

    info = _cpuinfo()
    model = info.get("model name") or platform.processor() or platform.machine()
    simd = widest_simd(info.get("flags", info.get("Features", "")).split())
    return f"{model}, {_cpu_count()} cores, {simd}; {_numba_target()}; {_blas()}"


if __name__ == "__main__":
    print(describe())
