"""The third round of hostile inputs (issue 20), continued: one clear line instead of a traceback (exit 2),
and the silent wrong results.  Each test failed before its fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from geodata.cli import main
from geodata.imports.ingest import load_store
from geodata.store import open_store

HEADER = "id,date,title,city,state,latitude,longitude,source_url\n"


@pytest.fixture(scope="module")
def seeded_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "store"
    assert main(["init", "--store", str(path)]) == 0
    return path


@pytest.fixture()
def store(seeded_store, tmp_path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(seeded_store, path)
    return path


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _import(file: Path, store: Path, *extra: str) -> int:
    return main(["import", "incidents", str(file), "--store", str(store), "-q", *extra])

# -- one clear line, never a traceback (exit 2) --------------------------------------------------------------


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("geodata: error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_export_from_year_one_is_not_an_overflow(seeded_store, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["export", "--store", str(seeded_store), "--start", "0001-01-01", "-o", str(out),
                 "--layer", "incidents"]) == 0
    assert len(out.read_text().splitlines()) == 1 + len(open_store(seeded_store).incidents())


def test_bad_postgres_url_is_one_line(capsys, tmp_path):
    assert main(["export", "--store", "postgresql://[::1", "-o", str(tmp_path / "out.geojson")]) == 2
    assert "not a valid postgresql:// URL" in _one_line(capsys)


@pytest.mark.parametrize("toml,says", [
    ('date = 5\n', "unknown key(s) 'date'"),
    ('columns = "x"\n', "columns must be a table"),
    ('[columns]\ndate = 5\n', "columns.date must be a column name"),
    ('day_first = "false"\n', "day_first must be true or false"),
    ('source_key = 5\n', "source key 5"),
    ('[categories]\nraid = 3\n', "categories.raid must be a category name"),
])
def test_mapping_with_values_of_the_wrong_type_is_one_line(tmp_path, capsys, toml, says):
    mapping = tmp_path / "m.toml"
    mapping.write_text(toml)
    f = _csv(tmp_path / "x.csv", ["1,2026-01-05,Raid,Denver,CO,39.74,-104.99,https://e.example/1"])
    assert main(["import", "incidents", str(f), "--store", str(tmp_path / "s.geojson"), "--mapping", str(mapping),
                 "-q"]) == 2
    assert says in _one_line(capsys)


def test_geocode_cache_entry_with_unexpected_keys_is_one_line(store, tmp_path, capsys):
    cache = tmp_path / "cache.json"
    cache.write_text(json.dumps({"DENVER|CO": {"lon": 1, "lat": 2, "precision": "city", "method": "m", "evil": 1}}))
    f = _csv(tmp_path / "x.csv", ["1,2026-01-05,Raid,Denver,CO,,,https://e.example/1"])
    assert _import(f, store, "--cache", str(cache)) == 2
    assert "not a geocoding cache" in _one_line(capsys)


def test_json_with_a_lone_surrogate_imports_with_a_warning(store, tmp_path, capsys):
    f = tmp_path / "lone.json"
    f.write_text('[{"date":"2026-01-05","title":"Raid \\ud800 x","city":"Denver","state":"CO",'
                 '"source_url":"https://e.example/1"}]')
    assert _import(f, store) == 0
    assert "lone UTF-16 surrogate" in capsys.readouterr().err
    assert "Raid \ufffd x" in set(load_store(store)["title"])


def _damage(store: Path, change) -> None:
    path = store / "manifest.json"
    m = json.loads(path.read_text())
    change(m)
    path.write_text(json.dumps(m))


DAMAGE = {
    "schema_version one": lambda m: m.update(schema_version="one"),
    "generation x": lambda m: m.update(generation="x"),
    "generation null": lambda m: m.update(generation=None),
    "entry {}": lambda m: m["incidents"].append({}),
    "entry 7": lambda m: m["incidents"].append(7),
    "no date_end_max": lambda m: m["incidents"][0].pop("date_end_max"),
    "facilities null": lambda m: m.update(facilities=None),
    "max_span_days x": lambda m: m["incidents"][0].update(max_span_days="x"),
    "a file listed twice": lambda m: m["incidents"].append(dict(m["incidents"][-1])),
    "wrong date bounds": lambda m: m["incidents"][-1].update(date_start_min="2099-01-01", date_start_max="2099-12-31",
                                                             date_end_max="2099-12-31"),
    "a path outside the store": lambda m: m["incidents"][0].update(file="../../etc/passwd"),
}


@pytest.mark.parametrize("what", sorted(DAMAGE))
def test_damaged_manifest_is_one_line_on_export_and_import(store, tmp_path, capsys, what):
    _damage(store, DAMAGE[what])
    assert main(["export", "--store", str(store), "-o", str(tmp_path / "o.geojson")]) == 2
    assert "the store's manifest is damaged" in _one_line(capsys)
    f = _csv(tmp_path / "x.csv", ["1,2026-01-05,Raid,Denver,CO,39.74,-104.99,https://e.example/1"])
    assert _import(f, store) == 2
    assert "damaged" in _one_line(capsys)


# -- silent wrong results -------------------------------------------------------------------------------------


def test_lock_file_replaced_by_a_folder_is_refused(store, tmp_path, capsys):
    (store / ".lock").unlink(missing_ok=True)
    (store / ".lock").mkdir()
    f = _csv(tmp_path / "x.csv", ["1,2026-01-05,Raid,Denver,CO,39.74,-104.99,https://e.example/1"])
    assert _import(f, store) == 2
    assert "lock file is not a file" in _one_line(capsys)


def test_day_first_as_a_string_is_not_true(tmp_path):
    from geodata import GeodataError
    from geodata.pipeline.incidents_import import Mapping

    (tmp_path / "m.toml").write_text('day_first = "false"\n')
    with pytest.raises(GeodataError, match="day_first"):
        Mapping.load(tmp_path / "m.toml")
    (tmp_path / "m.toml").write_text('day_first = false\n')
    assert Mapping.load(tmp_path / "m.toml").day_first is False


@pytest.mark.parametrize("lead", ["\ufeff", "\u200b", "\u200d\u200b"])
def test_csv_cell_with_invisible_characters_before_a_formula_is_quoted(lead):
    import geopandas as gpd
    import shapely

    from geodata.export.writers import to_csv

    g = gpd.GeoDataFrame({"title": [f"{lead}=HYPERLINK(\"http://evil\")", "plain"]},
                         geometry=[shapely.Point(0, 0)] * 2, crs=4326)
    rows = to_csv({"incidents": g}).splitlines()
    assert any(r.split(",", 4)[-1].startswith(f"\"'{lead}=") or f",'{lead}=" in r for r in rows[1:]), rows


@pytest.mark.parametrize("title", ["\u200b", "\u200b\u200d\ufeff", "\u2060 \u200c"])
def test_title_of_only_invisible_characters_is_rejected(tmp_path, title):
    from geodata.imports.ingest import read_upload

    gdf, rejects = read_upload((HEADER + f'1,2026-01-05,"{title}",Denver,CO,39.74,-104.99,https://e.example/1\n'
                                + "2,2026-01-06,Real title,Denver,CO,39.74,-104.99,https://e.example/2\n").encode(),
                               "mine.csv")
    assert list(gdf["title"]) == ["Real title"]
    assert list(rejects["reason"]) == ["no title or description"]


@pytest.mark.parametrize("adp", ["-5", "1e20", "inf"])
def test_facility_list_head_counts_out_of_range_are_left_empty_and_reported(tmp_path, adp):
    from openpyxl import Workbook

    from geodata.core.report import Report
    from geodata.sources import read_facility_list

    wb = Workbook()
    ws = wb.active
    ws.append(["Name", "Address", "City", "State", "Zip", "ADP"])
    ws.append(["Denver Contract Detention Facility", "3130 N Oakland St", "Aurora", "CO", "80010", adp])
    ws.append(["Otero County Processing Center", "26 McGregor Range Rd", "Chaparral", "NM", "88081", "610.2"])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    report = Report()
    gdf = read_facility_list(path, report)
    assert gdf["adp"].isna().tolist() == [True, False]
    assert any(adp in r["reason"] and "not a count" in r["reason"] for r in report.rows)
