"""A facility's popup: population by month, deaths recorded there; circles sized by the selected dates."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from jsharness import needs_node, run_js, text_of, walk
from shapely.geometry import Point
from test_layers import XSS, facilities_gdf, incidents_gdf

from geodata import load_bundle
from layers import facilities_layer, facility_radius


def population_table() -> pd.DataFrame:
    rows = [
        ("f0", "2025-01", 10.0), ("f0", "2025-02", 30.0), ("f0", "2025-04", 20.0),  # March: nobody held
        ("f1", "2025-03", 5.0),
    ]
    return pd.DataFrame(rows, columns=["facility_id", "month", "adp"]).assign(days=31, max=1)


def popup_values(layer, label):
    return dict(zip(layer.field_values("Name"), layer.field_values(label)))


def test_monthly_population_becomes_a_series_on_one_axis():
    layer = facilities_layer(
        facilities_gdf([{"name": "A"}, {"name": "B"}, {"name": "C"}]), population=population_table()
    )
    field = next(f for f in layer.data["fields"] if f["kind"] == "series")
    assert field["label"] == "Population by month"
    assert field["axis"] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert field["unit"] == "people held on an average day"
    series = popup_values(layer, "Population by month")
    assert series["A"] == [10.0, 30.0, 0.0, 20.0]  # a month left out of the table between two is 0
    assert series["B"] == [None, None, 5.0, None]  # before its first and after its last: no line
    assert series["C"] is None  # not in the table: no chart


def test_population_table_needs_its_columns():
    with pytest.raises(ValueError, match="facility_id, month and adp"):
        facilities_layer(facilities_gdf([{}]), population=pd.DataFrame({"id": ["f0"], "month": ["2025-01"]}))


def test_deaths_in_custody_are_counted_and_listed_per_facility():
    deaths = incidents_gdf(
        [
            {"category": "death_in_custody", "date": "2024-05-02", "title": "Death of B", "facility_id": "f0"},
            {"category": "death_in_custody", "date": "2019-11-30", "title": XSS, "facility_id": "f0"},
            {"category": "shooting", "date": "2025-01-01", "title": "Not a death", "facility_id": "f0"},
            {"category": "death_in_custody", "date": "2020-01-01", "title": "Elsewhere", "facility_id": None},
        ]
    )
    layer = facilities_layer(facilities_gdf([{"name": "A"}, {"name": "B"}]), deaths=deaths)
    lists = popup_values(layer, "Deaths in custody recorded here")
    # Newest first, each with its record's first source.
    assert [line for line, _ in lists["A"]] == ["2024-05-02 \u2014 Death of B", f"2019-11-30 \u2014 {XSS}"]
    assert all(url.startswith("https://") for _, url in lists["A"])
    assert lists["B"] is None
    assert XSS not in layer.to_json()  # escaped for the <script> it goes in


def test_bundled_deaths_join_their_facilities():
    b = load_bundle()
    layer = facilities_layer(b.facilities, population=b.population, deaths=b.incidents)
    lists = dict(zip(layer.field_values("Name"), layer.field_values("Deaths in custody recorded here")))
    joined = b.incidents[(b.incidents["category"] == "death_in_custody") & b.incidents["facility_id"].notna()]
    placed = set(b.facilities.loc[b.facilities.geometry.notna(), "id"])
    assert sum(len(v) for v in lists.values() if v) == joined["facility_id"].isin(placed).sum()
    montana = lists["ERO EL PASO CAMP EAST MONTANA"]
    # Each death with a link to its record: [date — name, its first source URL].
    assert len(montana) >= 2 and all(" \u2014 Death of " in line and url.startswith("http") for line, url in montana)
    series = dict(zip(layer.field_values("Name"), layer.field_values("Population by month")))
    assert sum(v is not None for v in series.values()) > 150


# --- population over the selected dates -----------------------------------------------------


def range_gdf():
    return facilities_gdf(
        [
            {"name": "Busy", "adp": 10.0},
            {"name": "Empty", "adp": 900.0},
            {"name": "Unknown", "adp": 900.0},
            {"name": "Coarse", "adp": 50.0, "location_precision": "city"},
        ]
    )


def test_range_adp_sizes_the_circles_and_the_fiscal_year_stays_in_the_popup():
    adp = pd.Series({"f0": 1500.0, "f1": 0.0, "f3": 50.0})  # f2 is not in the table
    layer = facilities_layer(range_gdf(), adp=adp)
    radius = dict(zip(layer.field_values("Name"), layer.radii()))
    assert radius["Busy"] == pytest.approx(float(facility_radius([1500.0])[0]), abs=0.05)
    assert radius["Empty"] == radius["Unknown"] == 3.0  # the FY figure (900) no longer sizes them
    hollow = dict(zip(layer.field_values("Name"), layer.hollow()))
    assert hollow == {"Busy": False, "Empty": True, "Unknown": True, "Coarse": True}
    words = popup_values(layer, "Average daily population in the selected dates")
    assert words == {
        "Busy": "1,500.0",
        "Empty": "0 (nobody held)",
        "Unknown": "not known (no daily figures for this facility in these dates)",
        "Coarse": "50.0",
    }
    assert popup_values(layer, "Average daily population, fiscal year to date (ICE)")["Empty"] == "900.0"


def test_empty_facilities_can_be_hidden_but_unknown_ones_stay():
    adp = pd.Series({"f0": 1500.0, "f1": 0.0, "f3": 50.0})
    layer = facilities_layer(range_gdf(), adp=adp, empty="hide")
    assert sorted(layer.field_values("Name")) == ["Busy", "Coarse", "Unknown"]
    with pytest.raises(ValueError, match="empty must be one of"):
        facilities_layer(range_gdf(), adp=adp, empty="grey")


def test_zip_placed_facility_has_a_zip_sized_circle_and_an_address_none():
    layer = facilities_layer(
        facilities_gdf([{"name": "Z", "location_precision": "zip"}, {"name": "A", "location_precision": "address"}])
    )
    assert dict(zip(layer.field_values("Name"), layer.uncertainty_m())) == {"Z": 4000.0, "A": 0.0}


@needs_node
def test_facility_popup_in_node_has_chart_deaths_and_no_markup(tmp_path):
    deaths = incidents_gdf([{"category": "death_in_custody", "date": "2025-02-03", "title": XSS, "facility_id": "f0"}])
    layer = facilities_layer(
        facilities_gdf([{"name": XSS, "geometry": Point(-99, 27)}]), population=population_table(), deaths=deaths
    )
    out = run_js(
        tmp_path, "console.log(JSON.stringify(L.CanvasPointLayer.buildContent(DATA, [0], doc)));",
        DATA=json.loads(layer.to_json()),
    )
    nodes = list(walk(out))
    assert {n["tag"] for n in nodes} <= {"div", "h3", "span", "strong", "a", "ul", "li", "#text", "svg", "title",
                                         "line", "path", "circle"}
    assert text_of(next(n for n in nodes if n["tag"] == "h3")) == XSS
    item = next(n for n in nodes if n["tag"] == "li")
    assert text_of(item) == f"2025-02-03 \u2014 {XSS} record"  # the date, the name, a link to the record
    assert next(n for n in walk(item) if n["tag"] == "a")["attrs"]["href"].startswith("https://")
    assert "peak 30 (2025-02)" in text_of(out)


def three_sources() -> dict:
    ddp = pd.DataFrame({"facility_id": ["f0", "f0"], "month": ["2022-10", "2022-12"], "adp": [10.0, 30.0],
                        "days": [31, 31]})
    uwchr = pd.DataFrame({"facility_id": ["f0", "f0"], "month": ["2021-12", "2022-11"], "adp": [12.0, 20.0],
                          "days": [31, 30]})
    ice = pd.DataFrame({"facility_id": ["f0"] * 15, "month": [f"{y}-{m:02d}" for y, m in
                                                              [(2021, 10), (2021, 11), (2021, 12)]
                                                              + [(2022, k) for k in range(1, 13)]],
                        "adp": [15.0] * 12 + [25.0] * 3, "days": 30})
    return {"ddp": ddp, "uwchr": uwchr, "ice": ice}


def test_three_sources_on_one_axis_as_lines_and_steps():
    layer = facilities_layer(facilities_gdf([{"name": "A"}, {"name": "B"}]), sources=three_sources())
    field = next(f for f in layer.data["fields"] if f["kind"] == "series")
    assert field["axis"][0] == "2021-10" and field["axis"][-1] == "2022-12" and len(field["axis"]) == 15
    assert [s["key"] for s in field["sources"]] == ["ddp", "uwchr", "ice"]
    assert next(s for s in field["sources"] if s["key"] == "ice")["step"] is True
    chart = popup_values(layer, "Population by month")
    assert chart["A"]["ddp"] == [12, 10.0, 0.0, 30.0]  # from its first month; November held nobody
    assert chart["A"]["uwchr"][0] == 2 and len(chart["A"]["uwchr"]) == 1 + 12
    assert chart["A"]["ice"] == [[0, 12, 15.0], [12, 3, 25.0]]  # runs: the fiscal years
    assert chart["B"] is None


@needs_node
def test_three_source_chart_in_node_draws_each_source_with_a_legend(tmp_path):
    layer = facilities_layer(facilities_gdf([{"name": XSS, "geometry": Point(-99, 27)}]), sources=three_sources())
    out = run_js(
        tmp_path, "console.log(JSON.stringify(L.CanvasPointLayer.buildContent(DATA, [0], doc)));",
        DATA=json.loads(layer.to_json()),
    )
    nodes = list(walk(out))
    assert {n["tag"] for n in nodes} <= {"div", "h3", "span", "#text", "svg", "title", "line", "path", "text", "a"}
    paths = [n for n in nodes if n["tag"] == "path"]
    assert sorted(p["attrs"]["data-source"] for p in paths) == ["ddp", "ice", "uwchr"]
    colours = {p["attrs"]["data-source"]: p["attrs"]["stroke"] for p in paths}
    assert colours == {"ddp": "#0072b2", "uwchr": "#d55e00", "ice": "#000000"}
    # ICE's fiscal years are flat steps: two runs, joined where they touch (M, L, L, L).
    ice = next(p for p in paths if p["attrs"]["data-source"] == "ice")["attrs"]["d"]
    assert ice.count("M") == 1 and ice.count("L") == 3
    words = text_of(out)
    assert "DDP daily counts, 2022-10 to 2022-12: peak 30 (2022-12)" in words
    assert "UWCHR daily headcount, 2021-12 to 2022-11: peak 20 (2022-11)" in words
    assert "ICE fiscal-year ADP, 2021-10 to 2022-12: peak 25 (2022-10)" in words
