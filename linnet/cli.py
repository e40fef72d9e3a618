"""Command-line entry points: ``python -m linnet <command>``."""

from __future__ import annotations

import argparse

from . import __version__

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linnet", description=__doc__)
    parser.add_argument("--version", action="version", version=f"linnet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_download(sub)
    return parser


def _add_download(sub) -> None:
    p = sub.add_parser(
        "download", help="fetch the four MNIST (or Fashion-MNIST) IDX files, SHA-256 verified",
        description="Fetch train/test images and labels from BASE_URL into DEST, verifying each "
                    "file's SHA-256; a file that does not match is deleted, never kept.")
    p.add_argument("--dataset", choices=("mnist", "fashion"), default="mnist")
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


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return args.func(args)
