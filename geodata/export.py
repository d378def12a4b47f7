"""GeoJSON (RFC 7946) and CSV for what a view shows.

RFC 7946: WGS84 longitude/latitude, no ``crs`` member, coordinates to at most six
decimals (about 10 cm), a string ``id`` on every feature.  Dates are ISO-8601
strings.  Each feature's ``layer`` property says ``facility`` or ``incident``, so
one file carries both.  Records without a location are not features: they cannot
be drawn, and the caller is told how many were left out.

The text is built column by column with Arrow string kernels (each column's
values JSON-encoded once, then the columns joined into lines), never as a Python
dict per feature, and written in chunks of :data:`CHUNK_ROWS` features, so a
million features take about a second and memory does not grow with the output.
The output is byte for byte what ``json.dumps(feature, ensure_ascii=False,
separators=(",", ":"))`` gives for each feature (a test compares).

CSV cells that a spreadsheet would run as a formula (text starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) get a leading ``'``, as OWASP
recommends; numbers (``lon``, ``lat``, populations) are written as they are.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from .schema import CRS

__all__ = ["feature_collection", "to_geojson", "to_csv", "write_geojson", "write_csv", "write_export",
           "export_size", "LAYER_NAMES", "FORMULA_PREFIXES"]

#: Layer key -> the value of each feature's ``layer`` property.
LAYER_NAMES = {"facilities": "facility", "incidents": "incident", "offices": "office"}
COORD_DECIMALS = 6
CHUNK_ROWS = 8_192  # small enough for the chunk being joined to stay in the CPU cache
#: A CSV text cell starting with one of these is prefixed with ``'`` (OWASP, CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_JSON_SHORT = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"),
               ("\f", "\\f"))


def _clean(value):
    """JSON-ready scalar: NaN/NaT -> None, numpy -> Python, dates -> ISO strings."""
    if value is None:
        return None
    if value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    return value


# -- the old way, for small frames that want dicts ---------------------------------------
def _features(layer: str, gdf: gpd.GeoDataFrame, keep_unplaced: bool):
    if gdf.crs is not None and gdf.crs != CRS:
        gdf = gdf.to_crs(CRS)
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    for values, geom in zip(gdf[columns].itertuples(index=False, name=None), gdf.geometry):
        unplaced = geom is None or geom.is_empty
        if unplaced and not keep_unplaced:
            continue
        props = {"layer": LAYER_NAMES[layer]}
        props.update((c, _clean(v)) for c, v in zip(columns, values))
        yield {
            "type": "Feature",
            "id": str(props["id"]),
            "geometry": None if unplaced else {
                "type": "Point",
                "coordinates": [round(geom.x, COORD_DECIMALS), round(geom.y, COORD_DECIMALS)],
            },
            "properties": props,
        }


def feature_collection(frames: dict[str, gpd.GeoDataFrame], *, keep_unplaced: bool = False) -> dict:
    """One FeatureCollection of the given layers (``{"facilities": gdf, "incidents": gdf}``), as a dict.

    ``keep_unplaced`` keeps records without a location as features with a null
    geometry (RFC 7946 allows it); the bundle does, exports do not.  For files use
    :func:`write_geojson`, which never builds the dicts.
    """
    features = []
    for layer, gdf in frames.items():
        features.extend(_features(layer, gdf, keep_unplaced))
    return {"type": "FeatureCollection", "features": features}


# -- column-wise encoding ------------------------------------------------------------------
def _python_json(values) -> pa.Array:
    return pa.array([json.dumps(_clean(v), ensure_ascii=False) for v in values], pa.string())


def _has_bytes(arr: pa.Array, chars: bytes) -> bool:
    """Whether any string holds one of ``chars`` (one vectorised pass over the text)."""
    if len(arr) == 0 or arr.null_count == len(arr):
        return False
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    return bool(np.isin(data, np.frombuffer(chars, dtype=np.uint8)).any())


def _special_bytes(arr: pa.Array) -> set[int]:
    """Which bytes that JSON escapes (control characters, ``"``, ``\\``) occur in the strings: one pass."""
    if len(arr) == 0 or arr.null_count == len(arr):
        return set()
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
    mask = data < 0x20
    mask |= data == 0x22
    mask |= data == 0x5C
    return set(np.unique(data[mask]).tolist()) if mask.any() else set()


_SHORT_BYTES = {ord(a): (a, b) for a, b in _JSON_SHORT}


def _escaped(arr: pa.Array) -> pa.Array:
    """The strings escaped as ``json.dumps`` escapes them inside quotes (quotes not added)."""
    present = _special_bytes(arr)
    if not present:
        return arr
    orig = arr
    for byte in (0x5C, *sorted(present - {0x5C})):  # the backslash first: the others add backslashes
        if byte in present and byte in _SHORT_BYTES:
            a, b = _SHORT_BYTES[byte]
            arr = pc.replace_substring(arr, a, b)
    if present - set(_SHORT_BYTES):  # other control characters: \u00XX, as json.dumps writes them
        odd = pc.fill_null(pc.match_substring_regex(orig, r"[\x00-\x07\x0b\x0e-\x1f]"), False)
        rows = np.flatnonzero(odd.to_numpy(zero_copy_only=False))
        fixed = [json.dumps(v, ensure_ascii=False)[1:-1] for v in orig.take(pa.array(rows)).to_pylist()]
        arr = pc.replace_with_mask(arr, odd, pa.array(fixed, pa.string()))
    return arr


def _json_strings(arr: pa.Array) -> pa.Array:
    """JSON text of each string (``"..."``, escaped as ``json.dumps`` does), ``null`` for nulls."""
    return pc.fill_null(pc.binary_join_element_wise('"', _escaped(arr), '"', ""), "null")


def _number_strings(x: np.ndarray, *, integers: bool = True) -> pa.Array:
    """Floats as Python writes them: ``repr``, or an int where the value is whole (``_clean``); NaN -> null."""
    x = np.asarray(x, dtype=float)
    finite = np.isfinite(x)
    v = np.where(finite, x, 0)
    whole = finite & (np.floor(v) == v) & (np.abs(v) < 2**53)
    if not integers:
        whole[:] = False
    out = pc.cast(pa.array(np.where(whole, x, 0).astype(np.int64)), pa.string())
    rest = np.flatnonzero(~whole)
    if len(rest):
        vals = [("null" if math.isnan(v) else json.dumps(v)) for v in x[rest].tolist()]
        mask = np.zeros(len(x), dtype=bool)
        mask[rest] = True
        out = pc.replace_with_mask(out, pa.array(mask), pa.array(vals, pa.string()))
    return out


def _coord_strings(x: np.ndarray) -> pa.Array:
    """``repr(round(v, 6))`` of each coordinate, without a Python call per value.

    ``v * 1e6`` rounded to an integer is the correctly rounded result unless the
    product lies within a hair of .5 (then Python decides); the digits are the
    integer's, trailing zeros dropped, as ``repr`` writes a float of six decimals.
    """
    x = np.asarray(x, dtype=float)
    scaled = x * 1e6
    k = np.rint(scaled)
    ok = (np.abs(np.abs(scaled - k) - 0.5) > 1e-6) & (np.abs(x) < 1e9) & ((k == 0) | (np.abs(k) >= 100))
    ki = np.abs(np.where(ok, k, 0)).astype(np.int64)
    whole = pc.cast(pa.array(ki // 1_000_000), pa.string())
    frac = pc.utf8_rtrim(pc.utf8_lpad(pc.cast(pa.array(ki % 1_000_000), pa.string()), 6, "0"), "0")
    frac = pc.if_else(pc.equal(frac, ""), "0", frac)
    sign = pc.if_else(pa.array(np.signbit(x)), "-", "")
    out = pc.binary_join_element_wise(sign, whole, ".", frac, "")
    bad = np.flatnonzero(~ok)
    if len(bad):
        mask = np.zeros(len(x), dtype=bool)
        mask[bad] = True
        out = pc.replace_with_mask(out, pa.array(mask), pa.array([repr(round(v, COORD_DECIMALS))
                                                                   for v in x[bad].tolist()], pa.string()))
    return out


def _arrow_strings(values: pd.Series) -> pa.Array | None:
    """The column as an Arrow string array, or None when it holds other things than text."""
    if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        try:
            arr = pa.array(values, type=pa.string(), from_pandas=True)
            return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
    return None


class _Column:
    """One property column, encoded a chunk at a time (for JSON, or for CSV)."""

    def __init__(self, values: pd.Series):
        self.values = values
        self.text = _arrow_strings(values)
        dtype = values.dtype
        self.kind = ("text" if self.text is not None else
                     "bool" if pd.api.types.is_bool_dtype(dtype) else
                     "int" if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.ArrowDtype) else
                     "float" if pd.api.types.is_float_dtype(dtype) else "other")

    def json(self, lo: int, hi: int, *, bare: bool = False):
        """The values as JSON text.  With ``bare``, a text column without nulls comes back escaped but
        without its quotes, as ``("bare", array)``: the caller's template holds the quotes (one pass less)."""
        if self.kind == "text":
            part = self.text.slice(lo, hi - lo)
            if bare and part.null_count == 0:
                return ("bare", _escaped(part))
            return _json_strings(part)
        part = self.values.iloc[lo:hi]
        if self.kind == "float":
            return _number_strings(part.to_numpy(dtype=float, na_value=np.nan))
        if self.kind == "int" and not part.isna().any():
            return pc.cast(pa.array(part.to_numpy()), pa.string())
        if self.kind == "bool" and not part.isna().any():
            return pa.array(np.where(part.to_numpy(), "true", "false"), pa.string())
        return _python_json(part.tolist())

    def csv(self, lo: int, hi: int) -> pa.Array:
        if self.kind == "text":
            return _csv_text(self.text.slice(lo, hi - lo))
        part = self.values.iloc[lo:hi]
        if self.kind == "float":
            x = part.to_numpy(dtype=float, na_value=np.nan)
            return pc.if_else(pa.array(np.isnan(x)), "", _number_strings(x))
        if self.kind == "int" and not part.isna().any():
            return pc.cast(pa.array(part.to_numpy()), pa.string())
        return _csv_text(pa.array([_csv_python(v) for v in part.tolist()], pa.string()), formulas=False)


def _csv_python(value) -> str:
    value = _clean(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return _neutralise(value)
    return str(value)


def _neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _csv_text(arr: pa.Array, *, formulas: bool = True) -> pa.Array:
    """CSV cells of text: a leading ``'`` before a formula character, quoted where csv would quote."""
    arr = pc.fill_null(arr, "")
    if formulas:
        risky = pc.match_substring_regex(arr, r"^[=+\-@\t\r]")
        if pc.any(risky).as_py():
            arr = pc.replace_with_mask(arr, risky, pc.binary_join_element_wise("'", arr.filter(risky), ""))
    if _has_bytes(arr, b',"\r\n'):
        quote = pc.match_substring_regex(arr, '[,"\r\n]')
        sub = arr.filter(quote)
        arr = pc.replace_with_mask(arr, quote, pc.binary_join_element_wise('"', pc.replace_substring(sub, '"', '""'),
                                                                         '"', ""))
    return arr


class _Layer:
    """The placed (or, with ``keep_unplaced``, all) rows of one layer, ready to encode."""

    def __init__(self, layer: str, gdf: gpd.GeoDataFrame, keep_unplaced: bool):
        if gdf.crs is not None and gdf.crs != CRS:
            gdf = gdf.to_crs(CRS)
        geoms = np.asarray(gdf.geometry.array, dtype=object)
        unplaced = pd.isna(geoms)
        unplaced[~unplaced] = shapely.is_empty(geoms[~unplaced])
        if not keep_unplaced and unplaced.any():
            gdf, geoms, unplaced = gdf[~unplaced], geoms[~unplaced], unplaced[~unplaced]
        self.name = LAYER_NAMES[layer]
        self.frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        self.columns = list(self.frame.columns)
        self.n = len(self.frame)
        self.unplaced = unplaced
        placed = ~unplaced
        self.x = np.full(self.n, np.nan)
        self.y = np.full(self.n, np.nan)
        if placed.any():
            self.x[placed] = shapely.get_x(geoms[placed])
            self.y[placed] = shapely.get_y(geoms[placed])
        self.cols = {c: _Column(self.frame[c].reset_index(drop=True)) for c in self.columns}

    def feature_lines(self, lo: int, hi: int, last: str) -> pa.Array:
        """Feature ``lo..hi`` as GeoJSON text, each followed by ``last``."""
        values = {c: self.cols[c].json(lo, hi, bare=True) for c in self.columns}
        fid = self.frame["id"].iloc[lo:hi]
        if isinstance(values["id"], tuple):
            fid_json = ['"', values["id"][1], '"']
        else:
            fid_json = [_python_json([str(v) for v in fid.tolist()])]
        xs, ys = _coord_strings(self.x[lo:hi]), _coord_strings(self.y[lo:hi])
        geom = pc.binary_join_element_wise('{"type":"Point","coordinates":[', xs, ",", ys, "]}", "")
        if self.unplaced[lo:hi].any():
            geom = pc.if_else(pa.array(self.unplaced[lo:hi]), "null", pc.fill_null(geom, "null"))
        def piece(v):
            return ['"', v[1], '"'] if isinstance(v, tuple) else [v]

        layer_value = piece(values.pop("layer")) if "layer" in values else [json.dumps(self.name)]
        pieces = ['{"type":"Feature","id":', *fid_json, ',"geometry":', geom, ',"properties":{"layer":',
                  *layer_value]
        for c in self.columns:
            if c == "layer":
                continue
            pieces += ["," + json.dumps(c, ensure_ascii=False) + ":", *piece(values[c])]
        pieces.append("}}" + last)
        # Neighbouring literals become one, so the join walks fewer pieces.
        merged = []
        for p in pieces:
            if isinstance(p, str) and merged and isinstance(merged[-1], str):
                merged[-1] += p
            else:
                merged.append(p)
        return pc.binary_join_element_wise(*merged, "")


def _write_strings(fh, arr: pa.Array, *, drop_tail: int = 0) -> None:
    """Write the concatenated text of a string array without making a Python string of it."""
    if len(arr) == 0:
        return
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)
    start, end = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)]) - drop_tail
    fh.write(memoryview(arr.buffers()[2])[start:end])


