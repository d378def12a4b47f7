"""What a canvas layer puts in its page: its drawing columns and its popup fields, encoded.

:class:`layers.canvas.CanvasPointLayer` is the Folium side (options, rendering,
popup shards); this module turns its inputs into the small JSON forms that
``layers/js/canvas.js`` and its parts (``canvas-*.js``) read:

* drawing columns: one number where every point has the same value, small codes
  as one character of :data:`CODE_ALPHABET` per point, or in the *compact* form
  (:func:`compact_columns`, typed arrays of :mod:`layers._compact`) one ``kind``
  byte per point indexing a small table per column;
* popup fields (:func:`encode_field`): a label, a kind and one value per point,
  with repeated strings stored once and each point holding a short code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers._compact import quantised_column, typed_column
from layers._prepare import clean_values

FIELD_KINDS = ("text", "title", "links", "list", "series")

#: Digits of the packed dictionary codes: printable ASCII that needs no escape
#: in JSON or in a <script> (no quote, backslash, <, > or &), and no "{" that
#: could start a Jinja tag.
CODE_ALPHABET = "".join(chr(c) for c in range(35, 127) if chr(c) not in "&<>\\{")

def compact_columns(lon, lat, radii, **columns) -> dict:
    """lon/lat in 3 bytes each, the radius as one number or float32, and the small codes
    ``columns`` (colour, outline, shape, uncertainty level, category) as one ``kind``
    code per point indexing a table per column."""
    n = len(lon)
    u_levels = columns.pop("u_levels")
    frame = pd.DataFrame({k: np.broadcast_to(np.asarray(v), (n,)) for k, v in columns.items()})
    if n:
        kind, uniques = pd.MultiIndex.from_frame(frame).factorize()
        tables = {k: [int(row[j]) for row in uniques] for j, k in enumerate(frame.columns)}
    else:
        kind, tables = np.zeros(0, int), {k: [0] for k in columns}
    return {
        "lon": quantised_column(lon),
        "lat": quantised_column(lat),
        "r": float(radii[0]) if n and (radii == radii[0]).all() else typed_column(radii, "f4"),
        "kind": typed_column(kind, "u1" if len(tables["color"]) <= 256 else "u2"),
        "kinds": tables,
        "u_levels": u_levels,
    }


def column_or_scalar(values: np.ndarray, kind: type):
    if len(values) and (values == values[0]).all():
        return kind(values[0])
    return [kind(v) for v in values.tolist()]




def uncertainty_codes(metres: np.ndarray) -> dict:
    levels = np.unique(np.concatenate([[0], metres])).astype(int)
    return {"u": np.searchsorted(levels, metres), "u_levels": levels.tolist()}


def uncertainty_columns(metres: np.ndarray) -> dict:
    """``u``: codes into ``u_levels``, the distinct radii in metres (0 first: no circle)."""
    levels = np.unique(np.concatenate([[0], metres])).astype(int)
    return {"u": small_ints(np.searchsorted(levels, metres)), "u_levels": levels.tolist()}


def first_circle_only(lon, lat, metres) -> np.ndarray:
    """Keep the uncertainty circle of the first point at each (place, radius).

    Forty deaths placed at one state's centre would otherwise draw forty
    dashed circles over one another.
    """
    out = metres.astype(int)
    has = out > 0
    if has.any():
        key = pd.DataFrame({"lon": lon, "lat": lat, "u": out})
        out[(key.duplicated() & has).to_numpy()] = 0
    return out


def fan_out_offsets(lon, lat, keys, radii) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets that set the different keys at one place round a small ring."""
    n = len(lon)
    dx, dy = np.zeros(n), np.zeros(n)
    frame = pd.DataFrame({"lon": lon, "lat": lat, "key": pd.Series(keys, dtype=object).astype(str), "r": radii})
    frame = frame[frame.duplicated(["lon", "lat"], keep=False)]
    if frame.empty:
        return dx, dy
    frame = frame.assign(pos=frame.groupby(["lon", "lat"], sort=False).ngroup())
    kinds = frame[["pos", "key"]].drop_duplicates()
    kinds = kinds.assign(j=kinds.groupby("pos").cumcount(), k=kinds.groupby("pos")["key"].transform("size"))
    frame = frame.reset_index().merge(kinds, on=["pos", "key"], how="left").set_index("index")
    frame = frame[frame["k"] >= 2]
    if frame.empty:
        return dx, dy
    r = frame.groupby("pos")["r"].transform("max").to_numpy(dtype=float)
    k = frame["k"].to_numpy(dtype=float)
    ring = np.maximum(1.8 * r + 1.0, (2.0 * r + 2.0) * k / (2.0 * np.pi))
    angle = -np.pi / 2 + 2 * np.pi * frame["j"].to_numpy(dtype=float) / k
    rows = frame.index.to_numpy()
    dx[rows] = np.round(ring * np.cos(angle), 1)
    dy[rows] = np.round(ring * np.sin(angle), 1)
    return dx, dy


