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
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .atomic import atomic_path, clean_temp_files
from .dedupe import find_duplicates
from .geocode import Geocoder
from .incidents_import import Mapping, map_incidents
from .report import Report
from .schema import CRS, join_urls, split_urls
from .store import read_layer
from .store.base import STORE_COLUMNS, Store
from .tables import MB, _mb, read_table
from .validate import validate_incidents

__all__ = [
    "ImportResult", "import_incidents", "STORE_COLUMNS", "load_store", "save_store", "read_upload",
    "MAX_UPLOAD_BYTES", "MAX_UPLOAD_ROWS", "MAX_UPLOAD_COLUMNS",
]

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


def _is_file_store(path) -> bool:
    return not isinstance(path, Store) and Path(path).suffix.lower() in (".geojson", ".json") \
        and not Path(path).is_dir()


def load_store(path) -> gpd.GeoDataFrame:
    """Every stored incident with the dedupe helper columns (a store folder, a Store, or a ``.geojson`` file)."""
    if isinstance(path, Store):
        return path.incidents(columns=STORE_COLUMNS)
    if not _is_file_store(path):
        from .store import open_store

        return open_store(path).incidents(columns=STORE_COLUMNS)
    path = Path(path)
    clean_temp_files(path)
    if not path.is_file():
        return gpd.GeoDataFrame({c: [] for c in STORE_COLUMNS}, geometry=[], crs=CRS)
    return read_layer(path, STORE_COLUMNS)


def save_store(gdf: gpd.GeoDataFrame, path: str | Path) -> None:
    """Replace a ``.geojson`` store file with ``gdf``, atomically."""
    from .export import write_geojson

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


def _merge(valid: gpd.GeoDataFrame, stored: gpd.GeoDataFrame, result: ImportResult, source: str) -> gpd.GeoDataFrame:
    """Fold this file's valid records into the stored ones (``stored`` may be only the candidates);
    return the records to write (new, updated or changed by a merge), and count every row."""
    valid = _plain(valid)
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
        new_rows = valid.iloc[upd].reset_index(drop=True)
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
    candidates = pd.concat([stored, valid.iloc[fresh]], ignore_index=True)
    candidates = gpd.GeoDataFrame(candidates, geometry="geometry", crs=CRS)
    dup = find_duplicates(candidates) if len(fresh) else {}
    new_ids = candidates["id"].astype(object).to_numpy()
    # Records being built up: stored ones by position in ``out``, new ones by position in ``fresh``.
    urls = out["source_urls"].astype(object).to_numpy().copy()
    verification = out["verification"].astype(object).to_numpy().copy()
    fresh_urls = valid["source_urls"].astype(object).to_numpy()[fresh].copy()
    fresh_ver = valid["verification"].astype(object).to_numpy()[fresh].copy()
    fresh_keep = np.ones(len(fresh), dtype=bool)

    def slot_of(k):
        return ("old", k) if k < n_old else ("new", k - n_old)

    def merge_into(slot, rec_urls, rec_ver):
        kind, i = slot
        arr_u, arr_v = (urls, verification) if kind == "old" else (fresh_urls, fresh_ver)
        arr_u[i] = join_urls([*split_urls(arr_u[i] if isinstance(arr_u[i], str) else None),
                              *split_urls(rec_urls if isinstance(rec_urls, str) else None)])
        if rec_ver is not None and _VERIFICATION_RANK.get(rec_ver, 9) < _VERIFICATION_RANK.get(arr_v[i], 9):
            arr_v[i] = rec_ver
        if kind == "old":
            touched[i] = True

    old_index = dict(zip(stored["id"].astype(object), range(n_old)))
    fresh_slot = {r_id: ("new", j) for j, r_id in enumerate(valid["id"].astype(object).to_numpy()[fresh])}
    # The same id twice in one file: the later row is a duplicate of the first (sources added to it).
    repeat_ids = valid["id"].astype(object).to_numpy()
    repeat_urls = valid["source_urls"].astype(object).to_numpy()
    repeats = []
    for i in np.flatnonzero(~first):
        r_id = repeat_ids[i]
        slot = ("old", old_index[r_id]) if r_id in old_index else fresh_slot[r_id]
        merge_into(slot, repeat_urls[i], None)
        repeats.append(r_id)
    joined = {}
    for k in sorted(k for k in dup if k >= n_old):  # in file order: a record may gather several
        j = k - n_old
        merge_into(slot_of(dup[k]), fresh_urls[j], fresh_ver[j])  # a stored record, or an earlier new one
        fresh_keep[j] = False
        tid = new_ids[dup[k]]
        joined[new_ids[k]] = tid
        result.merged += 1
        result.merges.append((new_ids[k], tid))
        result.report.add(source, new_ids[k], "merged", f"same event as {tid}")
    for r_id in repeats:  # the first of the repeated rows may itself have joined another record
        target = joined.get(r_id, r_id)
        result.merged += 1
        result.merges.append((r_id, target))
        result.report.add(source, r_id, "merged", f"a repeat of an earlier row of this file (into {target})")
    result.new += int(fresh_keep.sum())
    out["source_urls"] = urls
    out["verification"] = verification
    new_records = valid.iloc[fresh].reset_index(drop=True).assign(source_urls=fresh_urls, verification=fresh_ver)
    new_records = new_records[fresh_keep]
    changed = out[touched]
    written = pd.concat([changed, new_records], ignore_index=True)
    return gpd.GeoDataFrame(written, geometry="geometry", crs=CRS)