def write_geojson(frames: dict[str, gpd.GeoDataFrame], target, *, keep_unplaced: bool = False,
                  chunk_rows: int = CHUNK_ROWS, progress=None) -> int:
    """Write the FeatureCollection (UTF-8, one feature per line) to a path or a binary file; return the
    number of features.  ``progress(n)`` is called after each chunk of ``n`` features."""
    if not hasattr(target, "write"):
        with open(target, "wb") as fh:
            return write_geojson(frames, fh, keep_unplaced=keep_unplaced, chunk_rows=chunk_rows, progress=progress)
    layers = [_Layer(name, gdf, keep_unplaced) for name, gdf in frames.items()]
    total = sum(layer.n for layer in layers)
    target.write(b'{"type":"FeatureCollection","features":[\n')
    jobs = [(layer, lo, min(layer.n, lo + chunk_rows)) for layer in layers for lo in range(0, layer.n, chunk_rows)]
    for k, lines in enumerate(_in_order(lambda job: job[0].feature_lines(job[1], job[2], ",\n"), jobs)):
        _write_strings(target, lines, drop_tail=2 if k == len(jobs) - 1 else 0)
        if progress is not None:
            progress(len(lines))
    target.write(b"\n]}\n" if total else b"]}\n")
    return total


def _in_order(work, jobs):
    """``work(job)`` for each job, a few at a time on threads (Arrow's kernels release the GIL), yielded
    in order; at most a few chunks are held at once, so memory does not grow with the output."""
    workers = max(1, min(4, os.cpu_count() or 1))
    if workers == 1 or len(jobs) < 2:
        for job in jobs:
            yield work(job)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = deque()
        for job in jobs:
            pending.append(pool.submit(work, job))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def to_geojson(frames: dict[str, gpd.GeoDataFrame], *, keep_unplaced: bool = False) -> str:
    """The FeatureCollection as text: UTF-8, one feature per line (diffs stay readable)."""
    buf = io.BytesIO()
    write_geojson(frames, buf, keep_unplaced=keep_unplaced)
    return buf.getvalue().decode("utf-8")


