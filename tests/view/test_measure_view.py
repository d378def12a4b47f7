"""Measures by area through time: the readers (USBP, ATD), the one table shape, how a range is summarised,
the AOR filter, the bundle and the export."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from geodata.core.measures import (
    MEASURE_COLUMNS,
    MEASURES,
    as_runs,
    expand_months,
    load_measure,
    validate_measure_table,
)
from geodata.core.report import GeodataError, Report
from geodata.view.measures import (
    breakdown,
    filter_aors,
    measure_features,
    measure_figures,
    series,
    values_for_range,
    write_measure_export,
)

USBP_FILE = "usbp-encounters/KHSM Encounters (USBP) fy25m11.xlsx"


# -- USBP ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def usbp(shared_data):
    from geodata.sources.usbp_encounters import read_usbp_encounters

    return read_usbp_encounters(shared_data / USBP_FILE, Report())


def test_fiscal_months_become_calendar_months_across_the_new_year():
    from geodata.sources.usbp_encounters import fiscal_month_start

    assert fiscal_month_start(2000, "01 October") == pd.Timestamp("1999-10-01")
    assert fiscal_month_start(2000, "03 December") == pd.Timestamp("1999-12-01")
    assert fiscal_month_start(2000, "04 January") == pd.Timestamp("2000-01-01")
    assert fiscal_month_start(2025, "12 September") == pd.Timestamp("2025-09-01")
    with pytest.raises(ValueError, match="month 4 of the fiscal year is January"):
        fiscal_month_start(2000, "04 October")


def test_usbp_fiscal_year_totals_match_the_published_figures(usbp):
    for fy, expected in ((2021, 1_662_230), (2022, 2_214_770), (2023, 2_063_850), (2024, 1_557_420)):
        got = values_for_range(usbp, "usbp", f"{fy - 1}-10-01", f"{fy}-09-30").attrs["total"]
        assert got == expected, fy
    # FY2023 in the Annual Count sheet is 2,063,690: the monthly sums differ by rounding, within 0.01 %.
    assert abs(2_063_850 - 2_063_690) / 2_063_690 < 1e-4


def test_usbp_october_2024_per_sector(usbp):
    vals = values_for_range(usbp, "usbp", "2024-10-01", "2024-10-31").set_index("place_id")["value"]
    assert vals["tucson-az"] == 11_450 and vals["san-diego-ca"] == 14_170 and vals["el-paso-tx"] == 10_810
    assert vals["del-rio-tx"] == 8_570 and vals["rio-grande-valley-tx"] == 5_060
    # Livermore has no row that month: no value, not a zero.
    assert "livermore-ca" not in vals.index


def test_usbp_missing_rows_stay_missing(usbp, shared_data):
    raw = pd.read_excel(shared_data / USBP_FILE, sheet_name="Monthly Sector")
    assert len(usbp) == len(raw) == 5830
    assert sorted(usbp["value"]) == sorted(raw["Quantity"].astype(float))  # as published, nothing added
    assert usbp.groupby("place_id").size()["livermore-ca"] == (raw["Sector"] == "Livermore, CA").sum()
    assert usbp["period_start"].min() == "1999-10-01" and usbp["period_start"].max() == "2024-11-01"


def test_sectors_sit_at_their_headquarters_city():
    from geodata.geography.places import load_places
    from geodata.sources.usbp_encounters import SECTOR_HQ, sector_places

    sp = sector_places().set_index("name")
    assert len(sp) == 21 and sp["lon"].notna().all() and (sp["location_precision"] == "city").all()
    places = load_places()
    for name, (city, state) in SECTOR_HQ.items():
        row = sp.loc[name]
        assert row["state"] == state
        same = places[(places["name"] == city) & (places["lon"] == row["lon"]) & (places["lat"] == row["lat"])]
        assert len(same) == 1, name  # a GeoNames point, not a made-up one
    assert sp.loc["Rio Grande Valley, TX", "city"] == "Edinburg"


# -- ATD -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def atd_sheets(shared_data):
    from geodata.sources.ice_atd import atd_sheets, read_atd_sheet

    out = []
    for path in sorted((shared_data / "ice-detention-stats").glob("FY*.xlsx")):
        for sheet in atd_sheets(path):
            out.append(read_atd_sheet(path, sheet, Report()))
    return out


def test_every_atd_sheet_aors_sum_to_its_own_total(atd_sheets):
    assert len(atd_sheets) == 15
    for part in atd_sheets:
        aors = part[part["category"] == ""]
        assert aors["value"].sum() == part.attrs["total"], (part.attrs["file"], part.attrs["sheet"])
        assert aors["place_id"].is_unique and len(aors) >= 24


def test_atd_as_of_date_is_read_from_the_sheet(atd_sheets, shared_data):
    import openpyxl

    for part in atd_sheets:
        wb = openpyxl.load_workbook(shared_data / "ice-detention-stats" / part.attrs["file"], read_only=True)
        ws = wb[[s for s in wb.sheetnames if s.strip() == part.attrs["sheet"]][0]]
        titles = [r[0] for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], str) and "as of" in r[0]]
        wb.close()
        m, d, y = (int(x) for x in titles[0].split("as of")[1].split(",")[0].strip().split("/")) if titles else \
            (None, None, None)
        if titles:
            assert part.attrs["as_of"] == dt.date(y, m, d).isoformat()
        else:  # FY19: no date in the title; the Participants Report's
            assert part.attrs["as_of"] == part.attrs["report_dates"][-1] == "2019-09-30"
        if part.attrs["report_dates"]:
            assert part.attrs["report_dates"][-1] == part.attrs["as_of"]


def test_atd_fy26_april_figures(shared_data):
    from geodata.sources.ice_atd import read_atd_sheet

    part = read_atd_sheet(shared_data / "ice-detention-stats" / "FY26_detentionStats_04092026.xlsx", "ATD FY26 YTD")
    assert part.attrs["as_of"] == "2026-04-04" and part.attrs["total"] == 180_701
    aors = part[part["category"] == ""].set_index("place_id")["value"]
    expected = {"ATL": 6344, "BAL": 3054, "BOS": 8105, "BUF": 953, "CHI": 18136, "DAL": 1736, "DEN": 2792,
                "DET": 7563, "ELP": 1096, "HLG": 467, "HOU": 3127, "LOS": 18746, "MIA": 18528, "NOL": 5805,
                "NYC": 10677, "NEW": 9929, "PHI": 7190, "PHO": 1765, "SLC": 6589, "SNA": 2894, "SND": 2415,
                "SFR": 20500, "SEA": 10037, "SPM": 3177, "WAS": 9076}
    assert aors.to_dict() == {k: float(v) for k, v in expected.items()}
    # Each AOR's technologies add up to the AOR.
    techs = part[part["category"] != ""].groupby("place_id")["value"].sum()
    assert (techs.reindex(aors.index) == aors).all()


def test_atd_unnamed_rows_are_reported_not_lost(shared_data):
    from geodata.sources.ice_atd import read_atd_sheet

    report = Report()
    part = read_atd_sheet(shared_data / "ice-detention-stats" / "FY26_detentionStats02022026.xlsx", "ATD FY26 YTD",
                          report)
    assert part[part["category"] == ""]["value"].sum() == part.attrs["total"] == 180_079
    notes = [r for r in report.rows if "without a technology name" in r["reason"]]
    assert len(notes) == 4 and (part["category"] == "not named").sum() == 4


# -- the measure kind ------------------------------------------------------------------------------

def _table(rows, key):
    return validate_measure_table(pd.DataFrame(
        [(key, *r, "https://example.org") for r in rows], columns=list(MEASURE_COLUMNS)), key)


@pytest.fixture()
def fixture_287g():
    """A small table shaped as ENF287G's 287g-monthly.csv: agreements in force per county/state, month, model."""
    rows = []
    months = [("2025-09-01", "2025-09-30"), ("2025-10-01", "2025-10-31"), ("2025-11-01", "2025-11-30")]
    # Sherburne County, MN (27141): one Jail Enforcement agreement from October 2025.
    # Hennepin (27053): a Task Force agreement in September and October only.
    # Florida (state agency): one Task Force all three months.
    for a, b in months:
        if a >= "2025-10-01":
            rows += [("county", "27141", "", a, b, 1), ("county", "27141", "Jail Enforcement Model", a, b, 1)]
        if a <= "2025-10-01":
            rows += [("county", "27053", "", a, b, 1), ("county", "27053", "Task Force Model", a, b, 1)]
        rows += [("state", "FL", "", a, b, 1), ("state", "FL", "Task Force Model", a, b, 1)]
    return _table(rows, "287g")


