"""The documentation's gallery: every figure of the Makefile's FIGURES has key numbers from its tables.

The gallery (docs/gallery.py, run by ``make docs``) shows every figure ``make figures`` draws with
the numbers its script's ``key_numbers(folder)`` computes from the tables. Here each figure of
FIGURES (``make -s print-figures``, so a figure added in a figures/*.mk fragment is checked
without an edit here) gets its tables from the analyses' ``--quick`` runs (the tables make's
database says it reads) and must return a non-empty (quantity, value) frame of text, computed from
those tables: from a folder without them it must fail instead of answering.
"""

from __future__ import annotations

import functools
import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, load_script, run_quick_analyses


def _gallery():
    spec = importlib.util.spec_from_file_location("_docs_gallery", ROOT / "docs" / "gallery.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gallery = _gallery()
FIGURES = subprocess.run(["make", "-s", "print-figures"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
TABLES = gallery.figure_tables(FIGURES)


@functools.lru_cache(maxsize=None)
def _quick_folder(analyses: tuple[str, ...], root: str) -> Path:
    """One folder per set of analyses, each run once per test process (xdist worker)."""
    folder = Path(root) / "_".join(analyses)
    folder.mkdir(parents=True, exist_ok=True)
    return run_quick_analyses(analyses, folder)


def test_figures_are_listed_with_their_tables():
    assert len(FIGURES) >= 14 and all(f.startswith("figures/out/") and f.endswith(".png") for f in FIGURES)
    missing = [f for f in FIGURES if not TABLES[f]]
    assert not missing, f"no table found in make's database for {missing}"


@pytest.mark.parametrize("figure", FIGURES, ids=[Path(f).stem for f in FIGURES])
def test_key_numbers_come_from_the_tables(figure, tmp_path_factory):
    script = gallery.script_of(figure)
    assert gallery.summary(script), f"{script.name}: its docstring's first paragraph says what it shows"
    module = load_script(f"figures/{script.name}")
    assert hasattr(module, "key_numbers"), f"{script.name} needs key_numbers(folder) for the gallery"
    analyses = tuple(sorted({Path(t).stem for t in TABLES[figure]}))
    folder = _quick_folder(analyses, str(tmp_path_factory.getbasetemp() / "gallery-quick"))
    numbers = module.key_numbers(folder)
    assert isinstance(numbers, pd.DataFrame) and list(numbers.columns) == ["quantity", "value"]
    assert 3 <= len(numbers) <= 8, f"{script.name}: 3–8 headline numbers, got {len(numbers)}"
    for quantity, value in zip(numbers.quantity, numbers.value):
        assert isinstance(quantity, str) and quantity and isinstance(value, str) and value, (quantity, value)
    # Computed, not written down: without its tables the function cannot answer.
    empty = tmp_path_factory.mktemp("no-tables")
    with pytest.raises((FileNotFoundError, OSError, ValueError)):
        module.key_numbers(empty)
