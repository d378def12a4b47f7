"""Columns of many points in few bytes: base64 of little-endian typed arrays.

What a point layer sends per point when it is *compact*
(``CanvasPointLayer(..., compact=True)``): longitude and latitude in 3 bytes
each (:func:`quantised_column`: a metre or two), the first and last day
as days since :data:`DAY_EPOCH` (uint16, 2 bytes; the last day only where it
differs from the first), and one ``kind`` byte that indexes small tables of
colour, shape, outline, uncertainty radius and category: 9 bytes, and base64
makes that 4/3 as large: about 12 bytes a point in the page.  Decoded in the browser by
``decodeColumns`` in ``layers/js/canvas-columns.js``.

:func:`pack_columns` moves those columns out of the page into one binary
file (the raw bytes, 9 a point, each column at an offset aligned on
:data:`ALIGN` bytes) that the browser fetches as an ``ArrayBuffer``; the page
keeps only the small tables and where each column starts.
"""

from __future__ import annotations

import base64
import datetime as dt

import numpy as np
import pandas as pd

#: Day 0 of the ``day0``/``day1`` columns.  uint16 days reach 2079-06-06.
DAY_EPOCH = dt.date(1900, 1, 1)
#: The day of a point without a date: after every range, so never in one.
NO_DAY = 65535

#: Where a column may start in a packed file: a multiple of 8 bytes, so the browser can
#: view it in place as any typed array (a Float64Array must start at a multiple of 8).
ALIGN = 8

_DTYPES = {"u1": "<u1", "i1": "<i1", "u2": "<u2", "i2": "<i2", "u4": "<u4", "i4": "<i4", "f4": "<f4", "f8": "<f8"}


def typed_column(values, dtype: str) -> dict:
    """``{"b64": ..., "dtype": dtype}``: ``values`` as a little-endian typed array, base64."""
    array = np.ascontiguousarray(np.asarray(values).astype(_DTYPES[dtype], copy=False))
    return {"b64": base64.b64encode(array.tobytes()).decode("ascii"), "dtype": dtype}


def quantised_column(values) -> dict:
    """Coordinates in 3 bytes each: ``min + q * step`` with ``q`` a 24-bit whole number.

    ``step`` is the span of ``values`` over 2**24 - 1: under 2 m of longitude for
    data from Guam to Maine, under 0.5 m for the contiguous US alone.
    """
    values = np.asarray(values, dtype=float)
    lo = float(values.min()) if len(values) else 0.0
    span = float(values.max()) - lo if len(values) else 0.0
    step = span / (2**24 - 1) if span > 0 else 1.0
    q = np.round((values - lo) / step).astype("<u4")
    planes = q.view(np.uint8).reshape(-1, 4)[:, :3]
    return {"b64": base64.b64encode(np.ascontiguousarray(planes).tobytes()).decode("ascii"), "dtype": "q24",
            "min": lo, "step": step}


def _width(dtype: str) -> int:
    return 3 if dtype == "q24" else np.dtype(_DTYPES[dtype]).itemsize


def is_typed(column) -> bool:
    """Whether ``column`` is a typed column, in the page (base64) or in a packed file (an offset)."""
    return isinstance(column, dict) and "dtype" in column and ("b64" in column or "at" in column)


def _raw(column: dict, buffer: bytes | None) -> bytes:
    if "b64" in column:
        return base64.b64decode(column["b64"])
    if buffer is None:
        raise ValueError("this column is in a packed file: pass its bytes")
    start = column["at"]
    return bytes(memoryview(buffer)[start : start + column["len"] * _width(column["dtype"])])


def decode_column(column, buffer: bytes | None = None) -> np.ndarray:
    """The values of a :func:`typed_column` or :func:`quantised_column` (or a plain list) as a NumPy array.

    A column moved into a file by :func:`pack_columns` is read from ``buffer``, that file's bytes.
    """
    if is_typed(column) and column["dtype"] == "q24":
        planes = np.frombuffer(_raw(column, buffer), dtype=np.uint8).reshape(-1, 3).astype(np.uint32)
        q = planes[:, 0] | (planes[:, 1] << 8) | (planes[:, 2] << 16)
        return column["min"] + q * column["step"]
    if is_typed(column):
        return np.frombuffer(_raw(column, buffer), dtype=_DTYPES[column["dtype"]])
    return np.asarray(column)