def test_in_force_counts_the_agreements_at_the_end_of_the_range(fixture_287g):
    whole = values_for_range(fixture_287g, "287g", "2025-09-01", "2025-11-30")
    assert whole.attrs["as_of"] == "2025-11-30"  # the range's end, the measure's last day
    assert set(whole["place_id"]) == {"27141", "FL"}  # Hennepin's agreement ended in October
    assert whole.attrs["total"] == 2
    sept = values_for_range(fixture_287g, "287g", "2025-09-10", "2025-09-20")
    assert set(sept["place_id"]) == {"27053", "FL"}
    fig = measure_figures("287g", "2025-10-01", "2025-10-31", table=fixture_287g)
    assert fig["total"] == 3 and fig["counties"] == 2 and fig["as_of"] == "2025-10-31"
    models = breakdown(fixture_287g, "287g", "2025-10-01", "2025-10-31")
    assert dict(zip(models["place_id"], models["category"])) == {"27053": "Task Force Model",
                                                                 "27141": "Jail Enforcement Model",
                                                                 "FL": "Task Force Model"}
    assert values_for_range(fixture_287g, "287g", "2024-01-01", "2024-12-31").empty


def test_in_force_reads_runs_of_months_as_the_months(fixture_287g):
    runs = as_runs(fixture_287g)
    assert len(runs) < len(fixture_287g)
    assert expand_months(runs).sort_values(list(runs.columns)).reset_index(drop=True).equals(
        fixture_287g.sort_values(list(runs.columns)).reset_index(drop=True))
    days = pd.date_range("2025-08-20", "2025-12-10", freq="9D").strftime("%Y-%m-%d")
    for a in days:
        for b in days[days >= a]:
            monthly, joined = (values_for_range(t, "287g", a, b) for t in (fixture_287g, runs))
            assert joined.equals(monthly) and joined.attrs == monthly.attrs, (a, b)
    assert series(runs, "county", "27141")["period_start"].tolist() == ["2025-10-01", "2025-11-01"]


