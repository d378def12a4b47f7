"""Reading tables that nobody cleaned."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from geodata import GeodataError
from geodata.pipeline.tables import read_table

ROWS = [["id", "date", "city"], ["1", "2026-01-07", "Minneapolis"], ["2", "1/8/2026", "Saint Paul"]]


@pytest.mark.parametrize("delimiter", [",", "\t", "|", ";"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_csv_any_delimiter_and_line_ending(tmp_path, delimiter, newline):
    path = tmp_path / "t.csv"
    path.write_bytes(newline.join(delimiter.join(r) for r in ROWS).encode())
    df = read_table(path)
    assert list(df.columns) == ["_row", "id", "date", "city"]
    assert df["city"].tolist() == ["Minneapolis", "Saint Paul"]
    assert df["_row"].tolist() == [1, 2]


def test_latin1_and_a_stray_bad_byte(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,city\nDoña Ana County Jail,Las Cruces\nPeñuelas,Ponce\n".encode("latin-1"))
    assert read_table(latin)["name"].tolist() == ["Doña Ana County Jail", "Peñuelas"]
    mostly_utf8 = tmp_path / "bad.csv"
    mostly_utf8.write_bytes("name,city\nHagåtña jail,Hagåtña\n".encode("utf-8") + b"X,Y\xcc\n")
    df = read_table(mostly_utf8)
    assert df["name"].tolist()[0] == "Hagåtña jail"  # the good UTF-8 is kept, the bad byte replaced
    assert len(df) == 2


def test_gzip_pipe_and_na_strings(tmp_path):
    path = tmp_path / "f.psv.gz"
    path.write_bytes(gzip.compress(b"detloc|lat|long|zip\nABC|NA|-93.2|02863\nDEF|45.1|NA|00603\n"))
    df = read_table(path)
    assert df["lat"].tolist() == [None, "45.1"]
    assert df["zip"].tolist() == ["02863", "00603"]  # text: no leading zero lost


def test_json_array_object_and_lists(tmp_path):
    arr = tmp_path / "a.json"
    arr.write_text(json.dumps([{"date": "2026-01-01", "type": ["immigrants", "schools-hospitals"], "n": 3.0}]))
    df = read_table(arr)
    assert df["type"].tolist() == ["immigrants; schools-hospitals"] and df["n"].tolist() == ["3"]
    obj = tmp_path / "o.json"
    obj.write_text(json.dumps({"meta": {"v": 1}, "incidents": [{"date": "2026-01-01"}, {"date": "2026-01-02"}]}))
    assert read_table(obj)["date"].tolist() == ["2026-01-01", "2026-01-02"]
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps({"a": [{"x": 1}], "b": [{"y": 2}]}))
    with pytest.raises(GeodataError, match="exactly one list"):
        read_table(bad)


def test_geojson_points_become_lon_lat(tmp_path):
    path = tmp_path / "g.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-93.26, 44.97]},
         "properties": {"title": "x", "date": "2026-01-07"}}]}))
    df = read_table(path)
    assert (df["longitude"].iloc[0], df["latitude"].iloc[0]) == ("-93.26", "44.97")


def test_xlsx(tmp_path):
    path = tmp_path / "t.xlsx"
    pd.DataFrame({"date": ["2026-01-07"], "zip": ["02863"]}).to_excel(path, index=False)
    df = read_table(path)
    assert df["zip"].tolist() == ["02863"]


def test_marshall_fixture_bare_cr_and_bad_byte(shared_data):
    df = read_table(shared_data / "marshall-project" / "locations.csv")
    # SOURCE.md counts 1,478 facilities; the file has 1,479 data rows (pandas with
    # lineterminator="\r" agrees): the three trailing rows without DETLOC are among them.
    assert len(df) == 1479
    assert df["DETLOC"].isna().sum() == 3
    assert df["Zip"].str.fullmatch(r"\d+").all()
    assert "DETLOC" in df.columns
