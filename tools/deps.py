"""Make dependencies of each analysis table: its script and the linnet modules it imports.

Usage: ``python tools/deps.py analysis > .deps/analysis.mk`` (the Makefile does this): every
``analysis/[a-z]*.py`` of the folder (or the scripts named). For each script, the linnet source files it imports, followed through
the imports of those files (statically, from their text, with the standard library only;
imports inside functions count). ``from linnet import X`` depends on ``linnet/X.py`` when X
is a module (for a package, its ``__init__.py`` and everything that imports), else on
``linnet/__init__.py`` and the module it takes X from. The ``__init__.py`` of a package that
is only the parent of what is imported (``linnet/`` for ``linnet.train``) is listed, since it
runs, but its imports are not followed: they bind names the script does not use. A change to an unrelated module (the
sweep, the command line, a kernel the script's modules never import) then rebuilds nothing.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "linnet"


def module_file(name: str) -> Path | None:
    """The source file of module ``linnet.a.b`` (a package's ``__init__.py``), if any."""
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, only=None) -> set[str]:
    """Modules ``path`` imports (absolute names); ``only``: just those binding these names."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and only is None:
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            for a in node.names:
                if only is None or (a.asname or a.name) in only:
                    sub = f"{base}.{a.name}"
                    found.add(sub if module_file(sub) else base)
                    if not module_file(sub) and module_file(base) and module_file(base).name == "__init__.py":
                        found.add(f"{base}:{a.name}")  # a name the package re-exports
    return found


def dependencies(script: Path) -> list[Path]:
    todo, seen, files = list(imports(script)), set(), set()
    while todo:
        name = todo.pop()
        if name in seen or not name.split(".")[0].split(":")[0] == PACKAGE:
            continue
        seen.add(name)
        module, _, attr = name.partition(":")
        parts = module.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__.py and a/b/__init__.py
            init = module_file(".".join(parts[:i]))
            if init is not None and init.name == "__init__.py":
                files.add(init)
        path = module_file(module)
        if path is None:
            continue
        files.add(path)
        # A package imported as a module (`from linnet import data`) may be used through any
        # name it binds: follow all its imports. A name taken from it follows just that name.
        todo += imports(path, only={attr}) if attr else imports(path)
    return sorted(files)


def main(argv) -> int:
    scripts = [p for a in map(Path, argv)
               for p in (sorted(a.glob("[a-z]*.py")) if a.is_dir() else [a])]
    for script in scripts:
        stem = script.stem
        deps = " ".join(str(p.relative_to(ROOT)) for p in dependencies(script.resolve()))
        print(f"results/{stem}.csv results/quick/{stem}.csv results/paper/{stem}.csv results/$(DATA_OUT)/{stem}.csv: {deps}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
