"""Command-line entry points: ``python -m linnet <command>`` (or ``linnet <command>``).

Commands: ``download`` (fetch MNIST or Fashion-MNIST, SHA-256 verified, into the download cache
that every loader searches) and ``sweep`` (train a grid of networks into one table). Bad input
never ends in a traceback: one line on standard error naming the option and the fix, exit 2.

This module also holds what every linnet command line shares (the analysis scripts use it too):
:class:`Parser` (one-line errors), :func:`help_text` (docstrings without reST markup) and
:func:`check_output_file` / :func:`check_output_folder` (where output goes, checked before any
work is done).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

from . import __version__
from .data import sources

# What `linnet --help` says: the module docstring's first two paragraphs (the rest is for
# developers).
_DESCRIPTION = "\n\n".join(__doc__.split("\n\n")[:2])

__all__ = ["main", "Parser", "help_text", "check_output_file", "check_output_folder", "usage_error"]


# ---------------------------------------------------------------------------- shared helpers
class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on standard error (exit 2).

    argparse prints the usage block before an error; a command line of linnet answers bad
    input with a single line naming the option and the fix, and points to ``--help``.

    Examples
    --------
    >>> import contextlib, io
    >>> p = Parser(prog="demo")
    >>> _ = p.add_argument("--steps", type=int)
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     try:
    ...         p.parse_args(["--steps", "many"])
    ...     except SystemExit as exc:
    ...         print("exit", exc.code)
    exit 2
    >>> print(err.getvalue().strip())
    demo: error: argument --steps: invalid int value: 'many' (see demo --help)
    """

    def error(self, message):
        """Print ``prog: error: message (see prog --help)`` as one line and exit 2.

        argparse calls it for bad input; a command may call it too, for checks of its own.

        Examples
        --------
        >>> import contextlib, io
        >>> err = io.StringIO()
        >>> with contextlib.redirect_stderr(err):
        ...     try:
        ...         Parser(prog="linnet sweep").error("--lr must be > 0; got -1")
        ...     except SystemExit as exc:
        ...         print("exit", exc.code)
        exit 2
        >>> err.getvalue()
        'linnet sweep: error: --lr must be > 0; got -1 (see linnet sweep --help)\\n'
        """
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def usage_error(prog: str, message) -> NoReturn:
    """Print ``prog: error: message`` as one line on standard error and exit 2.

    Examples
    --------
    >>> import contextlib, io
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     try:
    ...         usage_error("linnet sweep", "--lr must be > 0;\\n  got -1")
    ...     except SystemExit as exc:
    ...         print("exit", exc.code)
    exit 2
    >>> err.getvalue()
    'linnet sweep: error: --lr must be > 0; got -1\\n'
    """
    text = " ".join(str(message).split())  # one line, whatever the message held
    print(f"{prog}: error: {text}", file=sys.stderr)
    raise SystemExit(2)


_TEX = {
    r"\alpha": "α", r"\beta": "β", r"\eta": "η", r"\lambda": "λ", r"\mu": "μ", r"\sigma": "σ",
    r"\Sigma": "Σ", r"\tau": "τ", r"\star": "⋆", r"\top": "ᵀ", r"\to": "→", r"\mapsto": "↦",
    r"\sum": "Σ", r"\lVert": "‖", r"\rVert": "‖", r"\tfrac12": "½", r"\quad": "  ",
    r"\big": "", r"\Big": "", r"\,": " ", r"\cdot": "·", r"\le": "≤", r"\ge": "≥",
    r"\approx": "≈", r"\infty": "∞",
}


def _plain_math(tex: str) -> str:
    """A LaTeX fragment as readable plain text: Greek letters and symbols as Unicode."""
    tex = re.sub(r"\\(?:text|mathrm|mathcal|mathbf|operatorname)\s*\{([^{}]*)\}", r"\1", tex)
    tex = re.sub(r"\\mathcal\s+(\w)", r"\1", tex)
    tex = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}",
                 lambda m: "/".join(x if len(x) == 1 else f"({x})" for x in m.groups()), tex)
    for cmd in sorted(_TEX, key=len, reverse=True):  # \tfrac12 before \to, \top before \to
        # A command made of letters ends where the letters do (\to is not the start of \top).
        end = r"(?![A-Za-z])" if cmd[-1].isalpha() else ""
        tex = re.sub(re.escape(cmd) + end, lambda m, c=cmd: _TEX[c], tex)
    return re.sub(r"\\([A-Za-z]+)", r"\1", tex)  # any other command: its name


