"""The sweep's on-disk cache: one checksummed CSV entry per configuration.

An entry ``<folder>/<key>.csv`` (:func:`cache_key`) is three parts: a header line
``# linnet-sweep-1 sha256=<digest of the rest>``, a line ``# config=<the configuration as
JSON>``, and the configuration's rows as CSV (:data:`linnet.tables.FLOAT_FORMAT`). Entries are
written atomically and flushed to disk before the rename (:func:`linnet._files.atomic_open`),
so an entry that is present is complete; one that fails its checksum or names another
configuration is reported with a :class:`CacheWarning`, deleted and recomputed, never used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings
from collections.abc import Callable
from pathlib import Path

from .._files import atomic_open

__all__ = ["CacheWarning", "Cache", "DEFAULT_CACHE", "FORMAT", "cache_key", "entry", "verify"]

#: Default cache folder (relative to the working directory).
DEFAULT_CACHE = Path(".linnet-cache") / "sweep"

#: First token of every entry; bump it when the layout changes (old entries are then not found).
FORMAT = "linnet-sweep-1"


class CacheWarning(UserWarning):
    """A cache entry was unreadable or failed its checksum; it is recomputed.

    Examples
    --------
    >>> issubclass(CacheWarning, UserWarning)
    True
    """


def _describe(config) -> dict:
    cls = type(config)
    return {"class": f"{cls.__module__}.{cls.__qualname__}", **dataclasses.asdict(config)}


def _config_line(config) -> str:
    return f"# config={json.dumps(_describe(config), sort_keys=True)}"


def cache_key(config, func: Callable | None = None) -> str:
    """Hex digest naming a configuration's entry: (configuration, its data, function, linnet version).

    Parameters
    ----------
    config : frozen dataclass
        The data enters as ``config.data_fingerprint()`` when the class defines it (as
        :class:`linnet.sweep.RunConfig` does): entries computed from other files are never found.
    func : callable, optional
        The sweep function (default :func:`linnet.sweep.train_group`), by its qualified name.

    Examples
    --------
    >>> from linnet.sweep import RunConfig
    >>> a = cache_key(RunConfig(lr=0.1))
    >>> len(a), a == cache_key(RunConfig(lr=0.1)), a == cache_key(RunConfig(lr=0.2))
    (40, True, False)
    """
    from .. import __version__

    if func is None:
        from .training import train_group as func
    data = config.data_fingerprint() if hasattr(config, "data_fingerprint") else None
    payload = {"format": FORMAT, "config": _describe(config), "linnet": __version__,
               "func": f"{func.__module__}.{func.__qualname__}", "data": data}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:40]


def entry(config, df) -> str:
    """The text of the entry holding ``df``, the rows of ``config``.

    Examples
    --------
    >>> import pandas as pd
    >>> from linnet.sweep import RunConfig
    >>> text = entry(RunConfig(), pd.DataFrame({"step": [0, 1], "loss": [1.0, 0.5]}))
    >>> text.splitlines()[0].split()[:2], text.splitlines()[2:]
    (['#', 'linnet-sweep-1'], ['step,loss', '0,1', '1,0.5'])
    """
    # Here, not at the top: the cache's constants and keys need no pandas. The float format
    # is the tables' own, so a table read from the cache has the digits of a fresh one.
    import pandas as pd

    from ..tables import FLOAT_FORMAT

    if not isinstance(df, pd.DataFrame) or df.empty:
        raise TypeError(f"the sweep function must return a non-empty DataFrame per configuration; "
                        f"got {type(df).__name__} for {config}")
    body = (f"{_config_line(config)}\n"
            + df.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n"))
    return f"# {FORMAT} sha256={hashlib.sha256(body.encode()).hexdigest()}\n{body}"


def verify(text: str, config) -> tuple[str | None, str | None]:
    """``(csv, None)``: the CSV part of a sound entry of ``config``; or ``(None, reason)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from linnet.sweep import RunConfig
    >>> text = entry(RunConfig(), pd.DataFrame({"step": [0]}))
    >>> verify(text, RunConfig())
    ('step\\n0\\n', None)
    >>> verify(text.replace("step", "stop"), RunConfig())
    (None, 'checksum mismatch')
    >>> verify(text, RunConfig(lr=0.1))
    (None, 'entry belongs to another configuration')
    """
    head, sep, body = text.partition("\n")
    parts = head.split()
    if not sep or len(parts) != 3 or parts[:2] != ["#", FORMAT] or not parts[2].startswith("sha256="):
        return None, "unrecognised header"
    if hashlib.sha256(body.encode()).hexdigest() != parts[2][len("sha256="):]:
        return None, "checksum mismatch"
    cfg_line, _, csv = body.partition("\n")
    if cfg_line != _config_line(config):
        return None, "entry belongs to another configuration"
    return csv, None


class Cache:
    """A cache folder of the entries of one sweep function.

    Parameters
    ----------
    folder : str or Path
        Created when missing; a file there raises NotADirectoryError.
    func : callable, optional
        The sweep function, part of every key (default :func:`linnet.sweep.train_group`).

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> from linnet.sweep import RunConfig
    >>> folder = tempfile.TemporaryDirectory()
    >>> cache = Cache(folder.name)
    >>> c = RunConfig()
    >>> cache.read(c) is None  # not computed yet
    True
    >>> cache.write(c, entry(c, pd.DataFrame({"step": [0]})))
    >>> cache.read(c)
    'step\\n0\\n'
    >>> folder.cleanup()
    """

    def __init__(self, folder, func: Callable | None = None):
        self.folder = Path(folder)
        self.func = func
        if self.folder.exists() and not self.folder.is_dir():
            raise NotADirectoryError(f"cache_dir {self.folder} is a file; give a folder, or None "
                                     "for no cache")
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, config) -> Path:
        """Where the entry of ``config`` lives: ``folder/<cache_key>.csv``.

        Examples
        --------
        >>> import tempfile
        >>> from linnet.sweep import RunConfig
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     cache = Cache(folder)
        ...     path = cache.path(RunConfig())
        ...     path.parent == Path(folder), path.name == cache_key(RunConfig()) + ".csv"
        ...     path.exists()  # the path only: nothing is written
        (True, True)
        False
        """
        return self.folder / f"{cache_key(config, self.func)}.csv"

    def read(self, config, *, stacklevel: int = 2) -> str | None:
        """The CSV rows of ``config``, or ``None`` when absent or damaged (then warned and deleted).

        ``stacklevel`` points the :class:`CacheWarning` at the caller's caller, as in
        :func:`warnings.warn`.

        Examples
        --------
        A sound entry gives its rows; a damaged one gives ``None``, a warning, and is deleted:

        >>> import tempfile, warnings
        >>> import pandas as pd
        >>> from linnet.sweep import RunConfig
        >>> c = RunConfig()
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     cache = Cache(folder)
        ...     cache.write(c, entry(c, pd.DataFrame({"step": [0, 1]})))
        ...     print(repr(cache.read(c)))
        ...     _ = cache.path(c).write_text("# truncated")
        ...     with warnings.catch_warnings(record=True) as caught:
        ...         warnings.simplefilter("always")
        ...         print(cache.read(c), cache.path(c).exists())
        'step\\n0\\n1\\n'
        None False
        >>> [(w.category.__name__, "unrecognised header" in str(w.message)) for w in caught]
        [('CacheWarning', True)]
        """
        path = self.path(config)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            reason = f"unreadable ({exc})"
        else:
            csv, reason = verify(text, config)
            if reason is None:
                return csv
        # A warning only (no log record as well): with logging unconfigured, both would print.
        warnings.warn(f"sweep cache entry {path} is damaged ({reason}); recomputing {config}",
                      CacheWarning, stacklevel=stacklevel + 1)
        path.unlink(missing_ok=True)
        return None

    def write(self, config, text: str) -> None:
        """Store the entry ``text`` (from :func:`entry`) of ``config``, atomically.

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> from linnet.sweep import RunConfig
        >>> c = RunConfig(lr=0.1)
        >>> text = entry(c, pd.DataFrame({"loss": [0.5]}))
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     cache = Cache(folder)
        ...     cache.write(c, text)
        ...     cache.path(c).read_text(encoding="utf-8") == text, len(list(Path(folder).iterdir()))
        (True, 1)
        """
        # fsync: the rename must never publish an entry the disk lacks (entries are trusted when present).
        with atomic_open(self.path(config), "w", fsync=True, encoding="utf-8", newline="") as fh:
            fh.write(text)


CacheWarning.__module__ = "linnet.sweep"  # its public name, as warnings print it
__test__ = {"CacheWarning": CacheWarning}  # doctest finds a class only in the module it names