def _candidate_keys(valid: gpd.GeoDataFrame) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc

    from .store.parquet import url_keys_arrow

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
) -> ImportResult:
    """Import one incident file into the store at ``store_path``: a store folder (``geodata init``),
    a :class:`geodata.store.Store`, or a ``.geojson`` file (created if absent)."""
    path = Path(path)
    result = ImportResult()
    file_store = _is_file_store(store_path)
    store = None
    if not file_store:
        from .store import open_store

        store = store_path if isinstance(store_path, Store) else open_store(store_path)
    table = read_table(path)
    result.rows = len(table)
    source = path.name
    result.warnings = list(table.attrs.get("warnings", []))
    for warning in result.warnings:
        result.report.add(source, "file", "note", warning)
    mapped, rejects = map_incidents(
        table, mapping, source=source, geocoder=geocoder, facilities=facilities, report=result.report,
        progress=progress,
    )
    before = set(mapped.index)
    valid = validate_incidents(mapped, result.report, source=source, allow_repeated_ids=True)
    failed = mapped.loc[sorted(before - set(valid.index))]
    if len(failed):
        last = {r["record"]: r["reason"] for r in result.report.of("rejected")}
        rows = table.set_index("_row").loc[failed["_row"]].reset_index()
        rows.insert(0, "reason", [last.get(i, "failed validation") for i in failed["id"]])
        rejects = pd.concat([rejects, rows], ignore_index=True)
    for c in STORE_COLUMNS:
        if c not in valid.columns:
            valid[c] = None

    if file_store:
        stored = load_store(store_path)
        written = _merge(valid, stored, result, source)
        if len(written) or not Path(store_path).is_file():
            ids = set(written["id"])
            out = pd.concat([stored[~stored["id"].isin(ids)], written], ignore_index=True)
            save_store(gpd.GeoDataFrame(out, geometry="geometry", crs=CRS), store_path)
    else:
        guard = store.writing() if hasattr(store, "writing") else contextlib.nullcontext()
        with guard:  # read the candidates and write the result as one step: no other import in between
            stored = store.candidates(**_candidate_keys(valid)) if len(valid) else store.candidates()
            written = _merge(valid, stored, result, source)
            if len(written):
                store.write_incidents(written, locked=True)
            result.rejects = rejects
            result.rejected = len(rejects)
            store.log_import(source, result)  # in the same step: a log line only for an import that landed
    result.rejects = rejects
    result.rejected = len(rejects)
    if rejects_path is not None:  # written every run, so an old file never lingers
        with atomic_path(rejects_path) as tmp:
            (rejects if len(rejects) else pd.DataFrame(columns=["reason"])).to_csv(tmp, index=False)
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

    from .report import GeodataError

    if len(data) > max_bytes:
        raise GeodataError(f"{filename}: {len(data):,} bytes; the limit is {_mb(max_bytes)} ({max_bytes:,} bytes)")
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
