"""What every analysis script shares (named apart from figures/_common.py so both import in one process): its command line and where its table goes.

Each script ``analysis/<name>.py`` computes one table and writes it with
:func:`linnet.tables.write` to ``--out`` (default ``results/<name>.csv``). ``--quick`` runs a
tiny grid in seconds, for the smoke tests.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from linnet import Statistics, data, network, tables


def parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """An argument parser with the options every analysis script takes."""
    p = argparse.ArgumentParser(prog=f"analysis/{name}.py", description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a tiny grid that runs in seconds")
    p.add_argument("--out", type=Path, default=Path("results") / f"{name}.csv",
                   help="where to write the table (default: %(default)s)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="show progress bars on a terminal (default: on)")
    return p


def whitened_teacher_stats(experiment: str, s: np.ndarray) -> Statistics:
    """Statistics of a square linear teacher with singular values ``s`` (n,) on exactly whitened inputs.

    Σ11 = I (n × n), Σ31 = the teacher (n × n, random singular vectors drawn from
    ``rng_for(experiment, "teacher")``) and Tr Σ33 = Σ s_α² (noiseless targets), so the
    least-squares residual is zero.
    """
    n = s.size
    W = data.teacher_matrix(n, n, rng=tables.rng_for(experiment, "teacher"), spectrum=s)
    return Statistics(np.eye(n), W, float(np.sum(s**2)))


def match_determinant_sign(weights, sigma31: np.ndarray):
    """Flip the first row of the last layer when det(W_L⋯W_1) and det Σ31 differ in sign.

    A balanced square network cannot change the sign of its determinant without passing a
    singular map, so from the wrong sign one mode stalls at a saddle. Flipping a row of W_L
    keeps W_Lᵀ W_L, hence every balance identity (W_{l+1}ᵀW_{l+1} − W_l W_lᵀ).
    """
    if np.linalg.det(network.end_to_end(weights)) * np.linalg.det(sigma31) < 0:
        flip = np.ones(weights[-1].shape[0])
        flip[0] = -1.0
        weights = weights[:-1] + (weights[-1] * flip[:, None],)
    return weights
