"""The column-wise GeoJSON and CSV writers give exactly what the per-feature reference gave."""

from __future__ import annotations

import csv
import io
import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from shapely.geometry import Point

from geodata import View, load_bundle, to_csv, to_geojson
from geodata.cli import main
from geodata.core.schema import CRS
from geodata.export import OrderedTable
from geodata.export.files import write_export
from geodata.export.writers import FORMULA_PREFIXES, export_size, write_csv, write_geojson
from geodata.view import export_frames
from geodata.view import frames as store_frames
from geodata.view.occupancy import view_frames


# -- the reference: the per-feature writer this project used before (json.dumps of each dict) --------------
def _ref_clean(value):
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    return value


def _ref_features(layer, gdf, keep_unplaced):
    names = {"facilities": "facility", "incidents": "incident"}
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    for values, geom in zip(gdf[columns].itertuples(index=False, name=None), gdf.geometry):
        unplaced = geom is None or geom.is_empty
        if unplaced and not keep_unplaced:
            continue
        props = {"layer": names[layer]}
        props.update((c, _ref_clean(v)) for c, v in zip(columns, values))
        yield {"type": "Feature", "id": str(props["id"]),
               "geometry": None if unplaced else {"type": "Point", "coordinates": [round(geom.x, 6), round(geom.y, 6)]},
               "properties": props}


def ref_geojson(frames, keep_unplaced=False):
    feats = [f for layer, gdf in frames.items() for f in _ref_features(layer, gdf, keep_unplaced)]
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in feats]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + ("\n" if lines else "") + "]}\n"


def ref_csv(frames):
    feats = [f for layer, gdf in frames.items() for f in _ref_features(layer, gdf, False)]
    columns = ["layer", "id", "lon", "lat"]
    for f in feats:
        for key in f["properties"]:
            if key not in columns:
                columns.append(key)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for f in feats:
        lon, lat = f["geometry"]["coordinates"]
        props = {k: ("'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v)
                 for k, v in f["properties"].items()}
        writer.writerow({**props, "lon": lon, "lat": lat})
    return out.getvalue()


NASTY = ["plain", "", None, 'say "hi"', "back\\slash", "new\nline", "cr\rlf", "tab\there", "\x01\x1f ctl",
         "café ünïcode 日本 \U0001f600", "\u2028 sep \x7f del", "=HYPERLINK(\"http://evil\")", "+1", "-2 down",
         "@cmd", "\tlead", "\rlead", "a,b", "' quote", "  spaces  ", "x" * 300]


@pytest.fixture()
def mixed():
    rng = np.random.default_rng(7)
    n = 400
    text = [NASTY[i % len(NASTY)] for i in range(n)]
    xs = np.concatenate([[-93.0, -0.0, 0.0, 1e-7, -1e-7, 0.00005, 2.5e-6, 179.9999995, -122.4194155, 45.0000005],
                         rng.uniform(-180, 180, n - 10)])
    ys = np.concatenate([[44.5, 0.0, -0.0, 0.000049, 0.0001, -0.00012, 89.9999999, -33.3333335, 1.0, 10.1],
                         rng.uniform(-90, 90, n - 10)])
    geoms = [None if i % 37 == 5 else Point(x, y) for i, (x, y) in enumerate(zip(xs, ys))]
    frame = pd.DataFrame({
        "id": [f"id-{i}" if i % 50 else f'id "{i}"' for i in range(n)],
        "title": text,
        "description": text[::-1],
        "adp": [float("nan") if i % 7 == 0 else (i * 1.5 if i % 2 else float(i)) for i in range(n)],
        "count": np.arange(n, dtype=np.int64),
        "date": ["2026-01-0" + str(1 + i % 9) for i in range(n)],
    })
    frame["title"] = frame["title"].astype(object)
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS)


def test_fast_geojson_equals_the_reference_on_a_mixed_frame(mixed):
    frames = {"facilities": mixed.iloc[:150], "incidents": mixed.iloc[150:]}
    assert to_geojson(frames) == ref_geojson(frames)
    assert to_geojson(frames, keep_unplaced=True) == ref_geojson(frames, keep_unplaced=True)
    json.loads(to_geojson(frames))  # and it parses


