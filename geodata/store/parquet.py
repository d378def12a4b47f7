"""The embedded store: a folder of GeoParquet files and a manifest, read and written with pyarrow.

Layout of ``DIR``::

    manifest.json                 what the store holds: the current file of each table
    facilities-<tag>.parquet      GeoParquet (WKB points) of the facilities
    population-<tag>.parquet      facility x month population
    report-<tag>.parquet          build report of the seeded data
    incidents-<part>-<tag>.parquet GeoParquet, one file per partition (below)
    .lock, .readers.lock          flock files: one writer at a time; readers shared

Incidents are partitioned by the year of ``date_start`` and by whether a record
spans days (``d``: one day; ``r``: a month, a year or a range), each file sorted
by ``date_start`` and written in row groups of :data:`ROW_GROUP_ROWS`.  A date
filter skips whole files by the manifest's date bounds, then row groups by their
statistics: for one-day records ``date_start`` bounds are exact, and a file of
ranges knows its longest span, so ``date_end >= start`` becomes the prunable
``date_start >= start - span``.  ``lon``/``lat`` are stored as floats beside the
WKB geometry so a bounding box prunes the same way.

Atomic writes: every file is new (a fresh name, written through
:func:`geodata.core.atomic.atomic_path`: temporary file, fsync, rename); the manifest is
replaced last, the same way, and that rename is the commit.  A kill at any moment
leaves the old manifest pointing at old, complete files.  Files no manifest names
and temporary files are removed when no writer holds the lock and no reader
holds the readers' lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import uuid
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs
import pyarrow.parquet as pq
import shapely

from ..core.atomic import TEMP_SUFFIX, atomic_path, write_bytes
from ..core.report import GeodataError
from ..core.schema import CRS, INCIDENT_COLUMNS
from .base import SCHEMA_VERSION, STORE_COLUMNS, Query, Store
from .locks import hold_lock
from .manifest import FORMAT, MANIFEST, read_manifest

__all__ = ["ParquetStore", "ROW_GROUP_ROWS", "arrow_frame", "url_keys", "url_keys_arrow"]

LOCK = ".lock"
READERS_LOCK = ".readers.lock"
ROW_GROUP_ROWS = 10_000
_LOCAL = pyarrow.fs.LocalFileSystem()
#: The columns a query's filter reads (:meth:`ParquetStore._expr`).
_FILTER_COLUMNS = ("date_start", "date_end", "category", "facility_id", "lon", "lat")
#: Derived column: the record's source URLs as deduplication compares them.
URL_KEYS = "url_keys"
_TRACKING = r"[?&](utm_[a-z]+|fbclid|gclid|ref)=[^&]*"
_GEO_META = {
    "version": "1.1.0", "primary_column": "geometry",
    # No "crs": GeoParquet's default, OGC:CRS84, is WGS84 longitude/latitude (EPSG:4326 as the project uses it).
    "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"]}},
}


def url_keys(source_urls) -> pd.Series:
    """Each record's source URLs normalised as :func:`geodata.pipeline.dedupe.normalize_url` does, space-separated."""
    index = source_urls.index if isinstance(source_urls, pd.Series) else None
    out = url_keys_arrow(pa.array(pd.Series(source_urls, dtype=object).where(pd.notna(source_urls), None),
                                  pa.string(), from_pandas=True))
    return pd.Series(out.to_pylist(), index=index, dtype=object)


