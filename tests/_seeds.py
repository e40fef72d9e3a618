"""Seeds for the theory-validation tests.

Tests must pass for any seed in 0..99 (DESIGN.md, Tests). CI runs a few representative ones;
``LINNET_TEST_SEEDS=0-99 pytest tests/test_stats.py`` (or ``=3,17``) checks others.
"""

from __future__ import annotations

import os


def seeds(default: list[int]) -> list[int]:
    """``default``, or the seeds named by the environment variable ``LINNET_TEST_SEEDS``."""
    spec = os.environ.get("LINNET_TEST_SEEDS", "").strip()
    if not spec:
        return list(default)
    out: list[int] = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out