def test_fast_geojson_equals_the_reference_on_the_bundle():
    b = load_bundle()
    frames, _ = view_frames(b, View())
    assert to_geojson(frames) == ref_geojson(frames)
    assert to_geojson({"incidents": b.incidents}, keep_unplaced=True) == ref_geojson({"incidents": b.incidents}, True)


def test_small_chunks_give_the_same_file(mixed, tmp_path):
    from geodata.export.writers import write_geojson

    frames = {"incidents": mixed}
    write_geojson(frames, tmp_path / "a.geojson", chunk_rows=7)
    assert (tmp_path / "a.geojson").read_text(encoding="utf-8") == ref_geojson(frames)


def test_empty_view_is_an_empty_collection(mixed):
    frames = {"incidents": mixed.iloc[:0]}
    assert to_geojson(frames) == ref_geojson(frames) == '{"type":"FeatureCollection","features":[\n]}\n'


def test_fast_csv_equals_the_reference_and_reads_back(mixed):
    # Python's csv module leaves a carriage return inside a cell unquoted when the line ends in
    # "\n"; RFC 4180 quotes it, and so does the fast writer.  Apart from that cell: the same text.
    no_cr = mixed.copy()
    for c in ("title", "description"):
        no_cr[c] = no_cr[c].map(lambda v: v.replace("\r", "") if isinstance(v, str) else v)
    frames = {"facilities": no_cr.iloc[:150], "incidents": no_cr.iloc[150:]}
    assert to_csv(frames) == ref_csv(frames)
    rows = list(csv.DictReader(io.StringIO(to_csv({"incidents": mixed}), newline="")))
    assert len(rows) == sum(g is not None for g in mixed.geometry)
    placed = mixed[mixed.geometry.notna()]
    assert [r["description"] for r in rows] == [
        "" if not isinstance(v, str) else ("'" + v if v.startswith(FORMULA_PREFIXES) else v)
        for v in placed["description"]]
    b = load_bundle()
    frames, _ = view_frames(b, View())
    assert to_csv(frames) == ref_csv(frames)


def test_csv_neutralises_formulas_but_not_numbers(mixed):
    rows = list(csv.DictReader(io.StringIO(to_csv({"incidents": mixed}))))
    titles = {r["title"] for r in rows}
    assert "'=HYPERLINK(\"http://evil\")" in titles and "'+1" in titles and "'-2 down" in titles
    assert "'@cmd" in titles and "'\tlead" in titles and "'\rlead" in titles
    assert not any(t.startswith(FORMULA_PREFIXES) for r in rows for t in (r["title"], r["description"]))
    assert any(r["lon"].startswith("-") for r in rows)  # a negative longitude is a number, left alone


