"""A Folium layer that draws many points on one canvas.

Folium's own markers become one Leaflet object (and one block of JavaScript)
per point, which makes a 100,000-point page tens of megabytes and slow to open.
:class:`CanvasPointLayer` instead embeds one columnar JSON object (or, with
``points_url``, only the URL of a binary file of its columns that the browser
fetches) and draws it with a small ``L.Layer`` subclass on its own ``<canvas>``.  Popups are built with
DOM calls (``textContent``, ``createElementNS``), so text from the data is never
parsed as HTML.

The same data can be drawn three ways (``mode``):

* ``points``: one symbol per point (a shape and a colour), with a dashed
  circle in metres around a point whose place is only roughly known;
* ``clusters``: below ``cluster_max_zoom``, points that share a screen cell of
  ``cluster_cell`` pixels (aligned on the world's pixel grid, so clusters stay
  put while the map pans) become one numbered circle whose ring shows the mix
  of colours; a click zooms in (or lists the records when they all share one
  spot).  A cell with one point shows the point;
* ``heat``: below ``heat_max_zoom``, a kernel density of the points on screen
  (counted on a grid of 3 px, blurred to about a Gaussian of ``heat_radius``
  / 2 pixels, coloured by :data:`HEAT_RAMP` on a log scale from one lone
  point's worth to the densest spot in view); from that zoom on, the points
  themselves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from layers._compact import (
    DAY_EPOCH,
    NO_DAY,
    day_numbers,
    decode_column,
    pack_columns,
    sparse_column,
    sparse_pairs,
    typed_column,
)
from layers._encode import (
    CODE_ALPHABET,
    check_field,
    clean_list,
    clean_series,
    clean_sources,
    column_or_scalar,
    compact_columns,
    decode_field,
    encode_field,
    fan_out_offsets,
    first_circle_only,
    small_ints,
    uncertainty_codes,
    uncertainty_columns,
)
from layers._prepare import clean_values
from layers._script import RawElement, ScriptLayer, script_source, scripts_with_needs, to_script_json
from layers._symbols import SHAPES
from layers._text import JS_LOCALES, popup_words

#: Decimal places kept for longitude and latitude: 1e-5 degrees is about a metre.
COORD_DECIMALS = 5

MODES = ("points", "clusters", "heat")

#: The heat map's colours from the faintest to the densest spot (ColorBrewer YlOrRd).
HEAT_RAMP: tuple[tuple[float, str], ...] = (
    (0.0, "#ffffcc"),
    (0.25, "#fed976"),
    (0.45, "#fd8d3c"),
    (0.7, "#e31a1c"),
    (1.0, "#800026"),
)

_CSS = """
<style>
.cpl-popup { font: 12px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
.cpl-popup .cpl-title { font-size: 13px; font-weight: 700; margin: 0 0 3px; }
.cpl-popup .cpl-fold summary { cursor: pointer; color: #1a4f8b; }
.cpl-popup .cpl-label { color: #555; }
.cpl-popup .cpl-row { overflow-wrap: anywhere; }
.cpl-popup .cpl-record + .cpl-record { border-top: 1px solid #ccc; margin-top: 6px; padding-top: 6px; }
.cpl-popup .cpl-note { font-style: italic; color: #555; margin-bottom: 4px; }
.cpl-popup .cpl-list { margin: 1px 0 3px; padding-left: 16px; }
.cpl-popup .cpl-list li { overflow-wrap: anywhere; }
.cpl-popup .cpl-spark { margin: 2px 0 4px; }
.cpl-popup .cpl-spark svg { display: block; }
.cpl-popup .cpl-spark-caption { color: #555; font-size: 11px; }
.cpl-popup .cpl-spark-key svg { display: inline; vertical-align: middle; }
.cpl-layer { font: 600 11px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; text-transform: uppercase;
  letter-spacing: .04em; color: #333; border-bottom: 2px solid #bbb; margin: 8px 0 4px; }
.cpl-layer:first-child { margin-top: 0; }
.cpl-load-error { position: absolute; left: 50%; bottom: 28px; transform: translateX(-50%); z-index: 1000;
  background: #fff; border: 1px solid #b00; color: #700; padding: 4px 8px; font: 12px system-ui, sans-serif; }
</style>
"""

# The layer's JavaScript is files the app serves (layers/js/canvas.js and its parts,
# canvas-*.js, in loading order); its constants (CODE_ALPHABET, SHAPES, HEAT_RAMP) are
# written there too, and tests/layers/test_layer_styles.py checks that they match these.
_CLASS_JS = "\n".join(script_source(name) for name in scripts_with_needs(("canvas.js",)))


class CanvasPointLayer(ScriptLayer):
    """Many points drawn on one canvas from one embedded JSON object.

    Parameters
    ----------
    lon, lat : sequence of float
        WGS84 coordinates, one per point.  Rounded to 5 decimals (about 1 m).
    radius : float or sequence of float, default 5
        Symbol radius in screen pixels.
    color : str or sequence of str, default "#3388ff"
        CSS colour, one for all or one per point (stored as a palette and
        indices into it).
    hollow : bool or sequence of bool, default False
        Draw an outline (coloured edge, pale fill) instead of a filled symbol.
    shape : str or sequence of str, default "circle"
        A name of :data:`layers._symbols.SHAPES` (circle, square, diamond,
        triangle, triangle_down, cross, star), one for all or one per point.
    uncertainty_m : float or sequence of float, default 0
        Radius in metres of a dashed circle round the point: where a
        place known only roughly may be.  Drawn under every symbol, only when
        it is larger on screen than the symbol; 0 for none.
    fan_out : sequence, optional
        A key per point (such as its category).  Where points with different
        keys share one place, each key's symbol is drawn a few pixels off it,
        round the place, tied to it by a thin line; points with the same key
        stay stacked (and a click lists them all).
    fields : iterable of ``(label, values)``, ``(label, values, kind)`` or ``(label, values, kind, extra)``
        Popup content, in order.  ``kind`` is ``"text"`` (default, shown as
        ``label: value``), ``"title"`` (bold, no label), ``"links"`` (URLs
        separated by spaces; only ``http(s)://`` ones become links), ``"list"``
        (a list of strings per point: ``label: count`` and the items) or
        ``"series"`` (a list of numbers per point, drawn as a small SVG line
        chart; ``extra`` holds ``axis``, the labels of the positions, and
        optionally ``unit``).  Missing, NaN and blank values are left out.
    name : str, optional
        The name in the layer control.
    overlay, control, show : bool
        As for any folium layer.
    fill_opacity : float, default 0.8
    stroke_color : str, default "#ffffff"
        Outline of filled symbols.
    tolerance : int, default 4
        How many pixels outside a symbol a click still selects it.
    mode : {"points", "clusters", "heat"}
        How the points are drawn (see the module docstring).
    cluster_max_zoom, heat_max_zoom : int
        From this zoom on, points are drawn one by one.
    cluster_cell, heat_radius : int
        Cluster cell and heat kernel radius in screen pixels.
    days : (sequence, sequence), optional
        Each point's first and last day (ISO dates): the browser then shows
        only the points whose days overlap the page's date range
        (``setFilter``, :mod:`layers.timebar`).
    category, categories : sequence of str, optional
        Each point's category, and the names in filter order.
    compact : bool
        Send the drawing columns as base64 typed arrays
        (:mod:`layers._compact`): about 12 bytes a point.
    records_url, records_size : str, int
        Keep the popup records out of the page: the browser fetches
        ``<records_url>/<k>.json`` (:meth:`record_shards`, ``records_size``
        records each) when a point of shard ``k`` is clicked.
    points_url : str, optional
        Keep the drawing columns out of the page too (implies ``compact``): they
        become one binary file (:meth:`points_file`, about 9 bytes a point) that
        the browser fetches from ``<points_url>/<name>`` and reads as typed
        arrays, and the page holds only its URL and small tables, whatever the
        number of points.  The caller writes the file there.
    points_max : int
        With ``mode="points"``, more points than this in view are drawn as
        clusters until ``cluster_max_zoom`` (0: never).

    Attributes
    ----------
    data : dict
        The columns that will be embedded: ``lon``, ``lat``, ``r``, ``color``
        (indices into ``palette``), ``palette``, ``hollow`` (0/1), ``shape``
        (indices into ``shapes``), ``shapes``, ``u`` (metres; 0 where another
        point with the same place and radius already draws the circle), ``dx``
        and ``dy`` (pixels, with ``fan_out``)
        and ``fields`` (a list of ``{"label", "kind", "values"}``, or with
        ``"levels"`` and ``"codes"`` when few values repeat).  A column that is
        the same for every point is one number; small codes are packed one
        character of :data:`CODE_ALPHABET` per point.  With ``points_url``, the
        typed columns are offsets into :meth:`points_file` (``{"dtype", "at",
        "len"}``, :func:`layers._compact.pack_columns`), ``n`` is the number of
        points and ``file`` holds the file's ``url`` and size in ``bytes``.
    dropped : int
        Rows the caller left out (missing or empty geometry); 0 here.
    """

    _js_class = "CanvasPointLayer"
    _scripts = ("canvas.js",)

    def __init__(
        self,
        lon: Sequence[float],
        lat: Sequence[float],
        *,
        radius: float | Sequence[float] = 5.0,
        color: str | Sequence[str] = "#3388ff",
        hollow: bool | Sequence[bool] = False,
        shape: str | Sequence[str] = "circle",
        uncertainty_m: float | Sequence[float] = 0.0,
        fan_out: Sequence | None = None,
        fields: Iterable[tuple] = (),
        name: str | None = None,
        overlay: bool = True,
        control: bool = True,
        show: bool = True,
        fill_opacity: float = 0.8,
        stroke_color: str = "#ffffff",
        tolerance: int = 4,
        mode: str = "points",
        cluster_max_zoom: int = 10,
        cluster_cell: int = 60,
        heat_max_zoom: int = 11,
        heat_radius: int = 22,
        days: tuple[Sequence, Sequence] | None = None,
        category: Sequence[str] | None = None,
        categories: Sequence[str] | None = None,
        compact: bool = False,
        records_url: str | None = None,
        records_size: int = 500,
        points_url: str | None = None,
        points_max: int = 0,
        lang: str = "en",
    ):
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "CanvasPointLayer"
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        lon = np.asarray(lon, dtype=float).ravel()
        lat = np.asarray(lat, dtype=float).ravel()
        n = len(lon)
        if len(lat) != n:
            raise ValueError(f"lon has {n} values but lat has {len(lat)}")
        if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            raise ValueError("coordinates must be finite; drop missing points first")
        self._n = n

        radii = np.broadcast_to(np.asarray(radius, dtype=float), (n,))
        radii = np.round(np.where(np.isfinite(radii) & (radii > 0), radii, 1.0), 1)
        codes, palette = pd.factorize(
            pd.Series(np.broadcast_to(np.asarray(color, dtype=object), (n,)), dtype=object)
        )
        rings = np.broadcast_to(np.asarray(hollow, dtype=bool), (n,)).astype(int)
        shape_names = pd.Series(np.broadcast_to(np.asarray(shape, dtype=object), (n,)), dtype=object)
        unknown = set(shape_names) - set(SHAPES)
        if unknown:
            raise ValueError(f"unknown shape(s) {sorted(map(str, unknown))}; use one of {list(SHAPES)}")
        shape_codes, shapes = pd.factorize(shape_names)
        metres = np.broadcast_to(np.asarray(uncertainty_m, dtype=float), (n,))
        metres = np.round(np.where(np.isfinite(metres) & (metres > 0), metres, 0.0))
        self._uncertainty = metres.copy()
        lon_r, lat_r = np.round(lon, COORD_DECIMALS), np.round(lat, COORD_DECIMALS)

        cat = names = None
        if category is not None:
            names = list(categories) if categories is not None else sorted(set(map(str, category)))
            cat = pd.Categorical(list(category), categories=names).codes.astype(np.int64)
            if len(cat) != n:
                raise ValueError(f"category has {len(cat)} values for {n} points")
            if (cat < 0).any():
                raise ValueError(f"category values not in categories {names}")
        fields = list(fields)
        for field in fields:
            check_field(field, n)
        self._fields = fields
        self.records_size = int(records_size)
        compact = compact or points_url is not None
        if compact:
            self.data = compact_columns(lon_r, lat_r, radii, color=codes, hollow=rings, shape=shape_codes,
                                         **uncertainty_codes(metres), **({} if cat is None else {"category": cat}))
        else:
            self.data = {
                "lon": lon_r.tolist(),
                "lat": lat_r.tolist(),
                # A column that is the same for every point is stored as one number.
                "r": column_or_scalar(radii, float),
                "color": small_ints(codes),
                "hollow": small_ints(rings),
                "shape": small_ints(shape_codes),
                **uncertainty_columns(first_circle_only(lon_r, lat_r, metres)),
            }
        self.data["palette"] = [str(c) for c in palette]
        self.data["shapes"] = [str(s) for s in shapes] or ["circle"]
        if records_url is None:
            self.data["fields"] = [encode_field(field, n) for field in fields]
        else:
            # Popup text stays out of the page: the browser fetches a shard of
            # records_size records when a point of it is clicked (record_shards).
            self.data["records"] = {"url": str(records_url), "size": self.records_size}
        if fan_out is not None and n:
            dx, dy = fan_out_offsets(lon_r, lat_r, np.asarray(list(fan_out), dtype=object), radii)
            if dx.any() or dy.any():
                pairs = sparse_pairs(("dx", "dy"), dx, dy) if compact else None
                if pairs is not None:
                    self.data["pairs"] = pairs
                elif compact:
                    offsets = (sparse_column("dx", dx, 0, "i2", scale=10), sparse_column("dy", dy, 0, "i2", scale=10))
                    self.data["sparse"] = self.data.get("sparse", []) + [c for c in offsets if c is not None]
                else:
                    self.data["dx"], self.data["dy"] = dx.tolist(), dy.tolist()
        if days is not None:
            day0, day1 = day_numbers(days[0]), day_numbers(days[1])
            if len(day0) != n or len(day1) != n:
                raise ValueError(f"days need {n} start and end dates")
            # No date: after every range (a range without an end still shows it, as geodata.view does).
            missing = (day0 == NO_DAY) | (day1 == NO_DAY)
            day0 = np.where(missing, NO_DAY, day0)
            day1 = np.where(missing, NO_DAY, day1)
            self.data["epoch"] = DAY_EPOCH.isoformat()
            self.data["day0"] = typed_column(day0, "u2")
            end = sparse_column("day1", day1, day0, "u2", like="day0")
            if end is not None:
                self.data["sparse"] = self.data.get("sparse", []) + [end]
        if category is not None:
            self.data["categories"] = names
            if not compact:
                self.data["category"] = typed_column(cat, "u1")
        self.dropped = 0
        self.options = {
            "name": self.layer_name,
            "pane": f"{self.get_name()}_pane",
            "fill_opacity": float(fill_opacity),
            "stroke_color": stroke_color,
            "tolerance": int(tolerance),
            "mode": mode,
            "cluster_max_zoom": int(cluster_max_zoom),
            "cluster_cell": int(cluster_cell),
            "heat_max_zoom": int(heat_max_zoom),
            "heat_radius": int(heat_radius),
            "points_max": int(points_max),
            "text": popup_words(lang),
            "locale": JS_LOCALES.get(lang, "en-US"),
        }
        self._file = None
        if points_url is not None:
            self.to_file(points_url)

    def to_file(self, points_url: str) -> None:
        """Move the typed columns of :attr:`data` out of the page into one file (:meth:`points_file`), which
        the browser fetches from ``<points_url>/<name>``: the page then carries only where the columns are,
        and its size no longer grows with the points (nor with a facility layer's months, ``data["range"]``,
        which a caller adds before this)."""
        head, self._file = pack_columns(self.data)
        name = hashlib.sha256(self._file).hexdigest()[:20] + ".bin"
        self._file_name = name
        self.data = {**head, "n": self._n, "file": {"url": f"{str(points_url).rstrip('/')}/{name}",
                                                    "bytes": len(self._file)}}

    def points_file(self) -> tuple[str, bytes] | None:
        """``(name, bytes)`` of the drawing columns' file, for the caller to write as ``<points_url>/<name>``.

        The name is a digest of the bytes, so a file of that name is always this
        one.  None when the columns are in the page (no ``points_url``).
        """
        return None if self._file is None else (self._file_name, self._file)

    @property
    def mode(self) -> str:
        """``"points"``, ``"clusters"`` or ``"heat"``."""
        return self.options["mode"]

    def __len__(self) -> int:
        return self._n

    def column(self, name: str) -> np.ndarray:
        """One value per point of the drawing column ``name`` (``color``, ``shape``, ``hollow``, ``u``,
        ``category``, ``day0``...), whichever form it is sent in."""
        n, data, buf = self._n, self.data, self._file
        if name in data.get("kinds", {}):
            return np.asarray(data["kinds"][name])[decode_column(data["kind"], buf)]
        pairs = data.get("pairs")
        if pairs and name in pairs["names"]:
            full = np.zeros(n)
            column = np.array([row[pairs["names"].index(name)] for row in pairs["table"]])
            full[decode_column(pairs["index"], buf)] = column[decode_column(pairs["codes"], buf)]
            return full
        for sp in data.get("sparse", []):
            if sp and sp["name"] == name:
                full = self.column(sp["like"]).astype(float) if sp.get("like") else np.zeros(n)
                full[decode_column(sp["index"], buf)] = decode_column(sp["values"], buf) / sp.get("scale", 1)
                return full
        if name not in data:
            raise KeyError(name)
        value = data[name]
        if isinstance(value, dict):
            return decode_column(value, buf)
        if isinstance(value, (int, float)):
            return np.full(n, value)
        if isinstance(value, str):
            return np.array([CODE_ALPHABET.index(ch) for ch in value], dtype=int)
        return np.asarray(value)

    def radii(self) -> list[float]:
        """Each point's radius in pixels."""
        return [float(v) for v in self.column("r")]

    def colors(self) -> list[str]:
        """Each point's CSS colour."""
        palette = self.data["palette"]
        return [palette[i] for i in self.column("color").astype(int)]

    def hollow(self) -> list[bool]:
        """Whether each point is drawn as an outline."""
        return [bool(v) for v in self.column("hollow")]

    def shapes(self) -> list[str]:
        """Each point's symbol shape."""
        names = self.data["shapes"]
        return [names[i] for i in self.column("shape").astype(int)]

    def offsets(self) -> list[tuple[float, float]]:
        """Each point's drawing offset in pixels from its place (see ``fan_out``)."""
        n = len(self)
        try:
            return list(zip(self.column("dx").tolist(), self.column("dy").tolist()))
        except KeyError:
            return [(0.0, 0.0)] * n

    def lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        """Each point's longitude and latitude as drawn."""
        return self.column("lon").astype(float), self.column("lat").astype(float)

    def uncertainty_m(self) -> list[float]:
        """Each point's uncertainty radius in metres (0 for none)."""
        return [float(v) for v in self._uncertainty]

    def field_values(self, label: str) -> list:
        """The popup values of the field ``label``, one per point (None when left out)."""
        for field in self._fields:
            if field[0] == label:
                return decode_field(encode_field(field, len(self)), len(self))
        raise KeyError(label)

    def record_shards(self):
        """``(k, JSON bytes)`` for each shard of popup records: records ``k * size`` to ``(k + 1) * size - 1``.

        What the browser fetches from ``records_url/<k>.json`` when a point is
        clicked: ``{"fields": [...]}`` in the form of the embedded ``fields``.
        """
        size, n = self.records_size, len(self)
        # Cleaned once per column; a shard is then a slice of each (no dictionary coding: a
        # shard is small, and fetched only when clicked).
        heads, columns = [], []
        for field in self._fields:
            head = encode_field((field[0], [None] * n, *field[2:]), n)
            head.pop("values", None)
            for key in ("levels", "width", "codes"):
                head.pop(key, None)
            kind = head["kind"]
            if kind == "list":
                values = [clean_list(v) for v in field[1]]
            elif kind == "series" and head.get("sources"):
                values = [clean_sources(v, len(head["axis"]), field[0]) for v in field[1]]
            elif kind == "series":
                values = [clean_series(v, len(head["axis"]), field[0]) for v in field[1]]
            else:
                values = clean_values(list(field[1]))
            heads.append(head)
            columns.append(values)
        for k in range(max(1, -(-n // size))):
            lo, hi = k * size, min(n, (k + 1) * size)
            fields = [{**head, "values": values[lo:hi]} for head, values in zip(heads, columns)]
            yield k, json.dumps({"fields": fields}, separators=(",", ":"), ensure_ascii=False,
                                allow_nan=False).encode("utf-8")

    def records_key(self) -> str:
        """A digest of the points and their popup records: the name of their shard folder."""
        digest = hashlib.sha256()
        digest.update(to_script_json({k: v for k, v in self.data.items() if k != "records"}).encode())
        for field in self._fields:
            digest.update(repr(field[0]).encode())
            digest.update(pd.util.hash_pandas_object(pd.Series(list(field[1]), dtype=object).astype(str),
                                                     index=False).to_numpy().tobytes())
        return digest.hexdigest()[:20]

    def drop_records(self) -> None:
        """Forget the popup records once their shards are written (they are the layer's bulk)."""
        if "records" in self.data:
            self._fields = []

    def to_json(self) -> str:
        """The embedded data object, escaped for a ``<script>`` element."""
        return to_script_json(self.data)

    def _get_self_bounds(self):
        if not len(self):
            return [[None, None], [None, None]]
        lon, lat = self.lonlat()
        return [[float(lat.min()), float(lon.min())], [float(lat.max()), float(lon.max())]]

    def js_data(self) -> str:
        return self.to_json()

    def _render_header(self, figure) -> None:
        figure.header.add_child(RawElement(_CSS), name="canvas_point_layer_css")

