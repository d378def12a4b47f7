"""GeoJSON (RFC 7946) and CSV for what a view shows.

RFC 7946: WGS84 longitude/latitude, no ``crs`` member, coordinates to at most six
decimals (about 10 cm), a string ``id`` on every feature.  Dates are ISO-8601
strings.  Each feature's ``layer`` property says ``facility`` or ``incident``, so
one file carries both.  Records without a location are not features: they cannot
be drawn, and the caller is told how many were left out.

The text is built column by column with Arrow string kernels, never as a Python dict per
feature: each column's values are JSON-encoded once (escaped only where a byte needs it),
then one ``binary_join_element_wise`` per chunk of :data:`CHUNK_ROWS` features lays the
columns and the literal text between them side by side, so the data buffer of its result
*is* the file's bytes for those features and is written as it is.  Chunks are encoded on a
few threads (Arrow's kernels release the GIL) and written in order, so memory does not grow
with the output.  The output is byte for byte what ``json.dumps(feature, ensure_ascii=False,
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

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from ..core.schema import CRS
from .ordered import OrderedTable

__all__ = ["to_geojson", "to_csv", "write_geojson", "write_csv",
           "export_size", "json_scalar", "LAYER_NAMES", "FORMULA_PREFIXES"]

#: Layer key -> the value of each feature's ``layer`` property.
LAYER_NAMES = {"facilities": "facility", "incidents": "incident", "offices": "office"}
COORD_DECIMALS = 6
CHUNK_ROWS = 8_192  # small enough for the chunk being joined to stay in the CPU cache
#: A CSV text cell starting with one of these is prefixed with ``'`` (OWASP, CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_JSON_SHORT = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"),
               ("\f", "\\f"))


def json_scalar(value):
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



# -- column-wise encoding ------------------------------------------------------------------
# A chunk of features is one Arrow string array whose data buffer is the file's bytes: one
# ``binary_join_element_wise`` over "pieces", each a literal or one string per feature.  The
# join costs about the same per piece and feature whatever the piece holds, so there are few
# pieces: neighbouring literals are merged, the quotes around text are literals, a column
# that is null all through the chunk is the literal ``null``, and a coordinate is one piece.


def _python_json(values) -> pa.Array:
    return pa.array([json.dumps(json_scalar(v), ensure_ascii=False) for v in values], pa.string())


def _bytes_of(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The bytes of a string array's values, and the ``len + 1`` offsets of the values into them."""
    if len(arr) == 0:
        return np.empty(0, np.uint8), np.zeros(1, np.int64)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset: arr.offset + len(arr) + 1]
    buf = arr.buffers()[2]
    data = (np.frombuffer(buf, dtype=np.uint8)[offsets[0]: offsets[-1]] if buf is not None and buf.size
            else np.empty(0, np.uint8))
    return data, offsets - offsets[0]


def _special_bytes(arr: pa.Array) -> set[int]:
    """Which bytes that JSON escapes (control characters, ``"``, ``\\``) occur in the strings.

    One comparison at a time, each mask freed before the next: a second megabyte-sized mask
    alive beside the first costs fresh pages, several times the comparison itself."""
    data, _ = _bytes_of(arr)
    if not len(data):
        return set()
    present = set()
    for byte in (0x22, 0x5C):
        if (data == byte).any():
            present.add(byte)
    low = int(data.min())
    if low < 0x20:  # control characters: often one kind only (line breaks), seen by counting
        if np.count_nonzero(data < 0x20) == np.count_nonzero(data == low):
            present.add(low)
        else:
            present.update(np.unique(data[data < 0x20]).tolist())
    return present


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


def _json_text(arr: pa.Array) -> list:
    """JSON pieces of a chunk of text: ``"..."`` escaped as ``json.dumps`` does, ``null`` for nulls."""
    if arr.null_count == len(arr):
        return ["null"]
    if arr.null_count == 0:
        return ['"', _escaped(arr), '"']
    quote = pc.if_else(pc.is_valid(arr), '"', "")
    return [quote, pc.fill_null(_escaped(arr), "null"), quote]


