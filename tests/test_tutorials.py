"""Every tutorial in docs/tutorials/ runs as a plain script on the embedded data (issue 12).

The documentation build executes them too (myst-nb); this test keeps them working between
builds, in a fresh interpreter each, as a reader would run one. A tutorial is jupytext's percent
format: prose in ``# %% [markdown]`` cells, code in ``# %%`` cells (docs/tutorials.md).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT

TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("[0-9]*.py"))


def test_there_are_tutorials():
    assert [p.name for p in TUTORIALS][:2] == ["01_from_the_seed_notebook.py", "02_your_own_training_loop.py"]


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(path):
    text = path.read_text()
    assert text.startswith("# %% [markdown]\n# # "), f"{path.name}: start with a markdown cell holding the title"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    # 120 s: each tutorial takes a few seconds alone (the convention is < 30 s); the margin is for
    # a loaded two-core machine running the rest of the suite beside it.
    done = subprocess.run([sys.executable, str(path)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"{path.name} failed:\n{done.stderr[-3000:]}"
    assert done.stdout.strip(), f"{path.name} printed nothing"
