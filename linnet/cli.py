"""Command-line entry points: ``python -m linnet <command>``."""

from __future__ import annotations

import argparse

from . import __version__, sweep
from .data.mnist import DATASETS as IMAGE_DATASETS

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linnet", description=__doc__)
    parser.add_argument("--version", action="version", version=f"linnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_download(sub)
    _add_sweep(sub)
    return parser


def _add_download(sub) -> None:
    p = sub.add_parser(
        "download", help="fetch the four MNIST (or Fashion-MNIST) IDX files, SHA-256 verified",
        description="Fetch train/test images and labels from BASE_URL into DEST, verifying each "
                    "file's SHA-256; a file that does not match is deleted, never kept.")
    p.add_argument("--dataset", choices=IMAGE_DATASETS, default="mnist")
    p.add_argument("--dest", default=None,
                   help="cache folder (default: $LINNET_DATA/<dataset> or ~/.cache/linnet/<dataset>)")
    p.add_argument("--base-url", default=None,
                   help="URL prefix the file names are appended to (default: the public mirror)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per connection")
    p.set_defaults(func=_download)


def _download(args) -> int:
    import sys

    from .data.mnist import ChecksumError, download

    try:
        dest = download(args.dest, dataset=args.dataset, base_url=args.base_url,
                        timeout=args.timeout, log=print)
    except (ChecksumError, OSError) as exc:
        print(f"linnet download: error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.dataset} files verified in {dest}; use them with --data-dir {dest}")
    return 0


def _add_sweep(sub) -> None:
    p = sub.add_parser(
        "sweep", help="train a grid of networks (batched ensembles, cached, local or on Dask)",
        description="Train every combination of the given values as gradient descent on the "
                    "task's statistics and write one tidy table. Results are cached per "
                    "configuration, so an interrupted sweep resumes where it stopped and a "
                    "finished one is not recomputed. See docs/sweeps.md.")
    d = sweep.RunConfig()  # the defaults live in one place: RunConfig's fields
    p.add_argument("--experiment", default=d.experiment, help="name in the experiment column")
    p.add_argument("--dataset", nargs="+", default=[d.dataset], choices=sweep.DATASETS)
    p.add_argument("--depth", nargs="+", type=int, default=[d.depth], help="weight matrices L")
    p.add_argument("--width", nargs="+", type=int, default=[d.width], help="hidden width")
    p.add_argument("--init", nargs="+", default=[d.init], choices=sweep.INITS)
    p.add_argument("--init-scale", nargs="+", type=float, default=[d.init_scale], help="initial std σ")
    p.add_argument("--lr", nargs="+", type=float, default=[d.lr], help="step η")
    p.add_argument("--seeds", type=int, default=1, help="replicates 0..SEEDS-1")
    p.add_argument("--steps", type=int, default=d.steps)
    p.add_argument("--records", type=int, default=d.records, help="about this many log-spaced records")
    p.add_argument("--jobs", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--scheduler", default=None,
                   help="dask.distributed scheduler address, e.g. tcp://10.0.0.1:8786 "
                        "(runs there instead of local processes; needs linnet[dask])")
    p.add_argument("--batch-size", type=int, default=32, help="most runs per ensemble")
    p.add_argument("--cache", default=str(sweep.DEFAULT_CACHE),
                   help="cache folder (default: %(default)s); 'none' disables it")
    p.add_argument("--out", default="results/sweep.csv", help="table to write (default: %(default)s)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_sweep)


def _sweep(args) -> int:
    import sys
    import time

    from . import tables

    try:
        configs = sweep.grid(
            sweep.RunConfig, experiment=args.experiment, dataset=args.dataset, depth=args.depth,
            width=args.width, init=args.init, init_scale=args.init_scale, lr=args.lr,
            seed=range(args.seeds), steps=args.steps, records=args.records)
        t0 = time.perf_counter()
        df = sweep.run(configs, cache_dir=None if args.cache.lower() == "none" else args.cache,
                       n_jobs=args.jobs, scheduler=args.scheduler, batch_size=args.batch_size,
                       progress=not args.no_progress)
    except (TypeError, ValueError, ImportError) as exc:
        print(f"linnet sweep: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("linnet sweep: interrupted; the configurations finished so far are cached in "
              f"{args.cache}: run the same command again to compute only the rest",
              file=sys.stderr)
        return 130
    path = tables.write(df, args.out, schema="sweep")
    counts = df.attrs.get("sweep", {})
    print(f"{len(configs)} configurations ({counts.get('computed', '?')} computed, "
          f"{counts.get('cached', '?')} from the cache) in {time.perf_counter() - t0:.1f} s -> {path}")
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return args.func(args)
