"""Writing files so that a kill, Ctrl-C or a full disk never leaves half a file.

Every file the project stores (the incident store, the geocoding cache, bundle
files, exports) is written to a temporary file in the same folder, flushed to disk
(``fsync``) and then renamed over the old one.  A rename within one file system is
atomic: a reader sees the old file or the new one, never a mix, and an interrupted
write leaves the old file as it was.  The temporary file is removed when the write
fails; one left by a process killed with ``kill -9`` is named ``.NAME.*.tmp`` and
removed by :func:`clean_temp_files` (the stores call it when they open).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_path", "umask", "write_bytes", "write_text", "clean_temp_files", "TEMP_SUFFIX"]

TEMP_SUFFIX = ".tmp"


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some file systems do not open folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux: /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)  # elsewhere: set and put back (a moment in which another thread could create a file)
    os.umask(old)
    return old


@contextlib.contextmanager
def atomic_path(path: str | Path, *, mode: str | int | None = None):
    """Yield a temporary path beside ``path``; when the block ends without an error the
    file written there is synced and renamed to ``path``, otherwise it is removed.

    ``mkstemp`` makes the temporary file ``0600``; ``mode="umask"`` gives the file the mode
    ``open`` would give a new one (``0666`` less the umask), for files users share (exports);
    an int sets that mode; None keeps ``0600`` (the stores' private files).

    For writers that want a path (pyarrow, GDAL)::

        with atomic_path("store/incidents.parquet") as tmp:
            pq.write_table(table, tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if mode is not None:
            os.chmod(tmp, (0o666 & ~umask()) if mode == "umask" else mode)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_bytes(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data``, atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text``, atomically."""
    write_bytes(path, text.encode(encoding))


def clean_temp_files(path: str | Path) -> list[Path]:
    """Remove temporary files that an interrupted write of ``path`` left beside it; return them."""
    path = Path(path)
    if not path.parent.is_dir():
        return []
    removed = []
    for tmp in path.parent.glob(f".{path.name}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
            removed.append(tmp)
    return removed


def write_text_in(directory: str | Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` as ``directory/name`` (the folder made if need be), all or nothing: readers never see
    half a file. Returns the path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    write_text(path, text, encoding=encoding)
    return path
