"""One import run: read, map, place, check, deduplicate, store, and account for every row.

Every input row ends in exactly one of

* **stored**: written as its own record (``new``, ``updated`` or ``unchanged``),
* **merged**: folded into another record (named in the report), its sources kept,
* **rejected**: left out, with the reason, and written with its original row to the
  rejects file.

Importing the same file twice changes nothing; importing an updated file updates
the records whose content changed (ids are stable: the source's own id, or a hash
of date, title and place).

The store is a folder (:mod:`geodata.store`, made by ``geodata init``): only the
stored records an import must compare with are read (same id, same day and
state, same event key, a shared source URL), and only the records that change are
written, in one atomic step, under the store's lock.  A ``.geojson`` file is still
accepted as a store for compatibility: it is read whole and replaced atomically.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..core.atomic import atomic_path, clean_temp_files
from ..core.report import GeodataError, Report
from ..core.schema import CRS, join_urls, split_urls
from ..export.writers import write_geojson
from ..geography.geocode import Geocoder
from ..pipeline.dedupe import find_duplicates
from ..pipeline.incidents_import import Mapping, map_incidents
from ..pipeline.tables import MB, megabytes, plain_rows, read_table
from ..pipeline.validate import validate_incidents
from ..store import open_store, read_layer
from ..store.base import STORE_COLUMNS, Store
from ..store.parquet import url_keys_arrow
from .source_keys import (
    check_writable,
    file_store_lock,
    file_store_sources,
    note_legacy_ids,
    read_file_sources,
    source_key,
)

__all__ = [
    "ImportResult", "import_incidents", "STORE_COLUMNS", "load_store", "save_store", "read_upload",
    "MAX_UPLOAD_BYTES", "MAX_UPLOAD_ROWS", "MAX_UPLOAD_COLUMNS", "MAX_IMPORT_BYTES",
]

#: The largest file the command line imports, counted after gzip decompression (a million rows of a
#: typical incident table are about 400 MB); a larger one is one clear message, read no further.
MAX_IMPORT_BYTES = 1024 * MB

_VERIFICATION_RANK = {"official_record": 0, "news_report": 1, "unverified": 2}


@dataclass
class ImportResult:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    rejected: int = 0
    merges: list[tuple[str, str]] = field(default_factory=list)  # (input record, record it joined)
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)
    report: Report = field(default_factory=Report)
    warnings: list[str] = field(default_factory=list)  # what reading the file had to guess (tables.read_table)

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.unchanged

    def summary(self) -> str:
        return (
            f"{self.rows} rows: {self.stored} stored ({self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged), {self.merged} merged, {self.rejected} rejected"
        )


def is_file_store(path) -> bool:
    return not isinstance(path, Store) and Path(path).suffix.lower() in (".geojson", ".json") \
        and not Path(path).is_dir()


def load_store(path) -> gpd.GeoDataFrame:
    """Every stored incident with the dedupe helper columns (a store folder, a Store, or a ``.geojson`` file)."""
    if isinstance(path, Store):
        return path.incidents(columns=STORE_COLUMNS)
    if not is_file_store(path):
        return open_store(path).incidents(columns=STORE_COLUMNS)
    path = Path(path)
    clean_temp_files(path)
    if not path.is_file():
        return gpd.GeoDataFrame({c: [] for c in STORE_COLUMNS}, geometry=[], crs=CRS)
    return read_layer(path, STORE_COLUMNS)


def save_store(gdf: gpd.GeoDataFrame, path: str | Path) -> None:
    """Replace a ``.geojson`` store file with ``gdf``, atomically."""
    with atomic_path(path) as tmp:
        write_geojson({"incidents": gdf.sort_values("id", kind="stable")}, tmp)


def _null(s: pd.Series) -> np.ndarray:
    return pd.isna(s.astype(object)).to_numpy()


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality where missing equals missing (what ``_content`` compared)."""
    na, nb = _null(a), _null(b)
    eq = (a.astype(object).to_numpy() == b.astype(object).to_numpy())
    return np.where(na | nb, na & nb, eq)