def _arrow_repr_ok(x: np.ndarray) -> np.ndarray:
    """Where Arrow's text of a float is ``repr``'s: Arrow writes the shortest text that reads back
    as the same double, as ``repr`` does, but exponents from 1e10 (``repr``: from 1e16) and whole
    numbers without their ``.0``; both write exponents below 1e-4, but not alike."""
    ax = np.abs(x)
    with np.errstate(invalid="ignore"):
        return (ax >= 1e-4) & (ax < 1e9) & (np.floor(x) != x)


def _number_strings(x: np.ndarray) -> pa.Array:
    """Floats as Python writes them (``_clean``): an int where the value is whole, else ``repr``; NaN -> null."""
    x = np.asarray(x, dtype=float)
    finite = np.isfinite(x)
    v = np.where(finite, x, 0)
    whole = finite & (np.floor(v) == v) & (np.abs(v) < 2**53)
    out = pc.cast(pa.array(np.where(whole, x, 0).astype(np.int64)), pa.string())
    if whole.all():
        return out
    fast = ~whole & _arrow_repr_ok(v) & finite
    if fast.any():
        out = pc.replace_with_mask(out, pa.array(fast), pc.cast(pa.array(x[fast]), pa.string()))
    rest = np.flatnonzero(~whole & ~fast)
    if len(rest):
        vals = [("null" if math.isnan(v) else json.dumps(v)) for v in x[rest].tolist()]
        mask = np.zeros(len(x), dtype=bool)
        mask[rest] = True
        out = pc.replace_with_mask(out, pa.array(mask), pa.array(vals, pa.string()))
    return out


def _coord_strings(x: np.ndarray) -> pa.Array:
    """``repr(round(v, 6))`` of each coordinate (``null`` where there is none), without a Python call per value.

    ``v * 1e6`` rounded to an integer ``k`` is the correctly rounded result unless the product lies
    within a hair of .5 (then Python decides); ``k / 1e6`` is then the double ``round`` gives, and
    Arrow writes its shortest round-trip text, as ``repr`` does, except for whole numbers and
    values below 1e-4 (Python decides those too).
    """
    x = np.asarray(x, dtype=float)
    scaled = x * 1e6
    k = np.rint(scaled)
    r = k / 1e6
    with np.errstate(invalid="ignore"):
        ok = (np.abs(np.abs(scaled - k) - 0.5) > 1e-6) & (np.abs(x) < 1000) & (np.abs(k) >= 100) & (np.floor(r) != r)
    out = pc.cast(pa.array(np.where(ok, r, 0.5)), pa.string())
    if not ok.all():
        bad = np.flatnonzero(~ok)
        fixed = [repr(round(v, COORD_DECIMALS)) if math.isfinite(v) else "null" for v in x[bad].tolist()]
        out = pc.replace_with_mask(out, pa.array(~ok), pa.array(fixed, pa.string()))
    return out