def small_ints(values: np.ndarray):
    """A column of small codes: one number when all are equal, else one character of
    :data:`CODE_ALPHABET` per point (a tenth of the size of a JSON list), else a list."""
    values = np.asarray(values, dtype=np.int64)
    if not len(values):
        return 0
    if (values == values[0]).all():
        return int(values[0])
    if values.min() >= 0 and values.max() < len(CODE_ALPHABET):
        alphabet = np.frombuffer(CODE_ALPHABET.encode("ascii"), dtype=np.uint8)
        return alphabet[values].tobytes().decode("ascii")
    return values.tolist()




def pack_codes(codes: np.ndarray, width: int) -> str:
    base = len(CODE_ALPHABET)
    digits = np.empty((len(codes), width), dtype=np.int64)
    rest = codes.astype(np.int64) + 1  # 0 is "missing"
    for j in range(width - 1, -1, -1):
        digits[:, j] = rest % base
        rest //= base
    alphabet = np.frombuffer(CODE_ALPHABET.encode("ascii"), dtype=np.uint8)
    return alphabet[digits].tobytes().decode("ascii")


def decode_field(field: dict, n: int) -> list:
    if "values" in field:
        return list(field["values"])
    base, width, packed = len(CODE_ALPHABET), field["width"], field["codes"]
    out = []
    for i in range(n):
        code = 0
        for ch in packed[i * width : (i + 1) * width]:
            code = code * base + CODE_ALPHABET.index(ch)
        out.append(field["levels"][code - 1] if code else None)
    return out


def check_field(field: tuple, n: int) -> None:
    if not isinstance(field, tuple) or not 2 <= len(field) <= 4:
        raise ValueError(f"a field is (label, values[, kind[, extra]]), got {field!r}")
    kind = field[2] if len(field) > 2 else "text"
    if kind not in FIELD_KINDS:
        raise ValueError(f"field kind must be one of {FIELD_KINDS}, got {kind!r}")
    if len(field[1]) != n:
        raise ValueError(f"field {field[0]!r} has {len(field[1])} values for {n} points")
    if kind == "series" and "axis" not in (field[3] if len(field) > 3 else {}):
        raise ValueError(f"series field {field[0]!r} needs extra={{'axis': [...]}}")