def _xy(geoms) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(geoms, dtype=object)
    return np.round(shapely.get_x(arr), 6), np.round(shapely.get_y(arr), 6)


def _url_sets(s: pd.Series) -> list[tuple]:
    return [tuple(sorted(split_urls(v if isinstance(v, str) else None))) for v in s.tolist()]


def _plain(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The store's columns as Python values, missing as None (not NaN: a NaN person is no person),
    whichever backend or dtype they came from."""
    out = pd.DataFrame({c: gdf[c].astype(object).where(gdf[c].notna(), None) for c in STORE_COLUMNS})
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry=np.asarray(gdf.geometry.array, dtype=object),
                            crs=CRS)


#: The columns the deduplication rule reads (:func:`geodata.pipeline.dedupe.find_duplicates`), with ``id``.
_DEDUPE_COLUMNS = ("id", "date_start", "date_end", "date_precision", "category", "canonical_id", "state", "city",
                   "person", "title", "source_urls")


def _text_dtype():
    try:
        return pd.StringDtype("pyarrow", na_value=np.nan)  # pandas 3's "str"
    except TypeError:  # pandas 2.2
        return pd.StringDtype("pyarrow_numpy")


#: Text held by Arrow, missing as NaN (what pandas 3 makes of a column of strings).
_TEXT = _text_dtype()


def _text_frame(frame: gpd.GeoDataFrame, columns) -> gpd.GeoDataFrame:
    """``columns`` of ``frame`` as text columns held by Arrow, with the geometry: a million records'
    text stays compact instead of becoming a million Python strings per column."""
    out = pd.DataFrame({c: (frame[c] if c in frame.columns else pd.Series(None, index=frame.index, dtype=object))
                        .astype(_TEXT) for c in columns}, index=frame.index)
    return gpd.GeoDataFrame(out, geometry=np.asarray(frame.geometry.array, dtype=object), crs=CRS)


def _value(v):
    return v if isinstance(v, str) else None


def _merge(valid: gpd.GeoDataFrame, stored: gpd.GeoDataFrame, result: ImportResult, source: str) -> gpd.GeoDataFrame:
    """Fold this file's valid records into the stored ones (``stored`` may be only the candidates);
    return the records to write (new, updated or changed by a merge), and count every row.

    ``valid`` may be a million records: its columns stay as they are (text held by Arrow)
    and only the few records a merge changes are worked on as Python values."""
    valid = valid.reset_index(drop=True)
    stored = _plain(stored)
    n_old = len(stored)
    old_pos = pd.Series(np.arange(n_old), index=stored["id"].astype(object))
    old_pos = old_pos[~old_pos.index.duplicated()]

    # The records as they will be written: one row per id, stored first, then this file's new ones.
    out = stored.copy()
    touched = np.zeros(n_old, dtype=bool)

    first = ~valid["id"].duplicated(keep="first").to_numpy()
    in_store = valid["id"].isin(old_pos.index).to_numpy()

    # An input record whose id is already stored is that record (new content or not).
    upd = np.flatnonzero(first & in_store)
    if len(upd):
        new_rows = _plain(valid.iloc[upd])
        pos = old_pos.loc[new_rows["id"].astype(object)].to_numpy()
        old_rows = stored.iloc[pos].reset_index(drop=True)
        joined = [join_urls([*split_urls(a), *split_urls(b)])
                  for a, b in zip(new_rows["source_urls"].tolist(), old_rows["source_urls"].tolist())]
        new_rows["source_urls"] = joined
        same = np.ones(len(upd), dtype=bool)
        for c in STORE_COLUMNS:
            if c != "source_urls":
                same &= _same(new_rows[c], old_rows[c])
        (nx, ny), (ox, oy) = _xy(new_rows.geometry), _xy(old_rows.geometry)
        same &= ((nx == ox) | (np.isnan(nx) & np.isnan(ox))) & ((ny == oy) | (np.isnan(ny) & np.isnan(oy)))
        new_sets, old_sets = _url_sets(new_rows["source_urls"]), _url_sets(old_rows["source_urls"])
        same &= np.array([a == b for a, b in zip(new_sets, old_sets)], dtype=bool)
        result.unchanged += int(same.sum())
        result.updated += int((~same).sum())
        # Unchanged records are left as stored unless their sources' order changed.
        write = ~same | (new_rows["source_urls"].to_numpy(dtype=object)
                         != old_rows["source_urls"].to_numpy(dtype=object))
        for c in [*STORE_COLUMNS, "geometry"]:
            vals = out[c].astype(object).to_numpy().copy()
            vals[pos[write]] = new_rows[c].astype(object).to_numpy()[write]
            out[c] = vals if c != "geometry" else gpd.GeoSeries(vals, crs=CRS)
        touched[pos[write]] = True

    # Duplicates among stored records and this file's new records.
    fresh = np.flatnonzero(first & ~in_store)
    if len(fresh):
        candidates = pd.concat([_text_frame(stored, _DEDUPE_COLUMNS), _text_frame(valid.iloc[fresh], _DEDUPE_COLUMNS)],
                               ignore_index=True)
        dup = find_duplicates(gpd.GeoDataFrame(candidates, geometry="geometry", crs=CRS))
        del candidates
    else:
        dup = {}
    valid_ids = valid["id"].to_numpy(dtype=object)
    valid_urls, valid_ver = valid["source_urls"].array, valid["verification"].array
    stored_ids = stored["id"].astype(object).to_numpy()

    def id_at(k):
        return stored_ids[k] if k < n_old else valid_ids[fresh[k - n_old]]

    # Records being built up: stored ones by position in ``out``, new ones by position in ``fresh``
    # (only those a merge changes are held here; the others keep valid's values).
    urls = out["source_urls"].astype(object).to_numpy().copy()
    verification = out["verification"].astype(object).to_numpy().copy()
    fresh_urls: dict[int, str | None] = {}
    fresh_ver: dict[int, str | None] = {}

    # The URLs a record gathers, as an ordered set per record: one merge adds its URLs in time linear
    # in them, where re-joining the string each time made a chain of merges into one record cubic.
    gathered: dict[tuple, dict] = {}

    def fresh_url(j):
        acc = gathered.get(("new", j))
        if acc is not None:
            return " ".join(acc)
        return fresh_urls[j] if j in fresh_urls else _value(valid_urls[fresh[j]])

    def fresh_verification(j):
        return fresh_ver[j] if j in fresh_ver else _value(valid_ver[fresh[j]])

    fresh_keep = np.ones(len(fresh), dtype=bool)

    def slot_of(k):
        return ("old", k) if k < n_old else ("new", k - n_old)

    def merge_into(slot, rec_urls, rec_ver):
        kind, i = slot
        if kind == "old":
            cur_v = verification[i]
        else:
            cur_v = fresh_verification(i)
        acc = gathered.get(slot)
        if acc is None:
            cur_u = urls[i] if kind == "old" else fresh_url(i)
            acc = gathered[slot] = dict.fromkeys(split_urls(cur_u if isinstance(cur_u, str) else None))
        acc.update(dict.fromkeys(split_urls(rec_urls if isinstance(rec_urls, str) else None)))
        new_v = cur_v
        if rec_ver is not None and _VERIFICATION_RANK.get(rec_ver, 9) < _VERIFICATION_RANK.get(cur_v, 9):
            new_v = rec_ver
        if kind == "old":
            verification[i] = new_v
            touched[i] = True
        else:
            fresh_ver[i] = new_v

    old_index = dict(zip(stored_ids, range(n_old)))
    # The same id twice in one file: the later row is a duplicate of the first (sources added to it).
    later = np.flatnonzero(~first)
    repeated = set(valid_ids[later].tolist())
    fresh_ids = valid_ids[fresh]
    fresh_slot = {r_id: ("new", j) for j, r_id in enumerate(fresh_ids.tolist()) if r_id in repeated}
    repeats = []
    for i in later:
        r_id = valid_ids[i]
        slot = ("old", old_index[r_id]) if r_id in old_index else fresh_slot[r_id]
        merge_into(slot, _value(valid_urls[i]), None)
        repeats.append(r_id)
    joined = {}
    for k in sorted(k for k in dup if k >= n_old):  # in file order: a record may gather several
        j = k - n_old
        merge_into(slot_of(dup[k]), fresh_url(j), fresh_verification(j))  # a stored record, or an earlier new one
        fresh_keep[j] = False
        tid = id_at(dup[k])
        rid = id_at(k)
        joined[rid] = tid
        result.merged += 1
        result.merges.append((rid, tid))
        result.report.add(source, rid, "merged", f"same event as {tid}")
    for r_id in repeats:  # the first of the repeated rows may itself have joined another record
        target = joined.get(r_id, r_id)
        result.merged += 1
        result.merges.append((r_id, target))
        result.report.add(source, r_id, "merged", f"a repeat of an earlier row of this file (into {target})")
    for (kind, i), acc in gathered.items():
        if kind == "old":
            urls[i] = " ".join(acc)
        else:
            fresh_urls[i] = " ".join(acc)
    result.new += int(fresh_keep.sum())
    out["source_urls"] = urls
    out["verification"] = verification
    new_records = valid[[*STORE_COLUMNS, "geometry"]].iloc[fresh[fresh_keep]].reset_index(drop=True)
    at_kept = np.cumsum(fresh_keep) - 1  # a kept fresh record's row in new_records
    for column, changes in (("source_urls", fresh_urls), ("verification", fresh_ver)):
        kept = [j for j in changes if fresh_keep[j]]
        if kept:
            values = new_records[column].astype(object).to_numpy().copy() if new_records[column].dtype == object \
                else None
            if values is not None:
                values[at_kept[kept]] = [changes[j] for j in kept]
                new_records[column] = values
            else:
                new_records.loc[at_kept[kept], column] = pd.array([changes[j] for j in kept],
                                                                  dtype=new_records[column].dtype)
    changed = out[touched]
    # One dtype per column, so that joining a few changed records to a million new ones copies no text.
    changed = changed.astype({c: new_records[c].dtype for c in changed.columns
                              if c != "geometry" and c in new_records.columns and new_records[c].dtype != object})
    written = pd.concat([changed, new_records], ignore_index=True)
    return gpd.GeoDataFrame(written, geometry="geometry", crs=CRS)


def _release() -> None:
    """Give the memory of freed Arrow buffers back to the system between stages, so that the next stage's
    peak is not added to the last one's."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _candidate_keys(valid: gpd.GeoDataFrame) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc

    day = valid["date_precision"].astype(object) == "day"
    states = valid["state"].astype(object).where(valid["state"].notna(), "")
    return {
        "ids": set(valid["id"].astype(object)),
        "day_keys": set(zip(valid.loc[day, "date_start"].astype(object), states[day])),
        "canonical_ids": {c for c in valid["canonical_id"].astype(object) if isinstance(c, str) and c},
        "url_keys": set(pc.unique(pc.list_flatten(pc.split_pattern(url_keys_arrow(
            pa.array(valid["source_urls"].astype(object).where(valid["source_urls"].notna(), None), pa.string(),
                     from_pandas=True)), " "))).to_pylist()) - {""},
    }


def import_incidents(
    path: str | Path,
    store_path,
    *,
    mapping: Mapping | None = None,
    geocoder: Geocoder | None = None,
    facilities: gpd.GeoDataFrame | None = None,
    rejects_path: str | Path | None = None,
    progress=None,
    stage=None,
) -> ImportResult:
    """Import one incident file into the store at ``store_path``: a store folder (``geodata init``),
    a :class:`geodata.store.Store`, or a ``.geojson`` file (created if absent).

    ``progress(k)`` is called as rows are mapped; ``stage(what, rows)`` as the run moves on
    ("mapping", "checking", "deduplicating", "writing"), with the file's row count (for a
    progress bar's total)."""
    import dataclasses

    path = Path(path)
    result = ImportResult()
    file_store = is_file_store(store_path)
    store = None
    if rejects_path is not None:
        check_writable(rejects_path, "the rejects file")  # before anything is stored, not after
    if not file_store:
        store = store_path if isinstance(store_path, Store) else open_store(store_path)
    table = read_table(path, max_bytes=MAX_IMPORT_BYTES, columnar=True)
    result.rows = len(table)
    source = path.name
    result.warnings = list(table.attrs.get("warnings", []))
    origins = read_file_sources(store_path) if file_store else store.source_origins()
    mapping = mapping or Mapping()
    key, origin, key_warnings = source_key(path, mapping.source_key, origins)
    mapping = dataclasses.replace(mapping, source_key=key)
    result.warnings += key_warnings
    for warning in result.warnings:
        result.report.add(source, "file", "note", warning)

    def step(what):
        if stage is not None:
            stage(what, result.rows)

    step("mapping")
    mapped, rejects = map_incidents(
        table, mapping, source=source, geocoder=geocoder, facilities=facilities, report=result.report,
        progress=progress,
    )
    legacy_all = mapped.attrs.get("legacy_ids", {})
    before = set(mapped.index)
    step("checking")
    valid = validate_incidents(mapped, result.report, source=source, allow_repeated_ids=True)
    failed = mapped.loc[sorted(before - set(valid.index))]
    if len(failed):
        last = {r["record"]: r["reason"] for r in result.report.of("rejected")}
        rows = plain_rows(table.set_index("_row").loc[failed["_row"]].reset_index())
        rows.insert(0, "reason", [last.get(i, "failed validation") for i in failed["id"]])
        rejects = pd.concat([rejects, rows], ignore_index=True)
    del table, mapped, failed
    _release()
    for c in STORE_COLUMNS:
        if c not in valid.columns:
            valid[c] = None

    valid_ids = set(valid["id"]) if legacy_all else set()
    legacy = {k: v for k, v in legacy_all.items() if k in valid_ids}
    if file_store:
        from ..store.locks import hold_lock

        with hold_lock(file_store_lock(store_path), str(store_path)):  # one import at a time, as a folder store
            step("deduplicating")
            stored = load_store(store_path)
            note_legacy_ids(legacy, set(stored["id"]), result)
            written = _merge(valid, stored, result, source)
            step("writing")
            if len(written) or not Path(store_path).is_file():
                ids = set(written["id"])
                out = pd.concat([stored[~stored["id"].isin(ids)], written], ignore_index=True)
                save_store(gpd.GeoDataFrame(out, geometry="geometry", crs=CRS), store_path)
            if key not in read_file_sources(store_path):
                from ..core.atomic import write_bytes

                write_bytes(file_store_sources(store_path),
                            json.dumps({**read_file_sources(store_path), key: origin}, indent=1).encode())
    else:
        guard = store.writing() if hasattr(store, "writing") else contextlib.nullcontext()
        with guard:  # read the candidates and write the result as one step: no other import in between
            step("deduplicating")
            keys = _candidate_keys(valid) if len(valid) else {}
            if legacy:
                keys["ids"] = keys["ids"] | set(legacy.values())
            del valid_ids
            stored = store.candidates(**keys)
            note_legacy_ids(legacy, set(stored["id"]), result)
            written = _merge(valid, stored, result, source)
            store.record_sources({key: origin})
            del valid, stored  # the records to write are their own copy: a million records are not held twice
            _release()
            step("writing")
            if len(written):
                store.write_incidents(written, locked=True)
            result.rejects = rejects
            result.rejected = len(rejects)
            store.log_import(source, result)  # in the same step: a log line only for an import that landed
    result.rejects = rejects
    result.rejected = len(rejects)
    if rejects_path is not None:  # written every run, so an old file never lingers
        try:
            with atomic_path(rejects_path) as tmp:
                (rejects if len(rejects) else pd.DataFrame(columns=["reason"])).to_csv(tmp, index=False)
        except OSError as exc:  # checked before; gone since: the import landed, and its accounting is said
            from ..core.report import GeodataError

            raise GeodataError(f"{result.summary()} (stored); but the rejects file {rejects_path} could not be "
                               f"written ({exc.strerror or exc})") from None
    return result


#: The largest file a viewer may upload to see beside the bundled layers, counted as
#: Streamlit counts ``server.maxUploadSize`` (MB = 2**20 bytes; .streamlit/config.toml says
#: the same) and again after gzip decompression, so a small bomb stops at the same limit.
MAX_UPLOAD_BYTES = 20 * MB
#: The most rows of one upload: each row is placed one by one (about 1 ms each), and
#: one viewer must not keep the server busy for minutes.  The command line has no such limit.
MAX_UPLOAD_ROWS = 10_000
#: The most columns of one upload (the widest incident table at hand has 74): with the rows,
#: this bounds the cells read to two million, a few seconds.
MAX_UPLOAD_COLUMNS = 200
UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".geojson", ".xlsx", ".gz")