def _arrow_strings(values: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    """The column as an Arrow string array (``large_string`` as pandas' Arrow-backed text holds it, not
    copied), or None when it holds other things than text."""
    dtype = values.dtype
    if not pd.api.types.is_object_dtype(dtype) and pd.api.types.is_string_dtype(dtype):
        try:
            arr = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arr = None
        # Kept in its chunks (a store's partitions): combining them would copy every row's text at once.
        if arr is not None and arr.type in (pa.string(), pa.large_string()):
            return arr
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        try:
            arr = pa.array(values, type=pa.string(), from_pandas=True)
            return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
    return None


def _string_slice(arr: pa.Array | pa.ChunkedArray, lo: int, hi: int) -> pa.Array:
    """Rows ``lo..hi`` as a ``string`` array (32-bit offsets, the data buffer shared, not copied, unless
    the rows straddle two chunks)."""
    part = arr.slice(lo, hi - lo)
    if isinstance(part, pa.ChunkedArray):
        part = part.combine_chunks() if part.num_chunks != 1 else part.chunk(0)
    if part.type == pa.string():
        return part
    try:
        return part.cast(pa.string())
    except pa.ArrowInvalid:  # offsets past 2 GB into the column's text: a compact copy of the rows
        return part.take(pa.array(np.arange(len(part)))).cast(pa.string())


class _Column:
    """One property column, encoded a chunk at a time (for JSON, or for CSV) as join pieces."""

    taker = None  # (lo, hi) -> the values of rows lo..hi, for an OrderedTable's rows; None: in order

    @classmethod
    def of_arrow(cls, arr: pa.ChunkedArray, rows: np.ndarray | None = None, taker=None) -> _Column:
        """A column of an Arrow table: text stays as it is (no pandas copy), a chunk's rows got from
        ``taker`` when given; other types go through pandas."""
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            return cls((arr if rows is None else arr.take(pa.array(rows))).to_pandas())
        col = cls.__new__(cls)
        col.values, col.arrow, col.kind, col.taker = None, arr, "text", taker
        return col

    def __init__(self, values: pd.Series):
        self.values = values
        self.arrow = _arrow_strings(values)
        dtype = values.dtype
        self.kind = ("text" if self.arrow is not None else
                     "bool" if pd.api.types.is_bool_dtype(dtype) else
                     "int" if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.ArrowDtype) else
                     "float" if pd.api.types.is_float_dtype(dtype) else "other")

    def text(self, lo: int, hi: int) -> pa.Array:
        if self.taker is not None:
            return _string_slice(self.taker(lo, hi), 0, hi - lo)
        return _string_slice(self.arrow, lo, hi)

    def json(self, lo: int, hi: int) -> list:
        """The values as JSON text: pieces for the line's join (strings are literals)."""
        if self.kind == "text":
            return _json_text(self.text(lo, hi))
        part = self.values.iloc[lo:hi]
        if self.kind == "float":
            return [_number_strings(part.to_numpy(dtype=float, na_value=np.nan))]
        if self.kind == "int" and not part.isna().any():
            return [pc.cast(pa.array(part.to_numpy()), pa.string())]
        if self.kind == "bool" and not part.isna().any():
            return [pa.array(np.where(part.to_numpy(), "true", "false"), pa.string())]
        return [_python_json(part.tolist())]

    def csv(self, lo: int, hi: int) -> list:
        if self.kind == "text":
            return _csv_text(self.text(lo, hi))
        part = self.values.iloc[lo:hi]
        if self.kind == "float":
            x = part.to_numpy(dtype=float, na_value=np.nan)
            return [pc.if_else(pa.array(np.isnan(x)), "", _number_strings(x))]
        if self.kind == "int" and not part.isna().any():
            return [pc.cast(pa.array(part.to_numpy()), pa.string())]
        return _csv_text(pa.array([_csv_python(v) for v in part.tolist()], pa.string()), formulas=False)