def test_cli_csv_export_neutralises_formulas(tmp_path, tiny_facilities, tiny_incidents):
    from geodata import Bundle, Report, save_bundle

    inc = tiny_incidents.copy()
    inc.loc[0, "title"] = "=cmd|' /C calc'!A0"
    save_bundle(Bundle(tiny_facilities, inc, Report().to_frame()), tmp_path / "b")
    out = tmp_path / "x.csv"
    assert main(["export", "--data", str(tmp_path / "b"), "--layer", "incidents", "-o", str(out)]) == 0
    rows = {r["id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["i-2025"]["title"] == "'=cmd|' /C calc'!A0"


def test_write_export_leaves_no_temp_file_and_replaces_atomically(mixed, tmp_path):
    out = tmp_path / "view.geojson"
    out.write_text("old")
    assert write_export({"incidents": mixed}, out) == sum(g is not None for g in mixed.geometry)
    assert out.read_text(encoding="utf-8") == ref_geojson({"incidents": mixed})
    assert [p.name for p in tmp_path.iterdir()] == ["view.geojson"]


# -- the pieces of the column-wise writer, each against what Python writes --------------------------------
HOSTILE = ['', 'a"b', '"', '""', "\\", '\\"', "\\n", "x\ny", "\r\n", "\t", "\b\f", "".join(map(chr, range(32))),
           "\x00", "\x1b[31m", "ünïcödé", "日本語", "\U0001f600", "\u2028\u2029", "\x7f", "=1+1", "+", "-", "@",
           "\tx", "\rx", "a,b", ",", "'", "null", "</script>", " ", "é\"\\\n"]


def _frame(columns: dict, n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(11)
    geoms = [Point(x, y) for x, y in zip(rng.uniform(-180, 180, n), rng.uniform(-90, 90, n))]
    return gpd.GeoDataFrame({"id": [f"h-{i}" for i in range(n)], **columns}, geometry=geoms, crs=CRS)


@pytest.mark.parametrize("chunk_rows", [1, 4, 8192])
def test_hostile_text_gives_the_reference_geojson_and_csv_at_any_chunk_size(chunk_rows, tmp_path):
    from geodata.export.writers import write_csv, write_geojson

    n = 3 * len(HOSTILE)
    text = [HOSTILE[i % len(HOSTILE)] for i in range(n)]
    gdf = _frame({
        "text": text,
        "sometimes_null": [None if i % 3 else v for i, v in enumerate(text)],  # null through whole chunks too
        "all_null": pd.Series([None] * n, dtype=object),
        "all_quoted": [f'"{v}",' for v in text],  # every CSV cell quoted
        "all_formulas": ["=" + v for v in text],  # every cell neutralised
        "pandas_str": pd.Series(text, dtype="str"),  # Arrow-backed (large_string), sliced per chunk
        "pandas_str_nulls": pd.Series([None if i % 3 else v for i, v in enumerate(text)], dtype="str"),
        # In chunks of 5 rows, as a store's partitions come (the chunks are not combined: rows straddle them).
        "chunked": pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array(
            [pa.array(text[k:k + 5], pa.large_string()) for k in range(0, n, 5)]))),
    }, n)
    frames = {"incidents": gdf}
    write_geojson(frames, tmp_path / "a.geojson", chunk_rows=chunk_rows)
    got = (tmp_path / "a.geojson").read_bytes().decode("utf-8")
    assert got == ref_geojson(frames)
    back = json.loads(got)["features"]
    assert [f["properties"]["text"] for f in back] == [f["properties"]["chunked"] for f in back] == text
    assert [f["properties"]["sometimes_null"] for f in back] == [f["properties"]["pandas_str_nulls"] for f in back] == [
        None if i % 3 else v for i, v in enumerate(text)]

    write_csv(frames, tmp_path / "a.csv", chunk_rows=chunk_rows)
    raw = (tmp_path / "a.csv").read_bytes().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    neutral = ["'" + v if v.startswith(FORMULA_PREFIXES) else v for v in text]
    assert [r["text"] for r in rows] == [r["pandas_str"] for r in rows] == [r["chunked"] for r in rows] == neutral
    assert [r["sometimes_null"] for r in rows] == [r["pandas_str_nulls"] for r in rows] == [
        "" if i % 3 else v for i, v in enumerate(neutral)]
    assert {r["all_null"] for r in rows} == {""}
    assert [r["all_quoted"] for r in rows] == [f'"{v}",' for v in text]
    assert [r["all_formulas"] for r in rows] == ["'=" + v for v in text]
    text_columns = ("text", "sometimes_null", "all_quoted", "all_formulas", "pandas_str", "pandas_str_nulls", "chunked")
    no_cr = {"incidents": gdf.assign(**{c: gdf[c].map(lambda v: v.replace("\r", "") if isinstance(v, str) else v)
                                        for c in text_columns})}
    assert to_csv(no_cr) == ref_csv(no_cr)


def test_number_text_is_pythons_for_floats_of_every_size():
    from geodata.export.writers import _number_strings, json_scalar

    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2**63, 200_000, dtype=np.int64).view(np.float64)  # every exponent and sign
    edges = [0.0, -0.0, 1.0, -1.0, 0.1, 1e-4, 9.9999e-5, 1.00001e-4, 1e9, 1e9 - 0.5, 999999999.9, 1e10, 1e16,
             2.0**53, 2.0**53 + 2, -(2.0**53), 1e300, 5e-324, 1.7976931348623157e308, float("nan"), float("inf"),
             float("-inf"), 0.30000000000000004, 123456789.123, 1.5, -2.5]
    scaled = rng.uniform(-1, 1, 50_000) * 10.0 ** rng.integers(-8, 18, 50_000)
    x = np.concatenate([bits, edges, scaled])
    got = _number_strings(x).to_pylist()
    want = [json.dumps(json_scalar(v)) for v in x.tolist()]
    assert got == want


