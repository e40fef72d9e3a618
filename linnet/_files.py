"""Atomic file writing shared by tables, IDX files and the sweep cache.

A file is written to a temporary file in its destination folder and renamed into place, so an
interrupted write never leaves a half-written file under the real name (DESIGN.md, Tables).
Like :mod:`linnet._validation`, this module imports nothing of linnet.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["default_permissions", "atomic_open"]


def default_permissions(path) -> None:
    """Give a file made by ``mkstemp`` (mode 0600) the mode a plain ``open`` would: 0666 & ~umask.

    Examples
    --------
    >>> import os, stat, tempfile
    >>> from linnet._files import default_permissions
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     fd, path = tempfile.mkstemp(dir=folder)
    ...     os.close(fd)
    ...     before = stat.S_IMODE(os.stat(path).st_mode)
    ...     default_permissions(path)
    ...     after = stat.S_IMODE(os.stat(path).st_mode)
    >>> umask = os.umask(0); _ = os.umask(umask)  # read the umask without changing it
    >>> oct(before), after == 0o666 & ~umask
    ('0o600', True)
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


@contextlib.contextmanager
def atomic_open(path, mode: str = "w", *, fsync: bool = False, **kwargs):
    r"""Open a temporary file beside ``path``; on success it is renamed to ``path``.

    Parameters
    ----------
    path : str or Path
        Destination; its folder must exist.
    mode : {"w", "wb"}
        Passed to :func:`os.fdopen`, with ``kwargs`` (``encoding``, ``newline``).
    fsync : bool
        Flush the content to disk before the rename, so that the rename never publishes a
        file the disk lacks (for caches that are trusted when present).

    Yields
    ------
    file object
        On any exception (``KeyboardInterrupt`` included) the temporary file is deleted and
        ``path`` is left as it was.

    Examples
    --------
    A write that fails half-way leaves the old content in place and no temporary file behind:

    >>> import os, tempfile
    >>> from pathlib import Path
    >>> from linnet._files import atomic_open
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "table.csv"
    ...     with atomic_open(path) as fh:
    ...         _ = fh.write("a,b\n1,2\n")
    ...     try:
    ...         with atomic_open(path) as fh:
    ...             _ = fh.write("a,b\n")
    ...             raise RuntimeError("interrupted")
    ...     except RuntimeError:
    ...         pass
    ...     print(path.read_text(), end="")
    ...     os.listdir(folder)
    a,b
    1,2
    ['table.csv']
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        default_permissions(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