def _csv_python(value) -> str:
    value = json_scalar(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return _neutralise(value)
    return str(value)


#: Characters a spreadsheet does not show and may skip before a formula: "\ufeff=cmd|..." runs as "=cmd|...".
_INVISIBLE_LEAD = "\ufeff\u200b\u200c\u200d\u2060\u00ad\u180e"
#: The first UTF-8 byte of each of them (the cells to look at again in Python: very few).
_INVISIBLE_BYTES = np.array(sorted({c.encode()[0] for c in _INVISIBLE_LEAD}), dtype=np.uint8)


def _neutralise(text: str) -> str:
    return "'" + text if text.lstrip(_INVISIBLE_LEAD).startswith(FORMULA_PREFIXES) else text


_FORMULA_BYTES = np.frombuffer("".join(FORMULA_PREFIXES).encode(), dtype=np.uint8)


def _csv_text(arr: pa.Array, *, formulas: bool = True) -> list:
    """CSV pieces of a chunk of text: a ``'`` before a formula character, quoted where csv would quote
    (a ``"``, ``,``, CR or LF inside), nulls empty."""
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    data, offsets = _bytes_of(arr)
    if not len(data):
        return [""]
    starts, nonempty = offsets[:-1], np.diff(offsets) > 0
    pieces = [arr]
    if formulas:
        risky = np.zeros(len(arr), dtype=bool)
        risky[nonempty] = np.isin(data[starts[nonempty]], _FORMULA_BYTES)
        hidden = np.zeros(len(arr), dtype=bool)
        hidden[nonempty] = np.isin(data[starts[nonempty]], _INVISIBLE_BYTES)
        for k in np.flatnonzero(hidden):  # an invisible character, then perhaps a formula
            text = arr[int(k)].as_py()
            risky[k] = text != _neutralise(text)
        if risky.all():
            pieces = ["'", arr]
        elif risky.any():
            pieces = [pc.if_else(pa.array(risky), "'", ""), arr]
    present = [byte for byte in (0x22, 0x2C, 0x0A, 0x0D) if (data == byte).any()]  # one mask at a time
    if not present:
        return pieces
    special = np.zeros(len(arr), dtype=bool)  # the rows csv quotes
    for byte in present:
        special[nonempty] |= np.logical_or.reduceat(data == byte, starts[nonempty])
    if 0x22 in present:
        pieces[-1] = pc.replace_substring(arr, '"', '""')  # only in cells that are quoted
    quote = '"' if special.all() else pc.if_else(pa.array(special), '"', "")
    return [quote, *pieces, quote]


def _merged(pieces: list) -> list:
    """Neighbouring literals as one, so the join walks fewer pieces."""
    out = []
    for p in pieces:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] += p
        else:
            out.append(p)
    return out


