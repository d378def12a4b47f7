"""What the map fetches, written once per data version for the app to serve: popup shards, point columns.

The map's page holds no popup text (see ``layers.incidents_layer(records_url=...)``);
the browser fetches ``<folder>/<k>.json`` when a point of shard ``k`` is clicked.
A folder is named by a digest of its points and records, so a new data version
gets a new folder and a browser never mixes two versions.  It is written into a
temporary sibling (each file through :mod:`geodata.core.atomic`) and renamed into
place when complete: a reader sees the whole folder or none of it.

The points of a layer drawn from a file (``layers.incidents_layer(points_url=...)``)
are one binary file named by a digest of its bytes (:func:`write_file`), beside
the shard folders.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path

from ..core.atomic import write_bytes

#: Marks a folder whose shards are all written.
__all__ = ["CACHE_ENV", "COMPLETE", "KEEP_SECONDS", "cache_dir", "prune", "write_file", "write_shards"]

COMPLETE = "complete"


#: Names the folder of the map's files (see :func:`cache_dir`); several app processes share it.
CACHE_ENV = "ICE_MAP_CACHE_DIR"


def cache_dir() -> Path:
    """The folder where the app keeps shard folders and points files (made if missing).

    ``$ICE_MAP_CACHE_DIR`` if set, else ``ice-map-records`` under the system's temporary folder.
    Every file in it is named by a digest of its bytes and written atomically, so several app
    processes (behind one proxy, on one machine or on a shared volume) can use one folder: a page
    built by one process finds its files through any other (see docs/scaling.md).
    """
    configured = os.environ.get(CACHE_ENV, "").strip()
    folder = Path(configured) if configured else Path(tempfile.gettempdir()) / "ice-map-records"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_shards(folder: str | Path, shards: Iterable[tuple[int, bytes]]) -> Path:
    """Write ``(k, bytes)`` shards as ``folder/<k>.json``, unless ``folder`` is already complete.

    Returns ``folder``.  Another process writing the same folder at the same
    time is harmless: the first complete rename wins, the other copy is removed.
    """
    folder = Path(folder)
    if (folder / COMPLETE).exists():
        _touch(folder)  # in use again: kept by :func:`prune`
        return folder
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.mkdir(parents=True)
    try:
        for k, data in shards:
            write_bytes(tmp / f"{int(k)}.json", data)
        write_bytes(tmp / COMPLETE, b"")
        if folder.exists():  # an interrupted earlier copy: never complete, never served
            shutil.rmtree(folder, ignore_errors=True)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / COMPLETE).exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def write_file(folder: str | Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``folder/name`` (atomically) unless that file is there; returns its path.

    For files named by a digest of their bytes (``layer.points_file()``): a file
    of that name already holds these bytes, so it is never written twice.
    """
    path = Path(folder) / name
    if path.name != name or name.startswith("."):
        raise ValueError(f"not a plain file name: {name!r}")
    if not path.exists():
        write_bytes(path, data)
    else:
        _touch(path)  # in use again: kept by :func:`prune`
    return path


#: How long a data version's shards and points file stay after the app last wrote or used them: a
#: page opened on an older version still finds its records for this long.
KEEP_SECONDS = 7 * 86400


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:  # another process removed or replaced it: it will be written again
        pass


def prune(folder: str | Path, *, keep_seconds: float = KEEP_SECONDS, now: float | None = None) -> list[Path]:
    """Remove what the app wrote under ``folder`` and has not used for ``keep_seconds`` (shard folders,
    points files, temporary copies of writers that died); return what was removed.

    Every data version writes new files; without this the folder only grows.  What is in use is
    touched each time the app builds a map with it, so it is never old.
    """
    import time

    folder = Path(folder)
    cutoff = (time.time() if now is None else now) - keep_seconds
    removed = []
    for entry in folder.iterdir() if folder.is_dir() else ():
        try:
            if entry.stat().st_mtime >= cutoff:
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:  # gone already, or another process' business
            continue
        removed.append(entry)
    return removed