def pack_columns(data: dict) -> tuple[dict, bytes]:
    """Move the typed columns of a compact layer's ``data`` into one buffer.

    The columns moved are those at the top level and in ``data["sparse"]``,
    ``data["pairs"]`` and ``data["range"]``.  Returns ``(head, buffer)``: ``head`` is ``data`` with each
    of them replaced by ``{"dtype", "at", "len"}`` (its byte offset in ``buffer``,
    a multiple of :data:`ALIGN`, and its number of values; a ``q24`` column keeps
    its ``min`` and ``step``), ``buffer`` the columns' little-endian bytes, zeros
    between them.  ``decodeColumns(head, arrayBuffer)`` in ``layers/js/canvas-columns.js``
    reads them back.
    """
    parts: list[bytes] = []
    size = 0

    def move(column):
        nonlocal size
        if not is_typed(column) or "b64" not in column:
            return column
        raw = base64.b64decode(column["b64"])
        pad = -size % ALIGN
        parts.append(b"\0" * pad)
        out = {k: v for k, v in column.items() if k != "b64"}
        out.update(at=size + pad, len=len(raw) // _width(column["dtype"]))
        parts.append(raw)
        size += pad + len(raw)
        return out

    head = {key: move(value) for key, value in data.items()}
    if "sparse" in data:
        head["sparse"] = [{k: move(v) for k, v in sp.items()} for sp in data["sparse"]]
    if isinstance(data.get("pairs"), dict):
        head["pairs"] = {k: move(v) for k, v in data["pairs"].items()}
    if isinstance(data.get("range"), dict):
        # A facility layer's months (layers.facilities): the largest part of its page, the same on every rerun.
        head["range"] = {k: move(v) for k, v in data["range"].items()}
    return head, b"".join(parts)


def sparse_column(name: str, full: np.ndarray, default: np.ndarray | float, dtype: str, *,
                  scale: float = 1, like: str | None = None) -> dict | None:
    """Only the points whose value differs from ``default``: their indices and values.

    In the browser the column ``name`` is ``like``'s copy (or zeros) with these
    values written in (``values / scale``).  None when no point differs.
    """
    differs = np.flatnonzero(np.asarray(full) != default)
    if not len(differs):
        return None
    values = np.round(np.asarray(full, dtype=float)[differs] * scale)
    return {"name": name, "index": typed_column(differs, "u4"), "values": typed_column(values, dtype),
            "scale": scale, **({"like": like} if like else {})}


def sparse_pairs(names: tuple[str, str], first: np.ndarray, second: np.ndarray) -> dict | None:
    """Two columns that are 0 for most points and take few distinct pairs elsewhere (pixel offsets):
    the indices of the other points, and for each a 1-byte code into a table of the pairs."""
    differs = np.flatnonzero((np.asarray(first) != 0) | (np.asarray(second) != 0))
    if not len(differs):
        return None
    pairs = pd.DataFrame({"a": np.asarray(first, float)[differs], "b": np.asarray(second, float)[differs]})
    codes, table = pd.MultiIndex.from_frame(pairs).factorize()
    if len(table) > 256:
        return None
    return {"names": list(names), "index": typed_column(differs, "u4"), "codes": typed_column(codes, "u1"),
            "table": [[float(a), float(b)] for a, b in table]}


def day_numbers(dates) -> np.ndarray:
    """ISO dates (``YYYY-MM-DD``, or longer ISO strings) as uint16 days since :data:`DAY_EPOCH`.

    Missing or unreadable dates, and dates outside the uint16 span, become
    :data:`NO_DAY`.
    """
    days = pd.to_datetime(pd.Series(dates, dtype=object).astype("string").str.slice(0, 10),
                          format="%Y-%m-%d", errors="coerce")
    numbers = (days - pd.Timestamp(DAY_EPOCH)).dt.days.to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(numbers) & (numbers >= 0) & (numbers < NO_DAY)
    return np.where(ok, np.nan_to_num(numbers), NO_DAY).astype(np.uint16)


def day_of(date: dt.date | str | None) -> int | None:
    """One date as days since :data:`DAY_EPOCH` (None stays None)."""
    if date is None:
        return None
    if isinstance(date, str):
        date = dt.date.fromisoformat(date[:10])
    return (date - DAY_EPOCH).days