def help_text(doc: str | None) -> str | None:
    """A reST docstring as plain text for ``--help``: no ````literal````, ``:role:`x```, math markup.

    ````x```` → x, ``:func:`~a.b``` → b, ``:math:`x``` and ``.. math::`` → the formula with
    Unicode symbols, ```text <url>`_`` → text (url), ``**x**`` → x.

    Examples
    --------
    >>> help_text(r"Step ``lr`` (:func:`~linnet.train.gradient_descent`), :math:`\\eta \\le 1`.")
    'Step lr (gradient_descent), η ≤ 1.'
    """
    if doc is None:
        return None
    text = re.sub(r"^(\s*)\.\. math::\s*", r"\1    ", doc, flags=re.M)
    text = re.sub(r":math:`([^`]*)`", lambda m: _plain_math(m.group(1)), text)
    text = re.sub(r"^(    .*\\.*)$", lambda m: _plain_math(m.group(1)), text, flags=re.M)
    text = re.sub(r":\w+:`~([^`]*)`", lambda m: m.group(1).rsplit(".", 1)[-1], text)
    text = re.sub(r":\w+:`([^`]*)`", r"\1", text)
    text = re.sub(r"`([^`<]*?)\s*<([^>]*)>`_+", r"\1 (\2)", text)
    text = re.sub(r"``([^`]*)``", r"\1", text)
    text = re.sub(r"`([^`]*)`_?", r"\1", text)
    return re.sub(r"\*\*([^*]*)\*\*", r"\1", text)


def _probe(folder: Path, flag: str, path: Path) -> None:
    """Create and delete a temporary file in ``folder``: the only sure test of writing there
    (permission bits say nothing for root, a read-only mount or a full quota)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".linnet-write-test.", dir=folder)
    except OSError as exc:
        raise ValueError(f"{flag} {path}: cannot write in {folder} ({exc.strerror}); choose a "
                         "folder you can write to") from exc
    os.close(fd)
    os.unlink(tmp)


def _make_folder(folder: Path, flag: str, path: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{flag} {path}: cannot create the folder {folder} ({exc.strerror}); "
                         "choose a place you can write to") from exc


def check_output_file(path, flag: str = "--out") -> Path:
    """Check, before any work, that a table can be written to ``path``; return it as a Path.

    Its folder is created when missing. Raises ValueError naming ``flag`` when ``path`` is a
    directory or its folder cannot be created or written to.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> check_output_file(root / "new" / "t.csv") == root / "new" / "t.csv", (root / "new").is_dir()
    (True, True)
    >>> check_output_file(root, "--out")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --out ... is a directory; give a file name, e.g. --out .../table.csv
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise ValueError(f"{flag} {path} is a directory; give a file name, e.g. "
                         f"{flag} {path / 'table.csv'}")
    _make_folder(path.parent, flag, path)
    if not path.parent.is_dir():
        raise ValueError(f"{flag} {path}: {path.parent} is not a folder; choose another place")
    _probe(path.parent, flag, path)
    return path


def check_output_folder(path, flag: str) -> Path:
    """Check, before any work, that ``path`` is (or can be made) a folder one can write to.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> check_output_folder(root / "cache", "--cache").is_dir()
    True
    >>> (root / "f").touch()
    >>> check_output_folder(root / "f", "--cache")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --cache .../f is a file, not a folder; give a folder (it is created when missing)
    """
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{flag} {path} is a file, not a folder; give a folder (it is created "
                         "when missing)")
    _make_folder(path, flag, path)
    _probe(path, flag, path)
    return path


def _arg(convert, what: str):
    """An argparse ``type`` that applies ``convert`` and reports ``what`` was expected."""
    def parse(text):
        try:
            return convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}") from None
    return parse


def _positive(cast, what):
    def convert(text):
        value = cast(text)
        if not (value > 0 and math.isfinite(value)):
            raise ValueError
        return value
    return _arg(convert, what)


def _nonnegative_int(text):
    value = int(text)
    if value < 0:
        raise ValueError
    return value


POSITIVE_INT = _positive(int, "a positive integer")
POSITIVE_FLOAT = _positive(float, "a finite number > 0")
NONNEGATIVE_INT = _arg(_nonnegative_int, "an integer >= 0")
JOBS = _arg(int, "an integer (N workers, or -1 for every core, -2 for all but one, ...)")