def test_coordinate_text_is_repr_of_round_6():
    from geodata.export.writers import _coord_strings

    rng = np.random.default_rng(9)
    x = np.concatenate([rng.uniform(-180, 180, 200_000), rng.uniform(-1e-3, 1e-3, 5_000),
                        rng.integers(-180, 180, 1000).astype(float), rng.integers(-180e6, 180e6, 20_000) / 1e6,
                        (rng.integers(-180e6, 180e6, 20_000) + 0.5) / 1e6,  # halfway cases
                        [0.0, -0.0, 1e-7, -1e-7, 5e-7, 4.9e-7, 5e-5, -5e-5, 1e-4, 180.0, -180.0, 999.9999995,
                         1e9, 1e15, 1e-300]])
    assert _coord_strings(x).to_pylist() == [repr(round(v, 6)) for v in x.tolist()]
    assert _coord_strings(np.array([np.nan, 1.0])).to_pylist() == ["null", "1.0"]


@pytest.fixture(scope="module")
def folder_store(tmp_path_factory):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_scale import synthetic

    from geodata.store import open_store

    store = open_store(tmp_path_factory.mktemp("export") / "store", create=True)
    store.seed(load_bundle())
    extra = synthetic(3000, seed=3)
    nasty = [v for v in NASTY if v is not None]
    extra["title"] = [nasty[i % len(nasty)] for i in range(len(extra))]
    extra["place"] = [None if i % 5 else nasty[-i % len(nasty)] for i in range(len(extra))]
    extra.loc[extra.index[::97], "geometry"] = None  # not placed: not a feature
    store.write_incidents(extra)
    return store


@pytest.mark.parametrize("view", [
    View(layers=("incidents",)),
    View(start="2024-03-01", end="2025-06-30", categories=("arrest", "death_in_custody", "protest"),
         layers=("incidents",)),
    View(start="2026-01-01", layers=("incidents",)),
])
def test_a_stores_incident_export_from_arrow_columns_is_the_same_file(folder_store, view, tmp_path):
    fast = export_frames(folder_store, view)
    assert isinstance(fast["incidents"], OrderedTable)  # the Arrow view: no pandas frame, no shapely points
    frames, _ = store_frames(folder_store, view)
    for suffix in ("geojson", "csv"):
        assert write_export(fast, tmp_path / f"fast.{suffix}") == write_export(frames, tmp_path / f"ref.{suffix}")
        assert (tmp_path / f"fast.{suffix}").read_bytes() == (tmp_path / f"ref.{suffix}").read_bytes(), suffix
    assert (tmp_path / "fast.geojson").read_text("utf-8") == ref_geojson(frames)
    placed = frames["incidents"].geometry.notna().sum()
    assert 0 < placed < len(frames["incidents"]) or view.start  # unplaced rows are left out of both


def test_a_view_with_facilities_or_areas_is_exported_from_the_frames(folder_store):
    for view in (View(), View(layers=("incidents",), aors=("CHI",))):
        assert not any(isinstance(f, (pa.Table, OrderedTable)) for f in export_frames(folder_store, view).values())


@pytest.mark.parametrize("chunk_rows", [1, 7, 500, 8192])
def test_an_ordered_tables_rows_are_written_in_its_order_at_any_chunk_size(folder_store, chunk_rows):
    view = View(start="2024-03-01", layers=("incidents",))
    fast = export_frames(folder_store, view)["incidents"]
    assert not (fast.order == np.arange(len(fast))).all()  # the store's rows are not in the view's order
    assert len(fast.table.to_batches()) > 1  # in several pieces (files): a chunk's rows come from one or more
    frames, _ = store_frames(folder_store, view)
    sorted_table = {"incidents": fast.to_table()}  # the same rows copied into their order
    for writer in (write_geojson, write_csv):
        want = io.BytesIO()
        writer(frames, want)
        for given in ({"incidents": fast}, sorted_table):
            got = io.BytesIO()
            writer(given, got, chunk_rows=chunk_rows)
            assert got.getvalue() == want.getvalue(), (writer.__name__, type(given["incidents"]).__name__)
    assert export_size({"incidents": fast}) == export_size(frames) < len(fast) == len(frames["incidents"])