def read_upload(data: bytes, filename: str, *, max_bytes: int = MAX_UPLOAD_BYTES, max_rows: int = MAX_UPLOAD_ROWS):
    """A viewer's own incident file, mapped like an import but kept out of every store.

    Returns ``(incidents, rejects)``.  ``incidents.attrs`` accounts for every row of
    the file: ``rows`` = ``len(incidents)`` + ``merged`` (a repeat of an earlier row) +
    ``rejected`` (= ``len(rejects)``, each with its reason); ``warnings`` says what
    reading had to guess.  Raises :class:`GeodataError`, naming ``filename`` (never the
    temporary copy), with a message for the viewer: too large, too many rows or
    columns, a format it cannot read, no rows it could place.
    """
    import tempfile

    if len(data) > max_bytes:
        raise GeodataError(f"{filename}: {len(data):,} bytes; the limit is {megabytes(max_bytes)} "
                           f"({max_bytes:,} bytes)")
    suffixes = [s.lower() for s in Path(filename).suffixes[-2:]]
    if suffixes and suffixes[-1] not in UPLOAD_SUFFIXES:
        raise GeodataError(f"{filename}: use CSV, JSON, GeoJSON or XLSX")
    # The copy's name keeps only the suffixes that tell a format (a name is the viewer's to choose).
    suffix = "".join(s for s in suffixes if s in UPLOAD_SUFFIXES) or ".csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        table = read_table(path, name=filename, max_bytes=max_bytes, max_rows=max_rows,
                           max_columns=MAX_UPLOAD_COLUMNS)
    report = Report()
    mapped, rejects = map_incidents(table, Mapping(source_key="upload"), source=filename, report=report)
    valid = validate_incidents(mapped, report, source=filename, allow_repeated_ids=True)
    failed = mapped.loc[sorted(set(mapped.index) - set(valid.index))]
    if len(failed):
        last = {r["record"]: r["reason"] for r in report.of("rejected")}
        rows = table.set_index("_row").loc[failed["_row"]].reset_index()
        rows.insert(0, "reason", [last.get(i, "failed validation") for i in failed["id"]])
        rejects = pd.concat([rejects, rows], ignore_index=True)
    repeated = valid["id"].duplicated()
    valid = valid[~repeated]
    if valid.empty:
        reasons = pd.Series([r["reason"] for r in report.of("rejected")]).value_counts()
        top = "; ".join(f"{n} x {why}" for why, n in reasons.head(3).items())
        raise GeodataError(f"no row of {filename} could be shown ({top})")
    valid = valid.copy()
    valid.attrs = {
        "rows": len(table), "merged": int(repeated.sum()), "rejected": len(rejects),
        "warnings": list(table.attrs.get("warnings", [])),
    }
    return valid, rejects