def encode_field(field: tuple, n: int) -> dict:
    extra: dict = {}
    if len(field) == 2:
        (label, values), kind = field, "text"
    elif len(field) == 3:
        label, values, kind = field
    elif len(field) == 4:
        label, values, kind, extra = field
    else:
        raise ValueError(f"a field is (label, values[, kind[, extra]]), got {field!r}")
    if kind not in FIELD_KINDS:
        raise ValueError(f"field kind must be one of {FIELD_KINDS}, got {kind!r}")
    values = list(values)
    if len(values) != n:
        raise ValueError(f"field {label!r} has {len(values)} values for {n} points")
    out = {"label": str(label), "kind": kind}
    if kind == "list":
        out["values"] = [clean_list(v) for v in values]
        if extra.get("lists"):
            # The category whose records this list holds: the popup leaves out another layer's
            # records of it at the same spot, so a death is not shown twice.
            out["lists"] = str(extra["lists"])
        return out
    if kind == "series":
        if "axis" not in extra:
            raise ValueError(f"series field {label!r} needs extra={{'axis': [...]}}")
        axis = [str(a) for a in extra["axis"]]
        out["axis"] = axis
        if extra.get("unit"):
            out["unit"] = str(extra["unit"])
        if extra.get("sources"):
            # Several sources on the axis (layers.facilities): per point {source: values}.
            out["sources"] = [{k: (bool(v) if k == "step" else str(v)) for k, v in src.items()}
                              for src in extra["sources"]]
            out["values"] = [clean_sources(v, len(axis), label) for v in values]
            return out
        out["values"] = [clean_series(v, len(axis), label) for v in values]
        return out
    values = clean_values(values)
    codes, levels = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    # Repeated strings (a category, a state) are stored once, and each point
    # holds a 1-3 character code instead.
    if n >= 4 and len(levels) * 2 <= n:
        width = 1
        while len(CODE_ALPHABET) ** width <= len(levels):
            width += 1
        out.update(levels=levels.tolist(), width=width, codes=pack_codes(codes, width))
    else:
        out["values"] = values
    return out


def clean_list(v) -> list[str] | None:
    if v is None or isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, str):
        v = [v]
    # An item is a text, or [text, URL] (a link to its record).
    pairs = [[str(x[0]), str(x[1])] for x in v if isinstance(x, (list, tuple)) and len(x) == 2]
    if pairs and len(pairs) == len(v):
        return pairs
    items = [x for x in clean_values([str(x[0]) if isinstance(x, (list, tuple)) else x for x in v])
             if x is not None]
    return [str(x) for x in items] or None


def chart_number(x):
    """A chart's figure: a tenth below 10 people, a whole number above (a pixel's difference); None if missing."""
    if x is None or not np.isfinite(x):
        return None
    return round(float(x), 1) if abs(x) < 10 else int(round(float(x)))


def clean_sources(v, length: int, label: str) -> dict | None:
    """``{source: [offset, v, ...]}`` (a line) or ``{source: [[offset, months, v], ...]}`` (steps), checked
    against the axis, numbers to a tenth; None when no source has a figure."""
    if not v:
        return None
    out = {}
    for key, got in v.items():
        if not got:
            continue
        if isinstance(got[0], (list, tuple)):
            runs = [[int(a), int(m), chart_number(x)] for a, m, x in got if x is not None and np.isfinite(x)]
            if any(a < 0 or m < 1 or a + m > length for a, m, _ in runs):
                raise ValueError(f"series field {label!r}: a run of {key!r} leaves the axis of {length}")
            if runs:
                out[str(key)] = runs
            continue
        offset, nums = int(got[0]), got[1:]
        if offset < 0 or offset + len(nums) > length:
            raise ValueError(f"series field {label!r}: {key!r} leaves the axis of {length}")
        nums = [chart_number(x) for x in nums]
        if any(x is not None for x in nums):
            out[str(key)] = [offset, *nums]
    return out or None


def clean_series(v, length: int, label: str) -> list | None:
    if v is None or isinstance(v, float) and not np.isfinite(v):
        return None
    v = list(v)
    if len(v) != length:
        raise ValueError(f"series field {label!r}: a value has {len(v)} numbers for an axis of {length}")
    out = []
    for x in v:
        x = None if x is None else float(x)
        out.append(round(x, 1) if x is not None and np.isfinite(x) else None)
    return out if any(x is not None for x in out) else None
