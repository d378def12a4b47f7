"""ICE arrests counted by county and week: duplicates dropped, small cells suppressed, no row ever out."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_app import map_script, run_app

from geodata.cli import main
from geodata.core.measures import MEASURE_COLUMNS
from geodata.core.report import GeodataError
from geodata.sources.ddp_arrests import (
    CELL_COLUMNS,
    aggregate_arrests,
    arrests_measure_table,
    fetch_arrests,
    load_arrest_cells,
    read_arrests,
)

MONDAY = dt.date(2025, 6, 2)


def _row(day, *, state="MINNESOTA", county=None, landmark=None, dup=False, uid="p"):
    return {
        "apprehension_date": day,
        "apprehension_state_filled_in": state,
        "apprehension_state_original": state,
        "county": county,
        "apprehension_aor": "St. Paul Area of Responsibility",
        "event_landmark": landmark,
        "apprehension_method": "Located",
        "operation": "Metro Surge",
        "gender": "Female",
        "birth_year": 1990,
        "citizenship_country": "ECUADOR",
        "unique_identifier": uid,
        "duplicate_likely": dup,
        "duplicate_drop_row": dup,
    }


def write_ddp_parquet(path, rows):
    """A small file in the schema of DDP's ``arrests-latest.parquet`` (deportationdata/ice, arrests-latest.R)."""
    table = pa.Table.from_pylist(rows, schema=pa.schema([
        ("apprehension_date", pa.date32()), ("apprehension_state_filled_in", pa.string()),
        ("apprehension_state_original", pa.string()), ("county", pa.string()), ("apprehension_aor", pa.string()),
        ("event_landmark", pa.string()), ("apprehension_method", pa.string()), ("operation", pa.string()),
        ("gender", pa.string()), ("birth_year", pa.int32()), ("citizenship_country", pa.string()),
        ("unique_identifier", pa.string()), ("duplicate_likely", pa.bool_()), ("duplicate_drop_row", pa.bool_()),
    ]))
    pq.write_table(table, path)
    return path


@pytest.fixture()
def ddp_file(tmp_path):
    rows = []
    # Hennepin: 12 people in the week of 2 June, and 3 second records of the same arrests.
    rows += [_row(MONDAY + dt.timedelta(days=k % 7), county="HENNEPIN", uid=f"h{k}") for k in range(12)]
    rows += [_row(MONDAY, county="HENNEPIN", dup=True, uid=f"h{k}") for k in range(3)]
    # Ramsey: 4 people that week (a cell under 10: suppressed).
    rows += [_row(MONDAY, county="Ramsey County", uid=f"r{k}") for k in range(4)]
    # Anoka: 10 people the next week, known by the jail their landmark names.
    rows += [_row(MONDAY + dt.timedelta(days=8), landmark="CAP - ANOKA COUNTY JAIL", uid=f"a{k}") for k in range(10)]
    # Minnesota, no county: 11 people that week.
    rows += [_row(MONDAY + dt.timedelta(days=2), landmark="ST PAUL FUG OPS", uid=f"s{k}") for k in range(11)]
    # No date; no state.
    rows += [_row(None, county="HENNEPIN", uid="nd"), _row(MONDAY, state=None, uid="ns")]
    # A missing duplicate flag is not a duplicate.
    rows += [dict(_row(MONDAY + dt.timedelta(days=1), county="HENNEPIN", uid="h99"), duplicate_drop_row=None)]
    return write_ddp_parquet(tmp_path / "arrests-latest.parquet", rows)


def test_arrests_are_counted_by_county_and_week(ddp_file):
    cells = aggregate_arrests(read_arrests(ddp_file))
    assert list(cells.columns) == list(CELL_COLUMNS)
    got = {(r.week, r.level, r.region_id): r.arrests for r in cells.itertuples()}
    assert got == {
        ("2025-06-02", "county", "27053"): 13,  # Hennepin: 12 + the one with no duplicate flag
        ("2025-06-09", "county", "27003"): 10,  # Anoka, from its jail's name
        ("2025-06-02", "state", "MN"): 11,
    }
    a = cells.attrs
    assert a["rows"] == 43 and a["duplicates_dropped"] == 3 and a["undated"] == 1 and a["unplaced"] == 1
    assert a["placed"] == {"county": 17, "landmark_county": 10, "state": 11}
    assert a["suppressed_cells"] == 1 and a["suppressed_arrests"] == 4  # Ramsey


