"""The folder store's manifest: what a reader may trust in it, and which folders are stores.

A manifest is JSON anyone with the folder can edit or damage.  Every field a reader uses is checked
(:func:`manifest_problem`), and each entry's rows and date bounds against its file's footer
(:func:`bounds_problem`): a filter trusting wrong bounds would skip a file and hide its records.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import orjson
import pyarrow.parquet as pq

from ..core.report import GeodataError
from .base import SCHEMA_VERSION

__all__ = ["FORMAT", "MANIFEST", "bounds_problem", "is_date", "is_int", "is_store_manifest", "manifest_problem",
           "read_manifest", "safe_name", "store_holding"]

FORMAT = "ice-map-store"
MANIFEST = "manifest.json"


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_date(v) -> bool:
    if not isinstance(v, str):
        return False
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        return False
    return True


def manifest_problem(m: dict) -> str | None:
    """What is wrong with a parsed manifest's fields, or None: every field a reader uses is checked
    here, so damage is one message, not a TypeError somewhere later."""
    if "generation" in m and not (is_int(m["generation"]) and m["generation"] >= 0):
        return f"generation {m['generation']!r}"
    if not isinstance(m.get("facilities"), str) or not m["facilities"]:
        return f"facilities {m.get('facilities')!r}"
    for key in ("facilities", "population", "report"):
        v = m.get(key)
        if v is not None and not safe_name(v):
            return f"{key} {v!r}"
    if "sources" in m and not isinstance(m["sources"], dict):
        return "sources is not an object"
    seen = set()
    for k, e in enumerate(m["incidents"]):
        if not isinstance(e, dict):
            return f"incident entry {k + 1} is {e!r}, not an object"
        if not safe_name(e.get("file")):
            return f"incident entry {k + 1}: file {e.get('file')!r}"
        if e["file"] in seen:
            return f"{e['file']} is listed twice"
        seen.add(e["file"])
        if not isinstance(e.get("partition"), str):
            return f"{e['file']}: partition {e.get('partition')!r}"
        if not (is_int(e.get("rows")) and e["rows"] >= 0):
            return f"{e['file']}: rows {e.get('rows')!r}"
        if "max_span_days" in e and not (is_int(e["max_span_days"]) and e["max_span_days"] >= 0):
            return f"{e['file']}: max_span_days {e['max_span_days']!r}"
        for field in ("date_start_min", "date_start_max", "date_end_max"):
            if not is_date(e.get(field)):
                return f"{e['file']}: {field} {e.get(field)!r}"
    return None


def safe_name(v) -> bool:
    """A file name in the store's folder: not a path (a manifest cannot point outside its store)."""
    return isinstance(v, str) and bool(v) and "/" not in v and "\\" not in v and v not in (".", "..") \
        and not v.startswith(".")


def store_holding(path: str | Path) -> Path | None:
    """The store folder that ``path`` is, or is inside (a folder with a manifest.json), else None.

    An output written there (a rejects file, an export, a geocoding cache) would replace the
    manifest or a data file, or be deleted as litter on the next open."""
    try:
        p = Path(path).expanduser().resolve(strict=False)
    except (OSError, RuntimeError, ValueError):
        return None
    for d in (p, *p.parents):
        try:
            if (d / MANIFEST).is_file() and is_store_manifest(d):
                return d
        except OSError:
            continue
    return None


def is_store_manifest(folder: Path) -> bool:
    """``folder/manifest.json`` is a store's (not a web app's): its format says so, or, damaged, it lies
    beside the store's data files."""
    try:
        m = orjson.loads((folder / MANIFEST).read_bytes()[:10_000_000])
    except (OSError, orjson.JSONDecodeError):
        return any(folder.glob("incidents-*.parquet")) or any(folder.glob("facilities-*.parquet"))
    return isinstance(m, dict) and m.get("format") == FORMAT


def bounds_problem(folder: Path, m: dict, damage=None) -> str | None:
    """What an entry says that its file does not hold (rows, date bounds): a filter trusting wrong
    bounds would skip a file and hide its records.  Read from the files' footers, once per manifest;
    ``damage(name)`` is the context in which a file that cannot be read becomes the caller's message."""
    for e in m["incidents"]:
        with (damage(e["file"]) if damage is not None else contextlib.nullcontext()):
            meta = pq.ParquetFile(folder / e["file"]).metadata
        if meta.num_rows != e["rows"]:
            return f"{e['file']}: {e['rows']} rows listed, {meta.num_rows} in the file"
        names = [meta.schema.column(i).name for i in range(meta.num_columns)]
        found: dict[str, list] = {"date_start": [], "date_end": []}
        for g in range(meta.num_row_groups):
            rg = meta.row_group(g)
            for c in found:
                if c in names:
                    st = rg.column(names.index(c)).statistics
                    if st is not None and st.has_min_max:
                        found[c].append((st.min, st.max))
        if found["date_start"] and (
                min(a for a, _ in found["date_start"]) < e["date_start_min"]
                or max(b for _, b in found["date_start"]) > e["date_start_max"]):
            return f"{e['file']}: its dates are outside the bounds the manifest gives"
        if found["date_end"] and max(b for _, b in found["date_end"]) > e["date_end_max"]:
            return f"{e['file']}: its end dates are outside the bounds the manifest gives"
    return None


def read_manifest(folder: Path, checked: bytes | None = None, damage=None) -> tuple[dict, bytes]:
    """``(manifest, its bytes)`` of the store in ``folder``, checked; a :class:`GeodataError` that says
    what is wrong otherwise.  ``checked``: the bytes last checked against the files (not read again)."""
    path = folder / MANIFEST
    try:
        raw = path.read_bytes()
        m = orjson.loads(raw)
    except FileNotFoundError:
        raise GeodataError(f"{folder} is not a store (no manifest.json)") from None
    except (orjson.JSONDecodeError, OSError) as exc:
        raise GeodataError(f"{path}: the store's manifest is damaged ({exc})") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT or not isinstance(m.get("incidents"), list):
        raise GeodataError(f"{path}: not the manifest of an ICE map store")
    version = m.get("schema_version", 0)
    if not is_int(version):
        raise GeodataError(f"{path}: the store's manifest is damaged (schema_version {version!r})")
    if version > SCHEMA_VERSION:
        raise GeodataError(f"{folder}: written by a newer version (store schema "
                           f"{m['schema_version']}, this one reads {SCHEMA_VERSION})")
    problem = manifest_problem(m)
    if problem is None and checked != raw:
        problem = bounds_problem(folder, m, damage)
    if problem:
        raise GeodataError(f"{path}: the store's manifest is damaged ({problem})")
    return m, raw