class _Layer:
    """The placed (or, with ``keep_unplaced``, all) rows of one layer, ready to encode."""

    def __init__(self, layer: str, gdf: gpd.GeoDataFrame | pa.Table, keep_unplaced: bool):
        self.lonlat, self.chunks = None, {}  # chunks: an OrderedTable's rows of the chunks being encoded
        if isinstance(gdf, (pa.Table, OrderedTable)):
            self._of_table(layer, gdf, keep_unplaced)
            return
        if gdf.crs is not None and gdf.crs != CRS:
            gdf = gdf.to_crs(CRS)
        geoms = np.asarray(gdf.geometry.array, dtype=object)
        unplaced = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if not keep_unplaced and unplaced.any():
            gdf, geoms, unplaced = gdf[~unplaced], geoms[~unplaced], unplaced[~unplaced]
        self.name = LAYER_NAMES[layer]
        self.columns = [c for c in gdf.columns if c != gdf.geometry.name]
        self.n = len(gdf)
        self.unplaced = unplaced
        self.geoms = geoms
        self.cols = {c: _Column(gdf[c].reset_index(drop=True)) for c in self.columns}

    def _of_table(self, layer: str, table: pa.Table | OrderedTable, keep_unplaced: bool) -> None:
        """The layer from an Arrow table whose ``lon``/``lat`` columns are the points (NaN or null: none),
        as :func:`geodata.view.export_frames` gives it: no pandas frame, no shapely points.  An
        :class:`OrderedTable`'s rows are taken a chunk at a time (:meth:`_Column.text`)."""
        rows = table.order if isinstance(table, OrderedTable) else None
        ordered, table = (table, table.table) if rows is not None else (None, table)
        lon, lat = (table[c].to_numpy(zero_copy_only=False).astype(float) for c in ("lon", "lat"))
        if rows is not None:
            lon, lat = lon[rows], lat[rows]
        unplaced = np.isnan(lon) | np.isnan(lat)
        if not keep_unplaced and unplaced.any():
            keep = ~unplaced
            if rows is None:
                table = table.filter(pa.array(keep))
            else:
                rows = rows[keep]
            lon, lat, unplaced = lon[keep], lat[keep], unplaced[keep]
        self.name = LAYER_NAMES[layer]
        self.columns = [c for c in table.column_names if c not in ("lon", "lat")]
        self.n, self.unplaced, self.geoms, self.lonlat = len(lon), unplaced, None, (lon, lat)
        self.cols = {c: _Column.of_arrow(table[c], rows, None if rows is None else (
            lambda lo, hi, c=c: self._rows(ordered, rows, lo, hi).column(c))) for c in self.columns}

    def _rows(self, ordered: OrderedTable, rows: np.ndarray, lo: int, hi: int) -> pa.RecordBatch:
        """Rows ``lo..hi`` (of ``rows``) of an OrderedTable, taken once for all columns of the chunk."""
        got = self.chunks.get((lo, hi))
        if got is None:
            got = self.chunks[(lo, hi)] = ordered.take_rows(rows[lo:hi])
        return got

    def xy(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes and latitudes of rows ``lo..hi`` (NaN where there is no point), a chunk at a time."""
        if self.lonlat is not None:
            return self.lonlat[0][lo:hi], self.lonlat[1][lo:hi]
        geoms, unplaced = self.geoms[lo:hi], self.unplaced[lo:hi]
        if not unplaced.any():
            return shapely.get_x(geoms), shapely.get_y(geoms)
        x, y = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)  # (GEOS refuses the x of an empty point)
        x[~unplaced], y[~unplaced] = shapely.get_x(geoms[~unplaced]), shapely.get_y(geoms[~unplaced])
        return x, y

    def feature_lines(self, lo: int, hi: int, last: str) -> pa.Array:
        """Feature ``lo..hi`` as GeoJSON text, each followed by ``last``."""
        values = {c: self.cols[c].json(lo, hi) for c in self.columns}
        ids = self.cols["id"]
        if ids.kind == "text" and ids.text(lo, hi).null_count == 0:
            fid = values["id"]
        else:  # the feature's id is always a string: str() of the value, as the dict writer did
            raw = ids.text(lo, hi).to_pylist() if ids.values is None else ids.values.iloc[lo:hi].tolist()
            fid = [_python_json([str(json_scalar(v)) for v in raw])]
        xs, ys = map(_coord_strings, self.xy(lo, hi))
        point = ['{"type":"Point","coordinates":[', xs, ",", ys, "]}"]
        if self.unplaced[lo:hi].any():
            point = [pc.if_else(pa.array(self.unplaced[lo:hi]), "null", pc.binary_join_element_wise(*point, ""))]
        layer_value = values.pop("layer") if "layer" in values else [json.dumps(self.name)]
        pieces = ['{"type":"Feature","id":', *fid, ',"geometry":', *point, ',"properties":{"layer":', *layer_value]
        for c in self.columns:
            if c != "layer":
                pieces += ["," + json.dumps(c, ensure_ascii=False) + ":", *values[c]]
        pieces.append("}}" + last)
        self.chunks.pop((lo, hi), None)
        return pc.binary_join_element_wise(*_merged(pieces), "")

    def csv_lines(self, columns: list[str], lo: int, hi: int) -> pa.Array:
        """Rows ``lo..hi`` as CSV lines of ``columns`` (empty cells for columns the layer lacks)."""
        pieces = []
        x, y = self.xy(lo, hi)
        for c in columns:
            if pieces:
                pieces.append(",")
            if c == "layer" and "layer" not in self.cols:
                pieces.append(self.name)
            elif c == "lon":
                pieces.append(_coord_strings(x))
            elif c == "lat":
                pieces.append(_coord_strings(y))
            elif c in self.cols:
                pieces += self.cols[c].csv(lo, hi)
        pieces.append("\n")
        self.chunks.pop((lo, hi), None)
        return pc.binary_join_element_wise(*_merged(pieces), "")


def _write_strings(fh, arr: pa.Array, *, drop_tail: int = 0) -> None:
    """Write the concatenated text of a string array without making a Python string of it."""
    if len(arr) == 0:
        return
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)
    start, end = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)]) - drop_tail
    fh.write(memoryview(arr.buffers()[2])[start:end])


def write_geojson(frames: dict[str, gpd.GeoDataFrame], target, *, keep_unplaced: bool = False,
                  chunk_rows: int = CHUNK_ROWS, progress=None, metadata: dict | None = None) -> int:
    """Write the FeatureCollection (UTF-8, one feature per line) to a path or a binary file; return the
    number of features.  ``progress(n)`` is called after each chunk of ``n`` features.

    ``metadata`` (JSON-ready) is written as the collection's ``metadata`` member, on the first line
    (RFC 7946 section 6.1 allows such foreign members; GIS software ignores it): the view exported and what
    each layer's data covers (:func:`export_metadata`)."""
    if not hasattr(target, "write"):
        with open(target, "wb") as fh:
            return write_geojson(frames, fh, keep_unplaced=keep_unplaced, chunk_rows=chunk_rows, progress=progress,
                                 metadata=metadata)
    layers = [_Layer(name, gdf, keep_unplaced) for name, gdf in frames.items()]
    total = sum(layer.n for layer in layers)
    head = '{"type":"FeatureCollection",'
    if metadata is not None:
        head += '"metadata":' + json.dumps(metadata, ensure_ascii=False, separators=(",", ":"), default=str) + ","
    target.write((head + '"features":[\n').encode("utf-8"))
    jobs = _jobs(layers, chunk_rows)
    for k, lines in enumerate(_in_order(lambda job: job[0].feature_lines(job[1], job[2], ",\n"), jobs)):
        _write_strings(target, lines, drop_tail=2 if k == len(jobs) - 1 else 0)
        if progress is not None:
            progress(len(lines))
    target.write(b"\n]}\n" if total else b"]}\n")
    return total


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _jobs(layers: list[_Layer], chunk_rows: int) -> list[tuple[_Layer, int, int]]:
    """The chunks to encode: at most ``chunk_rows`` rows each, of equal size within a layer, and at
    least one per worker when there are a thousand rows or more (a small export uses every core)."""
    jobs = []
    for layer in layers:
        k = max(-(-layer.n // chunk_rows), min(_workers(), layer.n // 1000))
        bounds = [layer.n * i // k for i in range(k + 1)] if layer.n else []
        jobs += [(layer, lo, hi) for lo, hi in zip(bounds, bounds[1:])]
    return jobs


def _in_order(work, jobs):
    """``work(job)`` for each job, a few at a time on threads (Arrow's kernels release the GIL), yielded
    in order; at most a few chunks are held at once, so memory does not grow with the output."""
    workers = _workers()
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


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\r\n') else text


def write_csv(frames: dict[str, gpd.GeoDataFrame], target, *, chunk_rows: int = CHUNK_ROWS, progress=None) -> int:
    """One CSV row per feature: ``layer, id, lon, lat`` then every property; return the rows written."""
    if not hasattr(target, "write"):
        with open(target, "wb") as fh:
            return write_csv(frames, fh, chunk_rows=chunk_rows, progress=progress)
    layers = [_Layer(name, gdf, False) for name, gdf in frames.items()]
    columns = _csv_columns(layers)
    target.write((",".join(_csv_cell(c) for c in columns) + "\n").encode("utf-8"))
    jobs = _jobs(layers, chunk_rows)
    for chunk in _in_order(lambda job: job[0].csv_lines(columns, job[1], job[2]), jobs):
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
        if isinstance(gdf, (pa.Table, OrderedTable)):  # geodata.view.export_frames: points as lon/lat columns
            table = gdf.table if isinstance(gdf, OrderedTable) else gdf
            missing = pc.or_(pc.is_nan(pc.fill_null(table["lon"], math.nan)),
                             pc.is_nan(pc.fill_null(table["lat"], math.nan))).to_numpy(zero_copy_only=False)
            n += len(gdf) - int(np.count_nonzero(missing if table is gdf else missing[gdf.order]))
            continue
        geoms = np.asarray(gdf.geometry.array, dtype=object)
        n += len(geoms) - int(np.count_nonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    return n