def url_keys_arrow(arr: pa.Array) -> pa.Array:
    """:func:`url_keys` column-wise with Arrow (split, the same regular expressions, join)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    lists = pc.split_pattern_regex(pc.fill_null(arr, ""), r"\s+")
    flat = pc.list_flatten(lists)
    flat = pc.replace_substring_regex(flat, _TRACKING, "")
    flat = pc.replace_substring_regex(flat, r"(?i)^https?://(www\.)?", "")
    flat = pc.utf8_lower(pc.utf8_rtrim(flat, "/"))
    rebuilt = pa.ListArray.from_arrays(lists.offsets, flat)
    # Blank pieces (leading or trailing spaces) carry no URL.
    joined = pc.utf8_trim_whitespace(pc.binary_join(rebuilt, " "))
    return pc.replace_substring_regex(joined, r" +", " ")


def _partition(date_start: pd.Series, date_end: pd.Series) -> pd.Series:
    year = date_start.astype(str).str[:4]
    return year + np.where(date_start.astype(str) == date_end.astype(str), "-d", "-r")


def _span_days(date_start, date_end) -> int:
    if len(date_start) == 0:
        return 0
    a = pd.to_datetime(pd.Series(date_start), format="%Y-%m-%d", errors="coerce")
    b = pd.to_datetime(pd.Series(date_end), format="%Y-%m-%d", errors="coerce")
    span = (b - a).dt.days.max()
    return int(span) if pd.notna(span) else 0


def _incident_table(gdf: gpd.GeoDataFrame) -> pa.Table:
    """The batch as an Arrow table of the stored layout (string columns, lon/lat, WKB geometry)."""
    geoms = np.asarray(gdf.geometry.array if isinstance(gdf, gpd.GeoDataFrame) else gdf["geometry"], dtype=object)
    lon, lat = shapely.get_x(geoms), shapely.get_y(geoms)
    missing = np.isnan(lon) | np.isnan(lat)
    wkb = shapely.to_wkb(geoms)
    wkb[missing] = None
    cols = {}
    for c in STORE_COLUMNS:
        if c in gdf.columns:
            cols[c] = pa.array(pd.Series(gdf[c], copy=False).astype("str"), type=pa.string(), from_pandas=True)
        else:
            cols[c] = pa.nulls(len(gdf), pa.string())
    cols[URL_KEYS] = url_keys_arrow(cols["source_urls"])
    cols["lon"] = pa.array(lon, type=pa.float64(), mask=missing)
    cols["lat"] = pa.array(lat, type=pa.float64(), mask=missing)
    cols["geometry"] = pa.array(wkb, type=pa.binary())
    return pa.table(cols)


class ParquetStore(Store):
    """The embedded store in the folder ``path`` (see the module docstring for the layout)."""

    def __init__(self, path: str | Path, *, create: bool = False):
        self.path = Path(path)
        self.url = str(self.path)
        if create:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise GeodataError(f"{self.path}: cannot make the store folder ({exc.strerror})") from None
        elif not (self.path / MANIFEST).is_file():
            what = "is not a store (no manifest.json)" if self.path.is_dir() else "does not exist"
            raise GeodataError(f"{self.path} {what}; make one with `geodata init --store {self.path}`")
        self._small: dict = {}
        self._checked = None  # the manifest's bytes last checked against its files
        self.clean()

    # -- locks and cleaning ----------------------------------------------------------
    def _lockfile(self, name: str, mode: int):
        try:
            return os.open(self.path / name, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:  # a read-only folder: nobody can write it, nothing to guard
            return None

    @contextlib.contextmanager
    def _flock(self, name: str, mode: int):
        fd = self._lockfile(name, mode)
        try:
            if fd is not None:
                fcntl.flock(fd, mode)
            yield
        finally:
            if fd is not None:
                os.close(fd)  # closing releases the lock

    def writing(self):
        """Hold the writers' lock: one import at a time, the others wait (saying so, for a bounded time)."""
        return hold_lock(self.path / LOCK, str(self.path))

    def _reading(self):
        return self._flock(READERS_LOCK, fcntl.LOCK_SH)

    def _try_lock(self, name: str):
        fd = self._lockfile(name, fcntl.LOCK_EX)
        if fd is None:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    def clean(self, *, holding_write_lock: bool = False) -> list[Path]:
        """Remove temporary files of interrupted writes, and files no manifest names; return them.

        Only when no writer is at work (a writer's temporary file is not litter) and,
        for old data files, no reader is reading."""
        removed: list[Path] = []
        wfd = None if holding_write_lock else self._try_lock(LOCK)
        if wfd is None and not holding_write_lock:
            return removed
        try:
            for tmp in self.path.glob(f".*{TEMP_SUFFIX}"):
                with contextlib.suppress(OSError):
                    tmp.unlink()
                    removed.append(tmp)
            rfd = self._try_lock(READERS_LOCK)
            if rfd is not None:
                try:
                    try:
                        keep = set(self._files(self._manifest()))
                    except GeodataError:
                        keep = None  # a damaged manifest: touch nothing
                    if keep is not None:
                        for f in self.path.glob("*.parquet"):
                            if f.name not in keep:
                                with contextlib.suppress(OSError):
                                    f.unlink()
                                    removed.append(f)
                finally:
                    os.close(rfd)
        finally:
            if wfd is not None:
                os.close(wfd)
        return removed

    # -- manifest ----------------------------------------------------------------------
    def _manifest(self) -> dict:
        m, self._checked = read_manifest(self.path, self._checked, self._damage)
        return m

    @staticmethod
    def _files(m: dict) -> list[str]:
        names = [m[k] for k in ("facilities", "population", "report") if m.get(k)]
        return names + [e["file"] for e in m["incidents"]]

    def _commit(self, m: dict) -> None:
        m = dict(m, format=FORMAT, schema_version=SCHEMA_VERSION, generation=int(m.get("generation", 0)) + 1,
                 written=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        write_bytes(self.path / MANIFEST, json.dumps(m, indent=1).encode())

    def _new_name(self, stem: str) -> str:
        return f"{stem}-{uuid.uuid4().hex[:12]}.parquet"

    @contextlib.contextmanager
    def _damage(self, name: str):
        try:
            yield
        except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
            raise GeodataError(f"{self.path}: the store is damaged: {name} cannot be read "
                               f"({exc.__class__.__name__}: {str(exc)[:200]})") from None

    # -- reading -----------------------------------------------------------------------
    def metadata(self) -> dict:
        m = self._manifest()
        entries = m["incidents"]
        span = None
        if entries:
            span = (min(e["date_start_min"] for e in entries), max(e["date_end_max"] for e in entries))
        return {"schema_version": m["schema_version"], "backend": "parquet", "generation": m["generation"],
                "incidents": sum(e["rows"] for e in entries), "date_span": span, "written": m.get("written")}

    def _small_table(self, m: dict, key: str):
        name = m.get(key)
        if not name:
            return None
        cached = self._small.get(key)
        if cached and cached[0] == name:
            return cached[1]
        with self._damage(name):
            path = self.path / name
            if key == "facilities":
                value = gpd.read_parquet(path)
                value = value.reindex(columns=[*[c for c in value.columns if c != "geometry"], "geometry"])
                value = value.set_geometry("geometry").set_crs(CRS, allow_override=True)
            else:
                value = pq.read_table(path).to_pandas()
        self._small[key] = (name, value)
        return value

    def facilities(self) -> gpd.GeoDataFrame:
        with self._reading():
            return self._small_table(self._manifest(), "facilities").copy()

    def best_population(self, data, compute):
        # Computed from the population table, kept while the manifest names the same file.
        name = self._manifest().get("population")
        kept = self._small.get("best_population")
        if kept and kept[0] == name:
            return kept[1]
        best = compute(data)
        self._small["best_population"] = (name, best)
        return best

    def population(self):
        with self._reading():
            pop = self._small_table(self._manifest(), "population")
        return None if pop is None else pop.copy()

    def report(self):
        with self._reading():
            rep = self._small_table(self._manifest(), "report")
        return pd.DataFrame() if rep is None else rep.copy()

    def _entries(self, m: dict, q: Query | None) -> list[dict]:
        out = []
        for e in m["incidents"]:
            if q is not None and q.start and e["date_end_max"] < q.start.isoformat():
                continue
            if q is not None and q.end and e["date_start_min"] > q.end.isoformat():
                continue
            out.append(e)
        return out

    def _expr(self, q: Query | None, entry: dict, facility_ids):
        if q is None:
            return None
        f = None

        def both(a, b):
            return b if a is None else a & b

        if q.start:
            f = both(f, ds.field("date_end") >= q.start.isoformat())
            try:
                lower = q.start - dt.timedelta(days=int(entry.get("max_span_days", 0)))
            except OverflowError:  # a start near year 1: nothing to prune below it
                lower = None
            if lower is not None:
                f = both(f, ds.field("date_start") >= lower.isoformat())  # implied by the above: prunes row groups
        if q.end:
            f = both(f, ds.field("date_start") <= q.end.isoformat())
        if q.categories is not None:
            # Typed: an empty list (no category ticked) is a null array, which Arrow will not compare to text.
            f = both(f, ds.field("category").isin(pa.array(list(q.categories), pa.string())))
        if facility_ids is not None:
            f = both(f, ds.field("facility_id").isin(pa.array(list(facility_ids), pa.string())))
        if q.bbox is not None:
            w, s, e, n = (float(v) for v in q.bbox)
            f = both(f, (ds.field("lon") >= w) & (ds.field("lon") <= e) & (ds.field("lat") >= s)
                     & (ds.field("lat") <= n))
        return f

    def _facility_ids(self, m: dict, q: Query | None):
        if q is None or not q.aors:
            return None
        fac = self._small_table(m, "facilities")
        return fac.loc[fac["aor"].isin(q.aors), "id"].tolist()

    def plan(self, query: Query | None = None) -> list[tuple[str, list[int]]]:
        """The files and row groups a query reads (the others are skipped by their statistics)."""
        with self._reading():
            m = self._manifest()
            return [(name, groups) for name, groups, _ in self._fragments(m, query)]

    def _fragments(self, m: dict, q: Query | None):
        fmt = ds.ParquetFileFormat()
        facility_ids = self._facility_ids(m, q)
        out = []
        for e in self._entries(m, q):
            expr = self._expr(q, e, facility_ids)
            with self._damage(e["file"]):
                frag = fmt.make_fragment(str(self.path / e["file"]), filesystem=_LOCAL)
                pieces = []
                for piece in frag.split_by_row_group(expr):
                    pieces.extend(rg.id for rg in piece.row_groups)
            out.append((e["file"], pieces, expr))
        return out

    def row_group_count(self) -> int:
        """Row groups of all incident files (to compare a plan with)."""
        with self._reading():
            m = self._manifest()
            total = 0
            for e in m["incidents"]:
                with self._damage(e["file"]):
                    total += pq.ParquetFile(self.path / e["file"]).metadata.num_row_groups
            return total

    def incident_table(self, query: Query | None = None, *, columns=None) -> pa.Table:
        """The incidents that fit ``query``, as an Arrow table (stored columns, lon/lat, no WKB)."""
        columns = list(columns) if columns is not None else [*INCIDENT_COLUMNS, "lon", "lat"]
        # The filter reads these too, whichever columns are asked for (dropped again below).
        read = columns if query is None else list(dict.fromkeys([*columns, *_FILTER_COLUMNS]))
        with self._reading():
            m = self._manifest()
            tables = []
            for name, groups, expr in self._fragments(m, query):
                if not groups:
                    continue
                with self._damage(name):
                    pf = pq.ParquetFile(self.path / name)
                    present = set(pf.schema_arrow.names)
                    t = pf.read_row_groups(groups, columns=[c for c in read if c in present])
                    if expr is not None:  # run on its columns and a row number: the rows copied only if some fail
                        rows = t.select([c for c in _FILTER_COLUMNS if c in present]).append_column(
                            "_row", pa.array(np.arange(t.num_rows, dtype=np.int64))).filter(expr)["_row"]
                        t = t if len(rows) == t.num_rows else t.take(rows)
                    for c in columns:
                        if c not in present:  # a column added to the schema after the file was written
                            t = t.append_column(c, pa.nulls(t.num_rows, pa.string()))
                    tables.append(t.select(columns))
        if not tables:
            return pa.table({c: pa.array([], pa.float64() if c in ("lon", "lat") else pa.string()) for c in columns})
        return pa.concat_tables(tables)

    def incidents(self, query: Query | None = None, *, columns=None) -> gpd.GeoDataFrame:
        columns = list(columns) if columns is not None else list(INCIDENT_COLUMNS)
        table = self.incident_table(query, columns=[*columns, "lon", "lat"])
        return arrow_frame(table, columns)

    def _read_key_columns(self, name: str) -> pa.Table:
        keys = ["id", "date_start", "date_precision", "state", "canonical_id", URL_KEYS]
        with self._damage(name):
            return pq.read_table(self.path / name, columns=keys)

    def candidates(self, *, ids=(), day_keys=(), canonical_ids=(), url_keys=()) -> gpd.GeoDataFrame:
        ids, canon = pa.array(list(set(ids)), pa.string()), pa.array(list(set(canonical_ids)), pa.string())
        days = pa.array(sorted({f"{d}|{s or ''}" for d, s in day_keys}), pa.string())
        urls = pa.array(sorted(set(url_keys) - {""}), pa.string())
        parts = []
        with self._reading():
            m = self._manifest()
            # The key columns of every file at once: each look-up's hash table (a million ids, a
            # million URLs for a large import) is built once, not once per file.
            keys = [self._read_key_columns(e["file"]) for e in m["incidents"]]
            k = pa.concat_tables(keys, promote_options="default") if keys else None
            sizes = [t.num_rows for t in keys]
            del keys
            if k is not None and k.num_rows:
                mask = pc.is_in(k["id"], value_set=ids)
                if len(canon):
                    mask = pc.or_(mask, pc.fill_null(pc.is_in(k["canonical_id"], value_set=canon), False))
                if len(days):
                    key = pc.binary_join_element_wise(k["date_start"], pc.fill_null(k["state"], ""), "|")
                    day = pc.and_(pc.equal(pc.fill_null(k["date_precision"], ""), "day"), pc.is_in(key, value_set=days))
                    mask = pc.or_(mask, day)
                if len(urls):
                    lists = pc.split_pattern(pc.fill_null(k[URL_KEYS], ""), " ")
                    flat = pc.list_flatten(lists)
                    hit = pc.is_in(flat, value_set=urls)
                    rows = pc.unique(pc.filter(pc.list_parent_indices(lists), hit)).to_numpy()
                    extra = np.zeros(k.num_rows, dtype=bool)
                    extra[rows] = True
                    mask = pc.or_(mask, pa.array(extra))
                found = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
                del k, mask
                starts = np.concatenate([[0], np.cumsum(sizes)])
                for e, lo, hi in zip(m["incidents"], starts[:-1], starts[1:]):
                    a, b = np.searchsorted(found, [lo, hi])
                    if b > a:
                        parts.append(self._rows(e["file"], found[a:b] - lo))
        if not parts:
            return arrow_frame(pa.table({c: pa.array([], pa.string()) for c in STORE_COLUMNS}
                                   | {"lon": pa.array([], pa.float64()), "lat": pa.array([], pa.float64())}),
                          STORE_COLUMNS)
        gdf = arrow_frame(pa.concat_tables(parts), STORE_COLUMNS)
        return gdf.sort_values("id", kind="stable").reset_index(drop=True)

    def _rows(self, name: str, positions: np.ndarray) -> pa.Table:
        columns = [*STORE_COLUMNS, "lon", "lat"]
        with self._damage(name):
            pf = pq.ParquetFile(self.path / name)
            sizes = [pf.metadata.row_group(i).num_rows for i in range(pf.metadata.num_row_groups)]
            starts = np.concatenate([[0], np.cumsum(sizes)])
            groups = sorted(set(np.searchsorted(starts, positions, side="right") - 1))
            t = pf.read_row_groups(groups, columns=[c for c in columns if c in pf.schema_arrow.names])
            offsets = np.concatenate([[0], np.cumsum([sizes[g] for g in groups])])
            local = np.empty(len(positions), dtype=np.int64)
            for j, g in enumerate(groups):
                sel = (positions >= starts[g]) & (positions < starts[g + 1])
                local[sel] = positions[sel] - starts[g] + offsets[j]
            t = t.take(pa.array(local))
            for c in columns:
                if c not in t.column_names:
                    t = t.append_column(c, pa.nulls(t.num_rows, pa.string()))
            return t.select(columns)

    # -- writing -----------------------------------------------------------------------
    def _write_table(self, table: pa.Table, stem: str, *, geo: bool) -> str:
        name = self._new_name(stem)
        if geo:
            meta = dict(table.schema.metadata or {})
            meta[b"geo"] = json.dumps(_GEO_META).encode()
            table = table.replace_schema_metadata(meta)
        with atomic_path(self.path / name) as tmp:
            pq.write_table(table, tmp, row_group_size=ROW_GROUP_ROWS, compression="zstd",
                           write_statistics=True)
        return name

    def _write_incident_parts(self, table: pa.Table) -> list[dict]:
        """Write ``table`` as one file per partition; return the manifest entries."""
        if table.num_rows == 0:
            return []
        parts = _partition(table["date_start"].to_pandas(), table["date_end"].to_pandas()).to_numpy(dtype=object)
        # One sort by partition, then date and id, and each partition is a slice: no filter pass per year.
        keyed = table.append_column("_part", pa.array(parts, pa.string()))
        order = pc.sort_indices(keyed, sort_keys=[("_part", "ascending"), ("date_start", "ascending"),
                                                  ("id", "ascending")])
        del keyed
        keys, counts = np.unique(parts, return_counts=True)  # sorted, as the sort above
        entries, lo = [], 0
        for key, n in zip(keys.tolist(), counts.tolist()):
            # One partition taken at a time: the sorted copy of a million records is never held whole.
            t = table.take(order.slice(lo, n))
            lo += n
            name = self._write_table(t, f"incidents-{key}", geo=True)
            entries.append(self._entry(name, key, t))
        return entries

    @staticmethod
    def _entry(name: str, key: str, t: pa.Table) -> dict:
        starts, ends = t["date_start"], t["date_end"]
        return {"file": name, "partition": key, "rows": t.num_rows,
                "date_start_min": pc.min(starts).as_py(), "date_start_max": pc.max(starts).as_py(),
                "date_end_max": pc.max(ends).as_py(),
                "max_span_days": _span_days(starts.to_pandas(), ends.to_pandas())}

    def seed(self, bundle) -> None:
        """Replace everything with ``bundle``'s facilities, population, report and incidents."""
        with self.writing():
            m = {"incidents": [], "generation": self._generation()}
            fac = gpd.GeoDataFrame(bundle.facilities, geometry="geometry", crs=CRS)
            fac = fac.reindex(columns=[*[c for c in fac.columns if c != "geometry"], "geometry"])
            name = self._new_name("facilities")
            with atomic_path(self.path / name) as tmp:
                fac.to_parquet(tmp, index=False, compression="zstd")
            m["facilities"] = name
            if bundle.population is not None:
                m["population"] = self._write_table(pa.Table.from_pandas(bundle.population, preserve_index=False),
                                                    "population", geo=False)
            report = bundle.report if bundle.report is not None else pd.DataFrame()
            m["report"] = self._write_table(pa.Table.from_pandas(report.astype(object), preserve_index=False),
                                            "report", geo=False)
            m["incidents"] = self._write_incident_parts(_incident_table(bundle.incidents))
            self._commit(m)
            self.clean(holding_write_lock=True)

    def generation(self) -> int:
        return int(self._manifest().get("generation", 0))  # a damaged manifest is the caller's one message

    def _generation(self) -> int:
        try:
            return int(self._manifest().get("generation", 0))
        except GeodataError:
            return 0

    def source_origins(self) -> dict[str, str]:
        sources = self._manifest().get("sources")
        return {str(k): str(v) for k, v in sources.items()} if isinstance(sources, dict) else {}

    def record_sources(self, origins: dict[str, str]) -> None:
        m = self._manifest()
        kept = self.source_origins()
        new = {k: v for k, v in origins.items() if k not in kept}
        if new:
            self._commit(dict(m, sources={**kept, **new}))

    def write_incidents(self, batch: gpd.GeoDataFrame, *, locked: bool = False) -> int:
        """Insert or replace (by id) the records of ``batch``: only the partitions they touch are rewritten,
        and the manifest's replacement commits them all at once."""
        if len(batch) == 0:
            return 0
        if batch["id"].duplicated().any():
            raise GeodataError("write_incidents: the batch holds the same id twice")
        guard = contextlib.nullcontext() if locked else self.writing()
        with guard:
            m = self._manifest()
            new = _incident_table(batch)
            ids = new["id"]
            new_parts = set(_partition(batch["date_start"], batch["date_end"]).unique().tolist())
            keep, rewrite = [], []
            for e in m["incidents"]:
                if e["partition"] in new_parts:
                    rewrite.append(e)
                    continue
                with self._damage(e["file"]):
                    old_ids = pq.read_table(self.path / e["file"], columns=["id"])["id"]
                (rewrite if pc.any(pc.is_in(old_ids, value_set=ids)).as_py() else keep).append(e)
            tables = [new]
            for e in rewrite:
                with self._damage(e["file"]):
                    old = pq.read_table(self.path / e["file"])
                for c in new.column_names:
                    if c not in old.column_names:
                        old = old.append_column(c, pa.nulls(old.num_rows, new.schema.field(c).type))
                old = old.select(new.column_names).cast(new.schema)
                tables.append(old.filter(pc.invert(pc.is_in(old["id"], value_set=ids))))
            merged = pa.concat_tables(tables)
            m["incidents"] = keep + self._write_incident_parts(merged)
            m["incidents"].sort(key=lambda e: e["partition"])
            self._commit(m)
            self.clean(holding_write_lock=True)
        return len(batch)


def arrow_frame(table: pa.Table, columns) -> gpd.GeoDataFrame:
    """A GeoDataFrame of stored columns, the points built from lon/lat in one call."""
    lon = table["lon"].to_numpy(zero_copy_only=False).astype(float)
    lat = table["lat"].to_numpy(zero_copy_only=False).astype(float)
    geoms = shapely.points(lon, lat)
    geoms[np.isnan(lon) | np.isnan(lat)] = None
    frame = table.select(list(columns)).to_pandas()
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS)