def test_in_force_is_read_on_the_measure_s_last_day_in_every_aor(fixture_287g):
    # Hennepin's agreement ended in October: in St. Paul's AOR alone, November is still the day read,
    # not Hennepin's last month (the measure's last day is kept by load_measure in attrs).
    t = fixture_287g.copy()
    t.attrs["last_day"] = t["period_end"].max()
    hennepin = t[t["place_id"] == "27053"]
    v = values_for_range(hennepin, "287g", "2025-09-01", "2025-12-31")
    assert v.empty and v.attrs["as_of"] == "2025-11-30"


def test_latest_takes_the_latest_as_of_date_inside_the_range():
    t = _table([("aor", "SPM", "", "2025-01-10", "2025-01-10", 5), ("aor", "SPM", "", "2025-03-10", "2025-03-10", 7),
                ("aor", "ATL", "", "2025-01-10", "2025-01-10", 3)], "atd")
    v = values_for_range(t, "atd", "2025-01-01", "2025-02-28")
    assert v.attrs["as_of"] == "2025-01-10" and v.attrs["total"] == 8
    v = values_for_range(t, "atd", "2025-01-01", "2025-12-31")
    # ATL has no row on 10 March: no value carried forward.
    assert v.attrs["as_of"] == "2025-03-10" and v.set_index("place_id")["value"].to_dict() == {"SPM": 7}


def test_sum_adds_the_periods_that_meet_the_range_and_says_which():
    t = _table([("sector", "x", "", "2024-01-01", "2024-01-31", 10),
                ("sector", "x", "", "2024-02-01", "2024-02-29", 20),
                ("sector", "x", "", "2024-03-01", "2024-03-31", 40)], "usbp")
    v = values_for_range(t, "usbp", "2024-01-15", "2024-02-10")
    assert v["value"].tolist() == [30] and v.attrs["covered"] == ("2024-01-01", "2024-02-29")
    assert series(t, "sector", "x")["value"].tolist() == [10, 20, 40]


def test_aor_filter_reaches_every_place_kind(fixture_287g, usbp):
    spm = filter_aors(fixture_287g, ["SPM"])
    assert set(spm["place_id"]) == {"27141", "27053"}
    mia = filter_aors(fixture_287g, ["MIA"])
    assert set(mia["place_id"]) == {"FL"}
    tucson = filter_aors(usbp, ["PHO"])
    assert set(tucson["place_id"]) == {"tucson-az", "yuma-az"}
    assert filter_aors(usbp, []) is usbp


def test_bad_measure_tables_are_one_clear_error():
    good = _table([("county", "27053", "", "2025-01-01", "2025-01-31", 1)], "287g")
    with pytest.raises(GeodataError, match="no column value"):
        validate_measure_table(good.drop(columns="value"), "287g")
    with pytest.raises(GeodataError, match="not YYYY-MM-DD"):
        validate_measure_table(good.assign(period_start="January"), "287g")
    with pytest.raises(GeodataError, match="unknown place kind"):
        validate_measure_table(good.assign(place_kind="city"), "287g")


