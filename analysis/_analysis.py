"""What every analysis script shares (named apart from figures/_common.py so both import in one process): its command line and where its table goes.

Each script ``analysis/<name>.py`` computes one table and writes it with
:func:`linnet.tables.write` to ``--out`` (default ``results/<name>.csv``). ``--quick`` runs a
tiny grid in seconds, for the smoke tests; its table goes to ``results/quick/<name>.csv`` unless
``--out`` says otherwise, so a quick table never takes the place of the real one that
``make figures`` draws.

Bad input never ends in a traceback: the parser checks, before any work, that ``--out`` can be
written (creating its folder) and runs the checks scripts add (:meth:`Parser.add_check`);
:func:`user_errors` turns a ValueError or OSError of the input into one line on standard error
and exit 2.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import numpy as np

from linnet import Statistics, cli, data, network, tables

RESULTS = Path("results")
QUICK = RESULTS / "quick"  # where --quick tables go by default


class Parser(cli.Parser):
    """The analysis parser: after parsing, ``--out`` gets its default and is checked, then
    every check added with :meth:`add_check` runs; a failure is one line and exit 2."""

    def __init__(self, name: str, **kwargs):
        super().__init__(**kwargs)
        self.name = name
        self.checks = []

    def add_check(self, check) -> None:
        """Run ``check(args)`` after parsing; a ValueError or OSError it raises is a usage error."""
        self.checks.append(check)

    def parse_known_args(self, args=None, namespace=None):
        ns, extras = super().parse_known_args(args, namespace)
        if ns.out is None:
            ns.out = (QUICK if ns.quick else RESULTS) / f"{self.name}.csv"
        ns.prog = self.prog
        try:  # the input first, then the output (whose folder the check creates)
            for check in self.checks:
                check(ns)
            ns.out = cli.check_output_file(ns.out, "--out")
        except (ValueError, OSError) as exc:
            cli.usage_error(self.prog, exc)
        return ns, extras


def parser(name: str, doc: str | None) -> Parser:
    """An argument parser with the options every analysis script takes.

    ``doc`` (the script's docstring) becomes the description, with its reST markup removed.
    """
    p = Parser(name, prog=f"analysis/{name}.py", description=cli.help_text(doc),
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a tiny grid that runs in seconds")
    p.add_argument("--out", type=Path, default=None,
                   help=f"where to write the table (default: {RESULTS / name}.csv, or "
                        f"{QUICK / name}.csv with --quick); its folder is created")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="show progress bars on a terminal (default: on)")
    return p


@contextlib.contextmanager
def user_errors(args):
    """Turn a ValueError or OSError raised by the user's input (a data folder, a file) into one
    line on standard error and exit 2, for the script ``args`` were parsed for."""
    try:
        yield
    except (ValueError, OSError) as exc:
        cli.usage_error(getattr(args, "prog", "analysis"), exc)


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