def _csv_columns(layers: list[_Layer]) -> list[str]:
    columns = ["layer", "id", "lon", "lat"]
    for layer in layers:
        if layer.n == 0:
            continue
        for key in ["layer", *layer.columns]:
            if key not in columns:
                columns.append(key)
    return columns


def write_csv(frames: dict[str, gpd.GeoDataFrame], target, *, chunk_rows: int = CHUNK_ROWS, progress=None) -> int:
    """One CSV row per feature: ``layer, id, lon, lat`` then every property; return the rows written."""
    if not hasattr(target, "write"):
        with open(target, "wb") as fh:
            return write_csv(frames, fh, chunk_rows=chunk_rows, progress=progress)
    layers = [_Layer(name, gdf, False) for name, gdf in frames.items()]
    columns = _csv_columns(layers)
    header = _csv_text(pa.array(columns, pa.string()), formulas=False).to_pylist()
    target.write((",".join(header) + "\n").encode("utf-8"))

    def lines(job):
        layer, lo, hi = job
        cells = []
        for c in columns:
            if c == "layer" and "layer" not in layer.columns:
                cells.append(layer.name)
            elif c == "lon":
                cells.append(_coord_strings(layer.x[lo:hi]))
            elif c == "lat":
                cells.append(_coord_strings(layer.y[lo:hi]))
            elif c in layer.cols:
                cells.append(layer.cols[c].csv(lo, hi))
            else:
                cells.append("")
        return pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, ","), "\n", "")

    jobs = [(layer, lo, min(layer.n, lo + chunk_rows)) for layer in layers for lo in range(0, layer.n, chunk_rows)]
    for chunk in _in_order(lines, jobs):
        _write_strings(target, chunk)
        if progress is not None:
            progress(len(chunk))
    return sum(layer.n for layer in layers)


def to_csv(frames: dict[str, gpd.GeoDataFrame]) -> str:
    """The CSV as text (see :func:`write_csv`)."""
    buf = io.BytesIO()
    write_csv(frames, buf)
    return buf.getvalue().decode("utf-8")


def export_size(frames: dict[str, gpd.GeoDataFrame]) -> int:
    """How many features an export of ``frames`` holds (placed records)."""
    n = 0
    for gdf in frames.values():
        geoms = np.asarray(gdf.geometry.array, dtype=object)
        missing = pd.isna(geoms)
        missing[~missing] = shapely.is_empty(geoms[~missing])
        n += int((~missing).sum())
    return n


def write_export(frames: dict[str, gpd.GeoDataFrame], path: str | Path, *, progress=None) -> int:
    """Write ``.geojson``/``.json`` or ``.csv`` (by extension), atomically; return the number of features."""
    from .atomic import atomic_path

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        writer = write_geojson
    elif suffix == ".csv":
        writer = write_csv
    else:
        from .report import GeodataError

        raise GeodataError(f"{path}: unknown export format {suffix!r} (use .geojson or .csv)")
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            return writer(frames, fh, progress=progress)