def test_registry_entries_are_complete():
    assert list(MEASURES) == ["287g", "atd", "usbp", "arrests"]
    assert {m.summary for m in MEASURES.values()} == {"sum", "latest", "in_force"}
    for m in MEASURES.values():
        assert m.source_url.startswith("https://") and m.licence and m.file


# -- bundle and export -----------------------------------------------------------------------------

def test_rebuild_equals_committed_measure_files(shared_data, tmp_path):
    from geodata.core.measures import MEASURES_DIR
    from geodata.imports.measures import build_measure_files

    paths, _ = build_measure_files(shared_data, tmp_path)
    assert sorted(p.name for p in paths) == ["atd.csv", "measures-report.csv", "usbp-monthly.csv"]
    for p in paths:
        assert p.read_bytes() == (MEASURES_DIR / p.name).read_bytes(), p.name


def test_data_notice_names_the_measure_sources():
    from pathlib import Path

    notice = (Path(__file__).resolve().parents[2] / "DATA.md").read_text()
    for name in ("measures/usbp-monthly.csv", "measures/atd.csv", "Office of Homeland Security Statistics"):
        assert name in notice


def _valid_rfc7946(path):
    import geojson_validator

    doc = json.loads(path.read_text())
    assert geojson_validator.validate_structure(doc) == {}
    geoms = geojson_validator.validate_geometries(doc)
    assert geoms["invalid"] == {}
    assert "outside_lat_lon_boundaries" not in geoms["problematic"]
    return doc


@pytest.mark.parametrize("key,start,end", [("usbp", "2024-10-01", "2024-10-31"), ("atd", "2025-10-01", "2026-04-30")])
def test_export_is_valid_rfc7946_with_the_map_counts(key, start, end, tmp_path):
    from geodata.cli import main

    out = tmp_path / f"{key}.geojson"
    assert main(["export", "--layer", key, "--start", start, "--end", end, "-o", str(out)]) == 0
    doc = _valid_rfc7946(out)
    fig = measure_figures(key, start, end)
    assert len(doc["features"]) == fig["places"] > 0
    assert sum(f["properties"]["value"] for f in doc["features"]) == fig["total"]
    for f in doc["features"]:
        p = f["properties"]
        assert p["source"].startswith("https://") and p["period_start"] <= p["period_end"]
    csv = tmp_path / f"{key}.csv"
    assert main(["export", "--layer", key, "--start", start, "--end", end, "-o", str(csv)]) == 0
    assert len(pd.read_csv(csv)) == fig["places"]


def test_export_of_the_287g_shape_writes_counties_and_states(fixture_287g, tmp_path):
    gdf = measure_features("287g", "2025-10-01", "2025-10-31", table=fixture_287g)
    assert sorted(gdf["place_kind"]) == ["county", "county", "state"]
    assert gdf.set_index("place_id").loc["27141", "name"] == "Sherburne County, MN"
    write_measure_export(gdf, tmp_path / "a.geojson")
    doc = _valid_rfc7946(tmp_path / "a.geojson")
    assert {f["geometry"]["type"] for f in doc["features"]} <= {"Polygon", "MultiPolygon"}


def test_export_mixing_measures_and_points_is_refused(tmp_path, capsys):
    from geodata.cli import main

    assert main(["export", "--layer", "usbp", "--layer", "facilities", "-o", str(tmp_path / "x.geojson")]) == 2
    assert "not both" in capsys.readouterr().err


def test_bundled_measures_load():
    assert load_measure("usbp") is not None and load_measure("atd") is not None