def test_duplicates_are_dropped_before_counting(ddp_file, tmp_path):
    rows = read_arrests(ddp_file)
    assert int(rows["duplicate"].sum()) == 3
    no_flags = rows.assign(duplicate=False)
    hennepin = aggregate_arrests(no_flags).set_index("region_id")["arrests"]["27053"]
    assert hennepin == 16 and aggregate_arrests(rows).set_index("region_id")["arrests"]["27053"] == 13


def test_small_cells_are_suppressed_at_any_threshold(ddp_file):
    rows = read_arrests(ddp_file)
    assert (aggregate_arrests(rows)["arrests"] >= 10).all()
    strict = aggregate_arrests(rows, min_cell=12)
    assert set(strict["region_id"]) == {"27053"} and strict.attrs["suppressed_cells"] == 3
    assert "27123" in set(aggregate_arrests(rows, min_cell=1)["region_id"])  # Ramsey, when nothing is suppressed


def test_no_row_level_output_anywhere(ddp_file, tmp_path, capsys):
    out = tmp_path / "weekly.csv"
    assert main(["fetch", "ddp-arrests", "--url", ddp_file.as_uri(), "-o", str(out)]) == 0
    text = out.read_text()
    assert text.splitlines()[0] == ",".join(MEASURE_COLUMNS)
    for personal in ("Female", "ECUADOR", "1990", "h1", "Metro Surge", "Located", "ANOKA COUNTY JAIL"):
        assert personal not in text
    cells = load_arrest_cells(out)
    assert (cells["value"] >= 10).all() and len(cells) == 3
    err = capsys.readouterr().err
    assert "3 likely duplicates dropped" in err and "no row of the table" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arrests-latest.parquet", "weekly.csv"]


def test_fetch_downloads_counts_and_deletes_the_rows(ddp_file, tmp_path):
    data = ddp_file.read_bytes()
    asked = []

    def fake_open(url, timeout):
        asked.append(url)
        return io.BytesIO(data)

    cells = fetch_arrests("https://example.org/arrests-latest.parquet", tmp_path / "out.csv", opener=fake_open)
    assert asked == ["https://example.org/arrests-latest.parquet"] and len(cells) == 3
    assert (tmp_path / "out.csv").is_file()


def test_fetch_without_network_is_one_clear_error(tmp_path):
    def offline(url, timeout):
        raise OSError("Network is unreachable")

    with pytest.raises(GeodataError, match="download failed"):
        fetch_arrests("https://example.org/a.parquet", tmp_path / "out.csv", opener=offline)
    assert main(["fetch", "ddp-arrests", "--url", str(tmp_path / "missing.parquet"),
                 "-o", str(tmp_path / "o.csv")]) == 2
    assert not (tmp_path / "o.csv").exists()


def test_older_column_names_are_read(tmp_path):
    df = pd.DataFrame({
        "apprehension_date": pd.to_datetime(["2024-03-05"] * 10),
        "apprehension_state": ["TX"] * 10,
        "apprehension_site_landmark": ["HARRIS COUNTY JAIL"] * 10,
        "toa_current_duty_aor": ["HOU"] * 10,
        "duplicate_drop_row": [False] * 10,
    })
    path = tmp_path / "old.parquet"
    df.to_parquet(path)
    cells = aggregate_arrests(read_arrests(path))
    assert cells.to_dict("records") == [
        {"week": "2024-03-04", "level": "county", "region_id": "48201", "state": "TX", "arrests": 10}]


def test_not_a_parquet_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "arrests.parquet"
    bad.write_text("date,state\n")
    with pytest.raises(GeodataError, match="arrests.parquet: not a parquet file"):
        read_arrests(bad)


def test_arrests_go_through_the_measure_code_and_follow_the_dates(ddp_file):
    from geodata.view.measures import measure_figures, values_for_range

    table = arrests_measure_table(aggregate_arrests(read_arrests(ddp_file)))
    week1 = values_for_range(table, "arrests", "2025-06-02", "2025-06-08").set_index("place_id")["value"]
    assert week1["27053"] == 13 and "27003" not in week1.index
    both = values_for_range(table, "arrests", "2025-06-04", "2025-06-15").set_index("place_id")["value"]
    assert both[["27053", "27003"]].tolist() == [13, 10] and both["MN"] == 11  # MN: known only to the state
    assert values_for_range(table, "arrests", "2025-07-01", None).empty
    fig = measure_figures("arrests", "2025-06-02", "2025-06-15", table=table)
    assert fig["total"] == 34 and fig["counties"] == 2


