"""Locks of the stores' writers: one import at a time, a wait said on stderr and bounded."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from pathlib import Path

from ..core.report import GeodataError

__all__ = ["LOCK_TIMEOUT", "hold_lock", "lock_timeout", "say_waiting"]

#: How long an import waits for another one to finish before it gives up, in seconds
#: (``GEODATA_LOCK_TIMEOUT`` overrides it).
LOCK_TIMEOUT = 600.0


def lock_timeout() -> float:
    """The bound on waiting for the writers' lock: ``GEODATA_LOCK_TIMEOUT`` seconds, else :data:`LOCK_TIMEOUT`."""
    try:
        value = float(os.environ.get("GEODATA_LOCK_TIMEOUT", LOCK_TIMEOUT))
    except ValueError:
        return LOCK_TIMEOUT
    return value if value >= 0 else LOCK_TIMEOUT


def say_waiting(where: str, bound: float) -> None:
    """One line on stderr: an import waits for another (a silent wait looks like a hang)."""
    print(f"{where}: another import is writing; waiting for it (at most {bound:g} s)", file=sys.stderr, flush=True)


@contextlib.contextmanager
def hold_lock(path: Path, where: str):
    """An exclusive ``flock`` on ``path`` (made if absent): at once if free; else one line on stderr and
    a wait of at most :func:`~geodata.store.base.lock_timeout` seconds, then a :class:`GeodataError`.

    A lock file that is not a regular file (a folder put in its place) is refused: a lock nobody
    can take would let two imports write at once."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise GeodataError(f"{path}: the store's lock file is not a file; remove it (no import is running "
                           "if you made it) and try again")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # a read-only folder: nobody can write it, nothing to guard
        fd = None
    try:
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                bound = lock_timeout()
                say_waiting(where, bound)
                deadline = time.monotonic() + bound
                while True:
                    time.sleep(0.1)
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except OSError:
                        if time.monotonic() >= deadline:
                            raise GeodataError(
                                f"{where}: another import held the store for {bound:g} s; nothing was written "
                                "(try again later, or set GEODATA_LOCK_TIMEOUT to wait longer)") from None
        yield
    finally:
        if fd is not None:
            os.close(fd)  # closing releases the lock