def test_a_new_measure_needs_only_a_reader_and_a_registry_entry(tmp_path):
    # The worked example of docs/measures.md: detainers by state and month.
    from geodata.core.measures import Measure, register
    from geodata.imports.measures import build_measure_files
    from layers.measures import measure_layer

    (tmp_path / "shared" / "detainers").mkdir(parents=True)
    (tmp_path / "shared" / "detainers" / "detainers.csv").write_text("state,month,detainers\nmn,2025-01,12\n"
                                                                     "TX,2025-01,40\nTX,2025-02,30\n")

    def read_detainers(shared_data, report):
        raw = pd.read_csv(shared_data / "detainers" / "detainers.csv", dtype=str)
        start = pd.to_datetime(raw["month"] + "-01")
        return pd.DataFrame({
            "measure": "detainers", "place_kind": "state", "place_id": raw["state"].str.upper(), "category": "",
            "period_start": start.dt.strftime("%Y-%m-%d"),
            "period_end": (start + pd.offsets.MonthEnd(0)).dt.strftime("%Y-%m-%d"),
            "value": pd.to_numeric(raw["detainers"]), "source": "https://example.org/detainers",
        })[list(MEASURE_COLUMNS)]

    try:
        register(Measure(key="detainers", label="ICE detainers", unit="detainers", place_kinds=("state",),
                         summary="sum", source_name="Example", source_url="https://example.org/detainers",
                         licence="public domain", file="detainers-monthly.csv", reader=read_detainers))
        build_measure_files(tmp_path / "shared", tmp_path / "measures", keys=["detainers"])
        table = load_measure("detainers", tmp_path / "measures")
        got = values_for_range(table, "detainers", "2025-01-01", "2025-02-28")
        assert got.set_index("place_id")["value"].to_dict() == {"TX": 70, "MN": 12}
        assert measure_features("detainers", "2025-02-01", "2025-02-28", aors=["HOU"], table=table)["name"].tolist() \
            == ["Texas"]
        assert len(measure_layer("detainers", table).data["places"]) == 2
    finally:
        MEASURES.pop("detainers", None)


def test_cli_export_of_287g_and_arrests_from_a_data_folder(fixture_287g, tmp_path):
    # 287(g) as ENF287G's table (here a fixture), arrests as `geodata fetch ddp-arrests` writes them.
    from geodata.cli import main
    from geodata.core.measures import save_measure

    folder = tmp_path / "data"
    save_measure(fixture_287g, "287g", folder / "measures")
    arrests = _table([("county", "27053", "", "2025-06-02", "2025-06-08", 13),
                      ("county", "27003", "", "2025-06-09", "2025-06-15", 10),
                      ("state", "MN", "", "2025-06-09", "2025-06-15", 11)], "arrests")
    save_measure(arrests, "arrests", folder / "measures")
    for key, table, start, end in (("287g", fixture_287g, "2025-09-01", "2025-11-30"),
                                   ("arrests", arrests, "2025-06-01", "2025-06-30")):
        out = tmp_path / f"{key}.geojson"
        assert main(["export", "--layer", key, "--start", start, "--end", end, "--data", str(folder),
                     "-o", str(out)]) == 0
        doc = _valid_rfc7946(out)
        fig = measure_figures(key, start, end, table=table)
        assert len(doc["features"]) == fig["places"] and sum(f["properties"]["value"] for f in doc["features"]) \
            == fig["total"]
    assert {f["properties"]["place_id"] for f in doc["features"]} == {"27053", "27003", "MN"}
    empty = tmp_path / "empty"
    assert main(["export", "--layer", "arrests", "--data", str(empty), "-o", str(tmp_path / "x.csv")]) == 2


def test_cli_export_of_one_287g_model_is_the_map_s_count_of_that_model(fixture_287g, tmp_path, capsys):
    from geodata.cli import main
    from geodata.core.measures import save_measure

    folder = tmp_path / "data"
    save_measure(as_runs(fixture_287g), "287g", folder / "measures")
    out = tmp_path / "tf.csv"
    assert main(["export", "--layer", "287g", "--category", "Task Force Model", "--start", "2025-09-01",
                 "--end", "2025-10-31", "--data", str(folder), "-o", str(out)]) == 0
    got = pd.read_csv(out, dtype={"place_id": str})
    want = values_for_range(fixture_287g, "287g", "2025-09-01", "2025-10-31", category="Task Force Model")
    assert dict(zip(got["place_id"], got["value"])) == dict(zip(want["place_id"], want["value"])) == {"27053": 1,
                                                                                                        "FL": 1}
    assert set(got["category"]) == {"Task Force Model"}
    # A model the table does not have, two of them, or an incident category: one clear message, exit 2.
    for extra in (["--category", "Task Force"],
                  ["--category", "Task Force Model", "--category", "Jail Enforcement Model"]):
        assert main(["export", "--layer", "287g", *extra, "--data", str(folder), "-o", str(out)]) == 2
    assert "its categories: Jail Enforcement Model, Task Force Model" in capsys.readouterr().err
    assert main(["export", "--category", "Task Force Model", "-o", str(tmp_path / "x.geojson")]) == 2
    assert "unknown category" in capsys.readouterr().err
