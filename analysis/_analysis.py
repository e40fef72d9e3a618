"""What every analysis script shares (named apart from figures/_common.py so both import in one process): its command line and where its table goes.

Each script ``analysis/<name>.py`` computes one table and writes it with
:func:`linnet.tables.write` to ``--out`` (default ``results/<name>.csv``). ``--quick`` runs a
tiny grid in seconds, for the smoke tests.
"""

from __future__ import annotations

import argparse
from pathlib import Path


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
