"""SIGTERM as Ctrl-C while a sweep runs, so ``kill`` stops it as cleanly as an interrupt does."""

from __future__ import annotations

import signal
import threading

__all__ = ["sigterm_as_interrupt"]


class sigterm_as_interrupt:
    """Context manager: SIGTERM raises KeyboardInterrupt inside it (in the main thread).

    A sweep interrupted either way shuts its workers down, and the cache entries already
    written stay (each is complete: it was renamed into place). Outside the main thread, where
    Python cannot install signal handlers, it does nothing. The previous handler is restored
    on exit.

    Examples
    --------
    >>> import os, signal
    >>> before = signal.getsignal(signal.SIGTERM)
    >>> try:
    ...     with sigterm_as_interrupt():
    ...         os.kill(os.getpid(), signal.SIGTERM)
    ... except KeyboardInterrupt as exc:
    ...     print("interrupted by", exc)
    interrupted by signal 15
    >>> signal.getsignal(signal.SIGTERM) is before  # restored
    True
    """

    def __enter__(self):
        self.old = None
        if threading.current_thread() is threading.main_thread():
            self.old = signal.signal(signal.SIGTERM, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def __exit__(self, *exc):
        if self.old is not None:
            signal.signal(signal.SIGTERM, self.old)
        return False
