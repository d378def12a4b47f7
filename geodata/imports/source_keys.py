"""Which source an import's records belong to, and what an import checks before it stores anything.

Record ids are ``KEY:TAIL``; the key names the source (docs/source-keys.md).  The store keeps which
file first used each key, so that a second file of the same name gets a key of its own instead of
replacing the first one's records.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..core.report import GeodataError

__all__ = ["check_writable", "file_store_lock", "file_store_sources", "note_legacy_ids", "read_file_sources",
           "source_key"]


def file_store_lock(path) -> Path:
    return Path(str(path) + ".lock")


def file_store_sources(path) -> Path:
    return Path(str(path) + ".sources.json")


def read_file_sources(path) -> dict[str, str]:
    import orjson

    try:
        data = orjson.loads(file_store_sources(path).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def source_key(path: Path, explicit: str | None, origins: dict[str, str]) -> tuple[str, str, list[str]]:
    """``(key, origin, warnings)``: the prefix of this file's record ids.

    ``explicit`` (``--source-key`` or the mapping's ``source_key``) is the user's: kept as given, with a
    warning when the store first saw it with another file.  Otherwise the key is the file's name
    (``incidents-csv``), as it always was, while that name is this file's in the store; when the store
    holds that key for another file of the same name (``reporter_a/incidents.csv`` and
    ``reporter_b/incidents.csv``), the key gains a hash of this file's absolute path, so neither
    source's records replace the other's."""
    from ..core.ids import slug

    origin = str(path.resolve())
    if explicit:
        kept = origins.get(explicit)
        warnings = [] if kept in (None, origin) else [
            f"source key {explicit!r} was first used by {kept}; records with the same ids as its records "
            "replace them (give each source its own key if they are not the same source)"]
        return explicit, origin, warnings
    base = slug(path.name, 40)
    kept = origins.get(base)
    if kept in (None, origin):
        return base, origin, []
    key = f"{base}-{hashlib.sha1(origin.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
    return key, origin, [
        f"another file named {path.name} ({kept}) has the ids {base}:… in this store; this file's records have "
        f"ids {key}:… so that neither replaces the other (name the source with --source-key NAME)"]


def check_writable(path, what: str) -> None:
    """Raise a :class:`GeodataError` unless a file can be written at ``path`` (tried with a temporary
    file beside it, removed again), so that a run fails before it stores anything, not after."""
    import tempfile

    path = Path(path)
    if path.is_dir():
        raise GeodataError(f"{path}: {what} is a folder; give a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"):
            pass
    except OSError as exc:
        raise GeodataError(f"{path}: {what} cannot be written ({exc.strerror or exc}); nothing was imported") \
            from None


def note_legacy_ids(legacy: dict, stored_ids: set, result) -> None:
    """Say so when records stored by an earlier version under ids that lost characters (ids cut at 60
    characters, or not in Latin letters) now get ids of their own: the old records are kept, not replaced."""
    old = sorted({v for v in legacy.values() if v in stored_ids})
    if old:
        example = next(k for k, v in legacy.items() if v == old[0])
        result.warnings.append(
            f"{len(old)} record(s) stored by an earlier version under shortened ids (such as {old[0]}) are kept as "
            f"they are; this file's records now have ids that keep their source ids whole (such as {example}), "
            "and join them only where they are the same event")