def test_older_weekly_files_are_read_as_the_measure_table(ddp_file, tmp_path):
    cells = aggregate_arrests(read_arrests(ddp_file))
    old = tmp_path / "old.csv"
    cells[list(CELL_COLUMNS)].to_csv(old, index=False)
    table = load_arrest_cells(old)
    assert list(table.columns) == list(MEASURE_COLUMNS) and table["value"].sum() == cells["arrests"].sum()


def test_arrests_layer_shades_counties(ddp_file):
    from layers.measures import measure_layer_data

    table = arrests_measure_table(aggregate_arrests(read_arrests(ddp_file)))
    data = measure_layer_data("arrests", table)
    assert {p["id"] for p in data["places"]} == {"27003", "27053", "MN"}
    assert data["summary"] == "sum"


def test_seattle_arrests_landmarks_are_placed(shared_data):
    from geodata import load_bundle
    from geodata.sources.uwchr import read_seattle_arrests

    rows = read_seattle_arrests(shared_data / "uwchr" / "seattle_aor_arrests_2012_2019.csv")
    assert len(rows) == 32549
    cells = aggregate_arrests(rows, facilities=load_bundle().facilities)
    placed = cells.attrs["placed"]
    # Every arrest is accounted for: placed in a county (by a jail's county or a facility), only in a state, or nowhere.
    assert sum(placed.values()) + cells.attrs["unplaced"] == 32549
    assert placed["landmark_facility"] >= 60  # NORTHWEST DETENTION CENTER, Tacoma
    assert placed["landmark_county"] + placed["landmark_facility"] >= 13545
    assert placed["landmark_city"] >= 1000  # SUNNYSIDE, KENT, YAKIMA CITY JAIL...
    assert (cells["arrests"] >= 10).all()
    assert cells["arrests"].sum() + cells.attrs["suppressed_arrests"] == 32549 - cells.attrs["unplaced"]
    snohomish = cells[cells["region_id"] == "53061"]["arrests"].sum()
    assert snohomish > 100


def test_a_city_jail_landmark_places_arrests_in_its_county():
    from geodata.sources.ddp_arrests import normalise_arrests

    df = pd.DataFrame({"apprehension_date": ["2013-05-06"] * 10, "apprehension_state": ["WA"] * 10,
                       "apprehension_landmark": ["SUNNYSIDE CITY JAIL"] * 10})
    cells = aggregate_arrests(normalise_arrests(df, source="test"))
    assert cells[["region_id", "arrests"]].to_dict("records") == [{"region_id": "53077", "arrests": 10}]  # Yakima
    assert cells.attrs["placed"] == {"landmark_city": 10}


def test_app_draws_arrests_as_a_measure_layer(ddp_file, tmp_path, monkeypatch):
    import streamlit as st

    import geodata.core.measures as measures

    fetch_arrests(ddp_file.as_uri(), tmp_path / "ddp-arrests-weekly.csv")
    monkeypatch.setattr(measures, "MEASURES_DIR", tmp_path)  # where `geodata fetch ddp-arrests` writes by default
    st.cache_resource.clear()  # the app's measure tables (app.py `_measures`) and what it made of them
    at = run_app(timeout=90, layer="arrests", start="2025-06-02", end="2025-06-08")
    assert at.checkbox(key="layer_arrests").value
    script = map_script(at)
    assert "L.MeasureLayer(" in script and '"key":"arrests"' in script
    # The page holds the URL of the layer's rows (a file in the app's cache), whose places are named;
    # the rows follow the dates in the browser.
    import re

    from geodata.view.shards import cache_dir

    (name,) = re.findall(r'"url":\s*"[^"]*/(measure-arrests-[0-9a-f]{20}\.json)"', script)
    assert "Hennepin County, MN" not in script
    assert "Hennepin County, MN" in (cache_dir() / name).read_text(encoding="utf-8")
    # The figure above the map: the weekly cells of that week, counted here from the cells themselves.
    cells = aggregate_arrests(read_arrests(ddp_file))
    expected = int(cells.loc[cells["week"] == "2025-06-02", "arrests"].sum())
    (metric,) = [m for m in at.metric if m.label.startswith("ICE arrests")]
    assert metric.value == f"{expected:,}"
    st.cache_resource.clear()