# ---------------------------------------------------------------------------- the commands
def build_parser() -> Parser:
    """The parser of ``python -m linnet``: ``download`` and ``sweep``.

    Examples
    --------
    >>> args = build_parser().parse_args(["sweep", "--lr", "0.1", "0.2", "--seeds", "3"])
    >>> args.command, args.lr, args.seeds
    ('sweep', [0.1, 0.2], 3)
    """
    parser = Parser(prog="linnet", description=help_text(_DESCRIPTION),
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"linnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_download(sub)
    _add_sweep(sub)
    return parser


def _add_download(sub) -> None:
    p = sub.add_parser(
        "download", help="fetch the four MNIST (or Fashion-MNIST) IDX files, SHA-256 verified",
        description="Fetch train/test images and labels from BASE_URL into DEST, verifying each "
                    "file's SHA-256; a file that does not match is deleted, never kept. Files "
                    "in the default DEST are found by every loader without --data-dir.")
    p.add_argument("--dataset", choices=sources.DATASETS, default="mnist",
                   help="which data set (default: %(default)s)")
    p.add_argument("--dest", default=None,
                   help="folder (default: $LINNET_DATA/<dataset> or ~/.cache/linnet/<dataset>, "
                        "the download cache that --data-dir defaults to)")
    p.add_argument("--base-url", default=None,
                   help="URL prefix the file names are appended to, e.g. https://host/mnist/ "
                        "(default: the public mirror)")
    p.add_argument("--timeout", type=POSITIVE_FLOAT, default=60.0,
                   help="seconds per connection (default: %(default)s)")
    p.set_defaults(func=_download)


def _download(args) -> int:
    from .data.fetch import ChecksumError, check_base_url, download

    prog = "linnet download"
    try:
        if args.base_url is not None:
            check_base_url(args.base_url, "--base-url")
        if args.dest is not None:
            check_output_folder(args.dest, "--dest")
    except (TypeError, ValueError) as exc:
        usage_error(prog, exc)
    try:
        dest = download(args.dest, dataset=args.dataset, base_url=args.base_url,
                        timeout=args.timeout, log=print)
    except (ChecksumError, OSError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    default = dest == sources.default_cache(args.dataset)
    print(f"{args.dataset} files verified in {dest}; "
          + ("every loader finds them there (no --data-dir needed)" if default
             else f"use them with --data-dir {dest}"))
    return 0


def _add_sweep(sub) -> None:
    from . import sweep

    p = sub.add_parser(
        "sweep", help="train a grid of networks (batched ensembles, cached, local or on Dask)",
        description="Train every combination of the given values as gradient descent on the "
                    "task's statistics and write one tidy table. Results are cached per "
                    "configuration, so an interrupted sweep resumes where it stopped and a "
                    "finished one is not recomputed. See docs/sweeps.md.")
    d = sweep.RunConfig()  # the defaults live in one place: RunConfig's fields
    add = p.add_argument
    add("--experiment", default=d.experiment, help="name in the experiment column (default: %(default)s)")
    add("--dataset", nargs="+", default=d.dataset, choices=sweep.DATASETS,
        help="tasks: the linear teacher or an MNIST-family set (default: %(default)s)")
    add("--data-dir", default="", metavar="DIR",
        help="folder with the four IDX files of the (one) image --dataset (default: the download "
             "cache $LINNET_DATA/<dataset> or ~/.cache/linnet/<dataset>, then Debian's folder "
             "for fashion, then the embedded sample for mnist)")
    add("--depth", nargs="+", type=POSITIVE_INT, default=d.depth,
        help="weight matrices L (default: %(default)s)")
    add("--width", nargs="+", type=POSITIVE_INT, default=d.width, help="hidden width (default: %(default)s)")
    add("--init", nargs="+", default=d.init, choices=sweep.INITS, help="initialisation (default: %(default)s)")
    add("--init-scale", nargs="+", type=POSITIVE_FLOAT, default=d.init_scale,
        help="initial std σ (default: %(default)s)")
    add("--lr", nargs="+", type=POSITIVE_FLOAT, default=d.lr, help="step η (default: %(default)s)")
    add("--seeds", type=POSITIVE_INT, default=1, help="replicates 0..SEEDS-1 (default: %(default)s)")
    add("--steps", type=NONNEGATIVE_INT, default=d.steps, help="gradient-descent steps (default: %(default)s)")
    add("--records", type=POSITIVE_INT, default=d.records,
        help="about this many log-spaced records (default: %(default)s)")
    add("--jobs", type=JOBS, default=1,
        help=f"local worker processes; {sweep.JOBS_RULE} (default: %(default)s)")
    add("--scheduler", default=None,
        help="dask.distributed scheduler address, e.g. tcp://10.0.0.1:8786 (runs there instead "
             "of local processes; needs linnet[dask]; default: local)")
    add("--batch-size", type=POSITIVE_INT, default=32, help="most runs per ensemble (default: %(default)s)")
    add("--cache", default=str(sweep.DEFAULT_CACHE),
        help="cache folder, or 'none' to disable it (default: %(default)s)")
    add("--out", default="results/sweep.csv", help="table to write (default: %(default)s)")
    add("--no-progress", action="store_true", help="no progress bar (default: a bar on a terminal)")
    p.set_defaults(func=_sweep)


def _as_list(value) -> list:
    return list(value) if isinstance(value, list) else [value]


def _sweep_configs(args) -> list:
    from . import sweep

    datasets = _as_list(args.dataset)
    images = [d for d in datasets if d in sources.DATASETS]
    if args.data_dir and (len(images) != 1 or len(datasets) != 1):
        raise ValueError(f"--data-dir holds one data set: give exactly one image --dataset with it "
                         f"({' or '.join(sources.DATASETS)}); got --dataset {' '.join(datasets)}")
    for name in images:  # find the data before anything runs (and say how to pass it)
        sources.resolve(name, args.data_dir or None)
    return sweep.grid(
        sweep.RunConfig, experiment=args.experiment, dataset=datasets, data_dir=args.data_dir,
        depth=_as_list(args.depth), width=_as_list(args.width), init=_as_list(args.init),
        init_scale=_as_list(args.init_scale), lr=_as_list(args.lr), seed=range(args.seeds),
        steps=args.steps, records=args.records)


def _summary(df, configs, counts, seconds, path) -> str:
    """``N configurations (… computed, … from the cache), K diverged (at lr …) in … s -> path``."""
    keys = [c for c in ("experiment", "dataset", "depth", "width", "init", "init_scale", "lr", "seed")
            if c in df.columns]
    runs = df.drop_duplicates(keys)
    diverged = runs[runs["diverged"].astype(bool)] if "diverged" in runs.columns else runs.iloc[:0]
    where = ""
    if len(diverged):
        lrs = ", ".join(f"{lr:g}" for lr in sorted(diverged["lr"].unique()))
        where = f" (at lr {lrs}; their loss is NaN from the divergence step: lower --lr)"
    return (f"{len(configs)} configurations ({counts.get('computed', '?')} computed, "
            f"{counts.get('cached', '?')} from the cache), {len(diverged)} diverged{where}, "
            f"in {seconds:.1f} s -> {path}")


def _sweep(args) -> int:
    import time

    from . import sweep, tables

    prog = "linnet sweep"
    cache = None if args.cache.lower() == "none" else args.cache
    try:  # every check before any computation, so a bad option costs nothing
        out = check_output_file(args.out, "--out")
        if cache is not None:
            check_output_folder(cache, "--cache")
        n_jobs = sweep.worker_count(args.jobs, "--jobs")
        configs = _sweep_configs(args)
    except (TypeError, ValueError, OSError) as exc:
        usage_error(prog, exc)
    try:
        t0 = time.perf_counter()
        df = sweep.run(configs, cache_dir=cache, n_jobs=n_jobs, scheduler=args.scheduler,
                       batch_size=args.batch_size, progress=not args.no_progress)
    except (TypeError, ValueError, ImportError, OSError) as exc:
        usage_error(prog, exc)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; the configurations finished so far are cached in "
              f"{args.cache}: run the same command again to compute only the rest",
              file=sys.stderr)
        return 130
    path = tables.write(df, out, schema="sweep")
    print(_summary(df, configs, df.attrs.get("sweep", {}), time.perf_counter() - t0, path))
    return 0


def main(argv=None) -> int:
    """Run ``python -m linnet`` with the arguments ``argv`` (default: the command line); return the exit status.

    Examples
    --------
    >>> import contextlib, io, tempfile
    >>> out = Path(tempfile.mkdtemp()) / "sweep.csv"
    >>> with contextlib.redirect_stdout(io.StringIO()) as said:
    ...     status = main(["sweep", "--steps", "5", "--cache", "none", "--out", str(out), "--no-progress"])
    >>> status, said.getvalue()[:2]
    (0, '1 ')
    >>> said.getvalue().startswith("1 configurations (1 computed, 0 from the cache), 0 diverged")
    True
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        print(f"\n{parser.prog}: error: a command is required (download or sweep)", file=sys.stderr)
        return 2
    return args.func(args)
