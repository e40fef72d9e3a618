"""Write the documentation's gallery page: every figure ``make figures`` draws, from its tables.

``make docs`` runs ``python docs/gallery.py --out docs/_generated --figure PNG ...`` with the
Makefile's ``FIGURES``, after make has drawn them. For each figure ``figures/out/[<data>/]<name>.png``
the page shows the picture, the command that builds it, the first paragraph of
``figures/<name>.py``'s docstring (what it shows), the tables it reads (its prerequisites in make's
database, ``make -pq``) and the table of ``key_numbers(folder)`` that the figure script computes from
those tables. Nothing is listed by hand: a figure added to a ``figures/*.mk`` fragment appears here.
Figures are grouped by the fragment that adds them, under that fragment's first comment line.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def figure_tables(figures: list[str], make: str = "make") -> dict[str, list[str]]:
    """The tables (``results/...csv``) each figure depends on, read from make's database."""
    db = subprocess.run([make, "-pq", "print-figures"], cwd=ROOT, capture_output=True, text=True,
                        env={**os.environ, "MAKEFLAGS": os.environ.get("MAKEFLAGS", "")}).stdout
    deps: dict[str, list[str]] = {f: [] for f in figures}
    for line in db.splitlines():
        target, sep, prereqs = line.partition(": ")
        if sep and target in deps:
            deps[target] += [p for p in prereqs.split() if p.startswith("results/") and p.endswith(".csv")]
    return deps


def script_of(figure: str) -> Path:
    """``figures/<name>.py`` for ``figures/out/[<data>/]<name>.png``."""
    return ROOT / "figures" / f"{Path(figure).stem}.py"


def summary(script: Path) -> str:
    """First paragraph of a figure script's docstring, on one line."""
    doc = ast.get_docstring(ast.parse(script.read_text())) or ""
    return " ".join(doc.split("\n\n")[0].split())


def load(script: Path):
    """Import a figure script as a module (its folder on sys.path for ``import _common``)."""
    spec = importlib.util.spec_from_file_location(f"_gallery_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.path.insert(0, str(script.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(script.parent))
    return module


def key_numbers(script: Path, folder: Path) -> pd.DataFrame:
    """Call ``key_numbers(folder)`` of a figure script and check the frame's shape."""
    module = load(script)
    if not hasattr(module, "key_numbers"):
        raise SystemExit(f"{script.relative_to(ROOT)} has no key_numbers(folder): every figure script "
                         "needs one for the gallery (see CONTRIBUTING.md, 'Adding a figure')")
    df = module.key_numbers(Path(folder))
    if list(df.columns) != ["quantity", "value"] or df.empty:
        raise SystemExit(f"{script.relative_to(ROOT)}: key_numbers must return a non-empty frame with "
                         f"columns quantity, value (got {list(df.columns)}, {len(df)} rows)")
    return df


def families(figures: list[str]) -> dict[str, list[str]]:
    """Figures grouped under the first comment line of the figures/*.mk fragment naming them."""
    groups: dict[str, list[str]] = {}
    fragments = [(f, f.read_text()) for f in sorted((ROOT / "figures").glob("*.mk"))]
    for figure in figures:
        stem = Path(figure).stem
        title = "Other figures"
        for _path, text in fragments:
            if re.search(rf"\b{re.escape(stem)}\b", text):
                title = _title(text.splitlines()[0])
                break
        groups.setdefault(title, []).append(figure)
    return groups


def _title(comment: str) -> str:
    """A section title from a fragment's first comment line: up to its first colon, without
    "(issue N)" or a final full stop, with make's $ escaped (MyST reads $...$ as maths)."""
    title = comment.lstrip("# ").split(":")[0]
    title = re.sub(r"\s*\(issue \d+\)", "", title).strip().rstrip(".")
    return title.replace("$", "\\$") or "Other figures"


def markdown_table(df: pd.DataFrame) -> str:
    rows = ["| quantity | value |", "| --- | --- |"]

    def cell(text) -> str:  # a | would end the cell
        return str(text).replace("|", "\\|").replace("\n", " ")

    rows += [f"| {cell(q)} | {cell(v)} |" for q, v in zip(df.quantity, df.value)]
    return "\n".join(rows)


def section(figure: str, tables: list[str], out: Path) -> str:
    """Markdown of one figure: picture, command, what it shows, tables, key numbers."""
    script = script_of(figure)
    image = Path("figures") / Path(figure).relative_to("figures/out")
    (out / image).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / figure, out / image)
    folder = ROOT / Path(tables[0]).parent if tables else ROOT / "results"
    numbers = key_numbers(script, folder)
    label = Path(figure).relative_to("figures/out").with_suffix("").as_posix()
    reads = ", ".join(f"`{t}` (`analysis/{Path(t).stem}.py`)" for t in tables) or "—"
    return "\n".join([
        f"### {label}", "", f"![{label}]({image.as_posix()})", "", summary(script), "",
        f"**Build:** `make {figure}` (script `figures/{script.name}`; reads {reads}).", "",
        "**Key numbers** (computed from the table by the script's `key_numbers`):", "",
        markdown_table(numbers), ""])


def page(figures: list[str], out: Path) -> str:
    deps = figure_tables(figures)
    parts = ["# Gallery", "",
             f"Every figure that `make figures` draws ({len(figures)} here), with the command that builds "
             "it, what it shows and its headline numbers, computed from its table when the documentation "
             "was built (`make docs`, `docs/gallery.py`). MNIST-family figures are those of the data the "
             "build used (the embedded 5,000-digit sample unless `DATA`/`DATA_DIR` said otherwise).", ""]
    for title, group in families(figures).items():
        parts += [f"## {title}", ""] + [section(f, deps[f], out) for f in group]
    return "\n".join(parts)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="docs/gallery.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="folder for gallery.md and its images")
    p.add_argument("--figure", action="append", default=[], help="a PNG of FIGURES (repeat)")
    args = p.parse_args(argv)
    if not args.figure:
        p.error("no --figure given: run it through `make docs`, which passes the Makefile's FIGURES")
    args.out.mkdir(parents=True, exist_ok=True)
    text = page(args.figure, args.out)
    target = args.out / "gallery.md"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
