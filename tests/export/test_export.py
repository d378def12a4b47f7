"""GeoJSON (RFC 7946) and CSV export of a view."""

from __future__ import annotations

import csv
import io
import json

import geojson_validator
import pyogrio
import pytest

from geodata import View, load_bundle, select, to_csv, to_geojson
from geodata.cli import main
from geodata.view.occupancy import view_frames


@pytest.fixture(scope="module")
def bundle():
    return load_bundle()


def test_geojson_is_valid_rfc7946(bundle, tmp_path):
    frames = select(bundle.facilities, bundle.incidents, View())
    fc = json.loads(to_geojson(frames))
    assert "crs" not in fc
    assert geojson_validator.validate_structure(fc, check_crs=True) == {}
    assert geojson_validator.validate_geometries(fc)["invalid"] == {}
    assert geojson_validator.validate_geometries(fc)["problematic"] == {}
    for f in fc["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert all(len(repr(c).split(".")[-1]) <= 6 for c in (lon, lat))
        assert isinstance(f["id"], str) and f["id"] == f["properties"]["id"]
        assert f["properties"]["layer"] in ("facility", "incident")
    ids = [f["id"] for f in fc["features"]]
    assert len(ids) == len(set(ids))


def test_geojson_reads_back_with_pyogrio_to_the_same_records(bundle, tmp_path):
    view = View(start="2025-01-01", categories=("death_in_custody", "shooting"))
    frames, _ = view_frames(bundle, view)
    path = tmp_path / "view.geojson"
    path.write_text(to_geojson(frames), encoding="utf-8")
    back = pyogrio.read_dataframe(path)
    expected_inc = frames["incidents"]
    expected_fac = frames["facilities"][frames["facilities"].geometry.notna()]
    assert len(back) == len(expected_inc) + len(expected_fac)
    inc = back[back["layer"] == "incident"].set_index("id").sort_index()
    exp = expected_inc.set_index("id").sort_index()
    assert list(inc.index) == list(exp.index)
    assert list(inc["title"]) == list(exp["title"])
    assert list(inc["source_urls"]) == list(exp["source_urls"])
    # Dates are ISO strings in the file; GDAL may read them as dates: compare as text.
    assert [str(d)[:10] for d in inc["date_start"]] == list(exp["date_start"])
    assert (inc.geometry.x - exp.geometry.x).abs().max() < 1e-6
    fac = back[back["layer"] == "facility"].set_index("id").sort_index()
    assert list(fac["zip"]) == list(expected_fac.set_index("id").sort_index()["zip"])  # leading zeros kept


def test_csv_has_one_row_per_feature(bundle):
    frames = select(bundle.facilities, bundle.incidents, View(end="2003-12-31", layers=("incidents",)))
    rows = list(csv.DictReader(io.StringIO(to_csv(frames))))
    assert len(rows) == len(frames["incidents"]) > 0
    assert {r["layer"] for r in rows} == {"incident"}
    assert all(r["date"] <= "2003-12-31" for r in rows)
    assert list(rows[0])[:4] == ["layer", "id", "lon", "lat"]


def test_cli_export_writes_exactly_the_filtered_view(bundle, tmp_path, capsys):
    out = tmp_path / "jan.geojson"
    status = main(["export", "--start", "2026-01-01", "--end", "2026-01-31",
                   "--category", "death_in_custody", "--category", "protest", "-o", str(out)])
    assert status == 0
    fc = json.loads(out.read_text())
    incidents = [f for f in fc["features"] if f["properties"]["layer"] == "incident"]
    dates = sorted(f["properties"]["date"] for f in incidents)
    assert dates == ["2026-01-03", "2026-01-14", "2026-01-18", "2026-01-23"]
    facilities = [f for f in fc["features"] if f["properties"]["layer"] == "facility"]
    # The facilities in use in January 2026 (in ICE's FY2026 lists or held people then), each once.
    in_use = view_frames(bundle, View(start="2026-01-01", end="2026-01-31"))[0]["facilities"]
    assert len(facilities) == in_use.geometry.notna().sum() < len(bundle.facilities)
    assert {f["id"] for f in facilities} == set(in_use.loc[in_use.geometry.notna(), "id"])
    # Same bytes as the library's export of the same view (the CLI's first line adds the metadata member).
    view = View(start="2026-01-01", end="2026-01-31", categories=("death_in_custody", "protest"))
    assert out.read_text().split("\n", 1)[1] == to_geojson(view_frames(bundle, view)[0]).split("\n", 1)[1]


def test_cli_export_month_record_in_overlapping_range(tmp_path):
    out = tmp_path / "x.csv"
    assert main(["export", "--start", "2026-01-30", "--end", "2026-02-15", "--layer", "incidents", "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["id"] for r in rows] == ["2026-01-dhs-deployment-minnesota"]


def test_cli_export_refuses_unknown_format(tmp_path, capsys):
    assert main(["export", "-o", str(tmp_path / "x.shp")]) == 2
    assert "unknown export format" in capsys.readouterr().err
